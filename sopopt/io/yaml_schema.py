"""PyYAML's safe loader and dumper with the YAML 1.2 core schema and sopopt's limits.

:class:`SafeLoader` resolves plain scalars by the YAML 1.2 core schema (``010`` is ten,
``no`` is text) and counts while composing (:class:`BoundedComposer`): an alias bomb or a
deep nest stops at the line where it crosses the documented limit. :data:`FastLoader` is
the same loader on libyaml's C parser when PyYAML has it. :class:`SafeDumper` quotes every
text another YAML reader would take for something else. Reading files with locations is
:mod:`sopopt.io.reader`'s job.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python parser reads the same
    CParser = None

from sopopt.io.limits import MAX_ALIAS_NODES, MAX_DEPTH

#: YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution): the only plain
#: scalars that are not text. Unlike YAML 1.1 (PyYAML's default) ``010`` is ten, ``1:30``,
#: ``1_000`` and ``2027-01-15`` are text, and only true/false are booleans (``no``, ``on``
#: and ``y`` are text).
CORE_SCHEMA: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN"),
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), "<"),
)


def _add_core_resolvers(cls: type[yaml.SafeLoader] | type[yaml.SafeDumper]) -> None:
    for tag, pattern, first in CORE_SCHEMA:
        cls.add_implicit_resolver(tag, pattern, list(first) if first else None)
    # The empty plain scalar is null too.
    cls.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


class LimitError(yaml.MarkedYAMLError):
    """A YAML file goes beyond one of the documented limits (raised while composing)."""


if CParser is not None:

    class _LibyamlLoader(yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """PyYAML's safe loader with libyaml's C scanner and parser under PyYAML's own
        composer: the same events, marks and nodes as the pure-Python parser, about four
        times faster on large files, while :class:`BoundedComposer` still sees every node
        as it is composed."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


class BoundedComposer:
    """Counts while composing the node tree, before any value is built: nesting depth,
    and how many values aliases add when expanded. An alias bomb or a deep nest stops at
    the line where it crosses the limit, in time linear in the file's size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._deepest = 0
        self._alias_nodes = 0
        self._count = 0  # values so far, each alias counted with everything it expands to
        self._sizes: dict[str, int | None] = {}  # anchor -> expanded size (None: still open)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # raises on an undefined alias
            size = self._sizes.get(str(event.anchor))
            if size is None:
                raise LimitError(
                    None, None, f"alias '*{event.anchor}' refers to a value that contains it", event.start_mark
                )
            self._alias_nodes += size
            self._count += size
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise LimitError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} values (limit on alias expansion)",
                    event.start_mark,
                )
            return node
        self._depth += 1
        self._deepest = max(self._deepest, self._depth)
        if self._depth > MAX_DEPTH:
            raise LimitError(
                None, None, f"nested more than {MAX_DEPTH} levels deep (limit on nesting)", event.start_mark
            )
        if event.anchor is not None:
            self._sizes[str(event.anchor)] = None
        start = self._count
        node = super().compose_node(parent, index)
        self._count += 1
        if event.anchor is not None:
            self._sizes[str(event.anchor)] = self._count - start
        self._depth -= 1
        return node


class SafeLoader(BoundedComposer, yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema instead of YAML 1.1's rules, and
    the limits of :class:`BoundedComposer`."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table


#: The loader files are read with: :class:`SafeLoader` on libyaml's parser when PyYAML
#: has it (same nodes and marks, about four times faster on large files).
FastLoader: type = SafeLoader
if CParser is not None:

    class _LibyamlSafeLoader(BoundedComposer, _LibyamlLoader):
        """:class:`SafeLoader` on libyaml's parser."""

        yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table

    FastLoader = _LibyamlSafeLoader

for _loader in {SafeLoader, FastLoader}:
    _add_core_resolvers(_loader)
    _loader.add_constructor("tag:yaml.org,2002:int", _core_int)
    # YAML 1.1 timestamps are not part of the core schema: an explicit !!timestamp stays text.
    _loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

#: libyaml's own nesting limit (1,000 levels, checked while scanning ahead, before the
#: composer's :data:`MAX_DEPTH` is reached): such a file is read again with the pure-Python
#: parser, whose composer stops at the exact place the documented limit is crossed.
LIBYAML_DEPTH_PROBLEM = "exceeded maximum nesting depth"


class SafeDumper(yaml.SafeDumper):
    """PyYAML's safe dumper that quotes every text a YAML 1.1 *or* 1.2 reader would take
    for something else (``12E4``, ``010``, ``no``, ``1:30``), so its output reads back the
    same in sopopt and in any other YAML tool."""


_add_core_resolvers(SafeDumper)
