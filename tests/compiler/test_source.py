"""Stage 1: every parse error is one located diagnostic, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mmarc.compiler.source import MappingNode, load_source, parse_text

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"


def errors(text: str, name: str = "config_train.json") -> list[tuple[str, int, int, str]]:
    _, diags = parse_text(text, Path(name))
    return [(d.code, d.line or 0, d.column or 0, d.message) for d in diags]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ('{\n  "a": 1,\n}', 2, 9, "trailing comma before '}'"),
        ('{"a": [1, 2,]}', 1, 12, "trailing comma before ']'"),
        ('{\n  "amp": ture\n}', 2, 10, "unexpected word 'ture'"),
        ('{\n  "a": {\n    "b": 1\n', 2, 8, "'{' is never closed"),
        ('{"a": 1 "b": 2}', 1, 8, "missing ','"),
        ("{'a': 1}", 1, 2, "keys must use double quotes"),
        ('{"a": 1} x', 1, 10, "unexpected content after the end"),
        ('{\n  // note\n  "a": 1}', 2, 3, "comments are not allowed"),
        ('{"a": "unterminated}', 1, 7, "string is never closed"),
        ('{"a": True}', 1, 7, "unexpected word 'True'"),
        ("", 1, 1, "the file is empty"),
    ],
)
def test_json_syntax_errors_are_located(text: str, line: int, column: int, fragment: str) -> None:
    found = errors(text)
    assert len(found) == 1
    code, got_line, got_column, message = found[0]
    assert code == "P001"
    assert (got_line, got_column) == (line, column)
    assert fragment in message


def test_json_errors_carry_a_fix() -> None:
    _, diags = parse_text('{"amp": ture}', Path("x.json"))
    assert diags[0].hint == "did you mean true?"
    _, diags = parse_text('{"a": 1,}', Path("x.json"))
    assert diags[0].hint and "remove the comma" in diags[0].hint


def test_duplicate_keys_are_errors_in_json_and_yaml() -> None:
    found = errors('{\n  "epochs": 1,\n  "epochs": 2\n}')
    assert found == [("P002", 3, 3, 'duplicate key "epochs" (first defined on line 2)')]
    found = errors("name: a\nserver:\n  org: x\n  org: y\n", "project.yml")
    assert found == [("P002", 4, 3, 'duplicate key "org" (first defined on line 3)')]


def test_yaml_syntax_error_is_located() -> None:
    found = errors("name: a\n  bad: [1\n", "project.yml")
    assert found[0][0] == "P001"
    assert found[0][1] == 2


def test_positions_of_keys_and_values() -> None:
    source, diags = parse_text(
        '{\n  "train": {\n    "model": {"name": "UNet"}\n  }\n}', Path("c.json")
    )
    assert not diags
    d = source.diagnostic("S001", "m", ["train", "model", "name"])
    assert (d.line, d.column, d.end_column) == (3, 23, 29)
    d = source.diagnostic("S001", "m", ["train", "model"], key=True)
    assert (d.line, d.column) == (3, 5)
    assert d.pointer == "/train/model"
    # a missing key is located at the key of the mapping that should hold it
    d = source.diagnostic("S002", "m", ["train", "model", "args"])
    assert (d.line, d.column) == (3, 5)


def test_pointer_escaping() -> None:
    source, _ = parse_text('{"a/b": {"c~d": 1}}', Path("c.json"))
    assert source.diagnostic("S001", "m", ["a/b", "c~d"]).pointer == "/a~1b/c~0d"


def test_unicode_escapes_and_columns() -> None:
    source, diags = parse_text('{"name": "caf\\u00e9 \\ud83d\\ude00", "x": 1}', Path("c.json"))
    assert not diags
    assert source.to_plain() == {"name": "café 😀", "x": 1}


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    _, diags = load_source(missing)
    assert diags[0].code == "P003"
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff"}')
    _, diags = load_source(bad)
    assert diags[0].code == "P003"
    assert (diags[0].line, diags[0].column) == (1, 8)


def test_every_corpus_file_loads_exactly_like_the_stdlib() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".json", ".yml"))
    assert len(files) >= 16
    for path in files:
        source, diags = load_source(path)
        assert not diags, (path, diags)
        assert isinstance(source.root, MappingNode)
        if path.suffix == ".json":
            assert source.to_plain() == json.loads(path.read_text()), path
        else:
            assert source.to_plain() == yaml.safe_load(path.read_text()), path


MERGED_PROJECT = """\
api_version: 2
name: merged
servers: &servers
  - name: server1
    org: nvidia
server_defaults: &server_defaults
  type: server
  fed_learn_port: 8002
  admin_port: 8003
participants:
  - name: server1
    <<: *server_defaults
    admin_port: 9003
  - name: site-1
    <<: [{type: client}, {org: nvidia}]
"""


def test_yaml_merge_keys_take_the_anchored_entries_where_they_are_written() -> None:
    source, diags = parse_text(MERGED_PROJECT, Path("project.yml"))
    assert diags == []
    root = source.root
    assert isinstance(root, MappingNode)
    plain = root.to_plain()
    assert plain == yaml.safe_load(MERGED_PROJECT)
    assert plain["participants"][0]["admin_port"] == 9003  # written key wins
    assert plain["participants"][1] == {"name": "site-1", "type": "client", "org": "nvidia"}
    # a merged value is located where the anchored mapping writes it (line 8)
    participants = root.get("participants")
    assert participants is not None
    server = participants.items[0]  # type: ignore[attr-defined]
    port = server.get("fed_learn_port")
    assert MERGED_PROJECT[: port.start].count("\n") + 1 == 8


def test_yaml_merge_key_on_a_list_of_scalars_is_a_located_error() -> None:
    found = errors("base: &b [1, 2]\nuse:\n  <<: *b\n", "project.yml")
    assert [(code, line) for code, line, _, _ in found] == [("P001", 1)]
    assert "merge key" in found[0][3]


def test_a_project_file_with_merge_keys_validates_without_a_traceback(tmp_path: Path) -> None:
    from mmarc import api

    path = tmp_path / "project.yml"
    path.write_text(MERGED_PROJECT, encoding="utf-8")
    result = api.validate(path)
    assert all(d.code != "P001" for d in result.diagnostics)
