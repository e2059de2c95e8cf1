"""The run controls, at the top of the sidebar: Mesa's Reset, Play / Pause and Step, the pace of
play, the size of the network sample, and what the page says once the run has finished.

Needs the ``viz`` extra.

Mesa's own :func:`~mesa.visualization.solara_viz.ModelController` (the controller inside
SolaraViz) draws Reset, ▶ / ❚❚ and Step and steps the model; its Reset rebuilds the model as
``DashboardModel(panel=..., sample_size=...)``. The card around it is stratsim's: it leaves out
what SolaraViz would add for a general model (a "Use Threads" checkbox, a "Time: 60.0"
readout) and gives every slider its value.

At the last period Mesa keeps Play and Step off until a new run starts. The card then says
``Finished: month 60 of 60`` and offers **Run again**: a new run with the current (valid)
settings, with Mesa's controls started afresh (:meth:`PageSession.rebuild` changes their key).

Core objects:
    RunControls: the card.
    MesaControls: Mesa's controller, keyed by the session's count of fresh runs.
    RunStatus: the finished message and Run again.
"""

from __future__ import annotations

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.dashboard.inputs import run_sliders
from sim.dashboard.layout import _html, _slider
from sim.dashboard.session import PageSession
from sim.dashboard.state import run_status

__all__ = ["PLAY_INTERVAL_MS", "MesaControls", "RunControls", "RunStatus"]

PLAY_INTERVAL_MS = 150
"""Pause between periods while playing, milliseconds (adjustable on the page)."""


@solara.component
def RunStatus(session: PageSession):
    """Once the run has reached its last period: ``Finished: month 60 of 60`` and Run again."""
    update_counter.get()
    status = run_status(session.model.value)
    if status is None:
        return
    with solara.Column(classes=["stratsim-finished"], gap="4px"):
        solara.Success(status, dense=True, classes=["stratsim-finished-message"])
        solara.Button("Run again", on_click=session.rebuild, color="primary",
                      classes=["stratsim-run-again"])
        unit = session.model.value.spec.period_unit
        _html(f"A new run from {unit} 0 with the current settings (as Reset).", note=True)


@solara.component
def MesaControls(session: PageSession, play_interval: solara.Reactive[int],
                 render_interval: solara.Reactive[int]):
    """Mesa's Reset, Play / Pause and Step, started afresh whenever ``session.runs`` changes.

    The key is set at the top of this component's render: inside a container, Solara's
    renderer keeps a component whose key changes instead of mounting it anew.
    """
    use_threads = solara.use_reactive(False)  # Mesa reads it as a reactive variable
    ModelController(
        session.model,
        model_parameters={"panel": session.panel, "sample_size": session.sample_size.value},
        play_interval=play_interval,
        render_interval=render_interval,
        use_threads=use_threads,
    ).key(f"run-controls-{session.runs.value}")


@solara.component
def RunControls(session: PageSession):
    """Mesa's Reset, Play / Pause and Step; the pause between periods while playing, the
    periods per redraw, the customers the network view draws; the finished state."""
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    size = session.sample_size.value
    with solara.Card("Controls"):
        MesaControls(session, play_interval, render_interval)
        RunStatus(session)
        play, render, sample = run_sliders(play_interval.value, render_interval.value, size)
        _slider(play, lambda v: play_interval.set(int(v)))
        _slider(render, lambda v: render_interval.set(int(v)))
        _slider(sample, lambda v: session.set_sample_size(int(v)))
        _html("The network view's sample is drawn when a run starts.", note=True)
