"""Benchmark MMARs for the FL round benchmark's mmarc side, generated at run time.

Why generated rather than committed: each (model, clients, rounds) cell needs its own
server config (min = max = N clients, ``num_rounds`` = R) and a datalist of exactly 8
random samples per client; writing them into the run's scratch folder keeps the repository
free of hundreds of ``.npy`` files and guarantees every run starts from a clean folder.

The MMAR is the anchors' workload expressed as Clara configs:

- model A = examples/digits_cnn's ``DigitsCNN`` (Conv 32 3x3 same + ReLU, MaxPool 2,
  Flatten, Linear(6272, 256) + ReLU, Linear(256, 10): 1,608,778 parameters); model B =
  Linear(5000, 5000) + ReLU, Linear(5000, 10) (25,055,010 parameters). Both live in the
  MMAR's ``custom/bench_net.py`` and are used by the trainer *and* the server's persistor.
- random inputs (1x28x28 or 5000 floats) with random labels, 8 per client, batch 8, SGD
  lr 0.01 (``models.local_train``'s optimiser), ``steps_aggregation: 1``: one SGD step of
  a batch of 8 per round, as ``models.Client.step`` does in the anchors.
- no validation, no cross-site validation, no train handlers or metrics: the client's
  ``compute_s`` (measured by mmarc's client around its local training) then covers the
  ignite iteration alone (data loader + forward/backward/step), the nearest thing to the
  anchors' ``local_train``.

The runtime writes the benchmark's events itself: its event log follows ``$FL_BENCH_EVENTS``
(``runtime/server/events.py``), with the same names and fields as ``fl_anchors/events.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

BATCH_SIZE = 8
LEARNING_RATE = 0.01

BENCH_NET = '''"""Models A and B of the FL round benchmark (from fl_anchors/mmarc_bench.py)."""

from __future__ import annotations

import json
import os
import time

import torch
from torch import nn


class StepTimer:
    """Times each ignite iteration (forward, loss, backward, optimizer step; not the data
    loader) and appends ``{"event": "mmarc_step", "step_s"}`` to $FL_BENCH_EVENTS; the
    benchmark driver takes it as the client compute (the anchors' ``local_train``)."""

    def __init__(self) -> None:
        self.started = 0.0

    def attach(self, engine) -> None:
        from ignite.engine import Events

        engine.add_event_handler(Events.ITERATION_STARTED, self._start)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self._done)

    def _start(self, engine) -> None:
        self.started = time.perf_counter()

    def _done(self, engine) -> None:
        step_s = time.perf_counter() - self.started
        target = os.environ.get("FL_BENCH_EVENTS")
        if not target:
            return
        record = {"event": "mmarc_step", "t": time.time(), "pid": os.getpid(), "step_s": step_s}
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(record) + "\\n").encode())
        finally:
            os.close(fd)


class ModelA(nn.Module):
    """examples/digits_cnn's DigitsCNN: 1,608,778 parameters, inputs 1x28x28."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 14 * 14, 256), nn.ReLU(), nn.Linear(256, 10)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class ModelB(nn.Module):
    """Wide MLP: 25,055,010 parameters, inputs of width 5000."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5000, 5000), nn.ReLU(), nn.Linear(5000, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(x.shape[0], -1))
'''

INPUT_SHAPES: dict[str, tuple[int, ...]] = {"A": (1, 28, 28), "B": (5000,)}


def _train_config(model: str) -> dict[str, Any]:
    return {
        "CLARA_TRAIN_VERSION": "4.1.0",
        "epochs": 1,
        "learning_rate": LEARNING_RATE,
        "multi_gpu": False,
        "amp": False,
        "determinism": {"random_seed": 0},
        "dont_load_ckpt_model": True,
        "train": {
            "loss": {"name": "CrossEntropyLoss"},
            "optimizer": {
                "name": "SGD",
                "args": {"params": "#@model.parameters()", "lr": "{learning_rate}"},
            },
            "model": {"path": f"bench_net.Model{model}", "args": {}},
            "pre_transforms": [
                {"name": "LoadImaged", "args": {"keys": ["image"], "image_only": True}},
                {"name": "EnsureTyped", "args": {"keys": ["image", "label"]}},
            ],
            "dataset": {
                "name": "CacheDataset",
                "data_list_file_path": "{DATASET_JSON}",
                "data_file_base_dir": "{DATA_ROOT}",
                "data_list_key": "training",
                "args": {
                    "transform": "@pre_transforms",
                    "cache_rate": 1.0,
                    "progress": False,
                    "num_workers": 0,
                },
            },
            "dataloader": {
                "name": "DataLoader",
                "args": {
                    "dataset": "@dataset",
                    "batch_size": BATCH_SIZE,
                    "shuffle": False,
                    "num_workers": 0,
                },
            },
            "inferer": {"name": "SimpleInferer"},
            "handlers": [{"path": "bench_net.StepTimer", "args": {}}],
            "trainer": {
                "name": "SupervisedTrainer",
                "args": {
                    "max_epochs": "{epochs}",
                    "train_data_loader": "@dataloader",
                    "network": "@model",
                    "loss_function": "@loss",
                    "optimizer": "@optimizer",
                    "inferer": "@inferer",
                    "train_handlers": "@handlers",
                    "amp": "{amp}",
                },
            },
        },
    }


def _server_config(model: str, clients: int, rounds: int) -> dict[str, Any]:
    return {
        "format_version": 1,
        "servers": [
            {
                "name": "fl_bench",
                "min_num_clients": clients,
                "max_num_clients": clients,
                "wait_after_min_clients": 0,
                "heart_beat_timeout": 600,
                "start_round": 0,
                "num_rounds": rounds,
            }
        ],
        "aggregator": {"name": "InTimeAccumulateWeightedAggregator", "args": {}},
        "outbound_filters": [],
        "inbound_filters": [],
        "model_persistor": {
            "name": "PTFileModelPersistor",
            "args": {"model": {"path": f"bench_net.Model{model}", "args": {}}},
        },
        "shareable_generator": {"name": "FullModelShareableGenerator"},
        "handlers": [],
    }


def _client_config() -> dict[str, Any]:
    return {
        "format_version": 1,
        "servers": [{"name": "fl_bench"}],
        "client": {"outbound_filters": [], "inbound_filters": []},
        "client_trainer": {
            "name": "ClientTrainer",
            "args": {
                "local_epochs": 1,
                "steps_aggregation": 1,
                "model_reader_writer": {"name": "PTModelReaderWriter"},
            },
        },
        "handlers": [],
        "cross_validate": False,
        "cross_site_validation": {"is_participating": False},
    }


def write_mmar(root: Path, model: str, clients: int, rounds: int, seed: int = 0) -> Path:
    """Write the benchmark MMAR for one cell into ``root`` (replaced if present)."""
    if model not in INPUT_SHAPES:
        raise ValueError(f"unknown model {model!r}; expected A or B")
    if root.exists():
        shutil.rmtree(root)
    (root / "config").mkdir(parents=True)
    (root / "custom").mkdir()
    images = root / "data" / "images"
    images.mkdir(parents=True)
    (root / "custom" / "bench_net.py").write_text(BENCH_NET, encoding="utf-8")
    rng = np.random.default_rng(seed)
    training = []
    for i in range(BATCH_SIZE * clients):
        name = f"x{i:04d}.npy"
        np.save(images / name, rng.standard_normal(INPUT_SHAPES[model]).astype(np.float32))
        training.append({"image": f"images/{name}", "label": int(rng.integers(0, 10))})
    dataset = {"name": f"fl-bench-{model}", "training": training, "validation": []}
    (root / "data" / "dataset.json").write_text(json.dumps(dataset, indent=1), encoding="utf-8")
    configs = {
        "config_train.json": _train_config(model),
        "config_fed_server.json": _server_config(model, clients, rounds),
        "config_fed_client.json": _client_config(),
        "environment.json": {
            "DATA_ROOT": "data",
            "DATASET_JSON": "data/dataset.json",
            "PROCESSING_TASK": "classification",
            "MMAR_CKPT_DIR": "models",
            "MMAR_CKPT": "models/model.pt",
        },
    }
    for name, doc in configs.items():
        (root / "config" / name).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return root


if __name__ == "__main__":  # python mmarc_bench.py OUT MODEL CLIENTS ROUNDS
    import sys

    out, m, n, r = sys.argv[1:5]
    print(write_mmar(Path(out), m, int(n), int(r)))
