"""The loader: YAML text to plain data with locations, and a located PG1xx for every bad input."""

from __future__ import annotations

import math
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipegen import loader
from pipegen.errors import Span, SpecError
from pipegen.loader import MAX_ALIAS_NODES, MAX_BYTES, MAX_DEPTH, load_file, load_text

FILE = "spec.yaml"


def load(text: str | bytes):
    return load_text(text, FILE)


def fail(text: str | bytes):
    """The diagnostics loading text raises; each must be located in FILE."""
    with pytest.raises(SpecError) as info:
        load_text(text, FILE)
    diagnostics = info.value.diagnostics
    assert diagnostics
    for d in diagnostics:
        assert d.span is not None and d.span.file == FILE
    return diagnostics


def one(text: str | bytes):
    """The single diagnostic loading text raises."""
    diagnostics = fail(text)
    assert len(diagnostics) == 1, [d.message for d in diagnostics]
    return diagnostics[0]


def at(d) -> tuple[int, int]:
    return d.span.line, d.span.col


# --- data


@pytest.mark.parametrize("text", ["on", "off", "yes", "no", "y", "n", "Yes", "ON", "2024-01-01",
                                  "2024-01-01T10:00:00Z", "1_000", "0b101", "12:30:00", "0O17",
                                  "+0x1F", "nul", "true!", ".Nan", "1e", "0x", "<<x"])
def test_yaml_1_1_forms_are_strings(text):
    assert load(f"v: {text}\n").data == {"v": text}


@pytest.mark.parametrize(("text", "value"), [
    ("true", True), ("True", True), ("TRUE", True),
    ("false", False), ("False", False), ("FALSE", False),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
    ("0", 0), ("12", 12), ("-3", -3), ("+4", 4), ("012", 12), ("0o17", 15), ("0x1F", 31),
    ("1.5", 1.5), ("-1.5", -1.5), ("1.", 1.0), (".5", 0.5), ("1e3", 1000.0), ("2.5E-1", 0.25),
    (".inf", math.inf), ("+.Inf", math.inf), ("-.INF", -math.inf),
    ("'true'", "true"), ('"12"', "12"), ("''", ""), ("'null'", "null"),
    ("!!str 12", "12"), ("!!str true", "true"), ("!!float 3", 3.0), ("!!int '0x10'", 16),
    ("!!bool 'false'", False), ("!!null ''", None), ("! 12", "12"),
    ("!<tag:yaml.org,2002:str> 1", "1"),
])
def test_core_schema_scalars(text, value):
    got = load(f"v: {text}\n").data["v"]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_nan(text):
    assert math.isnan(load(f"v: {text}\n").data["v"])


def test_collections_and_block_scalars():
    text = ("pipegen: 1\n"
            "stages:\n"
            "  - name: Build\n"
            "    actions: [{name: a, env: {K: v}}, {name: b}]\n"
            "script: |\n"
            "  echo hi\n"
            "  \techo tab\n"
            "quoted: 'a\tb'\n"
            "'': empty key\n")
    assert load(text).data == {
        "pipegen": 1,
        "stages": [{"name": "Build",
                    "actions": [{"name": "a", "env": {"K": "v"}}, {"name": "b"}]}],
        "script": "echo hi\n\techo tab\n",
        "quoted": "a\tb",
        "": "empty key",
    }


@pytest.mark.parametrize(("tag", "key"), [
    ("Sub", "Fn::Sub"), ("ImportValue", "Fn::ImportValue"), ("Base64", "Fn::Base64"),
    ("GetAZs", "Fn::GetAZs"), ("Join", "Fn::Join"), ("Select", "Fn::Select"),
    ("Split", "Fn::Split"), ("FindInMap", "Fn::FindInMap"), ("If", "Fn::If"),
    ("Equals", "Fn::Equals"), ("And", "Fn::And"), ("Or", "Fn::Or"), ("Not", "Fn::Not"),
    ("Cidr", "Fn::Cidr"), ("Ref", "Ref"), ("Condition", "Condition"),
])
def test_intrinsic_short_forms(tag, key):
    data = load(f"s: !{tag} x\nq: !{tag} [a, 1]\nm: !{tag} {{k: v}}\n").data
    assert data == {"s": {key: "x"}, "q": {key: ["a", 1]}, "m": {key: {"k": "v"}}}


def test_intrinsic_scalar_argument_is_a_string():
    assert load("a: !Ref 123\nb: !Sub true\nc: !GetAZs ''\n").data == {
        "a": {"Ref": "123"}, "b": {"Fn::Sub": "true"}, "c": {"Fn::GetAZs": ""}}


def test_getatt_forms():
    data = load("a: !GetAtt Role.Arn\nb: !GetAtt Bucket.Outputs.Name\nc: !GetAtt [Role, Arn]\n"
                "d: !GetAtt\n  - Role\n  - Arn\n").data
    assert data == {"a": {"Fn::GetAtt": ["Role", "Arn"]},
                    "b": {"Fn::GetAtt": ["Bucket", "Outputs.Name"]},
                    "c": {"Fn::GetAtt": ["Role", "Arn"]},
                    "d": {"Fn::GetAtt": ["Role", "Arn"]}}


def test_nested_intrinsics():
    text = ("url: !Sub\n"
            "  - 'https://${Host}/${Path}'\n"
            "  - Host: !GetAtt Site.DomainName\n"
            "    Path: !Join ['/', [!Ref Prefix, !Select [0, !Split [',', !ImportValue L]]]]\n"
            "when: !If [IsProd, !Not [!Equals [!Ref Env, dev]], !Ref 'AWS::NoValue']\n"
            "cidr: !Cidr [!Select [0, !GetAZs ''], 6, 5]\n"
            "both: !And [!Condition A, !Or [!Condition B, !Condition C]]\n"
            "map: !FindInMap [M, !Ref 'AWS::Region', K]\n"
            "b64: !Base64 {'Fn::Sub': x}\n")
    assert load(text).data == {
        "url": {"Fn::Sub": ["https://${Host}/${Path}", {
            "Host": {"Fn::GetAtt": ["Site", "DomainName"]},
            "Path": {"Fn::Join": ["/", [{"Ref": "Prefix"}, {"Fn::Select": [
                0, {"Fn::Split": [",", {"Fn::ImportValue": "L"}]}]}]]},
        }]},
        "when": {"Fn::If": ["IsProd", {"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "dev"]}]},
                            {"Ref": "AWS::NoValue"}]},
        "cidr": {"Fn::Cidr": [{"Fn::Select": [0, {"Fn::GetAZs": ""}]}, 6, 5]},
        "both": {"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Condition": "B"},
                                                             {"Condition": "C"}]}]},
        "map": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "K"]},
        "b64": {"Fn::Base64": {"Fn::Sub": "x"}},
    }


def test_anchors_and_aliases_expand_to_independent_copies():
    loaded = load("base: &env {A: '1', B: [x, y]}\none: *env\ntwo: {env: *env, tag: &t !Ref T}\n"
                  "three: *t\n")
    assert loaded.data == {"base": {"A": "1", "B": ["x", "y"]},
                           "one": {"A": "1", "B": ["x", "y"]},
                           "two": {"env": {"A": "1", "B": ["x", "y"]}, "tag": {"Ref": "T"}},
                           "three": {"Ref": "T"}}
    loaded.data["one"]["B"].append("z")
    assert loaded.data["base"]["B"] == ["x", "y"]
    assert loaded.data["two"]["env"]["B"] == ["x", "y"]


def test_an_anchor_may_be_redefined_and_aliases_take_the_latest():
    assert load("a: &x 1\nb: &x 2\nc: *x\n").data == {"a": 1, "b": 2, "c": 2}


def test_an_alias_may_be_a_string_key():
    assert load("k: &name build\n*name : 1\n").data == {"k": "build", "build": 1}


def test_quoted_merge_key_is_an_ordinary_key():
    assert load("'<<': x\n").data == {"<<": "x"}


def test_bom_is_stripped_from_bytes_and_text():
    for text in (b"\xef\xbb\xbfa: 1\n", "\ufeffa: 1\n"):
        loaded = load(text)
        assert loaded.data == {"a": 1}
        assert loaded.span(("a",)) == Span(FILE, 1, 4, 1, 5)
        assert loaded.lines == ["a: 1", ""]


def test_line_endings_and_lines():
    loaded = load("a: 1\r\nb:\r\n  - x\rc: 2\n")
    assert loaded.data == {"a": 1, "b": ["x"], "c": 2}
    assert loaded.lines == ["a: 1", "b:", "  - x", "c: 2", ""]
    assert loaded.span(("c",)) == Span(FILE, 4, 4, 4, 5)


def test_explicit_document_markers_are_fine():
    assert load("%YAML 1.2\n---\na: 1\n...\n").data == {"a": 1}


# --- locations

SPANS = """\
pipegen: 1
stages:
  - name: Build
    actions:
      - {name: Compile, role: !GetAtt Role.Arn}
defaults: &d
  timeout: 5
copy: *d
"""


def test_value_and_key_spans():
    loaded = load(SPANS)
    assert loaded.file == FILE
    assert loaded.values[()] == Span(FILE, 1, 1, 9, 1)
    assert loaded.values[("pipegen",)] == Span(FILE, 1, 10, 1, 11)
    assert loaded.keys[("pipegen",)] == Span(FILE, 1, 1, 1, 8)
    assert loaded.values[("stages", 0, "name")] == Span(FILE, 3, 11, 3, 16)
    assert loaded.keys[("stages", 0, "name")] == Span(FILE, 3, 5, 3, 9)
    assert loaded.values[("stages", 0, "actions", 0)] == Span(FILE, 5, 9, 5, 48)
    assert loaded.values[("stages", 0, "actions", 0, "name")] == Span(FILE, 5, 16, 5, 23)
    # The long form's key stands where the tag was written.
    role = ("stages", 0, "actions", 0, "role", "Fn::GetAtt")
    assert loaded.values[role] == Span(FILE, 5, 31, 5, 47)
    assert loaded.keys[role] == Span(FILE, 5, 31, 5, 38)


def test_alias_spans_point_at_the_alias_and_contents_at_the_anchor():
    loaded = load(SPANS)
    assert loaded.values[("copy",)] == Span(FILE, 8, 7, 8, 9)
    assert loaded.values[("copy", "timeout")] == Span(FILE, 7, 12, 7, 13)
    assert loaded.keys[("copy", "timeout")] == Span(FILE, 7, 3, 7, 10)


def test_span_falls_back_to_the_nearest_ancestor():
    loaded = load(SPANS)
    role = ("stages", 0, "actions", 0, "role", "Fn::GetAtt")
    assert loaded.span((*role, 1)) == loaded.values[role]  # split from one scalar
    assert loaded.span(("stages", 0, "missing", 3)) == loaded.values[("stages", 0)]
    assert loaded.span(["stages", 0, "name"]) == Span(FILE, 3, 11, 3, 16)
    assert loaded.key_span(("stages", 0, "name")) == Span(FILE, 3, 5, 3, 9)
    assert loaded.key_span(("stages", 0)) == loaded.values[("stages", 0)]
    assert loaded.span(()) == loaded.values[()]


def test_every_path_in_the_data_has_a_value_span():
    loaded = load(SPANS)

    def paths(value, path=()):
        yield path
        items = value.items() if isinstance(value, dict) else (
            enumerate(value) if isinstance(value, list) else ())
        for k, v in items:
            yield from paths(v, (*path, k))

    role = ("stages", 0, "actions", 0, "role", "Fn::GetAtt")
    for path in paths(loaded.data):
        assert path in loaded.values or path[:-1] == role


def test_load_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"a: 1\n")
    loaded = load_file(path)
    assert loaded.data == {"a": 1}
    assert loaded.file == str(path)
    assert loaded.span(("a",)).file == str(path)


# --- errors: reading, size, encoding, characters


def test_pg101_missing_file(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(SpecError) as info:
        load_file(path)
    (d,) = info.value.diagnostics
    assert d.code == "PG101"
    assert d.message == f"cannot read {path}: no such file or directory"
    assert d.span == Span(str(path), 1, 1)


def test_pg101_directory(tmp_path):
    with pytest.raises(SpecError) as info:
        load_file(tmp_path)
    assert [d.code for d in info.value.diagnostics] == ["PG101"]


def test_pg111_large_text():
    d = one("a: 1\n" + "#" * MAX_BYTES)
    assert d.code == "PG111"
    assert d.message == ("the file is 1,048,581 bytes; pipegen reads spec files of at most "
                         "1,048,576 bytes")
    assert at(d) == (1, 1)


def test_pg111_counts_bytes_not_characters():
    d = one("a: " + "é" * (MAX_BYTES // 2))
    assert d.code == "PG111"


def test_file_of_exactly_the_limit_loads():
    assert load("a: 1\n" + "#" * (MAX_BYTES - 5)).data == {"a": 1}


def test_pg111_large_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * (2 * MAX_BYTES))
    with pytest.raises(SpecError) as info:
        load_file(path)
    (d,) = info.value.diagnostics
    assert d.code == "PG111"
    assert d.message == ("the file is 2,097,157 bytes; pipegen reads spec files of at most "
                         "1,048,576 bytes")
    assert d.span == Span(str(path), 1, 1)


def test_pg107_invalid_utf8_at_the_bad_byte():
    d = one(b"a: 1\nb: caf\xc3\xa9 \xff\n")
    assert d.code == "PG107"
    assert d.message == "the file is not valid UTF-8 (byte 0xff)"
    assert at(d) == (2, 9)  # columns count characters: 'é' is one


@pytest.mark.parametrize(("data", "where", "byte"), [
    (b"\xff\xfea\x00:\x00", (1, 1), "0xff"),  # UTF-16
    (b"a: \xe2\x82\n", (1, 4), "0xe2"),  # truncated sequence
    (b"a: 1\r\nb: \xed\xa0\x80\n", (2, 4), "0xed"),  # encoded surrogate
    (b"\xef\xbb\xbfa: \xc0\xaf\n", (1, 4), "0xc0"),  # overlong, after a BOM
])
def test_pg107_forms(data, where, byte):
    d = one(data)
    assert (d.code, d.message, at(d)) == ("PG107", f"the file is not valid UTF-8 (byte {byte})",
                                          where)


@pytest.mark.parametrize(("text", "message", "where"), [
    ("a: 1\nb: x\x00y\n", "character U+0000 (NUL) is not allowed in YAML", (2, 5)),
    ("a: \x07\n", "character U+0007 is not allowed in YAML", (1, 4)),
    ("a: '\x1b'\n", "character U+001B is not allowed in YAML", (1, 5)),
    ("a: \ud800\n", "character U+D800 is not allowed in YAML", (1, 4)),
    ("a: \uffff\n", "character U+FFFF is not allowed in YAML", (1, 4)),
    ("a: 1\nb: \ufeff\n",
     "a byte order mark (U+FEFF) is allowed only at the start of the file", (2, 4)),
])
def test_pg102_forbidden_characters(text, message, where):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG102", message, where)


# --- errors: syntax and tabs


@pytest.mark.parametrize(("text", "message", "where", "hint"), [
    ("a: [1, 2\n", "expected ',' or ']', but got the end of the file", (2, 1),
     "while parsing a flow sequence started at line 1, column 4"),
    ("a: b: c\n", "mapping values are not allowed here", (1, 5), None),
    ("a: 'x\n", "found unexpected end of the file", (2, 1),
     "while scanning a quoted scalar started at line 1, column 4"),
    ("a: @x\n", "found character '@' that cannot start any token", (1, 4),
     "quote the value if it starts with this character"),
    ('a: "\\q"\n', "found unknown escape character 'q'", (1, 6),
     "while scanning a double-quoted scalar started at line 1, column 4"),
    ("a: !e!x 1\n", "found undefined tag handle '!e!'", (1, 4),
     "while parsing a node started at line 1, column 4"),
])
def test_pg102_syntax_errors(text, message, where, hint):
    d = one(text)
    assert (d.code, d.message, at(d), d.hint) == ("PG102", message, where, hint)


@pytest.mark.parametrize(("text", "where"), [
    ("\tname: x\n", (1, 1)),
    ("a:\n\tb: c\n", (2, 1)),
    ("a:\n  \tb: c\n", (2, 3)),
    ("a:\n  - b\n\t- c\n", (3, 1)),
    ("a: |\n\tx\n", (2, 1)),
])
def test_pg108_tab_indentation(text, where):
    d = one(text)
    assert d.code == "PG108"
    assert d.message == "tab character used for indentation; YAML indents with spaces"
    assert at(d) == where


def test_tab_between_tokens_is_a_located_pg102():
    d = one("a:\tb\n")
    assert (d.code, at(d)) == ("PG102", (1, 3))
    assert d.message == "tab character outside a quoted string or block scalar; use spaces"


def test_tabs_inside_values_stay_legal():
    assert load("a: 'x\ty'\nb: \"\t\"\nc: |\n  \tindented by a tab\n").data == {
        "a": "x\ty", "b": "\t", "c": "\tindented by a tab\n"}


# --- errors: documents and the root


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n\n# another\n", "null\n",
                                  "~\n", "---\n", "--- \n...\n", "!!null ''\n", b"\xef\xbb\xbf"])
def test_pg105_empty(text):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG105", "the spec file is empty", (1, 1))


def test_pg102_more_than_one_document():
    d = one("a: 1\n---\nb: 2\n")
    assert (d.code, d.message, at(d)) == ("PG102", "a spec file holds one YAML document", (2, 1))


@pytest.mark.parametrize(("text", "what", "end"), [
    ("- name: x\n", "a list", (2, 1)),
    ("hello\n", "a string", (1, 6)),
    ("12\n", "an integer", (1, 3)),
    ("true\n", "a boolean", (1, 5)),
    ("[a, b]\n", "a list", (1, 7)),
    ("!Ref Pipeline\n", "an intrinsic function (!Ref)", (1, 14)),
])
def test_pg106_root_not_a_mapping(text, what, end):
    d = one(text)
    assert d.code == "PG106"
    assert d.message == f"the spec root is {what}; it must be a mapping"
    assert d.span == Span(FILE, 1, 1, *end)


# --- errors: keys


def test_pg103_duplicate_key_names_both_places():
    d = one("pipegen: 1\nstages:\n  - name: a\n    role: x\n    name: b\n")
    assert d.code == "PG103"
    assert d.message == "duplicate key 'name' (first defined at line 3)"
    assert d.span == Span(FILE, 5, 5, 5, 9)
    assert d.related == (Span(FILE, 3, 5, 3, 9),)
    assert d.path == ("stages", 0, "name")


def test_pg103_quoted_and_plain_spellings_are_the_same_key():
    d = one("a: 1\n\"a\": 2\n")
    assert (d.code, d.message, at(d)) == ("PG103", "duplicate key 'a' (first defined at line 1)",
                                          (2, 1))
    assert d.related == (Span(FILE, 1, 1, 1, 2),)


def test_pg103_in_flow_mapping_and_every_duplicate_reported():
    ds = fail("x: {k: 1, k: 2}\ny: 1\ny: 2\n")
    assert [(d.code, d.message, at(d)) for d in ds] == [
        ("PG103", "duplicate key 'k' (first defined at line 1)", (1, 11)),
        ("PG103", "duplicate key 'y' (first defined at line 2)", (3, 1)),
    ]


def test_pg112_merge_key():
    d = one("base: &b {a: 1}\nstage:\n  <<: *b\n  c: 2\n")
    assert (d.code, d.message, d.hint) == ("PG112", "merge keys (<<) are not supported",
                                           "write the keys out")
    assert d.span == Span(FILE, 3, 3, 3, 5)


@pytest.mark.parametrize(("text", "message", "where"), [
    ("1: x\n", "key 1 is an integer; mapping keys must be strings", (1, 1)),
    ("a: {2.5: x}\n", "key 2.5 is a number; mapping keys must be strings", (1, 5)),
    ("true: x\n", "key true is a boolean; mapping keys must be strings", (1, 1)),
    ("a: 1\n~: x\n", "key ~ is null; mapping keys must be strings", (2, 1)),
    ("? \n: x\n", "key is empty (null); mapping keys must be strings", (1, 2)),
    ("[a, b]: x\n", "key is a list; mapping keys must be strings", (1, 1)),
    ("? {a: b}\n: x\n", "key is a mapping; mapping keys must be strings", (1, 3)),
    ("!Ref K: x\n", "key is an intrinsic function (!Ref); mapping keys must be strings", (1, 1)),
    ("n: &n 3\n*n : x\n", "key 3 is an integer; mapping keys must be strings", (2, 1)),
])
def test_pg113_non_string_keys(text, message, where):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG113", message, where)


def test_string_tagged_number_key_is_fine():
    assert load("!!str 1: x\n'2': y\n").data == {"1": "x", "2": "y"}


# --- errors: tags


@pytest.mark.parametrize(("text", "tag", "where"), [
    ("a: !Foo x\n", "!Foo", (1, 4)),
    ("a: !!python/object:os.system x\n", "!!python/object:os.system", (1, 4)),
    ("a: &x !!python/name:os.system x\n", "!!python/name:os.system", (1, 7)),  # after an anchor
    ("a: !!binary aGk=\n", "!!binary", (1, 4)),
    ("a: !!set {x: null}\n", "!!set", (1, 4)),
    ("a: !!omap [x: 1]\n", "!!omap", (1, 4)),
    ("a: !!timestamp 2024-01-01\n", "!!timestamp", (1, 4)),
    ("a:\n  - !ref x\n", "!ref", (2, 5)),
    ("%TAG !e! tag:yaml.org,2002:\n---\na: !e!python/object:x y\n", "!!python/object:x", (3, 4)),
    ("a: !<tag:example.com,2000:x> y\n", "!<tag:example.com,2000:x>", (1, 4)),
])
def test_pg104_unsupported_tags(text, tag, where):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG104", f"unsupported tag {tag}", where)
    assert "!Ref" in d.hint and "!GetAtt" in d.hint and "!GetAZs" in d.hint


def test_pg104_span_covers_the_tag():
    assert one("a: !Foo x\n").span == Span(FILE, 1, 4, 1, 8)


@pytest.mark.parametrize(("text", "message"), [
    ("a: !!seq x\n", "tag !!seq cannot be used on a scalar"),
    ("a: !!str [x]\n", "tag !!str cannot be used on a list"),
    ("a: !!map [x]\n", "tag !!map cannot be used on a list"),
    ("a: !!int {x: 1}\n", "tag !!int cannot be used on a mapping"),
])
def test_pg104_standard_tag_on_the_wrong_kind(text, message):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG104", message, (1, 4))


def test_pg104_every_bad_tag_is_reported():
    ds = fail("a: !Foo x\nb:\n  - !Bar y\n")
    assert [(d.code, d.message, at(d)) for d in ds] == [
        ("PG104", "unsupported tag !Foo", (1, 4)), ("PG104", "unsupported tag !Bar", (3, 5))]


@pytest.mark.parametrize(("text", "message"), [
    ("a: !!int abc\n", "'abc' is not an integer (tag !!int)"),
    ("a: !!int 1_000\n", "'1_000' is not an integer (tag !!int)"),
    ("a: !!bool yes\n", "'yes' is not a boolean (tag !!bool)"),
    ("a: !!float x\n", "'x' is not a number (tag !!float)"),
    ("a: !!null none\n", "'none' is not null (tag !!null)"),
])
def test_pg102_value_does_not_fit_its_tag(text, message):
    d = one(text)
    assert (d.code, d.message, at(d)) == ("PG102", message, (1, 4))


def test_pg102_integer_python_cannot_read():
    d = one("a: " + "9" * 5000 + "\n")
    assert d.code == "PG102"
    assert d.message == ("'9999999999999999999999999999999999999...' is not an integer pipegen "
                         "can read (it has too many digits)")


# --- errors: aliases and nesting


def billion_laughs() -> str:
    """Nine levels, ten aliases each: *i would stand for 10**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_pg109_billion_laughs_is_refused_before_expansion():
    tracemalloc.start()
    try:
        d = one(billion_laughs())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert d.code == "PG109"
    # Totals: b's aliases stand for 110 nodes, c's for 1,110, and the 8th *c in d passes 10,000.
    assert d.message == ("alias *c stands for 1,111 nodes, taking the file's aliases past "
                         "10,000 nodes")
    assert d.span == Span(FILE, 4, 36, 4, 38)
    assert peak < 5_000_000


def test_pg109_many_small_aliases():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIAS_NODES + 1)) + "]\n"
    d = one(text)
    assert d.code == "PG109"
    assert d.message == "alias *a stands for 1 nodes, taking the file's aliases past 10,000 nodes"
    assert at(d) == (2, 5 + 4 * MAX_ALIAS_NODES)  # the last alias


def test_aliases_up_to_the_limit_are_fine():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * MAX_ALIAS_NODES) + "]\n"
    assert load(text).data["b"] == ["x"] * MAX_ALIAS_NODES


def test_pg109_alias_inside_its_own_anchor():
    d = one("a: &a\n  b: [1, *a]\n")
    assert d.code == "PG109"
    assert d.message == ("alias *a is used inside the node it names, so it would expand "
                         "without end")
    assert d.span == Span(FILE, 2, 10, 2, 12)


def test_pg102_undefined_alias():
    d = one("a: *nope\nb: &nope 1\n")
    assert (d.code, d.message, at(d)) == ("PG102", "alias *nope names no anchor", (1, 4))


def test_pg110_hundred_thousand_brackets():
    d = one("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert d.code == "PG110"
    assert d.message == "the document nests deeper than 64 levels"
    # The root mapping is level 1; the 64th '[' opens level 65.
    assert d.span == Span(FILE, 1, 3 + MAX_DEPTH, 1, 4 + MAX_DEPTH)


@pytest.mark.parametrize(("text", "where"), [
    ("[" * 100_000, (1, 65)),
    ("{a: " * 100_000, (1, 254)),  # the key inside the 64th '{' is at level 65
    ("- " * 100_000 + "x\n", (1, 129)),
    ("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 100)), (64, 64)),
])
def test_pg110_deep_nesting_of_every_kind(text, where):
    d = one(text)
    assert (d.code, at(d)) == ("PG110", where)


def test_nesting_up_to_the_limit_is_fine():
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    value = load(text).data["a"]
    for _ in range(MAX_DEPTH - 2):
        (value,) = value
    assert value == []
    assert one("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n").code == "PG110"


def test_pg110_alias_that_would_nest_too_deep():
    inner = "[" * 60 + "]" * 60
    d = one(f"a: &a {inner}\nb: " + "[" * 10 + "*a" + "]" * 10 + "\n")
    assert d.code == "PG110"
    assert d.message == "alias *a nests the document deeper than 64 levels"
    assert d.span == Span(FILE, 2, 14, 2, 16)


def test_scanner_and_parser_handle_deep_flow_nesting_without_recursion():
    # The composer stops at MAX_DEPTH, so this drives PyYAML's scanner and parser on their own,
    # far past Python's recursion limit, to show that they do not recurse per level.
    depth = 20_000
    stream = loader._SpecLoader("[\n" * depth + "]\n" * depth, FILE)
    events = 0
    while stream.get_event() is not None:
        events += 1
    assert events == 2 * depth + 4  # stream, document, the sequences, and their ends


# --- never anything but SpecError


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,? \t\n\r%@<~\x00\ufeff\xe9")),
               max_size=60))
def test_any_text_loads_or_raises_a_located_spec_error(text):
    try:
        loaded = load_text(text, FILE)
    except SpecError as e:
        assert all(d.code.startswith("PG1") and d.span.file == FILE for d in e.diagnostics)
    else:
        assert isinstance(loaded.data, dict)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_load_or_raise_a_located_spec_error(data):
    try:
        load_text(data, FILE)
    except SpecError as e:
        assert all(d.code.startswith("PG1") and d.span.file == FILE for d in e.diagnostics)
