"""Safe YAML loading that remembers where every value came from.

PyYAML's ``SafeLoader`` composes the document into nodes, which carry their
start marks. We walk those nodes ourselves, so that we can return the plain
data (dicts, lists and YAML scalars) together with a :class:`Positions` map
from key paths to 1-based ``(line, column)``, reject duplicate keys, and refuse
any tag that is not plain YAML (``!!python/object`` and friends). Nothing in a
config is ever evaluated as Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ConfigError

__all__ = ["KeyPath", "Positions", "load_yaml"]

KeyPath = tuple  # key path: mapping keys as written, list indices as ints

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Bounds checked while PyYAML composes (before any Python value is built) and
# again while walking, since aliases can expand a small file into a huge tree
# ("billion laughs"). The largest bundled config has ~600 values, 7 levels deep;
# PyYAML's composer recurses per level, so depth must stay far below Python's
# recursion limit, and parsing costs ~30 us a value, so 200,000 values is ~6 s.
MAX_DEPTH = 100
MAX_VALUES = 200_000


@dataclass
class Positions:
    """Where each value (and each mapping key) of a YAML document starts.

    Attributes
    ----------
    values : dict
        Key path -> 1-based ``(line, column)`` of the value.
    keys : dict
        Key path -> 1-based ``(line, column)`` of the key that names it.
    """

    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def find(self, path: KeyPath, *, key: bool = False) -> tuple[int, int] | None:
        """Position of ``path``, or of its nearest parent that has one.

        Parameters
        ----------
        path : tuple
            Key path, e.g. ``("services", "ward", "servers")``.
        key : bool
            Prefer the position of the key over that of the value.

        Returns
        -------
        (int, int) or None
            1-based line and column, or None when nothing on the path is known.
        """
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        for n in range(len(path), -1, -1):
            if path[:n] in self.values:
                return self.values[path[:n]]
        return None


class _Loader(yaml.SafeLoader):
    """SafeLoader; we only use its composer (bounded) and its scalar constructors."""

    def __init__(self, text: str, filename: str):
        super().__init__(text)
        self.filename = filename
        self.depth = 0
        self.composed = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML's hook
        self.composed += 1
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH or self.composed > MAX_VALUES:
                mark = self.peek_event().start_mark
                raise ConfigError(_too_big(self.depth > MAX_DEPTH), file=self.filename,
                                  line=mark.line + 1, column=mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _too_big(deep: bool) -> str:
    if deep:
        return f"expected values nested at most {MAX_DEPTH} levels deep, found deeper nesting"
    return f"expected a config of at most {MAX_VALUES:,} values, found more"


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    def __init__(self, loader: _Loader, filename: str):
        self.loader = loader
        self.filename = filename
        self.positions = Positions()
        # Mappings already flattened in place (their merge keys resolved): a second
        # visit through an alias must not read the merged keys as duplicates.
        self.flattened: set[int] = set()
        self.count = 0
        self.active: set[int] = set()

    def error(self, message: str, node: Node, path: KeyPath) -> ConfigError:
        line, col = _mark(node)
        return ConfigError(message, file=self.filename, line=line, column=col,
                           path=".".join(str(p) for p in path) or None)

    def check_tag(self, node: Node, path: KeyPath, expected: str) -> None:
        tag = node.tag or ""
        if tag == expected:
            return
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        if "python/" in tag:
            raise self.error(f"expected plain YAML data, found the Python object tag '{tag}' "
                             "(tags that create Python objects are not allowed)", node, path)
        raise self.error(f"expected plain YAML data, found the tag '{tag}'", node, path)

    def walk(self, node: Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or len(path) > MAX_DEPTH:
            raise self.error(_too_big(len(path) > MAX_DEPTH) + " once aliases are expanded", node, path)
        self.positions.values.setdefault(path, _mark(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            raise self.error("expected a tree of values, found an alias that contains itself", node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self.check_tag(node, path, _SEQ_TAG)
                return [self.walk(item, path + (i,)) for i, item in enumerate(node.value)]
            self.check_tag(node, path, _MAP_TAG)
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        if "python/" in (node.tag or ""):
            self.check_tag(node, path, "")
        try:
            return self.loader.construct_object(node, deep=True)
        except ConstructorError as exc:
            raise self.error(f"expected plain YAML data, found {exc.problem}", node, path) from None
        except ValueError as exc:  # a date-shaped scalar that is no date, e.g. 2025-13-01
            raise self.error(f"expected a valid date (YYYY-MM-DD), found '{node.value}' ({exc})", node, path) from None

    def key(self, node: Node, path: KeyPath) -> Any:
        if not isinstance(node, ScalarNode):
            raise self.error("expected a plain key (a name), found a "
                             + ("list" if isinstance(node, SequenceNode) else "mapping") + " used as a key",
                             node, path)
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: KeyPath) -> dict:
        seen: dict[Any, Node] = {}
        for knode, _ in () if id(node) in self.flattened else node.value:
            if knode.tag == _MERGE_TAG:
                continue
            k = self.key(knode, path)
            if k in seen:
                line, _col = _mark(seen[k])
                raise self.error(f"duplicate key '{k}' (first given on line {line}); "
                                 "expected each key once in a mapping", knode, path + (k,))
            seen[k] = knode
        try:
            # Resolves `<<: *anchor` merge keys in place; explicit keys win.
            self.loader.flatten_mapping(node)
            self.flattened.add(id(node))
        except ConstructorError as exc:
            raise self.error(f"expected a valid merge key, found {exc.problem}", node, path) from None
        out: dict = {}
        for knode, vnode in node.value:
            k = self.key(knode, path)
            sub = path + (k,)
            if k in out:  # a merged value overridden by an explicit key
                del out[k]
                self.positions.values.pop(sub, None)
            self.positions.keys[sub] = _mark(knode)
            out[k] = self.walk(vnode, sub)
        return out


def load_yaml(text: str, filename: str = "<string>") -> tuple[Any, Positions]:
    """Parse YAML text safely, keeping the position of every value.

    Parameters
    ----------
    text : str
        The YAML document.
    filename : str
        Name used in error messages.

    Returns
    -------
    data : Any
        Plain data: dicts, lists and YAML scalars (``30 min`` is a str, ``45`` an
        int). None for an empty document.
    positions : Positions
        Where each value and key starts (1-based line and column).

    Raises
    ------
    ConfigError
        For a YAML syntax error, a duplicate key, a non-scalar key, more than
        one document, a tag other than plain YAML (e.g. ``!!python/object``),
        more than ``MAX_VALUES`` values or nesting deeper than ``MAX_DEPTH``.
    """
    loader = _Loader(text, filename)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "invalid YAML"
            if exc.context and exc.context not in problem:
                problem = f"{problem} ({exc.context})"
            raise ConfigError(f"expected valid YAML, found a syntax error: {problem}", file=filename,
                              line=mark.line + 1 if mark else None,
                              column=mark.column + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"expected valid YAML, found {exc}", file=filename) from None
        if node is None:
            return None, Positions()
        walker = _Walker(loader, filename)
        return walker.walk(node, ()), walker.positions
    finally:
        loader.dispose()
