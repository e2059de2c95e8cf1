"""The marketing mix: the levers a firm (or its strategy) sets each period, and their vocabulary.

This is the foundation every layer shares: strategies return a :class:`LeverSet`, scenario files
give a firm's initial levers and events change them, and the market applies them. Core objects:

- Kotler's five relationship levels (:data:`LEVELS`, from no contact after the sale to
  partnership; Marketing Management) and Pine & Gilmore's offering levels (:data:`OFFERINGS`);
- Berry & Parasuraman's three levels of retention programs (:class:`Programs`, and
  :class:`ProgramSet` for changes to them);
- the customer classes a lever can be given by (segments, ABC classes, value classes MVC/MGC/BZ,
  loyalty classes), and :func:`class_map_dimension`, which tells which classification a
  lever's mapping uses;
- :class:`Strict`, the base of every file model: unknown keys are errors, objects are frozen,
  and the field types ``Unit`` (0..1), ``NonNeg`` and ``Money`` shared by every schema;
- ``Name`` and ``Label``: the names of firms and segments and the scenario's labels, checked
  once, here, for every place they are used (file names, CSV cells, figure text, one-line
  messages): printable text without control characters, bidirectional overrides or spaces at
  the ends (:func:`check_name`).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "ABC_CLASSES",
    "ALL_LEVERS",
    "LEVELS",
    "LEVER_NAMES",
    "LOYALTY_CLASSES",
    "OFFERINGS",
    "PROGRAM_LEVERS",
    "VALUE_CLASSES",
    "ClassMapFraction",
    "ClassMapLevel",
    "Label",
    "Level",
    "LeverSet",
    "Money",
    "Name",
    "NonNeg",
    "Offering",
    "ProgramSet",
    "Programs",
    "Strict",
    "Unit",
    "check_name",
    "class_map_dimension",
    "lever_keys",
    "without_levers",
]

LEVELS = ("basic", "reactive", "accountable", "proactive", "partnership")
"""Kotler's five relationship levels, from no contact after the sale to partnership."""
OFFERINGS = ("commodity", "goods", "service", "experience")
"""Pine & Gilmore's progression of economic value (the experience economy)."""
LOYALTY_CLASSES = ("potential", "new", "repeat", "loyal", "lapsed")
ABC_CLASSES = ("A", "B", "C")
VALUE_CLASSES = ("MVC", "MGC", "BZ", "other")

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_name(text: str) -> str:
    """A name or label as users write it: no control characters (a newline would split a
    message, a tab a CSV cell), no bidirectional overrides (text that reads one way and is
    another: Boucher & Anderson 2021, "Trojan Source"), no spaces at the ends."""
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS]
    if bad:
        shown = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
        raise ValueError(f"a name may not hold control or direction characters ({shown})")
    if text != text.strip():
        raise ValueError("a name may not start or end with a space")
    return text


Name = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(check_name)]
"""A firm's or a segment's name: 1 to 40 printable characters."""
Label = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(check_name)]
"""A scenario's name or period unit: 1 to 80 printable characters."""
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Money = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Level = Literal["basic", "reactive", "accountable", "proactive", "partnership"]
Offering = Literal["commodity", "goods", "service", "experience"]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Programs(Strict):
    """Berry & Parasuraman's three levels of retention programs."""

    financial: float = Field(
        0.0, ge=0.0, le=0.5, description="points worth this fraction of spend (financial level)")
    social: Unit = Field(0.0, description="intensity of personalised, social bonds (0..1)")
    structural: Unit = Field(
        0.0, description="intensity of structural bonds: equipment, software, training (0..1)")



class ProgramSet(Strict):
    """Changes to retention programs: only the programs named are changed."""

    financial: float | None = Field(None, ge=0.0, le=0.5, description="points rate")
    social: Unit | None = Field(None, description="social program intensity")
    structural: Unit | None = Field(None, description="structural program intensity")


ClassMapLevel = Level | dict[str, Level]
ClassMapFraction = Annotated[float, Field(ge=0.0, le=0.9)] | dict[
    str, Annotated[float, Field(ge=0.0, le=0.9)]]


class LeverSet(Strict):
    """The marketing mix: the levers a firm (or its strategy) sets each period.

    Every field is optional here; :class:`FirmSpec` gives the defaults. ``relationship_level``
    and ``discount`` take one value or a mapping by customer class (segment names, ABC classes
    A/B/C, value classes MVC/MGC/BZ/other, or loyalty classes), with an optional ``default``.
    """

    quality: Unit | None = Field(None, description="product quality (0..1)")
    position: tuple[Unit, Unit] | None = Field(None, description="offer's position in needs space")
    novelty: Unit | None = Field(None, description="novelty of the offer (0..1)")
    offering: Offering | None = Field(None, description="offering level")
    price: Money | None = Field(None, description="list price, money per unit")
    discount: ClassMapFraction | None = Field(None, description="fraction off the list price")
    coverage: Unit | None = Field(None, description="share of customers who can reach the firm")
    convenience: Unit | None = Field(None, description="lowers customers' time and energy cost")
    promotion: Money | None = Field(None, description="promotion spending, money per period")
    service: Unit | None = Field(None, description="service level (0..1)")
    personnel: Unit | None = Field(None, description="personnel quality (0..1)")
    recovery: Unit | None = Field(None, description="share of service failures recovered")
    communication: Unit | None = Field(None, description="two-way communication intensity")
    relationship_level: ClassMapLevel | None = Field(
        None, description="Kotler's relationship level, per customer class")
    programs: ProgramSet | None = Field(None, description="Berry's retention programs (only"
                                        " those named change)")
    cross_sell: Unit | None = Field(None, description="up-selling and cross-selling to loyal"
                                    " customers (0..1)")

def class_map_dimension(keys: list[str], segments: list[str]) -> str:
    """Which customer classification a class map's keys use.

    Returns one of ``segment``, ``abc``, ``value``, ``loyalty``; raises ValueError if the keys
    mix classifications or name no known class.
    """
    dims = {
        "segment": set(segments), "abc": set(ABC_CLASSES), "value": set(VALUE_CLASSES),
        "loyalty": set(LOYALTY_CLASSES),
    }
    named = [k for k in keys if k != "default"]
    if not named:
        return "segment"
    for dim, allowed in dims.items():
        if all(k in allowed for k in named):
            return dim
    unknown = sorted(k for k in named if not any(k in a for a in dims.values()))
    if unknown:
        raise ValueError(
            f"unknown customer class {unknown}; use segment names {sorted(segments)}, ABC"
            f" classes A/B/C, value classes MVC/MGC/BZ/other, or loyalty classes"
            f" {list(LOYALTY_CLASSES)}, plus 'default'")
    raise ValueError("a class map must use one classification (segments, ABC, value or"
                     " loyalty classes), not a mix")



LEVER_NAMES: tuple[str, ...] = tuple(LeverSet.model_fields)
"""Every lever of the marketing mix, in :class:`LeverSet` order."""
PROGRAM_LEVERS: tuple[str, ...] = tuple(f"programs.{k}" for k in ProgramSet.model_fields)
"""The retention programs as levers of their own (``programs.financial`` ...): a firm may keep
one program as it is while its strategy sets the others."""
ALL_LEVERS: frozenset[str] = frozenset(
    [n for n in LEVER_NAMES if n != "programs"] + list(PROGRAM_LEVERS))
"""Every lever a strategy can decide or a user can pin (the programs one by one)."""


def lever_keys(changes: dict) -> set[str]:
    """The levers a mapping of lever changes names: top-level lever names, with ``programs``
    split into ``programs.<name>`` for each program it names (``None`` values name nothing)."""
    keys: set[str] = set()
    for key, value in changes.items():
        if value is None:
            continue
        if key == "programs" and isinstance(value, dict):
            keys |= {f"programs.{k}" for k, v in value.items() if v is not None}
        else:
            keys.add(key)
    return keys


def without_levers(changes: dict, levers: set[str] | frozenset[str]) -> dict:
    """``changes`` without the named levers (``programs.<name>`` removes one program)."""
    out = {k: v for k, v in changes.items() if k not in levers}
    programs = out.get("programs")
    if isinstance(programs, dict):
        kept = {k: v for k, v in programs.items() if f"programs.{k}" not in levers}
        if kept:
            out["programs"] = kept
        else:
            del out["programs"]
    return out
