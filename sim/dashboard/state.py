"""The classroom dashboard's state: its controls, the model they build, and what the page shows.

Pure Python (no Solara): everything here is unit-tested without a browser
(tests/dashboard/test_state.py); :mod:`sim.dashboard.app` only draws it.

Core objects:
    DashboardSettings: what the controls say (a scenario file, the market's size, horizon,
        seed and segment mix, and each firm's strategy and main levers); frozen.
    ControlPanel: the settings of one page, kept valid: a change that makes the scenario
        invalid is shown with its problems and never reaches a run.
    DashboardModel: a :class:`~sim.market.model.MarketModel` built from a ControlPanel, so
        that Mesa's SolaraViz can rebuild it on Reset (it calls ``type(model)(**model_params)``),
        with a fixed sample of customers drawn for the customer view.
    CustomerSample: the sample of customers the page draws, their links and a layout.

The settings change a scenario only where the controls differ from it (``build_scenario``):
events, costs, behaviour constants and every other lever stay as the file says. A run's
time series downloads as CSV (``timeseries_csv``), and the resolved scenario (every default
filled in, plus the seed) as YAML (``scenario_yaml``): ``stratsim run`` on that file, for the
same number of periods, reproduces the dashboard's run exactly.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

import sim
from sim.market.model import MarketModel
from sim.market.population import COMPONENTS
from sim.market.relationship import CLASS_NAMES
from sim.scenario.firms import FirmSpec
from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.problems import SourceError
from sim.scenario.resolved import dump_yaml, resolved_scenario
from sim.scenario.spec import Scenario
from sim.strategies import REGISTRY

__all__ = [
    "BY_CLASS",
    "CUSTOMER_SAMPLE_SIZE",
    "ControlPanel",
    "CustomerSample",
    "DashboardModel",
    "DashboardSettings",
    "FirmControls",
    "MarketControls",
    "SettingsError",
    "build_scenario",
    "customer_card",
    "default_scenario_folder",
    "scenario_catalogue",
    "scenario_yaml",
    "settings_from_scenario",
    "strategy_summary",
    "timeseries_csv",
    "value_components",
]

BY_CLASS = "by customer class (as in the scenario)"
"""Relationship-level choice that keeps a scenario's per-class mapping."""
CUSTOMER_SAMPLE_SIZE = 300
"""Customers drawn in the customer view (a fixed sample per run)."""
SAMPLE_SEEDS = 4
"""Customers the snowball sample starts from (it then follows network links)."""
STRATEGY_CHOICES: tuple[str, ...] = tuple(REGISTRY)
"""Strategies a firm can be given on the page: the built-in, registered ones."""
VALUE_SIDE = COMPONENTS[:4]
"""Components of total customer value (Kotler): product, service, personnel, image."""
COST_SIDE = COMPONENTS[4:]
"""Components of total customer cost: money, time, energy, psychic."""
NO_FIRM = "no firm"
"""Label of customers who buy from no firm at the moment."""

# Control ranges shown on the page (the scenario schema's own bounds are wider).
PRICE_RANGE = (10.0, 300.0)
PROMOTION_RANGE = (0.0, 50_000.0)
CUSTOMER_RANGE = (500, 50_000)
PERIOD_RANGE = (6, 240)
FINANCIAL_MAX = 0.2
"""Highest points rate offered on the page (the schema allows 0.5)."""


class SettingsError(ValueError):
    """The controls describe an invalid scenario; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class FirmControls:
    """One firm's strategy and main levers as the page shows them.

    For the 4P, 4C and 4R strategies the levers are where the firm starts: the strategy resets
    price, promotion, convenience, relationship level (and, for 4R, its programs) at each review.
    With ``fixed`` they stay as set.
    """

    name: str
    strategy: str
    price: float
    """List price, money per unit."""
    quality: float
    """Product quality, 0..1."""
    promotion: float
    """Promotion spending, money per period."""
    convenience: float
    """Lowers the customers' time and energy cost, 0..1."""
    relationship_level: str
    """One of Kotler's five levels, or :data:`BY_CLASS` (the scenario's class mapping)."""
    financial: float = 0.0
    """Financial retention program: points worth this fraction of spend (Berry)."""
    social: float = 0.0
    """Social retention program: personalised service, 0..1."""
    structural: float = 0.0
    """Structural retention program: equipment, software, training, 0..1."""
    entry_period: int = 0
    """0 for an incumbent; the period an entrant enters (through a scenario event)."""


@dataclass(frozen=True)
class MarketControls:
    """The market's size, the run's horizon and seed, and the segment mix."""

    customers: int
    periods: int
    seed: int
    segments: tuple[tuple[str, float], ...]
    """(segment, weight) pairs; weights are normalised to shares when the scenario is built,
    and a segment of weight 0 is left out."""

    def shares(self) -> dict[str, float]:
        """Each segment's share of customers (weights normalised; zero weights dropped)."""
        total = sum(w for _, w in self.segments if w > 0)
        if total <= 0:
            return {}
        return {name: w / total for name, w in self.segments if w > 0}


@dataclass(frozen=True)
class DashboardSettings:
    """Everything the controls say: the scenario file, the market, each firm."""

    scenario: str
    """Key of the scenario in the catalogue (its file's stem)."""
    market: MarketControls
    firms: tuple[FirmControls, ...]

    def firm(self, name: str) -> FirmControls:
        """The controls of one firm."""
        for f in self.firms:
            if f.name == name:
                return f
        raise KeyError(name)

    def with_firm(self, name: str, **changes: Any) -> DashboardSettings:
        """These settings with some of one firm's controls changed."""
        self.firm(name)  # raises KeyError for an unknown firm
        firms = tuple(replace(f, **changes) if f.name == name else f for f in self.firms)
        return replace(self, firms=firms)

    def with_market(self, **changes: Any) -> DashboardSettings:
        """These settings with some market controls changed."""
        return replace(self, market=replace(self.market, **changes))

    def with_segment(self, segment: str, weight: float) -> DashboardSettings:
        """These settings with one segment's weight changed."""
        names = [n for n, _ in self.market.segments]
        if segment not in names:
            raise KeyError(segment)
        segments = tuple((n, float(weight) if n == segment else w)
                         for n, w in self.market.segments)
        return self.with_market(segments=segments)


def _firm_controls(name: str, spec: FirmSpec, entry_period: int = 0) -> FirmControls:
    level = spec.relationship_level
    return FirmControls(
        name=name, strategy=spec.strategy, price=float(spec.price), quality=float(spec.quality),
        promotion=float(spec.promotion), convenience=float(spec.convenience),
        relationship_level=level if isinstance(level, str) else BY_CLASS,
        financial=float(spec.programs.financial), social=float(spec.programs.social),
        structural=float(spec.programs.structural), entry_period=entry_period)


def settings_from_scenario(key: str, scenario: Scenario) -> DashboardSettings:
    """The controls as a scenario sets them (incumbents, then entrants in order of entry)."""
    firms = [_firm_controls(name, spec) for name, spec in scenario.firms.items()]
    firms += [_firm_controls(ev.add_firm.name, ev.add_firm, ev.period)
              for ev in sorted(scenario.events, key=lambda e: e.period) if ev.add_firm]
    market = MarketControls(
        customers=scenario.market.customers, periods=scenario.periods, seed=scenario.seed,
        segments=tuple((n, round(s.share * 100.0, 6))
                       for n, s in scenario.market.segments.items()))
    return DashboardSettings(scenario=key, market=market, firms=tuple(firms))


def _apply_firm(target: dict[str, Any], base: FirmSpec, controls: FirmControls) -> None:
    """Write a firm's controls into its scenario data, where they differ from ``base``."""
    if controls.strategy != base.strategy:
        target["strategy"] = controls.strategy
        target["params"] = {}  # the scenario's parameters belong to its own strategy
    for key in ("price", "quality", "promotion", "convenience"):
        value = getattr(controls, key)
        if not math.isclose(value, float(getattr(base, key)), rel_tol=1e-9, abs_tol=1e-12):
            target[key] = value
    if controls.relationship_level != BY_CLASS:
        target["relationship_level"] = controls.relationship_level
    programs = dict(target.get("programs") or {})
    for key in ("financial", "social", "structural"):
        programs[key] = getattr(controls, key)
    target["programs"] = programs


def _problem_lines(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        for line in message.splitlines():
            lines.append(f"{loc}: {line}" if loc else line)
    return lines


def build_scenario(base: Scenario, settings: DashboardSettings) -> Scenario:
    """The scenario ``base`` with the settings applied (a new, validated scenario).

    Only what the controls change is changed. Events after the last period are dropped (they
    would never happen), and with a shorter horizon so are a lesson's expectations (claims
    about the whole run, for ``stratsim check``). Raises :class:`SettingsError` when the result
    is not valid.
    """
    data = base.model_dump(mode="json")
    market = settings.market
    data["periods"] = int(market.periods)
    data["seed"] = int(market.seed)
    data["market"]["customers"] = int(market.customers)
    shares = market.shares()
    if not shares:
        raise SettingsError(["market.segments: at least one segment needs a share above 0"])
    segments = data["market"]["segments"]
    data["market"]["segments"] = {name: {**segments[name], "share": share}
                                  for name, share in shares.items()}
    data["events"] = [ev for ev in data["events"] if ev["period"] <= market.periods]
    if market.periods < base.periods and data.get("expectations"):
        # a lesson's claims (for `stratsim check`) are about the file's whole horizon
        data["expectations"] = []
    entrants = {ev.add_firm.name: (k, ev.add_firm) for k, ev in enumerate(base.events)
                if ev.add_firm}
    kept_entrants = {ev["add_firm"]["name"]: ev["add_firm"] for ev in data["events"]
                     if ev.get("add_firm")}
    for controls in settings.firms:
        if controls.name in base.firms:
            _apply_firm(data["firms"][controls.name], base.firms[controls.name], controls)
        elif controls.name in kept_entrants:
            _apply_firm(kept_entrants[controls.name], entrants[controls.name][1], controls)
    try:
        return scenario_from_dict(data)
    except ValidationError as exc:
        raise SettingsError(_problem_lines(exc)) from None


def strategy_summary(name: str) -> str:
    """The first paragraph of a strategy's docstring: its rule in a sentence or two."""
    doc = (REGISTRY[name].__doc__ or "").strip() if name in REGISTRY else ""
    return " ".join(doc.split("\n\n", 1)[0].split())


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
@dataclass(frozen=True)
class CustomerSample:
    """A fixed sample of customers for the customer view, with their links and a layout.

    The sample is a snowball: from a few customers drawn at random it follows network links
    breadth-first, so that word of mouth between neighbours is visible. Without a network
    (``none``, or ``complete`` where everyone talks to everyone) it is a plain random sample
    laid out on a grid and no links are drawn.
    """

    index: np.ndarray
    """Customer indices, int64."""
    edges: np.ndarray
    """(m, 2) positions in ``index`` of linked pairs (each pair once)."""
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def draw(cls, model: MarketModel, size: int = CUSTOMER_SAMPLE_SIZE,
             seed: int = 0) -> CustomerSample:
        """Draw the sample; its random numbers come from ``seed`` and the model's seed, not
        from any of the model's streams (so drawing it changes nothing in the run)."""
        n = model.population.n
        size = min(int(size), n)
        rng = np.random.default_rng([int(model.seed), int(seed), 0x5A4D])
        network = model.network
        linked = network.kind in ("small_world", "random", "scale_free")
        if linked:
            chosen = _snowball(network, n, size, rng)
        else:
            chosen = np.sort(rng.choice(n, size=size, replace=False))
        position = {int(c): k for k, c in enumerate(chosen)}
        edges = []
        if linked:
            for k, c in enumerate(chosen):
                for j in network.neighbours(int(c)):
                    other = position.get(int(j))
                    if other is not None and other > k:
                        edges.append((k, other))
        edge_array = np.array(edges, dtype=np.int64).reshape(-1, 2)
        x, y = _layout(len(chosen), edge_array, rng)
        return cls(index=np.asarray(chosen, dtype=np.int64), edges=edge_array, x=x, y=y)

    def frame(self, model: MarketModel) -> pd.DataFrame:
        """One row per sampled customer: index, x, y, the firm it buys from now (``no firm``
        if none) and its loyalty class toward that firm (or, with no firm: lapsed if it has
        bought before, potential if it knows a firm, else unaware)."""
        st = model.state
        idx = self.index
        current = st.current[idx].astype(np.int64)
        names = np.array([*model.names, NO_FIRM], dtype=object)
        firm = names[np.where(current >= 0, current, len(model.names))]
        codes = st.loyalty_class[np.clip(current, 0, None), idx]
        classes = np.array(CLASS_NAMES, dtype=object)[codes]
        ever = st.ever[:, idx].any(axis=0)
        aware = st.aware[:, idx].any(axis=0)
        none_class = np.where(ever, "lapsed", np.where(aware, "potential", "unaware"))
        classes = np.where(current >= 0, classes, none_class)
        segment = np.array(model.population.segment_names, dtype=object)[
            model.population.segment[idx]]
        return pd.DataFrame({"customer": idx, "x": self.x, "y": self.y, "firm": firm,
                             "loyalty": classes, "segment": segment})

    def edge_frame(self) -> pd.DataFrame:
        """One row per link: its two ends' coordinates (for drawing lines)."""
        a, b = self.edges[:, 0], self.edges[:, 1]
        return pd.DataFrame({"x": self.x[a], "y": self.y[a], "x2": self.x[b], "y2": self.y[b]})


def _snowball(network: Any, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    starts = rng.choice(n, size=min(SAMPLE_SEEDS, n), replace=False)
    seen: dict[int, None] = {}
    queues = [deque([int(s)]) for s in starts]
    while len(seen) < size and any(queues):
        for q in queues:  # grow the clusters in turn, so each gets a share
            while q:
                c = q.popleft()
                if c in seen:
                    continue
                seen[c] = None
                nb = network.neighbours(c)
                q.extend(int(j) for j in rng.permutation(nb))
                break
            if len(seen) >= size:
                break
    chosen = list(seen)
    if len(chosen) < size:  # small components: top up at random
        rest = np.setdiff1d(np.arange(n), np.array(chosen, dtype=np.int64))
        chosen += [int(c) for c in rng.choice(rest, size=size - len(chosen), replace=False)]
    return np.array(chosen, dtype=np.int64)


def _layout(count: int, edges: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Coordinates in [0, 1]: a force-directed layout of the links, or a grid without links."""
    if count == 0:
        return np.zeros(0), np.zeros(0)
    if edges.size == 0:
        side = math.ceil(math.sqrt(count))
        k = np.arange(count)
        return ((k % side + 0.5) / side, 1.0 - (k // side + 0.5) / side)
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(map(tuple, edges.tolist()))
    start = {k: tuple(p) for k, p in enumerate(rng.random((count, 2)))}
    pos = nx.spring_layout(graph, pos=start, seed=int(rng.integers(2**31)), iterations=60)
    xy = np.array([pos[k] for k in range(count)], dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - lo) / np.where(hi > lo, hi - lo, 1.0)
    return xy[:, 0], xy[:, 1]


class DashboardModel(MarketModel):
    """A market built from a :class:`ControlPanel` (what Mesa's SolaraViz resets with).

    ``settings`` are the settings it was built with; ``sample`` the customers the page draws.
    """

    def __init__(self, panel: ControlPanel, sample_size: int | None = None) -> None:
        super().__init__(panel.scenario, seed=panel.valid_settings.market.seed)
        self.settings = panel.valid_settings
        self.sample = CustomerSample.draw(
            self, panel.sample_size if sample_size is None else int(sample_size))

    @property
    def scenario_key(self) -> str:
        """The catalogue key of the scenario this run is built on."""
        return self.settings.scenario


# --------------------------------------------------------------------------- outputs
def value_components(model: MarketModel, customer: int) -> pd.DataFrame:
    """Customer ``customer``'s delivered value from every firm, component by component.

    One row per firm and component (money per unit, already weighted by the customer's own
    weights): ``firm``, ``component``, ``side`` (value or cost), ``amount`` (positive) and
    ``signed`` (costs negative), in Kotler's order: product, service, personnel, image, money,
    time, energy, psychic.
    """
    view = model.customer(int(customer))
    rows = []
    for firm, record in view.firms.items():
        breakdown = record["value"]
        for component in COMPONENTS:
            amount = float(getattr(breakdown, component))
            side = "value" if component in VALUE_SIDE else "cost"
            rows.append({"firm": firm, "component": component, "side": side,
                         "amount": amount, "signed": amount if side == "value" else -amount})
    return pd.DataFrame(rows, columns=["firm", "component", "side", "amount", "signed"])


def customer_card(model: MarketModel, customer: int) -> dict[str, Any]:
    """What the page says about one customer: who it is, and its standing with each firm.

    Returns a mapping with ``customer``, ``segment``, ``business``, ``current_firm`` and
    ``firms``: per firm, total value, total cost, delivered value, loyalty class, satisfaction,
    trust, commitment, whether the customer is aware of and can reach the firm, and its
    relationship level.
    """
    view = model.customer(int(customer))
    firms = {}
    for name, record in view.firms.items():
        breakdown = record["value"]
        firms[name] = {
            "total_value": breakdown.total_value, "total_cost": breakdown.total_cost,
            "delivered_value": breakdown.delivered_value,
            "loyalty_class": record["loyalty_class"], "satisfaction": record["satisfaction"],
            "trust": record["trust"], "commitment": record["commitment"],
            "aware": record["aware"], "reachable": record["reachable"],
            "ever_bought": record["ever_bought"],
            "relationship_level": record["relationship_level"],
        }
    return {"customer": view.index, "segment": view.segment, "business": view.business,
            "current_firm": view.current_firm, "firms": firms}


def timeseries_csv(model: MarketModel) -> bytes:
    """The run's time series so far as CSV (the columns of ``stratsim run``'s
    timeseries.csv; docs/outputs.md)."""
    return model.timeseries().to_csv(index=False).encode("utf-8")


def scenario_yaml(model: MarketModel) -> str:
    """The run's resolved scenario as YAML: ``stratsim run`` on it reproduces the run."""
    data = resolved_scenario(model.spec, model.seed, sim.__version__)
    header = (f"Scenario of a stratsim dashboard run ({model.spec.name}, seed {model.seed}),"
              f" written by stratsim {sim.__version__}.\nRun it with: stratsim run FILE")
    return dump_yaml(data, header)


def download_name(model: DashboardModel, kind: str) -> str:
    """File name for a download: ``<scenario>-seed<seed>-period<t>.<kind>``."""
    key = model.scenario_key.replace("/", "-")
    return f"{key}-seed{model.seed}-period{model.period}.{kind}"


__all__ += ["COST_SIDE", "NO_FIRM", "STRATEGY_CHOICES", "VALUE_SIDE", "download_name"]
