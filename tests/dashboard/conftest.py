"""Fixtures of the browser tests: the dashboard's server, headless Chromium, and a fresh page.

A module-scoped fixture starts ``stratsim dashboard`` in a subprocess on a free port (5,000
customers); every test opens the page in headless Chromium with the network closed: each request
that does not go to 127.0.0.1 is aborted and recorded. The server's log may hold no traceback.
The helpers that drive the page are in browser_page.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from browser_page import (
    CHROMIUM_FLAGS,
    CUSTOMERS,
    DEFAULT,
    LOCAL,
    ROOT,
    SERVER_START_S,
    STEP_TIMEOUT_MS,
    Dashboard,
    Traffic,
    chromium_path,
    require_browser,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``stratsim dashboard`` on a free port; yields its address."""
    require_browser()
    from sim.dashboard.server import free_port

    port = free_port("127.0.0.1")
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
            time.sleep(0.2)  # polling a subprocess's port: no page to wait on yet
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
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)  # a busy machine answers late, not never
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def dashboard(server: str, browser: Any) -> Iterator[Dashboard]:
    """A fresh page (its own Solara session) with the network closed."""
    context = browser.new_context(viewport={"width": 1600, "height": 1800},
                                  accept_downloads=True)
    context.set_default_timeout(STEP_TIMEOUT_MS)
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
