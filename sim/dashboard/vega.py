"""A Vega-Lite widget that redraws a chart by changing its data, not by rebuilding it.

Solara's own Vega-Lite widget embeds the chart anew whenever its specification changes: for the
dashboard's eight charts that costs about 250 ms of the browser's time every period (each chart
compiled by Vega-Lite, parsed into a Vega view and drawn from scratch), plus 100 ms of debounce.
:class:`VegaView` takes the specification's structure (``spec``) apart from its data
(``datasets``, by name; :func:`sim.dashboard.charts.split_data`): the chart is embedded once, and
a change of data only replaces the values of the live view's named data sets and runs it. A
change of structure (another scenario, other firms) embeds the chart again.

Every chart fills its card's width: one resize observer per widget (disconnected when the
widget goes) follows the plot's width; a chart of width ``"container"`` takes it, and a facet
whose ``usermeta.fitColumns`` gives its number of columns gets the column width (Vega-Lite's
``child_width`` signal) that makes the whole chart as wide as the card.

Front-end files (Vega, Vega-Lite, vega-embed, RequireJS) come from the page's own server, as
for Solara's widget. Needs the ``viz`` extra (ipyvuetify).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import traitlets

__all__ = ["VegaView"]

TEMPLATE = r"""
<template>
  <div class="stratsim-vega" style="width: 100%"><div ref="plot" style="width: 100%"></div></div>
</template>
<script>
const copy = (value) => JSON.parse(JSON.stringify(value));
module.exports = {
  mounted() {
    if (window.ResizeObserver) {
      this.observer = new ResizeObserver(() => { this.fit(); });
      this.observer.observe(this.$refs.plot);
    }
    this.embed();
  },
  destroyed() {
    if (this.observer) { this.observer.disconnect(); this.observer = null; }
    if (this.result) { this.result.finalize(); this.result = null; this.view = null; }
  },
  watch: {
    spec() { this.embed(); },
    datasets() { this.update(); },
  },
  methods: {
    async modules() {
      if (!this.loaded) {
        this.loaded = (async () => {
          await this.loadRequire();
          const cdn = this.getCdn();
          require.config({map: {'*': {
            'vega': `${cdn}/vega@5/build/vega.min.js`,
            'vega-lite': `${cdn}/vega-lite@5/build/vega-lite.min.js`,
            'vega-embed': `${cdn}/vega-embed@6/build/vega-embed.min.js`,
          }}});
          return await new Promise((resolve, reject) => {
            require(['vega', 'vega-lite', 'vega-embed'], (vega, vl, vegaEmbed) => {
              resolve({vega, vegaEmbed});
            }, reject);
          });
        })();
      }
      return this.loaded;
    },
    async embed() {
      const token = (this.token = (this.token || 0) + 1);
      const {vega, vegaEmbed} = await this.modules();
      if (token !== this.token) { return; }
      const datasets = this.datasets;
      // Vega writes into the rows it is given: give it copies, never the synced trait
      // (ipyvue would send the change back to Python, and Python back here, forever).
      const spec = {...copy(this.spec), datasets: copy(datasets)};
      const result = await vegaEmbed(this.$refs.plot, spec, {actions: false, renderer: 'svg'});
      if (token !== this.token) { result.finalize(); return; }
      if (this.result) { this.result.finalize(); }
      this.vega = vega;
      this.result = result;
      this.view = result.view;
      this.shown = datasets;
      this.fitted = null;
      if (this.listen_to_click) {
        this.view.addEventListener('click', (event, item) => {
          this.vega_click(item && item.datum ? item.datum : null);
        });
      }
      await this.fit();
      if (this.datasets !== datasets) { await this.update(); }
    },
    async update() {
      const view = this.view;
      const datasets = this.datasets;
      if (!view || this.shown === datasets) { return; }
      this.shown = datasets;
      for (const [name, values] of Object.entries(datasets)) {
        view.change(name, this.vega.changeset().remove(() => true).insert(copy(values)));
      }
      await view.runAsync();
      if (this.columns()) { this.fitted = null; await this.fit(); }  // axis labels grew
    },
    columns() { return ((this.spec && this.spec.usermeta) || {}).fitColumns || 0; },
    // Fill the card: a chart of width "container" takes the plot's width; a facet of n
    // columns (usermeta.fitColumns) gets the column width that makes the whole chart as wide.
    async fit() {
      const view = this.view;
      const width = this.$refs.plot ? this.$refs.plot.clientWidth : 0;
      if (!view || !width || width === this.fitted) { return; }
      this.fitted = width;
      const columns = this.columns();
      if (!columns) {
        if (this.spec.width === 'container' && view.width() !== width) {
          view.width(width);
          await view.runAsync();
        }
        return;
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const svg = this.$refs.plot.querySelector('svg');
        const column = view.signal('child_width');
        if (!svg || !column) { return; }
        const total = svg.getBoundingClientRect().width;
        const wanted = Math.max(40, Math.floor(column + (width - 1 - total) / columns));
        if (Math.abs(wanted - column) < 1) { return; }
        view.signal('child_width', wanted);
        await view.runAsync();
      }
    },
    loadRequire() {
      if (window.requirejs) { return Promise.resolve(); }
      return new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    getCdn() {
      if (window.solara && window.solara.cdn) { return window.solara.cdn; }
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) { base += '/'; }
      return `${base}_solara/cdn`;
    },
  },
}
</script>
"""


class VegaView(v.VuetifyTemplate):
    """A Vega-Lite chart: ``spec`` without its data, ``datasets`` by name; ``on_click(datum)``
    is called with the clicked mark's data (or None) when ``listen_to_click`` is set."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    listen_to_click = traitlets.Bool(False).tag(sync=True)
    on_click = traitlets.Callable(None, allow_none=True)

    def vue_vega_click(self, datum: Any = None) -> None:
        """Called by the page when a mark is clicked."""
        handler: Callable[[Any], None] | None = self.on_click
        if handler is not None:
            handler(datum)
