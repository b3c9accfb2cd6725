"""Load a spec file: YAML text in, plain data plus the source location of every value out.

This is the only module that touches YAML. It turns the file into plain Python data (dicts,
lists, str, int, float, bool, None; CloudFormation short-form tags become their long-form dicts)
and records, for every path in that data, where its key and value were written, so later phases
can point at the exact line and column of a problem.

It reads YAML 1.2 core-schema scalars (so `on`, `yes` and dates stay strings) and refuses, with a
located diagnostic, anything a spec file has no business holding: duplicate keys, merge keys,
non-string keys, unknown tags, alias bombs, absurd nesting, huge files, bad encodings.

PyYAML's pure-Python stages do the scanning and parsing; composing nodes is done here (with the
limits built in, so they act before anything is expanded), and the node graph is walked here to
build the data; PyYAML's constructors are never used, so no tag can run code.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from yaml.composer import Composer
from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner
from yaml.tokens import TagToken

from pipegen.errors import Diagnostic, Span, SpecError, diag

MAX_BYTES = 1_048_576  # a pipeline spec is a few KiB; 1 MiB is far past any real one
MAX_DEPTH = 64  # nesting levels, counting the root; real specs nest about 6 deep
MAX_ALIAS_NODES = 10_000  # nodes all aliases together may stand for (billion-laughs guard)

_CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP = _CORE + "seq", _CORE + "map"

# The standard tags a spec may write explicitly (`!!str 123`), with the node kind each fits.
_STANDARD_TAGS = {STR: "scalar", INT: "scalar", FLOAT: "scalar", BOOL: "scalar",
                  NULL: "scalar", SEQ: "sequence", MAP: "mapping"}

# CloudFormation short-form tag -> the key of its long form.
INTRINSICS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "GetAtt", "Sub", "ImportValue", "Join", "Select", "Split", "FindInMap", "If",
        "Equals", "And", "Or", "Not", "Base64", "Cidr", "GetAZs")},
}

_TAG_HINT = ("use a plain value or a CloudFormation intrinsic: " + ", ".join(INTRINSICS)
             + " (the standard !!str, !!int, !!float, !!bool, !!null, !!seq, !!map also work)")


@dataclass
class Loaded:
    """A loaded spec: its data and where each part of it was written."""

    file: str  # the filename as given (used in Spans)
    data: dict  # plain data; intrinsics as their long-form dicts
    lines: list[str]  # the source split at the line breaks YAML counts: any mark's line indexes it
    values: dict[tuple, Span]  # path -> span of the value node at that path; () is the root
    keys: dict[tuple, Span]  # path -> span of the key of the mapping entry at that path

    def span(self, path) -> Span:
        """The span of the value at path, or of the nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.values:
            path = path[:-1]
        return self.values[path]  # the root, (), is always there

    def key_span(self, path) -> Span:
        """The span of the key at path if it has one, else the span of its value."""
        path = tuple(path)
        return self.keys.get(path) or self.span(path)


def read_bounded(path: str | os.PathLike, limit: int = MAX_BYTES + 1) -> tuple[bytes, int]:
    """(at most `limit` bytes of a regular file, its size); OSError otherwise.

    A FIFO would block the open and a device (/dev/zero) never ends: only regular files are
    read. The file is opened without blocking and checked again once open, so a path swapped
    for a FIFO between the two checks cannot hang the run.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(0, "not a regular file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        return f.read(limit), info.st_size


def load_file(path: str | os.PathLike) -> Loaded:
    """Read and load a spec file; PG101 if it cannot be read."""
    filename = str(os.fspath(path))
    try:
        # Never read more than one byte past the limit (a 400 MB file costs 1 MiB, not 3 GB).
        data, size = read_bounded(path)
    except OSError as e:
        reason = _sentence(e.strerror or str(e))
        raise SpecError(diag("PG101", f"cannot read {filename}: {reason}", Span(filename, 1, 1),
                             hint="check the path; pipegen reads regular files only")) from None
    if len(data) > MAX_BYTES:
        raise _too_large(filename, size if size > MAX_BYTES else None)
    return load_text(data, filename)


def load_text(text: bytes | str, filename: str) -> Loaded:
    """Load spec text; raises SpecError (never anything else) on any problem."""
    source = _decode(text, filename)
    _check_characters(source, filename)
    lines = _LINE_BREAK.split(source)
    root = _compose(source, filename)
    _check_root(root, filename)
    builder = _Builder(filename)
    data = builder.node(root, ())
    if builder.problems:
        raise SpecError(builder.problems)
    return Loaded(filename, data, lines, builder.values, builder.keys)


# --- text: size, encoding, characters

# The line breaks PyYAML counts when it numbers lines (its Reader.forward); splitting the same way
# keeps `lines` in step with every mark.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# The characters YAML allows in a stream (PyYAML's Reader.NON_PRINTABLE is the complement).
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_BOM = "\ufeff"


def _decode(text: bytes | str, filename: str) -> str:
    """Size check, UTF-8 decode (PG107 at the first bad byte) and strip a leading BOM."""
    if isinstance(text, str):
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_BYTES:
            raise _too_large(filename, size)
        return text[1:] if text.startswith(_BOM) else text
    if len(text) > MAX_BYTES:
        raise _too_large(filename, len(text))
    if text.startswith(_BOM.encode("utf-8")):
        text = text[3:]
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as e:
        # Everything before e.start decoded cleanly, so it gives the character position.
        line, col = _position(text[:e.start].decode("utf-8"), e.start)
        message = f"the file is not valid UTF-8 (byte 0x{text[e.start]:02x})"
        raise SpecError(diag("PG107", message, Span(filename, line, col),
                             hint="save the file as UTF-8")) from None


def _too_large(filename: str, size: int | None) -> SpecError:
    got = f"{size:,} bytes" if size is not None else f"more than {MAX_BYTES:,} bytes"
    message = f"the file is {got}; pipegen reads spec files of at most {MAX_BYTES:,} bytes"
    return SpecError(diag("PG111", message, Span(filename, 1, 1),
                          hint="split the pipeline; a spec this large is not one pipeline"))


def _check_characters(source: str, filename: str) -> None:
    """PG102 at the first character YAML forbids (NUL, controls, surrogates, a stray BOM).

    PyYAML's Reader would refuse these too, but with a character index instead of a line.
    """
    bad = _FORBIDDEN.search(source)
    bom = source.find(_BOM)
    if bad is None and bom < 0:
        return
    index = bad.start() if bad is not None and (bom < 0 or bad.start() < bom) else bom
    char = source[index]
    if char == _BOM:
        # YAML 1.2 allows a byte order mark only at the start of the stream.
        message = "a byte order mark (U+FEFF) is allowed only at the start of the file"
    else:
        name = " (NUL)" if char == "\0" else ""
        message = f"character U+{ord(char):04X}{name} is not allowed in YAML"
    line, col = _position(source[:index], index)
    raise SpecError(diag("PG102", message, Span(filename, line, col),
                         hint="remove the character, or write it as an escape in a "
                              "double-quoted string"))


def _position(before: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character that follows the text `before`."""
    breaks = list(_LINE_BREAK.finditer(before))
    if not breaks:
        return 1, len(before) + 1
    return len(breaks) + 1, len(before) - breaks[-1].end() + 1


def _sentence(text: str) -> str:
    """A message fragment as pipegen writes them: lower-case start, no trailing period."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


# --- composing: PyYAML's scanner and parser, pipegen's composer


class _AliasNode:
    """A use of an anchored node (`*name`), kept apart from the node so its own place is known."""

    __slots__ = ("anchor", "end_mark", "start_mark", "target")

    def __init__(self, anchor: str, target: Node, start_mark: Mark, end_mark: Mark):
        self.anchor = anchor
        self.target = target
        self.start_mark = start_mark
        self.end_mark = end_mark


class _SpecLoader(Reader, Scanner, Parser, Composer, BaseResolver):
    """PyYAML's pure-Python reader, scanner and parser, with a composer that enforces the limits.

    BaseResolver, not Resolver: Resolver carries YAML 1.1's implicit types (yes/no booleans,
    sexagesimals, timestamps, merge keys); this class registers the 1.2 core schema instead.

    Every composed node gets `pg_size` (nodes in it once aliases are expanded) and `pg_height`
    (levels in it), so an alias's cost is known, memoised, the moment it is used.
    """

    def __init__(self, source: str, filename: str):
        Reader.__init__(self, source)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.filename = filename
        self.problems: list[Diagnostic] = []  # tag problems; composing goes on past them
        self._depth = 0  # levels above the node being composed
        self._alias_nodes = 0  # running total of nodes the aliases so far stand for
        self._open: set[int] = set()  # ids of anchored nodes still being composed
        self._tag_token: TagToken | None = None

    # The parser folds a node's tag into its event and forgets where the tag was written; note
    # the tag token as the parser takes it so PG104 can point at the tag itself.

    def get_token(self):
        token = super().get_token()
        if isinstance(token, TagToken):
            self._tag_token = token
        return token

    def parse_node(self, block=False, indentless_sequence=False):
        self._tag_token = None
        event = super().parse_node(block, indentless_sequence)
        token = self._tag_token
        event.pg_tag_span = self._span(token.start_mark, token.end_mark) if token else None
        return event

    # Composing.

    def compose_spec(self) -> Node | None:
        """The root node of the only document, or None if the stream holds no document."""
        self.get_event()  # stream start
        if self.check_event(StreamEndEvent):
            return None
        self.get_event()  # document start
        root = self.compose_node(None, None)
        self.get_event()  # document end
        if not self.check_event(StreamEndEvent):
            event = self.peek_event()
            self._fail("PG102", "a spec file holds one YAML document",
                       self._span(event.start_mark, event.end_mark),
                       hint="remove the second document, or split it into its own file")
        return root

    def compose_node(self, parent, index):
        # Overridden whole: this is where aliases and depth are seen, before anything recurses.
        if self.check_event(AliasEvent):
            return self._compose_alias(self.get_event())
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            # Raise before recursing: PyYAML's composing recursion would otherwise follow the
            # document's nesting into a RecursionError.
            self._fail("PG110", f"the document nests deeper than {MAX_DEPTH} levels",
                       self._span(event.start_mark, event.end_mark),
                       hint="flatten the structure")
        self._check_tag(event)
        self._depth += 1
        if isinstance(event, ScalarEvent):
            node = self.compose_scalar_node(event.anchor)
        elif isinstance(event, SequenceStartEvent):
            node = self.compose_sequence_node(event.anchor)
        else:
            node = self.compose_mapping_node(event.anchor)
        self._depth -= 1
        self._open.discard(id(node))
        return node

    def compose_scalar_node(self, anchor):
        event = self.get_event()
        if event.tag is None:
            tag = self.resolve(ScalarNode, event.value, event.implicit)
        elif event.tag == "!":
            tag = STR  # the non-specific tag on a scalar means string (YAML 1.2, 6.9.1)
        else:
            tag = event.tag
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        self._begin(node, event, anchor)
        node.pg_size, node.pg_height = 1, 1
        return node

    def compose_sequence_node(self, anchor):
        start = self.get_event()
        node = SequenceNode(self._collection_tag(start, SEQ), [], start.start_mark, None,
                            flow_style=start.flow_style)
        self._begin(node, start, anchor)
        while not self.check_event(SequenceEndEvent):
            node.value.append(self.compose_node(node, len(node.value)))
        node.end_mark = self.get_event().end_mark
        self._measure(node, node.value)
        return node

    def compose_mapping_node(self, anchor):
        start = self.get_event()
        node = MappingNode(self._collection_tag(start, MAP), [], start.start_mark, None,
                           flow_style=start.flow_style)
        self._begin(node, start, anchor)
        while not self.check_event(MappingEndEvent):
            key = self.compose_node(node, None)
            value = self.compose_node(node, key)
            node.value.append((key, value))
        node.end_mark = self.get_event().end_mark
        self._measure(node, [part for pair in node.value for part in pair])
        return node

    def _compose_alias(self, event: AliasEvent) -> _AliasNode:
        span = self._span(event.start_mark, event.end_mark)
        name = event.anchor
        target = self.anchors.get(name)
        if target is None:
            self._fail("PG102", f"alias *{name} names no anchor", span,
                       hint=f"define &{name} before the alias that uses it")
        if id(target) in self._open:
            self._fail("PG109", f"alias *{name} is used inside the node it names, so it "
                       "would expand without end", span, hint="write the value out")
        if self._depth + target.pg_height > MAX_DEPTH:
            self._fail("PG110", f"alias *{name} nests the document deeper than {MAX_DEPTH} "
                       "levels", span, hint="flatten the structure")
        # Count what the alias stands for now, before anything expands it: a billion-laughs
        # document stops here after a few thousand nodes instead of building billions.
        self._alias_nodes += target.pg_size
        if self._alias_nodes > MAX_ALIAS_NODES:
            self._fail("PG109", f"alias *{name} stands for {target.pg_size:,} nodes, taking "
                       f"the file's aliases past {MAX_ALIAS_NODES:,} nodes", span,
                       hint="write the values out, or use fewer aliases")
        return _AliasNode(name, target, event.start_mark, event.end_mark)

    def _begin(self, node: Node, event, anchor: str | None) -> None:
        """Keep the tag's place on the node and register its anchor, open until composed."""
        node.pg_tag_span = getattr(event, "pg_tag_span", None)
        if anchor is not None:
            # A later anchor of the same name replaces the earlier one (YAML 1.2, 3.2.2.2).
            self.anchors[anchor] = node
            self._open.add(id(node))

    @staticmethod
    def _collection_tag(event, default: str) -> str:
        return default if event.tag in (None, "!") else event.tag

    @staticmethod
    def _measure(node: Node, children: list) -> None:
        parts = [c.target if isinstance(c, _AliasNode) else c for c in children]
        node.pg_size = 1 + sum(p.pg_size for p in parts)
        node.pg_height = 1 + max((p.pg_height for p in parts), default=0)

    def _check_tag(self, event) -> None:
        """PG104 for a tag that is neither a CloudFormation intrinsic nor a fitting core tag."""
        tag = event.tag
        if tag is None or tag == "!" or tag in INTRINSICS:
            return
        kind = ("scalar" if isinstance(event, ScalarEvent)
                else "sequence" if isinstance(event, SequenceStartEvent) else "mapping")
        fits = _STANDARD_TAGS.get(tag)
        if fits == kind:
            return
        span = event.pg_tag_span or self._span(event.start_mark, event.end_mark)
        if fits is None:
            message = f"unsupported tag {_show_tag(tag)}"
        else:
            message = f"tag {_show_tag(tag)} cannot be used on a {_KIND_WORDS[kind]}"
        self.problems.append(diag("PG104", message, span, hint=_TAG_HINT))

    def _span(self, start: Mark, end: Mark | None) -> Span:
        return _mark_span(self.filename, start, end)

    def _fail(self, code: str, message: str, span: Span, hint: str | None = None):
        raise SpecError([*self.problems, diag(code, message, span, hint=hint)])


_KIND_WORDS = {"scalar": "scalar", "sequence": "list", "mapping": "mapping"}


def _show_tag(tag: str) -> str:
    """A tag as a user would write it: '!!binary' rather than 'tag:yaml.org,2002:binary'."""
    if tag.startswith(_CORE):
        return "!!" + tag[len(_CORE):]
    return tag if tag.startswith("!") else f"!<{tag}>"


def _clip(text: str, limit: int = 40) -> str:
    """Text short enough to quote in a message."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _mark_span(filename: str, start: Mark, end: Mark | None = None) -> Span:
    if end is None:
        return Span(filename, start.line + 1, start.column + 1)
    return Span(filename, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _compose(source: str, filename: str) -> Node | None:
    """The root node, with PyYAML's scanner and parser errors turned into located diagnostics."""
    loader = _SpecLoader(source, filename)
    try:
        root = loader.compose_spec()
    except MarkedYAMLError as e:
        raise SpecError([*loader.problems, _syntax_error(e, source, filename)]) from None
    except YAMLError as e:  # unmarked; the text checks above should leave none
        raise SpecError([*loader.problems, diag("PG102", _sentence(str(e)),
                                                Span(filename, 1, 1))]) from None
    if loader.problems:
        raise SpecError(loader.problems)
    return root


def _syntax_error(e: MarkedYAMLError, source: str, filename: str) -> Diagnostic:
    mark = e.problem_mark or e.context_mark
    if mark is None:
        return diag("PG102", _sentence(e.problem or e.context or "invalid YAML"),
                    Span(filename, 1, 1))
    span = _mark_span(filename, mark)
    if mark.index < len(source) and source[mark.index] == "\t":
        return _tab_error(source, mark, span)
    message = _sentence(e.problem or e.context or "invalid YAML")
    message = message.replace("'<stream end>'", "the end of the file")
    message = message.replace("end of stream", "end of the file")
    hint = None
    if "cannot start any token" in message:
        # '@', '`', '%' and friends are reserved: a plain value cannot begin with them.
        hint = "quote the value if it starts with this character"
    elif e.context and e.problem:
        hint = _sentence(e.context)
        context = e.context_mark
        if context is not None:
            hint += f" started at line {context.line + 1}, column {context.column + 1}"
    return diag("PG102", message, span, hint=hint)


def _tab_error(source: str, mark: Mark, span: Span) -> Diagnostic:
    """PyYAML refuses a tab wherever a token could start; say which mistake it is."""
    line_start = mark.index - mark.column
    if source[line_start:mark.index].strip(" \t") == "":
        return diag("PG108", "tab character used for indentation; YAML indents with spaces",
                    span, hint="replace the tabs with spaces")
    # PyYAML also refuses tabs between tokens (`key:<TAB>value`, before a comment) and at the
    # end of a plain value, all of which are legal YAML 1.2.
    return diag("PG102", "tab character outside a quoted string or block scalar; use spaces",
                span, hint="quote the value if it is meant to hold a tab")


# --- YAML 1.2 core-schema scalars (https://yaml.org/spec/1.2.2/#1032-tag-resolution)

_NULL_RE = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL_RE = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT_RE = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_FLOAT_RE = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")

# Order matters where first characters overlap: int before float, so `12` is an int.
_SpecLoader.add_implicit_resolver(NULL, _NULL_RE, ["~", "n", "N", ""])
_SpecLoader.add_implicit_resolver(BOOL, _BOOL_RE, list("tTfF"))
_SpecLoader.add_implicit_resolver(INT, _INT_RE, list("-+0123456789"))
_SpecLoader.add_implicit_resolver(FLOAT, _FLOAT_RE, list("-+0123456789."))


def _to_null(text: str) -> None:
    if not _NULL_RE.match(text):
        raise ValueError("null")


def _to_bool(text: str) -> bool:
    if not _BOOL_RE.match(text):
        raise ValueError("a boolean")
    return text.lower() == "true"


def _to_int(text: str) -> int:
    if not _INT_RE.match(text):
        raise ValueError("an integer")
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    try:
        return int(text, 10)
    except ValueError:  # Python refuses decimal strings over 4300 digits
        raise ValueError("an integer pipegen can read (it has too many digits)") from None


def _to_float(text: str) -> float:
    if _INT_RE.match(text):
        return float(_to_int(text))
    if not _FLOAT_RE.match(text):
        raise ValueError("a number")
    # Python's float() reads 'inf' and 'nan' but not with YAML's leading dot.
    special = re.match(r"([-+]?)\.([a-zA-Z]+)\Z", text)
    return float(special[1] + special[2]) if special else float(text)


_CONVERT = {STR: str, NULL: _to_null, BOOL: _to_bool, INT: _to_int, FLOAT: _to_float}


# --- building data from nodes


def _check_root(root: Node | None, filename: str) -> None:
    if root is None or (isinstance(root, ScalarNode) and root.tag == NULL):
        raise SpecError(diag("PG105", "the spec file is empty", Span(filename, 1, 1),
                             hint="write a spec; see samples/"))
    if not isinstance(root, MappingNode) or root.tag in INTRINSICS:
        message = f"the spec root is {_describe(root)}; it must be a mapping"
        raise SpecError(diag("PG106", message, _mark_span(filename, root.start_mark,
                                                          root.end_mark),
                             hint="start the file with `pipegen: 1` and write the pipeline's "
                                  "keys at the top level"))


def _describe(node: Node) -> str:
    """What a node is, for messages: 'a list', 'an integer', ..."""
    if node.tag in INTRINSICS:
        return f"an intrinsic function ({node.tag})"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return {STR: "a string", INT: "an integer", FLOAT: "a number", BOOL: "a boolean",
            NULL: "null"}[node.tag]


class _Builder:
    """Walks the composed nodes into plain data, recording a Span for every path.

    Aliases are expanded into fresh copies, so no two paths share a mutable object. The
    composer's limits bound both the copying and the recursion here.
    """

    def __init__(self, filename: str):
        self.filename = filename
        self.values: dict[tuple, Span] = {}
        self.keys: dict[tuple, Span] = {}
        self.problems: list[Diagnostic] = []  # key and value problems; the walk goes on past them

    def node(self, node: Node | _AliasNode, path: tuple):
        # An alias's own place is where the value at this path was written; the nodes inside
        # keep the places they were written at, under the anchor.
        self.values[path] = self._span(node)
        if isinstance(node, _AliasNode):
            node = node.target
        return self._content(node, path)

    def _content(self, node: Node, path: tuple):
        if node.tag in INTRINSICS:
            return self._intrinsic(node, path)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            return [self.node(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._mapping(node, path)

    def _intrinsic(self, node: Node, path: tuple) -> dict:
        """`!Sub x` -> {"Fn::Sub": "x"}: the long form CloudFormation itself would read."""
        name = INTRINSICS[node.tag]
        inner = (*path, name)
        self.values[inner] = self.values[path]
        if node.pg_tag_span is not None:
            self.keys[inner] = node.pg_tag_span  # the tag stands where the long form's key would
        if isinstance(node, ScalarNode):
            # An intrinsic's scalar argument is a name or a template: always a string.
            value = node.value.split(".", 1) if name == "Fn::GetAtt" else node.value
        elif isinstance(node, SequenceNode):
            value = [self.node(item, (*inner, i)) for i, item in enumerate(node.value)]
        else:
            value = self._mapping(node, inner)
        return {name: value}

    def _scalar(self, node: ScalarNode, path: tuple):
        try:
            return _CONVERT[node.tag](node.value)
        except ValueError as e:
            message = f"{_clip(node.value)!r} is not {e.args[0]}"
            if node.pg_tag_span is not None:
                message += f" (tag {_show_tag(node.tag)})"
            self._problem("PG102", message, node, path, hint="fix the value, or remove the tag")
            return None

    def _mapping(self, node: MappingNode, path: tuple) -> dict:
        out: dict = {}
        first: dict[str, Span] = {}  # key -> where it was first written
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            key_span = self._span(key_node)
            if key in first:
                self._duplicate(key, key_span, first[key], path)
                continue
            first[key] = key_span
            self.keys[(*path, key)] = key_span
            out[key] = self.node(value_node, (*path, key))
        return out

    def _key(self, key_node: Node | _AliasNode, path: tuple) -> str | None:
        """The key as a string, or None after recording why it cannot be one."""
        node = key_node.target if isinstance(key_node, _AliasNode) else key_node
        if isinstance(node, ScalarNode) and node.style is None and node.value == "<<":
            # Not a merge in YAML 1.2, but a reader used to 1.1 would think it was one.
            self._problem("PG112", "merge keys (<<) are not supported", key_node, path,
                          hint="write the keys out")
            return None
        if isinstance(node, ScalarNode) and node.tag == STR:
            return node.value
        shown, what = "", _describe(node)
        if isinstance(node, ScalarNode) and node.tag not in INTRINSICS:
            if node.value:
                shown = _clip(node.value) + " "
            else:
                what = "empty (null)"
        self._problem("PG113", f"key {shown}is {what}; mapping keys must be strings", key_node,
                      path, hint="quote the key" if shown else "use a string key")
        return None

    def _duplicate(self, key: str, span: Span, first: Span, path: tuple) -> None:
        message = f"duplicate key {_clip(key)!r} (first defined at line {first.line})"
        self.problems.append(diag("PG103", message, span, (*path, key),
                                  hint="YAML would keep only the last value; remove one of "
                                       "the two keys", related=(first,)))

    def _problem(self, code: str, message: str, node, path: tuple, hint: str) -> None:
        self.problems.append(diag(code, message, self._span(node), path, hint=hint))

    def _span(self, node: Node | _AliasNode) -> Span:
        return _mark_span(self.filename, node.start_mark, node.end_mark)
