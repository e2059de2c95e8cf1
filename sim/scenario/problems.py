"""Problems in user files: one line each, ``FILE:LINE:COLUMN: field.path: what is wrong (got X)``.

Core objects: :class:`Problem` (one thing wrong, at a place in a file or an option),
:class:`SourceError` (every problem found, one per line) and :func:`short_value` (a value
rendered the way a YAML author reads it). DESIGN.md principle 7: user errors are messages, not
tracebacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

type FieldPath = tuple[str | int, ...]

SHORT_VALUE_LIMIT: Final = 60
"""Longest rendering of a value in ``(got ...)``."""

class _Missing:
    """Marker for "no value to show" (the singleton :data:`MISSING`)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> tuple[type[_Missing], tuple[()]]:
        return (_Missing, ())


MISSING: Final = _Missing()


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a user's file, at a place in it.

    Attributes:
        file: The file name as given by the caller, or an override origin such as ``--set``.
        line: 1-based line of the offending key or value.
        column: 1-based column of the offending key or value.
        path: Dotted field path (``events.2.period``); empty for problems with the whole file.
        message: What is wrong, in words for the person who wrote the file.
        got: The offending value, or :data:`MISSING` when there is none to show.
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    got: object = MISSING

    def __str__(self) -> str:
        subject = f"{self.path}: " if self.path else ""
        tail = "" if self.got is MISSING else f" (got {short_value(self.got)})"
        return f"{self.file}:{self.line}:{self.column}: {subject}{self.message}{tail}"


class SourceError(Exception):
    """Raised with every problem found in one or more files.

    Attributes:
        problems: The problems, in the order given; ``str(error)`` has one per line.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)



# --------------------------------------------------------------------------- rendering values


def short_value(value: object, limit: int = SHORT_VALUE_LIMIT) -> str:
    """Render a value the way a YAML author reads it (``null``, ``true``, ``'text'``, ``[1, 2]``).

    Args:
        value: Any value.
        limit: Longest result; longer renderings are cut and end in ``...``.

    Returns:
        A one-line rendering of at most ``limit`` characters.
    """
    text = _render(value, limit + 1).replace("\n", "\\n")
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _render(value: object, budget: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value[: budget + 1])
    if isinstance(value, int):
        try:
            return repr(value)
        except ValueError:  # more digits than int -> str allows
            return "<a very large integer>"
    if isinstance(value, Mapping):
        items = ((f"{_render_key(k)}: ", v) for k, v in value.items())
        return "{" + _render_items(items, budget) + "}"
    if isinstance(value, list | tuple):
        return "[" + _render_items((("", v) for v in value), budget) + "]"
    return repr(value)[: budget + 1]


def _render_key(key: object) -> str:
    return key if isinstance(key, str) else _render(key, SHORT_VALUE_LIMIT)


def _render_items(items: Iterable[tuple[str, object]], budget: int) -> str:
    parts: list[str] = []
    used = 2
    for prefix, item in items:
        piece = prefix + _render(item, max(budget - used, 0))
        parts.append(piece)
        used += len(piece) + 2
        if used > budget:
            break
    return ", ".join(parts)

def dotted(path: Iterable[object]) -> str:
    return ".".join(str(element) for element in path)


def sorted_unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.file, p.line, p.column))


# --------------------------------------------------------------------------- overrides
