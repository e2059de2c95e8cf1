"""``python -m sim``: the same as the ``stratsim`` command."""

from sim.cli import main

main()
