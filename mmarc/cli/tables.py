"""The admin console's answers as tables people read (``check_status``, ``metrics``,
``validate``, per-site ``deploy``/``start``), as Clara's console showed them.

Each function takes the ``data`` of a service reply (the same JSON ``--json`` prints) and
returns text; nothing here talks to the server.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

__all__ = ["cross_val_table", "metrics_table", "site_results_table", "status_table"]


def _text(table: Table) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=160, color_system=None, soft_wrap=True).print(table)
    return buffer.getvalue().rstrip("\n")


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _ago(seconds: Any) -> str:
    return "never" if not isinstance(seconds, int | float) else f"{seconds:.1f} s ago"


def status_table(target: str, data: Mapping[str, Any]) -> str:
    """``check_status server`` as a two-column table; ``check_status client`` one row a site."""
    if target == "server":
        table = Table(title="server", show_header=False, title_justify="left", box=box.ASCII)
        table.add_column(style="bold")
        table.add_column()
        connected = data.get("connected_clients")
        clients = _cell(data.get("clients"))
        if isinstance(connected, list):
            clients = f"{len(connected)} of {clients} connected" + (
                f" ({', '.join(map(str, connected))})" if connected else ""
            )
        table.add_row("state", _cell(data.get("server")))
        table.add_row("run number", _cell(data.get("run_number")))
        table.add_row("round", _cell(data.get("round")))
        table.add_row("deployed plan", _cell(str(data.get("deployed") or "")[:12]))
        table.add_row("clients", clients)
        return _text(table)
    table = Table(title="clients", title_justify="left", box=box.ASCII)
    for name in ("site", "state", "connected", "last heartbeat", "round", "deployed plan"):
        table.add_column(name)
    for site, info in sorted(data.items()):
        info = info if isinstance(info, Mapping) else {}
        table.add_row(
            site,
            _cell(info.get("state")),
            _cell(info.get("connected")),
            _ago(info.get("last_seen_s_ago")),
            _cell(info.get("round")),
            _cell(str(info.get("deployed") or "")[:12]),
        )
    return _text(table)


def metrics_table(data: Mapping[str, Any]) -> str:
    """``metrics``: one row a round; the global model's metric, then each metric the sites
    reported (mean over the sites that reported it), clients and time."""
    rows = [r for r in data.get("metrics") or [] if isinstance(r, Mapping)]
    title = f"metrics of run {_cell(data.get('run_number'))}"
    if not rows:
        return f"{title}: no completed round yet"
    names: list[str] = []
    for row in rows:
        for values in (row.get("client_metrics") or {}).values():
            names += [n for n in values if n not in names]
    table = Table(title=title, title_justify="left", box=box.ASCII)
    table.add_column("round", justify="right")
    table.add_column("global model")
    for name in names:
        table.add_column(f"{name} (sites' mean)", justify="right")
    table.add_column("clients", justify="right")
    table.add_column("seconds", justify="right")
    for row in rows:
        best = row.get("global_metric")
        shown = (
            f"{best.get('metric')} {_cell(best.get('value'))}" if isinstance(best, Mapping) else "-"
        )
        per_site = row.get("client_metrics") or {}
        means = []
        for name in names:
            got = [v[name] for v in per_site.values() if isinstance(v.get(name), int | float)]
            means.append(_cell(sum(got) / len(got)) if got else "-")
        clients = row.get("clients")
        count = len(clients) if isinstance(clients, Sequence) else clients
        label = "final" if row.get("phase") == "final" else _cell(row.get("round"))
        table.add_row(label, shown, *means, _cell(count), _cell(row.get("seconds")))
    return _text(table)


def cross_val_table(data: Mapping[str, Any]) -> str:
    """``validate``: one row a model (source), one column a site that validated it."""
    if not data:
        return "no cross-site validation results yet"
    targets: list[str] = []
    for results in data.values():
        if isinstance(results, Mapping):
            targets += [t for t in results if t not in targets]
    table = Table(title="cross-site validation (model x site)", title_justify="left", box=box.ASCII)
    table.add_column("model")
    for target in targets:
        table.add_column(target, justify="right")
    for source, results in sorted(data.items()):
        results = results if isinstance(results, Mapping) else {}
        cells = []
        for target in targets:
            metrics = results.get(target)
            if isinstance(metrics, Mapping):
                cells.append(", ".join(f"{k} {_cell(v)}" for k, v in metrics.items()) or "-")
            else:
                cells.append(_cell(metrics))
        table.add_row(source, *cells)
    return _text(table)


def site_results_table(action: str, data: Mapping[str, Any]) -> str:
    """Per-site ``deploy``/``start`` outcome: each site, ok or why not."""
    sites = data.get("sites") or {}
    table = Table(title=action, title_justify="left", box=box.ASCII)
    table.add_column("site")
    table.add_column("result")
    for site, result in sorted(sites.items()):
        result = result if isinstance(result, Mapping) else {}
        table.add_row(site, "ok" if result.get("ok") else f"not done: {result.get('detail')}")
    return _text(table)
