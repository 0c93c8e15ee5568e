"""Cold time of `mmarc validate` (goal under 0.3 s) and `mmarc lint` (under 0.5 s), no torch.

Each run is a fresh interpreter, as a user's shell would start it, so import cost is
included. Prints, per command, the median and spread of the wall time and of the CPU time
(user + system) of N runs, and whether torch or monai were imported along the way. As a
same-run reference it also times a bare `python -c pass`, so the interpreter's own start-up
can be read off. On a shared, busy machine the wall time includes waiting for a core; the
CPU time does not, so the verdict uses the CPU time when the machine is busy (the wall
time of `python -c pass` more than twice its CPU time).

    .venv/bin/python benchmarks/validate_cold.py [--runs 15] [--mmar examples/digits_cnn]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import sys\n"
    "from mmarc.cli import main\n"
    "sys.argv = ['mmarc', 'validate', {target!r}, '--format', 'json']\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('HEAVY', sorted(m for m in ('torch', 'monai') if m in sys.modules), file=sys.stderr)\n"
)


def time_command(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of ``runs`` fresh runs of ``cmd``."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--mmar", default="examples/digits_cnn")
    args = parser.parse_args()
    exe = str(Path(sys.executable))
    # An installed package ships compiled bytecode (pip compiles on install); an editable
    # checkout under PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run.
    subprocess.run([exe, "-m", "compileall", "-q", str(ROOT / "mmarc")], check=True)
    mmarc = str(Path(sys.executable).with_name("mmarc"))
    print(describe())
    probe = subprocess.run(
        [exe, "-c", PROBE.format(target=args.mmar)], cwd=ROOT, capture_output=True, text=True
    )
    report = json.loads(probe.stdout)
    heavy = probe.stderr.strip().splitlines()[-1]
    print(f"target: {args.mmar}: {report['summary']}, imported heavy modules: {heavy}")
    rows = {
        "python -c pass": time_command([exe, "-c", "pass"], args.runs),
        "mmarc validate": time_command([mmarc, "validate", args.mmar], args.runs),
        "mmarc lint": time_command([mmarc, "lint", args.mmar], args.runs),
    }
    for name, (walls, cpus) in rows.items():
        print(
            f"{name:16s} wall median {statistics.median(walls):.3f} s "
            f"(min {min(walls):.3f}, max {max(walls):.3f})  "
            f"cpu median {statistics.median(cpus):.3f} s  (n={len(walls)})"
        )
    base_wall, base_cpu = (statistics.median(v) for v in rows["python -c pass"])
    busy = base_wall > 2 * base_cpu
    measure = "cpu" if busy else "wall"
    for name, goal in (("mmarc validate", 0.3), ("mmarc lint", 0.5)):
        walls, cpus = rows[name]
        med = statistics.median(cpus if busy else walls)
        verdict = "OK" if med < goal else "OVER"
        print(f"{name} cold: {med:.3f} s {measure} (goal < {goal:.3f} s): {verdict}")
    if busy:
        print("machine busy: python -c pass waited for a core; verdicts use CPU time")


if __name__ == "__main__":
    main()
