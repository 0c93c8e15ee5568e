"""Turn the FL round benchmark's event logs into per-cell figures and ratio tables.

The method is the anchor file's (shared/anchors/fl-round-overhead.md):

- **M1 round wall**: at the server, ``round_start[r+1] - round_start[r]`` for the steady
  rounds r = 2 .. R-1 (rounds 2-6 of a 7-round run). Round 1 is left out because it carries
  process start-up and torch's first-call cost; the last round has no next start.
- **client compute** of a round: the slowest client's ``compute_s`` (``local_train`` alone).
- **overhead** = wall - compute, computed *per round*, then min and median over the rounds of
  all repeats of a cell pooled. Why per round: contention on 2 cores inflates compute in some
  rounds; subtracting round by round keeps that out of the overhead.
- **bytes per round**: the payload every client received plus sent in that round.
- **ratio**: mmarc's median overhead (and wall) over the best anchor's, where the best anchor
  is the anchor variant with the lowest median overhead in the same (model, clients) cell.

Standard library only, so it runs in any venv and under the unit tests without frameworks.

    .venv/bin/python benchmarks/fl_anchors/analyze.py runs/fl_round/<stamp>
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from events import read_events
else:
    from .events import read_events

MMARC = "mmarc"
#: mmarc run from provisioned kits, CurveZMQ on the wire (``fl_anchors/mmarc_curve.py``).
MMARC_CURVE = "mmarc-curve"

#: Display names of the framework variants the driver runs, in table order.
LABELS: dict[str, str] = {
    "nvflare-default": "NVFlare 2.9.0 sim (defaults)",
    "nvflare-tuned": "NVFlare 2.9.0 sim (tuned intervals)",
    "flower": "Flower 1.42.0 sim (Ray, 1 actor/client)",
    "flower-2act": "Flower 1.42.0 sim (Ray, 2 actors)",
    MMARC: "mmarc sim",
    MMARC_CURVE: "mmarc kits (CurveZMQ)",
}

#: The anchor file's steady-state medians (seconds): (variant, model, clients) -> (wall, overhead).
#: Printed next to what this machine measures, so drift from the anchor is visible at once.
ANCHOR_FILE: dict[tuple[str, str, int], tuple[float, float]] = {
    ("nvflare-default", "A", 2): (2.527, 2.516),
    ("nvflare-tuned", "A", 2): (1.186, 1.176),
    ("flower", "A", 2): (0.209, 0.196),
    ("nvflare-default", "A", 4): (2.536, 2.525),
    ("nvflare-tuned", "A", 4): (1.234, 1.214),
    ("flower", "A", 4): (0.311, 0.267),
    ("flower-2act", "A", 4): (0.224, 0.212),
    ("nvflare-default", "A", 8): (2.551, 2.533),
    ("nvflare-tuned", "A", 8): (1.499, 1.467),
    ("flower", "A", 8): (0.426, 0.378),
    ("flower-2act", "A", 8): (0.417, 0.360),
    ("nvflare-default", "B", 2): (3.760, 3.654),
    ("nvflare-tuned", "B", 2): (2.404, 2.318),
    ("flower", "B", 2): (1.221, 1.132),
    ("nvflare-default", "B", 4): (5.130, 4.987),
    ("nvflare-tuned", "B", 4): (3.512, 3.395),
    ("flower", "B", 4): (2.028, 1.760),
}


def label(variant: str) -> str:
    """Display name of a variant; unknown ones print as given."""
    return LABELS.get(variant, variant)


def is_anchor(variant: str) -> bool:
    """Everything but mmarc itself (plain or CurveZMQ) is an anchor."""
    return variant not in (MMARC, MMARC_CURVE)


@dataclass(frozen=True)
class RoundMetric:
    """One steady-state round of one run; breakdown fields are None when events are missing."""

    round: int
    wall: float
    compute: float
    overhead: float
    client: float | None
    clients_reporting: int
    bytes: int | None
    start_to_recv: float | None
    done_to_agg: float | None
    agg_to_next: float | None
    #: the round's transfer spans: round start to the last client's receipt (download),
    #: plus the last client's result sent to the start of aggregation (upload)
    transfer: float | None = None


@dataclass(frozen=True)
class RunPhases:
    """Whole-run times: launch to first round, cold round 1, launch to the end of round 1
    (its aggregation done), last aggregation to exit, launch to exit."""

    startup: float | None
    round1: float | None
    teardown: float | None
    total: float | None
    round1_end: float | None = None


def steady_rounds(rounds: int) -> range:
    """Rounds whose M1 wall is measured: 2 .. R-1 (each needs the next round's start)."""
    return range(2, rounds)


def _by_round(events: Iterable[dict[str, Any]], name: str) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e.get("event") == name and "round" in e:
            out[int(e["round"])].append(e)
    return out


def _first_t(events: dict[int, list[dict[str, Any]]], r: int) -> float | None:
    """Earliest timestamp of an event in round r (a server event is written once per round;
    earliest is the safe choice if a framework ever writes it twice)."""
    if r not in events:
        return None
    return min(float(e["t"]) for e in events[r])


def round_metrics(events: Sequence[dict[str, Any]], rounds: int) -> list[RoundMetric]:
    """M1 wall, slowest client's compute, overhead and breakdown for each steady round.

    A round without its own and the next round's ``round_start``, or without any
    ``client_compute``, is skipped: it cannot give an honest figure.
    """
    starts = _by_round(events, "round_start")
    computes = _by_round(events, "client_compute")
    recvs = _by_round(events, "client_recv")
    nbytes = _by_round(events, "bytes")
    agg_starts = _by_round(events, "aggregation_start")
    ends = _by_round(events, "round_end")
    out: list[RoundMetric] = []
    for r in steady_rounds(rounds):
        t0, t1 = _first_t(starts, r), _first_t(starts, r + 1)
        if t0 is None or t1 is None or not computes.get(r):
            continue
        wall = t1 - t0
        compute = max(float(e["compute_s"]) for e in computes[r])
        client_vals = [float(e["client_s"]) for e in computes[r] if "client_s" in e]
        recv_t = _first_t(recvs, r)
        last_recv_t = max((float(e["t"]) for e in recvs.get(r, [])), default=None)
        done_t = max(float(e["t"]) for e in computes[r])
        agg_t = _first_t(agg_starts, r)
        end_t = _first_t(ends, r)
        out.append(
            RoundMetric(
                round=r,
                wall=wall,
                compute=compute,
                overhead=wall - compute,
                client=max(client_vals) if client_vals else None,
                clients_reporting=len({e.get("client") for e in computes[r]}),
                bytes=(
                    sum(int(e.get("down", 0)) + int(e.get("up", 0)) for e in nbytes[r])
                    if nbytes.get(r)
                    else None
                ),
                start_to_recv=recv_t - t0 if recv_t is not None else None,
                done_to_agg=agg_t - done_t if agg_t is not None else None,
                agg_to_next=t1 - end_t if end_t is not None else None,
                transfer=(
                    (last_recv_t - t0) + (agg_t - done_t)
                    if last_recv_t is not None and agg_t is not None
                    else None
                ),
            )
        )
    return out


def run_phases(
    events: Sequence[dict[str, Any]], launch_t: float | None, exit_t: float | None
) -> RunPhases:
    """Start-up, cold first round and teardown of one run, from its events and the driver's
    launch/exit times. Read these to about a second: they vary a lot between runs."""
    starts = _by_round(events, "round_start")
    ends = _by_round(events, "round_end")
    s1, s2 = _first_t(starts, 1), _first_t(starts, 2)
    e1 = _first_t(ends, 1)
    last_end = max((float(e["t"]) for es in ends.values() for e in es), default=None)
    if last_end is None:
        last_end = max((float(e["t"]) for e in events), default=None)
    return RunPhases(
        startup=s1 - launch_t if s1 is not None and launch_t is not None else None,
        round1=s2 - s1 if s1 is not None and s2 is not None else None,
        teardown=exit_t - last_end if exit_t is not None and last_end is not None else None,
        total=exit_t - launch_t if exit_t is not None and launch_t is not None else None,
        round1_end=e1 - launch_t if e1 is not None and launch_t is not None else None,
    )


def role_pss(
    events: Sequence[dict[str, Any]], per_process: dict[str, float]
) -> tuple[float | None, float | None]:
    """Peak PSS (MB) of the server process and of the largest site process of one run.

    Which process is which comes from the events: the server writes ``round_start``, each
    site its ``client_compute``, each with its pid. None where no sampled process matches.
    """
    server = {str(e["pid"]) for e in events if e.get("event") == "round_start" and "pid" in e}
    sites = {str(e["pid"]) for e in events if e.get("event") == "client_compute" and "pid" in e}
    srv = [per_process[p] for p in server if p in per_process]
    site = [per_process[p] for p in sites - server if p in per_process]
    return (max(srv) if srv else None, max(site) if site else None)


@dataclass(frozen=True)
class Stat:
    """min / median of a pooled sample; ``n`` values behind it."""

    min: float
    median: float
    n: int

    @staticmethod
    def of(values: Iterable[float | None]) -> Stat | None:
        vals = [float(v) for v in values if v is not None]
        if not vals:
            return None
        return Stat(min=min(vals), median=statistics.median(vals), n=len(vals))


@dataclass
class CellSummary:
    """All repeats of one (variant, model, clients) cell, rounds pooled."""

    variant: str
    model: str
    clients: int
    runs_ok: int
    runs_failed: int
    rounds: list[RoundMetric] = field(default_factory=list)
    phases: list[RunPhases] = field(default_factory=list)
    peak_pss_mb: list[float] = field(default_factory=list)
    server_pss_mb: list[float] = field(default_factory=list)
    site_pss_mb: list[float] = field(default_factory=list)
    busy_before: list[float] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.model, self.clients)

    def stat(self, name: str) -> Stat | None:
        """Stat of a RoundMetric field over all pooled rounds."""
        return Stat.of(getattr(m, name) for m in self.rounds)

    def phase(self, name: str) -> Stat | None:
        return Stat.of(getattr(p, name) for p in self.phases)


def summarize(runs: Sequence[dict[str, Any]], base: Path | None = None) -> list[CellSummary]:
    """Group run records (lines of runs.jsonl) into cells and pool their steady rounds.

    Each record needs variant, model, clients, rounds, status and events (a path, relative
    to ``base``); launch_t/exit_t/peak_pss_mb are used when present. Failed runs are counted
    and their rounds left out, so a half-finished run cannot skew a cell.
    """
    cells: dict[tuple[str, str, int], CellSummary] = {}
    for rec in runs:
        key = (str(rec["variant"]), str(rec["model"]), int(rec["clients"]))
        cell = cells.setdefault(key, CellSummary(key[0], key[1], key[2], 0, 0))
        if rec.get("status") != "ok":
            cell.runs_failed += 1
            continue
        cell.runs_ok += 1
        ev_path = Path(rec["events"])
        if base is not None and not ev_path.is_absolute():
            ev_path = base / ev_path
        events = read_events(ev_path)
        cell.rounds.extend(round_metrics(events, int(rec["rounds"])))
        cell.phases.append(run_phases(events, rec.get("launch_t"), rec.get("exit_t")))
        if rec.get("peak_pss_mb") is not None:
            cell.peak_pss_mb.append(float(rec["peak_pss_mb"]))
        server, site = role_pss(events, rec.get("process_pss_mb") or {})
        if server is not None:
            cell.server_pss_mb.append(server)
        if site is not None:
            cell.site_pss_mb.append(site)
        if rec.get("busy_before") is not None:
            cell.busy_before.append(float(rec["busy_before"]))
    order = {v: i for i, v in enumerate(LABELS)}
    return sorted(
        cells.values(),
        key=lambda c: (c.model, c.clients, order.get(c.variant, len(order)), c.variant),
    )


def best_anchors(cells: Sequence[CellSummary]) -> dict[tuple[str, int], CellSummary]:
    """Per (model, clients): the anchor variant with the lowest median overhead."""
    best: dict[tuple[str, int], CellSummary] = {}
    for c in cells:
        s = c.stat("overhead")
        if not is_anchor(c.variant) or s is None:
            continue
        cur = best.get(c.key)
        cur_s = cur.stat("overhead") if cur is not None else None
        if cur_s is None or s.median < cur_s.median:
            best[c.key] = c
    return best


@dataclass(frozen=True)
class Ratio:
    """mmarc over the best anchor in one cell, on median overhead and median wall."""

    model: str
    clients: int
    best_variant: str
    best_overhead: float
    mmarc_overhead: float | None
    overhead_ratio: float | None
    wall_ratio: float | None


def ratios(cells: Sequence[CellSummary]) -> list[Ratio]:
    """One row per cell that has an anchor; mmarc fields are None where mmarc did not run."""
    best = best_anchors(cells)
    mm = {c.key: c for c in cells if c.variant == MMARC}
    out: list[Ratio] = []
    for key in sorted(best):
        b = best[key]
        b_over, b_wall = b.stat("overhead"), b.stat("wall")
        assert b_over is not None and b_wall is not None
        m = mm.get(key)
        m_over = m.stat("overhead") if m is not None else None
        m_wall = m.stat("wall") if m is not None else None
        out.append(
            Ratio(
                model=key[0],
                clients=key[1],
                best_variant=b.variant,
                best_overhead=b_over.median,
                mmarc_overhead=m_over.median if m_over else None,
                overhead_ratio=(
                    m_over.median / b_over.median if m_over and b_over.median > 0 else None
                ),
                wall_ratio=(
                    m_wall.median / b_wall.median if m_wall and b_wall.median > 0 else None
                ),
            )
        )
    return out


def _mm(s: Stat | None, digits: int = 3) -> str:
    return "—" if s is None else f"{s.min:.{digits}f} / {s.median:.{digits}f}"


def _med(s: Stat | None, digits: int = 3) -> str:
    return "—" if s is None else f"{s.median:.{digits}f}"


def _opt(v: float | None, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def format_tables(cells: Sequence[CellSummary]) -> str:
    """The Markdown tables the driver prints: headline ratios, steady state, breakdown, phases."""
    lines: list[str] = []
    lines += [
        "### mmarc / best anchor (median overhead per round, steady rounds)",
        "",
        "| model | clients | best anchor | its overhead (s) | mmarc overhead (s) "
        "| mmarc / best (overhead) | mmarc / best (wall) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in ratios(cells):
        lines.append(
            f"| {r.model} | {r.clients} | {label(r.best_variant)} | {r.best_overhead:.3f} "
            f"| {_opt(r.mmarc_overhead, '.3f')} | {_opt(r.overhead_ratio, '.3f')} "
            f"| {_opt(r.wall_ratio, '.3f')} |"
        )
    lines += [
        "",
        "### Steady-state round (M1; min / median, seconds; rounds of all repeats pooled)",
        "",
        "| framework | model | clients | runs ok/failed | rounds | round wall | client compute "
        "(max of clients) | overhead = wall - compute | anchor file wall / overhead (median) "
        "| MB per round |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        ref = ANCHOR_FILE.get((c.variant, c.model, c.clients))
        ref_s = "—" if ref is None else f"{ref[0]:.3f} / {ref[1]:.3f}"
        b = c.stat("bytes")
        mb = "—" if b is None else f"{b.median / 1e6:.1f}"
        lines.append(
            f"| {label(c.variant)} | {c.model} | {c.clients} | {c.runs_ok}/{c.runs_failed} "
            f"| {len(c.rounds)} | {_mm(c.stat('wall'))} | {_mm(c.stat('compute'))} "
            f"| {_mm(c.stat('overhead'))} | {ref_s} | {mb} |"
        )
    lines += [
        "",
        "### Where a steady round goes (medians, seconds)",
        "",
        "start→recv: round start to the first client holding the model; client: "
        "load + compute + state_dict, slowest client; done→agg: last client done to "
        "aggregation start; agg→next: aggregation done to the next round start.",
        "",
        "| framework | model | clients | round wall | start→recv | client | done→agg | agg→next |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        lines.append(
            f"| {label(c.variant)} | {c.model} | {c.clients} | {_med(c.stat('wall'))} "
            f"| {_med(c.stat('start_to_recv'))} | {_med(c.stat('client'))} "
            f"| {_med(c.stat('done_to_agg'))} | {_med(c.stat('agg_to_next'))} |"
        )
    lines += [
        "",
        "### Start-up, cold round 1, teardown, launch to exit (min / median, seconds)",
        "",
        "| framework | model | clients | runs | start-up | round 1 (cold) "
        "| launch → end of round 1 | teardown | launch → exit | peak PSS, MB (median) "
        "| server / largest site PSS, MB | machine busy before (max) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        pss = Stat.of(c.peak_pss_mb)
        roles = f"{_med(Stat.of(c.server_pss_mb), 0)} / {_med(Stat.of(c.site_pss_mb), 0)}"
        busy = f"{max(c.busy_before):.0%}" if c.busy_before else "—"
        lines.append(
            f"| {label(c.variant)} | {c.model} | {c.clients} | {len(c.phases)} "
            f"| {_mm(c.phase('startup'), 2)} | {_mm(c.phase('round1'), 2)} "
            f"| {_mm(c.phase('round1_end'), 2)} "
            f"| {_mm(c.phase('teardown'), 2)} | {_mm(c.phase('total'), 1)} "
            f"| {_med(pss, 0)} | {roles} | {busy} |"
        )
    return "\n".join(lines) + "\n"


def load_runs(results_dir: Path) -> list[dict[str, Any]]:
    """The driver's runs.jsonl of one results folder."""
    path = results_dir / "runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: analyze.py RESULTS_DIR (a folder with runs.jsonl)", file=sys.stderr)
        return 2
    results = Path(args[0])
    cells = summarize(load_runs(results), base=results)
    if __package__ in (None, ""):  # a script run: this folder is on sys.path
        from goals import fixed_cost_table
    else:
        from .goals import fixed_cost_table

    print(format_tables(cells) + "\n" + fixed_cost_table(cells), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
