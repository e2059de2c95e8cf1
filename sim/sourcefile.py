"""User files in, readable problems out: YAML with positions, ``--set`` overrides, validation.

Core objects: :class:`Problem` (one line ``FILE:LINE:COLUMN: field.path: what is wrong (got X)``),
:class:`SourceError` (every problem found, one per line), :class:`LoadedYaml` (plain data plus the
YAML node tree, so any field path can be traced back to a line and column), and the functions
:func:`load_yaml`, :func:`apply_overrides`, :func:`problems_from_validation` and
:func:`validate_file`.

Sources of the rules: YAML 1.1 as read by PyYAML's ``SafeLoader``, used only to *compose* a node
tree; Python values are built here from the nodes, so no tag can run code, and aliases are counted
while composing so an alias bomb is refused before anything is expanded. Validation messages follow
pydantic v2's error types, rewritten for people who write scenario files (DESIGN.md, principle 7:
user errors are messages, not tracebacks).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Annotated, Final, Literal, Union, get_args, get_origin

import pydantic
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

type FieldPath = tuple[str | int, ...]

MAX_DEPTH: Final = 100
"""Deepest nesting of lists and mappings accepted in a file (after expanding aliases)."""

SHORT_VALUE_LIMIT: Final = 60
"""Longest rendering of a value in ``(got ...)``."""

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP, _MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"
# Tags the SafeLoader's resolver gives plain scalars; kept as the text the user wrote.
_TEXT_TAGS: Final = frozenset({_STR, _TAG + "timestamp", _TAG + "value", _MERGE})


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


@dataclass(frozen=True)
class LoadedYaml:
    """A parsed YAML file: plain data, and where each part of it was written.

    Attributes:
        file: The file name used in messages.
        data: Plain Python data (dict with str keys, list, str, int, float, bool, None).
        node: Root of the YAML node tree the data was built from (None if empty or synthetic).
        origins: Field paths set by overrides (elements as ``str``) -> origin shown as the file.
    """

    file: str
    data: object
    node: Node | None = field(default=None, repr=False, compare=False)
    origins: Mapping[tuple[str, ...], str] = field(default_factory=dict, repr=False, compare=False)

    def position(self, path: Iterable[str | int]) -> tuple[int, int]:
        """1-based (line, column) of the key for ``path``.

        Args:
            path: Field path; list indices as ints (digit strings also work).

        Returns:
            The position of the key (or list item) if it is in the file, else of the nearest
            ancestor that is; ``(1, 1)`` for the root and for paths set by an override.
        """
        _, line, column = self.locate(path)
        return line, column

    def locate(self, path: Iterable[str | int]) -> tuple[str, int, int]:
        """Like :meth:`position`, with the file: ``origin`` (e.g. ``--set``) for overridden paths.

        Args:
            path: Field path; list indices as ints (digit strings also work).

        Returns:
            ``(file, line, column)``.
        """
        key = tuple(str(element) for element in path)
        for end in range(len(key), 0, -1):
            origin = self.origins.get(key[:end])
            if origin is not None:
                return origin, 1, 1
        return (self.file, *_node_position(self.node, key))


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


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


# --------------------------------------------------------------------------- loading


class _Refused(Exception):
    """Internal: a problem that stops composition (limits, recursive aliases)."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader that counts the nodes a document expands to, aliases included, while composing.

    An alias counts as the size of the node it refers to, so an alias bomb is refused while its
    node graph is still small. Nesting deeper than :data:`MAX_DEPTH` and aliases used inside their
    own anchor (recursive structures) are refused as well. Only composition is used; nothing is
    constructed by PyYAML.
    """

    def __init__(self, stream: str, max_nodes: int) -> None:
        super().__init__(stream)
        self.max_nodes = max_nodes
        self.node_count = 0
        self.depth = 0
        self.open_anchors: set[str] = set()
        self.anchor_sizes: dict[str, int] = {}

    def compose_node(self, parent: Node | None, index: object) -> Node:
        """Compose one node, counting it (and, for an alias, everything it expands to)."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise _Refused(
                    event.start_mark,
                    f"alias *{event.anchor} is used inside its own anchor "
                    "(recursive structures are not allowed)",
                )
            node = super().compose_node(parent, index)
            self._count(self.anchor_sizes.get(event.anchor, 1), event.start_mark)
            return node
        if self.depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
        before = self.node_count
        self._count(1, event.start_mark)
        anchor = event.anchor
        if anchor is not None:
            self.open_anchors.add(anchor)
        self.depth += 1
        node = super().compose_node(parent, index)
        self.depth -= 1
        if anchor is not None:
            self.open_anchors.discard(anchor)
            self.anchor_sizes[anchor] = self.node_count - before
        return node

    def _count(self, nodes: int, mark: yaml.Mark) -> None:
        self.node_count += nodes
        if self.node_count > self.max_nodes:
            raise _Refused(
                mark,
                f"the document expands to more than {self.max_nodes:,} values "
                "(aliases included); refusing to load it",
            )


class _Builder:
    """Builds plain Python data from a composed node tree, collecting problems as it goes."""

    def __init__(self, file: str, loader: _CountingLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []
        self.visited: set[int] = set()

    def report(self, mark: yaml.Mark, path: FieldPath, message: str, got: object = MISSING) -> None:
        self.problems.append(
            Problem(self.file, mark.line + 1, mark.column + 1, _dotted(path), message, got)
        )

    def first_visit(self, node: Node) -> bool:
        """True the first time a node is seen (aliased nodes are reported once, not per use)."""
        if id(node) in self.visited:
            return False
        self.visited.add(id(node))
        return True

    def build(self, node: Node, path: FieldPath, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise _Refused(node.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
        fresh = self.first_visit(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path, fresh)
        if node.tag not in (_SEQ, _MAP):
            if fresh:
                self.report(node.start_mark, path, "tags are not allowed", _short_tag(node.tag))
            return None
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.mapping(node, path, depth, fresh)

    def scalar(self, node: ScalarNode, path: FieldPath, fresh: bool) -> object:
        if node.tag in _TEXT_TAGS:
            return node.value
        if node.tag == _NULL:
            return None
        construct = {
            _INT: self.loader.construct_yaml_int,
            _FLOAT: self.loader.construct_yaml_float,
            _BOOL: self.loader.construct_yaml_bool,
        }.get(node.tag)
        if construct is None:
            if fresh:
                self.report(node.start_mark, path, "tags are not allowed", _short_tag(node.tag))
            return None
        try:
            return construct(node)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            if fresh:
                wanted = {_INT: "an integer", _FLOAT: "a number", _BOOL: "true or false"}
                message = f"cannot read this as {wanted[node.tag]}"
                self.report(node.start_mark, path, message, node.value)
            return None

    def mapping(self, node: MappingNode, path: FieldPath, depth: int, fresh: bool) -> dict:
        result: dict[str, object] = {}
        merged: dict[str, object] = {}
        first_marks: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                self.merge_into(merged, value_node, path, depth, fresh)
                continue
            key = self.key_text(key_node, path, fresh)
            if key is None:
                continue
            if key in first_marks:
                if fresh:
                    first = first_marks[key]
                    self.report(
                        key_node.start_mark,
                        (*path, key),
                        f"duplicate key {key!r} (first defined at line {first.line + 1}, "
                        f"column {first.column + 1})",
                    )
                continue
            first_marks[key] = key_node.start_mark
            result[key] = self.build(value_node, (*path, key), depth + 1)
        if merged:
            result = {**{k: v for k, v in merged.items() if k not in result}, **result}
        return result

    def merge_into(
        self, merged: dict, value_node: Node, path: FieldPath, depth: int, fresh: bool
    ) -> None:
        """Apply a ``<<`` merge key: earlier sources win, explicit keys win over all."""
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                if fresh:
                    self.report(
                        source.start_mark,
                        path,
                        "'<<' must be given a mapping or a list of mappings",
                    )
                continue
            built = self.build(source, path, depth)
            if isinstance(built, dict):
                for key, value in built.items():
                    merged.setdefault(key, value)

    def key_text(self, key_node: Node, path: FieldPath, fresh: bool) -> str | None:
        """A mapping key as the text the user wrote (``on``, ``1`` and ``null`` stay text)."""
        fresh = fresh and self.first_visit(key_node)
        if not isinstance(key_node, ScalarNode):
            if fresh:
                kind = "a list" if isinstance(key_node, SequenceNode) else "a mapping"
                self.report(key_node.start_mark, path, f"mapping keys must be text, not {kind}")
            return None
        if key_node.tag not in _TEXT_TAGS | {_INT, _FLOAT, _BOOL, _NULL}:
            if fresh:
                self.report(
                    key_node.start_mark, path, "tags are not allowed", _short_tag(key_node.tag)
                )
            return None
        if key_node.tag == _NULL and key_node.value == "":
            if fresh:
                self.report(key_node.start_mark, path, "mapping key is empty")
            return None
        return key_node.value


def load_yaml(
    source: str | os.PathLike[str],
    *,
    text: str | None = None,
    max_bytes: int = 5_000_000,
    max_nodes: int = 1_000_000,
) -> LoadedYaml:
    """Read one YAML document safely, keeping where every key and value was written.

    Mapping keys are always the text written in the file (``on:``, ``1:`` and ``null:`` give the
    keys ``"on"``, ``"1"`` and ``"null"``); YAML timestamps stay text. ``<<`` merge keys work.

    Args:
        source: Path of the file; also the name used in messages.
        text: The file's content; when given, the file is not read.
        max_bytes: Largest file accepted, in bytes (UTF-8).
        max_nodes: Most values (scalars, lists and mappings, aliases counted by what they
            expand to) accepted in the document.

    Returns:
        The data and its positions; ``data`` is None for an empty document.

    Raises:
        SourceError: The file cannot be read, is too large, is not valid YAML, has duplicate keys,
            tags, keys that are not text, or expands beyond ``max_nodes``.
    """
    file = os.fsdecode(source)
    if text is None:
        text = _read_text(file, max_bytes)
    elif len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise SourceError([Problem(file, 1, 1, "", f"file is larger than {max_bytes:,} bytes")])
    try:
        loader = _CountingLoader(text, max_nodes)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return LoadedYaml(file, None, None)
        builder = _Builder(file, loader)
        data = builder.build(node, (), 1)
    except _Refused as refused:
        mark = refused.mark
        raise SourceError(
            [Problem(file, mark.line + 1, mark.column + 1, "", refused.message)]
        ) from None
    except yaml.MarkedYAMLError as error:
        raise SourceError([_syntax_problem(file, error)]) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_column(text, error.position)
        message = f"character U+{error.character:04X} is not allowed in a YAML file"
        raise SourceError([Problem(file, line, column, "", message)]) from None
    except yaml.YAMLError as error:
        raise SourceError([Problem(file, 1, 1, "", f"invalid YAML: {error}")]) from None
    if builder.problems:
        raise SourceError(_sorted_unique(builder.problems))
    return LoadedYaml(file, data, node)


def _read_text(file: str, max_bytes: int) -> str:
    try:
        with open(file, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = b"" if size > max_bytes else handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SourceError([Problem(file, 1, 1, "", "file not found")]) from None
    except IsADirectoryError:
        raise SourceError([Problem(file, 1, 1, "", "is a directory, not a file")]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise SourceError([Problem(file, 1, 1, "", f"cannot read file: {reason}")]) from None
    if size > max_bytes or len(raw) > max_bytes:
        raise SourceError([Problem(file, 1, 1, "", f"file is larger than {max_bytes:,} bytes")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"file is not UTF-8 text (byte 0x{raw[error.start]:02x})"
        raise SourceError([Problem(file, line, column, "", message)]) from None


def _syntax_problem(file: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    context, first = error.context or "", error.context_mark
    duplicate = re.match(r"found duplicate anchor ('.*?')", context)
    if context.startswith("expected a single document"):
        message = "a file holds one YAML document, but a second one starts here"
    elif "'\\t'" in (error.problem or ""):
        message = "invalid YAML: tabs cannot be used for indentation; use spaces"
    elif duplicate and first:
        message = (
            f"anchor {duplicate.group(1)} is defined twice "
            f"(first at line {first.line + 1}, column {first.column + 1})"
        )
    else:
        message = f"invalid YAML: {error.problem or context or 'cannot parse'}"
        if error.problem and context:
            where = f" at line {first.line + 1}, column {first.column + 1}" if first else ""
            message += f" ({context}{where})"
    return Problem(file, line, column, "", message)


def _line_column(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _node_position(node: Node | None, path: tuple[str, ...]) -> tuple[int, int]:
    line, column = 1, 1
    for element in path:
        if isinstance(node, MappingNode):
            entry = _find_entry(node, element)
            if entry is None:
                break
            key_node, node = entry
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        elif (
            isinstance(node, SequenceNode) and element.isdigit() and int(element) < len(node.value)
        ):
            node = node.value[int(element)]
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
        else:
            break
    return line, column


def _find_entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The (key node, value node) for ``key``, looking through ``<<`` merges as loading does."""
    merges: list[Node] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            if key_node.tag == _MERGE:
                merges.append(value_node)
            elif key_node.value == key:
                return key_node, value_node
    for merge in merges:
        sources = merge.value if isinstance(merge, SequenceNode) else [merge]
        for source in sources:
            if isinstance(source, MappingNode):
                found = _find_entry(source, key)
                if found is not None:
                    return found
    return None


def _dotted(path: Iterable[object]) -> str:
    return ".".join(str(element) for element in path)


def _sorted_unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.file, p.line, p.column))


# --------------------------------------------------------------------------- overrides


class _OverrideError(Exception):
    def __init__(self, message: str, got: object = MISSING) -> None:
        super().__init__(message)
        self.message = message
        self.got = got


def apply_overrides(
    loaded: LoadedYaml, overrides: Iterable[str], *, origin: str = "--set"
) -> LoadedYaml:
    """Set values by dotted path, as given on the command line (``firms.Alpha.price=90``).

    Each value is read as a YAML scalar or flow value by the same safe loader (``90`` -> int,
    ``0.5`` -> float, ``true`` -> bool, ``[1, 2]`` -> list, ``{a: 1}`` -> dict, ``basic`` -> str);
    text that would be a block collection (``Price war: round 2``) is kept as text. Missing mapping
    keys are created; list items are addressed by number, and the number one past the end appends.

    Args:
        loaded: The file to override; it is not changed.
        overrides: ``PATH=VALUE`` strings.
        origin: Name shown as the file of problems at overridden paths (line 1, column 1).

    Returns:
        A new :class:`LoadedYaml` whose overridden paths are located at ``origin:1:1``.

    Raises:
        SourceError: For every malformed override (no ``=``, empty path or key, a path through
            a scalar, a list index that is not a number or is out of range, an unreadable value).
    """
    data = copy.deepcopy(loaded.data)
    origins = dict(loaded.origins)
    problems: list[Problem] = []
    for override in overrides:
        path_text, equals, value_text = override.partition("=")
        path_text = path_text.strip()
        try:
            if not equals:
                raise _OverrideError("an override must look like PATH=VALUE", override)
            if not path_text:
                raise _OverrideError("an override needs a field path before '='", override)
            parts = [part.strip() for part in path_text.split(".")]
            if not all(parts):
                raise _OverrideError("the field path has an empty part", override)
            value = _override_value(value_text, origin)
            data = _set_path(data, parts, value, origin, origins)
        except _OverrideError as error:
            problems.append(Problem(origin, 1, 1, path_text, error.message, error.got))
    if problems:
        raise SourceError(problems)
    return LoadedYaml(loaded.file, data, loaded.node, origins)


def _override_value(text: str, origin: str) -> object:
    try:
        loader = _CountingLoader(text, max_nodes=100_000)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return None
        if isinstance(node, MappingNode | SequenceNode) and not node.flow_style:
            return text.strip()
        builder = _Builder(origin, loader)
        value = builder.build(node, (), 1)
    except _Refused as refused:
        raise _OverrideError(f"cannot read the value: {refused.message}", text.strip()) from None
    except yaml.MarkedYAMLError as error:
        reason = error.problem or error.context or "invalid YAML"
        raise _OverrideError(f"cannot read the value: {reason}", text.strip()) from None
    except yaml.YAMLError:
        raise _OverrideError("cannot read the value", text.strip()) from None
    if builder.problems:
        first = builder.problems[0]
        raise _OverrideError(f"cannot read the value: {first.message}", first.got)
    return value


def _set_path(data: object, parts: list[str], value: object, origin: str, origins: dict) -> object:
    """Set ``value`` at ``parts`` inside ``data`` (changed in place); return the new root."""
    if data is None:
        data = {}
    container = data
    done: list[str | int] = []
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(container, dict):
            key: str | int = part
            if not last and container.get(part) is None:
                container[part] = {}
                origins[tuple(str(e) for e in (*done, part))] = origin
        elif isinstance(container, list):
            if not part.isdigit():
                raise _OverrideError(f"'{_dotted(done)}' is a list; {part!r} is not an item number")
            key = int(part)
            if key > len(container) or (key == len(container) and not last):
                raise _OverrideError(
                    f"item {key} is out of range: '{_dotted(done)}' has {len(container)} items"
                )
            if key == len(container):
                container.append(None)
        else:
            where = f"'{_dotted(done)}'" if done else "the document"
            raise _OverrideError(
                f"cannot set a key inside {where}, which is {_kind(container)}", container
            )
        done.append(key)
        if last:
            container[key] = value  # type: ignore[index]
        else:
            container = container[key]  # type: ignore[index]
    origins[tuple(str(e) for e in done)] = origin
    return data


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "empty (null)" if value is None else f"a {type(value).__name__}"


# --------------------------------------------------------------------------- validation errors


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
class _Trace:
    """A pydantic ``loc`` followed through the model's types."""

    path: list[str | int] = field(default_factory=list)
    unions: list[tuple[FieldPath, str]] = field(default_factory=list)  # (field path, branch)
    owner: type[pydantic.BaseModel] | None = None  # model holding the last path element
    annotation: object = None  # type at the end of the path (None if unknown)
    is_key: bool = False  # the error is about a mapping key


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
        trace = _trace(model, detail["loc"])
        findings.append(_finding(detail, trace))
    problems = []
    for finding in _prune_unions(findings):
        file, line, column = loaded.locate(finding.path)
        problems.append(
            Problem(file, line, column, _dotted(finding.path), finding.message, finding.got)
        )
    return _sorted_unique(problems)


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


def _unwrap(annotation: object) -> object:
    """Strip Annotated, Optional, ``type`` aliases and RootModel wrappers."""
    while True:
        if isinstance(annotation, typing.TypeAliasType):
            annotation = annotation.__value__
        elif get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.RootModel):
            annotation = annotation.model_fields["root"].annotation
        elif _is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_union(annotation: object) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _key_name(name: str, info: pydantic.fields.FieldInfo) -> str:
    if isinstance(info.validation_alias, str):
        return info.validation_alias
    return info.alias or name


def _valid_keys(model: type[pydantic.BaseModel]) -> list[str]:
    return [_key_name(name, info) for name, info in model.model_fields.items()]


def _field_annotation(model: type[pydantic.BaseModel], key: object) -> object | None:
    for name, info in model.model_fields.items():
        if key in (name, _key_name(name, info)):
            return info.annotation
    return None


def _pick_member(members: list[object], label: object) -> object | None:
    """The union member that a pydantic branch label (class name, tag or type name) stands for."""
    unwrapped = [_unwrap(member) for member in members]
    for member in unwrapped:
        if getattr(member, "__name__", None) == label:
            return member
    for member in unwrapped:
        if _is_model(member):
            for info in member.model_fields.values():
                literal = _unwrap(info.annotation)
                if get_origin(literal) is Literal and label in map(str, get_args(literal)):
                    return member
    return None


def _trace(model: type[pydantic.BaseModel], loc: tuple[str | int, ...]) -> _Trace:
    trace = _Trace()
    annotation: object = model
    index = 0
    while index < len(loc):
        element = loc[index]
        index += 1
        annotation = _unwrap(annotation)
        if _is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            trace.unions.append((tuple(trace.path), str(element)))
            annotation = _pick_member(members, element)
            continue
        if element == "[key]":
            trace.is_key = True
            continue
        trace.path.append(element)
        origin, args = get_origin(annotation) or annotation, get_args(annotation)
        trace.owner = None
        if _is_model(annotation):
            trace.owner = annotation  # type: ignore[assignment]
            annotation = _field_annotation(annotation, element)  # type: ignore[arg-type]
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
    trace.annotation = _unwrap(annotation) if annotation is not None else None
    return trace


def _finding(detail: Mapping, trace: _Trace) -> _Finding:
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


def _unknown_key_message(key: object, owner: type[pydantic.BaseModel] | None) -> str:
    message = f"unknown key {str(key)!r}"
    if owner is None:
        return message
    valid = _valid_keys(owner)
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
