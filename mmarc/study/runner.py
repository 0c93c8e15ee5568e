"""Running a study: every setting as an ordinary simulator run, resumable, side by side.

Why this shape: a study is hours of compute on real data, so each setting is an ordinary
``mmarc run --sim`` run whose folder is kept (``runs/<setting id>/``) and whose
``study_setting.json`` marks it finished with the hash of the plan it ran. Running the
study again skips every setting whose marker names the plan it would compile now (a
changed MMAR or spec runs again, its old run kept beside as ``<id>.plan-<hash>``); a
setting left half done is started afresh.
``jobs`` runs that many settings at once, sharing the cores between their clients.

Each setting's plan is compiled from the MMAR with the setting as compiler input:
``--set LOCAL_EPOCHS=E`` (the client trainer's ``local_epochs``) and ``--set seed=S``
(the determinism seed), the server's ``num_rounds`` and ``min_num_clients``, and the
plan's ``simulation`` section (clients, sites, split, seed, training share), so the plan
hash covers the whole setting, its data split included: two settings never share a hash.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError
from mmarc.plan import Plan

from .grid import Setting, expand
from .spec import StudySpec

__all__ = [
    "MARKER",
    "Progress",
    "StudyError",
    "StudyRun",
    "compile_setting",
    "run_study",
    "setting_sets",
]

#: The file that marks a setting's run folder finished.
MARKER = "study_setting.json"


class StudyError(MmarcError):
    """A study could not run, or some of its settings failed (the rest are kept)."""


@dataclass(frozen=True)
class Progress:
    """One line of progress: a setting finished, failed or was skipped as already done."""

    index: int  # 1-based, in completion order
    total: int
    setting: Setting
    status: str  # "done", "skipped" or "failed"
    accuracy: float | None
    wall_s: float
    eta_s: float | None  # seconds the rest of the study should take
    detail: str = ""


@dataclass
class StudyRun:
    """What :func:`run_study` did: the settings and their run folders, and failures."""

    output: Path
    settings: list[Setting]
    run_dirs: dict[str, Path]
    plans: dict[str, str] = field(default_factory=dict)  # setting id -> plan sha256
    walls: dict[str, float] = field(default_factory=dict)  # setting id -> sim wall seconds
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def setting_sets(setting: Setting) -> list[str]:
    """The ``--set`` overrides that make the MMAR's plan this setting's."""
    return [f"LOCAL_EPOCHS={setting.epochs_per_round}", f"seed={setting.seed}"]


def compile_setting(mmar: Path, setting: Setting, sets: list[str]) -> tuple[Plan, Path]:
    """The plan ``setting`` runs (its hash covers the whole setting) and the MMAR's root.

    Args:
        mmar: the study's MMAR folder.
        setting: one setting of the grid.
        sets: extra ``--set`` overrides for every setting.

    Raises:
        CompileErrors: the MMAR has errors.
    """
    from mmarc import api

    compiled, plan = api.compiled_or_raise(
        mmar,
        [*sets, *setting_sets(setting)],
        server_overrides={"num_rounds": setting.rounds, "min_num_clients": setting.clients},
        simulation=setting.simulation(),
    )
    return plan, compiled.validation.target.root


def _finished(run_dir: Path, plan: Plan) -> dict[str, Any] | None:
    try:
        marker = json.loads((run_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(marker, dict) and marker.get("plan_sha256") == plan.sha256:
        return marker
    return None


def _clear(run_dir: Path) -> None:
    """Make room for a fresh run: a run finished with another plan (the MMAR or the spec
    changed) is kept beside it as ``<id>.plan-<hash>``; a half-done one is removed (its
    rounds would not match a fresh run's)."""
    if not run_dir.exists():
        return
    try:
        marker = json.loads((run_dir / MARKER).read_text(encoding="utf-8"))
        old = str(marker.get("plan_sha256") or "")[:12] if isinstance(marker, dict) else ""
    except (OSError, ValueError):
        old = ""
    if old.isalnum():
        target = run_dir.with_name(f"{run_dir.name}.plan-{old}")
        if target.exists():
            shutil.rmtree(target)
        run_dir.rename(target)
        return
    shutil.rmtree(run_dir)


def _threads(jobs: int, clients: int) -> str:
    return str(max(1, (os.cpu_count() or 1) // max(1, jobs * clients)))


def run_study(
    spec: StudySpec,
    mmar: Path,
    output: Path,
    *,
    jobs: int = 1,
    sets: list[str] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> StudyRun:
    """Run every setting of ``spec`` not already finished under ``output``/runs.

    Args:
        spec: the validated spec.
        mmar: the MMAR folder it names.
        output: the study folder (created).
        jobs: settings run at once (1: one after the other).
        sets: extra ``--set`` overrides for every setting.
        on_progress: hears one :class:`Progress` per setting.

    Raises:
        CompileErrors: the MMAR has errors (before anything runs).
        StudyError: ``jobs`` < 1.
    """
    if jobs < 1:
        raise StudyError("--jobs must be at least 1")
    settings = expand(spec)
    output.mkdir(parents=True, exist_ok=True)
    runs = output / "runs"
    study = StudyRun(output, settings, {s.id: runs / s.id for s in settings})
    plans = {s.id: compile_setting(mmar, s, list(sets or [])) for s in settings}
    lock = threading.Lock()
    timed: list[float] = []
    done = 0

    def report(setting: Setting, status: str, acc: float | None, wall: float, detail: str) -> None:
        nonlocal done
        with lock:
            done += 1
            if status != "skipped":
                timed.append(wall)
            left = len(settings) - done
            eta = None
            if timed:
                eta = sum(timed) / len(timed) * left / min(jobs, max(left, 1))
            progress = Progress(done, len(settings), setting, status, acc, wall, eta, detail)
        if on_progress is not None:
            on_progress(progress)

    todo: list[Setting] = []
    for setting in settings:
        plan, _ = plans[setting.id]
        study.plans[setting.id] = plan.sha256
        marker = _finished(study.run_dirs[setting.id], plan)
        if marker is None:
            todo.append(setting)
            continue
        study.skipped.append(setting.id)
        study.walls[setting.id] = float(marker.get("wall_s") or 0.0)
        report(setting, "skipped", marker.get("accuracy"), study.walls[setting.id], "")

    def one(setting: Setting) -> None:
        plan, root = plans[setting.id]
        run_dir = study.run_dirs[setting.id]
        _clear(run_dir)
        from mmarc.runtime.sim import SimError, simulate

        try:
            result = simulate(
                plan,
                root,
                output=run_dir,
                env={"OMP_NUM_THREADS": _threads(jobs, setting.clients)},
            )
        except SimError as exc:
            if exc.exit_code != 1:  # interrupted: stop the study
                raise
            with lock:
                study.failed[setting.id] = exc.one_line()
            report(setting, "failed", None, 0.0, exc.one_line())
            return
        final = result.summary.get("final_metrics") or {}
        accuracy = next(iter(final.values()), None)
        marker = {
            "setting": setting.id,
            "plan_sha256": plan.sha256,
            "wall_s": round(result.wall_s, 3),
            "accuracy": accuracy,
            "clients": result.clients,
        }
        (run_dir / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        with lock:
            study.walls[setting.id] = result.wall_s
        report(setting, "done", accuracy, result.wall_s, "")

    if jobs == 1:
        for setting in todo:
            one(setting)
    else:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mmarc-study") as pool:
            pending: set[Future[None]] = {pool.submit(one, s) for s in todo}
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
    return study
