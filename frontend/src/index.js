// The kit's Voila front end. Voila's own (a JupyterLab application) evaluates ~90 scripts before
// it connects to the kernel; this page needs only a kernel connection, ipywidgets' HTMLManager
// (controls, Output widget, rendermime), anywidget and, on pages with LaTeX, MathJax, so it loads
// one script and draws the outputs Voila put in the page.
import '@lumino/widgets/style/index.css';
import '@jupyter-widgets/controls/css/widgets-base.css';
import { KernelConnection, ServerConnection } from '@jupyterlab/services';

import { MimeModel } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { KitWidgetManager } from './manager';
import { typeset } from './rendering';

const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
const MATHJAX = new URL('mathjax/', import.meta.url).href; // static/mathjax, beside this script
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
    // a widget made by a later cell may come (its comm_open, on the kernel's websocket) after the
    // output that shows it (in the page): ipywidgets' get_model waits for it for up to 2 s
    const model = await manager.get_model(data[WIDGET_VIEW].model_id);
    await manager.display_view(manager.create_view(model), host);
  } else if (output.output_type === 'stream') {
    preformatted(host, text(output.text), output.name === 'stderr');
  } else if (output.output_type === 'error') {
    // With show_tracebacks off, Voila has already replaced the traceback with a one-line message.
    const lines = (output.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
    preformatted(host, lines || `${output.ename}: ${output.evalue}`, true);
  } else {
    // HTML, markdown, LaTeX, images, ...: drawn by rendermime as in JupyterLab (the notebook's own
    // outputs, trusted as in Voila).
    const bundle = Object.fromEntries(Object.entries(data).map(([mime, value]) => [mime, Array.isArray(value) ? text(value) : value]));
    const mimeType = manager.renderMime.preferredMimeType(bundle, 'any');
    if (mimeType) {
      const renderer = manager.renderMime.createRenderer(mimeType);
      await renderer.renderModel(new MimeModel({ data: bundle, metadata: output.metadata, trusted: true }));
      Widget.attach(renderer, host);
    }
  }
}

/** LaTeX in the markdown cells, as JupyterLab typesets it (MathJax 3, loaded only on pages with math). */
async function typesetMarkdownCells() {
  await typeset(MATHJAX, [...document.querySelectorAll('.jp-MarkdownOutput')]);
  document.body.dataset.kitMath = 'done';
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

// kit.js is an async module in the page's head: it runs as soon as it has arrived. A fresh kernel
// (a cold start) is then still running the notebook while Voila streams the page, and the browser has
// nothing to do: on a page that draws figures (the template's preload link, data-kit-figures), it
// evaluates plotly's module then rather than after the kernel has finished. A preheated page arrives
// whole; it evaluates the module (the link has fetched it already) while the kernel gathers the
// widgets' states, the one wait such a page has (main(), manager.restore).
const parsed = document.readyState === 'loading'
  ? new Promise((resolve) => { document.addEventListener('DOMContentLoaded', resolve, { once: true }); })
  : Promise.resolve();
const figureModule = document.querySelector('link[rel="modulepreload"][data-kit-figures]');
// evaluating it once is enough: a second import() of the same URL returns the same module; a failure
// is reported by the figure's own import
const loadFigureModule = figureModule ? () => import(figureModule.href).catch(() => {}) : undefined;
if (figureModule && document.readyState === 'loading') {
  // still streaming a moment later: the kernel is running the notebook. A preheated page has
  // arrived whole by then (its response has ended, though the browser may still be parsing it), and
  // evaluating plotly first would only hold back its widgets.
  const streaming = () => {
    const [navigation] = performance.getEntriesByType?.('navigation') ?? [];
    return document.readyState === 'loading' && !(navigation?.responseEnd > 0);
  };
  setTimeout(() => {
    if (streaming()) {
      loadFigureModule();
    }
  }, 300);
}

/** Resolves when the figures' modules have been evaluated and the page has had a quiet moment. */
async function figuresDrawn() {
  await Promise.allSettled(globalThis.kitFigureModules || []); // filled by widgets/compat.py's stub
  await new Promise((resolve) => {
    if (window.requestIdleCallback) {
      window.requestIdleCallback(resolve, { timeout: 1000 });
    } else {
      setTimeout(resolve, 0);
    }
  });
}

/**
 * The WebSocket class the kernel connection makes its socket with: the first socket it asks for is
 * the one the page's head opened early (the teachkit-lite template, `window.kitKernelSocket`), if it
 * is for the same URL and subprotocols and still open or opening; else that one is closed and a new
 * one made. A socket that has already opened gets its "open" event again once the connection has
 * set its handlers (a microtask: before any other message can arrive).
 */
function kitWebSocket(early, Socket = WebSocket) {
  let offered = Boolean(early && early.socket);
  return function KitWebSocket(url, protocols) {
    if (offered) {
      offered = false;
      const { socket } = early;
      const same = socket.url === new URL(url, window.location.href).href
        && JSON.stringify(protocols) === JSON.stringify(early.protocols);
      if (same && socket.readyState <= Socket.OPEN) {
        if (socket.readyState === Socket.OPEN) {
          queueMicrotask(() => socket.onopen?.(new Event('open')));
        }
        return socket;
      }
      socket.close();
    }
    return new Socket(url, protocols);
  };
}

/** A cell output's JSON, or undefined while the parser has not reached its end. */
const outputs = new WeakMap();
function cellOutput(script) {
  if (!outputs.has(script)) {
    try {
      outputs.set(script, JSON.parse(script.textContent)); // an object parses only when whole
    } catch (error) {
      return undefined;
    }
  }
  return outputs.get(script);
}

/**
 * Resolves when the page shows its first widget (Voila has run the cell that made it and sent its
 * output) or has been parsed whole, whichever comes first. On a cold start the kernel is then still
 * running the notebook's later cells and Voila is still streaming the page: the widgets' states can
 * be fetched and their models made in the meantime.
 */
function firstWidgetOutput() {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => look());
    const done = () => {
      observer.disconnect();
      resolve();
    };
    const look = () => {
      if ([...document.querySelectorAll(CELL_OUTPUT)].some((script) => cellOutput(script)?.data?.[WIDGET_VIEW])) {
        done();
      }
    };
    observer.observe(document, { childList: true, subtree: true, characterData: true });
    parsed.then(done);
    look();
  });
}

async function main() {
  await firstWidgetOutput();
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const early = window.kitKernelSocket;
  const serverSettings = ServerConnection.makeSettings({ baseUrl: config.baseUrl, WebSocket: kitWebSocket(early) });
  const kernel = new KernelConnection({ model: { id: config.kernelId, name: 'python3' }, serverSettings,
                                        clientId: early?.session });
  watchKernel(kernel);
  shutdownOnLeave(config.baseUrl, kernel);
  const manager = new KitWidgetManager(kernel, MATHJAX);
  window.kitWidgetManager = manager; // for the browser's console and the tests
  try {
    await manager.restore(loadFigureModule);
  } catch (error) {
    console.error(error);
    showProblem('The app could not load its controls from the server. Reload the page.');
    return;
  }
  // The cells are shown together at the end of the page (Voila's voila_finish): their outputs are
  // drawn then.
  await parsed;
  await Promise.all([...document.querySelectorAll(CELL_OUTPUT)].map(async (script) => {
    const host = document.createElement('div');
    host.className = 'jp-OutputArea-output';
    script.replaceWith(host);
    try {
      await renderOutput(cellOutput(script), host, manager);
    } catch (error) {
      console.error(error);
      preformatted(host, `This part of the page could not be shown (${error.message}).`, true);
    }
  }));
  // MathJax (1.2 MB) comes after the widgets and their figures, which the student looks at first
  await figuresDrawn();
  await typesetMarkdownCells();
  document.body.dataset.kitReady = 'true';
}

main();
