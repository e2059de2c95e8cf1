"""One open page's session: its control panel and the run it shows, shared by its components.

Needs the ``viz`` extra (Solara's reactive variables).

Core objects:
    PageSession: what the components of one open page (one browser tab) share: the control
        panel, and reactive variables for the run, the settings, their problems, the picked
        customer, the size of the network sample and the count of runs started afresh. Settings
        apply at once while the run is at period 0; after that the page asks for Reset (a
        control never changes a run halfway). A finished run can be run again at once.
    open_panel: the control panel of a new page, from the ``STRATSIM_DASHBOARD_*`` environment
        that ``stratsim dashboard`` sets (:mod:`sim.dashboard.server`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import solara

from sim.dashboard.panel import ControlPanel, DashboardModel, scenario_catalogue
from sim.dashboard.server import ENV_CUSTOMERS, ENV_FOLDER, ENV_SCENARIO
from sim.dashboard.settings import DashboardSettings

__all__ = ["PageSession", "open_panel"]


def open_panel() -> ControlPanel:
    """The control panel of a new page, from the ``STRATSIM_DASHBOARD_*`` environment."""
    scenario = os.environ.get(ENV_SCENARIO) or None
    folder = os.environ.get(ENV_FOLDER) or None
    customers = os.environ.get(ENV_CUSTOMERS)
    catalogue = scenario_catalogue(folder, scenario)
    key = None if scenario else ("default" if "default" in catalogue else None)
    return ControlPanel.open(catalogue, key, customers=int(customers) if customers else None)


@dataclass
class PageSession:
    """What the components of one open page (one browser tab) share."""

    panel: ControlPanel
    model: solara.Reactive[DashboardModel]
    settings: solara.Reactive[DashboardSettings]
    problems: solara.Reactive[list[str]]
    picked: solara.Reactive[int]
    sample_size: solara.Reactive[int] = None  # type: ignore[assignment]
    """Customers the network view draws, from the next run (default: the panel's size)."""
    runs: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(0))
    """Runs started after a finished one: the key of Mesa's run controls, which start afresh
    (Play and Step on again) whenever it changes."""

    def __post_init__(self) -> None:
        if self.sample_size is None:
            self.sample_size = solara.reactive(self.panel.sample_size)

    def change(self, settings: DashboardSettings) -> None:
        """Take new settings; at period 0 the run is rebuilt with them at once (later, the
        page asks for Reset)."""
        self._took(self.panel.update(settings))

    def choose_scenario(self, key: str) -> None:
        """Switch to another scenario file: a new run starts at once."""
        self._took(self.panel.choose_scenario(key), always=True)

    def restore(self) -> None:
        """Every control back to the scenario file's values."""
        self._took(self.panel.restore())

    def set_sample_size(self, size: int) -> None:
        """Draw ``size`` customers in the network view: at period 0 at once, else from the
        next run."""
        self.sample_size.set(int(size))
        if self.model.value.period == 0:
            self.rebuild()

    def differs_from_run(self) -> bool:
        """Whether a new run would differ from the one shown (settings or network sample)."""
        model = self.model.value
        drawn = min(self.sample_size.value, model.population.n)
        return self.panel.differs_from(model) or drawn != len(model.sample.index)

    def _took(self, problems: list[str], always: bool = False) -> None:
        self.problems.set(problems)
        self.settings.set(self.panel.settings)
        if not problems and (always or self.model.value.period == 0):
            self.rebuild()

    def rebuild(self) -> None:
        """Replace the run by a new one from the valid settings (what Reset does; "Run again"
        after the last period). After a finished run, Mesa's run controls start afresh: its
        Play and Step stay off after the last period until they are rebuilt or reset."""
        finished = not self.model.value.running
        self.model.set(DashboardModel(panel=self.panel, sample_size=self.sample_size.value))
        if finished:
            self.runs.set(self.runs.value + 1)
        if not 0 <= self.picked.value < self.model.value.population.n:
            self.picked.set(int(self.model.value.sample.index[0]))
