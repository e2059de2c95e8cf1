"""The classroom dashboard in a real browser: Playwright for Python driving Debian's Chromium.

Every test opens its own page on one ``stratsim dashboard`` server (5,000 customers) with the
network closed, and asserts that no request left the machine and none failed (the page must
work offline); the server's log may hold no traceback (conftest.py). Every wait is on a
condition of the page (browser_page.py), so the tests hold on a busy machine.

``STRATSIM_UPDATE_FIGURES=1`` also copies the main screenshot to docs/figures/dashboard.png.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pandas as pd
from browser_page import CUSTOMERS, ROOT, RUN_TIMEOUT_MS, Dashboard, expect

from sim.columns import COLUMNS


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
    dashboard.wait_chart_change("loyalty", first)  # the charts redraw after their data change
    for name in ("loyalty", "share", "profit", "cumulative_profit", "satisfaction",
                 "classes"):
        assert dashboard.chart_svg(name).locator("path").count() > 0, name
    expect(page.get_by_text("Press Step or Play to run the market.")).to_have_count(0)

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if os.environ.get("STRATSIM_UPDATE_FIGURES"):
        page.set_viewport_size({"width": 1600, "height": 1780})
        dashboard.chart_fill()  # every chart as wide as its card again
        page.screenshot(path=str(ROOT / "docs" / "figures" / "dashboard.png"))
    dashboard.traffic.assert_clean()


def test_play_pause_and_reset_with_new_settings(dashboard: Dashboard) -> None:
    page = dashboard.page
    # the longest horizon: however slow the machine, Pause comes long before the last period
    dashboard.press_slider("Periods:", "End")
    dashboard.wait_period("Month 0 of 240")
    dashboard.button("▶").click()
    dashboard.wait_period(re.compile(r"^Month ([3-9]|\d\d+) of 240$"))
    title = page.locator(".stratsim-customer-title")
    for _ in range(3):  # clicks while it plays: the page redraws in another thread than Play's
        before = title.inner_text()
        dashboard.button("Next in sample").click()
        expect(title).not_to_have_text(before)
    dashboard.button("❚❚").click()
    expect(dashboard.button("▶")).to_be_enabled()  # Pause took effect: Play is offered again
    expect(dashboard.button("Step")).to_be_enabled()
    paused = dashboard.wait_quiet()  # a period under way at Pause lands; then nothing moves
    assert paused != "Month 240 of 240"

    panel = dashboard.open_firm("Beta · 4C")
    dashboard.choose("Strategy", "fixed", within=panel)
    expect(page.get_by_text("press Reset to start a new run")).to_be_visible()
    expect(dashboard.chip("Beta · 4C")).to_have_count(1)  # the running market is unchanged
    assert dashboard.period() == paused

    dashboard.button("Reset").click()
    dashboard.wait_period("Month 0 of 240")
    expect(dashboard.chip("Beta · fixed")).to_have_count(1)
    expect(page.get_by_text("press Reset to start a new run")).to_have_count(0)
    dashboard.step()
    dashboard.traffic.assert_clean()


def test_at_the_last_period_the_page_says_finished_and_runs_again(dashboard: Dashboard) -> None:
    page = dashboard.page
    dashboard.press_slider("Periods:", "Home")  # the shortest horizon: 6 periods
    dashboard.wait_period("Month 0 of 6")
    dashboard.button("▶").click()
    dashboard.wait_period("Month 6 of 6", timeout=RUN_TIMEOUT_MS)
    finished = page.locator(".stratsim-finished-message")
    expect(finished).to_have_text(re.compile(r"Finished: month 6 of 6"))
    expect(page.locator(".stratsim-finished-tag")).to_have_text("finished")
    expect(dashboard.button("Step")).to_be_disabled()  # Mesa's, after the last period

    header = page.get_by_text(re.compile(r"customers · seed \d+$"))
    dashboard.type_number("seed", "7")  # after the start: waits for the next run
    expect(page.get_by_text("press Reset to start a new run")).to_be_visible()
    expect(header).to_have_text(re.compile(r"seed 1$"))

    dashboard.button("Run again").click()
    dashboard.wait_period("Month 0 of 6")
    expect(header).to_have_text(re.compile(r"seed 7$"))  # a new run with the current settings
    expect(finished).to_have_count(0)
    expect(dashboard.button("▶")).to_be_enabled()
    dashboard.step()
    dashboard.traffic.assert_clean()


def test_mesa_leftovers_are_gone_and_every_slider_says_its_value(dashboard: Dashboard) -> None:
    page = dashboard.page
    expect(page.get_by_text("Use Threads")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Time: "))).to_have_count(0)
    for name in ("Reset", "▶", "Step"):
        expect(dashboard.button(name)).to_be_enabled()
    for header in ("Alpha · 4P", "Beta · 4C", "Gamma · 4R"):
        dashboard.open_firm(header)
    sliders = page.get_by_role("slider")
    expect(sliders).to_have_count(3 + 1 + 4 + 3 * 7)  # controls, periods, segments, levers
    for k in range(sliders.count()):
        thumb = sliders.nth(k)
        label = thumb.get_attribute("aria-label") or ""
        value = float(thumb.get_attribute("aria-valuenow") or "nan")
        numbers = [float(n.replace(",", "")) * (0.01 if pct else 1.0)
                   for n, pct in re.findall(r"(\d[\d,]*(?:\.\d+)?)(%?)", label)]
        assert any(abs(n - value) <= 0.006 * max(1.0, abs(value)) for n in numbers), (
            label, value)
    dashboard.press_slider("Pause between periods:", "ArrowRight")
    expect(dashboard.slider("Pause between periods: 200 ms")).to_have_count(1)
    dashboard.step()
    dashboard.traffic.assert_clean()


def test_invalid_inputs_say_so_beside_the_input(dashboard: Dashboard) -> None:
    page = dashboard.page
    header = page.get_by_text(re.compile(r"· [\d,]+ customers ·"))
    messages = dashboard.type_number("customers", "60000")
    expect(messages).to_have_text("must be 500 to 50,000 (got 60,000)")
    expect(page.locator(".stratsim-input-customers input")).to_have_value("60000")
    expect(header).to_contain_text("5,000 customers")  # not used, and not ignored silently
    messages = dashboard.type_number("customers", "lots")
    expect(messages).to_have_text("not a number (got 'lots'): 500 to 50,000")
    messages = dashboard.type_number("customers", "6,000")
    expect(messages).to_be_hidden()  # no message: the number was taken
    expect(header).to_contain_text("6,000 customers")  # at period 0 it applies at once

    messages = dashboard.type_number("customer", "99999")
    expect(messages).to_have_text("must be 0 to 5,999 (got 99,999)")
    messages = dashboard.type_number("seed", "-1")
    expect(messages).to_have_text("must be a whole number, 0 or more (got -1)")

    for segment in ("lighthouse", "follower", "rational", "deal seeker"):
        dashboard.press_slider(f"{segment}:", "Home")
    market = page.locator(".v-card", has_text="Segment mix")
    expect(market.locator(".stratsim-problem")).to_contain_text(
        "at least one segment needs a share above 0")
    dashboard.traffic.assert_clean()


def test_charts_fill_their_cards(dashboard: Dashboard) -> None:
    dashboard.step(2)
    for name, share in dashboard.chart_fill():
        assert 0.95 <= share <= 1.01, (name, share)
    dashboard.page.set_viewport_size({"width": 1250, "height": 1800})
    for name, share in dashboard.chart_fill():  # narrower cards: the charts follow
        assert 0.95 <= share <= 1.01, (name, share)
    dashboard.step()
    for name, share in dashboard.chart_fill():
        assert 0.95 <= share <= 1.01, (name, share)
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
    for k in (17, 101, 203, 251):
        dots.nth(k).click(force=True)
        try:
            page.wait_for_function(
                "before => document.querySelector('.stratsim-customer-title')"
                ".innerText !== before", arg=before, timeout=10_000)
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
    events = sidebar.locator("li")
    if other.events:
        expect(sidebar.get_by_text("Scheduled events")).to_be_visible()
        expect(events).to_have_count(len(other.events))
        expect(sidebar.locator("li", has_text="None")).to_have_count(0)
    if path.stem == "price_war":
        expect(events.first).to_have_text("month 18: Alpha sets price 68")
    dashboard.step()
    assert dashboard.period() == f"Month 1 of {other.periods}"
    dashboard.traffic.assert_clean()
