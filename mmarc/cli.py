"""The ``mmarc`` command line: a thin shell over :mod:`mmarc.api`.

Exit status: 0 no errors, 1 errors found, 2 usage errors (no such path, unknown file
kind, bad options). Nothing here imports torch or MONAI unless the command trains.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

# mmarc uses no pydantic plugins; skipping their discovery (a scan of every installed
# distribution's entry points) saves start-up time on every command.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
from pathlib import Path
from typing import Annotated

import typer

from mmarc import __version__, api
from mmarc.extras import MissingExtraError, require_run_extra
from mmarc.report import OutputFormat, render
from mmarc.report.text import use_colour

app = typer.Typer(
    name="mmarc",
    help="Validate, compile and run Clara-style MMARs for federated learning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2

PathArg = Annotated[Path, typer.Argument(help="An MMAR folder or one of its files.")]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="text, json (stable contract) or sarif.")
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also show info-level notes in text output.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a variable: KEY=VALUE (repeatable; wins last)."),
]


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"mmarc: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _require_run_extra(command: str) -> None:
    try:
        require_run_extra(command)
    except MissingExtraError as exc:
        typer.echo(f"mmarc: error: {exc.one_line()}", err=True)
        raise typer.Exit(exc.exit_code) from None


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mmarc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """mmarc: catch MMAR mistakes before deployment, then run the federation."""


@app.command()
def validate(
    path: PathArg,
    fmt: FormatOpt = OutputFormat.TEXT,
    sets: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check an MMAR (or one file) and report every problem at file:line:column."""
    raise _check(api.validate, path, fmt, sets, verbose)


def _check(
    check: Callable[..., api.Validation],
    path: Path,
    fmt: OutputFormat,
    sets: list[str] | None,
    verbose: bool,
) -> typer.Exit:
    """Run ``validate`` or ``lint``, print the report, and give the exit to raise."""
    try:
        result = check(path, sets=sets)
    except api.UsageError as exc:
        return _usage_error(str(exc))
    _report(result, path, fmt, verbose)
    return typer.Exit(EXIT_ERRORS if result.diagnostics.has_errors() else EXIT_OK)


def _report(result: api.Validation, path: Path, fmt: OutputFormat, verbose: bool = False) -> None:
    out = render(
        fmt,
        str(path),
        result.detected(),
        list(result.diagnostics),
        result.sources,
        colour=fmt is OutputFormat.TEXT and use_colour(sys.stdout),
        show_info=verbose,
    )
    sys.stdout.write(out)


@app.command()
def lint(
    path: PathArg,
    fmt: FormatOpt = OutputFormat.TEXT,
    sets: SetOpt = None,
    verbose: VerboseOpt = False,
    require_data: Annotated[
        bool,
        typer.Option(
            "--require-data",
            help="Data folders missing on this machine are errors (default: checks skipped).",
        ),
    ] = False,
) -> None:
    """validate, plus consistency rules across sections, files and the data itself."""
    raise _check(functools.partial(api.lint, require_data=require_data), path, fmt, sets, verbose)


@app.command(name="compile")
def compile_(
    path: PathArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the plan here (default: stdout).")
    ] = None,
    sets: SetOpt = None,
    train_config: Annotated[
        str | None,
        typer.Option("--train-config", help="The train config to compile, when there are several."),
    ] = None,
) -> None:
    """Compile an MMAR into the hashed plan the runtime executes."""
    from mmarc.compiler.plan import canonical_json, write_plan

    try:
        compiled = api.compile_plan(path, sets=sets, train_config=train_config)
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    if compiled.plan is None:
        _report(compiled.validation, path, OutputFormat.TEXT)
        typer.echo("mmarc: no plan written: fix the errors above first", err=True)
        raise typer.Exit(EXIT_ERRORS)
    if output is None:
        sys.stdout.write(canonical_json(compiled.plan).decode("utf-8") + "\n")
    else:
        try:
            write_plan(compiled.plan, output)
        except OSError as exc:
            raise _usage_error(f"cannot write {output}: {exc.strerror or exc}") from None
        typer.echo(f"{output}: plan sha256 {compiled.plan['sha256']}", err=True)


DeviceOpt = Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:N.")]


def _run_errors(path: Path, sets: list[str] | None, action: str) -> typer.Exit:
    """Report why a run could not start: the diagnostics when the MMAR has errors."""
    try:
        result = api.validate(path, sets=sets)
    except api.UsageError as exc:
        return _usage_error(str(exc))
    _report(result, path, OutputFormat.TEXT)
    typer.echo(f"mmarc: not {action}: fix the errors above first", err=True)
    return typer.Exit(EXIT_ERRORS)


@app.command()
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
    seed: Annotated[int, typer.Option("--seed", help="--sim: seed of the data split.")] = 0,
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
    _require_run_extra("run")
    if local and sim is not None:
        raise _usage_error("choose one of --local and --sim N")
    if sim is not None:
        _run_sim(path, sim, rounds, split, seed, output, sets, device, progress)
        return
    if rounds is not None or output is not None:
        raise _usage_error("--rounds and --output go with --sim N")
    from mmarc.runtime.executor.errors import ExecutorError, RunInterrupted

    if not local:
        raise _usage_error(
            "choose how to run: --local trains on this machine, --sim N simulates a federation"
        )
    try:
        result = api.run_local(path, sets=sets, device=device, progress=progress, resume=resume)
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError:
        raise _run_errors(path, sets, "run") from None
    except RunInterrupted as exc:
        typer.echo(f"mmarc: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except ExecutorError as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
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


EXIT_INTERRUPTED = 130


def _metric_text(info: object) -> str:
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
    """``run --sim N``: one clear line per failure, 130 on Ctrl-C."""
    from mmarc.runtime.server.config import FLConfigError
    from mmarc.runtime.sim import SimError, SimInterrupted, parse_split

    if n < 1:
        raise _usage_error("--sim needs at least 1 client")
    try:
        parse_split(split)
    except ValueError as exc:
        raise _usage_error(str(exc)) from None
    try:
        result = api.simulate(
            path,
            n,
            sets,
            rounds=rounds,
            split=split,
            output=output,
            seed=seed,
            device=device,
            progress=None if progress else False,
        )
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError:
        raise _run_errors(path, sets, "run") from None
    except SimInterrupted as exc:
        typer.echo(f"mmarc: {exc}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (SimError, FLConfigError) as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    summary = result.summary
    typer.echo(f"run folder: {result.run_dir}")
    typer.echo(
        f"rounds {summary.get('first_round')}..{summary.get('last_round')} done in "
        f"{result.wall_s:.1f} s"
    )
    final = summary.get("final_metrics") or {}
    for name, value in final.items():
        typer.echo(f"final global model: {name} {value:.4f}")
    typer.echo(f"best global model: {_metric_text(summary.get('best'))}")
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
    found = summary(round_timings(read_events(events_path)))
    if found is None:
        return
    typer.echo(
        f"per-round overhead (rounds 2+): median {found['overhead_median_s'] * 1000:.0f} ms, "
        f"min {found['overhead_min_s'] * 1000:.0f} ms; round wall median "
        f"{found['wall_median_s']:.2f} s, slowest client compute median "
        f"{found['compute_median_s']:.2f} s; {found['bytes_per_round'] / 1e6:.1f} MB per round"
    )


def _fl_errors() -> tuple[type[BaseException], ...]:
    """Errors of `server`/`client` whose message is the whole story (no traceback)."""
    from mmarc.runtime.executor.errors import ExecutorError
    from mmarc.runtime.server.config import FLConfigError
    from mmarc.runtime.transport import TransportError

    return (ExecutorError, FLConfigError, TransportError, OSError)


def _quiet_sigterm() -> None:
    """SIGTERM stops a server or client like Ctrl-C does (exit 130, no traceback)."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


@app.command()
def server(
    path: PathArg,
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port (0: a free one).")] = 0,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Run folder; an unfinished run there is resumed."),
    ] = None,
    sets: SetOpt = None,
) -> None:
    """Run the federation server of an MMAR (config_fed_server.json) until the run ends.

    With a server startup KIT instead: verify it, serve the admin and FL ports from the
    kit (CurveZMQ) and run what the admin deploys and starts, until ``shutdown server``.
    """
    _require_run_extra("server")
    import logging

    from mmarc.runtime.provision import KitError, is_kit, verify_kit

    if is_kit(path):
        from mmarc.runtime.server.kit_server import serve_kit

        logging.basicConfig(level=logging.WARNING, format="mmarc server: %(message)s")
        try:
            kit_info = verify_kit(path, role="server")
        except KitError as exc:
            typer.echo(f"mmarc: error: {exc}", err=True)
            raise typer.Exit(EXIT_ERRORS) from None
        _quiet_sigterm()

        def kit_ready(fl: str, admin_endpoint: str) -> None:
            typer.echo(f"listening on {fl} (clients) and {admin_endpoint} (admin)")
            sys.stdout.flush()

        try:
            code = serve_kit(kit_info, host=host, on_ready=kit_ready)
        except KeyboardInterrupt:
            typer.echo("mmarc: server stopped", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except _fl_errors() as exc:
            typer.echo(f"mmarc: error: {exc}", err=True)
            raise typer.Exit(EXIT_ERRORS) from None
        raise typer.Exit(code)

    from mmarc.runtime.server import ServerError
    from mmarc.runtime.sim.view import ProgressView

    logging.basicConfig(level=logging.WARNING, format="mmarc server: %(message)s")
    _quiet_sigterm()
    view = ProgressView(f"mmarc server: {path}", live=False)

    def ready(endpoint: str) -> None:
        typer.echo(f"listening on {endpoint}")
        sys.stdout.flush()

    try:
        with view:
            result = api.run_server(
                path,
                sets,
                host=host,
                port=port,
                output=output,
                on_progress=view.update,
                on_ready=ready,
            )
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError:
        raise _run_errors(path, sets, "served") from None
    except KeyboardInterrupt:
        typer.echo("mmarc: server stopped; completed rounds are saved", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (ServerError, *_fl_errors()) as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    typer.echo(f"run folder: {result.run_dir}")
    typer.echo(f"best global model: {_metric_text(result.best)}")


@app.command()
def client(
    path: PathArg,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="This site's client name.")
    ] = None,
    server_address: Annotated[
        str | None, typer.Option("--server", help="The server's endpoint: tcp://HOST:PORT.")
    ] = None,
    datalist: Annotated[
        Path | None,
        typer.Option("--datalist", help="This site's datalist instead of the MMAR's own."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for this client's files.")
    ] = None,
    sets: SetOpt = None,
    device: DeviceOpt = "cpu",
) -> None:
    """Join a federation as one client site and train until the server ends the run.

    With a client startup KIT instead: verify it, connect with its keys and train what
    the admin deploys and starts, until the server says ``shutdown``.
    """
    _require_run_extra("client")
    import logging

    from mmarc.runtime.client import ClientError
    from mmarc.runtime.provision import KitError, is_kit, verify_kit
    from mmarc.runtime.transport import RegistrationRefused

    logging.basicConfig(level=logging.INFO, format="mmarc client: %(message)s")
    for noisy in ("ignite", "monai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _quiet_sigterm()
    if is_kit(path):
        from mmarc.runtime.client.kit_client import KitClientRefused, run_kit_client

        try:
            kit_info = verify_kit(path, role="client")
        except KitError as exc:
            typer.echo(f"mmarc: error: {exc}", err=True)
            raise typer.Exit(EXIT_ERRORS) from None
        try:
            code = run_kit_client(kit_info, sets=sets or (), datalist=datalist, device=device)
        except KitClientRefused as exc:
            typer.echo(f"mmarc: error: {kit_info.name} refused: {exc}", err=True)
            raise typer.Exit(EXIT_ERRORS) from None
        except KeyboardInterrupt:
            typer.echo(f"mmarc: client {kit_info.name} stopped", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        raise typer.Exit(code)
    if name is None or server_address is None:
        raise _usage_error("--name and --server are needed unless PATH is a client kit")
    try:
        result = api.run_client(
            path, name, server_address, sets, datalist=datalist, output=output, device=device
        )
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError:
        raise _run_errors(path, sets, "run") from None
    except KeyboardInterrupt:
        typer.echo(f"mmarc: client {name} stopped", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except RegistrationRefused as exc:
        typer.echo(f"mmarc: error: the server refused {name}: {exc.reason}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    except ValueError as exc:
        raise _usage_error(str(exc)) from None
    except (ClientError, *_fl_errors()) as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    typer.echo(f"{result.name}: {result.rounds} round(s) in {result.wall_s:.1f} s")


@app.command()
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
    _require_run_extra("evaluate")
    from mmarc.runtime.executor.errors import ExecutorError

    try:
        metrics = api.evaluate(path, sets=sets, checkpoint=checkpoint, device=device)
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except api.PlanError:
        raise _run_errors(path, sets, "evaluated") from None
    except ExecutorError as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    for name, value in metrics.items():
        typer.echo(f"{name}: {value:.4f}")


@app.command()
def migrate(
    path: Annotated[Path, typer.Argument(help="The MMAR folder to migrate (left unchanged).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="New MMAR folder to write.")],
) -> None:
    """Rewrite a Clara 4.0/4.1 MMAR into 4.1 form with the installed MONAI's names."""
    try:
        report = api.migrate(path, output)
    except api.MigrationError as exc:
        raise _usage_error(str(exc)) from None
    for line in report.lines():
        typer.echo(line)
    if report.complete:
        typer.echo(f"{output}: migrated ({len(report.changes)} change(s))")
        raise typer.Exit(EXIT_OK)
    typer.echo(f"{output}: written, but {len(report.unmigrated)} item(s) need a manual fix")
    raise typer.Exit(EXIT_ERRORS)


catalog_app = typer.Typer(
    help="The component catalog validate checks against.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("build")
def catalog_build(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write (default: the shipped one).")
    ] = None,
) -> None:
    """Introspect the installed MONAI and torch and write the catalog (imports both)."""
    _require_run_extra("catalog build")
    try:
        written = api.build_catalog(out)
    except OSError as exc:
        raise _usage_error(f"cannot write the catalog: {exc.strerror or exc}") from None
    typer.echo(str(written))


@app.command()
def schema(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
        "schemas"
    ),
) -> None:
    """Write a JSON Schema per file kind (draft 2020-12, plus draft-07 for YAML editors)."""
    try:
        written = api.write_schemas(out)
    except OSError as exc:
        raise _usage_error(f"cannot write to {out}: {exc.strerror or exc}") from None
    for p in written:
        typer.echo(str(p))


@app.command()
def provision(
    project: Annotated[
        Path, typer.Argument(help="project.yml (Clara 4.0, or NVFlare api_version 2/3).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Workspace folder for the kits.")],
    authz: Annotated[
        Path | None, typer.Option("--authz", "-a", help="authz_config.json (Clara 4.0 policy).")
    ] = None,
    zip_password: Annotated[
        bool,
        typer.Option("--zip-password", help="Also write each kit as an AES zip; prints passwords."),
    ] = False,
    rotate_keys: Annotated[
        bool, typer.Option("--rotate-keys", help="New key pairs for every participant.")
    ] = False,
) -> None:
    """Write one signed startup kit per participant (server, clients, admins)."""
    from mmarc.runtime.provision import ProvisionError
    from mmarc.runtime.provision.command import run_provision

    try:
        code = run_provision(
            project, output, authz=authz, zip_password=zip_password, rotate_keys=rotate_keys
        )
    except api.UsageError as exc:
        raise _usage_error(str(exc)) from None
    except ProvisionError as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    except OSError as exc:
        raise _usage_error(f"cannot write to {output}: {exc.strerror or exc}") from None
    raise typer.Exit(code)


@app.command()
def admin(
    kit: Annotated[Path, typer.Argument(help="An admin startup kit (made by mmarc provision).")],
    cmd: Annotated[
        list[str] | None,
        typer.Option(
            "--cmd", "-c", help="Run this command and exit (repeatable; stops at a failure)."
        ),
    ] = None,
    server: Annotated[
        str | None, typer.Option("--server", help="Connect here instead (tcp://HOST:PORT).")
    ] = None,
    project_key: Annotated[
        str | None,
        typer.Option("--project-key", help="Refuse a kit not signed by this key fingerprint."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each reply.")] = 30.0,
) -> None:
    """Admin console (Clara 4.0 commands); --cmd for scripts (exit 1 when refused or failed)."""
    from mmarc.runtime.admin.console import run_admin
    from mmarc.runtime.provision import KitError

    if not kit.exists():
        raise _usage_error(f"{kit}: no such kit folder")
    try:
        code = run_admin(
            kit,
            commands=cmd or (),
            endpoint=server,
            trusted_fingerprint=project_key,
            timeout_s=timeout,
        )
    except KitError as exc:
        typer.echo(f"mmarc: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
