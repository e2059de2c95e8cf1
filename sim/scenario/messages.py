"""Validation errors rewritten for people who write scenario files.

:func:`problems_from_validation` turns a pydantic ``ValidationError`` into :class:`Problem`
lines at the file positions of the fields concerned, and :func:`validate_file` loads and
validates a file in one call. Messages follow pydantic v2's error types (``int_type``,
``greater_than``, ``literal_error``, ``extra_forbidden`` ...), worded for the file's author:
union branches are pruned to the one that fits the input best, unknown keys get a "did you
mean", and bounds are stated as the schema states them.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, get_args, get_origin

import pydantic

from sim.scenario.overrides import apply_overrides
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import (
    MISSING,
    FieldPath,
    Problem,
    SourceError,
    dotted,
    short_value,
    sorted_unique,
)
from sim.scenario.tracing import (
    Trace,
    trace_loc,
    valid_keys,
)
from sim.scenario.yamlfile import load_yaml

_FIXED_MESSAGES: Final = {
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected a whole number",
    "int_parsing_size": "integer is too large",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "must be a finite number",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (key: value pairs)",
    "model_type": "expected a mapping (key: value pairs)",
    "model_attributes_type": "expected a mapping (key: value pairs)",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "set_type": "expected a list",
    "frozen_set_type": "expected a list",
    "iterable_type": "expected a list",
    "none_required": "must be empty (null)",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "datetime_type": "expected a date and time (YYYY-MM-DDTHH:MM:SS)",
    "datetime_parsing": "expected a date and time (YYYY-MM-DDTHH:MM:SS)",
}
_BOUNDS: Final = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
    "multiple_of": ("multiple_of", "a multiple of"),
}


@dataclass
class _Finding:
    """One pydantic error, cleaned: the data path, the human message and the value."""

    path: FieldPath
    message: str
    got: object
    kind: str
    unions: list[tuple[FieldPath, str]]
    choices: list[str] = field(default_factory=list)  # allowed values, for literal errors


def problems_from_validation(
    error: pydantic.ValidationError, loaded: LoadedYaml, model: type[pydantic.BaseModel]
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into problems at the positions in the file.

    Union branch labels are removed from paths; when several branches of a union failed, only
    the branch that fits the input best is reported (or one combined "expected X or Y" when the
    value fits none at all).

    Args:
        error: The error raised by ``model.model_validate(loaded.data)``.
        loaded: The data that was validated, with its positions.
        model: The model that was validated (its fields give the valid keys and literals).

    Returns:
        Problems sorted by (file, line, column), duplicates removed.
    """
    findings = []
    for detail in error.errors(include_url=False):
        trace = trace_loc(model, detail["loc"])
        findings.append(_finding(detail, trace))
    problems = []
    for finding in _prune_unions(_prune_under_invalid_keys(findings)):
        file, line, column = loaded.locate(finding.path)
        problems.append(
            Problem(file, line, column, dotted(finding.path), finding.message, finding.got)
        )
    return sorted_unique(problems)


def validate_file[M: pydantic.BaseModel](
    source: str | os.PathLike[str],
    model: type[M],
    *,
    overrides: Iterable[str] = (),
    context: object = None,
) -> tuple[M, LoadedYaml]:
    """Load a YAML file, apply overrides and validate it, reporting every problem.

    Args:
        source: Path of the file.
        model: Pydantic model for the whole file.
        overrides: ``PATH=VALUE`` strings applied after loading (shown as ``--set``).
        context: Passed to ``model.model_validate`` as the validation context.

    Returns:
        The validated model and the loaded file (for positions of later, semantic problems).

    Raises:
        SourceError: With every problem found, in file order.
    """
    loaded = load_yaml(source)
    overrides = list(overrides)
    if overrides:
        loaded = apply_overrides(loaded, overrides)
    try:
        return model.model_validate(loaded.data, context=context), loaded
    except pydantic.ValidationError as error:
        raise SourceError(problems_from_validation(error, loaded, model)) from None


def _finding(detail: Mapping, trace: Trace) -> _Finding:
    kind: str = detail["type"]
    choices: list[str] = []
    ctx: Mapping = detail.get("ctx") or {}
    got = detail.get("input", MISSING)
    path = tuple(trace.path)
    if kind == "missing":
        message, got = "required field is missing", MISSING
    elif kind == "extra_forbidden":
        message, got = _unknown_key_message(path[-1] if path else "", trace.owner), MISSING
    elif kind in ("dict_type", "model_type") and not path and got is None:
        message, got = "the document is empty; expected a mapping (key: value pairs)", MISSING
    elif kind in _FIXED_MESSAGES:
        message = _FIXED_MESSAGES[kind]
    elif kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        message = f"must be {words} {_number(ctx.get(key))}"
    elif kind in ("literal_error", "enum"):
        choices = _literal_values(trace.annotation) or _quoted(str(ctx.get("expected")))
        message = _one_of(choices)
    elif kind in ("value_error", "assertion_error"):
        message = str(detail["msg"]).removeprefix("Value error, ")
        message = message.removeprefix("Assertion failed, ")
        if isinstance(got, Mapping):
            got = MISSING
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        name = re.fullmatch(r"'(.*)'", str(ctx.get("discriminator", "")))
        if name:
            path = (*path, name.group(1))
        if kind == "union_tag_invalid":
            message, got = _one_of(_quoted(str(ctx.get("expected_tags")))), ctx.get("tag", MISSING)
        else:
            message, got = (
                "required field is missing (it says which kind of entry this is)",
                MISSING,
            )
    elif kind == "too_short":
        message = f"must have at least {_items(ctx.get('min_length'))}"
    elif kind == "too_long":
        message = f"must have at most {_items(ctx.get('max_length'))}"
    elif kind == "string_too_short":
        length = ctx.get("min_length")
        message = "must not be empty" if length == 1 else f"must be at least {length} characters"
    elif kind == "string_too_long":
        message = f"must be at most {ctx.get('max_length')} characters"
    elif kind == "string_pattern_mismatch":
        message = f"must match the pattern {ctx.get('pattern')}"
    else:
        message = re.sub(r"^Input should be ", "must be ", str(detail["msg"]))
    if trace.is_key:
        message = f"invalid key: {message}"
    return _Finding(path, message, got, kind, list(trace.unions), choices)


def _prune_under_invalid_keys(findings: list[_Finding]) -> list[_Finding]:
    """Drop the problems inside an entry whose key is itself invalid (a misspelt level's
    fields are "missing" only because the key named nothing): the key's problem says it."""
    keys = {f.path for f in findings if f.message.startswith("invalid key:")}
    return [f for f in findings
            if not any(len(f.path) > len(k) and f.path[:len(k)] == k for k in keys)]


def _unknown_key_message(key: object, owner: type[pydantic.BaseModel] | None) -> str:
    message = f"unknown key {str(key)!r}"
    if owner is None:
        return message
    valid = valid_keys(owner)
    close = difflib.get_close_matches(str(key), valid, n=1)
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    return f"{message}; valid keys: {', '.join(valid)}" if valid else message


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _items(count: object) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _literal_values(annotation: object) -> list[str]:
    if get_origin(annotation) is Literal:
        return [v if isinstance(v, str) else short_value(v) for v in get_args(annotation)]
    return []


def _quoted(expected: str) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]


def _one_of(values: list[str]) -> str:
    return f"must be {values[0]}" if len(values) == 1 else f"must be one of: {', '.join(values)}"


def _prune_unions(findings: list[_Finding]) -> list[_Finding]:
    """Keep, for each union that failed, only the branch that fits the input best."""
    kept: list[_Finding] = []
    groups: dict[FieldPath, list[_Finding]] = {}
    for finding in findings:
        if finding.unions:
            groups.setdefault(finding.unions[0][0], []).append(finding)
        else:
            kept.append(finding)
    for prefix, members in groups.items():
        branches: dict[str, list[_Finding]] = {}
        for finding in members:
            branches.setdefault(finding.unions[0][1], []).append(finding)
        best = min(branches.values(), key=lambda branch: _branch_score(branch, prefix))
        if len(branches) > 1 and _branch_score(best, prefix)[0]:
            kept.append(_combined(list(branches.values())))
            continue
        if len(branches) > 1 and _branch_score(best, prefix)[1]:
            tag = _shared_literal(list(branches.values()), len(prefix))
            if tag is not None:
                kept.append(tag)
                continue
        for finding in best:
            finding.unions = finding.unions[1:]
        kept.extend(_prune_unions(best))
    return kept


def _branch_score(branch: list[_Finding], prefix: FieldPath) -> tuple[bool, int, int, int]:
    """Lower is a better fit: fails inside rather than at the value, matches its literals."""
    depth = len(prefix)
    fails_at_value = any(len(f.path) <= depth for f in branch)
    literal = sum(f.kind == "literal_error" and len(f.path) == depth + 1 for f in branch)
    unknown = sum(f.kind == "extra_forbidden" for f in branch)
    return fails_at_value, literal, unknown, len(branch)


def _combined(branches: list[list[_Finding]]) -> _Finding:
    """One finding for a value that fits no branch of a union ("expected X or Y")."""
    first = branches[0][0]
    messages = list(dict.fromkeys(branch[0].message for branch in branches))
    if all(message.startswith("expected ") for message in messages):
        message = "expected " + " or ".join(m.removeprefix("expected ") for m in messages)
    else:
        message = "; or ".join(messages)
    return _Finding(first.path, message, first.got, first.kind, [])


def _shared_literal(branches: list[list[_Finding]], depth: int) -> _Finding | None:
    """One "must be one of" finding when every branch rejects the same key's value.

    That key tells the branches apart (like ``kind: price_cut``), so its value is what is wrong;
    the other errors of each branch are then beside the point.
    """
    per_branch = [
        {f.path: f for f in branch if f.kind == "literal_error" and len(f.path) == depth + 1}
        for branch in branches
    ]
    shared = [path for path in per_branch[0] if all(path in found for found in per_branch)]
    if not shared:
        return None
    findings = [found[shared[0]] for found in per_branch]
    choices = list(dict.fromkeys(c for f in findings for c in f.choices))
    first = findings[0]
    return _Finding(first.path, _one_of(choices), first.got, first.kind, [], choices)
