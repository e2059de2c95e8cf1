"""Sensitivity analysis of an experiment: SALib's Sobol' indices and Morris screening.

First- and total-order Sobol' indices (Saltelli 2002; Saltelli et al. 2010; Jansen 1999) and
Morris elementary effects (Morris 1991; Campolongo, Cariboni & Saltelli 2007) of each outcome,
from the mean outcome per sample point, with SALib's bootstrap intervals. A sample too small
for stable indices gets one plain note saying the size needed (:func:`sample_size_note`);
SALib's and NumPy's own warnings never reach the user.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.report.experiment_figures import sensitivity_figure

if TYPE_CHECKING:
    from sim.experiment.analysis import Analysis

__all__ = ["MORRIS_MIN_TRAJECTORIES", "SOBOL_MIN_SAMPLES", "add_sensitivity",
           "sample_size_note", "sensitivity_indices", "stem"]

LEVEL = 0.95
"""The confidence level of SALib's intervals."""

SOBOL_MIN_SAMPLES = 512
"""Base samples N below which Sobol' indices are unstable (sources: :func:`sample_size_note`)."""
MORRIS_MIN_TRAJECTORIES = 10
"""Trajectories r below which a Morris ranking is unstable (sources: :func:`sample_size_note`)."""


def stem(text: str) -> str:
    """A figure file stem from an outcome name."""
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def sensitivity_indices(manifest: dict[str, Any], runs: pd.DataFrame, outcome: str,
                        kind: str) -> pd.DataFrame:
    """SALib indices of ``outcome`` from the mean outcome per sample point.

    Raises:
        ValueError: a sample point has no successful run (indices need every point).
    """
    experiment = manifest["experiment"]
    params = experiment["design"]["parameters"]
    names = list(params)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[params[n]["low"], params[n]["high"]] for n in names]}
    order = [p for p in manifest.get("points", [])]
    means = runs.groupby("point")[outcome].mean()
    missing = [p for p in order if p not in means.index or not math.isfinite(means[p])]
    if missing:
        raise ValueError(f"{len(missing)} sample point(s) have no successful run"
                         f" (e.g. {missing[0]}); resume the experiment to complete it")
    y = means.reindex(order).to_numpy(dtype=float)
    if np.ptp(y) == 0:
        raise ValueError("it does not vary over the sample points, so it has no sensitivity"
                         " indices")
    seed = int(experiment.get("seed", 1))
    # SALib and NumPy warn (with file paths) on small or degenerate samples; what those
    # warnings mean reaches the user as one plain note instead (sample_size_note).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if kind == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, y, calc_second_order=False, conf_level=LEVEL,
                               seed=seed)
            columns = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            x = np.array([[runs.loc[runs["point"] == p, n].iloc[0] for n in names]
                          for p in order], dtype=float)
            levels = int(experiment["design"].get("levels", 4))
            si = morris.analyze(problem, x, y, conf_level=LEVEL, num_levels=levels, seed=seed)
            columns = ("mu_star", "mu_star_conf", "mu", "sigma")
    values = {c: np.asarray(np.ma.filled(si[c], np.nan), dtype=float) for c in columns}
    return pd.DataFrame({"parameter": names, **values})


def sample_size_note(kind: str, samples: int, parameters: int, replications: int = 1) -> str:
    """One plain line when a Sobol' or Morris sample is too small for stable indices, else "".

    Rules:
        * Sobol': N >= 512 base samples. SALib's estimators (Saltelli et al. 2010, Comput.
          Phys. Commun. 181: 259-270, for S1; Jansen 1999 for ST) are Monte Carlo means over N
          base samples, asymptotically normal with a standard error of order 1/sqrt(N) on the
          indices' [0, 1] scale (Janon et al. 2014, ESAIM: PS 18: 342-364). A 95% interval of
          about ±0.1, enough to rank parameters, needs N ≈ (1.96/0.1)² ≈ 384: rounded up to the
          power of two a Sobol' sequence needs for its balance, 512. Saltelli et al. (2008,
          The Primer, ch. 4) work with N in the hundreds to thousands; with fewer, estimates
          above 1 or S1 above ST (noise only) are common.
        * Morris: r >= 10 trajectories. p = 4 levels and r = 10 trajectories give a reliable
          ranking by mu* (Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw. 22:
          1509-1518; Saltelli et al. 2004, Sensitivity Analysis in Practice, ch. 4); with
          fewer, mu* rests on a handful of elementary effects per parameter.

    The line names the size needed and the runs it takes: ``N x (parameters + 2)`` (Sobol')
    or ``r x (parameters + 1)`` (Morris) design points, times the replications.
    """
    if kind == "sobol":
        needed, points, symbol = SOBOL_MIN_SAMPLES, parameters + 2, "N"
        what, unit = "stable Sobol' indices", "base samples"
        why = ("a 95% interval of about ±0.1 needs N ≈ (1.96/0.1)² ≈ 384, rounded up to a power"
               " of two; Saltelli et al. 2010, Janon et al. 2014")
        risk = "the indices below may be far off (above 1, or S1 above ST)"
    elif kind == "morris":
        needed, points, symbol = MORRIS_MIN_TRAJECTORIES, parameters + 1, "r"
        what, unit = "a stable Morris ranking", "trajectories"
        why = "Campolongo et al. 2007 and Saltelli et al. 2004: 4 levels and 10 trajectories"
        risk = "mu* below may rank the parameters wrongly"
    else:
        return ""
    if samples >= needed:
        return ""
    runs = needed * points * max(replications, 1)
    return (f"too few samples for {what}: {symbol} = {samples} {unit}, and stable estimates"
            f" need {symbol} >= {needed} ({why}), so {risk}; run again with samples: {needed}"
            f" (--samples {needed}, {runs:,} runs)")


def add_sensitivity(analysis: Analysis, manifest: dict[str, Any], runs: pd.DataFrame,
                    outcomes: list[dict[str, str]], kind: str, level: float) -> None:
    """The analysis of a Sobol' or Morris design: the sample-size note, then for each of the
    first three outcomes its indices (a table with their intervals) and a figure."""
    experiment = manifest.get("experiment", {})
    design = experiment.get("design", {})
    note = sample_size_note(kind, int(design.get("samples") or 0),
                            len(design.get("parameters") or {}),
                            int(experiment.get("replications") or 1))
    if note:
        analysis.notes.append(note)
        analysis.stable_indices = False
    for o in outcomes[:3]:
        try:
            indices = sensitivity_indices(manifest, runs, o["name"], kind)
        except ValueError as exc:
            analysis.notes.append(f"{o['name']}: {exc}")
            continue
        analysis.indices[o["name"]] = indices
        what = ("first-order (S1) and total-order (ST) Sobol' indices" if kind == "sobol"
                else "Morris elementary effects: mu* (importance) and sigma (interactions)")
        conf = "S1_conf, ST_conf" if kind == "sobol" else "mu_star_conf"
        analysis.tables.append((f"{o['name']}: {what}; {conf}: half-width of the {level:.0%}"
                                " bootstrap interval (index ± conf)", indices))
        analysis.figures.append((f"sensitivity-{stem(o['name'])}",
                                 f"{o['name']}: {what}",
                                 sensitivity_figure(indices, kind,
                                                    f"{analysis.title}: {o['name']}")))
