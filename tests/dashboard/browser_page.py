"""Driving the classroom page in a real browser, as a student would (for test_browser.py).

Playwright for Python drives Debian's Chromium (no browser is ever downloaded). Every helper
waits on a condition of the page (Playwright's ``expect`` or ``wait_for_function``), never for
a fixed time, so the tests hold on a busy machine: they wait longer there, not differently.

Where Chromium, Playwright or the viz extra is missing the tests skip with the reason, except
under CI (environment variable ``CI`` set), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the tests skip (or, under CI, fail) in require_browser
    expect = None

from sim.dashboard import viz_available

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
CUSTOMERS = 5000
SERVER_START_S = 90
STEP_TIMEOUT_MS = 30_000
"""Longest wait for one step, one click's answer or one redraw (a busy machine is slow)."""
RUN_TIMEOUT_MS = 120_000
"""Longest wait for a short run played to its end."""
QUIET_MS = 3_000
"""How long the period counter must stay put, after Pause took effect, to count as paused:
far longer than the one period Mesa may still finish after Pause."""
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")

QUIET_JS = """([selector, quiet]) => {
  const text = document.querySelector(selector)?.innerText;
  const now = performance.now();
  const seen = window.__stratsimQuiet;
  if (!seen || seen.text !== text) { window.__stratsimQuiet = {text, since: now}; return false; }
  return now - seen.since >= quiet;
}"""
"""True once the element's text has stayed the same for ``quiet`` ms (polled by the page)."""

FILLED_JS = """(share) => {
  const panels = Array.from(document.querySelectorAll(
    '[class*="stratsim-chart-"], .stratsim-network, .stratsim-value-chart'));
  if (panels.length < 8) { return null; }
  const out = [];
  for (const panel of panels) {
    const style = getComputedStyle(panel);
    const inner = panel.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    const svg = panel.querySelector('svg');
    if (!svg) { return null; }
    out.push([panel.className, svg.getBoundingClientRect().width / inner]);
  }
  return share === null || out.every(([, r]) => r >= share && r <= 1.01) ? out : null;
}"""
"""Each chart's width as a share of its card's inner width, once every share is in
[``share``, 1.01] (null until then); ``share`` null: whatever they are."""


def chromium_path() -> str | None:
    """Debian's Chromium (or STRATSIM_CHROMIUM)."""
    wanted = os.environ.get("STRATSIM_CHROMIUM", "/usr/bin/chromium")
    if Path(wanted).exists():
        return wanted
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None."""
    module = viz_available()
    if module is not None:
        return f'the viz extra is not installed ({module}); pip install -e ".[viz]"'
    if importlib.util.find_spec("playwright") is None:
        return 'the playwright Python package is not installed; pip install -e ".[browser]"'
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium)"
    return None


def require_browser() -> None:
    """Skip (locally) or fail (under CI) when the browser tests cannot run."""
    reason = missing_requirement()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class Traffic:
    """Requests the page made that left this machine (aborted) or failed."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.external == [], f"requests left localhost: {self.external}"
        assert self.failed == [], f"local requests failed: {self.failed}"
        assert self.errors == [], f"errors in the page: {self.errors}"


@dataclass
class Dashboard:
    """A page on the dashboard, with helpers that act like a student and wait like one."""

    page: Any
    traffic: Traffic

    def period(self) -> str:
        return self.page.locator(".stratsim-period").inner_text()

    def wait_period(self, text: str | re.Pattern[str], timeout: int = STEP_TIMEOUT_MS) -> None:
        expect(self.page.locator(".stratsim-period")).to_have_text(text, timeout=timeout)

    def wait_quiet(self, quiet_ms: int = QUIET_MS) -> str:
        """Wait until the period counter has stayed the same for ``quiet_ms``; returns it."""
        self.page.evaluate("() => { window.__stratsimQuiet = null; }")
        self.page.wait_for_function(QUIET_JS, arg=[".stratsim-period", quiet_ms], polling=100,
                                    timeout=STEP_TIMEOUT_MS + quiet_ms)
        return self.period()

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            number = int(self.period().split()[1])
            expect(self.button("Step")).to_be_enabled(timeout=STEP_TIMEOUT_MS)
            self.button("Step").click()
            self.wait_period(re.compile(f"^\\w+ {number + 1} of \\d+$"))

    def slider(self, label: str) -> Any:
        """The slider whose label (its accessible name) starts with ``label``."""
        return self.page.get_by_role("slider", name=re.compile(f"^{re.escape(label)}"))

    def press_slider(self, label: str, key: str) -> None:
        """Move a slider from the keyboard (``Home``, ``End``, ``ArrowRight`` ...)."""
        thumb = self.slider(label)
        thumb.focus()
        thumb.press(key)

    def type_number(self, name: str, text: str) -> Any:
        """Type into the number input ``stratsim-input-NAME`` and press Enter; returns the
        input's messages (where the page says what is wrong)."""
        field_ = self.page.locator(f".stratsim-input-{name}")
        box = field_.locator("input")
        box.fill(text)
        box.press("Enter")
        return field_.locator(".v-messages")

    def chart_svg(self, name: str) -> Any:
        return self.page.locator(f".stratsim-chart-{name} svg").first

    def chart_markup(self, name: str) -> str:
        svg = self.chart_svg(name)
        svg.wait_for(timeout=STEP_TIMEOUT_MS)
        return svg.inner_html()

    def wait_chart_change(self, name: str, before: str) -> None:
        """Wait until chart ``name`` is drawn differently from ``before`` (its SVG markup)."""
        self.page.wait_for_function(
            "([selector, before]) => { const svg = document.querySelector(selector);"
            " return svg !== null && svg.innerHTML !== before; }",
            arg=[f".stratsim-chart-{name} svg", before], timeout=STEP_TIMEOUT_MS)

    def chart_fill(self, share: float | None = 0.95) -> list[list[Any]]:
        """Each chart's width / its card's inner width, once all are at least ``share``."""
        return self.page.wait_for_function(FILLED_JS, arg=share,
                                           timeout=STEP_TIMEOUT_MS).json_value()

    def chip(self, text: str) -> Any:
        return self.page.locator(".stratsim-chip", has_text=re.compile(f"^{re.escape(text)}$"))

    def choose(self, label: str, option: str, within: Any = None) -> None:
        """Pick ``option`` in the Vuetify select labelled ``label``."""
        scope = within if within is not None else self.page
        scope.locator(".v-select", has_text=label).first.locator(".v-select__slot").click()
        menu = self.page.locator(".menuable__content__active")
        menu.locator(".v-list-item", has_text=re.compile(f"^{re.escape(option)}$")).click()

    def open_firm(self, header: str) -> Any:
        """Unfold a firm's panel in the sidebar; returns the panel."""
        panel = self.page.locator(".v-expansion-panel", has_text=header).first
        panel.locator(".v-expansion-panel-header").click()
        panel.locator(".v-expansion-panel-content").wait_for(timeout=STEP_TIMEOUT_MS)
        return panel
