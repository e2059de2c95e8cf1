"""The dashboard's model between two threads, without a browser: Mesa's Play steps it in a
thread of its own while the page reads it in another. A period never overlaps a read of the
page, and never starts while the page is redrawing the run."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from sim.dashboard.panel import REDRAW_WAIT_S, DashboardModel
from sim.dashboard.state import ControlPanel, scenario_catalogue

ROOT = Path(__file__).resolve().parents[2]


def model() -> DashboardModel:
    panel = ControlPanel.open(scenario_catalogue(ROOT / "scenarios"), "default",
                              customers=500, sample_size=30)
    return panel.build()


def stepping(m: DashboardModel) -> threading.Thread:
    thread = threading.Thread(target=m.step, daemon=True)
    thread.start()
    return thread


def test_a_period_waits_while_the_page_redraws() -> None:
    m = model()
    assert REDRAW_WAIT_S >= 1.0
    m.begin_redraw()
    thread = stepping(m)
    thread.join(timeout=0.3)
    assert thread.is_alive() and m.period == 0  # held back while the page redraws
    m.end_redraw()
    thread.join(timeout=60)
    assert not thread.is_alive() and m.period == 1


def test_the_rule_counts_periods_whatever_order_the_page_redraws_in() -> None:
    """Solara may redraw the last component before the first: a period still waits only until
    the page has drawn the one before it."""
    m = model()
    m.begin_redraw()
    m.end_redraw(0)
    assert not m.redraw_pending()
    m.step()  # period 1 done; the page has drawn period 0 only
    assert m.redraw_pending()
    m.end_redraw(1)  # the last component first ...
    m.begin_redraw()  # ... then the first: nothing holds back
    assert not m.redraw_pending()
    m.end_redraw(0)  # a late note of an older period does not undo a newer one
    assert not m.redraw_pending()


def test_a_page_that_stopped_drawing_holds_nothing_back(monkeypatch) -> None:
    import sim.dashboard.panel as panel

    monkeypatch.setattr(panel, "REDRAW_WAIT_S", 0.2)
    m = model()
    m.begin_redraw()
    m.step()  # waits 0.2 s for a page that never draws, then goes on
    assert m.period == 1 and not m.redraw_pending()
    m.begin_redraw()  # the page's first component alone does not hold the run again
    assert not m.redraw_pending()
    m.end_redraw(1)  # the page draws again: the rule is back
    m.step()
    assert m.redraw_pending()


def test_a_period_waits_for_a_read_of_the_page() -> None:
    m = model()
    with m.lock:  # as a component reading the model
        thread = stepping(m)
        thread.join(timeout=0.3)
        assert thread.is_alive() and m.period == 0
        frame = m.timeseries()  # the same thread may read again (the lock is re-entrant)
    thread.join(timeout=60)
    assert m.period == 1 and frame.empty
    assert len(m.timeseries()) == len(m.active_firms)


def test_steps_without_a_page_do_not_wait() -> None:
    m = model()
    for _ in range(3):
        m.step()
    assert m.period == 3
    assert isinstance(m.timeseries(), pd.DataFrame) and len(m.timeseries()) == 9
