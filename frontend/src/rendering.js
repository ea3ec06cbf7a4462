// What JupyterLab's rendermime gets from the application and a plain page has to bring itself: a
// markdown parser (marked, as JupyterLab uses) and a LaTeX typesetter (MathJax 3, as JupyterLab
// typesets). Both are loaded on first use: most pages never show markdown inside a widget, and
// MathJax (static/mathjax, beside kit.js) only on pages with math.

/** `marked`, fetched the first time a markdown output is drawn inside a widget. */
export const markdownParser = {
  async render(source) {
    const { marked } = await import('marked');
    return marked.parse(source, { gfm: true });
  },
};

const MATH = /\$|\\\(|\\\[|\\begin\{/;
let mathjax = null;

/**
 * MathJax 3's combined TeX/CommonHTML component, loaded once from `root` (a URL ending in "/").
 * It stays on `window.MathJax` afterwards: it finds its configuration there, and the TeX
 * extensions it autoloads for a new command register themselves there.
 * plotly.js (3.x) looks there too, only for figure text in $...$: while MathJax is loading it
 * finds no version and draws the text as it is; once loaded it asks for MathJax's SVG output,
 * which this component does not have, catches the failure and draws the figure without that
 * text. The figures draw either way (checked with the koopman lesson and a FigureWidget titled
 * "$y = x^2$" beside an Output with LaTeX); TeX inside figure text is not typeset.
 */
export function loadMathJax(root) {
  if (mathjax) {
    return mathjax;
  }
  mathjax = new Promise((resolve, reject) => {
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
          window.MathJax.startup.promise.then(() => resolve(window.MathJax));
        },
      },
    };
    const script = document.createElement('script');
    script.src = `${root}tex-chtml.js`;
    script.async = true;
    script.onerror = () => reject(new Error(`MathJax could not be loaded from ${script.src}`));
    document.head.appendChild(script);
  });
  return mathjax;
}

let queue = Promise.resolve();

/** Typeset the math in `nodes` (MathJax wants one typesetting pass at a time). */
export function typeset(root, nodes) {
  const withMath = nodes.filter((node) => MATH.test(node.textContent));
  if (!withMath.length) {
    return queue;
  }
  queue = queue
    .then(() => loadMathJax(root))
    .then((MathJax) => MathJax.typesetPromise(withMath))
    .catch((error) => console.error(error));
  return queue;
}

/** rendermime's ILatexTypesetter over `typeset`: rendered outputs, HTMLMath, descriptions. */
export function latexTypesetter(root) {
  return {
    typeset(node) {
      typeset(root, [node]);
    },
  };
}
