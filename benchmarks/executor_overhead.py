"""Executor overhead: time per training iteration, plan executor vs a hand-written loop.

Both sides train the digits_cnn example (real scikit-learn digits, the MMAR's own CNN,
batch 32, Adam, cross-entropy) on the same cached dataset object, and do the same work
per iteration: forward, loss, backward, step, then decollate + softmax post-transform and
the accuracy metric, as the config asks (gradients zeroed in place, as MONAI's
SupervisedTrainer does by default). The executor side is what ``run --local`` builds
from the plan (MONAI SupervisedTrainer with the config's handlers; validation removed so
that only training iterations are timed). Epochs of the two alternate in ABBA rounds, so
drift and machine noise hit both alike; the figure is the median seconds per iteration
of each and their ratio, in wall time and in process CPU time (on a shared, busy machine
the CPU-time ratio is the steadier one). Goal: ratio <= 1.05.

Run: .venv/bin/python benchmarks/executor_overhead.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

from mmarc.plan import Plan  # noqa: E402


def _plan_without_validation(epochs: int) -> Plan:
    plan = json.loads((REPO / "tests/fixtures/plans/digits_cnn.plan.json").read_text())
    plan = copy.deepcopy(plan)
    handlers = plan["train"]["handlers"]
    plan["train"]["handlers"] = [
        h for h in handlers if not h.get("path", "").endswith("ValidationHandler")
    ]
    plan["validate"] = {}
    plan["train"]["trainer"]["args"]["max_epochs"] = epochs
    return Plan.sealed({k: v for k, v in plan.items() if k != "sha256"})


def _mmar_copy(tmp: Path) -> Path:
    sys.path.insert(0, str(REPO / "examples" / "digits_cnn"))
    from prepare import prepare

    root = tmp / "digits_cnn"
    shutil.copytree(
        REPO / "examples" / "digits_cnn",
        root,
        ignore=shutil.ignore_patterns("data", "models", "eval", "__pycache__"),
    )
    prepare(root / "data")
    return root


def _attach_run_local_iteration_work(training: Any) -> None:
    """What run_local adds to every iteration: the running train loss (progress bar off)."""
    from ignite.engine import Events
    from mmarc.runtime.executor.metrics_log import LossMeter, loss_of

    meter = LossMeter()

    def on_iteration(engine: Any) -> None:
        loss = loss_of(engine.state.output)
        if loss is not None:
            meter.add(loss)

    training.trainer.add_event_handler(Events.ITERATION_COMPLETED, on_iteration)


class HandLoop:
    """The same training, written directly against torch and MONAI."""

    def __init__(self, network: torch.nn.Module, dataset: Any, batch_size: int) -> None:
        from ignite.metrics import Accuracy
        from monai.data import DataLoader
        from monai.transforms import Activationsd, Compose

        self.net = network
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0)
        self.opt = torch.optim.Adam(network.parameters(), lr=1e-3)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=4, gamma=0.3)
        self.loss = torch.nn.CrossEntropyLoss()
        self.post = Compose([Activationsd(keys="pred", softmax=True)])
        self.metric = Accuracy()

    def epoch(self) -> tuple[float, int]:
        from monai.data import decollate_batch

        self.net.train()
        self.metric.reset()
        iterations = 0
        start = time.perf_counter()
        for batch in self.loader:
            images, labels = batch["image"], batch["label"]
            self.opt.zero_grad(set_to_none=False)
            pred = self.net(images)
            loss = self.loss(pred, labels)
            loss.backward()
            self.opt.step()
            items = decollate_batch({"image": images, "label": labels, "pred": pred.detach()})
            items = [self.post(i) for i in items]
            for i in items:
                label = torch.as_tensor(i["label"]).reshape(1)
                self.metric.update((i["pred"].unsqueeze(0), label))
            iterations += 1
        self.metric.compute()
        self.sched.step()
        return time.perf_counter() - start, iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="ABBA rounds (two timed epochs per side each)"
    )
    args = parser.parse_args()
    print(describe())
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")

    from mmarc.runtime.executor import build_training

    with tempfile.TemporaryDirectory() as tmp:
        root = _mmar_copy(Path(tmp))
        training = build_training(_plan_without_validation(1000), root, "cpu")
        _attach_run_local_iteration_work(training)
        dataset = training.builder.obj("/train/dataset")
        hand = HandLoop(copy.deepcopy(training.network), dataset, batch_size=32)
        # warm up both (allocator, first-call costs)
        training.run_epochs(1)
        hand.epoch()
        length = training.epoch_length
        # per side: (wall seconds, process CPU seconds) per iteration, one pair per epoch
        timings: dict[str, list[tuple[float, float]]] = {"executor": [], "hand": []}

        def timed(side: str, epoch: Any) -> None:
            wall, cpu = time.perf_counter(), time.process_time()
            iterations = epoch()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            timings[side].append((wall / iterations, cpu / iterations))

        def executor_epoch() -> int:
            training.run_epochs(1)
            return length

        def hand_epoch() -> int:
            return hand.epoch()[1]

        for _ in range(args.repeats):  # ABBA: drift and neighbours' load hit both sides alike
            timed("executor", executor_epoch)
            timed("hand", hand_epoch)
            timed("hand", hand_epoch)
            timed("executor", executor_epoch)

    print(f"iterations per epoch: {length} (batch 32); {2 * args.repeats} timed epochs per side")
    for column, label in ((0, "wall"), (1, "CPU ")):
        ex = statistics.median(t[column] for t in timings["executor"])
        hd = statistics.median(t[column] for t in timings["hand"])
        print(
            f"{label}: executor {ex * 1e3:7.3f} ms/iteration, hand loop {hd * 1e3:7.3f} "
            f"ms/iteration (medians); ratio executor/hand {ex / hd:.3f} (goal <= 1.05)"
        )


if __name__ == "__main__":
    main()
