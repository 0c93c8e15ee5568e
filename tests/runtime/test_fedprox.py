"""FedProx's proximal term on a real MONAI SupervisedTrainer: the client's update is
what SGD on ``loss + mu/2 ||w - w_global||^2`` gives, recomputed here in numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmarc.runtime.client.proximal import ProximalLoss
from mmarc.runtime.client.trainer import ClientTrainer, ModelReaderWriter
from mmarc.runtime.executor.local import Training
from monai.engines import SupervisedTrainer

from mmarc.plan import FLClientSettings, FLConfigError
from mmarc.plan.fl import client_settings

LR = 0.1
RNG = np.random.default_rng(7)
BATCHES = [(RNG.standard_normal((4, 3)), RNG.standard_normal((4, 1))) for _ in range(3)]
W0 = RNG.standard_normal((1, 3))
B0 = RNG.standard_normal(1)


def training() -> Training:
    torch.manual_seed(0)
    network = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        network.weight.copy_(torch.from_numpy(W0))
        network.bias.copy_(torch.from_numpy(B0))
    data = [{"image": torch.from_numpy(x), "label": torch.from_numpy(y)} for x, y in BATCHES]
    optimizer = torch.optim.SGD(network.parameters(), lr=LR)
    trainer = SupervisedTrainer(
        device=torch.device("cpu"),
        max_epochs=1,
        train_data_loader=data,
        epoch_length=len(data),
        network=network,
        optimizer=optimizer,
        loss_function=torch.nn.MSELoss(),
        decollate=False,  # state.output keeps the batch's loss
    )
    return Training(
        builder=None,  # type: ignore[arg-type]
        trainer=trainer,
        evaluator=None,
        network=network,
        optimizer=optimizer,
        lr_scheduler=None,
        device=torch.device("cpu"),
    )


def reference(mu: float) -> tuple[np.ndarray, np.ndarray, float]:
    """SGD on mean squared error plus mu/2 ||w - w0||^2, the gradients by hand; and the
    loss of the last step."""
    w, b = W0.copy(), B0.copy()
    loss = 0.0
    for x, y in BATCHES:
        r = x @ w.T + b - y  # residuals (4, 1)
        grad_w = 2 * (r.T @ x) / r.size + mu * (w - W0)
        grad_b = 2 * r.sum(axis=0) / r.size + mu * (b - B0)
        loss = float((r**2).mean() + mu / 2 * (((w - W0) ** 2).sum() + ((b - B0) ** 2).sum()))
        w, b = w - LR * grad_w, b - LR * grad_b
    return w, b, loss


@pytest.mark.parametrize("mu", [0.0, 0.5, 3.0])
def test_the_update_is_sgd_on_the_proximal_objective(mu: float) -> None:
    t = training()
    rw = ModelReaderWriter(t.network)
    start = rw.weights()  # the round's global model
    trainer = ClientTrainer(t, local_epochs=1, fedprox_mu=mu)
    assert isinstance(t.trainer.loss_function, ProximalLoss) == (mu > 0)
    local = trainer.train()
    assert local.steps == len(BATCHES)
    w, b, loss = reference(mu)
    update = rw.difference(start)
    np.testing.assert_allclose(update["weight"], w - W0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(update["bias"], b - B0, rtol=1e-12, atol=1e-14)
    assert t.trainer.state.output["loss"].item() == pytest.approx(loss, rel=1e-12)
    if mu > 0:  # the term made a difference: it is not the plain SGD update
        plain_w, _, _ = reference(0.0)
        assert not np.allclose(w, plain_w)


def test_the_anchor_moves_to_each_rounds_global_model() -> None:
    t = training()
    trainer = ClientTrainer(t, local_epochs=1, fedprox_mu=1.0)
    proximal = t.trainer.loss_function
    trainer.train()
    assert proximal.term().item() > 0  # trained away from the round's start
    new_global = {k: np.zeros_like(v) for k, v in ModelReaderWriter(t.network).weights().items()}
    ModelReaderWriter(t.network).load(new_global)
    t.trainer.state.max_epochs = 1  # run_epochs adds one more epoch
    trainer.train()
    # the term of the second round measures the distance from the zeros it started at
    params = torch.cat([p.detach().reshape(-1) for p in t.network.parameters()])
    assert proximal.term().item() == pytest.approx(0.5 * float((params**2).sum()), rel=1e-12)


def test_fedprox_mu_is_read_from_the_client_trainer_args() -> None:
    def settings(args: dict[str, object]) -> FLClientSettings:
        return client_settings({"client_trainer": {"args": args}})

    assert settings({"local_epochs": 1, "fedprox_mu": 0.01}).fedprox_mu == 0.01
    assert settings({"local_epochs": 1}).fedprox_mu == 0.0
    for bad in (-1, "0.1", True, float("nan")):
        with pytest.raises(FLConfigError, match="client_trainer/args/fedprox_mu"):
            settings({"local_epochs": 1, "fedprox_mu": bad})
