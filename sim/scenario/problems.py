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


@dataclass(frozen=True, eq=False)
class Problem:
    """One thing wrong in a user's file, at a place in it, or in a command-line option.

    A problem in a file reads ``FILE:LINE:COLUMN: field.path: what is wrong (got X)``; one in an
    option (line 0) reads ``OPTION: field.path: what is wrong (got X)``, where the option names
    the item when it is repeated (``--set 2``, ``--outcome 1``): see :meth:`option`.

    Attributes:
        file: The file name as given by the caller, or an option such as ``--set 2``.
        line: 1-based line of the offending key or value; 0 for an option.
        column: 1-based column of the offending key or value; 0 for an option.
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

    @classmethod
    def option(cls, option: str, message: str, got: object = MISSING, path: str = "") -> Problem:
        """A problem with a command-line option (``--outcome 2``: the second ``--outcome``)."""
        return cls(option, 0, 0, path, message, got)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and str(self) == str(other)

    def __hash__(self) -> int:  # by the line it prints: ``got`` may be any value (a list)
        return hash(str(self))

    def __str__(self) -> str:
        subject = f"{one_line(self.path)}: " if self.path else ""
        tail = "" if self.got is MISSING else f" (got {short_value(self.got)})"
        where = self.file if self.line == 0 else f"{self.file}:{self.line}:{self.column}"
        return f"{one_line(where)}: {subject}{one_line(self.message)}{tail}"


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


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\t``, ``\\x07``), so
    that a problem is always one line however odd the names in it."""
    if text.isprintable():
        return text
    out = []
    for c in text:
        if c.isprintable() or c == " ":
            out.append(c)
        else:
            out.append(c.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


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
