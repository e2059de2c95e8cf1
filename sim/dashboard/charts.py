"""The dashboard's charts, as Vega-Lite specifications (plain dictionaries).

Every function takes data (the run's tidy time series, the customer sample's frame, one
customer's value components) and returns a Vega-Lite specification that the page's Vega-Lite
widget draws. The specifications are written as dictionaries rather than through Altair: a
chart is rebuilt every period, and building the page's eight charts with Altair's schema
objects took about 350 ms per period whatever the market's size; as dictionaries, about
20 ms. Nothing here needs Solara or the ``viz`` extra, so the charts are unit-tested without
a browser (tests/dashboard/test_charts.py).

Charts of the run (MODEL.md section 1, "loyalty and profit over time"):
    loyalty            truly loyal customers of each firm, share of all customers
    market share       units sold per firm, share of purchase occasions; not buying, dashed
    profit             profit per period, with a zero line
    cumulative profit  profit summed since the start
    satisfaction       mean satisfaction (solid) and trust (dashed) of each firm's customers
    loyalty classes    each firm's customers by class (potential, new, repeat, loyal, lapsed)
Customers:
    network            a sample of customers coloured by the firm they buy from, shaded by
                       their loyalty class toward it, with their word-of-mouth links
    delivered value    one customer's value (up) and cost (down) components per firm, and
                       the delivered value (value minus cost) as a labelled diamond

Every chart is as wide as its card: single and layered charts have ``width: "container"``
(autosize ``fit-x``, padding included); the loyalty-class facet, which Vega-Lite cannot size to
a container, gives its column count in ``usermeta.fitColumns`` and the page's widget
(:mod:`sim.dashboard.vega`) widens its columns to fill the card. Heights are fixed. The
specifications use only what the page's bundled Vega-Lite (5.2) supports.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sim.dashboard.sample import NO_FIRM
from sim.dashboard.state import VALUE_SIDE
from sim.levers import LOYALTY_CLASSES
from sim.market.population import COMPONENTS
from sim.report.figures import OUTSIDE_OPTION_COLOUR

__all__ = ["CLASS_COLOURS", "CLASS_OPACITY", "COMPONENT_COLOURS", "CONTAINER", "FIT_COLUMNS",
           "chart_frame", "classes_chart", "line_chart", "network_chart", "run_charts",
           "satisfaction_chart", "share_chart", "split_data", "value_chart"]

Spec = dict[str, Any]

CONTAINER = "container"
"""Width of a single or layered chart: its card's (Vega-Lite ``width: "container"``)."""
FIT_COLUMNS = "fitColumns"
"""``usermeta`` key of a faceted chart: its number of columns, which the widget widens (or
narrows) together until the chart fills its card."""
CHART_WIDTH = 430
"""Width of the loyalty-class panels together before the widget fits them, pixels."""
CHART_HEIGHT = 190
"""Plot height of a time-series chart, pixels."""
NETWORK_HEIGHT = 380
VALUE_CHART_HEIGHT = 300
NO_FIRM_COLOUR = "#c7c7c7"
"""Customers who buy from no firm at the moment."""
CLASS_COLOURS = {
    "potential": "#d9d9d9", "new": "#9ecae1", "repeat": "#4292c6", "loyal": "#08306b",
    "lapsed": "#fdae6b",
}
"""Loyalty classes (MODEL.md section 2) from light to dark; lapsed in orange."""
CLASS_OPACITY = {"loyal": 1.0, "repeat": 0.7, "new": 0.4, "lapsed": 0.9, "potential": 0.55,
                 "unaware": 0.25}
"""Shade of a customer's dot by its loyalty class toward the firm it buys from (with no firm:
lapsed, potential or unaware)."""
COMPONENT_COLOURS = {
    "product": "#1f5f99", "service": "#3b8bc2", "personnel": "#74b3d8", "image": "#b3d6ea",
    "money": "#b2182b", "time": "#e0603f", "energy": "#f4a582", "psychic": "#f9d3bd",
}
"""Value components in blues, cost components in reds."""
EMBED_OPTIONS = {"actions": False, "renderer": "svg"}
"""vega-embed options: no export menu; SVG (crisp, and every mark is an element)."""


# --------------------------------------------------------------------------- helpers
def values(frame: pd.DataFrame, digits: int = 10) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-safe records (NaN as null, numbers rounded)."""
    return json.loads(frame.to_json(orient="records", double_precision=digits))


def _top(spec: Spec, title: str, subtitle: str, *, columns: int | None = None) -> Spec:
    """A top-level specification: title, embed options, quiet view, and a width that fills
    the card: ``width: "container"`` with autosize ``fit-x`` (padding included), or, for a
    facet of ``columns`` columns, ``usermeta.fitColumns`` for the page's widget."""
    usermeta: Spec = {"embedOptions": EMBED_OPTIONS}
    if columns is None:
        # lay the chart out again after every data change (axis labels grow with the run)
        autosize = {"type": "fit-x", "contains": "padding", "resize": True}
        spec = {**spec, "width": CONTAINER}
    else:
        autosize = {"type": "pad", "resize": True}
        usermeta[FIT_COLUMNS] = columns
    return {
        "title": {"text": title, "subtitle": subtitle, "anchor": "start", "fontSize": 14,
                  "subtitleColor": "#666", "subtitleFontSize": 11},
        **spec,
        "autosize": autosize,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11}},
        "usermeta": usermeta,
    }


def _firm_scale(colours: dict[str, str]) -> Spec:
    return {"domain": list(colours), "range": list(colours.values())}


def _time(unit: str, last: int, *, title: bool = True, ticks: int | None = None) -> Spec:
    axis: Spec = {"format": "d", "tickMinStep": 1}
    if ticks:
        axis["tickCount"] = ticks
    return {"field": "period", "type": "quantitative", "title": unit if title else None,
            "scale": {"domain": [0, max(last, 1)], "nice": False}, "axis": axis}


def _zero_rule() -> Spec:
    return {"data": {"values": [{"zero": 0}]}, "mark": {"type": "rule", "color": "#999"},
            "encoding": {"y": {"field": "zero", "type": "quantitative"}}}


def split_data(spec: Spec) -> tuple[Spec, dict[str, list[dict[str, Any]]]]:
    """The specification with each inline data set replaced by a named one (``d0``, ``d1``,
    ... in the order found), and those data sets by name.

    Two calls on charts of the same kind give the same structure, so the page's widget
    (:class:`sim.dashboard.vega.VegaView`) only swaps the data of the chart it shows.
    """
    datasets: dict[str, list[dict[str, Any]]] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "data" and isinstance(value, dict) and "values" in value:
                    name = f"d{len(datasets)}"
                    datasets[name] = value["values"]
                    out[key] = {"name": name}
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(spec), datasets


def chart_frame(timeseries: pd.DataFrame, customers: int) -> pd.DataFrame:
    """The run's time series plus ``loyal_share``: loyal customers / all customers."""
    df = timeseries.copy()
    df["loyal_share"] = df["loyal"] / customers if customers else 0.0
    return df


# --------------------------------------------------------------------------- the run
def line_chart(df: pd.DataFrame, column: str, colours: dict[str, str], unit: str, last: int,
               title: str, subtitle: str, *, percent: bool = False,
               zero_rule: bool = False) -> Spec:
    """One line per firm of ``column`` over time (firm colours, no legend: the page shows the
    firms' colours once, above the charts)."""
    line: Spec = {
        "data": {"values": values(df[["period", "firm", column]])},
        "mark": {"type": "line", "strokeWidth": 2, "point": last <= 24},
        "encoding": {
            "x": _time(unit, last),
            "y": {"field": column, "type": "quantitative", "title": None,
                  "axis": {"format": "%" if percent else "~s"}},
            "color": {"field": "firm", "type": "nominal", "scale": _firm_scale(colours),
                      "legend": None},
            "tooltip": [{"field": "firm", "type": "nominal"},
                        {"field": "period", "type": "quantitative"},
                        {"field": column, "type": "quantitative",
                         "format": ".1%" if percent else ",.0f"}],
        },
    }
    layers = [_zero_rule(), line] if zero_rule else [line]
    return _top({"height": CHART_HEIGHT, "layer": layers}, title, subtitle)


def share_chart(df: pd.DataFrame, colours: dict[str, str], unit: str, last: int) -> Spec:
    """Market share in units per firm, and the outside option (not buying), dashed grey."""
    outside = df.groupby("period", as_index=False)["share_outside"].first()
    lines = line_chart(df, "share_units", colours, unit, last, "", "", percent=True)["layer"]
    rest: Spec = {
        "data": {"values": values(outside)},
        "mark": {"type": "line", "strokeWidth": 1.5, "strokeDash": [4, 3],
                 "color": OUTSIDE_OPTION_COLOUR},
        "encoding": {
            "x": _time(unit, last),
            "y": {"field": "share_outside", "type": "quantitative"},
            "tooltip": [{"field": "period", "type": "quantitative"},
                        {"field": "share_outside", "type": "quantitative", "format": ".1%",
                         "title": "not buying"}],
        },
    }
    return _top({"height": CHART_HEIGHT, "layer": [*lines, rest]},
                "Market share", "units sold, share of all purchase occasions (grey dashed:"
                " not buying)")


def satisfaction_chart(df: pd.DataFrame, colours: dict[str, str], unit: str,
                       last: int) -> Spec:
    """Mean satisfaction (solid) and trust (dashed) over each firm's current customers."""
    long = df[["period", "firm", "satisfaction", "trust"]].melt(
        id_vars=["period", "firm"], var_name="measure", value_name="level")
    spec: Spec = {
        "height": CHART_HEIGHT,
        "data": {"values": values(long)},
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": _time(unit, last),
            "y": {"field": "level", "type": "quantitative", "title": None,
                  "scale": {"domain": [0, 1]}},
            "color": {"field": "firm", "type": "nominal", "scale": _firm_scale(colours),
                      "legend": None},
            "strokeDash": {"field": "measure", "type": "nominal",
                           "scale": {"domain": ["satisfaction", "trust"],
                                     "range": [[1, 0], [5, 3]]},
                           "legend": {"orient": "bottom-right", "title": None,
                                      "direction": "horizontal"}},
            "detail": {"field": "measure", "type": "nominal"},
            "tooltip": [{"field": "firm", "type": "nominal"},
                        {"field": "measure", "type": "nominal"},
                        {"field": "period", "type": "quantitative"},
                        {"field": "level", "type": "quantitative", "format": ".2f"}],
        },
    }
    return _top(spec, "Satisfaction and trust", "means over each firm's current customers,"
                " 0 to 1")


def classes_chart(df: pd.DataFrame, firms: list[str], unit: str, last: int) -> Spec:
    """Each firm's customers by loyalty class over time: one stacked-area panel per firm."""
    classes = list(LOYALTY_CLASSES)
    long = df[["period", "firm", *classes]].melt(id_vars=["period", "firm"], var_name="class",
                                                 value_name="count")
    long["order"] = long["class"].map({c: k for k, c in enumerate(classes)})
    spacing = 14
    width = max(70, int((CHART_WIDTH - spacing * (len(firms) - 1)) / max(len(firms), 1)))
    inner: Spec = {
        "width": width, "height": CHART_HEIGHT - 45,
        "mark": {"type": "area"},
        "encoding": {
            "x": _time(unit, last, title=False, ticks=3),
            "y": {"field": "count", "type": "quantitative", "stack": True, "title": None,
                  "axis": {"format": "~s"}},
            "color": {"field": "class", "type": "nominal",
                      "scale": {"domain": classes,
                                "range": [CLASS_COLOURS[c] for c in classes]},
                      "legend": {"orient": "bottom", "title": None,
                                 "direction": "horizontal"}},
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [{"field": "firm", "type": "nominal"},
                        {"field": "class", "type": "nominal"},
                        {"field": "period", "type": "quantitative"},
                        {"field": "count", "type": "quantitative", "format": ",",
                         "title": "customers"}],
        },
    }
    spec: Spec = {
        "data": {"values": values(long)},
        "facet": {"column": {"field": "firm", "type": "nominal", "sort": firms, "title": None,
                             "header": {"labelFontWeight": "bold", "labelFontSize": 12}}},
        "spacing": spacing,
        "spec": inner,
    }
    return _top(spec, "Customers by loyalty class", f"each firm's customers by class, per"
                f" {unit}", columns=max(len(firms), 1))


def run_charts(timeseries: pd.DataFrame, colours: dict[str, str], customers: int,
               unit: str, last: int) -> list[tuple[str, Spec]]:
    """The six charts of a run, in page order, by name."""
    df = chart_frame(timeseries, customers)
    return [
        ("loyalty", line_chart(df, "loyal_share", colours, unit, last, "Loyalty",
                               "truly loyal customers of each firm, share of all customers",
                               percent=True)),
        ("share", share_chart(df, colours, unit, last)),
        ("profit", line_chart(df, "profit", colours, unit, last, "Profit",
                              "revenue minus every cost line, per period", zero_rule=True)),
        ("cumulative_profit", line_chart(df, "cumulative_profit", colours, unit, last,
                                         "Cumulative profit", "profit summed since the start",
                                         zero_rule=True)),
        ("satisfaction", satisfaction_chart(df, colours, unit, last)),
        ("classes", classes_chart(df, list(colours), unit, last)),
    ]


# --------------------------------------------------------------------------- customers
def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, colours: dict[str, str],
                  picked: int | None, customers: int) -> Spec:
    """The customer sample: dots coloured by the firm each buys from and shaded by loyalty
    class, grey links between neighbours, the picked customer ringed."""
    axis = {"labels": False, "ticks": False, "title": None, "grid": False, "domain": False}
    scale = {"domain": [-0.03, 1.03], "nice": False, "zero": False}
    x = {"field": "x", "type": "quantitative", "axis": axis, "scale": scale}
    y = {"field": "y", "type": "quantitative", "axis": axis, "scale": scale}
    shades = list(CLASS_OPACITY)
    layers: list[Spec] = []
    if len(edges):
        layers.append({
            "data": {"values": values(edges, 4)},
            "mark": {"type": "rule", "color": "#b0b0b0", "strokeWidth": 0.6, "opacity": 0.6},
            "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}},
        })
    layers.append({
        "data": {"values": values(nodes, 4)},
        "mark": {"type": "circle", "size": 75, "stroke": "#444", "strokeWidth": 0.4,
                 "cursor": "pointer"},
        "encoding": {
            "x": x, "y": y,
            "color": {"field": "firm", "type": "nominal",
                      "scale": {"domain": [*colours, NO_FIRM],
                                "range": [*colours.values(), NO_FIRM_COLOUR]},
                      "legend": {"title": "buys from", "orient": "right"}},
            "opacity": {"field": "loyalty", "type": "ordinal", "sort": shades,
                        "scale": {"domain": shades,
                                  "range": [CLASS_OPACITY[c] for c in shades]},
                        "legend": {"title": "loyalty class", "orient": "right"}},
            "tooltip": [{"field": "customer", "type": "quantitative", "title": "customer"},
                        {"field": "segment", "type": "nominal"},
                        {"field": "firm", "type": "nominal", "title": "buys from"},
                        {"field": "loyalty", "type": "nominal", "title": "loyalty class"}],
        },
    })
    if picked is not None:  # the ring (no data when the picked customer is not drawn)
        chosen = nodes[nodes["customer"] == picked]
        layers.append({
            "data": {"values": values(chosen[["customer", "x", "y"]], 4)},
            "mark": {"type": "point", "size": 360, "filled": False, "color": "black",
                     "strokeWidth": 2.5},
            "encoding": {"x": x, "y": y},
        })
    return _top({"height": NETWORK_HEIGHT, "layer": layers},
                "Customers", f"{len(nodes)} of {customers:,} customers and their"
                " word-of-mouth links; click one to see its delivered value")


def value_chart(components: pd.DataFrame, firms: list[str]) -> Spec:
    """One customer's delivered value per firm: value components stacked up, cost components
    stacked down, delivered value (their sum) as a labelled diamond."""
    order = {c: k for k, c in enumerate(COMPONENTS)}
    data = components.assign(order=components["component"].map(order))
    totals = (data.groupby("firm", as_index=False, sort=False)["signed"].sum()
              .rename(columns={"signed": "delivered"}))
    x = {"field": "firm", "type": "nominal", "sort": firms, "title": None,
         "axis": {"labelAngle": 0, "labelFontSize": 12, "labelFontWeight": "bold"}}
    delivered = {"field": "delivered", "type": "quantitative"}
    layers: list[Spec] = [
        {
            "data": {"values": values(data)},
            "mark": {"type": "bar", "size": 36},
            "encoding": {
                "x": x,
                "y": {"field": "signed", "type": "quantitative", "stack": "zero",
                      "title": "money per unit"},
                "color": {"field": "component", "type": "nominal",
                          "scale": {"domain": list(COMPONENTS),
                                    "range": [COMPONENT_COLOURS[c] for c in COMPONENTS]},
                          "legend": {"title": None, "orient": "right"}},
                "order": {"field": "order", "type": "quantitative"},
                "tooltip": [{"field": "firm", "type": "nominal"},
                            {"field": "component", "type": "nominal"},
                            {"field": "side", "type": "nominal"},
                            {"field": "amount", "type": "quantitative", "format": ",.1f",
                             "title": "money per unit"}],
            },
        },
        _zero_rule() | {"mark": {"type": "rule", "color": "#333"}},
        {
            "data": {"values": values(totals)},
            "mark": {"type": "point", "shape": "diamond", "size": 170, "filled": True,
                     "color": "black", "opacity": 1},
            "encoding": {"x": x, "y": delivered,
                         "tooltip": [{"field": "firm", "type": "nominal"},
                                     {**delivered, "format": "+,.1f",
                                      "title": "delivered value"}]},
        },
        {
            "data": {"values": values(totals)},
            "mark": {"type": "text", "dx": 24, "align": "left", "fontWeight": "bold"},
            "encoding": {"x": x, "y": delivered, "text": {**delivered, "format": "+,.0f"}},
        },
    ]
    sides = ", ".join(VALUE_SIDE)
    return _top({"height": VALUE_CHART_HEIGHT, "layer": layers},
                "Delivered value", f"value ({sides}) up, cost down; ◆ = value minus cost")
