"""Names from the network before paths: the one allow-list, and removal that stays inside.

Both directions: every hostile name is refused (separators, ``..``, absolute and drive
paths, control and look-alike characters, too long, not a string), every ordinary site or
MMAR name passes; :func:`remove_within` removes only below its root, unlinks links
without following them, and refuses the root itself and anything outside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mmarc.runtime.security.names import (
    UnsafeName,
    UnsafePath,
    check_name,
    child_path,
    remove_within,
)

from mmarc.errors import MmarcError

HOSTILE = [
    "",
    ".",
    "..",
    "../victim",
    "a/b",
    "a/../..",
    "/etc",
    "\\\\server\\share",
    "..\\victim",
    "C:",
    "C:\\Windows",
    "-rf",
    ".hidden",
    "site 1",
    "site\n1",
    "site\x00",
    "s\u0456te",  # Cyrillic i: looks like "site"
    "x" * 129,
]
ORDINARY = ["site-1", "client1", "digits_fl", "admin@org1.com", "hospital.a+b", "x" * 128, "a..b"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafeName, match="refused"):
        check_name(name, "site name")
    with pytest.raises(UnsafeName):
        child_path(tmp_path, name)


@pytest.mark.parametrize("value", [None, 7, b"site", ["site"], {"name": "site"}])
def test_names_must_be_strings(value: object) -> None:
    with pytest.raises(UnsafeName, match="must be a string"):
        check_name(value)


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_pass(name: str, tmp_path: Path) -> None:
    assert check_name(name) == name
    assert child_path(tmp_path, name) == tmp_path.resolve() / name


def test_refusals_are_one_line_mmarc_errors() -> None:
    with pytest.raises(MmarcError) as caught:
        check_name("../x\n/etc", "deployed MMAR name")
    assert "\n" not in caught.value.one_line() and "deployed MMAR name" in str(caught.value)


def test_remove_within_removes_only_inside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "run"
    (root / "mmar" / "old").mkdir(parents=True)
    (root / "mmar" / "old" / "f.txt").write_text("x")
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "data.txt").write_text("patient data")
    for target in (outside, root, root / ".." / "precious", root / "mmar" / ".."):
        with pytest.raises(UnsafePath, match="not inside"):
            remove_within(root, target)
    remove_within(root, root / "mmar" / "old")
    assert not (root / "mmar" / "old").exists()
    remove_within(root, root / "mmar" / "never-existed")  # nothing to do
    assert (outside / "data.txt").read_text() == "patient data"


def test_remove_within_unlinks_links_without_following_them(tmp_path: Path) -> None:
    root = tmp_path / "run"
    root.mkdir()
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "data.txt").write_text("patient data")
    (root / "planted").symlink_to(outside, target_is_directory=True)
    (tmp_path / "alias").symlink_to(root, target_is_directory=True)
    remove_within(tmp_path / "alias", tmp_path / "alias" / "planted")  # a link to the root
    assert not (root / "planted").exists()
    assert (outside / "data.txt").read_text() == "patient data"
    (root / "escape").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(UnsafePath):  # resolved, its parent is outside the root
        remove_within(root, root / "escape" / "precious")
    assert (outside / "data.txt").read_text() == "patient data"
