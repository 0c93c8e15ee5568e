"""Upload safety on real folders: traversal, links, special files, size, custom code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mmarc.runtime.security.uploads import (
    UploadEntry,
    UploadLimits,
    UploadRefused,
    check_entries,
    check_rules,
    install_upload,
    read_upload,
    safe_relpath,
    scan_folder,
    write_upload,
)


@pytest.mark.parametrize(
    "path",
    [
        "../x",
        "config/../../etc/passwd",
        "..",
        "/etc/passwd",
        "C:/Windows/win.ini",
        "config\\..\\x",
        "a//b",
        "./a",
        "a/./b",
        "a/",
        "",
        "a\x00b",
        "a\nb",
        "x" * 600,
        "/".join(["d"] * 40),
    ],
)
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(UploadRefused):
        safe_relpath(path)


@pytest.mark.parametrize("path", ["config/config_train.json", "custom/net.py", "a b/ü.json"])
def test_ordinary_paths_pass(path: str) -> None:
    assert safe_relpath(path) == path


def make_mmar(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "config" / "config_train.json").write_text("{}")
    (root / "custom").mkdir()
    (root / "custom" / "net.py").write_text("x = 1\n")
    return root


def test_scan_lists_regular_files_only(tmp_path: Path) -> None:
    mmar = make_mmar(tmp_path / "mmar")
    entries = scan_folder(mmar)
    assert [e.path for e in entries] == ["config/config_train.json", "custom/net.py"]
    assert read_upload(mmar, entries) == [b"{}", b"x = 1\n"]


@pytest.mark.parametrize("kind", ["file-link", "dir-link", "fifo"])
def test_links_and_special_files_are_refused(tmp_path: Path, kind: str) -> None:
    mmar = make_mmar(tmp_path / "mmar")
    secret = tmp_path / "secret.txt"
    secret.write_text("hospital data")
    if kind == "file-link":
        (mmar / "config" / "environment.json").symlink_to(secret)
    elif kind == "dir-link":
        (mmar / "data").symlink_to(tmp_path)
    else:
        os.mkfifo(mmar / "config" / "pipe")
    with pytest.raises(UploadRefused, match=r"symbolic links|device files"):
        scan_folder(mmar)


def test_size_limits(tmp_path: Path) -> None:
    mmar = make_mmar(tmp_path / "mmar")
    (mmar / "models").mkdir()
    (mmar / "models" / "model.pt").write_bytes(b"\0" * 5000)
    with pytest.raises(UploadRefused, match="per-file limit"):
        scan_folder(mmar, UploadLimits(max_file_bytes=4096))
    with pytest.raises(UploadRefused, match="larger than the limit"):
        scan_folder(mmar, UploadLimits(max_total_bytes=5003))
    with pytest.raises(UploadRefused, match="3 files, limit 2"):
        scan_folder(mmar, UploadLimits(max_files=2))
    entries = [UploadEntry("a.json", 10), UploadEntry("b.json", 10)]
    with pytest.raises(UploadRefused, match="larger than the limit"):
        check_entries(entries, UploadLimits(max_total_bytes=15))


def test_declared_entries_are_checked(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused, match="listed twice"):
        check_entries([UploadEntry("a.json", 1), UploadEntry("a.json", 1)])
    with pytest.raises(UploadRefused, match="both a file and a folder"):
        check_entries([UploadEntry("config", 1), UploadEntry("config/x.json", 1)])
    with pytest.raises(UploadRefused, match="escape"):
        check_entries([UploadEntry("../x.json", 1)])
    with pytest.raises(UploadRefused, match="empty"):
        check_entries([])


def test_byoc_rule(tmp_path: Path) -> None:
    entries = scan_folder(make_mmar(tmp_path / "mmar"))
    with pytest.raises(UploadRefused, match=r"allow_byoc is false\): custom/net.py"):
        check_rules(entries, allow_byoc=False, allow_custom_datalist=True)
    check_rules(entries, allow_byoc=True, allow_custom_datalist=True)
    hidden = [UploadEntry("config/helpers.py", 3), UploadEntry("config/lib.so", 3)]
    with pytest.raises(UploadRefused, match=r"helpers\.py, config/lib\.so"):
        check_rules(hidden, allow_byoc=False, allow_custom_datalist=True)


def test_custom_datalist_rule(tmp_path: Path) -> None:
    named = [UploadEntry("config/dataset_0.json", 2)]
    with pytest.raises(UploadRefused, match="allow_custom_datalist is false"):
        check_rules(named, allow_byoc=True, allow_custom_datalist=False)
    content = {"config/splits.json": json.dumps({"training": [], "validation": []}).encode()}
    renamed = [UploadEntry("config/splits.json", len(content["config/splits.json"]))]
    with pytest.raises(UploadRefused, match=r"splits\.json"):
        check_rules(renamed, allow_byoc=True, allow_custom_datalist=False, read=content.__getitem__)
    check_rules(renamed, allow_byoc=True, allow_custom_datalist=True, read=content.__getitem__)


def test_write_and_install_never_follow_planted_links(tmp_path: Path) -> None:
    storage = tmp_path / "transfer"
    storage.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (storage / "mmar").symlink_to(outside)  # planted: the upload's name points outside
    entries = [UploadEntry("config/config_train.json", 2), UploadEntry("custom/net.py", 3)]
    staged = write_upload(storage / ".staging", entries, [b"{}", b"x=1"], "mmar")
    assert staged.name == "mmar"
    dest = install_upload(staged, storage / "mmar")
    assert not dest.is_symlink() and (dest / "custom" / "net.py").read_bytes() == b"x=1"
    assert list(outside.iterdir()) == []
    with pytest.raises(UploadRefused, match="carries 1 bytes, declared 2"):
        write_upload(storage / ".staging", [UploadEntry("a", 2)], [b"x"])
    assert list((storage / ".staging").iterdir()) == []  # nothing left behind
