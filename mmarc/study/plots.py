"""The study's plots, drawn with matplotlib (the ``study`` extra) as PNG and SVG.

Why these four: they are the figures of the seed experiment. Accuracy against local
epochs, one curve per number of clients, per aggregation rate (epochs per round) and per
data share: every setting trains the same total local epochs, so the curves share an
x-axis. The fourth puts each setting's final accuracy against its wall time. Curves are
means over the study's seeds. matplotlib is imported here only, with the Agg backend (no
display needed), so the rest of mmarc never pays for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .grid import Setting

__all__ = ["FIGURES", "plot_all"]

#: figure stem -> (sweep axis or None for the wall-time scatter, title)
FIGURES: dict[str, tuple[str | None, str]] = {
    "accuracy_by_clients": ("clients", "Accuracy by number of clients"),
    "accuracy_by_epochs_per_round": ("epochs_per_round", "Accuracy by aggregation rate"),
    "accuracy_by_data_share": ("data_share", "Accuracy by data share"),
    "final_accuracy_vs_wall": (None, "Final accuracy against wall time"),
}


def _series(
    rows: Sequence[Mapping[str, Any]], ids: set[str]
) -> dict[str, list[tuple[float, float]]]:
    """setting id without the seed -> [(epoch, mean accuracy over seeds)]."""
    points: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["setting"] in ids and row.get("accuracy") not in (None, ""):
            key = str(row["setting"]).rsplit("-s", 1)[0]
            points[key][float(row["epoch"])].append(float(row["accuracy"]))
    return {
        key: sorted((epoch, sum(v) / len(v)) for epoch, v in by_epoch.items())
        for key, by_epoch in points.items()
    }


def _save(figure: Any, out: Path, stem: str) -> list[Path]:
    paths = []
    for suffix, meta in ((".png", {"Software": None}), (".svg", {"Date": None})):
        path = out / f"{stem}{suffix}"
        figure.savefig(path, dpi=110, metadata=meta)
        paths.append(path)
    return paths


def plot_all(
    rows: Sequence[Mapping[str, Any]], settings: Sequence[Setting], out: Path
) -> list[Path]:
    """Draw every figure the study's sweeps allow into ``out``; returns the files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "mmarc-study"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    labels = {s.id.rsplit("-s", 1)[0]: s for s in settings}
    metric = next((str(r["metric"]) for r in rows if r.get("metric")), "accuracy")
    for stem, (axis, title) in FIGURES.items():
        if axis is None:
            continue
        members = [s for s in settings if axis in s.sweeps]
        if len({s.id.rsplit("-s", 1)[0] for s in members}) < 2:
            continue
        figure, ax = plt.subplots(figsize=(6.4, 4.2))
        order = sorted(members, key=lambda s: (s.clients, s.epochs_per_round, -s.data_share))
        drawn: set[str] = set()
        series = _series(rows, {s.id for s in members})
        for setting in order:
            key = setting.id.rsplit("-s", 1)[0]
            if key in drawn or key not in series:
                continue
            drawn.add(key)
            xs, ys = zip(*series[key], strict=True)
            ax.plot(xs, ys, marker="o", markersize=3, label=labels[key].label)
        ax.set_xlabel("local epochs per site")
        ax.set_ylabel(metric)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        figure.tight_layout()
        written += _save(figure, out, stem)
        plt.close(figure)
    finals: dict[str, tuple[float, float]] = {}
    for row in rows:  # the last evaluation point of each setting
        if row.get("accuracy") not in (None, ""):
            finals[str(row["setting"])] = (float(row["wall_s"]), float(row["accuracy"]))
    if finals:
        figure, ax = plt.subplots(figsize=(6.4, 4.2))
        for setting in settings:
            if setting.id in finals:
                wall, acc = finals[setting.id]
                ax.scatter([wall], [acc], s=18)
                ax.annotate(
                    f"c{setting.clients} e{setting.epochs_per_round} {setting.share}",
                    (wall, acc),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        ax.set_xlabel("wall time of the federated rounds (s)")
        ax.set_ylabel(f"final {metric}")
        ax.set_title(FIGURES["final_accuracy_vs_wall"][1])
        ax.grid(alpha=0.3)
        figure.tight_layout()
        written += _save(figure, out, "final_accuracy_vs_wall")
        plt.close(figure)
    return written
