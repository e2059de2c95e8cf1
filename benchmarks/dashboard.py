"""How fast the classroom dashboard steps and redraws, measured in a real browser.

    python benchmarks/dashboard.py [--customers 5000] [--steps 20] [--scenario FILE]

Needs the viz and browser extras (``pip install -e ".[viz,browser]"``) and Debian's Chromium
(``apt-get install chromium``). Starts ``stratsim dashboard`` on a free port, opens the page
in headless Chromium (requests that would leave the machine are aborted), and clicks Step
``--steps`` times. For each click it measures, with the page's own clock
(``performance.now``):

- **counter**: from the click to the period counter showing the new period: the model's step
  on the server, the page's components redrawn there, and the changes sent to the browser;
- **settled**: from the click to the last change of the page (a MutationObserver on the main
  area) before 400 ms without change: every chart and the customer view redrawn. This
  includes the 100 ms that Solara's Vega-Lite widget waits before each redraw.

Prints the machine line, then the median, mean and slowest of both, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_line  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUIET_MS = 400

OBSERVE = """() => {
  window.__bench = {last: performance.now()};
  new MutationObserver(() => { window.__bench.last = performance.now(); })
    .observe(document.querySelector('.stratsim-main'),
             {subtree: true, childList: true, characterData: true, attributes: true});
}"""
CLICK_STEP = """() => {
  const step = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim().toUpperCase() === 'STEP');
  window.__bench.t0 = performance.now();
  step.click();
}"""
COUNTER_SHOWS = """k => {
  const text = document.querySelector('.stratsim-period').innerText;
  if (text.includes(' ' + k + ' of')) { window.__bench.tc = performance.now(); return true; }
  return false;
}"""


def start_server(scenario: Path, customers: int) -> tuple[subprocess.Popen, str]:
    from sim.dashboard.server import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", str(scenario), "--port", str(port),
         "--no-browser", "--customers", str(customers)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the dashboard did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "default.yaml")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("STRATSIM_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        chromium = shutil.which("chromium") or chromium
    print(machine_line())
    proc, url = start_server(args.scenario, args.customers)
    counter, settled = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1800})
            page.route("**/*", lambda r: r.continue_()
                       if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))
                       else r.abort())
            page.goto(url)
            page.locator(".stratsim-network svg").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.evaluate(OBSERVE)
            for k in range(1, args.steps + 1):
                page.evaluate(CLICK_STEP)
                page.wait_for_function(COUNTER_SHOWS, arg=k, polling="raf", timeout=30_000)
                while True:
                    page.wait_for_timeout(100)
                    idle = page.evaluate("() => performance.now() - window.__bench.last")
                    if idle > QUIET_MS:
                        break
                t = page.evaluate("() => window.__bench")
                counter.append(t["tc"] - t["t0"])
                settled.append(t["last"] - t["t0"])
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"dashboard, {args.customers:,} customers, {args.steps} steps of"
          f" {args.scenario.name}")
    for name, values in (("counter", counter), ("settled", settled)):
        print(f"  {name:8s} median {statistics.median(values):6.0f} ms   mean"
              f" {statistics.fmean(values):6.0f} ms   slowest {max(values):6.0f} ms")


if __name__ == "__main__":
    main()
