"""Cold wall time of `mmarc validate` on an example MMAR (issue: under 0.3 s, no torch).

Each run is a fresh interpreter, as a user's shell would start it, so import cost is
included. Prints the median of N runs, the spread, and whether torch or monai were
imported along the way. As a same-run reference it also times a bare `python -c pass`
so that the interpreter's own start-up can be read off.

    .venv/bin/python benchmarks/validate_cold.py [--runs 15] [--mmar examples/digits_cnn]
"""

from __future__ import annotations

import argparse
import json
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


def time_command(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


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
    baseline = time_command([exe, "-c", "pass"], args.runs)
    validate = time_command([mmarc, "validate", args.mmar], args.runs)
    for name, values in (("python -c pass", baseline), ("mmarc validate", validate)):
        print(
            f"{name:16s} median {statistics.median(values):.3f} s  "
            f"min {min(values):.3f}  max {max(values):.3f}  (n={len(values)})"
        )
    med = statistics.median(validate)
    print(f"mmarc validate cold: {med:.3f} s (goal < 0.300 s): {'OK' if med < 0.3 else 'OVER'}")


if __name__ == "__main__":
    main()
