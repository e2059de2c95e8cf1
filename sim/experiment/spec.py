"""Experiment files: the validated, frozen description of an experiment.

An experiment file names a base scenario, changes to it (``set``), the seed of the replication
seeds, the replications per design point, the design and the outcomes to report with their
direction (the EMA Workbench's vocabulary: levers, uncertainties, outcomes). The designs are
described in :mod:`sim.experiment.design`, which turns a file into runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.columns import COLUMNS
from sim.experiment.task import OUTCOME_METRICS
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import SourceError
from sim.scenario.yamlfile import load_yaml

__all__ = [
    "ARM_NAME_MAX",
    "DesignSpec",
    "ExperimentSpec",
    "OutcomeSpec",
    "RangeSpec",
    "WinnerSpec",
    "arm_slug",
    "load_experiment",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OutcomeSpec(_Strict):
    """An outcome to report, with the direction that is better."""

    name: str = Field(..., description="metric@Firm, e.g. cumulative_profit@Alpha")
    direction: Literal["maximize", "minimize"] = Field("maximize", description="what is better")

    @field_validator("name")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        metric, at, firm = v.partition("@")
        if not at or not firm:
            raise ValueError("an outcome is named metric@Firm, e.g. cumulative_profit@Alpha")
        if metric not in OUTCOME_METRICS:
            raise ValueError(f"unknown metric '{metric}'; metrics: {', '.join(OUTCOME_METRICS)}")
        return v

    @property
    def metric(self) -> str:
        """The metric part of the name."""
        return self.name.partition("@")[0]

    @property
    def firm(self) -> str:
        """The firm part of the name."""
        return self.name.partition("@")[2]


class RangeSpec(_Strict):
    """A parameter range for sampled designs."""

    low: float = Field(..., description="lowest value")
    high: float = Field(..., description="highest value")

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


Values = Annotated[list[Any], Field(min_length=1)]
Linked = dict[str, dict[str, Any]]


class DesignSpec(_Strict):
    """Which design points an experiment runs."""

    kind: Literal["arms", "grid", "lhs", "sobol", "morris"] = Field(
        ..., description="arms, grid, lhs (Latin hypercube), sobol or morris")
    arms: dict[str, dict[str, Any]] | None = Field(
        None, description="arms design: arm name -> {PATH: VALUE} changes")
    parameters: dict[str, RangeSpec | Values | Linked] | None = Field(
        None, description="grid: PATH: [values] or NAME: {LEVEL: {PATH: VALUE}}; sampled designs:"
        " PATH: {low, high}")
    samples: int | None = Field(
        None, ge=1, le=1_000_000, description="lhs: points; sobol: base samples N (runs ="
        " N x (parameters + 2)); morris: trajectories (runs = N x (parameters + 1))")
    levels: int = Field(4, ge=2, le=20, description="morris: grid levels")
    fork_at: int | None = Field(
        None, ge=0, description="arms: the arms share periods 1..fork_at exactly and differ"
        " from fork_at + 1 (their changes are a firm's levers or strategy, as in stratsim"
        " fork)")

    @model_validator(mode="after")
    def _complete(self) -> DesignSpec:
        if self.fork_at is not None and self.kind != "arms":
            raise ValueError("fork_at goes with an arms design")
        if self.kind == "arms":
            if not self.arms:
                raise ValueError("an arms design needs 'arms'")
            if self.parameters:
                raise ValueError("an arms design takes 'arms', not 'parameters'")
            _check_arm_names(list(self.arms))
            return self
        if not self.parameters:
            raise ValueError(f"a {self.kind} design needs 'parameters'")
        reserved = set(COLUMNS) | {"run_id", "seed", "status", "attempts", "seconds", "point",
                                   "replication", "arm"}
        with_at = sorted(p for p in self.parameters if "@" in p or not p.strip())
        if with_at:
            raise ValueError(f"factor names {with_at} are not usable: a name may not be empty or"
                             " hold '@' (it parts metric and firm in outcome names)")
        clash = sorted(set(self.parameters) & reserved)
        if clash:
            raise ValueError(f"factor names {clash} are taken by result columns; choose other"
                             " names (e.g. 'accounts' instead of 'customers')")
        if self.kind == "grid":
            bad = [p for p, v in self.parameters.items() if isinstance(v, RangeSpec)]
            if bad:
                raise ValueError(f"a grid takes lists of values, not ranges: {bad}")
        else:
            bad = [p for p, v in self.parameters.items() if not isinstance(v, RangeSpec)]
            if bad:
                raise ValueError(f"a {self.kind} design takes ranges {{low, high}}: {bad}")
            if self.samples is None:
                raise ValueError(f"a {self.kind} design needs 'samples'")
        return self

    @field_validator("samples")
    @classmethod
    def _balanced_sobol(cls, v: int | None, info: ValidationInfo) -> int | None:
        """Sobol' sequences are balanced only at powers of two (Owen 2020, "On dropping the
        first Sobol' point"; SciPy's qmc.Sobol and SALib warn otherwise)."""
        if v is not None and info.data.get("kind") == "sobol" and v & (v - 1):
            low = 1 << (v.bit_length() - 1)
            raise ValueError(f"sobol samples must be a power of two, such as {low} or {2 * low}")
        return v


ARM_NAME_MAX = 60
"""Longest arm name (its run ids are file names: ``<arm>-r000.parquet``)."""


def arm_slug(name: str) -> str:
    """The run-id stem of an arm: letters, digits, ``_ . -``, never starting with ``-`` or ``.``
    (a file name a shell or a file system could misread)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_").lstrip("-.") or "arm"


def _check_arm_names(names: list[str]) -> None:
    """Arm names are short, printable, and make distinct run ids."""
    seen: dict[str, str] = {}
    for name in names:
        if not name.strip() or len(name) > ARM_NAME_MAX or any(
                ord(c) < 32 or ord(c) == 127 for c in name):
            raise ValueError(f"arm name {name!r} is not usable: 1 to {ARM_NAME_MAX} characters,"
                             " no control characters")
        slug = arm_slug(name)
        if slug in seen:
            raise ValueError(f"arms {seen[slug]!r} and {name!r} make the same run id {slug!r};"
                             " rename one")
        seen[slug] = name


class WinnerSpec(_Strict):
    """Which level of a factor wins, in each cell of other factors (e.g. Kotler's grid)."""

    over: str = Field(..., description="the factor whose best level is sought")
    by: list[str] = Field(default_factory=list, description="factors spanning the table")
    outcome: str = Field(..., description="outcome deciding the winner (metric@Firm)")


class ExperimentSpec(_Strict):
    """An experiment file."""

    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                      description="name (also the default output folder, runs/NAME): letters,"
                      " digits, _ . - and not starting with . or -")
    description: str = Field("", description="what the experiment asks")
    scenario: str = Field(..., description="base scenario file, relative to the experiment file")
    set: list[str] = Field(default_factory=list,
                           description="PATH=VALUE changes applied to the base scenario")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the replication seeds")
    customers: int | None = Field(
        None, ge=1, le=100_000_000, description="customers in every run (sets the base"
        " scenario's market.customers; a design may still change it)")
    periods: int | None = Field(
        None, ge=1, le=10_000, description="periods of every run; the base scenario's events and"
        " expectations after them are left out, with a note")
    replications: int = Field(10, ge=1, le=100_000, description="runs per design point")
    max_runs: int = Field(
        20_000, ge=1, le=10_000_000, description="most runs the experiment may make; a larger"
        " design is refused before anything is built (planning takes about 16 ms and 125 KiB"
        " per design point): raise it explicitly for a larger one")
    design: DesignSpec
    outcomes: list[OutcomeSpec] = Field(default_factory=list, description="outcomes to report")
    winner: WinnerSpec | None = Field(None, description="grid analysis: best level per cell")
    transactions: bool = Field(False, description="keep every run's transaction log (one row"
                               " per purchase) in transactions/RUN_ID.parquet")

    @model_validator(mode="after")
    def _winner_factors(self) -> ExperimentSpec:
        if self.winner is not None:
            factors = set(self.design.parameters or {})
            missing = [f for f in [self.winner.over, *self.winner.by] if f not in factors]
            if self.design.kind != "grid" or missing:
                raise ValueError(f"winner needs grid factors; unknown: {missing}")
        return self



def load_experiment(path: str | Path) -> tuple[ExperimentSpec, LoadedYaml]:
    """Load and validate an experiment file (errors as FILE:LINE:COLUMN lines)."""
    loaded = load_yaml(path)
    try:
        spec = ExperimentSpec.model_validate(loaded.data)
    except ValidationError as exc:
        raise SourceError(problems_from_validation(exc, loaded, ExperimentSpec)) from None
    return spec, loaded
