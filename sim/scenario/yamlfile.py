"""Safe YAML loading with positions: :func:`load_yaml`.

Sources of the rules: YAML 1.1 as read by PyYAML's ``SafeLoader``, used only to *compose* a
node tree; Python values are built here from the nodes, so no tag can run code, and aliases are
counted while composing so an alias bomb is refused before anything is expanded. Keys are the
text the user wrote; duplicate keys, tags and keys that are not text are problems.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.scenario.positions import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    MAP_TAG,
    MERGE_TAG,
    NULL_TAG,
    SEQ_TAG,
    TAG,
    TEXT_TAGS,
    LoadedYaml,
    line_column,
)
from sim.scenario.problems import MISSING, FieldPath, Problem, SourceError, dotted, sorted_unique

_SURROGATE = re.compile("[\ud800-\udfff]")

MAX_DEPTH: Final = 100
"""Deepest nesting of lists and mappings accepted in a file (after expanding aliases)."""


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag


# --------------------------------------------------------------------------- loading


class Refused(Exception):
    """Internal: a problem that stops composition (limits, recursive aliases)."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class CountingLoader(yaml.SafeLoader):
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
                raise Refused(
                    event.start_mark,
                    f"alias *{event.anchor} is used inside its own anchor "
                    "(recursive structures are not allowed)",
                )
            node = super().compose_node(parent, index)
            self._count(self.anchor_sizes.get(event.anchor, 1), event.start_mark)
            return node
        if self.depth >= MAX_DEPTH:
            raise Refused(event.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
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
            raise Refused(
                mark,
                f"the document expands to more than {self.max_nodes:,} values "
                "(aliases included); refusing to load it",
            )


class Builder:
    """Builds plain Python data from a composed node tree, collecting problems as it goes."""

    def __init__(self, file: str, loader: CountingLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []
        self.visited: set[int] = set()

    def report(self, mark: yaml.Mark, path: FieldPath, message: str, got: object = MISSING) -> None:
        self.problems.append(
            Problem(self.file, mark.line + 1, mark.column + 1, dotted(path), message, got)
        )

    def first_visit(self, node: Node) -> bool:
        """True the first time a node is seen (aliased nodes are reported once, not per use)."""
        if id(node) in self.visited:
            return False
        self.visited.add(id(node))
        return True

    def build(self, node: Node, path: FieldPath, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise Refused(node.start_mark, f"nesting is deeper than {MAX_DEPTH} levels")
        fresh = self.first_visit(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path, fresh)
        if node.tag not in (SEQ_TAG, MAP_TAG):
            if fresh:
                self.report(node.start_mark, path, "tags are not allowed", _short_tag(node.tag))
            return None
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.mapping(node, path, depth, fresh)

    def scalar(self, node: ScalarNode, path: FieldPath, fresh: bool) -> object:
        if node.tag in TEXT_TAGS:
            return self.text(node, path, fresh)
        if node.tag == NULL_TAG:
            return None
        construct = {
            INT_TAG: self.loader.construct_yaml_int,
            FLOAT_TAG: self.loader.construct_yaml_float,
            BOOL_TAG: self.loader.construct_yaml_bool,
        }.get(node.tag)
        if construct is None:
            if fresh:
                self.report(node.start_mark, path, "tags are not allowed", _short_tag(node.tag))
            return None
        try:
            return construct(node)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            if fresh:
                wanted = {INT_TAG: "an integer", FLOAT_TAG: "a number", BOOL_TAG: "true or false"}
                message = f"cannot read this as {wanted[node.tag]}"
                self.report(node.start_mark, path, message, node.value)
            return None

    def mapping(self, node: MappingNode, path: FieldPath, depth: int, fresh: bool) -> dict:
        result: dict[str, object] = {}
        merged: dict[str, object] = {}
        first_marks: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == MERGE_TAG:
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
        if key_node.tag not in TEXT_TAGS | {INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG}:
            if fresh:
                self.report(
                    key_node.start_mark, path, "tags are not allowed", _short_tag(key_node.tag)
                )
            return None
        if key_node.tag == NULL_TAG and key_node.value == "":
            if fresh:
                self.report(key_node.start_mark, path, "mapping key is empty")
            return None
        return self.text(key_node, path, fresh)

    def text(self, node: ScalarNode, path: FieldPath, fresh: bool) -> str | None:
        """Text as written, unless it holds a lone surrogate (``"\\ud800"``): that is no
        character, cannot be written to any file, and is refused here with its position."""
        value = node.value
        if _SURROGATE.search(value):
            if fresh:
                self.report(node.start_mark, path, "text holds a lone surrogate (an escape such"
                            " as \\ud800 that is no character)", value.encode(
                                "utf-8", "backslashreplace").decode("ascii"))
            return None
        return value


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
        loader = CountingLoader(text, max_nodes)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return LoadedYaml(file, None, None)
        builder = Builder(file, loader)
        data = builder.build(node, (), 1)
    except Refused as refused:
        mark = refused.mark
        raise SourceError(
            [Problem(file, mark.line + 1, mark.column + 1, "", refused.message)]
        ) from None
    except yaml.MarkedYAMLError as error:
        raise SourceError([_syntax_problem(file, error)]) from None
    except yaml.reader.ReaderError as error:
        line, column = line_column(text, error.position)
        message = f"character U+{error.character:04X} is not allowed in a YAML file"
        raise SourceError([Problem(file, line, column, "", message)]) from None
    except yaml.YAMLError as error:
        raise SourceError([Problem(file, 1, 1, "", f"invalid YAML: {error}")]) from None
    if builder.problems:
        raise SourceError(sorted_unique(builder.problems))
    return LoadedYaml(file, data, node)


def _read_text(file: str, max_bytes: int) -> str:
    try:
        mode = os.stat(file).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # opening a pipe would wait forever
            raise SourceError([Problem(file, 1, 1, "", "not a regular file (a pipe, device or"
                                       " socket); give the path of a YAML file")])
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


