"""The market engine: customers (columnar arrays) and firms (Mesa agents), and the period's phases.

:class:`~sim.market.model.MarketModel` (a ``mesa.Model``) builds everything from a scenario and
runs the period as a list of named phases, each in the module of its domain noun; see
docs/architecture.md for the step order and the module of each phase.
"""

from sim.market.model import CustomerView, MarketModel

__all__ = ["CustomerView", "MarketModel"]
