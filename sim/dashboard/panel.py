"""The control panel of one page: the scenarios it offers, its settings, and the model they build.

Pure Python (no Solara): unit-tested without a browser (tests/dashboard/test_state.py).

Core objects:
    ControlPanel: the settings of one page, kept valid: a change that makes the scenario
        invalid is shown with its problems and never reaches a run.
    DashboardModel: a :class:`~sim.market.model.MarketModel` built from a ControlPanel, so
        that Mesa's SolaraViz can rebuild it on Reset (it calls ``type(model)(**model_params)``),
        with a fixed sample of customers drawn for the customer view. A period and a read of
        the page never overlap (``lock``): Mesa plays the run in a thread of its own while the
        page redraws in another.
    scenario_catalogue: the scenario files a class can pick from.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import sim
from sim.dashboard.sample import CUSTOMER_SAMPLE_SIZE, CustomerSample
from sim.dashboard.settings import (
    DashboardSettings,
    SettingsError,
    build_scenario,
    settings_from_scenario,
)
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario
from sim.scenario.problems import SourceError
from sim.scenario.spec import Scenario

__all__ = ["REDRAW_WAIT_S", "ControlPanel", "DashboardModel", "default_scenario_folder",
           "scenario_catalogue"]

REDRAW_WAIT_S = 5.0
"""Longest a period waits for the page to finish redrawing the previous one, seconds (a page
that stopped redrawing never holds the run up for longer)."""


# --------------------------------------------------------------------------- catalogue
def default_scenario_folder() -> Path:
    """``scenarios/`` in the working directory if there is one, else the one shipped beside
    the ``sim`` package (a source checkout)."""
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    return Path(sim.__file__).resolve().parent.parent / "scenarios"


def scenario_catalogue(folder: str | os.PathLike[str] | None = None,
                       extra: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """The scenarios a class can pick: every ``*.yaml`` in ``folder``, plus ``extra``.

    Keys are file stems (``default``); the ``extra`` file comes first. A stem that is already
    taken by another file gets its folder name prefixed.
    """
    paths: list[Path] = []
    if extra is not None:
        paths.append(Path(extra).resolve())
    base = Path(folder) if folder is not None else default_scenario_folder()
    if base.is_dir():
        paths += sorted(p.resolve() for p in base.glob("*.yaml"))
        paths += sorted(p.resolve() for p in base.glob("*.yml"))
    out: dict[str, Path] = {}
    for p in paths:
        if p in out.values():
            continue
        key = p.stem.removesuffix(".resolved")
        if key in out:
            key = f"{p.parent.name}/{key}"
        out[key] = p
    return out


# --------------------------------------------------------------------------- panel
@dataclass
class ControlPanel:
    """The controls of one page: the settings shown, and the last valid scenario they make.

    A change that makes the scenario invalid is kept in ``settings`` (so the page shows what
    the user set) with its ``problems``; ``valid_settings`` and ``scenario`` keep the last
    valid state, which is what a reset builds.
    """

    catalogue: dict[str, Path]
    settings: DashboardSettings
    valid_settings: DashboardSettings
    scenario: Scenario
    problems: list[str] = field(default_factory=list)
    sample_size: int = CUSTOMER_SAMPLE_SIZE
    _bases: dict[str, Scenario] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, catalogue: Mapping[str, str | os.PathLike[str]], key: str | None = None, *,
             customers: int | None = None,
             sample_size: int = CUSTOMER_SAMPLE_SIZE) -> ControlPanel:
        """A panel on scenario ``key`` (default: the catalogue's first), as its file says.

        ``customers`` overrides the file's market size. Raises
        :class:`~sim.scenario.problems.SourceError` if that file is not valid.
        """
        catalogue = {k: Path(v) for k, v in catalogue.items()}
        if not catalogue:
            raise SettingsError(["no scenario files to choose from"])
        key = next(iter(catalogue)) if key is None else key
        base = load_scenario(catalogue[key])
        settings = settings_from_scenario(key, base)
        if customers is not None:
            settings = settings.with_market(customers=int(customers))
        scenario = build_scenario(base, settings)
        return cls(catalogue=catalogue, settings=settings, valid_settings=settings,
                   scenario=scenario, sample_size=sample_size, _bases={key: base})

    def base(self, key: str | None = None) -> Scenario:
        """The scenario file ``key`` (default: the current one) as written."""
        key = self.settings.scenario if key is None else key
        if key not in self._bases:
            self._bases[key] = load_scenario(self.catalogue[key])
        return self._bases[key]

    def update(self, settings: DashboardSettings) -> list[str]:
        """Take new settings; returns their problems (empty when they make a valid scenario)."""
        self.settings = settings
        try:
            scenario = build_scenario(self.base(settings.scenario), settings)
        except SettingsError as exc:
            self.problems = exc.problems
            return self.problems
        self.valid_settings, self.scenario, self.problems = settings, scenario, []
        return []

    def choose_scenario(self, key: str) -> list[str]:
        """Switch to scenario ``key``: every control as its file says. Returns problems."""
        if key not in self.catalogue:
            raise KeyError(key)
        try:
            base = self.base(key)
        except SourceError as exc:
            self.problems = [str(p) for p in exc.problems]
            return self.problems
        return self.update(settings_from_scenario(key, base))

    def restore(self) -> list[str]:
        """Every control back to the current scenario file's values."""
        return self.choose_scenario(self.settings.scenario)

    def differs_from(self, model: DashboardModel) -> bool:
        """Whether a reset would build a different run than ``model``."""
        return self.valid_settings != model.settings

    def build(self) -> DashboardModel:
        """A new model from the last valid settings."""
        return DashboardModel(panel=self)


# --------------------------------------------------------------------------- model
class DashboardModel(MarketModel):
    """A market built from a :class:`ControlPanel` (what Mesa's SolaraViz resets with).

    ``settings`` are the settings it was built with; ``sample`` the customers the page draws.

    Mesa's Play steps the model in a thread of its own while the page may redraw in another
    (after a click, a setting). Two rules keep them apart:

    * ``lock`` is held for a whole period (:meth:`step`) and the page reads the model under it,
      so a chart never sees a period half done;
    * once a page draws the run, a period does not start until the page has drawn the last
      one (:meth:`end_redraw` notes the period drawn; at most :data:`REDRAW_WAIT_S`):
      otherwise, on a busy machine, a redraw slower than a period never catches up, since
      every period asks for another one, until Solara gives up ("Too many renders") and the
      page shows a traceback. The rule counts periods, not redraws, because Solara may redraw
      the page's components in any order; a page that let a wait run out (a closed tab) holds
      nothing back until it draws again.
    """

    def __init__(self, panel: ControlPanel, sample_size: int | None = None) -> None:
        self.lock = threading.RLock()
        self._drawn = threading.Condition()
        self._drawn_period: int | None = None  # None: no page draws this run, never wait
        self._page_gone = False  # a wait for the page ran out: do not wait until it draws
        super().__init__(panel.scenario, seed=panel.valid_settings.market.seed)
        self.settings = panel.valid_settings
        self.sample = CustomerSample.draw(
            self, panel.sample_size if sample_size is None else int(sample_size))

    def begin_redraw(self) -> None:
        """A page has started to draw the run: from now on a period waits until the page has
        drawn the one before it."""
        with self._drawn:
            if self._drawn_period is None and not self._page_gone:
                self._drawn_period = -1

    def end_redraw(self, period: int | None = None) -> None:
        """The page has drawn the run as of ``period`` (default now): the next period may
        start."""
        with self._drawn:
            drawn = self.period if period is None else period
            previous = -1 if self._drawn_period is None else self._drawn_period
            self._drawn_period = max(previous, drawn)
            self._page_gone = False
            self._drawn.notify_all()

    def redraw_pending(self) -> bool:
        """Whether the next period would wait for the page (to draw the last one)."""
        with self._drawn:
            return self._drawn_period is not None and self._drawn_period < self.period

    def step(self) -> None:
        """One period, once the page has drawn the last one (or after :data:`REDRAW_WAIT_S`),
        with :attr:`lock` held (no page component reads meanwhile)."""
        with self._drawn:
            if not self._drawn.wait_for(lambda: not self.redraw_pending(),
                                        timeout=REDRAW_WAIT_S):
                self._drawn_period, self._page_gone = None, True
        with self.lock:
            super().step()

    def timeseries(self) -> pd.DataFrame:
        """The time series so far, read under :attr:`lock` (never while a period runs)."""
        with self.lock:
            return super().timeseries()

    @property
    def scenario_key(self) -> str:
        """The catalogue key of the scenario this run is built on."""
        return self.settings.scenario
