"""Every concrete ``stratsim`` example of the README and docs/ is run, and a lever it sets
takes effect.

The commands are read from the fenced ``bash`` blocks; each runs on a small market (300
customers, 6 periods) into a temporary folder. An example that sets a firm's lever
(``--set firms.NAME.LEVER=VALUE``) must change what the firm does: the lever's column reads the
value in every period (price), or the results differ from the same run without it. The
``stratsim new`` file's "Try:" hint is checked the same way. The ``compare``, ``experiment``
and ``report`` examples run with 2 replications (their folders under ``runs/`` map to the
temporary folder, so a ``report`` example reads what the example before it wrote), and the
arms of a comparison must differ; a ``diagnose`` example must measure a falling demand curve
for every firm. ``check`` examples are the lessons that
``tests/experiment/test_lesson.py`` checks at full size; synopses (``SCENARIO``, ``FILE``,
``[...]``) are not commands.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.levers import LEVER_NAMES

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SMALL = ["--customers", "300", "--periods", "6", "--no-figures", "--quiet"]
runner = CliRunner()


def _commands(command: str, *, every: bool = False) -> list[tuple[str, list[str]]]:
    """The docs' ``stratsim COMMAND`` lines; unless ``every``, only those whose file exists
    (not a synopsis, nor a file the reader writes first; ``report`` reads a folder)."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in re.findall(r"```bash\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip().removeprefix("$ ")
                if not line.startswith(f"stratsim {command} "):
                    continue
                words = shlex.split(line, comments=True)
                if not every and command != "report" and not (ROOT / words[2]).exists():
                    continue
                found.append((f"{doc.name}: {line}", words[1:]))
    return found


COMMANDS = _commands("run")
EXPERIMENTS = _commands("compare") + _commands("experiment")
REPORTS = _commands("report")
DIAGNOSES = _commands("diagnose")


def _without_out(args: list[str]) -> list[str]:
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "--out":
            skip = True
            continue
        out.append(a)
    return out


def _lever_sets(args: list[str]) -> list[tuple[str, str, str]]:
    sets = []
    for k, a in enumerate(args):
        if a == "--set" and k + 1 < len(args):
            path, _, value = args[k + 1].partition("=")
            parts = path.split(".")
            if len(parts) == 3 and parts[0] == "firms" and parts[2] in LEVER_NAMES:
                sets.append((parts[1], parts[2], value))
    return sets


def _run(args: list[str], out: Path, root: Path = ROOT) -> pd.DataFrame:
    result = runner.invoke(app, [*[str(root / a) if a.endswith(".yaml") else a for a in args],
                                 *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "timeseries.csv")


def test_the_docs_have_run_examples():
    assert len(COMMANDS) >= 8
    assert sum(bool(_lever_sets(args)) for _, args in COMMANDS) >= 3


@pytest.mark.parametrize(("where", "args"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_doc_example_runs_and_its_levers_take_effect(where, args, tmp_path):
    args = _without_out(args)
    df = _run(args, tmp_path / "example")
    for firm, lever, value in _lever_sets(args):
        rows = df[df.firm == firm]
        if lever == "price":
            assert (rows.price == float(value)).all(), (where, rows.price.tolist())
        base = [a for k, a in enumerate(args) if not (
            a == "--set" and args[k + 1].startswith(f"firms.{firm}.{lever}="))
            and not (k > 0 and args[k - 1] == "--set"
                     and a.startswith(f"firms.{firm}.{lever}="))]
        without = _run(base, tmp_path / "without")
        assert not rows.reset_index(drop=True).equals(
            without[without.firm == firm].reset_index(drop=True)), where


def test_the_starting_scenarios_try_hint_takes_effect(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["new", "lesson"]).exit_code == 0
    text = (tmp_path / "lesson.yaml").read_text(encoding="utf-8")
    hint = re.search(r"# Try:\s+(stratsim run .*?)(\s{2,}\(.*)?$", text, re.M)
    assert hint, text[:600]
    words = shlex.split(hint.group(1))
    assert _lever_sets(words[1:]) == [("Alpha", "price", "80")]
    df = _run(words[1:], tmp_path / "o", root=tmp_path)
    assert (df[df.firm == "Alpha"].price == 80.0).all()


def _replications(args: list[str], n: int) -> list[str]:
    out = list(args)
    if "--replications" in out:
        out[out.index("--replications") + 1] = str(n)
    else:
        out += ["--replications", str(n)]
    return out


def test_the_docs_have_experiment_and_report_examples():
    assert len(EXPERIMENTS) >= 3
    assert REPORTS


@pytest.mark.parametrize(("where", "args"), EXPERIMENTS, ids=[w for w, _ in EXPERIMENTS])
def test_doc_experiment_example_runs_and_its_arms_differ(where, args, tmp_path):
    args = _replications(_without_out(args), 2)
    out = tmp_path / "example"
    periods = int(args[args.index("--fork-at") + 1]) + 4 if "--fork-at" in args else 6
    result = runner.invoke(app, [*[str(ROOT / a) if a.endswith(".yaml") else a for a in args],
                                 "--customers", "300", "--periods", str(periods), "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, (where, result.output)
    from sim.experiment.store import ResultStore

    runs = ResultStore(out).runs()
    design = "arm" if "arm" in runs and runs["arm"].nunique() >= 2 else "point"
    assert len(runs) >= 4 and runs[design].nunique() >= 2, where
    profit = [c for c in runs.columns if c.startswith("cumulative_profit")]
    assert profit and runs.groupby(design)[profit].mean().drop_duplicates().shape[0] >= 2, where


@pytest.mark.parametrize(("where", "args"), REPORTS, ids=[w for w, _ in REPORTS])
def test_doc_report_example_reports_on_the_example_before_it(where, args, tmp_path):
    folder = Path(args[1]).name
    source = next((a for w, a in EXPERIMENTS if w.split(":")[0] == where.split(":")[0]
                   and folder in " ".join(a)), None)
    assert source, f"{where}: no example before it writes {args[1]}"
    out = tmp_path / folder
    result = runner.invoke(app, [*[str(ROOT / a) if a.endswith(".yaml") else a
                                   for a in _replications(_without_out(source), 2)],
                                 "--customers", "300", "--periods", "6", "--quiet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, (where, result.output)
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "<table" in html and folder in html


def test_the_docs_have_diagnose_examples():
    assert DIAGNOSES


@pytest.mark.parametrize(("where", "args"), DIAGNOSES, ids=[w for w, _ in DIAGNOSES])
def test_doc_diagnose_example_measures_the_market(where, args, tmp_path):
    out = tmp_path / "diagnosis"
    result = runner.invoke(app, [*[str(ROOT / a) if a.endswith(".yaml") else a
                                   for a in _replications(_without_out(args), 2)],
                                 "--customers", "400", "--periods", "14", "--window", "6",
                                 "--jobs", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, (where, result.output)
    rows = pd.read_csv(out / "diagnostics.csv")
    price = rows[rows.measure == "elasticity_price"]
    assert len(price) >= 2 and (price["mean"] < 0).all(), where


CALIBRATIONS = _commands("calibrate")
FOLLOW_UPS = ("compare", "diagnose", "run", "report")


def _with_option(args: list[str], option: str, value: str) -> list[str]:
    out = list(args)
    if option in out:
        out[out.index(option) + 1] = value
    else:
        out += [option, value]
    return out


def test_the_docs_have_calibrate_examples():
    assert len(CALIBRATIONS) >= 2


@pytest.mark.parametrize(("where", "args"), CALIBRATIONS, ids=[w for w, _ in CALIBRATIONS])
def test_doc_calibrate_example_fits_and_the_commands_after_it_use_its_market(where, args,
                                                                             tmp_path):
    """A calibrate example runs (300 customers, 24 runs) and writes a valid calibrated
    scenario; every example of the same page that then uses ``runs/<its folder>/`` runs on
    what it wrote."""
    folder = (args[args.index("--out") + 1] if "--out" in args
              else f"runs/{Path(args[1]).stem}-calibrate")
    out = tmp_path / Path(folder).name
    small = _without_out(args)
    for option, value in (("--customers", "300"), ("--budget", "24"), ("--replications", "2"),
                          ("--batch", "4"), ("--jobs", "1")):
        small = _with_option(small, option, value)
    result = runner.invoke(app, [*[str(ROOT / a) if a.endswith(".yaml") else a for a in small],
                                 "--quiet", "--out", str(out)])
    assert result.exit_code == 0, (where, result.output)
    targets = [a.split("=")[0] for k, a in enumerate(args) if k and args[k - 1] == "--target"]
    fit = pd.read_csv(out / "fit.csv")
    assert [t for t in targets if t not in set(fit["target"])] == [], where
    from sim.scenario.loader import load_scenario

    load_scenario(out / "calibrated.yaml")
    page = where.split(":")[0]
    later = [(w, a) for command in FOLLOW_UPS for w, a in _commands(command, every=True)
             if w.split(":")[0] == page and any(x.startswith(f"{folder}/") or x == folder
                                                 for x in a)]
    for w, a in later:
        mapped = [str(out / Path(x).relative_to(folder)) if x.startswith(f"{folder}/")
                  else str(out) if x == folder else x for x in _without_out(a)]
        if mapped[0] in ("compare", "diagnose"):
            mapped = [*_replications(mapped, 2), "--customers", "300", "--quiet", "--jobs", "1",
                      "--out", str(tmp_path / "after")]
        result = runner.invoke(app, mapped)
        assert result.exit_code == 0, (w, result.output)



EXPORTS = [(w, a) for w, a in _commands("export", every=True) if "lifetimes" in a]


def test_the_docs_have_a_lifetimes_export_example():
    assert EXPORTS


@pytest.mark.parametrize(("where", "args"), EXPORTS, ids=[w for w, _ in EXPORTS])
def test_doc_lifetimes_export_reads_the_run_example_before_it(where, args, tmp_path):
    folder = args[1]
    source = next((a for w, a in COMMANDS if w.split(":")[0] == where.split(":")[0]
                   and "--out" in a and a[a.index("--out") + 1] == folder), None)
    assert source and "--transactions" in source, f"{where}: no run example writes {folder}"
    out = tmp_path / Path(folder).name
    _run(_without_out(source), out)
    result = runner.invoke(app, ["export", str(out), *args[2:]])
    assert result.exit_code == 0, (where, result.output)
    assert (out / "lifetimes" / "events.csv").is_file()
    assert sorted(p.name for p in (out / "lifetimes").glob("rfm-*.csv")) == [
        "rfm-Alpha.csv", "rfm-Beta.csv", "rfm-Gamma.csv"]


FORKS = _commands("fork", every=True)


def test_the_docs_have_fork_examples():
    assert len(FORKS) >= 2


@pytest.mark.parametrize(("where", "args"), [f for f in FORKS if "RUN_DIR" not in f[0]],
                         ids=[w for w, _ in FORKS if "RUN_DIR" not in w])
def test_doc_fork_example_continues_the_run_example_before_it(where, args, tmp_path):
    """The run example that writes the fork's folder runs (300 customers, its own periods),
    then the fork: its periods up to K are the run's, byte for byte."""
    folder = args[1]
    source = next((a for w, a in COMMANDS if w.split(":")[0] == where.split(":")[0]
                   and "--out" in a and a[a.index("--out") + 1] == folder), None)
    assert source, f"{where}: no run example writes {folder}"
    run = tmp_path / Path(folder).name
    result = runner.invoke(app, [*[str(ROOT / a) if a.endswith(".yaml") else a
                                   for a in _without_out(source)],
                                 "--customers", "300", "--no-figures", "-q", "--out", str(run)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "fork"
    result = runner.invoke(app, ["fork", str(run), *_without_out(args[2:]), "--no-figures",
                                 "-q", "--out", str(out)])
    assert result.exit_code == 0, (where, result.output)
    at = int(args[args.index("--at") + 1])
    firms = pd.read_csv(run / "timeseries.csv")["firm"].nunique()
    original = (run / "timeseries.csv").read_text().splitlines()
    forked = (out / "timeseries.csv").read_text().splitlines()
    assert forked[:1 + at * firms] == original[:1 + at * firms], where
    assert forked != original, where
