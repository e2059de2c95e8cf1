"""Command-line overrides of a file's fields: ``--set PATH=VALUE``, :func:`apply_overrides`.

Each value is read by the same safe loader as files; the overridden paths remember their
origin (``--set``) so that a problem with them is reported there.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import yaml
from yaml.nodes import MappingNode, SequenceNode

from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import MISSING, Problem, SourceError, dotted
from sim.scenario.yamlfile import Builder, CountingLoader, Refused


class _OverrideError(Exception):
    def __init__(self, message: str, got: object = MISSING) -> None:
        super().__init__(message)
        self.message = message
        self.got = got


def apply_overrides(
    loaded: LoadedYaml, overrides: Iterable[str | tuple[str, str]], *, origin: str = "--set"
) -> LoadedYaml:
    """Set values by dotted path, as given on the command line (``firms.Alpha.price=90``).

    Each value is read as a YAML scalar or flow value by the same safe loader (``90`` -> int,
    ``0.5`` -> float, ``true`` -> bool, ``[1, 2]`` -> list, ``{a: 1}`` -> dict, ``basic`` -> str);
    text that would be a block collection (``Price war: round 2``) is kept as text. Missing mapping
    keys are created; list items are addressed by number, and the number one past the end appends.

    Args:
        loaded: The file to override; it is not changed.
        overrides: ``PATH=VALUE`` strings, or ``(origin, PATH=VALUE)`` pairs for overrides that
            each name where they came from (``("--set 2", "periods=12")``).
        origin: Where the plain strings came from, shown in place of a file position for
            problems at the paths they set (``--set: periods: ...``).

    Returns:
        A new :class:`LoadedYaml` whose overridden paths are located at their origin.

    Raises:
        SourceError: For every malformed override (no ``=``, empty path or key, a path through
            a scalar, a list index that is not a number or is out of range, an unreadable value).
    """
    data = copy.deepcopy(loaded.data)
    origins = dict(loaded.origins)
    problems: list[Problem] = []
    for item in overrides:
        where, override = item if isinstance(item, tuple) else (origin, item)
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
            value = _override_value(value_text, where)
            data = _set_path(data, parts, value, where, origins)
        except _OverrideError as error:
            problems.append(Problem.option(where, error.message, error.got, path_text))
    if problems:
        raise SourceError(problems)
    return LoadedYaml(loaded.file, data, loaded.node, origins)


def _override_value(text: str, origin: str) -> object:
    try:
        loader = CountingLoader(text, max_nodes=100_000)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
        if node is None:
            return None
        if isinstance(node, MappingNode | SequenceNode) and not node.flow_style:
            return text.strip()
        builder = Builder(origin, loader)
        value = builder.build(node, (), 1)
    except Refused as refused:
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
                raise _OverrideError(f"'{dotted(done)}' is a list; {part!r} is not an item number")
            key = int(part)
            if key > len(container) or (key == len(container) and not last):
                raise _OverrideError(
                    f"item {key} is out of range: '{dotted(done)}' has {len(container)} items"
                )
            if key == len(container):
                container.append(None)
        else:
            where = f"'{dotted(done)}'" if done else "the document"
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


