"""The console view of an experiment's analysis: notes, tables and finding, legible at 80 columns.

Rule: no header or name is ever cut short. A table is printed as it is when every column can
have at least its longest word (its header included); when it cannot, transposed (its rows
become columns: one per arm, and its column names, such as ``cumulative_profit@Gamma``, a
column of labels); when even that is too wide, as one block of ``field  value`` lines per row.
The widths are chosen here rather than by rich, whose own squeezing of a table too wide for the
terminal cuts headers with an ellipsis: each column starts at its natural width and the widest
is narrowed a character at a time, never below its longest word, so cells wrap between words
and nothing is truncated.

Everything is printed as plain text (``rich.text.Text``), never as console markup, so a caption
such as ``mean [interval]`` or a firm named ``[bold]`` shows as written.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from sim.experiment.analysis import Analysis
from sim.experiment.report import finding
from sim.report.html import format_number

__all__ = ["fit_table", "print_analysis"]

BOX = box.HEAVY_HEAD
"""The tables' border style (rich's default)."""
PADDING = 1
"""Blank characters left and right of every cell."""


def print_analysis(console: Console, analysis: Analysis) -> None:
    """Print the analysis's notes (``note: ...``), its tables fitted to the console's width,
    and its finding (``finding: ...``)."""
    for note in analysis.notes:
        console.print(Text(f"note: {note}"))
    for caption, table in analysis.tables:
        console.print(fit_table(table, caption, console.width))
    if analysis.runs is not None and analysis.outcomes:
        console.print(Text(f"finding: {finding(analysis)}"))


def _cell(value: object) -> str:
    return format_number(value)


def _longest_word(cells: Sequence[str]) -> int:
    return max((cell_len(word) for cell in cells for word in cell.split()), default=0)


def _natural(cells: Sequence[str]) -> int:
    return max((cell_len(line) for cell in cells for line in cell.splitlines()), default=0)


def _widths(columns: Sequence[Sequence[str]], total: int) -> list[int] | None:
    """Widths that fit ``total`` characters with every header (first cell) and word whole."""
    available = total - len(columns) * (2 * PADDING + 1) - 1  # padding and rules
    least = [max(1, cell_len(cells[0]) if cells else 0, _longest_word(cells[1:]))
             for cells in columns]
    if sum(least) > available:
        return None
    widths = [max(w, _natural(cells)) for w, cells in zip(least, columns, strict=True)]
    while sum(widths) > available:
        widest = max((k for k in range(len(widths)) if widths[k] > least[k]),
                     key=lambda k: widths[k])
        widths[widest] -= 1
    return widths


def _table(caption: str, header: list[str], rows: Sequence[list[str] | None], right: list[bool],
           widths: list[int], *, show_header: bool = True) -> Table:
    table = Table(title=Text(caption) if caption else None, title_justify="left", box=BOX,
                  show_header=show_header, padding=(0, PADDING))
    for name, width, is_number in zip(header, widths, right, strict=True):
        table.add_column(Text(name), width=width, overflow="fold",
                         justify="right" if is_number else "left")
    for row in rows:
        if row is None:
            table.add_section()
        else:
            table.add_row(*(Text(cell) for cell in row))
    return table


def fit_table(frame: pd.DataFrame, caption: str, width: int) -> RenderableType:
    """``frame`` as rich tables no wider than ``width``, every header and word whole.

    Tried in turn: the table as it is; transposed (when its first column names its rows
    uniquely); one table per value of its first column (when that repeats: the paired
    differences of each outcome); one block of ``field  value`` lines per row. The last is
    used when nothing fits, with overlong words folded.
    """
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    numeric = [frame[c].dtype.kind in "fiu" for c in frame.columns]
    return _fit(caption, header, rows, numeric, width, grouping=True)


def _fit(caption: str, header: list[str], rows: list[list[str]], numeric: list[bool],
         width: int, *, grouping: bool) -> RenderableType:
    widths = _widths([[name, *(row[k] for row in rows)] for k, name in enumerate(header)],
                     width)
    if widths is not None:
        return _table(caption, header, rows, numeric, widths)
    labels = [row[0] for row in rows] if header else []
    if rows and len(set(labels)) == len(labels):
        flipped = [[name, *(row[k] for row in rows)] for k, name in enumerate(header) if k]
        flipped_header = [header[0], *labels]
        widths = _widths([[h, *(r[k] for r in flipped)] for k, h in enumerate(flipped_header)],
                         width)
        if widths is not None:
            return _table(caption, flipped_header, flipped, [False] * len(flipped_header),
                          widths)
    if grouping and rows and len(header) > 1:
        parts: list[RenderableType] = [Text(caption)] if caption else []
        for label in dict.fromkeys(labels):
            group = [row[1:] for row in rows if row[0] == label]
            parts.append(_fit(f"{header[0]}: {label}", header[1:], group, numeric[1:], width,
                              grouping=False))
        return Group(*parts)
    return _records(caption, header, rows, width)


def _records(caption: str, header: list[str], rows: list[list[str]], width: int) -> Table:
    """One block of ``field  value`` lines per row, blocks apart by a rule."""
    records: list[list[str] | None] = []
    for row in rows:
        if records:
            records.append(None)
        records.extend([name, cell] for name, cell in zip(header, row, strict=True))
    fields = list(header) or [""]
    values = [cell for row in rows for cell in row] or [""]
    widths = _widths([["", *fields], ["", *values]], width)
    if widths is None:
        name_width = min(max(1, _natural(fields)), max(1, (width - 7) // 2))
        widths = [name_width, max(1, width - 7 - name_width)]
    return _table(caption, ["field", "value"], records, [False, False], widths,
                  show_header=False)
