"""Round-trip time and effective throughput of the transport, against raw TCP, same run.

One round = the server sends the model to N client *processes* and receives one model
back from each (what an FL round moves: 2 x N x model bytes), clients echoing what they
got. Models: the anchors' A (6.4 MB) and B (100.2 MB) state_dicts with random weights
(docs: /work/shared/anchors/fl-round-overhead.md), plus "tiny" (one 4-byte tensor: the
pure messaging cost of a round). Baseline: the same bytes, same pattern and processes,
over plain loopback TCP with ``socket.sendall`` / ``recv_into`` into preallocated buffers
and no framing beyond a length prefix: the floor for moving bytes from Python.

With ``--curve``, a fourth variant runs on its own server endpoint and client processes:
the same round over CurveZMQ (encrypted and authenticated, as provisioned kits run), so a
deployment's raw wire cost is measured beside plain mode; the FL round benchmark
(``fl_round.py``, row ``mmarc-curve``) compares its CURVE rounds with this figure. It moves
the tensors in the frames the runtime uses on CurveZMQ connections
(:data:`~mmarc.runtime.protocol.CURVE_CHUNK_BYTES`, ``--curve-chunk-mb`` to change): in
``--chunk-mb``'s 16 MiB frames the raw round was ~30 % slower than in the 1 MiB ones the
kits send, which flattered the kits in that comparison.

Also timed: the same round with in-time FedAvg on the server (each result added to an
``InTimeAccumulator`` as it arrives, the average computed at the end), i.e. the transport
plus aggregation part of a round's overhead. The three variants run interleaved, round
by round, on the same processes, so that other load on the machine hits them alike.

    .venv/bin/python benchmarks/transport_throughput.py [--clients 2,4,8] [--models tiny,A,B]
        [--rounds 10] [--chunk-mb 16] [--io-threads 1] [--no-tune] [--curve]
        [--curve-chunk-mb 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from machine import describe

ROOT = Path(__file__).resolve().parent.parent
RUN = "bench"
LENGTH = 8  # bytes of the raw baseline's length prefix

#: 1/3 of the best anchor's median overhead per round (seconds), by (model, clients).
TARGET = {("A", 2): 0.065, ("A", 4): 0.071, ("A", 8): 0.120, ("B", 2): 0.377, ("B", 4): 0.587}


def anchor_model(kind: str) -> dict[str, np.ndarray]:
    """state_dict-shaped weights of the anchors' models (names as nn.Sequential gives them)."""
    shapes = {
        "tiny": {"w": (1,)},
        "A": {
            "0.weight": (32, 1, 3, 3),
            "0.bias": (32,),
            "4.weight": (256, 6272),
            "4.bias": (256,),
            "6.weight": (10, 256),
            "6.bias": (10,),
        },
        "B": {"0.weight": (5000, 5000), "0.bias": (5000,), "2.weight": (10, 5000), "2.bias": (10,)},
    }[kind]
    rng = np.random.default_rng(0)
    return {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}


# --- client processes ---------------------------------------------------------------


def endpoint_config(chunk_bytes: int, io_threads: int = 1) -> dict[str, Any]:
    """Limits and socket options that admit frames of ``chunk_bytes`` (both sides)."""
    from mmarc.runtime.protocol import DEFAULT_LIMITS, Limits
    from mmarc.runtime.transport import SocketOptions

    frame = max(chunk_bytes, DEFAULT_LIMITS.max_frame_bytes)
    options = SocketOptions(max_frame_bytes=frame, io_threads=io_threads)
    return {"limits": Limits(max_frame_bytes=frame), "options": options}


def client_security(server_key: str | None, secret: str | None) -> Any:
    """The CurveZMQ side of a client (None: plain TCP)."""
    if not server_key or not secret:
        return None
    from mmarc.runtime.transport import CurveKeyPair, SecurityConfig

    return SecurityConfig.for_client(server_key.encode(), CurveKeyPair.from_secret(secret.encode()))


def run_client(connect: str, name: str, tune: bool, chunk_bytes: int, security: Any = None) -> None:
    from mmarc.runtime.protocol import MessageKind, prepare
    from mmarc.runtime.transport import ClientEndpoint, keep_freed_memory

    if tune:
        keep_freed_memory()
    client = ClientEndpoint(
        connect, name, run_id=RUN, security=security, **endpoint_config(chunk_bytes)
    )
    client.register(timeout=60)
    while True:
        task = client.recv(timeout=5)
        if task is None:
            if client.server_alive(timeout=15):
                continue
            break  # the server is gone: do not linger as an orphan
        if task.kind is not MessageKind.TASK:
            break
        payload = prepare(task.tensors, chunk_bytes=chunk_bytes)
        client.send(MessageKind.RESULT, round=task.round, tensors=payload)
    client.close(bye=False)


def run_raw_client(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = bytearray(LENGTH)
        buffer = bytearray()
        while True:
            if not recv_exactly(conn, memoryview(head)):
                return
            size = int.from_bytes(head, "little")
            if len(buffer) != size:
                buffer = bytearray(size)
            recv_exactly(conn, memoryview(buffer))
            conn.sendall(head)
            conn.sendall(buffer)


def recv_exactly(conn: socket.socket, view: memoryview) -> bool:
    got = 0
    while got < len(view):
        n = conn.recv_into(view[got:])
        if n == 0:
            return False
        got += n
    return True


def spawn(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, *args], cwd=ROOT)


def reap(procs: list[subprocess.Popen[bytes]]) -> None:
    """Wait for the client processes; kill (by their own pid) any that hang."""
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- server side --------------------------------------------------------------------


class MmarcCell:
    """The server endpoint and its N client processes, kept for all rounds of a cell."""

    def __init__(
        self, clients: int, chunk_bytes: int, tune: bool, io_threads: int, curve: bool = False
    ) -> None:
        from mmarc.runtime.aggregation import InTimeAccumulator
        from mmarc.runtime.transport import CurveKeyPair, SecurityConfig, ServerEndpoint

        self.chunk_bytes = chunk_bytes
        config = endpoint_config(chunk_bytes, io_threads)
        self.names = [f"site-{i}" for i in range(clients)]
        keys = {n: CurveKeyPair.generate() for n in self.names} if curve else {}
        server_keys = CurveKeyPair.generate()
        security = (
            SecurityConfig.for_server(server_keys, {k.public: n for n, k in keys.items()})
            if curve
            else None
        )
        self.server = ServerEndpoint("tcp://127.0.0.1:*", run_id=RUN, security=security, **config)
        extra = ["--chunk-mb", str(chunk_bytes / 2**20)] + ([] if tune else ["--no-tune"])

        def secrets(name: str) -> list[str]:  # loopback benchmark: keys made for this run
            if not curve:
                return []
            secret = keys[name].secret.decode()
            # "=" joined: a Z85 key may start with "-", which argparse reads as an option
            return [f"--server-key={server_keys.public.decode()}", f"--client-secret={secret}"]

        self.procs = [
            spawn(
                [
                    "--role",
                    "client",
                    "--connect",
                    self.server.endpoint,
                    "--name",
                    n,
                    *extra,
                    *secrets(n),
                ]
            )
            for n in self.names
        ]
        self.accumulator = InTimeAccumulator()
        self.round = 0
        while len(self.server.clients) < clients:
            if self.server.recv(120) is None:
                self.close()
                raise RuntimeError("clients did not register")

    def run_round(self, model: dict[str, np.ndarray], fedavg: bool) -> float:
        from mmarc.runtime.protocol import MessageKind, prepare

        self.round += 1
        start = time.perf_counter()
        payload = prepare(model, chunk_bytes=self.chunk_bytes)
        failed = self.server.broadcast(
            self.names, MessageKind.TASK, round=self.round, tensors=payload
        )
        assert not failed, failed
        pending = set(self.names)
        while pending:
            result = self.server.recv(120)
            if result is None:
                raise RuntimeError(f"no result from {sorted(pending)}")
            if result.kind is MessageKind.RESULT and result.round == self.round:
                pending.discard(result.client)
                if fedavg:
                    self.accumulator.add(result.tensors, 1.0)
        if fedavg:
            self.accumulator.result()
            self.accumulator.reset()
        return time.perf_counter() - start

    def close(self) -> None:
        from mmarc.runtime.protocol import MessageKind

        for name in self.server.clients:
            self.server.send(name, MessageKind.BYE)
        reap(self.procs)
        self.server.close()


class RawCell:
    """Plain TCP: one connection per client process, one server thread per connection."""

    def __init__(self, clients: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.procs = [spawn(["--role", "raw-client", "--port", str(port)]) for _ in range(clients)]
        self.conns = []
        for _ in range(clients):
            conn, _ = self.listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns.append(conn)
        self.pool = ThreadPoolExecutor(clients)
        self.back: list[bytearray] = []

    def run_round(self, model: dict[str, np.ndarray]) -> float:
        start = time.perf_counter()
        payload = np.concatenate([a.reshape(-1).view(np.uint8) for a in model.values()])
        head = payload.nbytes.to_bytes(LENGTH, "little")
        if len(self.back) != len(self.conns) or len(self.back[0]) != payload.nbytes + LENGTH:
            self.back = [bytearray(payload.nbytes + LENGTH) for _ in self.conns]

        def exchange(i: int) -> None:
            self.conns[i].sendall(head)
            self.conns[i].sendall(memoryview(payload))
            recv_exactly(self.conns[i], memoryview(self.back[i]))

        list(self.pool.map(exchange, range(len(self.conns))))
        return time.perf_counter() - start

    def close(self) -> None:
        self.pool.shutdown()
        for conn in self.conns:
            conn.close()
        self.listener.close()
        reap(self.procs)


def bench_cell(
    model: dict[str, np.ndarray],
    clients: int,
    rounds: int,
    chunk_bytes: int,
    tune: bool,
    io_threads: int,
    curve_chunk_bytes: int | None = None,
) -> dict[str, list[float]]:
    """Rounds of the variants interleaved (order rotating), so that load from anything
    else on the machine hits all alike; two warm-up rounds each."""
    ours = MmarcCell(clients, chunk_bytes, tune, io_threads)
    raw = RawCell(clients)
    secure = (
        MmarcCell(clients, curve_chunk_bytes, tune, io_threads, curve=True)
        if curve_chunk_bytes
        else None
    )
    variants = {
        "mmarc": lambda: ours.run_round(model, fedavg=False),
        "raw": lambda: raw.run_round(model),
        "fedavg": lambda: ours.run_round(model, fedavg=True),
    }
    if secure is not None:
        variants["curve"] = lambda: secure.run_round(model, fedavg=False)
    times: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    try:
        for round_ in range(rounds + 2):
            for name in order:
                elapsed = variants[name]()
                if round_ >= 2:
                    times[name].append(elapsed)
            order = order[1:] + order[:1]
    finally:
        ours.close()
        raw.close()
        if secure is not None:
            secure.close()
    return times


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="server", choices=["server", "client", "raw-client"])
    parser.add_argument("--connect")
    parser.add_argument("--name")
    parser.add_argument("--port", type=int)
    parser.add_argument("--clients", default="2,4,8")
    parser.add_argument("--models", default="tiny,A,B")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--chunk-mb", type=float, default=16)
    parser.add_argument("--io-threads", type=int, default=1, help="ZeroMQ I/O threads, server")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--curve", action="store_true", help="also time rounds over CurveZMQ")
    parser.add_argument(
        "--curve-chunk-mb",
        type=float,
        default=None,
        help="chunk size of the CurveZMQ rounds (default: the runtime's, CURVE_CHUNK_BYTES)",
    )
    parser.add_argument("--server-key", help=argparse.SUPPRESS)  # client processes only
    parser.add_argument("--client-secret", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-tune", action="store_true", help="leave glibc's malloc thresholds alone"
    )
    args = parser.parse_args()
    tune = not args.no_tune
    chunk = int(args.chunk_mb * 1024 * 1024)
    curve_chunk: int | None = None
    if args.curve:
        from mmarc.runtime.protocol import CURVE_CHUNK_BYTES

        mb = args.curve_chunk_mb
        curve_chunk = CURVE_CHUNK_BYTES if mb is None else int(mb * 1024 * 1024)
    if args.role == "client":
        security = client_security(args.server_key, args.client_secret)
        run_client(args.connect, args.name, tune, chunk, security)
        return
    if args.role == "raw-client":
        run_raw_client(args.port)
        return

    if tune:
        from mmarc.runtime.transport import keep_freed_memory

        keep_freed_memory()
    print(describe())
    print(f"load average at start: {load()}")
    print(
        f"rounds per cell: {args.rounds} (after 2 warm-up), chunk {args.chunk_mb:g} MiB, "
        f"malloc tuned: {tune} (mmarc processes only), server I/O threads: {args.io_threads}"
        + (f", CurveZMQ chunk {curve_chunk / 2**20:g} MiB" if curve_chunk else "")
    )
    print(
        f"{'model':>5} {'N':>2} {'MB/round':>9} | {'mmarc ms':>14} {'GB/s':>5} | "
        f"{'raw TCP ms':>14} {'GB/s':>5} | {'ratio':>5} | {'+FedAvg ms':>14} | {'target ms':>9}"
    )
    rows: list[dict[str, Any]] = []
    for kind in args.models.split(","):
        model = anchor_model(kind)
        nbytes = sum(a.nbytes for a in model.values())
        for clients in (int(c) for c in args.clients.split(",")):
            moved = 2 * clients * nbytes
            times = bench_cell(
                model, clients, args.rounds, chunk, tune, args.io_threads, curve_chunk
            )
            ours, raw, fed = times["mmarc"], times["raw"], times["fedavg"]
            med, raw_med, fed_med = (statistics.median(t) for t in (ours, raw, fed))
            target = TARGET.get((kind, clients))
            row = {
                "model": kind,
                "clients": clients,
                "bytes_per_round": moved,
                "mmarc_s": ours,
                "raw_s": raw,
                "mmarc_fedavg_s": fed,
                "ratio_median": med / raw_med,
                "target_s": target,
            }
            curve = times.get("curve")
            if curve:
                row["curve_s"] = curve
            rows.append(row)
            print(
                f"{kind:>5} {clients:>2} {moved / 1e6:>9.1f} | "
                f"{med * 1e3:>7.1f} ({min(ours) * 1e3:>5.1f}) {moved / med / 1e9:>5.2f} | "
                f"{raw_med * 1e3:>7.1f} ({min(raw) * 1e3:>5.1f}) {moved / raw_med / 1e9:>5.2f} | "
                f"{med / raw_med:>5.2f} | {fed_med * 1e3:>7.1f} ({min(fed) * 1e3:>5.1f}) | "
                f"{f'{target * 1e3:.0f}' if target else '-':>9}",
                flush=True,
            )
            if curve:
                cur = statistics.median(curve)
                print(
                    f"{'':>5} {'':>2} {'CURVE':>9} | {cur * 1e3:>7.1f} ({min(curve) * 1e3:>5.1f}) "
                    f"{moved / cur / 1e9:>5.2f} | CurveZMQ / plain mmarc {cur / med:.2f}",
                    flush=True,
                )
    print("ms columns: median (min); ratio = mmarc median / raw TCP median")
    print(f"load average at end: {load()} (other work on the machine skews every column)")
    if args.json:
        args.json.write_text(json.dumps({"machine": describe(), "rows": rows}, indent=1))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
