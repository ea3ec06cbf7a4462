// A widget manager for one live kernel: the models the kernel holds are fetched with the widget
// control protocol (one request for all states), new ones arrive as comm_open messages.
// The classes come from the packages bundled into this page; nothing is loaded from elsewhere.
import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as controls from '@jupyter-widgets/controls';
import anywidget from 'anywidget';

const MODULES = {
  '@jupyter-widgets/base': base,
  '@jupyter-widgets/controls': controls,
  anywidget: anywidget(base),
};

export class KitWidgetManager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) =>
      this.handle_comm_open(new base.shims.services.Comm(comm), msg));
  }

  /** Every model the kernel has now (Voila ran the notebook before the page asked for them). */
  restore() {
    return this._loadFromKernel();
  }

  async loadClass(className, moduleName, moduleVersion) {
    const cls = MODULES[moduleName]?.[className];
    if (!cls) {
      throw new Error(`${moduleName}@${moduleVersion} ${className} is not one of the widgets this page knows`);
    }
    return cls;
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) {
      comm.open(data, metadata, buffers);
    }
    return new base.shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === 'ok' ? reply.content.comms : {};
  }
}
