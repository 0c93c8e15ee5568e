"""The first global model, built in a short-lived child process.

Why a child: building the plan's network goes through the executor's builder, which
imports MONAI, and importing MONAI costs a process about 200 MB of memory that it never
gives back (2,600 modules; measured 417 MB resident with torch and MONAI against 218 MB
with torch alone). The server itself only needs torch (to read and write checkpoints)
and numpy, so for a run of hundreds of rounds it would carry those 200 MB for nothing. A
child builds the network with the plan's seed, saves its ``state_dict`` to a file in the
run folder, and exits; the server maps the file with ``torch.load(weights_only=True,
mmap=True)``.

A restarted server never builds: it resumes from its saved global model.

In the simulator a process that already holds torch and MONAI (the clients' zygote,
:mod:`mmarc.runtime.sim.worker`) builds the model instead, with :func:`write_initial`, and
the server reads the file with :class:`InitialFile`: no third interpreter importing torch
and MONAI again on the machine (seconds of CPU and ~360 MB while the run starts).

    python -m mmarc.runtime.server.initial PLAN MMAR MODEL_POINTER OUT
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mmarc.plan import Plan

from ..deferred import deferred
from ..heap import built_without_gc
from .records import ServerError

if TYPE_CHECKING:
    import torch

__all__ = [
    "InitialBuild",
    "InitialFile",
    "build_in_child",
    "build_initial",
    "main",
    "untied",
    "write_initial",
]

log = logging.getLogger(__name__)

#: Seconds the child may take (imports and building a large 3D network on a busy machine).
BUILD_TIMEOUT_S = 600.0
#: The longest one wait on the child blocks before signal handlers run again (s).
WAIT_SLICE_S = 0.5
#: How long a killed child may take to be gone (s).
KILL_WAIT_S = 5.0


def _build_network(plan: Plan, mmar_root: Path, model_pointer: str) -> torch.nn.Module:
    """The plan's network, built on the CPU with the plan's seed."""
    import torch

    from ..executor.builder import Builder
    from ..executor.local import apply_settings

    device = torch.device("cpu")
    apply_settings(plan.settings, device)
    network = Builder(plan, mmar_root, device).obj(model_pointer)
    if not isinstance(network, torch.nn.Module):
        raise ServerError(f"{model_pointer} is not a torch network")
    return network


def build_initial(plan: Plan, mmar_root: Path, model_pointer: str) -> dict[str, np.ndarray]:
    """Build the plan's network on the CPU with the plan's seed; its weights by name.

    Runs in the process that calls it (the child of :func:`build_in_child`, or tests).
    """
    from .persistor import to_numpy

    return to_numpy(_build_network(plan, mmar_root, model_pointer).state_dict())


def write_initial(plan: Plan, mmar_root: Path, model_pointer: str, out: Path) -> None:
    """Build the plan's network and save its weights to ``out`` atomically, for
    :class:`InitialFile` or :class:`InitialBuild` to read.

    The network's own tensors are saved, not copies (:func:`build_initial` copies them so
    that a network can go on training): this process exits after the save, and a copy of
    a 100 MB model cost 0.1-0.5 s of page faults here, on the way to round 1. A tensor
    sharing memory with one saved already (tied weights) is copied, so that the reader
    gets independent arrays, as from :func:`build_initial`.
    """
    from ..executor.checkpoints import atomic_save

    network = _build_network(plan, mmar_root, model_pointer)
    atomic_save(untied(network.state_dict()), out, durable=False)  # read at once, then removed


def untied(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``state`` detached, each tensor that shares memory with an earlier one copied: saved
    and read back, the arrays are independent. The others are not copied."""
    seen: set[int] = set()
    out = {}
    for name, tensor in state.items():
        tensor = tensor.detach()
        memory = tensor.untyped_storage().data_ptr()
        if memory in seen:
            tensor = tensor.clone()
        seen.add(memory)
        out[name] = tensor
    return out


def _read_weights(path: Path) -> dict[str, np.ndarray]:
    """The weights in ``path``, mapped from the file rather than read into new memory
    (private copy-on-write pages: the file can go, the arrays stay valid and writable)."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return {name: tensor.numpy() for name, tensor in state.items()}


class InitialFile:
    """The first global model from a file another process writes (the simulator's
    zygote, see the module docstring), with :class:`InitialBuild`'s interface.

    The writer finishes the file before it starts any client, so once a client has
    joined the file is there; :meth:`result` reads it, then removes it.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def result(self, timeout: float = BUILD_TIMEOUT_S) -> dict[str, np.ndarray]:
        """The weights; :class:`ServerError` when the file is missing or unreadable."""
        try:
            return _read_weights(self.path)
        except FileNotFoundError:
            raise ServerError(f"the first global model was not written to {self.path}") from None
        except Exception as exc:  # a torn or foreign file: one line
            raise ServerError(f"cannot read the first global model {self.path}: {exc}") from None
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Remove the file (read, or no longer needed)."""
        self.path.unlink(missing_ok=True)


class InitialBuild:
    """:func:`build_initial` running in a child process (see the module docstring).

    Started at once, so the server can admit clients (and they can build their trainers)
    while the network is built; :meth:`result` waits for it. The files it needs live in
    ``work_dir`` only while it runs. The child leads its own process group, so stopping it
    stops whatever it started too, and no wait on it blocks a stop request (SIGTERM) for
    more than :data:`WAIT_SLICE_S`: a server stopped while the model is built exits
    within seconds and leaves no child behind.
    """

    def __init__(self, plan: Plan, mmar_root: Path, model_pointer: str, work_dir: Path) -> None:
        from mmarc.plan import write_plan

        work_dir.mkdir(parents=True, exist_ok=True)
        self._plan = work_dir / f".initial-plan-{os.getpid()}.json"
        self._out = work_dir / f".initial-model-{os.getpid()}.pt"
        write_plan(plan, self._plan)
        cmd = [sys.executable, "-m", "mmarc.runtime.server.initial", str(self._plan)]
        self._proc = subprocess.Popen(
            [*cmd, str(mmar_root), model_pointer, str(self._out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The child's process id (and its process group's)."""
        return self._proc.pid

    def result(self, timeout: float = BUILD_TIMEOUT_S) -> dict[str, np.ndarray]:
        """The built weights; :class:`ServerError` with the child's last line if it failed.

        Whatever ends the wait early (KeyboardInterrupt from SIGTERM included) stops the
        child before it propagates."""
        try:
            err = self._wait(time.monotonic() + timeout)
            if err is None:
                raise ServerError(f"building the first global model took more than {timeout:.0f} s")
            if self._proc.returncode != 0:
                lines = err.strip().splitlines()
                why = lines[-1] if lines else f"exit status {self._proc.returncode}"
                raise ServerError(f"building the first global model failed: {why}")
            return _read_weights(self._out)
        except BaseException:
            self.cancel()
            raise
        finally:
            self._cleanup()

    def _wait(self, deadline: float) -> str | None:
        """The child's stderr once it exited, or None at ``deadline``; it reads the pipe
        (the child never blocks on it) in slices of :data:`WAIT_SLICE_S`, so a signal's
        handler runs between them."""
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                _, err = self._proc.communicate(timeout=min(remaining, WAIT_SLICE_S))
            except subprocess.TimeoutExpired:
                continue
            return err or ""
        return None

    def cancel(self) -> None:
        """Stop the child and its process group (the server is stopping before round 1);
        returns within :data:`KILL_WAIT_S`."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if hasattr(os, "killpg"):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                else:  # no process groups (Windows): the child alone
                    self._proc.kill()
            try:
                self._proc.communicate(timeout=KILL_WAIT_S)
            except subprocess.TimeoutExpired:  # cannot die yet (I/O in the kernel)
                log.warning("the initial-model child %d did not exit when killed", self.pid)
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        self._cleanup()

    def _cleanup(self) -> None:
        self._plan.unlink(missing_ok=True)
        self._out.unlink(missing_ok=True)


def build_in_child(
    plan: Plan, mmar_root: Path, model_pointer: str, work_dir: Path
) -> dict[str, np.ndarray]:
    """:func:`build_initial` in a child process, waited for."""
    return InitialBuild(plan, mmar_root, model_pointer, work_dir).result()


def main(argv: list[str] | None = None) -> int:
    """The child: build, save the state_dict to OUT, exit 0; one line on stderr otherwise."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4:
        usage = "usage: python -m mmarc.runtime.server.initial PLAN MMAR POINTER OUT"
        print(usage, file=sys.stderr)
        return 2
    plan_path, mmar, pointer, out = args
    try:
        from ..compiling import read_plan_file

        # this process only imports, builds, saves and exits
        with built_without_gc(), deferred():
            write_initial(read_plan_file(Path(plan_path)), Path(mmar), pointer, Path(out))
    except Exception as exc:  # one line for the server to report
        print(f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
