"""``report.html``: one self-contained page a person can open or mail.

Why self-contained: a study folder gets copied around; the page embeds its plots (PNG as
data URIs) and styles, and links nothing outside itself. It shows the settings' final
figures, the plots, the full results table, the machine, the versions and every plan
hash. Every value that came from a file is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from mmarc.machine import describe

from .grid import Setting
from .results import COLUMNS

__all__ = ["versions", "write_report"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
img{max-width:49%;border:1px solid #eee;margin:2px}
code{font-size:12px}.failed{color:#b00}
"""


def versions() -> dict[str, str]:
    """Versions of mmarc and what the runs trained and plotted with."""
    found = {}
    for name in ("mmarc", "torch", "monai", "pytorch-ignite", "pyzmq", "matplotlib"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _cell(value: Any, digits: int = 4) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return _e(value)


def _final_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    last: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        last[str(row["setting"])] = row
    return last


def write_report(
    path: Path,
    *,
    title: str,
    settings: Sequence[Setting],
    rows: Sequence[Mapping[str, Any]],
    plots: Sequence[Path],
    walls: Mapping[str, float],
    failed: Mapping[str, str],
    spec_text: str,
) -> Path:
    """Write the page to ``path`` (atomically) and return it."""
    finals = _final_rows(rows)
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>{_e(title)}</title><style>{_STYLE}</style>",
        f"<h1>{_e(title)}</h1>",
        f"<p>Written {_e(time.strftime('%Y-%m-%d %H:%M:%S %Z'))} on "
        f"{_e(describe().removeprefix('machine: '))}.</p>",
        "<h2>Settings</h2><table><tr><th class=l>setting</th><th>clients</th>"
        "<th>epochs/round</th><th>data share</th><th>seed</th><th>rounds</th>"
        "<th>final accuracy</th><th>final loss</th><th>rounds wall (s)</th>"
        "<th>run wall (s)</th><th>MB moved</th><th class=l>plan sha256 (hover: all)</th></tr>",
    ]
    for s in settings:
        row = finals.get(s.id, {})
        if s.id in failed:
            parts.append(
                f"<tr><td class=l>{_e(s.id)}</td><td class='l failed' colspan=11>"
                f"failed: {_e(failed[s.id])}</td></tr>"
            )
            continue
        megabytes = int(row.get("bytes") or 0) / 1e6
        parts.append(
            f"<tr><td class=l>{_e(s.id)}</td><td>{s.clients}</td><td>{s.epochs_per_round}</td>"
            f"<td>{_e(s.share)} ({s.data_share:.3g})</td><td>{s.seed}</td><td>{s.rounds}</td>"
            f"<td>{_cell(row.get('accuracy'))}</td><td>{_cell(row.get('loss'))}</td>"
            f"<td>{_cell(row.get('wall_s'), 1)}</td><td>{_cell(walls.get(s.id), 1)}</td>"
            f"<td>{megabytes:.1f}</td>"
            f"<td class=l><code title='{_e(row.get('plan_sha256'))}'>"
            f"{_e(str(row.get('plan_sha256') or '')[:16])}</code></td></tr>"
        )
    parts.append("</table><h2>Plots</h2><p>")
    for plot in plots:
        if plot.suffix == ".png":
            data = base64.b64encode(plot.read_bytes()).decode("ascii")
            parts.append(f"<img alt='{_e(plot.stem)}' src='data:image/png;base64,{data}'>")
    parts.append("</p><h2>Versions</h2><table>")
    for name, version in versions().items():
        parts.append(f"<tr><td class=l>{_e(name)}</td><td class=l>{_e(version)}</td></tr>")
    parts.append("</table><h2>Spec</h2><pre>" + _e(spec_text) + "</pre>")
    parts.append("<h2>All evaluation points (results.csv)</h2><details><summary>")
    parts.append(f"{len(rows)} rows</summary><table><tr>")
    parts += [f"<th>{_e(c)}</th>" for c in COLUMNS]
    parts.append("</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in COLUMNS) + "</tr>")
    parts.append("</table></details></html>\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
