"""The figure of a calibration: how well each target is met, and how each parameter is pinned.

Top row: each target's residual in tolerances, ``(achieved - wanted) / tolerance``, with the 95%
interval of the achieved value over replications; the band ``[-1, 1]`` is "met". Bottom row,
one panel per parameter: the objective ``S`` of every candidate against the parameter's value
(the lower envelope is the parameter's profile), the line ``S_min + 3.84`` that bounds the 95%
profile interval (shaded), and the best fit.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.style import INK, new_figure, plain_text, variant_greys

__all__ = ["MET_COLOUR", "fit_figure"]

MET_COLOUR = "#d9f0d3"
"""The band of residuals that meet their target."""
BEST_COLOUR = "#1f77b4"
PROFILE_DELTA = 3.841458820694124  # chi2(1).ppf(0.95), as sim.calibration.fit


@plain_text
def fit_figure(targets: pd.DataFrame, candidates: pd.DataFrame, parameters: pd.DataFrame,
               title: str) -> Figure:
    """The calibration's fit (see the module docstring)."""
    n_params = len(parameters)
    columns = max(n_params, 1)
    fig = new_figure((max(7.0, 3.0 * columns), 2.2 + 0.35 * len(targets) + 3.0))
    grid = fig.add_gridspec(2, columns, height_ratios=[0.6 + 0.35 * len(targets), 3.0])
    ax = fig.add_subplot(grid[0, :])
    ax.axvspan(-1.0, 1.0, color=MET_COLOUR, zorder=0, label="within tolerance")
    ax.axvline(0.0, color=INK, linewidth=0.8)
    y = np.arange(len(targets))[::-1]
    tol = targets["tolerance"].to_numpy(dtype=float)
    mid = targets["residual"].to_numpy(dtype=float)
    lo = (targets["low"].to_numpy(dtype=float) - targets["wanted"].to_numpy(dtype=float)) / tol
    hi = (targets["high"].to_numpy(dtype=float) - targets["wanted"].to_numpy(dtype=float)) / tol
    err = np.vstack([np.where(np.isfinite(lo), mid - lo, 0.0),
                     np.where(np.isfinite(hi), hi - mid, 0.0)])
    ax.errorbar(mid, y, xerr=np.clip(err, 0.0, None), fmt="o", color=BEST_COLOUR, capsize=3)
    ax.set_yticks(y, list(targets["target"]))
    limit = max(2.0, float(np.nanmax(np.abs(np.concatenate([mid, lo, hi]))))
                if np.isfinite(np.concatenate([mid, lo, hi])).any() else 2.0) * 1.1
    ax.set_xlim(-limit, limit)
    ax.set_xlabel("(achieved - wanted) / tolerance, with the 95% interval over replications")
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    finite = candidates[np.isfinite(candidates["objective"].to_numpy(dtype=float))]
    s_min = float(finite["objective"].min()) if len(finite) else math.nan
    grey = variant_greys(1)[0]
    for k, row in enumerate(parameters.itertuples()):
        pax = fig.add_subplot(grid[1, k])
        name = row.parameter
        pax.axvspan(row.low, row.high, color=MET_COLOUR, zorder=0, label="95% interval")
        pax.scatter(finite[name], finite["objective"] + 1.0, s=12, color=grey,
                    label="candidates")
        pax.axhline(s_min + 1.0 + PROFILE_DELTA, color=INK, linestyle="--", linewidth=0.8,
                    label="best S + 3.84")
        pax.scatter([row.fitted], [s_min + 1.0], s=40, color=BEST_COLOUR, zorder=3,
                    label="best fit")
        pax.set_yscale("log")
        pax.set_xlim(row.range_low, row.range_high)
        pax.set_xlabel(name.rpartition(".")[2] if len(name) > 28 else name)
        if k == 0:
            pax.set_ylabel("objective S + 1")
            handles, labels = pax.get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize="small",
                       frameon=False)
        pax.set_title(f"identified: {row.identified}", loc="left", fontsize="small")
    return fig
