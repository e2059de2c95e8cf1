"""Tests for sim/experiment/report.py: the question, the finding paragraph, and a report that
folds its scenario away and shows no null field."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.analysis import Analysis
from sim.experiment.design import ExperimentSpec, build_plan
from sim.experiment.report import finding, question, write_experiment_report
from sim.experiment.runner import run_plan
from sim.experiment.stats import paired_differences

ROOT = Path(__file__).resolve().parents[2]


def arms_analysis(values: dict[str, dict[str, list[float]]],
                  directions: dict[str, str]) -> Analysis:
    """An arms analysis of synthetic runs: ``values[outcome][arm]`` per replication."""
    rows = []
    arms = list(next(iter(values.values())))
    for arm in arms:
        for r in range(len(values[next(iter(values))][arm])):
            row = {"run_id": f"{arm}-r{r}", "status": "ok", "arm": arm, "point": arm,
                   "replication": r}
            row.update({outcome: by_arm[arm][r] for outcome, by_arm in values.items()})
            rows.append(row)
    manifest = {"points": arms, "design_points": [{"arm": a} for a in arms],
                "experiment": {"design": {"kind": "arms"}}}
    return Analysis(title="t", kind="arms", runs=pd.DataFrame(rows), manifest=manifest,
                    outcomes=[{"name": o, "direction": d} for o, d in directions.items()])


def test_the_finding_names_the_winner_and_whether_its_lead_is_real() -> None:
    analysis = arms_analysis(
        {"cumulative_profit@Gamma": {"4P": [10, 12, 11], "4C": [20, 22, 21], "4R": [15, 17, 15]},
         "churn_rate@Gamma": {"4P": [0.2, 0.1, 0.3], "4C": [0.25, 0.1, 0.3],
                              "4R": [0.1, 0.05, 0.1]}},
        {"cumulative_profit@Gamma": "maximize", "churn_rate@Gamma": "minimize"})
    text = finding(analysis)
    assert "\n" not in text
    assert text.startswith("On cumulative_profit@Gamma (higher is better), 4C has the highest"
                           " mean, 21.0 [18.5, 23.5]; it is better than 4R by 5.3 [")
    assert "and 4P by 10.0 [10.0, 10.0] (paired 95% intervals of the difference exclude zero)" \
        in text
    # churn is minimised: the lowest mean wins, and 4R's lead over 4P is not established
    assert ("On churn_rate@Gamma (lower is better), 4R has the lowest mean, 0.083 [0.012,"
            " 0.155], but it is not distinguishable from 4P or 4C at 95%.") in text


def test_the_finding_follows_the_paired_interval() -> None:
    values = {"share_units@Alpha": {"A": [0.30, 0.50, 0.41, 0.62],
                                    "B": [0.32, 0.52, 0.43, 0.64]}}
    analysis = arms_analysis(values, {"share_units@Alpha": "maximize"})
    runs = analysis.runs
    assert runs is not None
    difference = paired_differences(runs, "arm", "share_units@Alpha").iloc[0]
    assert difference["excludes_zero"]  # B is 0.02 above A in every replication
    assert "B has the highest mean" in finding(analysis)
    assert "better than A by 0.020 [0.020, 0.020]" in finding(analysis)


def test_every_arm_equal_is_said_so() -> None:
    analysis = arms_analysis({"loyal_share@Gamma": {"A": [0.0, 0.0], "B": [0.0, 0.0]}},
                             {"loyal_share@Gamma": "maximize"})
    assert finding(analysis) == ("On loyal_share@Gamma, every arm has the same mean,"
                                 " 0.000 [0.000, 0.000].")


def test_the_question_is_the_description_or_is_made_from_the_design() -> None:
    assert question({"experiment": {"description": "Which strategy serves Gamma best?"}}) == (
        "Which strategy serves Gamma best?")
    compare = {"experiment": {"description": "", "design": {"kind": "arms", "arms": {
        "4P": {"firms.Gamma.strategy": "4P", "firms.Gamma.params": {}},
        "cheap": {"firms.Gamma.price": 70}}}},
        "outcomes": [{"name": "cumulative_profit@Gamma", "direction": "maximize"},
                     {"name": "churn_rate@Gamma", "direction": "minimize"}]}
    assert question(compare) == (
        "Which arm does best for Gamma: 4P (strategy = 4P) or cheap (price = 70), judged on"
        " cumulative_profit@Gamma (higher is better) and churn_rate@Gamma (lower is better)?")
    grid = {"experiment": {"design": {"kind": "grid", "parameters": {
        "firms.Alpha.price": [70, 90]}}}, "outcomes": [{"name": "profit@Alpha"}]}
    assert question(grid) == ("How do the outcomes change with firms.Alpha.price (70, 90),"
                              " judged on profit@Alpha (higher is better)?")
    sobol = {"experiment": {"design": {"kind": "sobol", "parameters": {
        "firms.Alpha.quality": {"low": 0.3, "high": 0.9}}}}}
    assert question(sobol) == "Which of firms.Alpha.quality from 0.3 to 0.9 matters most?"


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, pd.DataFrame]:
    """A 2-replication comparison with no description, as `stratsim compare` makes it."""
    directory = tmp_path_factory.mktemp("compare")
    spec = ExperimentSpec.model_validate({
        "name": "compare-default-Gamma", "scenario": str(ROOT / "scenarios" / "default.yaml"),
        "set": ["market.customers=300", "periods=6"], "seed": 1, "replications": 2,
        "design": {"kind": "arms", "arms": {
            "4P": {"firms.Gamma.strategy": "4P", "firms.Gamma.params": {}},
            "4R": {"firms.Gamma.strategy": "4R", "firms.Gamma.params": {}}}},
        "outcomes": [{"name": "cumulative_profit@Gamma"}, {"name": "loyal_share@Gamma"}]})
    store, _ = run_plan(build_plan(spec, ROOT), directory, jobs=1, quiet=True)
    path = write_experiment_report(store, directory / "report.html")
    return path.read_text(encoding="utf-8"), store.runs()


def _section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, flags=re.DOTALL)
    assert match, anchor
    return match.group(1)


def test_the_report_opens_with_its_question_and_finding(
        compare_report: tuple[str, pd.DataFrame]) -> None:
    page, runs = compare_report
    assert '<p class="subtitle">Which arm does best for Gamma: 4P (strategy = 4P) or 4R' in page
    ids = re.findall(r'<section id="([^"]+)">', page)
    assert ids[:2] == ["finding", "the-question"]
    paragraph = re.search(r"<p>(.*?)</p>", _section(page, "finding"), flags=re.DOTALL)
    assert paragraph
    means = runs.groupby("arm")["cumulative_profit@Gamma"].mean()
    winner, other = means.idxmax(), means.idxmin()
    assert f"On cumulative_profit@Gamma (higher is better), {winner} has the highest mean" in (
        paragraph.group(1))
    difference = paired_differences(runs, "arm", "cumulative_profit@Gamma", baseline=winner)
    said = ("better than" if difference.iloc[0]["excludes_zero"] else
            "not distinguishable from")
    assert f"{said} {other}" in paragraph.group(1)


def test_the_report_shows_no_null_and_folds_the_scenario(
        compare_report: tuple[str, pd.DataFrame]) -> None:
    page, _ = compare_report
    body = page.split("</style>", 1)[1]
    for word in ("null", "None", "nan", "NaN"):
        assert not re.search(rf"\b{word}\b", body), word
    scenario = _section(page, "the-scenario")
    assert "<details><summary>the scenario of 4P (YAML)</summary><pre>" in scenario
    assert "market:" in scenario.split("<details>", 1)[1]  # the YAML is inside the fold
    design = _section(page, "the-question").split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert design.startswith("kind: arms\narms:\n") and "levels" not in design


def test_share_intervals_in_the_report_stay_inside_zero_to_one(
        compare_report: tuple[str, pd.DataFrame]) -> None:
    page, _ = compare_report
    row = re.search(r"<td>loyal_<wbr>share<wbr>@Gamma</td>(.*?)</tr>", page, flags=re.DOTALL)
    assert row
    bounds = [float(x) for x in re.findall(r"-?\d+\.\d+", row.group(1))]
    assert len(bounds) == 6 and all(0.0 <= b <= 1.0 for b in bounds)
