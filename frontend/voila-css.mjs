// Voila's lab template starts every page with voila-style.js: 343 kB of JavaScript (webpack's
// style-loader) that, when it runs, adds JupyterLab's CSS to the page as 63 <style> elements. It
// is a blocking script, evaluated on every page load before the page can be drawn (99 ms of the main
// thread on the diffusion lesson). The kit's own front end needs only the CSS: this script runs
// voila-style.js once, here, against a few lines of stand-in DOM, collects the CSS it adds, in order,
// and writes it as one stylesheet that the teachkit-lite template links where the script was.
// Font Awesome is left out (the template links it already, from its own static folder, after this
// file: the same rules, which win), and the font URLs are made relative to the stylesheet, which
// Voila serves from the same template static folder as the fonts.
//
//   node voila-css.mjs <voila's templates/base/static/voila-style.js> <out.css>
//
// `python -m widgets.compat` runs it on the installed Voila and records the source's sha256
// (voila-lab.json); tests/test_compat.py checks that record against the installed Voila.
import { readFile, writeFile } from 'node:fs/promises';
import vm from 'node:vm';

const [, , source, out] = process.argv;
if (!source || !out) {
  console.error('usage: node voila-css.mjs <voila-style.js> <out.css>');
  process.exit(2);
}
const BASE = 'http://voila.invalid/static/';
const added = [];

function element(tag) {
  return {
    tagName: tag.toUpperCase(),
    childNodes: [],
    attributes: {},
    setAttribute(name, value) { this.attributes[name] = value; },
    removeAttribute(name) { delete this.attributes[name]; },
    appendChild(child) {
      this.childNodes.push(child);
      child.parentNode = this;
      if (this.tagName === 'HEAD' && child.tagName === 'STYLE') {
        added.push(child);
      }
      return child;
    },
    removeChild(child) {
      this.childNodes = this.childNodes.filter((c) => c !== child);
      return child;
    },
    get firstChild() { return this.childNodes[0] || null; },
    get textContent() { return this.childNodes.map((c) => c.data ?? c.textContent ?? '').join(''); },
  };
}

const head = element('head');
const document = {
  baseURI: BASE,
  currentScript: { src: `${BASE}voila-style.js`, tagName: 'SCRIPT' },
  head,
  createElement: element,
  createTextNode: (data) => ({ data }),
  querySelector: (selector) => (selector === 'head' ? head : null),
  getElementsByTagName: (tag) => (tag === 'head' ? [head] : []),
};
const window = { document, location: { href: BASE }, HTMLIFrameElement: function HTMLIFrameElement() {} };
window.window = window;
window.self = window;
vm.runInContext(await readFile(source, 'utf8'), vm.createContext({ window, self: window, document, location: window.location, URL }));

const FONT_AWESOME = /^\/\*!\s*\n \* Font Awesome Free/;
const blocks = added.map((style) => style.textContent);
const kept = blocks.filter((css) => !FONT_AWESOME.test(css));
if (blocks.length < 20 || blocks.length - kept.length !== 2) {
  throw new Error(`voila-style.js added ${blocks.length} stylesheets, ${blocks.length - kept.length} of them Font Awesome: `
                  + 'not what this script was written for (63 and 2, Voila 0.5.13); check the page by eye');
}
const css = kept.join('\n').split(BASE).join('');
if (css.includes('voila.invalid')) {
  throw new Error('a URL in voila-style.js is not relative to its folder');
}
await writeFile(out, `/* JupyterLab's CSS as Voila's voila-style.js adds it to a page (without Font Awesome),
   written by frontend/voila-css.mjs for the teachkit-lite template: do not edit. */
${css}\n`);
console.log(`${out}: ${kept.length} of ${blocks.length} stylesheets, ${css.length} characters`);
