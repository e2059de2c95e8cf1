"""One open page's session: its control panel and the run it shows, shared by its components.

Needs the ``viz`` extra (Solara's reactive variables).

Core objects:
    PageSession: what the components of one open page (one browser tab) share: the control
        panel, and reactive variables for the run, the settings, their problems and the picked
        customer. Settings apply at once while the run is at period 0; after that the page asks
        for Reset (a control never changes a run halfway).
    open_panel: the control panel of a new page, from the ``STRATSIM_DASHBOARD_*`` environment
        that ``stratsim dashboard`` sets (:mod:`sim.dashboard.server`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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

    def change(self, settings: DashboardSettings) -> None:
        """Take new settings; at period 0 the run is rebuilt with them at once (later, the
        page asks for Reset)."""
        self._took(self.panel.update(settings))

    def choose_scenario(self, key: str) -> None:
        """Switch to another scenario file: a new run starts at once (unless the current run
        has finished: then at Reset)."""
        self._took(self.panel.choose_scenario(key), always=True)

    def restore(self) -> None:
        """Every control back to the scenario file's values."""
        self._took(self.panel.restore())

    def _took(self, problems: list[str], always: bool = False) -> None:
        self.problems.set(problems)
        self.settings.set(self.panel.settings)
        model = self.model.value
        # A finished run is left alone: SolaraViz keeps Play and Step off until its Reset.
        if not problems and model.running and (always or model.period == 0):
            self.rebuild()

    def rebuild(self) -> None:
        """Replace the run by a new one from the valid settings (what Reset does)."""
        size = len(self.model.value.sample.index)
        self.model.set(DashboardModel(panel=self.panel, sample_size=size))
        if not 0 <= self.picked.value < self.model.value.population.n:
            self.picked.set(int(self.model.value.sample.index[0]))
