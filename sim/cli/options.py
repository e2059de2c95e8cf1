"""The options every command shares, spelt and checked the same way everywhere.

``--customers``, ``--periods`` and ``--seed`` mean the same on ``run``, ``compare``, ``sweep``,
``sensitivity``, ``experiment`` and ``check``: the market's number of customers, the number of
periods (events and expectations after it are left out, with a note), and the seed (of the run,
or of the replications' seeds). ``--set PATH=VALUE`` changes the scenario; each is named by its
place among the ``--set`` options in messages (``--set 2: firms.Alhpa: unknown firm ...``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["CustomersOption", "FigureFormat", "FigureFormatOption", "PeriodsOption",
           "SeedOption", "SetOption", "numbered"]

CustomersOption = Annotated[int | None, typer.Option(
    min=1, help="Number of simulated customers, agents (overrides market.customers;"
    " market.size, the real market, stays).")]
PeriodsOption = Annotated[int | None, typer.Option(
    min=1, help="Number of periods (overrides the scenario's; events and expectations after it"
                " are left out, with a note).")]
SeedOption = Annotated[int | None, typer.Option(
    min=0, max=2**63 - 1, help="Random seed (default: the scenario's, or the experiment's).")]
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="Change a scenario field: PATH=VALUE, e.g. firms.Alpha.price=90"
                  " (repeatable). A lever set for a 4P, 4C or 4R firm is pinned: the firm"
                  " keeps it and the strategy decides the rest.")]


class FigureFormat(StrEnum):
    """The figure file formats (``sim.report.style.FIGURE_FORMATS``)."""

    png = "png"
    svg = "svg"


FigureFormatOption = Annotated[FigureFormat, typer.Option(
    "--figure-format", help="Figure files: png (150 dpi) or svg.")]


def numbered(option: str, values: list[str] | None) -> list[tuple[str, str]]:
    """Each value of a repeated option with its name in messages: ``("--set 2", value)``."""
    return [(f"{option} {k}", v) for k, v in enumerate(values or [], start=1)]
