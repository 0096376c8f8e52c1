"""Reading untrusted YAML into plain data, with the line of every value.

PyYAML's ``safe_load`` already refuses to build arbitrary objects, but it silently keeps the
last of two equal keys, happily expands alias bombs, and forgets line numbers. So we let
PyYAML only *compose* the document into nodes and build the data ourselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.yamlfiles.paths import FieldPath

# A real playbook is a few hundred nodes (the example about 200). Aliases are legitimate for
# reusing text, so rather than forbidding them we bound what they can cost: every node is
# counted each time it is reached, also through an alias, so the total work and memory stay
# proportional to this cap however the aliases nest ("billion laughs").
MAX_NODES = 10_000
# Playbooks nest about six levels deep; deeper documents are a mistake or an attack.
MAX_DEPTH = 32

# libyaml's parser when PyYAML was built with it (its wheels are): the same nodes and marks,
# about fifteen times faster than the pure-Python one, and it refuses nesting beyond 1000
# levels with an error at the line instead of exhausting the stack.
_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

# One message for a document nested too deeply, whichever parser noticed it.
_TOO_DEEP = "YAML is nested too deeply"
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
# The pure-Python parser names the alias ("found undefined alias 'x'"); libyaml does not.
_LIBYAML_UNDEFINED_ALIAS = "found undefined alias"
_ALIAS = re.compile(r"\*([^\s,\[\]{}]+)")

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _TAG + name for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_SEQUENCE_TAG = _TAG + "seq"
_MAPPING_TAG = _TAG + "map"
_STRING_TAG = _TAG + "str"
_INT_TAG = _TAG + "int"
# Digits with a leading zero, which YAML 1.1 reads as an octal number (0000012345 is
# 5349): in hand-written files they are codes (a CIK, a KvK number), kept as written.
_LEADING_ZERO = re.compile(r"0[0-9_]+")


@dataclass(frozen=True)
class YamlProblem:
    """Something wrong with the YAML itself; ``line`` is 1-based."""

    line: int | None
    path: FieldPath
    message: str


@dataclass
class ParsedYaml:
    """The plain data (None if the document could not be read at all) and where it came from."""

    data: object
    lines: dict[FieldPath, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)


class _Abort(Exception):
    """Stop building: continuing would be unsafe or pointless."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one YAML document of plain mappings, lists and scalars.

    Rejects tags beyond the standard scalar, list and mapping ones, duplicate and non-string
    keys, merge keys, recursive aliases, and documents that expand beyond ``MAX_NODES``.
    Problems that leave the rest readable are collected and the rest is still built.
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return ParsedYaml(None, problems=[YamlProblem(line, (), _error_message(exc, text))])
    except yaml.YAMLError as exc:
        return ParsedYaml(None, problems=[YamlProblem(None, (), f"invalid YAML: {exc}")])
    except RecursionError:
        # PyYAML composes recursively; a deeply nested document exhausts the stack first.
        return ParsedYaml(None, problems=[YamlProblem(None, (), _TOO_DEEP)])
    if root is None:
        return ParsedYaml(None, problems=[YamlProblem(None, (), "the file is empty")])
    builder = _Builder()
    try:
        data = builder.build(root, ())
    except _Abort as abort:
        return ParsedYaml(None, builder.lines, [*builder.problems, abort.problem])
    return ParsedYaml(data, builder.lines, builder.problems)


def _error_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    if exc.problem == _LIBYAML_TOO_DEEP:
        return _TOO_DEEP
    problem = exc.problem
    mark = exc.problem_mark
    if problem == _LIBYAML_UNDEFINED_ALIAS and mark is not None:
        # libyaml leaves the name out; the text at the mark (a character index) has it.
        alias = _ALIAS.match(text, mark.index)
        if alias is not None:
            problem = f"{problem} {alias[1]!r}"
    return f"invalid YAML: {problem}"


class _Builder:
    def __init__(self) -> None:
        self.lines: dict[FieldPath, int] = {}
        self.problems: list[YamlProblem] = []
        self._constructor = SafeConstructor()
        self._count = 0
        # Nodes being built right now: meeting one again means an alias refers to itself.
        self._open: set[int] = set()

    def build(self, node: Node, path: FieldPath) -> object:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        self._count += 1
        if self._count > MAX_NODES:
            raise _Abort(
                self._at_top(
                    path, f"document has more than {MAX_NODES} values once aliases are expanded"
                )
            )
        if len(path) > MAX_DEPTH:
            raise _Abort(YamlProblem(line, path, f"nested deeper than {MAX_DEPTH} levels"))
        if id(node) in self._open:
            raise _Abort(YamlProblem(line, path, "an alias refers to its own anchor"))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._open.add(id(node))
        try:
            if isinstance(node, SequenceNode) and node.tag == _SEQUENCE_TAG:
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode) and node.tag == _MAPPING_TAG:
                return self._mapping(node, path)
            self._reject_tag(node, path)
            return None
        finally:
            self._open.discard(id(node))

    def _at_top(self, path: FieldPath, message: str) -> YamlProblem:
        # Deep inside an alias expansion the current line points at some anchor, which says
        # little; the top-level field being expanded is where the author should look.
        top = path[:1]
        return YamlProblem(self.lines.get(top), top, message)

    def _scalar(self, node: ScalarNode, path: FieldPath) -> object:
        if node.tag not in _SCALAR_TAGS:
            self._reject_tag(node, path)
            return None
        if node.tag == _INT_TAG and not node.style and _LEADING_ZERO.fullmatch(node.value):
            return node.value
        try:
            return self._constructor.yaml_constructors[node.tag](self._constructor, node)
        except ValueError as exc:
            # The resolver only looks at the shape: 2025-13-01 is a "timestamp" that fails here.
            self.problems.append(
                YamlProblem(node.start_mark.line + 1, path, f"invalid value {node.value!r}: {exc}")
            )
            return None

    def _reject_tag(self, node: Node, path: FieldPath) -> None:
        self.problems.append(
            YamlProblem(
                node.start_mark.line + 1,
                path,
                f"YAML tag {node.tag.replace(_TAG, '!!')!r} is not allowed; only plain text, "
                "numbers, booleans, dates, lists and mappings are",
            )
        )

    def _mapping(self, node: MappingNode, path: FieldPath) -> dict[str, object]:
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STRING_TAG):
                self.problems.append(YamlProblem(key_line, path, self._bad_key(key_node)))
                continue
            key: str = key_node.value
            child = (*path, key)
            if key in result:
                self.problems.append(
                    YamlProblem(
                        key_line,
                        child,
                        f"duplicate key {key!r} (first on line {self.lines[child]}); "
                        "the second value is ignored",
                    )
                )
                continue
            self.lines[child] = key_line
            result[key] = self.build(value_node, child)
        return result

    @staticmethod
    def _bad_key(key_node: Node) -> str:
        if key_node.tag == _TAG + "merge":
            return "merge keys ('<<') are not supported; repeat the fields instead"
        if isinstance(key_node, ScalarNode):
            # YAML 1.1 reads yes/no/on/off and numbers as non-strings: a classic surprise.
            return f"key {key_node.value!r} is not read as text; put it in quotes"
        return "mapping keys must be plain text"
