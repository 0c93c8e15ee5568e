"""mmarc's library API: what the CLI calls and what tests and other tools call directly.

Every function here takes paths and plain options and returns result objects; none
prints or exits. Schema-level work (validate, lint, schema, compile) never imports torch
or MONAI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmarc.compiler.migrate import MigrationError, MigrationReport
from mmarc.compiler.mmar import UsageError
from mmarc.compiler.pipeline import Validation, validate_target
from mmarc.compiler.plan import PlanError

__all__ = [
    "Compilation",
    "MigrationError",
    "MigrationReport",
    "PlanError",
    "UsageError",
    "Validation",
    "build_catalog",
    "compile_plan",
    "compiled_or_raise",
    "evaluate",
    "lint",
    "migrate",
    "run_client",
    "run_local",
    "run_server",
    "simulate",
    "validate",
    "write_schemas",
]


def validate(
    path: Path | str, sets: list[str] | None = None, cwd: Path | None = None
) -> Validation:
    """Validate an MMAR folder or one of its files (``mmarc validate``)."""
    return validate_target(Path(path), sets=sets, cwd=cwd)


def lint(
    path: Path | str,
    sets: list[str] | None = None,
    cwd: Path | None = None,
    require_data: bool = False,
) -> Validation:
    """``validate`` plus the consistency rules across sections, files and data (``mmarc lint``).

    Data folders that are not on this machine skip the data checks (one L010 note);
    ``require_data`` makes their absence an error instead (a site's pre-flight check).
    """
    from mmarc.compiler.consistency import lint as consistency_rules

    result = validate(path, sets=sets, cwd=cwd)
    result.diagnostics.extend(consistency_rules(result, require_data=require_data))
    return result


@dataclass
class Compilation:
    """The validation the plan came from, and the plan (None when there were errors)."""

    validation: Validation
    plan: dict[str, Any] | None


def compile_plan(
    path: Path | str,
    sets: list[str] | None = None,
    cwd: Path | None = None,
    train_config: str | None = None,
) -> Compilation:
    """Validate, then emit the hashed plan the runtime executes (``mmarc compile``).

    An MMAR with several train configs needs ``train_config`` (a file name); without it
    :class:`UsageError` names them.
    """
    from mmarc.catalog import load_catalog
    from mmarc.compiler.plan import build_plan

    result = validate_target(
        Path(path), sets=sets, cwd=cwd, train_config=train_config, one_train_config=True
    )
    if result.diagnostics.has_errors():
        return Compilation(result, None)
    from mmarc.compiler.fl_runtime import runtime_refusals

    refusals = runtime_refusals(
        (f.source, f.kind, f.substituted)
        for f in result.target.files
        if f.kind is not None and f.substituted is not None
    )
    if refusals:
        raise PlanError("cannot compile components mmarc does not run: " + "; ".join(refusals))
    return Compilation(result, build_plan(result, load_catalog()))


def migrate(mmar: Path | str, out: Path | str) -> MigrationReport:
    """Rewrite a Clara 4.0/4.1 MMAR for the installed MONAI into ``out`` (``mmarc migrate``).

    Raises :class:`MigrationError` (before writing anything) when ``out`` is unusable.
    """
    from mmarc.compiler.migrate import migrate as _migrate

    return _migrate(Path(mmar), Path(out))


def compiled_or_raise(
    path: Path | str, sets: list[str] | None = None
) -> tuple[Compilation, dict[str, Any]]:
    """Compile ``path`` for the runtime; raise :class:`PlanError` naming the errors if any."""
    compiled = compile_plan(path, sets=sets)
    if compiled.plan is None:
        count = len(compiled.validation.diagnostics.errors)
        raise PlanError(f"{path}: {count} error(s) found; no plan to run")
    return compiled, compiled.plan


def run_local(
    path: Path | str,
    sets: list[str] | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
    resume: bool | None = None,
) -> Any:
    """Validate, compile and train on this machine (``mmarc run --local``; imports torch).

    Returns the executor's ``RunResult``; raises :class:`PlanError` when the MMAR has
    errors and ``ExecutorError`` for problems found while building or training.
    """
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.executor import run_local as _run_local

    return _run_local(
        plan, compiled.validation.target.root, device=device, progress=progress, resume=resume
    )


def simulate(
    path: Path | str,
    n_clients: int,
    sets: list[str] | None = None,
    *,
    rounds: int | None = None,
    split: str = "iid",
    output: Path | None = None,
    seed: int = 0,
    device: str = "cpu",
    events_path: Path | None = None,
    progress: bool | None = None,
) -> Any:
    """Compile, then run a federation of one server and ``n_clients`` client processes on
    127.0.0.1 (``mmarc run --sim N``). Returns ``mmarc.runtime.sim.SimResult``; raises
    :class:`PlanError`, ``FLConfigError`` or ``SimError`` (``SimInterrupted`` on Ctrl-C)."""
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.sim import simulate as _simulate

    return _simulate(
        plan,
        compiled.validation.target.root,
        n_clients,
        rounds=rounds,
        split=split,
        output=output,
        seed=seed,
        device=device,
        events_path=events_path,
        progress=progress,
    )


def _fl_run_dir(plan: dict[str, Any], role: str, output: Path | None) -> Path:
    if output is not None:
        return Path(output)
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{plan.get('mmar_name') or 'mmar'}-{role}-{stamp}"


def run_server(
    path: Path | str,
    sets: list[str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    output: Path | None = None,
    events_path: Path | None = None,
    security: Any = None,
    on_progress: Any = None,
    on_ready: Any = None,
) -> Any:
    """Compile, then run a federation server until the run is over (``mmarc server``).

    ``port`` 0 picks a free one (``on_ready(endpoint)`` says which). ``output``: the run
    folder; one holding an unfinished run of the same plan is resumed after its last
    completed round. ``security``: a transport ``SecurityConfig`` (None: plain TCP).
    Returns ``mmarc.runtime.server.ServerResult`` (imports torch)."""
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.server import run_server as _run_server

    return _run_server(
        plan,
        compiled.validation.target.root,
        _fl_run_dir(plan, "server", output),
        bind=f"tcp://{host}:{port or '*'}",
        security=security,
        events_path=events_path,
        on_progress=on_progress,
        on_ready=on_ready,
    )


def run_client(
    path: Path | str,
    name: str,
    server: str,
    sets: list[str] | None = None,
    *,
    datalist: Path | None = None,
    output: Path | None = None,
    device: str = "cpu",
    events_path: Path | None = None,
    security: Any = None,
) -> Any:
    """Compile, then join the federation at ``server`` as ``name`` (``mmarc client``).

    ``datalist``: this site's own datalist in place of the one the plan names (the plan
    hash stays the shared one). Returns ``mmarc.runtime.client.ClientResult``."""
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.client import run_client as _run_client

    return _run_client(
        plan,
        compiled.validation.target.root,
        name,
        server,
        _fl_run_dir(plan, name, output),
        datalist=datalist,
        device=device,
        security=security,
        events_path=events_path,
    )


def evaluate(
    path: Path | str,
    sets: list[str] | None = None,
    *,
    checkpoint: Path | None = None,
    device: str = "cpu",
) -> dict[str, float]:
    """Run config_validation.json against a checkpoint (``mmarc evaluate``; imports torch)."""
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.executor import evaluate as _evaluate

    return _evaluate(plan, compiled.validation.target.root, checkpoint, device=device)


def write_schemas(out_dir: Path | str) -> list[Path]:
    """Write the JSON Schema of every file kind into ``out_dir`` (``mmarc schema``)."""
    from mmarc.compiler.schemas import write_schemas as _write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _write(out)


def build_catalog(out: Path | str | None = None) -> Path:
    """Introspect the installed MONAI/torch/ignite and write the catalog (imports torch)."""
    from mmarc.catalog import DEFAULT_CATALOG_PATH, build_and_write

    target = Path(out) if out is not None else DEFAULT_CATALOG_PATH
    build_and_write(target)
    return target
