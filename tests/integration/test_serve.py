"""``mmarc serve`` end to end: a real server process on 127.0.0.1, real HTTP, real models.

One server per module serves a copy of examples/spleen_synth trained for two epochs
here; the tests segment its volumes through MONAI Label's and AIAA's v1 APIs and check
that the label lies on the input's grid (affine, shape) and that its Dice against the
ground truth is what ``mmarc evaluate`` reports for that case. Hostile and malformed
requests get clean 4xx answers, a burst beyond the queue gets 503 with Retry-After, and
the server stays up through all of it.
"""

from __future__ import annotations

import email.parser
import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import nibabel as nib
import numpy as np
import pytest
from helpers import EXAMPLES, REPO, free_port, run_cli

from mmarc import api

pytestmark = pytest.mark.slow

TOKEN = "test-token-7f3a"
MODEL = "spleen_synth"
QUEUE_SIZE = 2
MAX_BODY_MB = 1


def _prepare(out: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "spleen_prepare", EXAMPLES / "spleen_synth" / "prepare.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.prepare(out, n_train=4, n_val=2, size=48)


@pytest.fixture(scope="module")
def spleen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/spleen_synth with 4 + 2 cases, trained for 2 epochs (models/best_model.pt)."""
    root = tmp_path_factory.mktemp("serve") / MODEL
    shutil.copytree(EXAMPLES / MODEL, root, ignore=shutil.ignore_patterns("data", "models", "eval"))
    _prepare(root / "data")
    api.run_local(root, sets=["epochs=2"])
    assert (root / "models" / "best_model.pt").is_file()
    return root


@pytest.fixture(scope="module")
def server(spleen: Path) -> Iterator[httpx.Client]:
    """``mmarc serve`` in its own process, and a client holding the token."""
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NO_COLOR": "1"}
    args = [
        sys.executable, "-m", "mmarc.cli", "serve", str(spleen),
        "--checkpoint", "models/best_model.pt", "--port", str(port), "--token", TOKEN,
        "--datastore", str(spleen / "data" / "imagesTr"), "--queue-size", str(QUEUE_SIZE),
        "--max-batch", "2", "--max-body-mb", str(MAX_BODY_MB),
    ]  # fmt: skip
    log = (spleen / "serve.log").open("w")
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (spleen / "serve.log").read_text()
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.3)
        yield client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _case(root: Path, i: int) -> tuple[Path, Path]:
    """Image and ground-truth label of validation case ``i``."""
    item = json.loads((root / "data" / "dataset.json").read_text())["validation"][i]
    return root / "data" / item["image"], root / "data" / item["label"]


def _evaluate_dice(root: Path, i: int) -> float:
    """``mmarc evaluate``'s val_mean_dice with validation case ``i`` as the whole list."""
    datalist = json.loads((root / "data" / "dataset.json").read_text())
    datalist["validation"] = [datalist["validation"][i]]
    (root / "data" / f"case{i}.json").write_text(json.dumps(datalist))
    metrics = api.evaluate(
        root,
        sets=[f"DATASET_JSON=data/case{i}.json"],
        checkpoint=Path("models/best_model.pt"),
    )
    return metrics["val_mean_dice"]


def _dice(label: np.ndarray, truth: np.ndarray) -> float:
    a, b = label > 0, truth > 0
    return float(2 * (a & b).sum() / (a.sum() + b.sum()))


def _parts(response: httpx.Response) -> dict[str, bytes]:
    """The parts of a ``multipart/form-data`` response, by field name."""
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(head + response.content)
    assert message.is_multipart()
    return {
        str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True)
        for part in message.get_payload()
    }


def _check_label(data: bytes, image: Path, truth: Path, where: Path) -> float:
    """The returned label lies on the input's grid; returns its Dice against ``truth``."""
    where.write_bytes(data)
    label, source = nib.load(where), nib.load(image)
    assert label.shape == source.shape
    np.testing.assert_array_equal(label.affine, source.affine)
    np.testing.assert_array_equal(label.header.get_zooms(), source.header.get_zooms())
    values = np.asarray(label.dataobj)
    assert set(np.unique(values)) <= {0, 1}
    return _dice(values, np.asarray(nib.load(truth).dataobj))


def test_info_models_and_openapi_describe_the_model(server: httpx.Client) -> None:
    info = server.get("/info/").json()
    assert info["models"][MODEL]["labels"] == {"foreground": 1}
    assert info["models"][MODEL]["dimension"] == 3
    assert info["models"][MODEL]["type"] == "segmentation"
    models = server.get("/v1/models").json()
    assert [(m["name"], m["labels"]) for m in models] == [(MODEL, ["foreground"])]
    paths = server.get("/openapi.json").json()["paths"]
    assert {"/info/", "/infer/{model}", "/v1/models", "/v1/segmentation", "/v1/inference"} <= set(
        paths
    )
    docs = server.get("/docs")  # offline sites: one page, nothing loaded from outside
    assert docs.status_code == 200 and "/infer/{model}" in docs.text
    assert "<script" not in docs.text and "http" not in docs.text


def test_monai_label_infer_matches_evaluate(
    server: httpx.Client, spleen: Path, tmp_path: Path
) -> None:
    image, truth = _case(spleen, 0)
    response = server.post(
        f"/infer/{MODEL}",
        files={"file": ("case.nii.gz", image.read_bytes())},
        data={"params": "{}"},
    )
    assert response.status_code == 200, response.text
    parts = _parts(response)
    assert json.loads(parts["params"])["label_names"] == {"foreground": 1}
    dice = _check_label(parts["image"], image, truth, tmp_path / "label.nii.gz")
    assert dice > 0.2
    assert dice == pytest.approx(_evaluate_dice(spleen, 0), abs=1e-5)


def test_aiaa_segmentation_matches_evaluate(
    server: httpx.Client, spleen: Path, tmp_path: Path
) -> None:
    image, truth = _case(spleen, 1)
    response = server.post(
        "/v1/segmentation",
        params={"model": MODEL},
        files={"datapoint": ("x.nii.gz", image.read_bytes())},
        data={"params": json.dumps({"foo": 1})},
    )
    assert response.status_code == 200, response.text
    dice = _check_label(_parts(response)["image"], image, truth, tmp_path / "label.nii.gz")
    assert dice == pytest.approx(_evaluate_dice(spleen, 1), abs=1e-5)
    plain = server.post(
        "/v1/inference",
        params={"model": MODEL, "output": "image"},
        files={"datapoint": ("x.nii", gzip.decompress(image.read_bytes()))},
    )
    assert plain.status_code == 200, plain.text
    again = _check_label(plain.content, image, truth, tmp_path / "plain.nii.gz")
    assert again == pytest.approx(dice, abs=1e-6)


def test_datastore_image_by_id(server: httpx.Client, spleen: Path) -> None:
    image, _ = _case(spleen, 0)
    image_id = image.name.removesuffix(".nii.gz")
    result = server.post(f"/infer/{MODEL}", params={"image": image_id, "output": "json"})
    assert result.status_code == 200, result.text
    assert result.json()["shape"] == [48, 48, 48]
    for bad, status in (("../dataset.json", 400), (".hidden", 400), ("nope", 404)):
        refused = server.post(f"/infer/{MODEL}", params={"image": bad})
        assert refused.status_code == status, (bad, refused.text)


def _forged_header(tmp_path: Path) -> bytes:
    """A NIfTI whose header promises 10^12 voxels (the data is 8 voxels)."""
    path = tmp_path / "forged.nii"
    nib.save(nib.Nifti1Image(np.zeros((2, 2, 2), np.float32), np.eye(4)), path)
    raw = bytearray(path.read_bytes())
    raw[42:48] = np.array([10_000, 10_000, 10_000], "<i2").tobytes()
    return bytes(raw)


def _three_channels(tmp_path: Path) -> bytes:
    """A valid 4D NIfTI with three channels, for a model with one input channel."""
    path = tmp_path / "rgb.nii"
    nib.save(nib.Nifti1Image(np.ones((16, 16, 16, 3), np.float32), np.eye(4)), path)
    return path.read_bytes()


MULTIPART_X = {"Content-Type": "multipart/form-data; boundary=x"}


def _chunked_upload() -> Iterator[bytes]:
    """A multipart body without Content-Length (chunked), larger than the server's limit."""
    yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
    for _ in range(MAX_BODY_MB * 16 + 2):
        yield b"\0" * 65536


def test_bad_requests_get_clean_4xx_and_the_server_stays_up(
    server: httpx.Client, spleen: Path, tmp_path: Path
) -> None:
    image, _ = _case(spleen, 0)
    upload = image.read_bytes()

    def infer(model: str = MODEL, **kwargs: Any) -> httpx.Response:
        return server.post(f"/infer/{model}", **kwargs)

    cases = {
        "not nifti": (infer(files={"file": ("a.nii.gz", b"hello world" * 10)}), 415),
        "broken gzip": (infer(files={"file": ("a.nii.gz", upload[:2000])}), 400),
        "forged header": (infer(files={"file": ("a.nii", _forged_header(tmp_path))}), 413),
        "three channels": (infer(files={"file": ("a.nii", _three_channels(tmp_path))}), 422),
        "params not json": (infer(files={"file": ("a", upload)}, data={"params": "{x"}), 400),
        "no image": (infer(data={"params": "{}"}), 400),
        "unknown model": (infer("nope", files={"file": ("a", upload)}), 404),
        "aiaa unknown model": (
            server.post("/v1/segmentation?model=nope", files={"datapoint": ("a", upload)}),
            404,
        ),
        "aiaa no model": (server.post("/v1/segmentation", files={"datapoint": ("a", upload)}), 422),
        "bad output": (infer(params={"output": "pickle"}, files={"file": ("a", upload)}), 422),
        "oversized": (infer(files={"file": ("a", b"\0" * (MAX_BODY_MB * 2**20 + 1))}), 413),
        "oversized chunked": (infer(content=_chunked_upload(), headers=MULTIPART_X), 413),
        "no token": (httpx.get(f"{server.base_url}/info/"), 401),
        "wrong token": (server.get("/info/", headers={"Authorization": "Bearer nope"}), 401),
    }
    got = {name: (r.status_code, r.headers.get("content-type")) for name, (r, _) in cases.items()}
    want = {name: (status, "application/json") for name, (_, status) in cases.items()}
    assert got == want
    assert all("detail" in r.json() for r, _ in cases.values())
    assert server.get("/health").json()["status"] == "ok"
    assert infer(params={"output": "json"}, files={"file": ("a", upload)}).status_code == 200


def test_burst_beyond_the_queue_gets_503_not_a_crash(server: httpx.Client, spleen: Path) -> None:
    image_id = _case(spleen, 0)[0].name.removesuffix(".nii.gz")

    def one(_: int) -> httpx.Response:
        return server.post(f"/infer/{MODEL}", params={"image": image_id, "output": "json"})

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(one, range(16)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) == {200, 503}, statuses
    assert statuses.count(200) >= QUEUE_SIZE
    busy = [r for r in responses if r.status_code == 503]
    assert all(int(r.headers["Retry-After"]) >= 1 for r in busy)
    assert server.get("/health").json()["status"] == "ok"
    assert one(0).status_code == 200


def test_serving_beyond_loopback_needs_a_token(spleen: Path) -> None:
    result = run_cli("serve", str(spleen), "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode == 2
    assert "--token" in result.stderr and "Traceback" not in result.stderr


def test_a_label_from_resampling_transforms_lies_on_the_input_grid(
    spleen: Path, tmp_path: Path
) -> None:
    """Orientationd + Spacingd in the pre-transforms: the label is inverted onto the input."""
    from mmarc.runtime.serving.model import load_model
    from mmarc.runtime.serving.nifti import check_nifti, write_label

    root = tmp_path / MODEL
    shutil.copytree(spleen, root, ignore=shutil.ignore_patterns("eval", "serve.log"))
    config_path = root / "config" / "config_validation.json"
    config = json.loads(config_path.read_text())
    keys = ["image", "label"]
    config["pre_transforms"][2:2] = [
        {"name": "Orientationd", "args": {"keys": keys, "axcodes": "RAS"}},
        {"name": "Spacingd", "args": {"keys": keys, "pixdim": [1.5, 1.0, 1.0]}},
    ]
    config_path.write_text(json.dumps(config))
    image, truth = _case(spleen, 0)
    flipped = nib.Nifti1Image(
        np.asarray(nib.load(image).dataobj)[::-1], np.diag([-1.0, 1.0, 1.0, 1.0])
    )
    moved = tmp_path / "flipped.nii.gz"
    nib.save(flipped, moved)
    _, plan = api.compiled_or_raise(root, [])
    model = load_model(MODEL, plan, root, checkpoint=Path("models/best_model.pt"))
    label = model.infer([model.prepare(moved)])[0]
    assert label.shape == (48, 48, 48)
    out = write_label(label, check_nifti(moved, 2**24), tmp_path / "label.nii.gz")
    np.testing.assert_array_equal(nib.load(out).affine, flipped.affine)
    truth_flipped = np.asarray(nib.load(truth).dataobj)[::-1]
    assert _dice(label, truth_flipped) > 0.5 * _evaluate_dice(spleen, 0)


def test_a_request_that_outlives_the_timeout_gets_504(spleen: Path) -> None:
    """The registry's time limit, in-process: a real model, a 1 ms timeout."""
    import asyncio

    from mmarc.runtime.serving import ModelRegistry, RequestRefused, ServeSettings
    from mmarc.runtime.serving.model import load_model
    from mmarc.runtime.serving.nifti import check_nifti

    _, plan = api.compiled_or_raise(spleen, [])
    model = load_model(MODEL, plan, spleen, checkpoint=Path("models/best_model.pt"), warm=False)
    registry = ModelRegistry([model], ServeSettings(timeout_s=0.001))
    image = check_nifti(_case(spleen, 0)[0], 2**24)
    try:
        with pytest.raises(RequestRefused) as refused:
            asyncio.run(registry.segment(MODEL, image))
        assert refused.value.status == 504
        assert "did not answer within" in refused.value.detail
    finally:
        registry.close()
