// plotly's FigureWidget module with a smaller plotly.js inside.
//
// plotly (the Python package) ships its FigureWidget front end as one ES module,
// package_data/widgetbundle.js: the widget's own code (about 140 kB) and all of plotly.js (4.8 MB,
// every trace type, maplibre and WebGL included) wrapped in one CommonJS shim. Evaluating it costs a
// page about 0.7 s of main-thread time before any figure draws, and the kit's figures use only four
// 2-D trace types. This step bundles plotly-traces.js (plotly.js's core and the trace types bar,
// heatmap and contour; scatter is in the core) with esbuild, from the plotly.js npm package of the
// same release, the way plotly.js's CUSTOM_BUNDLE.md builds a bundle of chosen traces.
// Until 2026-12-03 the kit bundled plotly.js's "cartesian" partial bundle instead
// (lib/index-cartesian.js: box, histogram, histogram2d(contour), image, pie, scatterternary and
// violin as well, 1.6 MB); the four types make the module 1.3 MB and a lesson page's Chromium CPU
// 6 % smaller (bench/RESULTS.md, "The kernel connection opened early"). Before 2026-12-02 it used
// the prebuilt plotly.js-cartesian-dist-min, which cost a page 0.4-0.5 s more main-thread time than
// the same selection built here (bench/RESULTS.md, "plotly.js built here").
//
// It then takes the template's copy of plotly's module (plotly-widget.js, written by
// `python -m widgets.compat` from the installed plotly), finds that one CommonJS shim with a JavaScript
// parser, checks that it is plotly.js of the same version, and writes plotly-widget-cartesian.js: the
// same module with the partial bundle in the shim (the name is the file's since 2026-12-02: every
// type in it is a 2-D cartesian one). The widget code is not touched; it calls only plotly.js's
// public API (newPlot, react, restyle, relayout, update, animate, addTraces, deleteTraces,
// moveTraces, purge, Plots.resize), which the partial bundles keep.
// widgets/compat.py sends a figure to this module when all its traces are of those types.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import * as esbuild from 'esbuild';

const PLOTLY_JS = 'plotly.js';
const ENTRY = fileURLToPath(new URL('./plotly-traces.js', import.meta.url));
const FULL_MODULE = 'plotly-widget.js';
export const OUTPUT = 'plotly-widget-cartesian';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const plotlyVersion = (text, where) => {
  const found = new Set([...text.matchAll(/\.version="(\d+\.\d+\.\d+)"/g)].map((m) => m[1]));
  if (found.size !== 1) {
    throw new Error(`plotly-partial: expected one plotly.js version in ${where}, found ${[...found].join(', ') || 'none'}`);
  }
  return [...found][0];
};

// The module's one `var X = __commonJS((exports, module) => {...})`: the largest top-level call
// whose only argument is a two-parameter arrow function (esbuild's CommonJS wrapper).
function commonJsShim(source) {
  const ast = parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  const shims = [];
  for (const node of ast.body) {
    for (const decl of node.type === 'VariableDeclaration' ? node.declarations : []) {
      const init = decl.init;
      if (init?.type === 'CallExpression' && init.arguments.length === 1
          && init.arguments[0].type === 'ArrowFunctionExpression' && init.arguments[0].params.length === 2) {
        shims.push(init.arguments[0]);
      }
    }
  }
  shims.sort((a, b) => (b.end - b.start) - (a.end - a.start));
  if (!shims.length || shims[0].end - shims[0].start < source.length / 2) {
    throw new Error("plotly-partial: plotly.js is no longer one CommonJS shim in plotly's module: update plotly-partial.mjs");
  }
  return shims[0];
}

export async function buildPartialPlotly(staticDir, { banner = '' } = {}) {
  const full = await readFile(`${staticDir}/${FULL_MODULE}`, 'utf8');
  const fullInfo = JSON.parse(await readFile(`${staticDir}/plotly-widget.json`, 'utf8'));
  if (sha256(full) !== fullInfo.sha256) {
    throw new Error(`plotly-partial: ${FULL_MODULE} does not match plotly-widget.json: run python -m widgets.compat`);
  }
  const shim = commonJsShim(full);
  const inside = full.slice(shim.start, shim.end);
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(await readFile(require.resolve(`${PLOTLY_JS}/package.json`), 'utf8'));
  const want = plotlyVersion(inside, `plotly ${fullInfo.plotly}'s module`);
  if (version !== want) {
    throw new Error(`plotly-partial: plotly ${fullInfo.plotly} bundles plotly.js ${want}, the kit has ${PLOTLY_JS} ${version}: `
                    + `pin ${PLOTLY_JS}@${want} in frontend/package.json`);
  }
  // plotly.js's own esbuild settings (its esbuild-config.js), less the plugins only WebGL and map
  // traces need; a .css import (maplibre's, which registry.js pulls in for map subplots only) is dropped.
  const built = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'cjs',
    minify: true,
    target: 'es2020',
    write: false,
    legalComments: 'eof',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    loader: { '.css': 'empty' },
    logLevel: 'warning',
  });
  const partial = built.outputFiles[0].text;
  if (plotlyVersion(partial, ENTRY) !== want) {
    throw new Error(`plotly-partial: plotly-traces.js did not bundle plotly.js ${want}`);
  }
  const traces = [...new Set([...partial.matchAll(/moduleType:"trace",name:"(\w+)"/g)].map((m) => m[1]))].sort();
  if (!traces.includes('scatter')) {
    throw new Error(`plotly-partial: no trace types found in ${ENTRY}`);
  }
  // a CommonJS bundle: in the shim it sets module.exports, as plotly.js's own dist does
  const module = `${banner}${full.slice(0, shim.start)}(exports, module) => {\n${partial}\n}${full.slice(shim.end)}`;
  await writeFile(`${staticDir}/${OUTPUT}.js`, module);
  const info = { from_sha256: fullInfo.sha256, plotly: fullInfo.plotly, plotly_js: want, bundle: `${PLOTLY_JS}@${version} lib/core.js with plotly-traces.js's trace types, esbuild ${esbuild.version}`,
                 traces, bytes: Buffer.byteLength(module), sha256: sha256(module) };
  await writeFile(`${staticDir}/${OUTPUT}.json`, `${JSON.stringify(info, null, 1)}\n`);
  return info;
}
