"""The classroom page: Mesa's SolaraViz with stratsim's settings, charts and customer view.

Served by ``stratsim dashboard`` (:mod:`sim.dashboard.server`); Solara loads this module by
name and renders :func:`Page`. Needs the ``viz`` extra.

What is Mesa's and what is stratsim's:
    * Mesa's :func:`~mesa.visualization.solara_viz.ModelController`, the controller
      SolaraViz draws, gives Reset, Play / Pause and Step and steps the model; its Reset
      rebuilds the model as ``DashboardModel(panel=..., sample_size=...)``: the panel holds the
      settings. It sits in stratsim's Controls card (:mod:`~sim.dashboard.controls`), which
      leaves out what SolaraViz adds for any model (a "Use Threads" checkbox, a "Time: 60.0"
      readout, sliders that do not say their value) and says when the run has finished, with
      Run again. SolaraViz itself would also put components in a draggable half-width grid
      under numbered tabs; a classroom page needs a fixed, readable layout.
    * Below the controls, in the sidebar: the scenario, each firm's strategy and levers, and
      the market; in the main area: the period, the firms, the downloads, six live charts as
      wide as their cards, the customer network and one customer's delivered value component
      by component. The main area follows Mesa's update counter (it redraws after every step).

Mesa's Play steps the model in a thread of its own. :func:`~sim.dashboard.main_area.RedrawStart`
(the page's first component) says a page draws the run and
:func:`~sim.dashboard.main_area.RedrawEnd` (its last) notes each period drawn; a period waits
until the page has drawn the one before it: on a busy machine Play slows to the page's pace
instead of asking for a new redraw before the last one ends.

Settings apply at once while the run is at period 0; after that a note asks for Reset (a
control never changes a run halfway). Charts read the run's tidy time series (aggregates per
firm, one row per period and firm), never per-customer reporters; the customer view draws a
fixed sample of customers.

The page is put together from :mod:`~sim.dashboard.controls`, :mod:`~sim.dashboard.sidebar`
(stratsim's cards) and :mod:`~sim.dashboard.main_area`, which share one
:class:`~sim.dashboard.session.PageSession`; :mod:`~sim.dashboard.layout` holds the
stylesheet.
"""

from __future__ import annotations

import solara

from sim.dashboard.controls import PLAY_INTERVAL_MS, RunControls
from sim.dashboard.layout import CSS
from sim.dashboard.main_area import MainArea, RedrawEnd, RedrawStart, value_table_html
from sim.dashboard.panel import DashboardModel
from sim.dashboard.session import PageSession, open_panel
from sim.dashboard.sidebar import SettingsCards

__all__ = ["PLAY_INTERVAL_MS", "Page", "PageSession", "open_panel", "value_table_html"]


@solara.component
def Page():
    """The classroom dashboard."""
    panel = solara.use_memo(open_panel, [])
    first = solara.use_memo(lambda: DashboardModel(panel=panel), [])
    model = solara.use_reactive(first)
    settings = solara.use_reactive(panel.settings)
    problems = solara.use_reactive(list(panel.problems))
    picked = solara.use_reactive(int(first.sample.index[0]))
    sample_size = solara.use_reactive(panel.sample_size)
    runs = solara.use_reactive(0)
    session = solara.use_memo(lambda: PageSession(panel, model, settings, problems, picked,
                                                  sample_size, runs), [])

    RedrawStart(model.value)  # first: a page draws this run ...
    solara.Title("stratsim classroom")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("stratsim classroom")
    with solara.Sidebar(), solara.Column(gap="8px"):
        RunControls(session)
        SettingsCards(session)
    MainArea(model.value, session)
    RedrawEnd(model.value)  # ... and notes each period drawn: only then may Play step again
