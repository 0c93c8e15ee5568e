"""``mmarc serve`` latency and throughput, against the same inference run in-process.

The model is examples/spleen_synth (3D UNet, SlidingWindowInferer 32^3, 48^3 volumes),
trained here for two epochs on four cases (the weights do not change the cost). The
baseline is what one request costs without HTTP: the served model's own ``prepare`` +
``infer`` + label NIfTI write, called in a loop in this process, one request at a time.
The server is a real ``mmarc serve`` process on 127.0.0.1 (queue 64, batches of up to
4); 1, 4 and 16 client threads post the image (MONAI Label ``/infer/{model}``,
``output=image``) until each level has sent its requests. Printed: latency p50/p95 and
throughput per level, and the framework's overhead as ratios to the in-process figures
(latency at 1 client / in-process latency; throughput / in-process throughput). All
figures come from this one run. ``--device cuda`` measures the same on a GPU.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/serve.py [--requests 24] [--device cpu]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

LEVELS = (1, 4, 16)
MODEL = "spleen_synth"


def _trained_copy(parent: Path) -> Path:
    from mmarc import api

    root = parent / MODEL
    shutil.copytree(
        REPO / "examples" / MODEL, root, ignore=shutil.ignore_patterns("data", "models", "eval")
    )
    spec = importlib.util.spec_from_file_location("prep", root / "prepare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.prepare(root / "data", n_train=4, n_val=2, size=48)
    api.run_local(root, sets=["epochs=2"])
    return root


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class InProcess:
    """The baseline: the served model's own stages in this process, one request at a time."""

    def __init__(self, root: Path, image: Path, device: str) -> None:
        from mmarc.runtime.serving.model import load_model

        from mmarc import api

        _, plan = api.compiled_or_raise(root, [])
        self.model = load_model(
            MODEL, plan, root, checkpoint=Path("models/best_model.pt"), device=device
        )
        self.image = image
        self.out = root / "inproc_label.nii.gz"

    def run(self, n: int) -> list[float]:
        """Seconds for each of ``n`` requests: header check, prepare, infer, label write."""
        from mmarc.runtime.serving.nifti import check_nifti, write_label

        times = []
        for _ in range(n):
            started = time.perf_counter()
            info = check_nifti(self.image, 2**31)
            label = self.model.infer([self.model.prepare(self.image)])[0]
            write_label(label, info, self.out)
            times.append(time.perf_counter() - started)
        return times


def _start_server(root: Path, device: str, port: int) -> subprocess.Popen[bytes]:
    args = [
        sys.executable, "-m", "mmarc.cli", "serve", str(root), "--checkpoint",
        "models/best_model.pt", "--port", str(port), "--device", device,
        "--queue-size", "64", "--max-batch", "4",
    ]  # fmt: skip
    log = (root / "serve.log").open("wb")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited; see its serve.log")
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not come up")


def _level(url: str, body: bytes, clients: int, n: int) -> tuple[list[float], float]:
    import httpx

    def one(client: httpx.Client) -> float:
        started = time.perf_counter()
        r = client.post(
            f"/infer/{MODEL}", params={"output": "image"}, files={"file": ("x.nii.gz", body)}
        )
        r.raise_for_status()
        return time.perf_counter() - started

    with httpx.Client(base_url=url, timeout=300) as client:
        one(client)  # a connection and a first request outside the timing
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            latencies = list(pool.map(lambda _: one(client), range(n)))
        wall = time.perf_counter() - started
    return latencies, n / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=24, help="requests per level")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    import torch

    print(describe())
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("CUDA: not measured here (no GPU on this machine)")
        return
    sys.path.insert(0, str(REPO / "tests"))
    from helpers import free_port

    with tempfile.TemporaryDirectory(prefix="mmarc-bench-serve-") as tmp:
        root = _trained_copy(Path(tmp))
        image = root / "data" / "imagesTr" / "synth_004.nii.gz"
        baseline = InProcess(root, image, args.device)
        baseline.run(2)  # warm
        port = free_port()
        launched = time.perf_counter()
        proc = _start_server(root, args.device, port)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url, proc)
            built = [
                line
                for line in (root / "serve.log").read_text().splitlines()
                if "built and warmed" in line
            ]
            print(
                f"start-up (process start to /health 200): {time.perf_counter() - launched:.1f} s"
                f"; of which {built[0].split(': ', 1)[1] if built else '?'}"
            )
            body = image.read_bytes()
            print(
                "clients | in-process p50 ms, req/s | server p50 ms, p95 ms, req/s | "
                "p50 / in-process | req/s / in-process"
            )
            for clients in LEVELS:
                # the baseline right before and after each level, so both see the same load
                base = baseline.run(4)
                lat, rate = _level(url, body, clients, max(args.requests, 2 * clients))
                base += baseline.run(4)
                base_p50 = statistics.median(base)
                p50, p95 = statistics.median(lat), _percentile(lat, 0.95)
                print(
                    f"{clients:7d} | {base_p50 * 1000:8.0f} {1 / base_p50:6.2f} | "
                    f"{p50 * 1000:8.0f} {p95 * 1000:6.0f} {rate:6.2f} | "
                    f"{p50 / base_p50:6.2f} | {rate * base_p50:6.2f}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    if args.device == "cpu":
        print("CUDA: not measured here (run with --device cuda on a GPU machine)")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
