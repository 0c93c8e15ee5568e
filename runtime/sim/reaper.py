"""What the simulator's zygote becomes once it has forked every process: a small waiter.

Why: the zygote (``worker clients``) imported torch, MONAI and ignite so that its forks
share those pages, but once the last site is forked it only waits for its children and
reports their exits. Staying a 470 MB interpreter for that costs memory nobody uses: the
pages it wrote after forking, the originals of every page all its children have since
copied (Python's reference counts write to shared objects) and the pages only its imports
touched are its alone: the 2-site benchmark's peak PSS went from 730 to 637 MB once it
exec'd this. ``execve`` keeps the process id, its children and its
open streams, and drops the rest of the address space, so the zygote execs this file
with ``python -I -S``: the standard library only, a few MB.

Run as a script, never imported by the runtime: ``python -I -S reaper.py CHILDREN``,
``CHILDREN`` a JSON object ``{pid: name}``. It reports ``{"event": "exit", "client",
"code"}`` lines on stdout for each child, as the zygote did, and returns 0 when all have
exited; SIGTERM or Ctrl-C passes SIGTERM to every child left, waits for them and returns
130 ("stopped", as every worker).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from types import FrameType

__all__ = ["main"]

#: Exit status of a worker stopped by SIGTERM or Ctrl-C (the workers' convention).
STOPPED = 130


def _say(info: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    children = {int(pid): str(name) for pid, name in json.loads(argv[0]).items()}
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
            _say({"event": "exit", "client": name, "code": os.waitstatus_to_exitcode(status)})
    if stopping:
        print("mmarc clients: stopped", file=sys.stderr, flush=True)
        return STOPPED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
