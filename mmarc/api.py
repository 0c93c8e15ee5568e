"""mmarc's library API: what the CLI calls and what tests and other tools call directly.

Every function here takes paths and plain options and returns result objects; none
prints or exits, and every error it raises for something a user can fix is an
:class:`~mmarc.errors.MmarcError` (``exit_code`` and ``one_line()`` included), so a
caller needs one ``except``. Schema-level work (validate, lint, schema, compile) never
imports torch or MONAI; the rest imports them only when called.

- checking: :func:`validate`, :func:`lint`, :func:`compile_plan`, :func:`migrate`,
  :func:`write_schemas`, :func:`build_catalog`;
- running: :func:`run_local`, :func:`evaluate`, :func:`simulate`, :func:`run_server`,
  :func:`run_client`, and from startup kits :func:`serve_server_kit` /
  :func:`serve_client_kit`;
- deploying: :func:`provision_inputs` / :func:`provision`, and the admin plane:
  :func:`admin_session` (a connected console client) and :func:`admin` (one command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmarc.compiler.mmar import UsageError
from mmarc.compiler.pipeline import Validation, validate_target
from mmarc.errors import MmarcError
from mmarc.lazy import lazy_exports
from mmarc.plan.errors import PlanError

if TYPE_CHECKING:  # the runtime's types; importing them at run time would cost the CLI
    from mmarc.compiler.migrate import MigrationError, MigrationReport
    from mmarc.plan import Plan, SimulationSettings
    from mmarc.provisioning import Inputs
    from mmarc.runtime.admin import AdminClient, Response
    from mmarc.runtime.client import ClientResult
    from mmarc.runtime.events import Subscriber
    from mmarc.runtime.executor import RunResult
    from mmarc.runtime.provision import ProvisionResult
    from mmarc.runtime.server import ServerResult
    from mmarc.runtime.serving import ModelRegistry, ServedModel, ServeSettings
    from mmarc.runtime.sim import SimResult
    from mmarc.runtime.transport.security import SecurityConfig

__all__ = [
    "Compilation",
    "CompileErrors",
    "MigrationError",
    "MigrationReport",
    "MmarcError",
    "PlanError",
    "UsageError",
    "Validation",
    "admin",
    "admin_session",
    "build_catalog",
    "compile_for_runtime",
    "compile_plan",
    "compiled_or_raise",
    "evaluate",
    "lint",
    "migrate",
    "provision",
    "provision_inputs",
    "render_diagnostics",
    "run_client",
    "run_local",
    "run_server",
    "serve",
    "serve_client_kit",
    "serve_server_kit",
    "serving_registry",
    "simulate",
    "validate",
    "write_schemas",
]


#: Names re-exported from modules that ``validate`` does not need: loaded on first use, so
#: ``mmarc validate`` does not pay for the migrator (PEP 562).
_LAZY_EXPORTS = {
    "MigrationError": "mmarc.compiler.migrate",
    "MigrationReport": "mmarc.compiler.migrate",
}


__getattr__ = lazy_exports(__name__, _LAZY_EXPORTS)


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
    plan: Plan | None


def compile_plan(
    path: Path | str,
    sets: list[str] | None = None,
    cwd: Path | None = None,
    train_config: str | None = None,
    *,
    server_overrides: dict[str, Any] | None = None,
    simulation: SimulationSettings | None = None,
) -> Compilation:
    """Validate, then emit the hashed plan the runtime executes (``mmarc compile``).

    An MMAR with several train configs needs ``train_config`` (a file name); without it
    :class:`UsageError` names them. ``server_overrides``: FL server settings that replace
    the config's before hashing (``{"num_rounds": R}`` for ``--rounds R``); raises
    ``FLConfigError`` if refused. ``simulation``: the simulated federation (clients, data
    split) the plan is for, recorded in it and hashed (``mmarc run --sim``, a study).
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
    plan = build_plan(
        result, load_catalog(), server_overrides=server_overrides, simulation=simulation
    )
    return Compilation(result, plan)


def migrate(mmar: Path | str, out: Path | str) -> MigrationReport:
    """Rewrite a Clara 4.0/4.1 MMAR for the installed MONAI into ``out`` (``mmarc migrate``).

    Raises :class:`MigrationError` (before writing anything) when ``out`` is unusable.
    """
    from mmarc.compiler.migrate import migrate as _migrate

    return _migrate(Path(mmar), Path(out))


class CompileErrors(PlanError):
    """The MMAR has errors, so there is no plan: ``validation`` holds every diagnostic
    (the CLI prints them as ``mmarc validate`` does before this error's one line)."""

    def __init__(self, message: str, validation: Validation) -> None:
        super().__init__(message)
        self.validation = validation


def compiled_or_raise(
    path: Path | str,
    sets: Sequence[str] | None = None,
    cwd: Path | None = None,
    *,
    server_overrides: dict[str, Any] | None = None,
    train_config: str | None = None,
    simulation: SimulationSettings | None = None,
) -> tuple[Compilation, Plan]:
    """Compile ``path`` for the runtime; raise :class:`CompileErrors` when it has errors."""
    compiled = compile_plan(
        path,
        sets=list(sets) if sets else None,
        cwd=cwd,
        train_config=train_config,
        server_overrides=server_overrides,
        simulation=simulation,
    )
    if compiled.plan is None:
        count = len(compiled.validation.diagnostics.errors)
        raise CompileErrors(f"{path}: {count} error(s) found; fix them first", compiled.validation)
    return compiled, compiled.plan


def render_diagnostics(validation: Validation, target: str) -> str:
    """Diagnostics as ``mmarc validate`` prints them (text, no colour)."""
    from mmarc.report import OutputFormat, render

    return render(
        OutputFormat.TEXT,
        target,
        validation.detected(),
        list(validation.diagnostics),
        validation.sources,
    )


def compile_for_runtime(
    mmar: Path, *, sets: Sequence[str] = (), paths_from_mmar: bool = False
) -> Plan:
    """The :class:`~mmarc.runtime.compiling.CompileFn` the runtime is handed: the plan of
    ``mmar``, or :class:`~mmarc.runtime.compiling.CompileRefused` carrying the rendered
    diagnostics (file paths relative to the MMAR when ``paths_from_mmar``)."""
    from mmarc.runtime.compiling import CompileRefused

    cwd = Path(mmar) if paths_from_mmar else None
    try:
        _, plan = compiled_or_raise(mmar, sets, cwd=cwd)
    except CompileErrors as exc:
        target = Path(mmar).name if paths_from_mmar else str(mmar)
        raise CompileRefused(str(exc), render_diagnostics(exc.validation, target)) from None
    except (UsageError, PlanError) as exc:
        raise CompileRefused(exc.one_line()) from None
    return plan


def run_local(
    path: Path | str,
    sets: list[str] | None = None,
    *,
    device: str = "cpu",
    resume: bool | None = None,
    on_event: Subscriber | None = None,
) -> RunResult:
    """Validate, compile and train on this machine (``mmarc run --local``; imports torch).

    ``on_event`` hears the training events (:mod:`mmarc.runtime.events`). Raises
    :class:`CompileErrors` when the MMAR has errors, ``ExecutorError`` for problems found
    while building or training and ``RunInterrupted`` (exit 130) on Ctrl-C.
    """
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.executor import run_local as _run_local

    return _run_local(
        plan, compiled.validation.target.root, device=device, resume=resume, on_event=on_event
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
    on_event: Subscriber | None = None,
    transport: str = "ipc",
) -> SimResult:
    """Compile, then run a federation of one server and ``n_clients`` client processes on
    this machine (``mmarc run --sim N``). ``on_event`` hears the server's events. Raises
    :class:`UsageError` (a bad ``--sim``, ``--split``, ``--seed`` or ``--rounds``),
    :class:`CompileErrors`, ``FLConfigError`` or ``SimError`` (``SimInterrupted`` on Ctrl-C).
    ``transport``: ``"ipc"`` (a Unix socket in a private folder) or ``"tcp"`` (127.0.0.1).

    ``rounds``, ``n_clients``, ``split`` and ``seed`` are compiler inputs (the server's
    ``num_rounds`` and the plan's ``simulation`` section, see
    :mod:`mmarc.plan.simulation`), so the plan the server runs, data split included, is
    the plan that was hashed. The clients' worker starts before the compile and imports
    torch and MONAI meanwhile (:mod:`mmarc.runtime.sim.standby`); a refused MMAR stops it."""
    from mmarc.plan.simulation import simulation_settings

    if rounds is not None and rounds < 1:
        raise UsageError("--rounds must be at least 1")
    try:
        simulation = simulation_settings(n_clients, split, seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    overrides = {"num_rounds": rounds} if rounds is not None else None
    from mmarc.runtime.sim.standby import standby_for

    # the clients' worker imports torch and MONAI (seconds) while this process compiles
    standby = standby_for(n_clients)
    try:
        compiled, plan = compiled_or_raise(
            path, sets, server_overrides=overrides, simulation=simulation
        )
    except BaseException:
        standby.close()  # nothing of the run exists yet: no process, no file
        raise
    from mmarc.runtime.sim import simulate as _simulate

    return _simulate(
        plan,
        compiled.validation.target.root,
        output=output,
        device=device,
        events_path=events_path,
        on_event=on_event,
        transport=transport,
        standby=standby,
    )


def _fl_run_dir(plan: Plan, role: str, output: Path | None) -> Path:
    if output is not None:
        return Path(output)
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{plan.mmar_name or 'mmar'}-{role}-{stamp}"


def run_server(
    path: Path | str,
    sets: list[str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    output: Path | None = None,
    events_path: Path | None = None,
    security: SecurityConfig | None = None,
    on_event: Subscriber | None = None,
    on_ready: Callable[[str], None] | None = None,
    he_context: Path | None = None,
) -> ServerResult:
    """Compile, then run a federation server until the run is over (``mmarc server``).

    ``port`` 0 picks a free one (``on_ready(endpoint)`` says which). ``output``: the run
    folder; one holding an unfinished run of the same plan is resumed after its last
    completed round. ``security``: a transport ``SecurityConfig`` (None: plain TCP).
    ``he_context``: the project's public TenSEAL context (homomorphic encryption).
    ``on_event`` hears the server's events (imports torch)."""
    compiled, plan = compiled_or_raise(path, sets)
    from mmarc.runtime.events import RunEvent
    from mmarc.runtime.server import run_server as _run_server

    def progress(info: dict[str, Any]) -> None:
        if on_event is not None:
            on_event(RunEvent.from_progress(info))

    return _run_server(
        plan,
        compiled.validation.target.root,
        _fl_run_dir(plan, "server", output),
        bind=f"tcp://{host}:{port or '*'}",
        security=security,
        events_path=events_path,
        on_progress=progress,
        on_ready=on_ready,
        he_context=he_context,
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
    security: SecurityConfig | None = None,
    he_context: Path | None = None,
) -> ClientResult:
    """Compile, then join the federation at ``server`` as ``name`` (``mmarc client``).

    ``datalist``: this site's own datalist in place of the one the plan names (the plan
    hash stays the shared one). ``he_context``: this site's secret TenSEAL context
    (homomorphic encryption). Raises ``RegistrationRefused`` when the server refuses
    ``name`` and ``ClientError`` when the run fails."""
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
        he_context=he_context,
    )


def serve_server_kit(
    kit: Path | str,
    *,
    host: str | None = None,
    on_ready: Callable[[str, str], None] | None = None,
    project_key: str | None = None,
) -> int:
    """Verify a server startup kit, then serve its federation (``mmarc server KIT``) until
    an admin says ``shutdown server``; ``on_ready(fl_endpoint, admin_endpoint)`` once both
    ports listen. The kit's project key must match ``project_key`` (a fingerprint, which
    is then pinned) or the key pinned on first use. Raises ``KitError`` for a kit that does
    not verify."""
    from mmarc.runtime.provision import verify_pinned_kit
    from mmarc.runtime.server.kit_server import serve_kit

    info = verify_pinned_kit(Path(kit), role="server", project_key=project_key)
    return serve_kit(info, compile_plan=compile_for_runtime, host=host, on_ready=on_ready)


def serve_client_kit(
    kit: Path | str,
    *,
    sets: Sequence[str] = (),
    datalist: Path | None = None,
    device: str = "cpu",
    project_key: str | None = None,
) -> int:
    """Verify a client startup kit (its project key pinned as for
    :func:`serve_server_kit`), then train what the admin deploys and starts
    (``mmarc client KIT``) until the server says ``shutdown``. Raises ``KitError`` and
    ``KitClientRefused`` (the server refused this client or never answered)."""
    from mmarc.runtime.client.kit_client import KitClientRefused, run_kit_client
    from mmarc.runtime.provision import verify_pinned_kit

    info = verify_pinned_kit(Path(kit), role="client", project_key=project_key)
    try:
        return run_kit_client(
            info, compile_plan=compile_for_runtime, sets=sets, datalist=datalist, device=device
        )
    except KitClientRefused as exc:  # say who was refused
        raise KitClientRefused(f"{info.name} refused: {exc}") from None


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


def serving_registry(
    paths: Sequence[Path | str],
    settings: ServeSettings,
    *,
    sets: list[str] | None = None,
    checkpoint: Path | None = None,
    device: str = "cpu",
    on_loaded: Callable[[ServedModel, float], None] | None = None,
) -> ModelRegistry:
    """Compile each MMAR, build and warm its model (``mmarc serve``; imports torch).

    Each model is named after its MMAR folder. Raises :class:`CompileErrors` for an MMAR
    with errors and ``ServeError``/``ExecutorError`` for one that cannot be served.
    """
    from mmarc.runtime.serving import ModelSource, build_registry

    sources = []
    for path in paths:
        compiled, plan = compiled_or_raise(path, sets)
        root = compiled.validation.target.root
        sources.append(ModelSource(root.name, plan, root))
    return build_registry(
        sources, settings, checkpoint=checkpoint, device=device, on_loaded=on_loaded
    )


def serve(registry: ModelRegistry, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``registry`` over MONAI Label's and AIAA's v1 REST APIs until stopped."""
    from mmarc.runtime.serving import serve as _serve

    _serve(registry, host, port)


def provision_inputs(project: Path | str, authz: Path | str | None = None) -> Inputs:
    """Validate project.yml (and authz_config.json) as ``mmarc validate`` would; the
    result's ``ok`` says whether :func:`provision` may use it (``validations`` say why not).
    Raises :class:`UsageError` for a path that cannot be read."""
    from mmarc.provisioning import check_inputs

    return check_inputs(Path(project), Path(authz) if authz is not None else None)


def provision(
    inputs: Inputs,
    output: Path | str,
    *,
    zip_password: bool = False,
    rotate_keys: bool = False,
    on_kit: Callable[[str], None] | None = None,
) -> ProvisionResult:
    """Write one signed startup kit per participant of validated ``inputs`` into ``output``
    (``mmarc provision``); ``on_kit(name)`` after each. Raises ``ProvisionError``."""
    from mmarc.runtime.provision import ProvisionError
    from mmarc.runtime.provision import provision as _provision

    if not inputs.ok or inputs.spec is None:
        raise ProvisionError(f"{inputs.project_path}: the inputs have errors; nothing provisioned")
    return _provision(
        inputs, Path(output), rotate_keys=rotate_keys, zip_password=zip_password, on_kit=on_kit
    )


@contextmanager
def admin_session(
    kit: Path | str,
    *,
    endpoint: str | None = None,
    trusted_fingerprint: str | None = None,
    timeout_s: float = 30.0,
) -> Iterator[AdminClient]:
    """A connected admin client of a verified admin kit (uploads are compiled here first).

    Raises ``KitError`` for a kit that does not verify and ``AdminConnectionError`` when
    the server cannot be reached or refuses the key; the connection closes on exit.
    """
    from mmarc.runtime.admin import AdminClient
    from mmarc.runtime.provision import verify_kit

    info = verify_kit(Path(kit), role="admin", trusted_fingerprint=trusted_fingerprint)
    client = AdminClient.from_kit(
        info, endpoint=endpoint, timeout_s=timeout_s, compile_plan=compile_for_runtime
    )
    try:
        yield client
    finally:
        client.close()


def admin(
    kit: Path | str,
    command: str,
    args: Sequence[str] = (),
    *,
    endpoint: str | None = None,
    trusted_fingerprint: str | None = None,
    timeout_s: float = 30.0,
) -> Response:
    """Run one admin command (``check_status client``, ``deploy NAME client``...) with an
    admin kit and return the server's :class:`~mmarc.runtime.admin.Response` (``ok``,
    ``text``, ``data``). ``upload_folder PATH`` sends a local folder. Raises ``KitError``,
    ``AdminConnectionError`` and ``CommandError`` (the command does not parse)."""
    from mmarc.runtime.admin import parse_command

    parse_command(command, list(args))
    with admin_session(
        kit, endpoint=endpoint, trusted_fingerprint=trusted_fingerprint, timeout_s=timeout_s
    ) as client:
        if command == "upload_folder":
            return client.upload_folder(Path(args[0]))
        return client.request(command, list(args))


def write_schemas(out_dir: Path | str, validators: Path | str | None = None) -> list[Path]:
    """Write the JSON Schema of every file kind into ``out_dir`` (``mmarc schema``).

    ``validators``: also write the fast path's generated validators into this folder
    (``mmarc/compiler/schemas/compiled`` in a checkout; needs fastjsonschema, in the
    ``test`` extra).
    """
    import importlib.util

    from mmarc.compiler.schemas import write_schemas as _write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = _write(out)
    if validators is not None:
        if importlib.util.find_spec("fastjsonschema") is None:
            raise UsageError(
                "--validators needs fastjsonschema: pip install -e '.[test]' in the checkout"
            )
        from mmarc.compiler.schemas.fastpath_build import write_validators

        written += write_validators(Path(validators))
    return written


def build_catalog(out: Path | str | None = None) -> Path:
    """Introspect the installed MONAI/torch/ignite and write the catalog (imports torch)."""
    from mmarc.catalog import DEFAULT_CATALOG_PATH, build_and_write

    target = Path(out) if out is not None else DEFAULT_CATALOG_PATH
    build_and_write(target)
    return target
