"""Every shipped lesson's expectations hold (stratsim check, at the lesson's own settings)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.experiment.lesson import check_lesson

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml")
                 if sim.load_scenario(p).expectations)


def test_there_are_eleven_lessons() -> None:
    numbers = sorted(p.name[:2] for p in LESSONS if p.name[:2].isdigit())
    assert numbers == [f"{k:02d}" for k in range(1, 12)]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_expectations_hold(path: Path) -> None:
    results = check_lesson(path, jobs=1, quiet=True)
    assert results, "a lesson states its lesson as expectations"
    failed = [r.line() for r in results if not r.holds]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_opens_with_its_teaching_notes(path: Path) -> None:
    head = path.read_text(encoding="utf-8").lower().split("\nname:")[0]
    for word in ("goal", "question", "try", "read"):
        assert word in head, f"{path.name}: the opening comments should say the {word}"
