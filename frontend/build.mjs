// Bundles src/ into the teachkit-lite template's static folder: kit.js (an ES module), kit.css, the
// chunks kit.js loads only when a page needs them (kit-chunks/) and MathJax (mathjax/).
// Run `npm ci && npm run build` here after changing src/ or package.json; the output is committed,
// so serving the kit needs no Node.js. The build is reproducible (.ci/run rebuilds and compares).
// Only the files this build writes are replaced; anything else in the static folder is left alone.
// Last, plotly-widget-cartesian.js: plotly's FigureWidget module with a partial plotly.js (plotly-partial.mjs).
// KIT_ANALYZE=1 prints what kit.js is made of; KIT_OUT=<folder> writes the files elsewhere.
import * as esbuild from 'esbuild';
import { buildPartialPlotly } from './plotly-partial.mjs';
import { cp, readFile, rm } from 'node:fs/promises';

const OUT = process.env.KIT_OUT || '../share/jupyter/voila/templates/teachkit-lite/static';
const CHUNKS = 'kit-chunks';
const { version: ANYWIDGET_VERSION } = JSON.parse(await readFile('node_modules/anywidget/package.json', 'utf8'));

// HTMLManager's own loadClass also serves ipywidgets 7 models (@jupyter-widgets/base7 and
// controls7, 1 MB) and, on a page without JupyterLab's theme, JupyterLab's CSS variables. The kit's
// manager accepts only the ipywidgets 8 modules it bundles (it checks moduleVersion first) and the
// page has Voila's theme, so neither is ever asked for: leave them out of the bundle. So is Font
// Awesome's CSS, which html-manager's embedding helpers import (1.8 MB, with its fonts): the page
// has it already, from the teachkit template's static folder.
const STUBS = new RegExp(['^@jupyter-widgets/(base7|controls7)(/.*)?$',
                          '^@jupyter-widgets/controls/css/labvariables\\.css$',
                          '^@fortawesome/fontawesome-free/css/'].join('|'));
const notBundled = {
  name: 'not-bundled',
  setup(build) {
    build.onResolve({ filter: STUBS }, (args) => (args.importer.includes('html-manager')
      ? { path: args.path, namespace: 'not-bundled' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (args) => ({
      contents: args.path.endsWith('.css') ? '' : `throw new Error(${JSON.stringify(`${args.path} is not on this page (ipywidgets 7)`)});`,
      loader: args.path.endsWith('.css') ? 'css' : 'js',
    }));
  },
};

// anywidget's package ends in an AMD `define([...], factory)` for the classic notebook; the
// factory takes @jupyter-widgets/base and returns { AnyModel, AnyView }. Export it instead.
const anywidgetFactory = {
  name: 'anywidget-factory',
  setup(build) {
    build.onLoad({ filter: /anywidget[\\/]dist[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace(/define\(\["@jupyter-widgets\/base"\], widget_default\);\s*$/,
        'export default widget_default;\n');
      if (patched === source) {
        throw new Error('anywidget no longer ends in define(...): update build.mjs');
      }
      // anywidget gives a model 2 s to load its ESM and initialize, then fails it ("Failed to
      // initialize model") and the widget never draws. plotly's FigureWidget ESM is 5 MB: on a
      // busy machine (12 pages at once on 2 cores, bench/bench_class.py) evaluating it takes
      // longer, and every figure stayed blank. Allow two minutes, like the kernel's cell time-out.
      const initTimeout = /AbortSignal\.timeout\(2e3\)(\.addEventListener\("abort", \(\) => \{\s*resolvers\.reject\(new Error\("\[anywidget\] Failed to initialize model\."\)\))/;
      if (!initTimeout.test(patched)) {
        throw new Error("anywidget's model-initialization time-out moved: update build.mjs");
      }
      return { contents: patched.replace(initTimeout, 'AbortSignal.timeout(12e4)$1'), loader: 'js' };
    });
  },
};

// html-manager's index also exports its embedding helpers (requireLoader: requirejs, a CDN, a JSON
// schema validator, Font Awesome's CSS, which the page already has from the teachkit template). The
// kit uses only HTMLManager: let esbuild drop those helpers when nothing imports them.
const embedHelpers = {
  name: 'embed-helpers',
  setup(build) {
    build.onResolve({ filter: /^\.\/libembed-amd$/ }, async (args) => {
      if (args.pluginData === 'embed-helpers' || !/html-manager[\\/]lib[\\/]index\.js$/.test(args.importer)) {
        return undefined;
      }
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind,
                                                        importer: args.importer, pluginData: 'embed-helpers' });
      return { ...resolved, sideEffects: false };
    });
  },
};

// Every file a build writes goes first, so that nothing stale (a chunk, a LEGAL file) stays behind.
for (const owned of [CHUNKS, 'kit.js', 'kit.css', 'kit.js.LEGAL.txt', 'kit.css.LEGAL.txt']) {
  await rm(`${OUT}/${owned}`, { recursive: true, force: true });
}
// V8's explicit compile hint: a file that starts with this comment has all its functions compiled
// eagerly, on a background thread while it streams in, instead of each one on the page's main thread
// the first time it runs (after a first, lazy pre-parse). kit.js and plotly's module run most of
// their code as soon as they load (module set-up, the first draw), so the eager compile is work the
// page does anyway, moved off the main thread and done once. Measured on the diffusion lesson
// (bench/RESULTS.md, "Compile hints"): main-thread CPU per page 3.26 -> 2.66 s, all of Chromium's
// 5.48 -> 5.25 s. Browsers without the hint ignore a comment. KIT_COMPILE_HINT=0 builds without it
// (to measure the difference with bench/bench_page_cpu.py; then build again).
const COMPILE_HINT = process.env.KIT_COMPILE_HINT === '0' ? '' : '//# allFunctionsCalledOnLoad\n';

const result = await esbuild.build({
  entryPoints: { kit: 'src/index.js' },
  bundle: true,
  format: 'esm',
  splitting: true, // dynamic import() becomes a chunk of its own, fetched on first use
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  assetNames: `${CHUNKS}/[name]-[hash]`,
  minify: true,
  target: 'es2020',
  outdir: OUT,
  legalComments: 'linked',
  banner: { js: COMPILE_HINT.trim() },
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"', __ANYWIDGET_VERSION__: JSON.stringify(ANYWIDGET_VERSION) },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.gif': 'dataurl', '.woff': 'file', '.woff2': 'file',
            '.ttf': 'file', '.eot': 'file' },
  plugins: [anywidgetFactory, notBundled, embedHelpers],
  logLevel: 'info',
});
if (process.env.KIT_ANALYZE) {
  console.log(await esbuild.analyzeMetafile(result.metafile));
}

// MathJax 3 (what JupyterLab typesets with), loaded by kit.js only on pages with LaTeX: the
// combined TeX/CommonHTML component, its fonts and the TeX extensions it autoloads.
await rm(`${OUT}/mathjax`, { recursive: true, force: true });
for (const part of ['tex-chtml.js', 'output/chtml/fonts/woff-v2', 'input/tex/extensions']) {
  await cp(`node_modules/mathjax/es5/${part}`, `${OUT}/mathjax/${part}`, { recursive: true });
}
await cp('node_modules/mathjax/LICENSE', `${OUT}/mathjax/LICENSE`);

// plotly's module with the kit's partial bundle of plotly.js (see plotly-partial.mjs)
const partial = await buildPartialPlotly(OUT, { banner: COMPILE_HINT });
console.log(`plotly-widget-cartesian.js: ${(partial.bytes / 1e6).toFixed(2)} MB, plotly.js ${partial.plotly_js}, traces ${partial.traces.join(' ')}`);
