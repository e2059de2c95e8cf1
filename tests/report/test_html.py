"""Tests for sim/report/html.py: one self-contained, escaped, offline HTML report."""

import base64
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.report.html import MISSING, Section, format_number, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INJECTION = "<script>alert('x')</script>"


def small_figure() -> Figure:
    figure = Figure(figsize=(3, 2), dpi=50)
    FigureCanvasAgg(figure)
    figure.subplots().plot([1, 2, 3], [2, 1, 3])
    return figure


def summary_table() -> pd.DataFrame:
    return pd.DataFrame({
        "arm": ["4P", "4C", "4R"],
        "mean": [1234567.891, 0.051234, math.nan],
        "n": [10, 10, 9],
        "excludes_zero": [True, False, True],
    })


def sample_sections() -> list[Section]:
    return [
        Section("Summary", paragraphs=["Three arms, ten replications each.",
                                       "Differences are paired by replication."],
                figures=[("Loyal share over time", small_figure()), small_figure()],
                tables=[("Mean and 95% CI", summary_table())]),
        Section("Provenance", preformatted=[("Scenario", "periods: 36\nmarket:\n  customers: 4000"),
                                            "stratsim 0.1.0\nseeds: 1000-1009"]),
    ]


class _Tags(HTMLParser):
    """Collects start tags with their attributes, and checks that tags are balanced."""

    VOID: ClassVar[set[str]] = {"meta", "img", "br", "hr", "link", "input", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return parser


def test_report_is_one_self_contained_file_with_embedded_figures(tmp_path: Path) -> None:
    path = write_report(tmp_path / "out" / "report.html", title="Relationship levels",
                        sections=sample_sections(), subtitle="experiments/levels.yaml")
    assert path == tmp_path / "out" / "report.html"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]  # no temporary
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    tags = parse(page)
    images = [attrs["src"] for tag, attrs in tags.tags if tag == "img"]
    assert len(images) == 2
    for source in images:
        assert source is not None and source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1])[:8] == PNG_SIGNATURE
    # Nothing is fetched from anywhere: no scripts, links, external sources or URLs.
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert not re.search(r"url\(", page)
    assert all(tag not in {"script", "link", "iframe", "object", "embed"} for tag, _ in tags.tags)
    sources = [attrs.get("src") for _, attrs in tags.tags if "src" in attrs]
    assert all(s is not None and s.startswith("data:") for s in sources)


def test_report_has_contents_sections_captions_and_blocks(tmp_path: Path) -> None:
    page = write_report(tmp_path / "r.html", title="Levels",
                        sections=sample_sections()).read_text(encoding="utf-8")
    assert "<title>Levels</title>" in page and "<h1>Levels</h1>" in page
    assert '<a href="#summary">Summary</a>' in page
    assert '<section id="provenance">' in page
    assert "<p>Differences are paired by replication.</p>" in page
    assert "<figcaption>Loyal share over time</figcaption>" in page
    assert "<caption>Mean and 95% CI</caption>" in page
    assert "<h3>Scenario</h3><pre>periods: 36\nmarket:\n  customers: 4000</pre>" in page
    assert "<pre>stratsim 0.1.0\nseeds: 1000-1009</pre>" in page
    assert "@media print" in page


def test_tables_format_numbers_for_reading(tmp_path: Path) -> None:
    page = write_report(tmp_path / "r.html", title="t",
                        sections=sample_sections()).read_text(encoding="utf-8")
    assert '<td class="num">1,234,568</td>' in page
    assert '<td class="num">0.05123</td>' in page
    assert f'<td class="num">{MISSING}</td>' in page
    assert '<td class="num">10</td>' in page
    assert "<td>True</td>" in page  # booleans are not numbers
    assert '<th class="num">mean</th>' in page
    assert "<td>4P</td>" in page


@pytest.mark.parametrize(("value", "text"), [
    (1234567.891, "1,234,568"), (-2500.4, "-2,500"), (12.3456, "12.35"), (0.051234, "0.05123"),
    (0.0, "0"), (2e-7, "2.000e-07"), (3, "3"), (np.int64(12000), "12,000"),
    (math.nan, MISSING), (None, MISSING), (pd.NA, MISSING), (math.inf, "∞"), (True, "True"),
    ("4R", "4R"),
])
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text


def test_everything_user_provided_is_escaped(tmp_path: Path) -> None:
    table = pd.DataFrame({INJECTION: [INJECTION], "value": [1.0]})
    sections = [Section(INJECTION, paragraphs=[INJECTION],
                        figures=[(INJECTION, small_figure())],
                        tables=[(INJECTION, table)],
                        preformatted=[(INJECTION, INJECTION)])]
    page = write_report(tmp_path / "r.html", title=INJECTION, sections=sections,
                        subtitle=INJECTION).read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert f"<title>{escaped}</title>" in page
    assert f"<h1>{escaped}</h1>" in page
    # to_html escapes <, > and &; quotes need no escaping in element text.
    assert "<td>&lt;script&gt;alert('x')&lt;/script&gt;</td>" in page
    assert "<th>&lt;script&gt;alert('x')&lt;/script&gt;</th>" in page
    assert f"<pre>{escaped}</pre>" in page
    assert page.count("&lt;script&gt;") >= 9  # title, h1, subtitle, h2, p, caption x2, th, ...
    parse(page)  # still well formed


def test_attribute_values_cannot_be_broken_out_of(tmp_path: Path) -> None:
    caption = '" onerror="alert(1)'
    page = write_report(tmp_path / "r.html", title="t",
                        sections=[Section("s", figures=[(caption, small_figure())])]
                        ).read_text(encoding="utf-8")
    (img,) = [attrs for tag, attrs in parse(page).tags if tag == "img"]
    assert set(img) == {"src", "alt"} and img["alt"] == caption


def test_duplicate_and_symbol_headings_get_unique_anchors(tmp_path: Path) -> None:
    sections = [Section("Results"), Section("Results"), Section("<>")]
    page = write_report(tmp_path / "r.html", title="t", sections=sections).read_text("utf-8")
    ids = [attrs["id"] for tag, attrs in parse(page).tags if tag == "section"]
    assert ids == ["results", "results-2", "section-3"]


def test_pre_rendered_png_bytes_are_embedded_and_other_things_refused(tmp_path: Path) -> None:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
    page = write_report(tmp_path / "r.html", title="t",
                        sections=[Section("s", figures=[png])]).read_text("utf-8")
    assert "data:image/png;base64,iVBORw0KGgo" in page
    with pytest.raises(ValueError, match="PNG"):
        write_report(tmp_path / "bad.html", title="t",
                     sections=[Section("s", figures=[b"GIF89a..."])])
    with pytest.raises(ValueError, match="DataFrame"):
        write_report(tmp_path / "bad.html", title="t",
                     sections=[Section("s", tables=[[1, 2, 3]])])  # type: ignore[list-item]
    assert not (tmp_path / "bad.html").exists()


def test_rewriting_replaces_the_report(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    write_report(path, title="first", sections=[])
    write_report(path, title="second", sections=[])
    page = path.read_text("utf-8")
    assert "<h1>second</h1>" in page and "first" not in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_folded_blocks_are_details_that_open_on_a_click(tmp_path: Path) -> None:
    sections = [Section("Scenario", paragraphs=["as run"],
                        folded=[("the scenario (YAML)", "periods: 36\nfirms: <Alpha>"),
                                "no caption"])]
    page = write_report(tmp_path / "r.html", title="t", sections=sections).read_text("utf-8")
    assert ("<details><summary>the scenario (YAML)</summary><pre>periods: 36\nfirms:"
            " &lt;Alpha&gt;</pre></details>") in page
    assert "<details><summary>show</summary><pre>no caption</pre></details>" in page
    assert page.index("<p>as run</p>") < page.index("<details>")
    tags = [tag for tag, _ in parse(page).tags]
    assert tags.count("details") == 2 and tags.count("summary") == 2
    with pytest.raises(ValueError, match="folded"):
        write_report(tmp_path / "bad.html", title="t",
                     sections=[Section("s", folded=[("x", 1)])])  # type: ignore[list-item]


def test_long_names_in_tables_may_break_at_at_signs_and_underscores(tmp_path: Path) -> None:
    table = pd.DataFrame({"outcome": ["cumulative_profit@Gamma"], "4P": ["1 [0, 2]"],
                          "loyal_share@Gamma": [0.25]})
    page = write_report(tmp_path / "r.html", title="t",
                        sections=[Section("s", tables=[table])]).read_text("utf-8")
    assert "<td>cumulative_<wbr>profit<wbr>@Gamma</td>" in page
    assert '<th class="num">loyal_<wbr>share<wbr>@Gamma</th>' in page
    assert '<td class="num">0.25</td>' in page  # numbers are left whole
    parse(page)


def test_tables_fit_the_page_or_scroll_in_their_own_box(tmp_path: Path) -> None:
    page = write_report(tmp_path / "r.html", title="t",
                        sections=sample_sections()).read_text("utf-8")
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    screen, _, printed = style.partition("@media print")
    assert ".table-wrap { overflow-x: auto; max-width: 100%;" in screen
    header_rule = re.search(r"table\.data thead th \{([^}]*)\}", screen)
    assert header_rule and "nowrap" not in header_rule.group(1)  # headers may wrap
    assert "table.data { width: 100%; }" in printed
    assert "overflow-wrap: anywhere" in printed  # in print a cell breaks rather than overflow
