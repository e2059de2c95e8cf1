"""Built-in strategies, registered by name: 4P, 4C, 4R and fixed."""

from sim.strategies import fixed, four_c, four_p, four_r  # noqa: F401  (registration)
from sim.strategies.base import (
    REGISTRY,
    MarketView,
    Strategy,
    StrategyParams,
    get_strategy_class,
    make_strategy,
    parameter_problems,
    register,
    validate_strategy,
)

__all__ = [
    "REGISTRY",
    "MarketView",
    "Strategy",
    "StrategyParams",
    "get_strategy_class",
    "make_strategy",
    "parameter_problems",
    "register",
    "validate_strategy",
]
