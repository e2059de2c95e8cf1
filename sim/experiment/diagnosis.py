"""A market's diagnosis over replications: every measure with its interval, the literature
beside it, the NBD of purchases and the Double Jeopardy table.

Each replication (:func:`sim.experiment.measurement.measure_market`) gives one value of each
measure; the replications share nothing but the scenario, so each value is an independent
observation and a measure's interval is the Student-t interval of their mean
(:func:`sim.experiment.intervals.mean_ci`), kept inside the measure's range (shares in [0, 1],
counts at least 0).

- **NBD** (:mod:`sim.experiment.nbd`): the shares of customers with 0..K purchases, averaged
  over replications, and the NBD fitted to them, per firm and for the category.
- **Double Jeopardy** (Ehrenberg, Goodhardt & Barwise 1990): per firm its share, penetration
  ``b``, purchases per buyer ``w``, repeat rate and share of category requirements, sorted by
  share. Smaller brands should have fewer buyers, who also buy them somewhat less often:
  ``b`` and ``w`` should both rise with share, ``b`` much more than ``w``. Ehrenberg's
  approximation ``w (1 - b) = w0`` says ``w (1 - b)`` is about the same for every brand of the
  category; the table gives it per firm and its spread (highest over lowest).
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.intervals import UNBOUNDED, Bounds, mean_ci
from sim.experiment.measurement import CATEGORY, CLASSES, ELASTICITY_LEVERS, FIRM_MEASURES, key
from sim.experiment.nbd import fit_nbd
from sim.experiment.stylised_facts import FACTS

__all__ = ["LABELS", "Diagnosis", "diagnose_runs"]

UNIT: Bounds = (0.0, 1.0)
POSITIVE: Bounds = (0.0, math.inf)

LABELS: dict[str, tuple[str, Bounds]] = {
    "elasticity_price": ("own-price elasticity of units", UNBOUNDED),
    "elasticity_promotion": ("promotion (advertising) elasticity of units", UNBOUNDED),
    "elasticity_quality": ("quality elasticity of units", UNBOUNDED),
    "churn": ("churn per period", UNIT),
    "retention": ("retention per period", UNIT),
    "lifetime": ("expected lifetime 1/churn (periods)", POSITIVE),
    "tenure": ("mean length of relationships that ended (periods)", POSITIVE),
    "spells": ("relationships that ended in the window", POSITIVE),
    "penetration": ("penetration b: share of customers who bought", UNIT),
    "frequency": ("purchases per buyer w", POSITIVE),
    "scr": ("share of category requirements of its buyers", UNIT),
    "repeat": ("repeat rate: first-half buyers who bought again", UNIT),
    "share": ("share of the category's purchases", UNIT),
    "w_1_b": ("w (1 - b)", POSITIVE),
    "units": ("units sold in the window", POSITIVE),
    **{f"class_{c}": (f"{c} customers / all customers", UNIT) for c in CLASSES},
    "no_purchase": ("purchase occasions that ended with no purchase", UNIT),
}
"""Every measure: its label and its range."""


class Diagnosis:
    """The diagnosis of one folder's replications.

    Attributes:
        firms: the firms measured.
        replications: replications that finished.
        measures: one row per (firm, measure): ``firm, measure, label, mean, low, high, n``,
            with ``literature`` and ``source`` where marketing science has a value.
        cross_price: mean cross-price elasticities, ``cross_price.loc[of, firm]``: the
            elasticity of ``firm``'s units to ``of``'s price (own-price on the diagonal).
        nbd: per firm (and :data:`~sim.experiment.measurement.CATEGORY`, ``""``, for the whole
            category) the fitted NBD (``None`` without buyers).
        double_jeopardy: per firm share, penetration, frequency, repeat, scr and w(1-b),
            sorted by share, highest first.
    """

    def __init__(self, runs: pd.DataFrame, firms: list[str], window: int) -> None:
        self.firms = firms
        self.window = window
        self.replications = len(runs)
        self.measures = self._measures(runs)
        self.cross_price = self._cross_price(runs)
        self.nbd = {name: fit_nbd(self._shares(runs, name)) if self._has(runs, name) else None
                    for name in [*firms, CATEGORY]}
        self.double_jeopardy = self._double_jeopardy()

    def _has(self, runs: pd.DataFrame, name: str) -> bool:
        shares = self._shares(runs, name)
        return bool(np.isfinite(shares).all() and shares[1:].sum() > 0)

    def _shares(self, runs: pd.DataFrame, name: str) -> np.ndarray:
        cols = [key(f"purchases_{k}", name) for k in range(self.window + 1)]
        return np.array([runs[c].mean() if c in runs else math.nan for c in cols])

    def _measures(self, runs: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for name in self.firms:
            for measure in FIRM_MEASURES:
                rows.append(self._row(runs, name, measure))
        rows.append(self._row(runs, CATEGORY, "no_purchase"))
        return pd.DataFrame(rows)

    @staticmethod
    def _row(runs: pd.DataFrame, name: str, measure: str) -> dict[str, Any]:
        label, bounds = LABELS[measure]
        column = key(measure, name)
        values = runs[column] if column in runs else pd.Series(dtype=float)
        ci = mean_ci(values.to_numpy(dtype=float), bounds=bounds)
        fact = FACTS.get(measure)
        return {"firm": name, "measure": measure, "label": label, "mean": ci.mean,
                "low": ci.low, "high": ci.high, "n": ci.n,
                "literature": fact.shown() if fact else "",
                "source": fact.source if fact else ""}

    def _cross_price(self, runs: pd.DataFrame) -> pd.DataFrame:
        table = pd.DataFrame(index=pd.Index(self.firms, name="price of"), columns=self.firms,
                             dtype=float)
        for of in self.firms:
            for name in self.firms:
                column = (key("elasticity_price", name) if of == name
                          else key("cross_price", name, of=of))
                table.loc[of, name] = runs[column].mean() if column in runs else math.nan
        return table

    def value(self, firm: str, measure: str) -> float:
        """The mean of ``measure`` for ``firm``."""
        rows = self.measures
        hit = rows[(rows["firm"] == firm) & (rows["measure"] == measure)]
        return float(hit["mean"].iloc[0]) if len(hit) else math.nan

    def _double_jeopardy(self) -> pd.DataFrame:
        columns = ["share", "penetration", "frequency", "repeat", "scr", "w_1_b"]
        table = pd.DataFrame([{"firm": f, **{c: self.value(f, c) for c in columns}}
                              for f in self.firms], columns=["firm", *columns])
        return table.sort_values("share", ascending=False, ignore_index=True)

    def double_jeopardy_checks(self) -> dict[str, Any]:
        """Whether penetration and frequency rise with share (Spearman rank correlations), and
        the spread of w(1-b) (highest over lowest)."""
        dj = self.double_jeopardy.dropna()
        if len(dj) < 2:
            return {"firms": len(dj)}
        rank = dj.rank()
        w1b = dj["w_1_b"]
        return {
            "firms": len(dj),
            "penetration_rises_with_share": float(rank["share"].corr(rank["penetration"])),
            "frequency_rises_with_share": float(rank["share"].corr(rank["frequency"])),
            "repeat_rises_with_share": float(rank["share"].corr(rank["repeat"])),
            "w_1_b_spread": float(w1b.max() / w1b.min()) if w1b.min() > 0 else math.nan,
        }

    def to_json(self) -> dict[str, Any]:
        """Everything, as plain data for ``diagnostics.json``."""
        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        return {
            "replications": self.replications,
            "window": self.window,
            "firms": self.firms,
            "measures": [{k: clean(v) for k, v in row.items()}
                         for row in self.measures.to_dict(orient="records")],
            "cross_price": {of: {f: clean(float(v)) for f, v in row.items()}
                            for of, row in self.cross_price.iterrows()},
            "nbd": {name: (None if fit is None else asdict(fit))
                    for name, fit in self.nbd.items() if name != CATEGORY},
            "nbd_category": (None if self.nbd.get(CATEGORY) is None
                             else asdict(self.nbd[CATEGORY])),
            "double_jeopardy": [{k: clean(v) for k, v in row.items()}
                                for row in self.double_jeopardy.to_dict(orient="records")],
            "double_jeopardy_checks": {k: clean(v)
                                       for k, v in self.double_jeopardy_checks().items()},
            "literature": {m: asdict(f) for m, f in FACTS.items()},
            "levers": list(ELASTICITY_LEVERS),
        }


def diagnose_runs(runs: pd.DataFrame, firms: list[str], window: int) -> Diagnosis:
    """The :class:`Diagnosis` of a folder's finished replications (``status == "ok"``)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    return Diagnosis(ok.reset_index(drop=True), firms, window)
