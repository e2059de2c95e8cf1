"""The classroom dashboard in a real browser: Playwright for Python driving Debian's Chromium.

A module-scoped fixture starts ``stratsim dashboard`` in a subprocess on a free port (5,000
customers) and every test opens the page in headless Chromium with the network closed: each
request that does not go to 127.0.0.1 is aborted and recorded, and every test asserts that
there were none (the page must work offline) and that no local request failed.

Where Chromium, Playwright or the viz extra is missing the tests skip with the reason, except
under CI (environment variable ``CI`` set), where they fail. No browser is ever downloaded:
Chromium comes from the system (``apt-get install chromium``).

``STRATSIM_UPDATE_FIGURES=1`` also copies the main screenshot to docs/figures/dashboard.png.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the tests skip (or, under CI, fail) in require_browser
    expect = None

from sim.columns import COLUMNS
from sim.dashboard import viz_available

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
CUSTOMERS = 5000
SERVER_START_S = 90
STEP_TIMEOUT_MS = 15_000
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")


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


def free_port() -> int:
    from sim.dashboard.server import free_port as pick

    return pick("127.0.0.1")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``stratsim dashboard`` on a free port; yields its address."""
    require_browser()
    port = free_port()
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    log = open(log_path, "w")  # noqa: SIM115  (closed below)
    command = [sys.executable, "-m", "sim", "dashboard", str(DEFAULT), "--port", str(port),
               "--no-browser", "--customers", str(CUSTOMERS)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_START_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard exited with {proc.returncode}:\n"
                            f"{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not answer within {SERVER_START_S} s:\n"
                            f"{log_path.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    text = log_path.read_text()
    assert "Traceback" not in text, text


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


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
    """A page on the dashboard, with helpers that act like a student."""

    page: Any
    traffic: Traffic

    def period(self) -> str:
        return self.page.locator(".stratsim-period").inner_text()

    def wait_period(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.locator(".stratsim-period")).to_have_text(text,
                                                                    timeout=STEP_TIMEOUT_MS)

    def wait_steady(self, quiet_ms: int = 1000) -> str:
        """Wait until the period counter stays the same for ``quiet_ms``; returns it."""
        seen = self.period()
        while True:
            self.page.wait_for_timeout(quiet_ms)
            now = self.period()
            if now == seen:
                return now
            seen = now

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            number = int(self.period().split()[1])
            self.button("Step").click()
            self.wait_period(re.compile(f"^\\w+ {number + 1} of \\d+$"))

    def chart_svg(self, name: str) -> Any:
        return self.page.locator(f".stratsim-chart-{name} svg").first

    def chart_markup(self, name: str) -> str:
        svg = self.chart_svg(name)
        svg.wait_for(timeout=STEP_TIMEOUT_MS)
        return svg.inner_html()

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
        panel.locator(".v-expansion-panel-content").wait_for()
        return panel


@pytest.fixture
def dashboard(server: str, browser: Any) -> Iterator[Dashboard]:
    """A fresh page (its own Solara session) with the network closed."""
    context = browser.new_context(viewport={"width": 1600, "height": 1800},
                                  accept_downloads=True)
    traffic = Traffic()

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if LOCAL.match(url) or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            traffic.external.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("response", lambda r: traffic.failed.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.on("pageerror", lambda e: traffic.errors.append(str(e)))
    page.goto(server)
    board = Dashboard(page, traffic)
    board.wait_period("Month 0 of 60")
    page.locator(".stratsim-network svg").wait_for(timeout=STEP_TIMEOUT_MS)
    yield board
    context.close()


# --------------------------------------------------------------------------- tests
def test_change_strategy_run_ten_periods(dashboard: Dashboard, tmp_path: Path) -> None:
    """The issue's test: load, change a firm's strategy, run 10 periods, the period counter
    and the charts change, save a screenshot."""
    page = dashboard.page
    assert dashboard.period() == "Month 0 of 60"
    expect(page.get_by_text("Press Step or Play to run the market.")).to_have_count(6)
    expect(dashboard.chip("Alpha · 4P")).to_have_count(1)

    panel = dashboard.open_firm("Alpha · 4P")
    dashboard.choose("Strategy", "4R", within=panel)
    expect(dashboard.chip("Alpha · 4R")).to_have_count(1)  # at period 0 it applies at once

    dashboard.step()
    first = dashboard.chart_markup("loyalty")
    dashboard.step(9)
    assert dashboard.period() == "Month 10 of 60"
    page.wait_for_timeout(600)  # the charts redraw 100 ms after their data changes
    tenth = dashboard.chart_markup("loyalty")
    assert tenth != first
    for name in ("loyalty", "share", "profit", "cumulative_profit", "satisfaction",
                 "classes"):
        assert dashboard.chart_svg(name).locator("path").count() > 0, name
    expect(page.get_by_text("Press Step or Play to run the market.")).to_have_count(0)

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if os.environ.get("STRATSIM_UPDATE_FIGURES"):
        page.set_viewport_size({"width": 1600, "height": 1780})
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "figures" / "dashboard.png"))
    dashboard.traffic.assert_clean()


def test_play_pause_and_reset_with_new_settings(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.button("▶").click()
    dashboard.wait_period(re.compile(r"^Month ([3-9]|\d\d) of 60$"))
    dashboard.button("❚❚").click()
    paused = dashboard.wait_steady()
    page.wait_for_timeout(1000)
    assert dashboard.period() == paused

    panel = dashboard.open_firm("Beta · 4C")
    dashboard.choose("Strategy", "fixed", within=panel)
    expect(page.get_by_text("press Reset to start a new run")).to_be_visible()
    expect(dashboard.chip("Beta · 4C")).to_have_count(1)  # the running market is unchanged
    assert dashboard.period() == paused

    dashboard.button("Reset").click()
    dashboard.wait_period("Month 0 of 60")
    expect(dashboard.chip("Beta · fixed")).to_have_count(1)
    expect(page.get_by_text("press Reset to start a new run")).to_have_count(0)
    dashboard.traffic.assert_clean()


def test_pick_a_customer_and_see_its_delivered_value(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.step(2)
    title = page.locator(".stratsim-customer-title")
    before = title.inner_text()
    table = page.locator(".stratsim-table tbody tr")
    for component in ("product", "service", "personnel", "image", "money", "time", "energy",
                      "psychic", "delivered value"):
        assert table.filter(has_text=re.compile(f"^{component}")).count() >= 1, component

    dots = page.locator(".stratsim-network g.mark-symbol path")
    assert dots.count() >= 50
    for k in (17, 101, 203):
        dots.nth(k).click(force=True)
        try:
            page.wait_for_function(
                "before => document.querySelector('.stratsim-customer-title')"
                ".innerText !== before", arg=before, timeout=3000)
            break
        except Exception:  # a dot under another one, or the picked one: try another
            continue
    after = title.inner_text()
    assert after != before
    number = int(re.search(r"Customer ([\d,]+)", after).group(1).replace(",", ""))
    assert 0 <= number < CUSTOMERS
    dashboard.traffic.assert_clean()


def test_download_time_series_csv(dashboard: Dashboard) -> None:
    dashboard.step(3)
    with dashboard.page.expect_download() as info:
        dashboard.button("Time series (CSV)").click()
    download = info.value
    assert download.suggested_filename == "default-seed1-period3.csv"
    with open(download.path(), encoding="utf-8") as fh:
        table = pd.read_csv(io.StringIO(fh.read()))
    assert list(table.columns) == list(COLUMNS)
    assert sorted(table["period"].unique()) == [1, 2, 3]
    assert sorted(table["firm"].unique()) == ["Alpha", "Beta", "Gamma"]
    dashboard.traffic.assert_clean()


def test_pick_another_scenario(dashboard: Dashboard) -> None:
    from sim.scenario.loader import load_scenario

    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    path = next((p for p in files if p.stem == "price_war"),
                next(p for p in files if p.stem != "default"))
    other = load_scenario(path)
    page = dashboard.page
    sidebar = page.locator(".v-navigation-drawer")
    dashboard.choose("Scenario file", path.stem, within=sidebar)
    dashboard.wait_period(f"Month 0 of {other.periods}")  # a new run starts at once
    for name, firm in other.firms.items():
        expect(dashboard.chip(f"{name} · {firm.strategy}")).to_have_count(1)
    if other.events:
        expect(sidebar.get_by_text("Scheduled events")).to_be_visible()
    dashboard.step()
    assert dashboard.period() == f"Month 1 of {other.periods}"
    dashboard.traffic.assert_clean()
