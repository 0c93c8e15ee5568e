"""Build and run the NVFlare 2.9.0 FedAvg job of the FL round benchmark in the simulator.

The job is what ``FedAvgJob`` builds (PyTorch ``BaseFedJob`` with its default widgets, the
stock ``FedAvg`` controller, ``PTFileModelPersistor`` via the initial model), with the Client
API script run by ``ScriptRunner`` at its defaults, plus one server widget that timestamps the
rounds. It is assembled from the same parts rather than by calling ``FedAvgJob`` only because
``FedAvgJob`` does not pass ``task_check_period`` through, which the tuned variant sets.

Variants:
- ``default``: as shipped (server ``task_request_interval`` 2 s, ``task_check_period`` 0.5 s).
- ``tuned``: ``task_request_interval`` 0.1 s and ``task_check_period`` 0.05 s, the two polling
  intervals on this path that a job can set.

Run with the nvflare venv's python; events go to ``$FL_BENCH_EVENTS``:

    .bench/nvflare/bin/python benchmarks/fl_anchors/nvflare_job.py --model A --clients 2 \
        --rounds 7 --variant tuned --workspace /tmp/ws
"""

from __future__ import annotations

import argparse
from pathlib import Path

from models import build_model
from nvflare.app_common.workflows.fedavg import FedAvg
from nvflare.app_opt.pt.job_config.base_fed_job import BaseFedJob
from nvflare.job_config.script_runner import ScriptRunner
from nvflare_timer import BenchRoundTimer

HERE = Path(__file__).resolve().parent
TUNED_TASK_REQUEST_INTERVAL = 0.1
TUNED_TASK_CHECK_PERIOD = 0.05


def build_job(model: str, clients: int, rounds: int, variant: str) -> BaseFedJob:
    """The FedAvgJob-equivalent job for one benchmark run."""
    job = BaseFedJob(
        initial_model=build_model(model),
        name=f"fl_bench_{model}{clients}_{variant}",
        min_clients=clients,
        key_metric="loss",
        key_metric_mode="min",
    )
    controller_args: dict[str, float] = {}
    if variant == "tuned":
        controller_args["task_check_period"] = TUNED_TASK_CHECK_PERIOD
        job.to_server({"server": {"task_request_interval": TUNED_TASK_REQUEST_INTERVAL}})
    job.to_server(
        FedAvg(
            num_clients=clients,
            num_rounds=rounds,
            persistor_id=job.comp_ids["persistor_id"],
            **controller_args,
        )
    )
    job.to_server(BenchRoundTimer(), id="fl_bench_round_timer")
    # Client side: the Client API script and the two shared modules it imports.
    job.to_clients(
        ScriptRunner(script=str(HERE / "nvflare_client.py"), script_args=f"--model {model}")
    )
    for name in ("models.py", "events.py"):
        job.to_clients(str(HERE / name))
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("A", "B"), required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--variant", choices=("default", "tuned"), default="default")
    parser.add_argument("--workspace", type=Path, required=True)
    args = parser.parse_args()
    job = build_job(args.model, args.clients, args.rounds, args.variant)
    job.simulator_run(str(args.workspace), n_clients=args.clients, threads=args.clients)


if __name__ == "__main__":
    main()
