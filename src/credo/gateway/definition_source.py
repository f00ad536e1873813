"""A service definition file (YAML, or JSON, which YAML reads too) as plain data, with the line
each value starts on, so that a validation error can say where in the file it is.
"""

from __future__ import annotations

from typing import Any

import yaml

# A value's place in the document: keys and list indexes from the top.
Path = tuple[str | int, ...]


class DefinitionError(ValueError):
    """What is wrong with a service definition, and where: ``routes[2].path`` and its line."""

    def __init__(self, message: str, path: Path = (), line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.describe())

    @property
    def where(self) -> str:
        """``routes[2].path``: how the error names the value, as one would point at it."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text

    def describe(self, source: str | None = None) -> str:
        """``FILE:LINE: where: message``, leaving out the parts not known."""
        head = ":".join(str(p) for p in (source, self.line) if p is not None)
        where = self.where
        return ": ".join(part for part in (head, where, self.message) if part)


class SourceDocument:
    """The parsed document and the line of every value in it (1-based)."""

    def __init__(self, data: Any, lines: dict[Path, int]) -> None:
        self.data = data
        self._lines = lines

    def line(self, path: Path) -> int | None:
        """The line of the value at ``path``, or of the closest enclosing one."""
        while path not in self._lines and path:
            path = path[:-1]
        return self._lines.get(path)

    def error(self, message: str, path: Path) -> DefinitionError:
        return DefinitionError(message, path, self.line(path))


def read_source(text: str) -> SourceDocument:
    """Parse ``text``; ``DefinitionError`` (with the line) when it is neither YAML nor JSON."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise DefinitionError("the document is nested too deeply", (), 1) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "not valid YAML or JSON"
        raise DefinitionError(str(problem), (), mark.line + 1 if mark is not None else None) from None
    if node is None:
        raise DefinitionError("the file is empty", (), 1)
    lines: dict[Path, int] = {}
    constructor = yaml.SafeLoader("")
    try:
        data = _build(node, (), lines, constructor, set())
    except RecursionError:
        raise DefinitionError("the document is nested too deeply", (), 1) from None
    finally:
        constructor.dispose()
    return SourceDocument(data, lines)


def _build(
    node: yaml.Node, path: Path, lines: dict[Path, int], constructor: yaml.SafeLoader, seen: set[int]
) -> Any:
    # A mapping's value is placed at its key's line (set by the caller): that is where one looks.
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.CollectionNode):
        # An alias is the same node met again: refused, so a few lines cannot expand to millions.
        if id(node) in seen:
            raise DefinitionError(
                "YAML aliases (*name) are not supported here", path, node.start_mark.line + 1
            )
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise DefinitionError(f"keys are names, not {key!r}", path, key_node.start_mark.line + 1)
            if key in result:
                raise DefinitionError(f"{key!r} is given twice", (*path, key), key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, (*path, key), lines, constructor, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, constructor, seen) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as error:
        raise DefinitionError(str(error), path, node.start_mark.line + 1) from None
