"""Homomorphic encryption in real processes on 127.0.0.1: the privacy promise, tested.

A tiny examples/digits_fl_he (8x8 digits, a 136 K-weight DigitsCNN, 2 sites) runs in the
simulator's processes with every update dumped as sent. The tests decrypt what the
sites uploaded with a site's key, recompute plain FedAvg, and compare it with the global
model the next round opened; they show the server's context has no secret key, that its
saved model and every update it received are ciphertexts it cannot open, and that a
site without the project's context, or a server given a secret key, is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from helpers import FL_WEIGHTS, tiny_fl_he_mmar
from mmarc.runtime.client.loop import ClientError, FederatedClient
from mmarc.runtime.provision.he import run_contexts
from mmarc.runtime.security.ckks import (
    CKKSParams,
    HEError,
    context_fingerprint,
    load_context,
    new_context,
    open_layer,
    read_sealed,
    sealed_names,
    vector_of,
)
from mmarc.runtime.server.admission import registration_meta
from mmarc.runtime.server.workflow import FederatedServer, ServerError
from mmarc.runtime.transport import ClientEndpoint, RegistrationRefused

from mmarc import api

WORKER = [sys.executable, "-m", "mmarc.runtime.sim.worker"]
SITES = ["site-1", "site-2"]


def npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-12))


@pytest.mark.slow
def test_he_federation_averages_what_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tiny_fl_he_mmar(tmp_path, num_rounds=2)
    run_dir = tmp_path / "run"
    monkeypatch.setenv("MMARC_FL_DUMP", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    result = api.simulate(root, 2, output=run_dir)
    assert result.clients == {"site-1": 0, "site-2": 0}
    assert result.summary["strategy"] == "HEFedAvg"
    server_context = load_context(run_dir / "he" / "server_context.tenseal", secret=False)
    site_context = load_context(run_dir / "he" / "client_context.tenseal", secret=True)
    assert not server_context.is_private()  # what the server process was given
    dumps = {s: run_dir / "clients" / s / "dump" for s in SITES}

    # every update the server received is sealed, and the server's context cannot open it
    sent = {s: npz(dumps[s] / "round-0000-sent.npz") for s in SITES}
    steps = {s: json.loads((dumps[s] / "round-0000.json").read_text())["steps"] for s in SITES}
    for update in sent.values():
        names = sealed_names(update)
        assert names and all(n in names for n in update if not n.endswith("#he"))
        layer = read_sealed(update, names[0])
        with pytest.raises(HEError, match="no secret key"):
            vector_of(server_context, layer).decrypt()
        with pytest.raises(HEError, match="no secret key"):
            open_layer(server_context, layer)

    # the global model the sites opened in round 1 is plain FedAvg of the round-0 uploads
    opened = {
        s: {n: open_layer(site_context, read_sealed(sent[s], n)) for n in sealed_names(sent[s])}
        for s in SITES
    }
    weight = {s: FL_WEIGHTS[s] * steps[s] for s in SITES}
    total = sum(weight.values())
    received = npz(dumps["site-1"] / "round-0001-received.npz")
    for name in opened["site-1"]:
        expected = sum(weight[s] * opened[s][name].astype(np.float64) for s in SITES) / total
        assert relative_error(received[name], expected) < 1e-3, name

    # the saved global model holds ciphertexts only; the site's key opens it
    saved = torch.load(run_dir / "FL_global_model.pt", weights_only=True)
    model = {k: v.numpy() for k, v in saved["model"].items()}
    assert saved["fl"]["round"] == 1
    assert sorted(sealed_names(model)) == sorted(opened["site-1"])
    final = {n: open_layer(site_context, read_sealed(model, n)) for n in sealed_names(model)}
    with pytest.raises(HEError):
        open_layer(server_context, read_sealed(model, "classifier.1.weight"))
    local = torch.load(run_dir / "clients" / "site-1" / "local_model.pt", weights_only=True)
    assert final["classifier.1.weight"].shape == tuple(local["model"]["classifier.1.weight"].shape)
    cross = json.loads((run_dir / "cross_val_results.json").read_text())
    assert set(cross["site-1"]) == {"site-1", "site-2", "FL_global_model"}  # sealed models too


@pytest.mark.slow
def test_a_site_without_the_context_is_refused(tmp_path: Path) -> None:
    root = tiny_fl_he_mmar(tmp_path)
    plan = api.compile_plan(root).plan
    assert plan is not None
    plan_path = tmp_path / "plan.json"
    plan_path.write_bytes(plan.to_json())
    server_file, client_file = run_contexts(tmp_path / "he")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = ["--plan", str(plan_path), "--mmar", str(root)]

    # a server handed a secret key will not start; a site without its context stops
    # before it joins (in this process: the same constructors the worker processes run)
    with pytest.raises(ServerError, match="holds a secret key"):
        FederatedServer(plan, root, tmp_path / "s0", he_context=client_file)
    with pytest.raises(ClientError, match="no TenSEAL context"):
        FederatedClient(plan, root, "site-1", "tcp://127.0.0.1:9", tmp_path / "c0")

    # the server refuses a registration without the project's context, or with another one
    server = subprocess.Popen(
        [
            *WORKER,
            "server",
            *common,
            "--run-dir",
            str(tmp_path / "s1"),
            "--he-context",
            str(server_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        endpoint = None
        assert server.stdout is not None
        for line in server.stdout:
            event: dict[str, Any] = json.loads(line[1:]) if line.startswith("@") else {}
            if event.get("event") == "listening":
                endpoint = event["endpoint"]
                break
        assert endpoint is not None
        foreign = context_fingerprint(new_context(CKKSParams()))
        for name, extra, match in (
            ("site-1", {}, "has no TenSEAL context"),
            ("site-2", {"he": foreign}, "not this project's"),
        ):
            client = ClientEndpoint(endpoint, name, run_id=plan.mmar_name, plan_hash=plan.sha256)
            try:
                with pytest.raises(RegistrationRefused, match=match):
                    client.register(registration_meta(plan, **extra), timeout=30)
            finally:
                client.close()
        site = load_context(client_file, secret=True)
        client = ClientEndpoint(endpoint, "site-1", run_id=plan.mmar_name, plan_hash=plan.sha256)
        try:  # the project's context is admitted
            client.register(registration_meta(plan, he=context_fingerprint(site)), timeout=30)
            assert client.registered
        finally:
            client.close(bye=True)
    finally:
        server.terminate()
        try:
            code: int | None = server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
            code = None
    # promptly, though no client is connected (see tests/runtime/test_server_stop.py)
    assert code == 130, "the server did not stop within 10 s of SIGTERM"
