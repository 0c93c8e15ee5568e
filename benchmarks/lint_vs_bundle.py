"""Cold `mmarc validate` + `mmarc lint` beside MONAI Bundle's ConfigParser on the same MMAR.

mmarc checks every component against its catalog without importing torch or MONAI; MONAI
Bundle finds the same mistakes only by importing MONAI and building the objects. This
script times, each in a fresh interpreter (median of N interleaved runs):

1. ``mmarc validate MMAR`` and ``mmarc lint MMAR`` (goal: lint under 0.5 s, no torch);
2. ``monai.bundle.ConfigParser`` parsing the same components, translated from the
   compiled plan into bundle syntax (``_target_``, ``@id`` references, ``$`` expressions),
   and building each of them (network, loss, optimizer, transforms, inferer, metric).

and prints the ratio. The bundle side is what a user of MONAI Bundle would run to learn
that a config is broken.

    .venv/bin/python benchmarks/lint_vs_bundle.py [--runs 7] [--mmar examples/digits_cnn]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
#: The plan slots built on the bundle side (data-free, so no dataset is read).
BUILT = ("model", "loss", "optimizer", "pre_transforms", "post_transforms", "inferer", "key_metric")

BUNDLE_PROBE = """
import json, sys
sys.path.insert(0, {custom!r})
from monai.bundle import ConfigParser
parser = ConfigParser(json.load(open({config!r})))
parser.parse()
for slot in {built!r}:
    parser.get_parsed_content("train#" + slot)
print("BUILT", len({built!r}), "HEAVY", sorted(m for m in ("torch", "monai") if m in sys.modules))
"""


def to_bundle(value: Any) -> Any:
    """Plan values in MONAI Bundle syntax: components get ``_target_``, refs become ``@a#b``."""
    if isinstance(value, list):
        return [to_bundle(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "@ref" in value:
        return "@" + value["@ref"].strip("/").replace("/", "#")
    if "@expr" in value:
        expr = value["@expr"]
        for name, pointer in value.get("refs", {}).items():
            expr = expr.replace("@" + name, "@" + pointer.strip("/").replace("/", "#"))
        return "$" + expr
    if "ref" in value and len(value) == 1:
        return "@" + value["ref"].strip("/").replace("/", "#")
    if "path" in value and "args" in value:
        return {"_target_": value["path"], **{k: to_bundle(v) for k, v in value["args"].items()}}
    return {k: to_bundle(v) for k, v in value.items()}


def run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--mmar", default="examples/digits_cnn")
    args = parser.parse_args()
    exe = sys.executable
    mmarc = str(Path(exe).with_name("mmarc"))
    subprocess.run([exe, "-m", "compileall", "-q", str(ROOT / "mmarc")], check=True)
    print(describe())

    plan = json.loads(
        subprocess.run(
            [mmarc, "compile", args.mmar], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    bundle = {"train": {slot: to_bundle(plan["train"][slot]) for slot in BUILT}}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bundle.json"
        config.write_text(json.dumps(bundle))
        probe = BUNDLE_PROBE.format(
            custom=str(ROOT / args.mmar / "custom"), config=str(config), built=BUILT
        )
        commands = {
            "mmarc validate": [mmarc, "validate", args.mmar],
            "mmarc lint": [mmarc, "lint", args.mmar],
            "monai.bundle ConfigParser parse+build": [exe, "-c", probe],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so drift hits every command alike
            for name, cmd in commands.items():
                elapsed, done = run(cmd)
                if done.returncode not in (0, 1):
                    raise SystemExit(f"{name} failed:\n{done.stdout}\n{done.stderr}")
                times[name].append(elapsed)
        print(f"bundle side: {done.stdout.strip()}")
    for name, values in times.items():
        print(
            f"{name:40s} median {statistics.median(values):.3f} s  "
            f"min {min(values):.3f}  max {max(values):.3f}  (n={len(values)})"
        )
    lint = statistics.median(times["mmarc lint"])
    bundle_t = statistics.median(times["monai.bundle ConfigParser parse+build"])
    print(f"mmarc lint cold: {lint:.3f} s (goal < 0.500 s): {'OK' if lint < 0.5 else 'OVER'}")
    print(
        f"ratio ConfigParser / mmarc lint: {bundle_t / lint:.1f}x "
        f"(mmarc lint takes {lint / bundle_t:.0%} of the bundle's time)"
    )


if __name__ == "__main__":
    main()
