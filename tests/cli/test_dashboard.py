"""``stratsim dashboard`` without a browser: the viz extra is optional, user errors exit 2,
the server's environment (telemetry off, assets offline), and bundled-asset versions."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim.dashboard
from sim.cli import app
from sim.dashboard.server import (
    ENV_CUSTOMERS,
    ENV_FOLDER,
    ENV_SCENARIO,
    BundledAssets,
    configure_environment,
    port_problem,
)

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_without_the_viz_extra_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.dashboard, "viz_available", lambda: "solara")
    result = invoke("dashboard", "--no-browser")
    assert result.exit_code == 2
    assert 'pip install "stratsim[viz]"' in result.output
    assert "solara is not installed" in result.output


def test_import_sim_and_the_cli_do_not_import_the_web_framework() -> None:
    code = ("import sys, sim, sim.cli, sim.dashboard, sim.dashboard.state, sim.dashboard.charts,"
            " sim.dashboard.server\n"
            "loaded = [m for m in ('solara', 'mesa.visualization', 'altair', 'uvicorn')"
            " if m in sys.modules]\n"
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_an_invalid_scenario_exits_2_with_its_position(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.dashboard, "viz_available", lambda: None)  # checked before serving
    bad = tmp_path / "bad.yaml"
    bad.write_text("firms:\n  A:\n    price: -3\n")
    result = invoke("dashboard", bad, "--no-browser")
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output and "price" in result.output


def test_a_missing_scenario_folder_exits_2(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.dashboard, "viz_available", lambda: None)  # checked before serving
    result = invoke("dashboard", "--scenarios", tmp_path / "nowhere", "--no-browser")
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_a_busy_port_exits_2() -> None:
    if sim.dashboard.viz_available() is not None:
        pytest.skip("the port is checked after the viz extra")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert port_problem("127.0.0.1", port) is not None
        result = invoke("dashboard", "--port", port, "--no-browser")
    assert result.exit_code == 2
    assert "try another --port" in result.output


def test_environment_turns_telemetry_off_and_assets_local(tmp_path: Path) -> None:
    env: dict[str, str] = {ENV_CUSTOMERS: "9", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "True"}
    configure_environment(env, scenario=ROOT / "scenarios" / "default.yaml", folder=tmp_path)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_MODE"] == "production"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["SOLARA_APP"] == "sim.dashboard.app"
    assert env[ENV_SCENARIO] == str((ROOT / "scenarios" / "default.yaml").resolve())
    assert env[ENV_FOLDER] == str(tmp_path.resolve())
    assert ENV_CUSTOMERS not in env
    configure_environment(env, customers=5000)
    assert env[ENV_CUSTOMERS] == "5000" and ENV_SCENARIO not in env


def test_bundled_assets_serve_a_major_version_from_the_full_version(tmp_path: Path) -> None:
    (tmp_path / "vega@5.21.0" / "build").mkdir(parents=True)
    (tmp_path / "vega@5.9.1").mkdir()
    (tmp_path / "vega-lite@5.2.0").mkdir()
    (tmp_path / "@widgetti" / "grid@2.3.13-alpha.2").mkdir(parents=True)
    assets = BundledAssets(app=None, root=tmp_path)
    prefix = "/_solara/cdn/"
    assert assets.rewrite(prefix + "vega@5/build/vega.min.js") == \
        prefix + "vega@5.21.0/build/vega.min.js"
    assert assets.rewrite(prefix + "vega-lite@5/build/x.js") == \
        prefix + "vega-lite@5.2.0/build/x.js"
    assert assets.rewrite(prefix + "vega@5.21.0/build/vega.min.js") == \
        prefix + "vega@5.21.0/build/vega.min.js"
    assert assets.rewrite(prefix + "@widgetti/grid@2/dist/a.js") == \
        prefix + "@widgetti/grid@2.3.13-alpha.2/dist/a.js"
    assert assets.rewrite(prefix + "katex@0.16.9/dist/k.js") == prefix + "katex@0.16.9/dist/k.js"
    assert assets.rewrite("/static/main.js") == "/static/main.js"


def test_bundled_assets_rewrite_the_request_it_passes_on(tmp_path: Path) -> None:
    (tmp_path / "vega@5.21.0").mkdir()
    seen: list[dict] = []

    async def downstream(scope, receive, send) -> None:
        seen.append(scope)

    middleware = BundledAssets(downstream, tmp_path)
    scope = {"type": "http", "path": "/_solara/cdn/vega@5/a.js",
             "raw_path": b"/_solara/cdn/vega@5/a.js"}
    asyncio.run(middleware(scope, None, None))
    asyncio.run(middleware({"type": "lifespan"}, None, None))
    assert seen[0]["path"] == "/_solara/cdn/vega@5.21.0/a.js"
    assert seen[0]["raw_path"] == b"/_solara/cdn/vega@5.21.0/a.js"
    assert seen[1] == {"type": "lifespan"}
