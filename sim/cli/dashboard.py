"""``stratsim dashboard``: start the classroom page (Mesa's SolaraViz) and print its address."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.console import out
from sim.cli.errors import fail
from sim.scenario.loader import load_scenario
from sim.scenario.problems import SourceError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to the ``stratsim`` command."""
    app.command()(dashboard)


def dashboard(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario file to open (default: scenarios/default.yaml). Every file in the"
             " scenarios folder can be picked on the page.", show_default=False)] = None,
    host: Annotated[str, typer.Option(
        help="Interface to listen on (127.0.0.1: this computer only; 0.0.0.0: the"
             " classroom network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).", min=0,
                                      max=65535)] = 8765,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Do not open the page in a web browser.")] = False,
    customers: Annotated[int | None, typer.Option(
        help="Market size to open with (overrides market.customers).", min=1)] = None,
    scenarios: Annotated[Path | None, typer.Option(
        "--scenarios", help="Folder of scenario files to offer (default: ./scenarios).",
        show_default=False)] = None,
) -> None:
    """Start the classroom dashboard, a local web page, and print its address.

    Needs the viz extra: pip install "stratsim\\[viz]". The page works offline and sends
    no telemetry. Stop it with Ctrl-C.
    """
    from sim.dashboard import VIZ_EXTRA_HINT, viz_available

    missing = viz_available()
    if missing is not None:
        fail(f"{VIZ_EXTRA_HINT} ({missing} is not installed)")
    if scenario is not None:
        try:
            load_scenario(scenario)
        except SourceError as exc:
            fail(exc)
    if scenarios is not None and not scenarios.is_dir():
        fail(f"{scenarios}: not a folder")
    from sim.dashboard.server import configure_environment, port_problem, serve

    if port != 0 and (problem := port_problem(host, port)):
        fail(problem)
    configure_environment(scenario=scenario, folder=scenarios, customers=customers)
    from sim.dashboard.app import open_panel
    from sim.dashboard.state import SettingsError

    try:
        open_panel()  # the page's first scenario must load: report problems here, not there
    except SourceError as exc:
        fail(exc)
    except SettingsError as exc:
        fail(str(exc))

    def announce(url: str) -> None:
        out.print(f"stratsim dashboard: {url}  (Ctrl-C to stop)", highlight=False,
                  soft_wrap=True)

    try:
        serve(host, port, open_browser=not no_browser, announce=announce)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
