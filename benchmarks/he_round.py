"""What homomorphic encryption costs a federated round: plain FedAvg against HE (TenSEAL CKKS).

Why this exists: issue 13 sets the goal "an HE round at most 2x the plain round", NVFlare
publishing about 1.7x for its HE example. This driver runs, in one session and one after
the other, the real simulator (server and client processes on 127.0.0.1, the network time
included) on examples/digits_fl (FedAvg) and examples/digits_fl_he (every floating-point
layer sealed, Clara's CKKS settings: poly_modulus_degree 8192, [60, 40, 40], scale 2^40)
with 2 and 4 sites, and prints per cell, from rounds 2 on (round 1 of an HE run sends the
plain initial model down):

- **round wall**: the server's time from sending a round's task to closing the round;
- **client compute**: the slowest site's validation + training in that round;
- **encrypt / decrypt**: a site's outbound / inbound filters (plain: no filters, ~0);
- **aggregate**: the server's time in the strategy (accepting every update, finishing);
- **bytes per round**: model down to every site plus updates up;

and the ratios HE / plain of the round wall (the goal: <= 2.0) and of the bytes sent up
(the ciphertext expansion). Medians over rounds and sites.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/he_round.py              # 2 and 4 sites, 3 rounds
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/he_round.py --clients 2 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

from mmarc import api  # noqa: E402

EXAMPLES = HERE.parent / "examples"
CASES = {"plain": "digits_fl", "HE": "digits_fl_he"}


def prepared(example: str) -> Path:
    """The example's folder, its data written first when missing."""
    root = EXAMPLES / example
    if not (root / "data" / "dataset.json").is_file():
        subprocess.run([sys.executable, str(root / "prepare.py")], check=True)
    return root


def rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in out if "phase" not in r]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_cell(case: str, clients: int, rounds: int, out: Path) -> dict[str, float]:
    """One simulated federation; the medians of rounds 2.. of its records."""
    run_dir = out / f"{case}-{clients}"
    began = time.monotonic()
    result = api.simulate(prepared(CASES[case]), clients, rounds=rounds, output=run_dir)
    if any(code != 0 for code in result.clients.values()):
        raise SystemExit(f"{case} with {clients} sites: a client failed (logs: {run_dir})")
    server = rows(run_dir / "metrics.jsonl")[1:]
    sites = {
        path.parent.name: {r["round"]: r for r in rows(path)}
        for path in (run_dir / "clients").glob("*/metrics.jsonl")
    }
    numbers = [r["round"] for r in server]
    site_rows = [site[n] for site in sites.values() for n in numbers if n in site]
    return {
        "round_s": median([r["seconds"] for r in server]),
        "compute_s": median(
            [max(site[n]["compute_s"] for site in sites.values() if n in site) for n in numbers]
        ),
        "encrypt_s": median([r.get("outbound_s", 0.0) for r in site_rows]),
        "decrypt_s": median([r.get("inbound_s", 0.0) for r in site_rows]),
        "aggregate_s": median([r.get("aggregate_s", 0.0) for r in server]),
        "down_MB": median([r["bytes_down"] / 1e6 for r in server]),
        "up_MB": median([r["bytes_up"] / 1e6 for r in server]),
        "run_s": time.monotonic() - began,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="2,4", help="site counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per run (>= 2)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the run folders here")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (round 1 of HE sends a plain model)")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(describe())
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    out = args.keep or Path(tempfile.mkdtemp(prefix="he_round-"))
    header = (
        f"{'cell':<9} {'round s':>8} {'compute s':>9} {'encrypt s':>9} {'decrypt s':>9} "
        f"{'aggr s':>7} {'down MB':>8} {'up MB':>8}"
    )
    summary = []
    try:
        for clients in (int(c) for c in args.clients.split(",")):
            found = {case: run_cell(case, clients, args.rounds, out) for case in CASES}
            print(f"\n{clients} sites, {args.rounds} rounds (medians of rounds 2..)")
            print(header)
            for case, m in found.items():
                print(
                    f"{case:<9} {m['round_s']:>8.2f} {m['compute_s']:>9.2f} "
                    f"{m['encrypt_s']:>9.2f} {m['decrypt_s']:>9.2f} {m['aggregate_s']:>7.2f} "
                    f"{m['down_MB']:>8.1f} {m['up_MB']:>8.1f}"
                )
            ratio = found["HE"]["round_s"] / found["plain"]["round_s"]
            expansion = found["HE"]["up_MB"] / found["plain"]["up_MB"]
            summary.append((clients, ratio, expansion))
            print(f"HE / plain round wall: {ratio:.2f}x (goal <= 2.0x)")
            print(f"ciphertext expansion (bytes up, HE / plain float32): {expansion:.1f}x")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    for clients, ratio, expansion in summary:
        print(f"summary: {clients} sites: HE round {ratio:.2f}x plain, expansion {expansion:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
