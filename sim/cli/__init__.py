"""The command line (``stratsim``): one module per command group; see :mod:`sim.cli.app`."""

from sim.cli.app import app, main

__all__ = ["app", "main"]
