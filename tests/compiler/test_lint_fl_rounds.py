"""L006: ``num_rounds`` counts rounds from ``start_round`` (runtime, Clara 4.x and NVFlare agree),
so only a server that would run no round is flagged; a resumed federation is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import tiny_fl_mmar

from mmarc import api


@pytest.mark.parametrize(
    ("server", "flagged"),
    [
        ({"start_round": 0, "num_rounds": 2}, False),
        ({"start_round": 5, "num_rounds": 3}, False),  # resumes: rounds 5, 6 and 7
        ({"start_round": 0, "num_rounds": 0}, True),
    ],
)
def test_l006_flags_only_a_server_without_rounds(
    tmp_path: Path, server: dict[str, int], flagged: bool
) -> None:
    root = tiny_fl_mmar(tmp_path, **server)
    found = [d for d in api.lint(root).diagnostics if d.code == "L006"]
    assert bool(found) is flagged
    if flagged:
        [d] = found
        assert d.file.endswith("config_fed_server.json")
        text = (root / "config" / "config_fed_server.json").read_text().splitlines()
        assert '"num_rounds"' in text[d.line - 1]
