"""Figures of a market's diagnosis (``stratsim diagnose``), drawn from its tables only.

- :func:`elasticity_figure`: each firm's price, promotion and quality elasticity of units with
  its interval, against the literature's band where marketing science has one (shaded, with
  the mean as a line);
- :func:`nbd_figure`: per firm and for the category, the share of customers with 0..K
  purchases in the window (bars) against the fitted negative binomial (points and line);
- :func:`double_jeopardy_figure`: penetration (share of customers who bought) and purchases
  per buyer against market share, one point per firm in its colour (Ehrenberg, Goodhardt &
  Barwise 1990: both should rise with share, penetration much more).

Firms keep their colours of every other figure (:func:`sim.report.style.firm_colours`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.measurement import CATEGORY
from sim.experiment.nbd import NbdFit
from sim.experiment.stylised_facts import Fact
from sim.report.style import INK, firm_colours, new_figure, plain_text

__all__ = ["double_jeopardy_figure", "elasticity_figure", "nbd_figure"]

LITERATURE_COLOUR = "#d9d9d9"
"""The shade of a literature band."""


@plain_text
def elasticity_figure(measures: pd.DataFrame, firms: list[str],
                      facts: Mapping[str, Fact]) -> Figure:
    """One panel per lever: each firm's elasticity and interval against the literature."""
    levers = [("elasticity_price", "price"), ("elasticity_promotion", "promotion"),
              ("elasticity_quality", "quality")]
    colours = firm_colours(firms)
    fig = new_figure((9.0, 3.4))
    axes = fig.subplots(1, len(levers), sharey=True)
    for ax, (measure, lever) in zip(axes, levers, strict=True):
        rows = measures[measures["measure"] == measure].set_index("firm")
        fact = facts.get(measure)
        if fact is not None and fact.low is not None and fact.high is not None:
            ax.axvspan(fact.low, fact.high, color=LITERATURE_COLOUR, zorder=0,
                       label="literature range")
        if fact is not None and fact.value is not None:
            ax.axvline(fact.value, color=INK, linestyle="--", linewidth=1, zorder=1,
                       label="literature mean")
        ax.axvline(0.0, color=INK, linewidth=0.6, zorder=1)
        for y, firm in enumerate(firms):
            if firm not in rows.index or not math.isfinite(rows.loc[firm, "mean"]):
                continue
            mean, low, high = (float(rows.loc[firm, c]) for c in ("mean", "low", "high"))
            if math.isfinite(low) and math.isfinite(high):
                ax.plot([low, high], [y, y], color=colours[firm], linewidth=2.5, zorder=2)
            ax.plot([mean], [y], "o", color=colours[firm], zorder=3)
        ax.set_title(f"{lever} elasticity of units")
        ax.set_yticks(range(len(firms)), firms)
        ax.set_ylim(len(firms) - 0.5, -0.5)
        ax.grid(axis="x", alpha=0.3)
    legend: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    if legend:
        fig.legend(list(legend.values()), list(legend), loc="outside lower center",
                   ncols=len(legend), frameon=False)
    return fig


@plain_text
def nbd_figure(fits: Mapping[str, NbdFit | None], firms: list[str]) -> Figure:
    """Observed purchase-count shares (bars) and the fitted NBD (points), per panel."""
    names = [n for n in [*firms, CATEGORY] if fits.get(n) is not None]
    colours = {**firm_colours(firms), CATEGORY: INK}
    cols = min(len(names), 4) or 1
    rows = math.ceil(len(names) / cols) or 1
    fig = new_figure((2.6 * cols + 0.6, 2.4 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=False):
        fit = fits[name]
        assert fit is not None
        k = np.arange(len(fit.observed))
        ax.bar(k, fit.observed, color=colours[name], alpha=0.55, label="observed")
        ax.plot(k, fit.fitted, "o-", color=INK, markersize=3, linewidth=1, label="NBD fit")
        ax.set_title(f"{'category' if name == CATEGORY else name}: m={fit.mean:.2f},"
                     f" k={fit.shape:.2g}", fontsize="medium")
        ax.set_xlabel("purchases in the window")
        ticks = k[:: max(1, len(k) // 6)]
        ax.set_xticks(ticks, [str(t) for t in ticks[:-1]]
                      + [f"{ticks[-1]}+" if ticks[-1] == k[-1] else str(ticks[-1])])
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].set_ylabel("share of customers")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False)
    return fig


@plain_text
def double_jeopardy_figure(table: pd.DataFrame, firms: list[str]) -> Figure:
    """Penetration and purchases per buyer against share, one point per firm."""
    colours = firm_colours(firms)
    fig = new_figure((7.5, 3.2))
    left, right = fig.subplots(1, 2, sharex=True)
    for _, row in table.iterrows():
        firm = row["firm"]
        for ax, column in ((left, "penetration"), (right, "frequency")):
            if math.isfinite(row["share"]) and math.isfinite(row[column]):
                ax.plot([row["share"]], [row[column]], "o", color=colours[firm],
                        markersize=7, label=firm)
                ax.annotate(firm, (row["share"], row[column]), textcoords="offset points",
                            xytext=(5, 4), fontsize="small", color=INK)
    left.set_ylabel("penetration b")
    right.set_ylabel("purchases per buyer w")
    shares = table["share"].dropna()
    x_top = min(1.0, float(shares.max()) * 1.2) if len(shares) else 1.0
    for ax, column in ((left, "penetration"), (right, "frequency")):
        values = table[column].dropna()
        ax.set_xlabel("share of category purchases")
        ax.set_xlim(0, x_top)  # room for the labels of the largest firm
        ax.set_ylim(0, float(values.max()) * 1.15 if len(values) and values.max() > 0 else 1)
        ax.grid(alpha=0.3)
    left.set_title("Double Jeopardy: buyers")
    right.set_title("... and how often they buy")
    return fig
