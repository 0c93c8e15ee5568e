"""What the simulator's zygote becomes once it has forked every process: a small waiter.

Why: the zygote (``worker clients``) imported torch, MONAI and ignite so that its forks
share those pages, but once the last site is forked it only waits for its children and
reports their exits. Staying a 470 MB interpreter for that costs memory nobody uses: the
pages it wrote after forking, the originals of every page all its children have since
copied (Python's reference counts write to shared objects) and the pages only its imports
touched are its alone: the 2-site benchmark's peak PSS went from 730 to 637 MB once it
exec'd this. ``execve`` keeps the process id, its children and its open streams, and
drops the rest of the address space, so the zygote execs this file with ``python -I
-S``: the standard library only, a few MB.

Run as a script (the worker and the launcher import only its helpers, which need the
standard library alone): ``python -I -S reaper.py CHILDREN LAUNCHER [IPC_DIR]``,
``CHILDREN`` a JSON object ``{pid: name}``, ``LAUNCHER`` the launcher's pid. It reports
``{"event": "exit", "client", "code"}`` lines on stdout for each child, as the zygote
did, and returns 0 when all have exited; SIGTERM or Ctrl-C passes SIGTERM to every child
left, waits for them and returns 130 ("stopped", as every worker).

``IPC_DIR`` is the run's private socket folder (in ``/dev/shm``: the models left in it
hold memory until they are removed). The launcher removes it after the run; when the
launcher was killed (SIGKILL: it could clean nothing), the kernel's parent-death signal
stops this process and its children, and once they are gone this process removes the
folder itself, if it is still a ``mmarc-sim-*`` directory of this user's.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import sys
from types import FrameType

__all__ = ["IPC_PREFIX", "clean_up_after", "main", "remove_orphaned", "say"]

#: Exit status of a worker stopped by SIGTERM or Ctrl-C (the workers' convention).
STOPPED = 130


def say(info: dict[str, object]) -> None:
    """One JSON line for the launcher on standard output (the zygote's reports, then this
    process's); once the launcher is gone (BrokenPipeError: its pipe is
    closed), standard output goes to /dev/null, so the rest is said to nobody, not
    raised."""
    try:
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


#: The prefix of the launcher's socket folders (``mkdtemp(prefix=...)``); nothing else is
#: ever removed.
IPC_PREFIX = "mmarc-sim-"


def remove_orphaned(folder: str) -> bool:
    """Remove the launcher's socket folder ``folder`` (see the module docstring) if it is
    a real directory, not a link, of this user's, named ``mmarc-sim-*``; True if removed."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or not os.path.basename(os.path.normpath(folder)).startswith(IPC_PREFIX)
    ):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return not os.path.lexists(folder)


def clean_up_after(launcher: int, ipc_dir: str | None) -> None:
    """Remove ``ipc_dir`` (:func:`remove_orphaned`) if the launcher, pid ``launcher``, is
    no longer this process's parent: it died and cleans nothing up itself."""
    if ipc_dir is not None and os.getppid() != launcher:
        remove_orphaned(ipc_dir)


def main(argv: list[str]) -> int:
    children = {int(pid): str(name) for pid, name in json.loads(argv[0]).items()}
    launcher = int(argv[1])
    ipc_dir = argv[2] if len(argv) > 2 else None
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, status = os.wait()  # retried by Python after a signal handler ran
        except ChildProcessError:  # reaped already, or never ours: nothing left to wait for
            break
        name = children.pop(pid, None)
        if name is not None:
            say({"event": "exit", "client": name, "code": os.waitstatus_to_exitcode(status)})
    clean_up_after(launcher, ipc_dir)
    if stopping:
        print("mmarc clients: stopped", file=sys.stderr, flush=True)
        return STOPPED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
