// The widget manager of the kit's pages: ipywidgets' own HTMLManager (the one its static embedding
// uses: the controls, the Output widget, rendermime for the outputs inside widgets) with what a live
// kernel adds: comms through the page's kernel connection, the models the kernel already holds
// fetched in one request, and outputs captured while the kernel runs a callback inside `with out:`.
// Widget classes come from the packages bundled into this page, checked against the version the
// kernel asks for; nothing is loaded from elsewhere.
import * as base from '@jupyter-widgets/base';
import * as controls from '@jupyter-widgets/controls';
import { CONTROL_COMM_PROTOCOL_VERSION, CONTROL_COMM_TARGET } from '@jupyter-widgets/base-manager';
import { HTMLManager } from '@jupyter-widgets/html-manager';
import { OUTPUT_WIDGET_VERSION } from '@jupyter-widgets/output';
import { CommsOverSubshells } from '@jupyterlab/services';
import anywidget from 'anywidget';
import { coerce, satisfies, validRange } from 'semver';

import { latexTypesetter, markdownParser } from './rendering';

/* global __ANYWIDGET_VERSION__ */
/** The widget modules this page provides, with the versions of their model/view protocol. */
export const PROVIDED = {
  '@jupyter-widgets/base': base.JUPYTER_WIDGETS_VERSION,
  '@jupyter-widgets/controls': controls.JUPYTER_CONTROLS_VERSION,
  '@jupyter-widgets/output': OUTPUT_WIDGET_VERSION,
  anywidget: __ANYWIDGET_VERSION__,
};
const ANYWIDGET = anywidget(base);

/**
 * Whether the bundled `provided` version serves a model asking for `wanted`. A plain version
 * ("2.0.0", what ipywidgets sends) means that major version, as npm's caret does and as
 * ipywidgets' own managers read it; a range ("~0.11.*", anywidget's) is taken as it is.
 */
export function serves(provided, wanted) {
  const range = validRange(wanted) && !/^\d+\.\d+\.\d+$/.test(wanted) ? wanted : `^${coerce(wanted) || wanted}`;
  return Boolean(validRange(range)) && satisfies(provided, range);
}

/**
 * Outputs printed or displayed while the kernel runs code under `with out:` in a callback arrive on
 * the page's kernel connection as replies to the message that started the callback; the kernel
 * names that message in the model's `msg_id`. As JupyterLab's widget manager does, catch them there
 * and keep them in the model (and tell the kernel) instead of letting them fall on the floor.
 */
function liveOutputModel(OutputModel) {
  return class LiveOutputModel extends OutputModel {
    initialize(attributes, options) {
      super.initialize(attributes, options);
      this._hook = (msg) => {
        this._capture(msg);
        return false; // handled here: no other handler shows it
      };
      this.listenTo(this, 'change:msg_id', this._followMsgId);
      this._followMsgId(); // a callback may be running while the page loads
    }

    _followMsgId() {
      const kernel = this.widget_manager.kernel;
      const previous = this.previous('msg_id');
      const current = this.get('msg_id');
      if (previous) {
        kernel.removeMessageHook(previous, this._hook);
      }
      if (current) {
        kernel.registerMessageHook(current, this._hook);
      }
    }

    _capture(msg) {
      const type = msg.header.msg_type;
      if (['execute_result', 'display_data', 'stream', 'error'].includes(type)) {
        this.outputs.add({ ...msg.content, output_type: type });
      } else if (type === 'clear_output') {
        this.clear_output(msg.content.wait);
      } else {
        return;
      }
      this.set('outputs', this.outputs.toJSON(), { newMessage: true });
      this.save_changes();
    }
  };
}

export class KitWidgetManager extends HTMLManager {
  constructor(kernel, mathjaxRoot) {
    super({ loader: (moduleName) => this._load(moduleName) });
    this.kernel = kernel;
    // Markdown (and LaTeX in it, in HTML and in text/latex) inside Output widgets, typeset with the
    // page's MathJax; the controls (HTMLMath, descriptions) look for the typesetter on `_rendermime`.
    this.renderMime = this.renderMime.clone({
      markdownParser,
      latexTypesetter: latexTypesetter(mathjaxRoot),
    });
    this._rendermime = this.renderMime;
    this._outputModel = null;
    this._classes = new Map(); // loadClass: JSON [module, version, class] -> Promise of the class
    this._statesArrived = false; // the kernel's answer to the states request has come
    this._restoring = null; // while the models of that answer are being made
    this._answer = null;
    this.statesRequested = null; // when the states request left (performance.now()), for the tests
    this.openedAfterStates = 0; // widgets made from comm_open messages
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) => this._commOpened(comm, msg));
  }

  /**
   * Every model the kernel has. The page may ask while Voila is still running the notebook's later
   * cells (index.js asks once the first widget's output has arrived): the widgets those cells make
   * then arrive as comm_open messages, which this manager takes from the moment the kernel's answer
   * has arrived. `whileWaiting`, if given, runs once the request for the widgets' states has gone
   * to the kernel: work for the page's idle time until the answer.
   */
  async restore(whileWaiting) {
    let restored;
    this._restoring = new Promise((resolve) => { restored = resolve; });
    try {
      this._answer = await this._requestStates(whileWaiting);
      await this._loadFromKernel(); // ManagerBase makes the models from the answer (_create_comm)
    } finally {
      restored();
      this._restoring = null;
    }
  }

  /**
   * The kernel's answer to `request_states`, asked on a control comm of the page's own.
   * ipywidgets' _loadFromKernel asks the same but gives the kernel 4 s, counted from when the
   * request is written, not from when it leaves (the kernel connection holds it until the kernel has
   * answered kernel_info, that is until the cell it is running has ended); past that it falls back
   * to asking for each widget in turn, while the later cells go on opening widgets. Here the page
   * waits for the answer however long the cells take, as it waits for the page itself.
   * The request goes to the kernel's main shell, behind the cells Voila is running, so that the
   * answer comes in order with the comm_open messages of the widgets those cells make (on a
   * subshell it would be answered in the middle of a cell, from another thread).
   */
  _requestStates(whileWaiting) {
    const comm = this.kernel.createComm(CONTROL_COMM_TARGET);
    comm.commsOverSubshells = CommsOverSubshells.Disabled;
    const answer = new Promise((resolve, reject) => {
      comm.onMsg = (msg) => {
        if (msg.content.data.method === 'update_states') {
          this._statesArrived = true;
          resolve(msg);
          comm.close();
        }
      };
      comm.onClose = () => reject(new Error('the kernel closed the widgets\' control comm'));
    });
    comm.open({}, { version: CONTROL_COMM_PROTOCOL_VERSION });
    comm.send({ method: 'request_states' }, {});
    const left = () => {
      this.statesRequested = performance.now();
      if (whileWaiting) {
        setTimeout(whileWaiting, 0); // a task of its own, once the request has left
      }
    };
    this.kernel.info.then(left, left);
    return answer;
  }

  /**
   * A widget the kernel made. The kernel's answer to the states request (iopub, the same channel
   * and order as these messages) has every widget made before it, in its state at that moment: a
   * widget opened before the answer is left to it (its comm_open may name widgets the page does not
   * know yet, and failing there would close the widget in the kernel), and one opened after is
   * made here, once the answer's models are there to be named.
   */
  async _commOpened(comm, msg) {
    if (!this._statesArrived) {
      comm.dispose(); // frees its id for the comm the answer's model gets; nothing is sent
      return undefined;
    }
    if (this._restoring) {
      // The kernel connection handles its messages one at a time, so this holds back the later
      // ones too, for a moment: making the models needs nothing more from the kernel.
      await this._restoring;
    }
    this.openedAfterStates += 1;
    return this.handle_comm_open(new base.shims.services.Comm(comm), msg);
  }

  /** Modules beyond ipywidgets' own, for HTMLManager's loader hook. */
  _load(moduleName) {
    if (moduleName === 'anywidget') {
      return ANYWIDGET;
    }
    throw new Error(`${moduleName} is not one of the widget modules this page has`);
  }

  /**
   * The class a model or view names, resolved once per page. ManagerBase asks for it once for every
   * model and again for every view (300-odd times on a lesson page), and HTMLManager's own loadClass
   * does its whole lookup each time: semver matching, a fresh CommonJS copy of the controls
   * module's 200 exports, and a getComputedStyle of the page, which makes the browser recompute
   * styles while the page's widgets are being built (bench/RESULTS.md, "The kernel connection
   * opened early").
   * A failed lookup is not kept, so the next model that asks sees the error again.
   */
  loadClass(className, moduleName, moduleVersion) {
    const key = JSON.stringify([moduleName, moduleVersion, className]);
    let cls = this._classes.get(key);
    if (!cls) {
      cls = this._resolveClass(className, moduleName, moduleVersion);
      this._classes.set(key, cls);
      cls.catch(() => this._classes.delete(key));
    }
    return cls;
  }

  async _resolveClass(className, moduleName, moduleVersion) {
    const provided = PROVIDED[moduleName];
    if (!provided) {
      throw new Error(`${moduleName}@${moduleVersion} (${className}) is not a widget module this page has; `
        + `it has ${Object.entries(PROVIDED).map(([name, v]) => `${name}@${v}`).join(', ')}`);
    }
    if (!serves(provided, moduleVersion)) {
      throw new Error(`${moduleName}@${moduleVersion} (${className}) is not supported: this page has `
        + `${moduleName}@${provided}`);
    }
    const cls = await super.loadClass(className, moduleName, moduleVersion);
    if (moduleName === '@jupyter-widgets/output' && className === 'OutputModel') {
      this._outputModel ??= liveOutputModel(cls);
      return this._outputModel;
    }
    return cls;
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    if (targetName === CONTROL_COMM_TARGET && this._answer) {
      // _loadFromKernel's own request: the answer is here already (_requestStates)
      const answer = this._answer;
      this._answer = null;
      let deliver;
      return { on_msg: (callback) => { deliver = callback; }, on_close: () => {}, send: () => deliver(answer), close: () => {} };
    }
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
