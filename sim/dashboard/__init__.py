"""The classroom dashboard: an interactive page on Mesa's SolaraViz (``stratsim dashboard``).

Modules:
    state        the controls, the model they build, the customer sample, the downloads, the
                 scheduled events as sentences, whether the run has finished (pure Python; no
                 Solara needed); it re-exports the names defined in
      settings     what the controls say, and the scenario they make
      panel        the scenarios a page offers, its control panel, and the model it builds
      sample       the customers the network view draws, their links and a layout
    inputs       the sliders (each label says its value), typed numbers checked against their
                 range, problems placed by the input they concern (pure Python)
    charts       the charts' Vega-Lite specifications (pure Python)
    app          the Solara page (needs the ``viz`` extra: ``pip install "stratsim[viz]"``),
                 put together from
      session      what the components of one open page share (its panel and its run)
      controls     Mesa's Reset, Play / Pause and Step, the pace of play, the finished state
      sidebar      stratsim's cards in the sidebar: the scenario, the firms, the market
      main_area    the run's header and charts, the customer network, one customer's value
      layout       the page's stylesheet and the building blocks its components share
      vega         the chart widget
    server       starting the page's web server, offline and without telemetry

Nothing here imports Solara or ``mesa.visualization`` at import time, so ``import sim`` and the
rest of the command line work without the extra.
"""

from __future__ import annotations

__all__ = ["VIZ_EXTRA_HINT", "viz_available"]

VIZ_EXTRA_HINT = (
    'the dashboard needs the viz extra: pip install "stratsim[viz]"'
    ' (from a source checkout: pip install -e ".[viz]")')


def viz_available() -> str | None:
    """None when the dashboard's web packages can be imported, else what is missing."""
    import importlib.util

    for module in ("solara", "mesa.visualization", "altair", "solara_assets"):
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except (ImportError, ValueError):
            return module
    return None
