// Bundles src/ into the teachkit-lite template's static folder (kit.js, kit.css).
// Run `npm ci && npm run build` here after changing src/ or package.json; the output is committed,
// so serving the kit needs no Node.js.
import * as esbuild from 'esbuild';
import { cp, readFile, rm } from 'node:fs/promises';

const OUT = '../share/jupyter/voila/templates/teachkit-lite/static';

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

await esbuild.build({
  entryPoints: { kit: 'src/index.js' },
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2020',
  outdir: OUT,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.gif': 'dataurl', '.woff': 'file', '.woff2': 'file',
            '.ttf': 'file', '.eot': 'file' },
  plugins: [anywidgetFactory],
  logLevel: 'info',
});

// MathJax 3 (what JupyterLab typesets with), loaded by kit.js only on pages with LaTeX: the
// combined TeX/CommonHTML component, its fonts and the TeX extensions it autoloads.
await rm(`${OUT}/mathjax`, { recursive: true, force: true });
for (const part of ['tex-chtml.js', 'output/chtml/fonts/woff-v2', 'input/tex/extensions']) {
  await cp(`node_modules/mathjax/es5/${part}`, `${OUT}/mathjax/${part}`, { recursive: true });
}
await cp('node_modules/mathjax/LICENSE', `${OUT}/mathjax/LICENSE`);
