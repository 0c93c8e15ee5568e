"""Helpers shared by several test modules: tiny copies of the examples, plan fixtures, ports.

Why a module: test modules used to import these from each other (``from test_executor
import tiny_digits``), which ran one module's imports and fixtures inside another.
:mod:`conftest` builds its fixtures from here; tests that need arguments (a datalist size,
server settings) call the functions directly.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from mmarc import __version__
from mmarc.plan import Plan

__all__ = [
    "EXAMPLES",
    "FL_WEIGHTS",
    "PLANS",
    "REPO",
    "csrf_of",
    "free_port",
    "load_plan",
    "tiny_digits",
    "tiny_fl_mmar",
    "with_epochs",
    "zip_folder",
]

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PLANS = Path(__file__).resolve().parent / "fixtures" / "plans"
#: The aggregation weights :func:`tiny_fl_mmar` gives its three sites.
FL_WEIGHTS = {"site-1": 1.0, "site-2": 1.5, "site-3": 0.8}


def load_plan(name: str) -> dict[str, Any]:
    """A compiled plan fixture from tests/fixtures/plans/."""
    return json.loads((PLANS / f"{name}.plan.json").read_text(encoding="utf-8"))


def plan_of(document: dict[str, Any]) -> Plan:
    """An edited plan document as a Plan, hashed again as the compiler would."""
    return Plan.sealed({k: v for k, v in document.items() if k != "sha256"})


def plan_envelope() -> dict[str, Any]:
    """The smallest valid plan document without content: every section empty."""
    return {
        "plan_format": 1,
        "mmarc_version": __version__,
        "clara_version": "4.1",
        "catalog": {"monai": "1", "torch": "2", "ignite": None},
        "mmar_name": "m",
        "variables": {},
        "settings": {},
        "train": {},
        "validate": {},
        "evaluate": None,
        "evaluate_settings": None,
        "fl": None,
        "custom": {},
    }


def sealed_fl_plan(content: dict[str, Any]) -> Plan:
    """A hashed plan of ``content`` (which holds ``fl.server`` and ``fl.client`` trees), the
    FL settings derived as the compiler derives them, a minimal envelope around it."""
    from mmarc.plan.fl import client_settings, server_settings

    fl = content["fl"]
    fl["server_settings"] = server_settings(fl["server"]).model_dump(mode="json")
    fl["client_settings"] = client_settings(fl["client"]).model_dump(mode="json")
    return Plan.sealed({**plan_envelope(), "mmar_name": "t", **content})


def fl_test_plan(**server: Any) -> Plan:
    """A sealed FL plan for hand-driven servers and clients: three rounds of FedAvg, clients
    c1-c3 weighted 1.0/1.5/0.8; ``server`` overrides ``servers[0]`` settings and
    ``aggregation_weights``."""
    entry = {
        "name": "t",
        "min_num_clients": 2,
        "max_num_clients": 10,
        "wait_after_min_clients": 30,
        "heart_beat_timeout": 30,
        "start_round": 0,
        "num_rounds": 3,
    }
    weights = server.pop("aggregation_weights", {"c1": 1.0, "c2": 1.5, "c3": 0.8})
    entry.update(server)
    return sealed_fl_plan(
        {
            "settings": {"learning_rate": 0.001},
            "train": {"model": {"path": "x.Net", "args": {"width": 4}}},
            "fl": {
                "server": {
                    "format_version": 1,
                    "servers": [entry],
                    "aggregator": {
                        "name": "InTimeAccumulateWeightedAggregator",
                        "path": "mmarc.runtime.aggregation.InTimeAccumulator",
                        "args": {"aggregation_weights": weights},
                    },
                },
                "client": {"format_version": 1, "client_trainer": {"args": {"local_epochs": 1}}},
            },
        }
    )


def with_epochs(plan: dict[str, Any], epochs: int) -> dict[str, Any]:
    """A copy of ``plan`` that trains for ``epochs`` epochs."""
    plan = copy.deepcopy(plan)
    plan["settings"]["epochs"] = epochs
    plan["variables"]["epochs"] = epochs
    plan["train"]["trainer"]["args"]["max_epochs"] = epochs
    return plan


def _copy_with_tiny_datalist(example: str, parent: Path, n_train: int, n_val: int) -> Path:
    """examples/<example> copied under ``parent`` with a datalist of a few real digits."""
    from sklearn.datasets import load_digits

    root = parent / example
    shutil.copytree(
        EXAMPLES / example,
        root,
        ignore=shutil.ignore_patterns("data", "models", "eval", "__pycache__"),
    )
    digits = load_digits()
    (root / "data" / "images").mkdir(parents=True)
    items = []
    for i in range(n_train + n_val):
        name = f"images/d{i:03d}.npy"
        np.save(root / "data" / name, digits.images[i].astype(np.float32))
        items.append({"image": name, "label": int(digits.target[i])})
    datalist = {"training": items[:n_train], "validation": items[n_train:]}
    (root / "data" / "dataset.json").write_text(json.dumps(datalist))
    return root


def tiny_digits(parent: Path, n_train: int = 48, n_val: int = 24) -> Path:
    """A copy of examples/digits_cnn whose datalist holds only a few real digits."""
    return _copy_with_tiny_datalist("digits_cnn", parent, n_train, n_val)


def tiny_fl_mmar(parent: Path, n_train: int = 48, n_val: int = 24, **server: Any) -> Path:
    """examples/digits_fl with a tiny datalist, batch 4 and the given server settings."""
    root = _copy_with_tiny_datalist("digits_fl", parent, n_train, n_val)
    train_path = root / "config" / "config_train.json"
    train = json.loads(train_path.read_text())
    train["train"]["dataloader"]["args"]["batch_size"] = 4
    train_path.write_text(json.dumps(train, indent=1))
    server_path = root / "config" / "config_fed_server.json"
    config = json.loads(server_path.read_text())
    config["servers"][0].update(
        {"min_num_clients": 2, "wait_after_min_clients": 60, "heart_beat_timeout": 10, **server}
    )
    config["aggregator"]["args"]["aggregation_weights"] = FL_WEIGHTS
    server_path.write_text(json.dumps(config, indent=1))
    return root


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: The variable :func:`processes_marked` looks for: set it (to a value unique to the test)
#: in the environment a run starts with, and every process of the run inherits it.
RUN_MARKER = "MMARC_TEST_RUN"


def processes_marked(value: str) -> dict[int, tuple[int, str]]:
    """Live processes (zombies left out) other than this one whose environment holds
    ``RUN_MARKER=value``: pid -> (parent pid, command line).

    Why the environment: a simulation's worker starts before its run folder exists, so
    no command line names it, and forks keep their parent's command line; a marker in
    the environment reaches every process of the run, forks and orphans included."""
    marker = f"{RUN_MARKER}={value}".encode()
    found: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat[0] not in ("Z", "X"):
            found[int(entry.name)] = (int(stat[1]), cmdline)
    return found


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``mmarc ARGS`` in a real process (no colour, one torch thread), output captured."""
    env = {**os.environ, "NO_COLOR": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mmarc.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a ``mmarc ui`` page."""
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def zip_folder(folder: Path, out: Path) -> Path:
    """``folder`` as a zip whose members sit under one top folder named like ``folder``."""
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return out


def tiny_seed_mmar(parent: Path, n_train: int = 48, n_val: int = 24) -> Path:
    """examples/mnist_seed with a tiny datalist of real digits, batch 8 and 8x8 images."""
    root = _copy_with_tiny_datalist("mnist_seed", parent, n_train, n_val)
    train_path = root / "config" / "config_train.json"
    train = json.loads(train_path.read_text())
    train["train"]["dataloader"]["args"]["batch_size"] = 8
    train_path.write_text(json.dumps(train, indent=1))
    env_path = root / "config" / "environment.json"
    env = json.loads(env_path.read_text())
    env["IMAGE_SIZE"] = 8
    env_path.write_text(json.dumps(env, indent=1))


def tiny_fl_he_mmar(parent: Path, n_train: int = 48, n_val: int = 24, **server: Any) -> Path:
    """:func:`tiny_fl_mmar` with examples/digits_fl_he's HE configs, 8x8 digits and a
    DigitsCNN for 8x8 inputs (136 K weights: each site encrypts in a fraction of a second)."""
    root = tiny_fl_mmar(parent, n_train, n_val, **server)
    config = root / "config"
    for name in ("config_fed_server.json", "config_fed_client.json"):
        he = json.loads((EXAMPLES / "digits_fl_he" / "config" / name).read_text())
        if name == "config_fed_server.json":
            tiny = json.loads((config / name).read_text())
            he["servers"] = tiny["servers"]
            he["aggregator"]["args"] = tiny["aggregator"]["args"]
        (config / name).write_text(json.dumps(he, indent=1))

    def small(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("path") == "digits_net.DigitsCNN":
                node.setdefault("args", {})["image_size"] = 8
            if node.get("name") == "Resized":
                node["args"]["spatial_size"] = [8, 8]
            for value in node.values():
                small(value)
        elif isinstance(node, list):
            for value in node:
                small(value)

    for path in config.glob("config_*.json"):
        document = json.loads(path.read_text())
        small(document)
        path.write_text(json.dumps(document, indent=1))
    return root


def run_in_thread(server: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``server.run()`` (a FederatedServer) in a daemon thread; the thread and a
    dict that gets ``"result"`` or the ``"error"`` it raised."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = server.run()
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out
