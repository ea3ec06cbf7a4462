// plotly.js for the kit's figures: its core (the scatter trace, the axes, legend, hover, modebar,
// shapes, annotations...) and the other trace types the kit draws: bar, heatmap and contour.
// plotly-partial.mjs bundles this file the way plotly.js's own lib/index-*.js partial bundles are
// made, with the same public API. A figure with any other trace type (the explorer's Scattergl map
// above 3,000 papers, a box plot in a teacher's own notebook) draws with plotly's full module:
// widgets/compat.py picks the module from this build's list of trace types.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/contour'),
]);

module.exports = Plotly;
