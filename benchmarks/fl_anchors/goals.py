"""The issue-14 goals as tables: start-up and memory against the best anchor, CurveZMQ
against the raw CurveZMQ wire.

Why apart from :mod:`.analyze`: that module turns events into per-cell figures (the
anchor file's method); this one only compares those figures with goals, so a new goal
never touches the arithmetic the unit tests pin down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

if __package__ in (None, ""):
    from analyze import MMARC_CURVE, CellSummary, Stat, _med, _opt, is_anchor, label
else:
    from .analyze import MMARC_CURVE, CellSummary, Stat, _med, _opt, is_anchor, label

__all__ = ["curve_table", "fixed_cost_table"]

Measure = Callable[[CellSummary], Stat | None]


def _best(cells: Sequence[CellSummary], key: tuple[str, int], value: Measure) -> float | None:
    """The lowest median of ``value(cell)`` over the anchor variants of one cell."""
    found = [value(c) for c in cells if c.key == key and is_anchor(c.variant)]
    medians = [s.median for s in found if s is not None]
    return min(medians) if medians else None


def fixed_cost_table(cells: Sequence[CellSummary]) -> str:
    """mmarc (plain and CurveZMQ) against the best anchor on launch to the end of round 1
    and on the run's peak PSS: the issue's goals are at most 1/2 of the best on both."""

    def r1(c: CellSummary) -> Stat | None:
        return c.phase("round1_end")

    def pss(c: CellSummary) -> Stat | None:
        return Stat.of(c.peak_pss_mb)

    lines = [
        "### Launch → end of round 1 and peak PSS, mmarc / best anchor (medians; goal ≤ 0.5)",
        "",
        "| framework | model | clients | launch → end of round 1, s | best anchor | ratio "
        "| peak PSS, MB | best anchor | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        if is_anchor(c.variant):
            continue
        rows = []
        for value in (r1, pss):
            mine, best = value(c), _best(cells, c.key, value)
            ratio = mine.median / best if mine is not None and best else None
            digits = "0" if value is pss else "2"
            rows += [_med(mine, int(digits)), _opt(best, f".{digits}f"), _opt(ratio, ".2f")]
        lines.append(f"| {label(c.variant)} | {c.model} | {c.clients} | " + " | ".join(rows) + " |")
    return "\n".join(lines) + "\n"


def curve_table(cells: Sequence[CellSummary], raw_curve_s: dict[tuple[str, int], float]) -> str:
    """mmarc's CurveZMQ rounds against the raw CurveZMQ round time of the same bytes
    (``transport_throughput.py --curve``, same run, measured before and after each kits
    run). The goal (≤ 1.5) is held to the overhead per steady round: all that is not
    client compute, so transfer plus aggregation, persistence and the sites' loading and
    differencing. The transfer column is the narrower figure the issue names: the
    download span (round start to the last site's receipt) plus the upload span (the
    last site's result sent to the start of aggregation)."""
    lines = [
        "### CurveZMQ: mmarc kits per round / raw CurveZMQ round (same bytes, same run)",
        "",
        "| model | clients | raw CurveZMQ round (s) | kits overhead (s) | overhead / raw "
        "| kits transfer (s) | transfer / raw |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        if c.variant != MMARC_CURVE:
            continue
        raw = raw_curve_s.get(c.key)
        over, moved = c.stat("overhead"), c.stat("transfer")
        ratio = over.median / raw if over is not None and raw else None
        moved_ratio = moved.median / raw if moved is not None and raw else None
        lines.append(
            f"| {c.model} | {c.clients} | {_opt(raw, '.3f')} | {_med(over)} "
            f"| {_opt(ratio, '.2f')} | {_med(moved)} | {_opt(moved_ratio, '.2f')} |"
        )
    return "\n".join(lines) + "\n"
