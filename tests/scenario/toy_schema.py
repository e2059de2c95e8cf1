"""A small schema and file for the tests of YAML loading, overrides and validation messages.

Imported by the test modules beside it (pytest puts this folder on the path).
"""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.messages import problems_from_validation
from sim.scenario.overrides import apply_overrides
from sim.scenario.problems import SourceError
from sim.scenario.yamlfile import load_yaml


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Firm(Strict):
    price: float = Field(ge=0)
    strategy: Literal["4P", "4C", "4R"] = "4P"
    awareness: float = Field(default=0.5, ge=0, le=1)


class Market(Strict):
    size: int = Field(ge=1)
    segments: list[str] = []


class PriceCut(Strict):
    kind: Literal["price_cut"]
    period: int = Field(ge=1)
    firm: str
    amount: float = Field(gt=0)


class Campaign(Strict):
    kind: Literal["campaign"]
    period: int = Field(ge=1)
    firm: str
    budget: float = Field(ge=0)


class Scenario(Strict):
    name: str
    periods: int = Field(ge=1)
    market: Market
    firms: dict[str, Firm]
    events: list[PriceCut | Campaign] = []
    shocks: list[Annotated[PriceCut | Campaign, Field(discriminator="kind")]] = []
    noise: int | float | None = None
    random_seed: int = Field(default=0, alias="random-seed")

    @model_validator(mode="after")
    def events_name_known_firms(self) -> Scenario:
        for event in self.events:
            if event.firm not in self.firms:
                raise ValueError(f"event names firm {event.firm!r}, which is not in firms")
        return self


GOOD = """\
name: duopoly
periods: 12
market:
  size: 1000
firms:
  Alpha:
    price: 10
  Beta:
    price: 12
    strategy: 4C
events:
  - kind: price_cut
    period: 3
    firm: Alpha
    amount: 1.5
"""


def lines_for(text: str, overrides: tuple[str, ...] = ()) -> list[str]:
    """Problem lines for validating ``text`` as scenario.yaml (empty if it is valid)."""
    try:
        loaded = apply_overrides(load_yaml("scenario.yaml", text=text), list(overrides))
        Scenario.model_validate(loaded.data)
    except SourceError as error:
        return str(error).splitlines()
    except pydantic.ValidationError as error:
        return [str(p) for p in problems_from_validation(error, loaded, Scenario)]
    return []


def edited(old: str, new: str, text: str = GOOD) -> str:
    assert old in text
    return text.replace(old, new, 1)
