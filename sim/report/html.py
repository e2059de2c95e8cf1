"""The experiment report: one self-contained HTML file of sections, tables and figures.

Core objects:
    Section: a heading with paragraphs, figures, tables, preformatted blocks and folded blocks
        (long text, such as a whole scenario, in a ``<details>`` element: one click opens it).
    write_report: sections -> one HTML file, written atomically.

The file stands alone: the style sheet is inline, figures are embedded PNGs (``data:`` URIs),
and there is no script, font, style sheet or image fetched from anywhere, so it renders offline,
can be mailed or archived, and prints cleanly (a print style sheet drops the contents list and
keeps figures and tables whole on a page).

Tables fit the page: headers and cells wrap (a long name such as ``cumulative_profit@Gamma``
may break before its ``@`` and after a ``_``, marked with ``<wbr>``), numbers do not, and a
table that is still too wide scrolls inside its own box on screen; in print its cells break
wherever they must, so nothing is cut off at the page's edge.

Everything the caller provides (title, headings, paragraphs, captions, table cells and headers,
preformatted text) is escaped with ``html.escape``; nothing is ever inserted as markup. Tables
are pandas' ``DataFrame.to_html`` with escaping on and numbers formatted for reading
(:func:`format_number`): thousands separators for large values, four significant digits
otherwise, ``–`` for a missing value.
"""

from __future__ import annotations

import base64
import html
import math
import numbers
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.files import atomic_write
from sim.report.style import png_bytes

__all__ = ["Section", "format_number", "write_report"]

TABLE_MAX_ROWS = 500
"""Longest table shown in full; longer ones show their first and last rows around ``...``."""
MISSING = "–"
"""How a missing value (NaN, None) is written in a table."""

Captioned = tuple[str, object]
"""An item with its caption: ``(caption, item)``."""


@dataclass(frozen=True)
class Section:
    """One section of the report, in this order: paragraphs, figures, tables, blocks, folds.

    Attributes:
        heading: the section's heading (plain text).
        paragraphs: plain-text paragraphs.
        figures: matplotlib figures (embedded as PNG), or PNG bytes, each optionally as
            ``(caption, figure)``.
        tables: DataFrames, each optionally as ``(caption, table)``. The index is shown unless
            it is the default 0..n-1 range.
        preformatted: text shown as is in a monospace block (a scenario's YAML, the design,
            provenance), each optionally as ``(caption, text)``.
    """

    heading: str
    paragraphs: Sequence[str] = ()
    figures: Sequence[Figure | bytes | Captioned] = ()
    tables: Sequence[pd.DataFrame | Captioned] = ()
    preformatted: Sequence[str | Captioned] = ()
    folded: Sequence[str | Captioned] = ()
    """Preformatted text shown folded (``<details>``), after everything else: the caption is
    the line one clicks to open it."""
    anchor: str = field(default="", compare=False)
    """The section's id in the page (made from the heading when empty)."""


def format_number(value: object) -> str:
    """A table cell's number for reading.

    ``1234567.8 -> '1,234,568'``, ``12.3456 -> '12.35'``, ``0.051234 -> '0.05123'``,
    ``3 -> '3'``, ``2e-7 -> '2.000e-07'``, NaN or None -> ``'–'``; other values as ``str``.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return MISSING
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        magnitude = abs(number)
        if number == 0:
            return "0"
        if magnitude >= 1e15 or magnitude < 1e-4:
            return f"{number:.3e}"
        if magnitude >= 1000:
            return f"{number:,.0f}"
        return f"{number:.4g}"
    return str(value)


def write_report(path: str | os.PathLike[str], *, title: str,
                 sections: Sequence[Section], subtitle: str = "") -> Path:
    """Write the report as one self-contained HTML file.

    Args:
        path: the file to write (parent folders are created); an existing file is replaced.
        title: the report's title (plain text).
        sections: the sections, in order; a contents list links to each.
        subtitle: a line under the title (plain text), e.g. the experiment file.

    Returns:
        The path written. The file is written under a temporary name in the same folder and
        renamed into place, so a reader never sees half a report.

    Raises:
        ValueError: a section item is of an unsupported type.
    """
    return atomic_write(path, _page(title, subtitle, sections).encode("utf-8"), durable=False)


# --- the page -------------------------------------------------------------------------------

_STYLE = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9dce1; --tint: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 4rem; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; background: #fff; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 1.5rem; padding-bottom: .6rem; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; line-height: 1.25; }
.subtitle { color: var(--muted); margin: 0; }
nav { background: var(--tint); border-radius: 6px; padding: .6rem 1rem; margin-bottom: 2rem; }
nav ol { margin: .2rem 0; padding-left: 1.4rem; }
nav a { color: inherit; }
section { margin: 0 0 2.5rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--rule); padding-bottom: .25rem;
  margin: 0 0 .8rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0 .8rem; max-width: 48rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption, caption { color: var(--muted); font-size: .9rem; margin-top: .3rem;
  text-align: left; caption-side: top; padding-bottom: .3rem; }
.table-wrap { overflow-x: auto; max-width: 100%; margin: .8rem 0 1.4rem; }
table.data { border-collapse: collapse; font-size: .86rem; font-variant-numeric: tabular-nums;
  max-width: 100%; }
table.data th, table.data td { padding: .25rem .6rem; border-bottom: 1px solid var(--rule);
  text-align: left; vertical-align: top; }
table.data thead th { border-bottom: 2px solid var(--ink); }
table.data td.num, table.data th.num { text-align: right; white-space: nowrap; }
table.data tbody tr:nth-child(even) { background: var(--tint); }
pre { background: var(--tint); border: 1px solid var(--rule); border-radius: 4px;
  padding: .7rem .9rem; font: .82rem/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas,
  monospace; overflow-x: auto; white-space: pre; }
details { margin: .6rem 0 1rem; }
details > summary { cursor: pointer; font-weight: 600; }
details > pre { margin-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure, .table-wrap, pre { break-inside: avoid; }
  table.data tbody tr:nth-child(even) { background: none; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .table-wrap { overflow: visible; }
  table.data { width: 100%; }
  table.data th, table.data td { overflow-wrap: anywhere; }
}
@page { margin: 15mm; }
"""


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    anchors = _anchors(sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="stratsim">',
        f"<title>{_text(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_text(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{_text(subtitle)}</p>')
    parts.append("</header>")
    if len(sections) > 1:
        items = "".join(f'<li><a href="#{anchor}">{_text(section.heading)}</a></li>'
                        for section, anchor in zip(sections, anchors, strict=True))
        parts.append(f'<nav aria-label="Contents"><strong>Contents</strong><ol>{items}</ol></nav>')
    parts.append("<main>")
    parts.extend(_section(section, anchor) for section, anchor in zip(sections, anchors,
                                                                       strict=True))
    parts.extend(["</main>", "</body>", "</html>", ""])
    return "\n".join(parts)


def _anchors(sections: Sequence[Section]) -> list[str]:
    """A unique, safe id per section: its anchor, or a slug of its heading."""
    seen: set[str] = set()
    anchors = []
    for index, section in enumerate(sections, start=1):
        base = section.anchor or section.heading
        slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or f"section-{index}"
        anchor, count = slug, 2
        while anchor in seen:
            anchor, count = f"{slug}-{count}", count + 1
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


def _captioned(item: object) -> tuple[str, object]:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return item[0], item[1]
    return "", item


def _section(section: Section, anchor: str) -> str:
    parts = [f'<section id="{anchor}">', f"<h2>{_text(section.heading)}</h2>"]
    parts.extend(f"<p>{_text(paragraph)}</p>" for paragraph in section.paragraphs)
    for item in section.figures:
        caption, figure = _captioned(item)
        parts.append(_figure(figure, caption))
    for item in section.tables:
        caption, table = _captioned(item)
        parts.append(_table(table, caption))
    for item in section.preformatted:
        caption, text = _captioned(item)
        if not isinstance(text, str):
            raise ValueError(f"a preformatted block must be text (got {type(text).__name__})")
        heading = f"<h3>{_text(caption)}</h3>" if caption else ""
        parts.append(f"{heading}<pre>{_text(text)}</pre>")
    for item in section.folded:
        caption, text = _captioned(item)
        if not isinstance(text, str):
            raise ValueError(f"a folded block must be text (got {type(text).__name__})")
        parts.append(f"<details><summary>{_text(caption or 'show')}</summary>"
                     f"<pre>{_text(text)}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _figure(figure: object, caption: str) -> str:
    if isinstance(figure, Figure):
        png = png_bytes(figure)
    elif isinstance(figure, bytes | bytearray):
        png = bytes(figure)
        if png[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("figure bytes must be a PNG image")
    else:
        raise ValueError(
            f"a figure must be a matplotlib Figure or PNG bytes (got {type(figure).__name__})"
        )
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    alt = _text(caption or "figure")
    text = f"<figcaption>{_text(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{alt}">{text}</figure>'


def _table(table: object, caption: str) -> str:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"a table must be a pandas DataFrame (got {type(table).__name__})")
    show_index = not (isinstance(table.index, pd.RangeIndex) and table.index.start == 0
                      and table.index.step == 1 and table.index.name is None)
    numeric = [
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        for dtype in table.dtypes
    ]
    markup = table.to_html(
        escape=True,
        index=show_index,
        border=0,
        classes="data",
        na_rep=MISSING,
        formatters=[format_number] * table.shape[1],
        max_rows=TABLE_MAX_ROWS,
        justify="left",
    )
    markup = _mark_numeric_cells(markup, numeric)
    # Break opportunities in long names; pandas' own markup has no "@" or "_", and escaped
    # text has no "<", so these land in text only.
    markup = markup.replace("@", "<wbr>@").replace("_", "_<wbr>")
    if caption:
        markup = markup.replace("<thead>", f"<caption>{_text(caption)}</caption>\n  <thead>", 1)
    return f'<div class="table-wrap">{markup}</div>'


def _mark_numeric_cells(markup: str, numeric: list[bool]) -> str:
    """Right-align numeric columns: ``<td>`` -> ``<td class="num">``, and their headers.

    ``to_html`` writes each body row's data cells as bare ``<td>`` in column order (index cells
    are ``<th>``), and escaped content cannot contain ``<td>``, so counting them is safe.
    """
    if not any(numeric):
        return markup

    def mark_row(match: re.Match[str]) -> str:
        cells = match.group(0).split("<td>")
        if len(cells) - 1 != len(numeric):  # the "..." row of a shortened table
            return match.group(0)
        joined = cells[0]
        for is_number, rest in zip(numeric, cells[1:], strict=True):
            joined += ('<td class="num">' if is_number else "<td>") + rest
        return joined

    def mark_header(match: re.Match[str]) -> str:
        cells = match.group(0).split("<th>")
        if len(cells) - 1 < len(numeric):  # a row of index names, or grouped columns
            return match.group(0)
        first = len(cells) - len(numeric)
        joined = "<th>".join(cells[:first])
        for is_number, rest in zip(numeric, cells[first:], strict=True):
            joined += ('<th class="num">' if is_number else "<th>") + rest
        return joined

    head, separator, body = markup.partition("</thead>")
    if separator:
        head = re.sub(r"<tr[^>]*>.*?</tr>", mark_header, head, flags=re.DOTALL)
    else:
        head, body = "", markup
    return head + separator + re.sub(r"<tr>.*?</tr>", mark_row, body, flags=re.DOTALL)
