"""Schema fields as text for the generated reference: types, ranges, defaults, Markdown cells.

Read from the pydantic annotations and ``annotated_types`` constraints of the scenario schema,
so that docs/reference.md says what the validator checks: ``[0, 1]`` for ``ge=0, le=1``,
``(0, 1]`` for ``gt=0, le=1``, a class map for a lever given per customer class.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = ["CLASS_MAP_LINK", "cell", "class_default", "code", "constraints", "is_model",
           "is_union", "number_text", "range_text", "strip", "type_text", "value_text"]

CLASS_MAP_LINK = "scenarios.md#class-maps"


# --------------------------------------------------------------------------- types
def is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def strip(annotation: Any) -> Any:
    """The annotation without ``Annotated`` and without ``None`` in a union of two."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if is_union(annotation):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return strip(members[0])
    return annotation


def type_text(annotation: Any) -> str:
    """A readable name of a field's type: number, integer, text, one of a/b/c, [x, y]..."""
    annotation = strip(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if is_union(annotation):
        members = [strip(a) for a in args if a is not type(None)]
        if (len(members) == 2 and get_origin(members[1]) is dict
                and strip(get_args(members[1])[1]) == members[0]):
            return f"{type_text(members[0])}, or a [class map]({CLASS_MAP_LINK})"
        return " or ".join(type_text(a) for a in members)
    if origin is Literal:
        return "one of " + "/".join(str(a) for a in args)
    if origin is tuple:
        return "[" + ", ".join(type_text(a) for a in args) + "]"
    if origin is dict:
        key, value = (strip(a) for a in args)
        if value is Any:
            return "mapping"
        keys = "/".join(str(a) for a in get_args(key)) if get_origin(key) is Literal else "name"
        return f"mapping {keys} → {type_text(value)}"
    if origin is list:
        item = strip(args[0])
        if get_origin(item) is dict:
            return "list of mappings"
        return f"list of {type_text(item)}"
    if is_model(annotation):
        return "section"
    simple = {bool: "true/false", int: "integer", float: "number", str: "text", Any: "any"}
    return simple.get(annotation, getattr(annotation, "__name__", str(annotation)))


# --------------------------------------------------------------------------- ranges
def constraints(annotation: Any, info: FieldInfo | None = None) -> list[Any]:
    """Every annotated-types constraint on a field and inside its type (unions, tuples...)."""
    found: list[Any] = list(info.metadata) if info is not None else []
    stack = [annotation]
    while stack:
        ann = stack.pop()
        if isinstance(ann, FieldInfo):
            found.extend(ann.metadata)
            continue
        if get_origin(ann) is Annotated:
            base, *extra = get_args(ann)
            stack.append(base)
            for item in extra:
                if isinstance(item, FieldInfo):
                    found.extend(item.metadata)
                else:
                    found.append(item)
            continue
        if is_union(ann) or get_origin(ann) in (tuple, list):
            stack.extend(get_args(ann))
        elif get_origin(ann) is dict:
            stack.append(get_args(ann)[1])
    return found


def number_text(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    if x == 2**63 - 1:
        return "2^63 − 1"
    return str(x)


def range_text(annotation: Any, info: FieldInfo | None = None) -> str:
    """Allowed values from ``ge``/``gt``/``le``/``lt`` (and lengths), as an interval."""
    lo: tuple[float, bool] | None = None  # (bound, strict)
    hi: tuple[float, bool] | None = None
    min_len = max_len = None
    for c in constraints(annotation, info):
        if isinstance(c, at.Ge | at.Gt):
            bound, strict = (c.ge, False) if isinstance(c, at.Ge) else (c.gt, True)
            if lo is None or bound > lo[0] or (bound == lo[0] and strict):
                lo = (bound, strict)
        elif isinstance(c, at.Le | at.Lt):
            bound, strict = (c.le, False) if isinstance(c, at.Le) else (c.lt, True)
            if hi is None or bound < hi[0] or (bound == hi[0] and strict):
                hi = (bound, strict)
        elif isinstance(c, at.MinLen):
            min_len = c.min_length
        elif isinstance(c, at.MaxLen):
            max_len = c.max_length
    if lo and hi:
        text = (f"{'(' if lo[1] else '['}{number_text(lo[0])}, {number_text(hi[0])}"
                f"{')' if hi[1] else ']'}")
    elif lo:
        text = f"{'>' if lo[1] else '≥'} {number_text(lo[0])}"
    elif hi:
        text = f"{'<' if hi[1] else '≤'} {number_text(hi[0])}"
    else:
        text = ""
    if min_len is not None or max_len is not None:
        length = (f"{min_len or 0}–{max_len} characters" if max_len is not None
                  else f"at least {min_len} characters")
        text = f"{text}, {length}" if text else length
    return text


# --------------------------------------------------------------------------- values
def value_text(value: Any) -> str:
    """A default value written compactly, as it would be written in YAML."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def code(text: str) -> str:
    return f"`{text}`"


def cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def class_default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return info.default
