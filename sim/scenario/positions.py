"""A parsed YAML file that remembers where each part was written: :class:`LoadedYaml`.

Any field path (``events.2.period``) can be traced back to the line and column of its key in
the file, through ``<<`` merges as loading reads them, or to the option that set it
(``--set``), so that every problem is reported where the user wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

TAG = "tag:yaml.org,2002:"
STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG = (
    TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ_TAG, MAP_TAG, MERGE_TAG = TAG + "seq", TAG + "map", TAG + "merge"
# Tags the SafeLoader's resolver gives plain scalars; kept as the text the user wrote.
TEXT_TAGS: Final = frozenset({STR_TAG, TAG + "timestamp", TAG + "value", MERGE_TAG})



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
            ancestor that is; ``(1, 1)`` for the root, ``(0, 0)`` for paths set by an
            override (an option has no line).
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
                return origin, 0, 0
        return (self.file, *node_position(self.node, key))


def line_column(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def node_position(node: Node | None, path: tuple[str, ...]) -> tuple[int, int]:
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
            if key_node.tag == MERGE_TAG:
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

