"""The dashboard's Vega-Lite specifications, without a browser: what data each chart carries,
JSON safety (no NaN), and validity against the Vega-Lite schema the page bundles."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.dashboard import charts
from sim.dashboard.state import ControlPanel, scenario_catalogue, value_components
from sim.levers import LOYALTY_CLASSES
from sim.report.figures import firm_colours

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model():
    panel = ControlPanel.open(scenario_catalogue(ROOT / "scenarios"), "default",
                              customers=700, sample_size=100)
    m = panel.build()
    for _ in range(5):
        m.step()
    return m


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


def strict_json(spec: dict[str, Any]) -> str:
    return json.dumps(spec, allow_nan=False)  # raises on NaN or infinity


def test_six_run_charts_carry_the_time_series(model) -> None:
    df = model.timeseries()
    colours = firm_colours(model.names)
    specs = dict(charts.run_charts(df, colours, model.population.n, "month", 60))
    assert list(specs) == ["loyalty", "share", "profit", "cumulative_profit", "satisfaction",
                           "classes"]
    rows = len(df)
    loyalty = [layer for layer in layers(specs["loyalty"]) if layer["mark"]["type"] == "line"]
    assert len(loyalty[0]["data"]["values"]) == rows
    for record, (_, row) in zip(loyalty[0]["data"]["values"], df.iterrows(), strict=True):
        assert math.isclose(record["loyal_share"], row["loyal"] / model.population.n,
                            rel_tol=1e-5, abs_tol=1e-9)
    profit_layers = layers(specs["profit"])
    assert profit_layers[0]["mark"]["type"] == "rule"  # the zero line
    assert specs["satisfaction"]["data"]["values"][0].keys() >= {"measure", "level"}
    assert len(specs["satisfaction"]["data"]["values"]) == 2 * rows
    assert len(specs["classes"]["data"]["values"]) == len(LOYALTY_CLASSES) * rows
    assert specs["classes"]["facet"]["column"]["sort"] == list(colours)
    for spec in specs.values():
        strict_json(spec)
        assert spec["usermeta"]["embedOptions"]["actions"] is False
        assert "$schema" not in spec


def test_missing_values_become_null() -> None:
    df = pd.DataFrame({"period": [1, 1], "firm": ["A", "B"], "satisfaction": [0.5, math.nan],
                       "trust": [math.nan, 0.4]})
    spec = charts.satisfaction_chart(df, {"A": "#000000", "B": "#ffffff"}, "month", 12)
    text = strict_json(spec)
    assert "null" in text
    levels = [r["level"] for r in spec["data"]["values"]]
    assert levels.count(None) == 2


def test_firm_colours_are_the_reports(model) -> None:
    colours = firm_colours(model.names)
    spec = dict(charts.run_charts(model.timeseries(), colours, 700, "month", 60))["loyalty"]
    scale = layers(spec)[0]["encoding"]["color"]["scale"]
    assert scale == {"domain": list(colours), "range": list(colours.values())}


def test_network_chart_draws_the_sample_and_rings_the_picked_customer(model) -> None:
    nodes = model.sample.frame(model)
    edges = model.sample.edge_frame()
    picked = int(nodes["customer"].iloc[3])
    spec = charts.network_chart(nodes, edges, firm_colours(model.names), picked, 700)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "circle", "point"]
    assert len(spec["layer"][0]["data"]["values"]) == len(edges)
    dots = spec["layer"][1]["data"]["values"]
    assert [d["customer"] for d in dots] == nodes["customer"].tolist()
    assert spec["layer"][2]["data"]["values"][0]["customer"] == picked
    strict_json(spec)
    unpicked = charts.network_chart(nodes, edges, firm_colours(model.names), None, 700)
    assert [layer["mark"]["type"] for layer in unpicked["layer"]] == ["rule", "circle"]


def test_value_chart_stacks_components_and_marks_delivered_value(model) -> None:
    customer = int(model.sample.index[0])
    table = value_components(model, customer)
    spec = charts.value_chart(table, list(model.names))
    bars, _zero, diamonds, labels = spec["layer"]
    assert len(bars["data"]["values"]) == len(table)
    totals = {d["firm"]: d["delivered"] for d in diamonds["data"]["values"]}
    view = model.customer(customer)
    for firm, total in totals.items():
        assert math.isclose(total, view.delivered_value(firm).delivered_value, rel_tol=1e-5)
    assert labels["encoding"]["text"]["field"] == "delivered"
    strict_json(spec)


def bundled_vega_lite_schema() -> Path | None:
    candidates = [Path(sys.prefix) / "share" / "solara" / "cdn"]
    try:
        import solara.server.settings as solara_settings

        candidates.insert(0, Path(solara_settings.assets.proxy_cache_dir))
    except ImportError:
        pass
    for root in candidates:
        found = sorted(root.glob("vega-lite@5*/build/vega-lite-schema.json"))
        if found:
            return found[-1]
    return None


def test_specs_are_valid_for_the_bundled_vega_lite(model) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    path = bundled_vega_lite_schema()
    if path is None:
        pytest.skip('the bundled Vega-Lite comes with the viz extra (pip install -e ".[viz]")')
    schema = json.loads(path.read_text())
    validator = jsonschema.Draft7Validator(schema)
    colours = firm_colours(model.names)
    specs = dict(charts.run_charts(model.timeseries(), colours, 700, "month", 60))
    specs["network"] = charts.network_chart(model.sample.frame(model),
                                            model.sample.edge_frame(), colours, None, 700)
    specs["value"] = charts.value_chart(value_components(model, 0), list(model.names))
    for name, spec in specs.items():
        errors = sorted(validator.iter_errors(json.loads(strict_json(spec))),
                        key=lambda e: list(e.path))
        assert not errors, f"{name}: {[e.message[:200] for e in errors[:3]]}"


def test_split_data_names_every_data_set_and_keeps_the_structure(model) -> None:
    colours = firm_colours(model.names)
    spec = charts.network_chart(model.sample.frame(model), model.sample.edge_frame(), colours,
                                int(model.sample.index[0]), 700)
    structure, datasets = charts.split_data(spec)
    assert list(datasets) == ["d0", "d1", "d2"]
    assert [layer["data"] for layer in structure["layer"]] == [
        {"name": "d0"}, {"name": "d1"}, {"name": "d2"}]
    assert datasets["d1"] == spec["layer"][1]["data"]["values"]
    assert "values" not in json.dumps(structure)
    model.step()
    later, later_data = charts.split_data(charts.network_chart(
        model.sample.frame(model), model.sample.edge_frame(), colours,
        int(model.sample.index[0]), 700))
    assert later == structure  # a new period changes the data only
    assert list(later_data) == list(datasets)
    classes = dict(charts.run_charts(model.timeseries(), colours, 700, "month", 60))["classes"]
    facet_structure, facet_data = charts.split_data(classes)
    assert facet_structure["data"] == {"name": "d0"} and len(facet_data) == 1
