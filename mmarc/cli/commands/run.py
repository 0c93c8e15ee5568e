"""Commands that train: ``run --local``, ``run --sim N`` and ``evaluate`` (import torch)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mmarc import api
from mmarc.extras import require_run_extra

from ..errors import stopped_message
from ..options import DeviceOpt, PathArg, SetOpt

__all__ = ["evaluate", "metric_text", "run"]


def run(
    path: PathArg,
    local: Annotated[bool, typer.Option("--local", help="Train on this machine.")] = False,
    sim: Annotated[
        int | None,
        typer.Option(
            "--sim", metavar="N", help="Simulate a federation: a server and N client processes."
        ),
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", metavar="R", help="--sim: rounds (num_rounds).")
    ] = None,
    split: Annotated[
        str,
        typer.Option(
            "--split", help="--sim: share the datalist: iid, dirichlet:ALPHA or fraction:F."
        ),
    ] = "iid",
    seed: Annotated[
        int, typer.Option("--seed", help="--sim: seed of the data split (hashed in the plan).")
    ] = 0,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="--sim: run folder (default runs/<mmar>-<time>)."),
    ] = None,
    sets: SetOpt = None,
    device: DeviceOpt = "cpu",
    resume: Annotated[
        bool | None,
        typer.Option(
            "--resume/--no-resume",
            help="Continue from the last checkpoint (or not); "
            "default: as the MMAR's CheckpointLoader says.",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Validate, compile and run an MMAR: --local trains here, --sim N simulates a federation."""
    require_run_extra("run")
    if local and sim is not None:
        raise api.UsageError("choose one of --local and --sim N")
    if sim is not None:
        _run_sim(path, sim, rounds, split, seed, output, sets, device, progress)
        return
    if rounds is not None or output is not None:
        raise api.UsageError("--rounds and --output go with --sim N")
    if not local:
        raise api.UsageError(
            "choose how to run: --local trains on this machine, --sim N simulates a federation"
        )
    from ..progress import TrainingProgress

    with TrainingProgress(enabled=progress) as bar:
        result = api.run_local(path, sets=sets, device=device, resume=resume, on_event=bar)
    typer.echo(
        f"trained {result.epochs} epoch(s) in {result.wall_time_s:.1f} s; "
        f"model: {result.model_path}"
    )
    if result.best_metric is not None and result.best_value is not None:
        typer.echo(
            f"best {result.best_metric}: {result.best_value:.4f} "
            f"(epoch {result.best_epoch}) -> {result.best_model_path}"
        )
    typer.echo(f"metrics: {result.metrics_path}")


def metric_text(info: object) -> str:
    """``accuracy 0.9712 (round 3)`` for a best/final metric record, ``-`` without one."""
    if not isinstance(info, dict) or info.get("value") is None:
        return "-"
    text = f"{info.get('metric')} {float(info['value']):.4f}"
    return text + (f" (round {info['round']})" if "round" in info else "")


def _run_sim(
    path: Path,
    n: int,
    rounds: int | None,
    split: str,
    seed: int,
    output: Path | None,
    sets: list[str] | None,
    device: str,
    progress: bool,
) -> None:
    """``run --sim N``: a live view of the server's events, then the summary."""
    from mmarc.plan import simulation_settings

    from ..views import ProgressView

    try:  # refused before the live view starts; api.simulate makes them compiler inputs
        simulation_settings(n, split, seed)
    except ValueError as exc:
        raise api.UsageError(str(exc)) from None
    view = ProgressView(f"mmarc run --sim {n}: {path}", live=None if progress else False)
    with view, stopped_message("interrupted; every process was stopped"):
        result = api.simulate(
            path,
            n,
            sets,
            rounds=rounds,
            split=split,
            output=output,
            seed=seed,
            device=device,
            on_event=view,
        )
    summary = result.summary
    typer.echo(f"run folder: {result.run_dir}")
    typer.echo(
        f"rounds {summary.get('first_round')}..{summary.get('last_round')} done in "
        f"{result.wall_s:.1f} s"
    )
    final = summary.get("final_metrics") or {}
    for name, value in final.items():
        typer.echo(f"final global model: {name} {value:.4f}")
    typer.echo(f"best global model: {metric_text(summary.get('best'))}")
    if result.cross_val is not None:
        typer.echo(f"cross-site validation: {result.run_dir / 'cross_val_results.json'}")
    _print_overhead(result.events_path)
    failed = {name: code for name, code in result.clients.items() if code != 0}
    for name, code in failed.items():
        typer.echo(f"mmarc: warning: {name} exited with status {code} (see logs/)", err=True)


def _print_overhead(events_path: Path | None) -> None:
    """The runtime's own cost per round (wall - slowest client compute), rounds 2 on."""
    from mmarc.runtime.sim.timing import read_events, round_timings, summary

    if events_path is None or not events_path.exists():
        return
    found: dict[str, Any] | None = summary(round_timings(read_events(events_path)))
    if found is None:
        return
    typer.echo(
        f"per-round overhead (rounds 2+): median {found['overhead_median_s'] * 1000:.0f} ms, "
        f"min {found['overhead_min_s'] * 1000:.0f} ms; round wall median "
        f"{found['wall_median_s']:.2f} s, slowest client compute median "
        f"{found['compute_median_s']:.2f} s; {found['bytes_per_round'] / 1e6:.1f} MB per round"
    )


def evaluate(
    path: PathArg,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint", "-c", help="Model to evaluate (default: the MMAR's MMAR_CKPT)."
        ),
    ] = None,
    sets: SetOpt = None,
    device: DeviceOpt = "cpu",
) -> None:
    """Run config_validation.json against a checkpoint and write the metrics (validate.sh)."""
    require_run_extra("evaluate")
    metrics = api.evaluate(path, sets=sets, checkpoint=checkpoint, device=device)
    for name, value in metrics.items():
        typer.echo(f"{name}: {value:.4f}")
    sys.stdout.flush()
