"""NVFlare Client API training script: one SGD step per round via the shared `models.Client`.

Run by NVFlare's ``ScriptRunner`` (in-process executor, its defaults) inside each simulator
worker; the model arrives as PyTorch tensors, converted from NumPy inside ``flare.receive()``.
That conversion and the one inside ``flare.send()`` lie outside the client timers, so they
count as overhead, as in the anchor method.

    (launched by NVFlare, never directly)  nvflare_client.py --model A
"""

from __future__ import annotations

import argparse
import time
import zlib

import nvflare.client as flare
from events import emit_client_round
from models import Client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=("A", "B"), required=True)
    args = parser.parse_args()
    flare.init()
    site = flare.get_site_name()
    client = Client(args.model, seed=zlib.crc32(site.encode()) % 10_000)
    while flare.is_running():
        input_model = flare.receive()
        if input_model is None:
            break
        t_recv = time.time()
        result = client.step(input_model.params)
        t_done = time.time()
        round_ = int(input_model.current_round or 0) + 1
        emit_client_round(
            round_,
            site,
            t_recv=t_recv,
            t_done=t_done,
            compute_s=result.compute_s,
            client_s=result.client_s,
            bytes_down=result.bytes_down,
            bytes_up=result.bytes_up,
        )
        flare.send(
            flare.FLModel(
                params=result.state,
                metrics={"loss": result.loss},
                meta={"NUM_STEPS_CURRENT_ROUND": 1},
            )
        )


if __name__ == "__main__":
    main()
