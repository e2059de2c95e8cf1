"""Starting the dashboard's web server: local only, offline, no telemetry.

:func:`serve` runs Solara's Starlette app (``solara.server.starlette:app``) under uvicorn in this
process, with the page :mod:`sim.dashboard.app`. It does not go through ``solara run``, which
checks PyPI for a newer version at start.

Before Solara is first imported, :func:`configure_environment` sets:

- ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False``: no usage reports (and no look-up of the
  server's public address, which the telemetry thread does);
- ``SOLARA_MODE=production``: no "call home" check frame in the page, no auto-reload;
- ``SOLARA_ASSETS_PROXY=True`` and ``SOLARA_ASSETS_CDN`` pointing at a closed port on this
  machine: the page loads every front-end file from this server, which serves them from the
  ``solara-assets`` package (installed under ``<prefix>/share/solara/cdn``); a file missing
  there fails at once instead of being fetched from a CDN on the internet.

Some Solara widgets ask for a package by its major version (``vega@5/build/vega.min.js``)
while the bundle holds it under its full version (``vega@5.21.0``): :class:`BundledAssets`
rewrites such a request to the newest bundled version of that major.

Only this server's own page may talk to it (:mod:`sim.dashboard.guard`: the ``Host`` must be
a loopback name or the ``--host`` given, a WebSocket's ``Origin`` must be this server, and
Solara's debug page is not served).

Where the dashboard finds its scenarios is passed to the page through ``STRATSIM_DASHBOARD_*``
environment variables (the page is loaded by the server by module name).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, MutableMapping
from pathlib import Path

from sim.dashboard.guard import LocalGuard

__all__ = ["ENV_CUSTOMERS", "ENV_FOLDER", "ENV_SCENARIO", "BundledAssets",
           "configure_environment", "free_port", "serve"]

ENV_SCENARIO = "STRATSIM_DASHBOARD_SCENARIO"
"""Scenario file the page opens on (optional)."""
ENV_FOLDER = "STRATSIM_DASHBOARD_FOLDER"
"""Folder whose ``*.yaml`` files the page offers (default: ``scenarios/``)."""
ENV_CUSTOMERS = "STRATSIM_DASHBOARD_CUSTOMERS"
"""Market size the page opens with, overriding the scenario's (optional)."""
OFFLINE_CDN = "http://127.0.0.1:9/solara-assets-missing/"
"""Where Solara would fetch a front-end file that is not bundled: the discard port of this
machine, closed, so that nothing is ever fetched from the internet."""

TELEMETRY_OFF = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_MODE": "production",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_ASSETS_CDN": OFFLINE_CDN,
    "SOLARA_APP": "sim.dashboard.app",
    "SOLARA_THEME_VARIANT": "light",
}


def configure_environment(environ: MutableMapping[str, str] | None = None, *,
                          scenario: str | os.PathLike[str] | None = None,
                          folder: str | os.PathLike[str] | None = None,
                          customers: int | None = None) -> MutableMapping[str, str]:
    """Set the environment the dashboard's server needs (before Solara is imported)."""
    env = os.environ if environ is None else environ
    env.update(TELEMETRY_OFF)
    for key, value in ((ENV_SCENARIO, scenario), (ENV_FOLDER, folder)):
        if value is not None:
            env[key] = str(Path(value).resolve())
        else:
            env.pop(key, None)
    if customers is not None:
        env[ENV_CUSTOMERS] = str(int(customers))
    else:
        env.pop(ENV_CUSTOMERS, None)
    return env


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (None if it can)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        return f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port"
    return None


CDN_PREFIX = "/_solara/cdn/"
"""Where Solara's page asks for front-end files."""


def _version_key(version: str) -> tuple:
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else -1)
    return tuple(parts)


class BundledAssets:
    """ASGI middleware: serve ``name@MAJOR/...`` from the bundled ``name@MAJOR.x.y/...``.

    Args:
        app: the ASGI app to call (Solara's Starlette app).
        root: the folder of bundled assets (Solara's ``proxy_cache_dir``).
    """

    def __init__(self, app: Callable, root: Path) -> None:
        self.app = app
        self.root = Path(root)
        self._resolved: dict[str, str] = {}

    def resolve(self, package: str) -> str:
        """The bundled folder for ``package`` (``vega@5`` -> ``vega@5.21.0``), or itself."""
        if package in self._resolved:
            return self._resolved[package]
        name, at, wanted = package.rpartition("@")
        found = package
        if at and name and not (self.root / package).exists():
            scope, _, bare = name.rpartition("/")
            folder = self.root / scope if scope else self.root
            candidates = [p.name for p in folder.glob(f"{bare}@{wanted}.*")] if folder.is_dir() \
                else []
            if candidates:
                best = max(candidates, key=lambda c: _version_key(c.rpartition("@")[2]))
                found = f"{scope}/{best}" if scope else best
        self._resolved[package] = found
        return found

    def rewrite(self, path: str) -> str:
        """The path to serve for a requested path."""
        if not path.startswith(CDN_PREFIX):
            return path
        parts = path[len(CDN_PREFIX):].split("/")
        count = 2 if parts and parts[0].startswith("@") else 1
        if len(parts) <= count:
            return path
        package = "/".join(parts[:count])
        resolved = self.resolve(package)
        if resolved == package:
            return path
        return CDN_PREFIX + "/".join([resolved, *parts[count:]])

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("type") == "http":
            path = scope.get("path", "")
            new = self.rewrite(path)
            if new != path:
                scope = {**scope, "path": new, "raw_path": new.encode("utf-8")}
        await self.app(scope, receive, send)


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True,
          announce: Callable[[str], None] = print, log_level: str = "warning") -> None:
    """Run the dashboard's server until interrupted (the environment must be configured).

    Args:
        host: interface to listen on (127.0.0.1: this machine only).
        port: TCP port (0: any free port).
        open_browser: open the page in the default web browser once the server is up.
        announce: called with the page's address once the server accepts connections.
        log_level: uvicorn's log level.
    """
    if "solara" not in sys.modules:  # telemetry and assets settings are read at import
        os.environ.update(TELEMETRY_OFF)
    import solara.server.settings as solara_settings
    import uvicorn

    # Solara warns on every page load over plain HTTP to a host other than "localhost" that
    # it falls back to SameSite=Lax cookies: expected for a local classroom server.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                            category=UserWarning)

    solara_settings.main.mode = "production"
    solara_settings.telemetry.mixpanel_enable = False
    if port == 0:
        port = free_port(host)
    url = f"http://{host}:{port}/"
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    from solara.server.starlette import app as solara_app

    app = LocalGuard(BundledAssets(solara_app, solara_settings.assets.proxy_cache_dir), host)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            lifespan="on")
    server = uvicorn.Server(config)

    def when_ready() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        announce(url)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    threading.Thread(target=when_ready, daemon=True, name="dashboard-ready").start()
    server.run()
