"""What marketing science knows about real markets: the values ``stratsim diagnose`` shows
beside a market's own.

Each :class:`Fact` carries its source and where its number was checked. Only numbers read in
a source's own text (or a preprint of it) are here; a measure without a well-sourced value
(quality elasticity, share of category requirements, repeat rate, occasions without a
purchase) is shown without one, not with a guess. docs/validation.md says what each measure is
and which scenario fields move it.

Comparability: the meta-analyses pool brand-level elasticities of sales, mostly short-term,
mostly from weekly scanner data; stratsim measures the response of units over the window
(12 periods by default) to a lever held 5% above and below its level, rivals reacting as their
strategies do. A market is credible when its elasticities are of the same order and sign, not
when they match a mean to the second decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FACTS", "Fact"]


@dataclass(frozen=True)
class Fact:
    """A published value of a measure.

    Attributes:
        measure: the diagnosis measure it speaks to (:data:`sim.experiment.diagnosis.LABELS`).
        value: the published central value (a meta-analytic mean), if any.
        low, high: the published range, if any.
        source: the full citation.
        checked: where the number was read.
        note: what the value is, exactly.
    """

    measure: str
    value: float | None
    low: float | None
    high: float | None
    source: str
    checked: str
    note: str

    def shown(self) -> str:
        """The value as shown beside a measure: ``mean -2.62``, ``0.12 to 0.24``."""
        parts = []
        if self.value is not None:
            parts.append(f"mean {self.value:g}")
        if self.low is not None and self.high is not None:
            parts.append(f"range {self.low:g} to {self.high:g}")
        return ", ".join(parts)


FACTS: dict[str, Fact] = {f.measure: f for f in (
    Fact(
        measure="elasticity_price", value=-2.62, low=None, high=None,
        source="Bijmolt, T. H. A., van Heerde, H. J. & Pieters, R. G. M. (2005). New empirical"
               " generalizations on the determinants of price elasticity. Journal of Marketing"
               " Research 42(2), 141-156.",
        checked="the authors' preprint (studylib.net, doc 8861132): 'Across a set 1851 price"
                " elasticities based on 81 studies, the average price elasticity is -2.62.'",
        note="mean of 1,851 brand-level price elasticities of sales from 81 studies; the"
             " preprint gives no spread, so none is shown"),
    Fact(
        measure="elasticity_promotion", value=0.12, low=0.12, high=0.24,
        source="Sethuraman, R., Tellis, G. J. & Briesch, R. A. (2011). How well does"
               " advertising work? Generalizations from meta-analysis of brand advertising"
               " elasticities. Journal of Marketing Research 48(3), 457-471.",
        checked="the authors' working paper (imresearchcenter.com; docplayer.net 17691782):"
                " short-term mean .12 from 751 estimates, long-term mean .24 from 402, 56"
                " studies 1960-2008",
        note="mean short-term advertising elasticity 0.12; the range runs to the mean"
             " long-term (carry-over) elasticity, 0.24"),
    Fact(
        measure="churn", value=None, low=0.009, high=0.068,
        source="US postpaid wireless carriers' reported monthly churn (T-Mobile 0.89% Q3 2019"
               " to AT&T 1.71% Q4 2016; Statista statistics 283511 and 219793) and Recurly"
               " Research, Churn rate benchmarks (2019): median monthly churn of B2C"
               " subscription businesses 6.81%.",
        checked="statista.com/statistics/283511 and /219793; recurly.com/research/"
                "churn-rate-benchmarks",
        note="monthly churn of subscription markets, from contract wireless (about 1%) to"
             " consumer subscriptions (about 7%); industry figures, not a meta-analysis;"
             " per month: convert if a period is not a month"),
)}
"""The published values, by measure."""
