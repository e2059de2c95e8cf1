"""Following a pydantic error's location through the schema's types.

A pydantic ``loc`` mixes field names, list indices, mapping keys and union branch labels
(``("events", 2, "PriceCut", "amount")``). :func:`trace_loc` walks it through the model's type
annotations to the data path the user wrote (``events.2.amount``), the union branches taken,
the model holding the last field and the type expected there, so that a message can name the
valid keys, the allowed values or the branch that fits.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Annotated, Literal, Union, get_args, get_origin

import pydantic

from sim.scenario.problems import FieldPath

__all__ = ["Trace", "field_annotation", "is_model", "is_union", "key_name", "pick_member",
           "trace_loc", "unwrap", "valid_keys"]


@dataclass
class Trace:
    """A pydantic ``loc`` followed through the model's types."""

    path: list[str | int] = field(default_factory=list)
    unions: list[tuple[FieldPath, str]] = field(default_factory=list)  # (field path, branch)
    owner: type[pydantic.BaseModel] | None = None  # model holding the last path element
    annotation: object = None  # type at the end of the path (None if unknown)
    is_key: bool = False  # the error is about a mapping key



def unwrap(annotation: object) -> object:
    """Strip Annotated, Optional, ``type`` aliases and RootModel wrappers."""
    while True:
        if isinstance(annotation, typing.TypeAliasType):
            annotation = annotation.__value__
        elif get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.RootModel):
            annotation = annotation.model_fields["root"].annotation
        elif is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def is_union(annotation: object) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def key_name(name: str, info: pydantic.fields.FieldInfo) -> str:
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return info.alias or name


def valid_keys(model: type[pydantic.BaseModel]) -> list[str]:
    return [key_name(name, info) for name, info in model.model_fields.items()]


def field_annotation(model: type[pydantic.BaseModel], key: object) -> object | None:
    for name, info in model.model_fields.items():
        if key in (name, key_name(name, info)):
            return info.annotation
    return None


def pick_member(members: list[object], label: object) -> object | None:
    """The union member that a pydantic branch label (class name, tag or type name) stands for."""
    unwrapped = [unwrap(member) for member in members]
    for member in unwrapped:
        if getattr(member, "__name__", None) == label:
            return member
    for member in unwrapped:
        if is_model(member):
            for info in member.model_fields.values():
                literal = unwrap(info.annotation)
                if get_origin(literal) is Literal and label in map(str, get_args(literal)):
                    return member
    return None


def trace_loc(model: type[pydantic.BaseModel], loc: tuple[str | int, ...]) -> Trace:
    trace = Trace()
    annotation: object = model
    index = 0
    while index < len(loc):
        element = loc[index]
        index += 1
        annotation = unwrap(annotation)
        if is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            trace.unions.append((tuple(trace.path), str(element)))
            annotation = pick_member(members, element)
            continue
        if element == "[key]":
            trace.is_key = True
            continue
        trace.path.append(element)
        origin, args = get_origin(annotation) or annotation, get_args(annotation)
        trace.owner = None
        if is_model(annotation):
            trace.owner = annotation  # type: ignore[assignment]
            annotation = field_annotation(annotation, element)  # type: ignore[arg-type]
        elif isinstance(origin, type) and issubclass(origin, Mapping):
            if index < len(loc) and loc[index] == "[key]":
                trace.is_key = True
                index += 1
                annotation = args[0] if args else None
            else:
                annotation = args[1] if len(args) == 2 else None
        elif origin is tuple and args and args[-1] is not Ellipsis:
            position = element if isinstance(element, int) else -1
            annotation = args[position] if 0 <= position < len(args) else None
        elif isinstance(origin, type) and issubclass(origin, Sequence | Set) and origin is not str:
            annotation = args[0] if args else None
        else:
            annotation = None
    trace.annotation = unwrap(annotation) if annotation is not None else None
    return trace
