"""The page's layout: its stylesheet, and the small building blocks its components share.

Needs the ``viz`` extra.

Core objects:
    CSS: the stylesheet of the page's fixed, readable layout (the main area's grid and panels,
        the sidebar's cards).
    _html, _chart, _colours: a bit of trusted HTML, a Vega-Lite chart from
        :mod:`sim.dashboard.charts` (drawn by :mod:`sim.dashboard.vega`), the firms' colours.
    _slider, NumberInput, _problems: a slider from :class:`~sim.dashboard.inputs.SliderSpec`
        (its label says its value); a typed whole number that says, under the input, why what
        was typed cannot be used; a card's problems in red.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import solara

from sim.dashboard import charts
from sim.dashboard.inputs import SliderSpec, WholeNumber
from sim.dashboard.panel import DashboardModel
from sim.dashboard.vega import VegaView
from sim.report.figures import firm_colours

__all__ = ["CSS", "NumberInput"]

CSS = """
.stratsim-main { padding: 0 8px 24px 8px; }
.stratsim-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
                 gap: 12px; }
.stratsim-customers { display: grid; grid-template-columns: minmax(560px, 1fr) minmax(560px, 1.3fr);
                      gap: 12px; }
@media (max-width: 1500px) { .stratsim-customers { grid-template-columns: 1fr; } }
.stratsim-panel { background: white; border: 1px solid #e0e0e0; border-radius: 6px;
                  padding: 8px 10px; overflow-x: auto; }
.stratsim-period { font-size: 1.6rem; font-weight: 600; white-space: nowrap; }
.stratsim-chip { display: inline-block; padding: 1px 10px; margin: 2px 6px 2px 0;
                 border-radius: 12px; color: white; font-weight: 500; font-size: 0.9rem; }
.stratsim-note { color: #555; font-size: 0.82rem; line-height: 1.3; }
.stratsim-empty { color: #777; padding: 60px 12px; text-align: center; }
.stratsim-table table { border-collapse: collapse; font-size: 0.85rem; }
.stratsim-table th, .stratsim-table td { padding: 2px 8px; text-align: right; }
.stratsim-table th { border-bottom: 1px solid #999; }
.stratsim-table td:first-child, .stratsim-table th:first-child { text-align: left; }
.stratsim-table tr.total td { font-weight: 600; border-top: 1px solid #999; }
.stratsim-table tr.section td { padding-top: 10px; font-weight: 600; text-align: left; }
.v-navigation-drawer .v-card__title { font-size: 1.05rem; padding: 8px 12px 4px 12px; }
.v-navigation-drawer .v-expansion-panel-header { min-height: 40px; padding: 8px 12px; }
.v-navigation-drawer .v-expansion-panel-content__wrap { padding: 0 10px 8px 10px; }
.stratsim-problem { color: #b00020; font-size: 0.82rem; line-height: 1.3; margin: 2px 0 6px 0; }
.stratsim-finished { margin-top: 8px; }
.stratsim-finished-tag { color: #1b5e20; font-weight: 600; }
.stratsim-value-chart { flex: 1 1 300px; min-width: 260px; }
"""


def _colours(model: DashboardModel) -> dict[str, str]:
    """Each firm's colour, by the rule every figure and the report use: its position among the
    scenario's firms, incumbents in file order, then entrants (:mod:`sim.report.style`)."""
    return firm_colours(model.spec.all_firm_names())


def _html(markup: str, *, note: bool = False, classes: list[str] | None = None):
    """A bit of trusted HTML (Solara's Markdown would load a maths renderer from the web)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markup,
                       classes=(["stratsim-note"] if note else []) + (classes or []))


def _chart(spec: dict[str, Any], on_click: Callable[[Any], None] | None = None):
    """A Vega-Lite widget drawing a specification from :mod:`sim.dashboard.charts`; from one
    period to the next only its data change (see :mod:`sim.dashboard.vega`)."""
    structure, datasets = charts.split_data(spec)
    return VegaView.element(spec=structure, datasets=datasets, on_click=on_click,
                            listen_to_click=on_click is not None)


def _slider(spec: SliderSpec, on_value: Callable[[Any], None]):
    """A slider drawn from its :class:`~sim.dashboard.inputs.SliderSpec` (label with value)."""
    if spec.whole:
        return solara.SliderInt(spec.label, value=int(spec.value), min=int(spec.low),
                                max=int(spec.high), step=int(spec.step), on_value=on_value)
    return solara.SliderFloat(spec.label, value=float(spec.value), min=spec.low, max=spec.high,
                              step=spec.step, on_value=on_value)


def _problems(problems: list[str]):
    """A card's own problems, in red, beside the inputs they concern."""
    for problem in problems:
        _html(escape(problem), classes=["stratsim-problem"])


@solara.component
def NumberInput(number: WholeNumber, value: int, on_value: Callable[[int], None],
                name: str, style: dict[str, str] | None = None):
    """A typed whole number: a valid one is passed to ``on_value`` when the input loses focus
    or Enter is pressed; anything else stays in the input with, under it, what is wrong and
    the range (never silently ignored). ``name`` gives the CSS class ``stratsim-input-NAME``."""
    text, set_text = solara.use_state(str(value))
    problem, set_problem = solara.use_state(None)

    def outside_change() -> None:  # the value changed elsewhere (a restore, another run)
        set_text(str(value))
        set_problem(None)

    solara.use_effect(outside_change, [value])

    def commit(typed: str | None) -> None:
        number_typed, why = number.check(typed)
        set_text(typed or "")
        set_problem(why)
        if number_typed is not None:
            on_value(number_typed)

    return solara.InputText(f"{number.label} ({number.hint})", value=text, on_value=commit,
                            error=problem or False, continuous_update=False,
                            classes=[f"stratsim-input-{name}"], style=style)
