// The kit's Voila front end. Voila's own (a JupyterLab application) evaluates ~90 scripts before
// it connects to the kernel; this page needs only a kernel connection, the ipywidgets controls,
// anywidget and, on pages with LaTeX, MathJax, so it loads one script and draws the outputs
// Voila put in the page.
import '@lumino/widgets/style/index.css';
import '@jupyter-widgets/controls/css/widgets-base.css';
import { ServerConnection } from '@jupyterlab/services';
import { KernelConnection } from '@jupyterlab/services/lib/kernel/default';
import { Widget } from '@lumino/widgets';

import { KitWidgetManager } from './manager';

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
const KIT_URL = document.currentScript && document.currentScript.src;
const CELL_OUTPUT = 'script[type="application/vnd.voila.cell-output+json"]';

function text(value) {
  return Array.isArray(value) ? value.join('') : String(value ?? '');
}

function preformatted(host, content, stderr = false) {
  const pre = document.createElement('pre');
  pre.className = 'jp-RenderedText';
  pre.dataset.mimeType = stderr ? 'application/vnd.jupyter.stderr' : 'text/plain';
  pre.textContent = content;
  host.appendChild(pre);
}

/** One cell output, drawn where Voila left its JSON. */
async function renderOutput(output, host, manager) {
  const data = output.data || {};
  if (data[WIDGET_VIEW]) {
    const model = await manager.get_model(data[WIDGET_VIEW].model_id);
    const view = await manager.create_view(model);
    Widget.attach(view.luminoWidget, host);
  } else if (output.output_type === 'stream') {
    preformatted(host, text(output.text), output.name === 'stderr');
  } else if (output.output_type === 'error') {
    // With show_tracebacks off, Voila has already replaced the traceback with a one-line message.
    const lines = (output.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
    preformatted(host, lines || `${output.ename}: ${output.evalue}`, true);
  } else if (data['text/html']) {
    host.innerHTML = text(data['text/html']); // the notebook's own output, trusted as in Voila
  } else if (data['image/png']) {
    const img = document.createElement('img');
    img.src = `data:image/png;base64,${text(data['image/png'])}`;
    host.appendChild(img);
  } else if (data['text/plain']) {
    preformatted(host, text(data['text/plain']));
  }
}

/**
 * LaTeX in the markdown cells, as JupyterLab typesets it: MathJax 3, loaded only on pages with
 * math. Resolves once the cells are typeset. plotly.js takes any global MathJax for its own and
 * breaks on one that is still loading, so the widgets are drawn after this, and the global is
 * removed again (JupyterLab keeps MathJax out of the global scope too).
 */
function typesetMath() {
  const cells = [...document.querySelectorAll('.jp-MarkdownOutput')]
    .filter((cell) => /\$|\\\(|\\\[/.test(cell.textContent));
  if (!cells.length || !KIT_URL) {
    return Promise.resolve();
  }
  const root = new URL('mathjax/', KIT_URL).href;
  return new Promise((resolve) => {
    const done = () => {
      delete window.MathJax;
      document.body.dataset.kitMath = 'done';
      resolve();
    };
    window.MathJax = {
      tex: {
        inlineMath: [['$', '$'], ['\\(', '\\)']],
        displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true,
        processEnvironments: true,
      },
      chtml: { fontURL: `${root}output/chtml/fonts/woff-v2` },
      options: { enableMenu: false },
      startup: {
        typeset: false,
        ready() {
          window.MathJax.startup.defaultReady();
          window.MathJax.typesetPromise(cells).catch((error) => console.error(error)).then(done);
        },
      },
    };
    const script = document.createElement('script');
    script.src = `${root}tex-chtml.js`;
    script.async = true;
    script.onerror = done;
    document.head.appendChild(script);
  });
}

function showProblem(message) {
  let banner = document.getElementById('kit-problem');
  if (!banner) {
    banner = document.createElement('div');
    banner.id = 'kit-problem';
    banner.className = 'kit-problem';
    banner.setAttribute('role', 'alert');
    document.body.prepend(banner);
  }
  banner.textContent = message;
}

function watchKernel(kernel) {
  kernel.statusChanged.connect((_, status) => {
    if (status === 'dead' || status === 'autorestarting') {
      showProblem('This app has stopped on the server. Reload the page to start it again.');
    }
  });
  kernel.connectionStatusChanged.connect((_, status) => {
    if (status === 'disconnected') {
      showProblem('The connection to the server was lost. Reload the page.');
    }
  });
}

/**
 * Ask the server to shut the kernel down when the student leaves, as Voila's front end does. The
 * beacon works where the page shares a Jupyter server's _xsrf cookie (JupyterLab's preview, a hub);
 * standalone Voila sets none and refuses it (403), and there the kit's kernel manager shuts the
 * kernel down once its last connection has been closed for a while (widgets/kernels.py).
 */
function shutdownOnLeave(baseUrl, kernel) {
  window.addEventListener('pagehide', () => {
    const data = new FormData();
    const xsrf = document.cookie.match('\\b_xsrf=([^;]*)\\b');
    data.append('_xsrf', (xsrf && xsrf[1]) || '');
    navigator.sendBeacon(`${baseUrl}voila/api/shutdown/${kernel.id}`, data);
    kernel.dispose();
  });
}

async function main() {
  const math = typesetMath();
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const serverSettings = ServerConnection.makeSettings({ baseUrl: config.baseUrl });
  const kernel = new KernelConnection({ model: { id: config.kernelId, name: 'python3' }, serverSettings });
  watchKernel(kernel);
  shutdownOnLeave(config.baseUrl, kernel);
  const manager = new KitWidgetManager(kernel);
  try {
    await manager.restore();
  } catch (error) {
    console.error(error);
    showProblem('The app could not load its controls from the server. Reload the page.');
    return;
  }
  await math;
  await Promise.all([...document.querySelectorAll(CELL_OUTPUT)].map(async (script) => {
    const host = document.createElement('div');
    host.className = 'jp-OutputArea-output';
    script.replaceWith(host);
    try {
      await renderOutput(JSON.parse(script.textContent), host, manager);
    } catch (error) {
      console.error(error);
      preformatted(host, `This part of the page could not be shown (${error.message}).`, true);
    }
  }));
  document.body.dataset.kitReady = 'true';
}

main();
