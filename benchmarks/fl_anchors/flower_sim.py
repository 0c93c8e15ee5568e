"""Run the FL round benchmark's FedAvg in Flower 1.42.0's simulation runtime (Ray backend).

Message API ``ClientApp`` / ``ServerApp``; the stock ``FedAvg`` (``fraction_train=1.0``,
``fraction_evaluate=0.0``), subclassed only to timestamp ``configure_train`` (round_start)
and ``aggregate_train`` (aggregation_start / round_end). ``run_simulation`` gets
``client_resources = {num_cpus: 1, num_gpus: 0}`` and ``init_args.num_cpus = actors``, so by
default (actors = clients) every client has its own Ray actor and all clients of a round run
at once, as with NVFlare's ``threads=N``. ``--actors 2`` is the variant where clients queue
for 2 actors (one per core of the benchmark box).

The ClientApp's ``ArrayRecord.to_torch_state_dict()`` / ``ArrayRecord(state)`` calls lie
outside the client timers, so they count as overhead, as in the anchor method.

Run with the flower venv's python; events go to ``$FL_BENCH_EVENTS``:

    .bench/flower/bin/python benchmarks/fl_anchors/flower_sim.py --model A --clients 4 \
        --rounds 7 [--actors 2]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable

from events import ENV_VAR, emit, emit_client_round
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg
from flwr.simulation import run_simulation
from models import BATCH_SIZE, build_model, cached_client

client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    """One SGD step via the shared client step; the model lives in the actor's cache."""
    t_recv = time.time()
    config = msg.content["config"]
    events_path = str(config.get("bench-events", ""))
    if events_path and not os.environ.get(ENV_VAR):
        os.environ[ENV_VAR] = events_path  # Ray actors may not inherit the driver's env
    partition = int(context.node_config.get("partition-id", 0))
    client = cached_client(str(config["bench-model"]))
    state_in = msg.content["arrays"].to_torch_state_dict()
    result = client.step(state_in)
    t_done = time.time()
    emit_client_round(
        int(config["server-round"]),
        f"node-{partition}",
        t_recv=t_recv,
        t_done=t_done,
        compute_s=result.compute_s,
        client_s=result.client_s,
        bytes_down=result.bytes_down,
        bytes_up=result.bytes_up,
    )
    content = RecordDict(
        {
            "arrays": ArrayRecord(result.state),
            "metrics": MetricRecord({"loss": result.loss, "num-examples": BATCH_SIZE}),
        }
    )
    return Message(content=content, reply_to=msg)


class TimedFedAvg(FedAvg):
    """Stock FedAvg plus the benchmark's server events; nothing else changes."""

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        emit("round_start", round=server_round)
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        emit("aggregation_start", round=server_round)
        out = super().aggregate_train(server_round, replies)
        emit("round_end", round=server_round)
        return out


def make_server_app(model: str, clients: int, rounds: int) -> ServerApp:
    """The ServerApp: FedAvg over all ``clients`` nodes for ``rounds`` rounds."""
    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        strategy = TimedFedAvg(
            fraction_train=1.0,
            fraction_evaluate=0.0,
            min_train_nodes=clients,
            min_available_nodes=clients,
        )
        emit("server_ready")
        strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(build_model(model).state_dict()),
            num_rounds=rounds,
            train_config=ConfigRecord(
                {"bench-model": model, "bench-events": os.environ.get(ENV_VAR, "")}
            ),
        )

    return server_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("A", "B"), required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--actors", type=int, default=0, help="Ray actors (default: clients)")
    args = parser.parse_args()
    actors = args.actors or args.clients
    run_simulation(
        server_app=make_server_app(args.model, args.clients, args.rounds),
        client_app=client_app,
        num_supernodes=args.clients,
        backend_config={
            "client_resources": {"num_cpus": 1, "num_gpus": 0},
            "init_args": {"num_cpus": actors},
        },
    )


if __name__ == "__main__":
    main()
