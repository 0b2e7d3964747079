"""How one account's heavy compute work affects another account (issue 12).

Starts a real server (SQLite, gRPC, two compute workers unless told) per
scenario and measures:

1. ``absurd``: account A asks for two trainings with ``n_estimators`` =
   10^9 and gives up after 10 s; 1 s later account B asks for a descriptive
   analysis of a small table: B's latency, and what A got.
2. ``abandoned``: the same with two valid but slow trainings (a neural
   network of 10,000 epochs) whose caller gives up after 10 s.
3. ``queue``: A queues 12 short trainings (a 100-tree forest each); 0.5 s
   later B asks for the analysis: B's latency, and one training's.
4. ``sigterm``: A starts a slow training; 2 s later the server gets
   SIGTERM (``NEUROGATE_SHUTDOWN_GRACE`` = 10): how long until it exits.

Waits are capped (``--cap`` seconds); a capped figure is printed as ``> cap``.
With ``--warm``, every worker has run a training and an analysis before the
scenario (a server that has been up a while); without it, workers start
cold, and on a busy machine starting one and importing scikit-learn takes
most of the figures.

    .venv/bin/python bench/compute_fairness.py [--workers 2] [--cap 60] [--warm] [--only queue]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
import pandas as pd
from _stack import Server

from neurogate.v1 import (
    analysis_pb2,
    analysis_pb2_grpc,
    data_pb2,
    data_pb2_grpc,
    model_pb2,
    model_pb2_grpc,
)

SLOW_NETWORK = {
    "hidden_layer_sizes": [256, 256],
    "max_iter": 10000,
    "tol": 0,
    "n_iter_no_change": 10000,
}


def table(rows: int = 2000) -> bytes:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(0, 1, (rows, 10)), columns=[f"x{i}" for i in range(10)])
    frame["y"] = frame.sum(axis=1) + rng.normal(0, 1, rows)
    return frame.round(4).to_csv(index=False).encode()


async def upload(channel: grpc.aio.Channel, metadata, body: bytes) -> str:
    async def chunks():
        yield data_pb2.UploadDatasetRequest(
            name="bench", filename="bench.csv", http_body={"content_type": "text/csv", "data": body}
        )

    reply = await data_pb2_grpc.DataServiceStub(channel).UploadDataset(
        chunks(), metadata=metadata, timeout=120
    )
    return reply.dataset_id


async def timed(call, cap: float) -> tuple[float, str]:
    """(seconds, outcome) of ``call``; outcome is OK or the gRPC status."""
    started = time.perf_counter()
    try:
        await asyncio.wait_for(call, cap)
        outcome = "OK"
    except grpc.aio.AioRpcError as error:
        outcome = error.code().name
    except TimeoutError:
        outcome = "no answer"
    return time.perf_counter() - started, outcome


def seconds(value: float, cap: float) -> str:
    return f"> {cap:g} s" if value >= cap else f"{value:.1f} s"


class Accounts:
    """Account A's and B's channel, metadata and dataset on one server."""

    def __init__(self, server: Server, warm: bool) -> None:
        self.server = server
        self.warm = warm

    async def __aenter__(self) -> Accounts:
        self.channel = grpc.aio.insecure_channel(self.server.settings.grpc_target)
        body = table()
        self.a = (("authorization", f"Bearer {(await self.server.account())[1]}"),)
        self.b = (("authorization", f"Bearer {(await self.server.account())[1]}"),)
        self.a_dataset = await upload(self.channel, self.a, body)
        self.b_dataset = await upload(self.channel, self.b, body)
        if self.warm:  # concurrent calls of one account take every worker
            workers = self.server.settings.compute_workers
            await asyncio.gather(
                *(self.train({"n_estimators": 10}, "random_forest", None) for _ in range(workers))
            )
            await asyncio.gather(*(self.analysis() for _ in range(workers)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.channel.close()

    def train(self, hyperparameters: dict, model_type: str, timeout: float | None):
        request = model_pb2.TrainRequest(
            dataset_id=self.a_dataset, target="y", model_type=model_type, task="regression"
        )
        request.hyperparameters.update(hyperparameters)
        return model_pb2_grpc.ModelServiceStub(self.channel).Train(
            request, metadata=self.a, timeout=timeout
        )

    def analysis(self):
        return analysis_pb2_grpc.AnalysisStub(self.channel).Descriptive(
            analysis_pb2.AnalysisDescriptiveRequest(dataset_id=self.b_dataset, columns=["x0"]),
            metadata=self.b,
        )


async def with_server(scratch: Path, workers: int, warm: bool, scenario, **env: str) -> None:
    server = Server(scratch, NEUROGATE_COMPUTE_WORKERS=str(workers), **env)
    await server.start()
    try:
        async with Accounts(server, warm) as accounts:
            await scenario(server, accounts)
    finally:
        # A server stuck on a worker that never finishes, and that worker:
        # ended by their ids (the children of the server process).
        if server.process is not None and server.process.poll() is None:
            stuck = descendants(server.process.pid)
            server.process.kill()
            for pid in stuck:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        await server.stop()


def descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(child) for child in (task / "children").read_text().split()]
    return children + [grandchild for child in children for grandchild in descendants(child)]


async def abandoned_trainings(accounts: Accounts, hyperparameters, model_type, cap) -> None:
    trainings = [
        asyncio.ensure_future(timed(accounts.train(hyperparameters, model_type, 10), cap))
        for _ in range(2)
    ]
    await asyncio.sleep(1)
    latency, outcome = await timed(accounts.analysis(), cap)
    answers = [outcome for _, outcome in await asyncio.gather(*trainings)]
    print(f"  A's trainings: {answers}; B's analysis: {outcome} in {seconds(latency, cap)}")


async def main(workers: int, cap: float, warm: bool, only: str | None) -> None:
    async def absurd(server: Server, accounts: Accounts) -> None:
        print("absurd: two trainings with n_estimators = 10^9, caller gives up at 10 s")
        await abandoned_trainings(accounts, {"n_estimators": 1e9}, "random_forest", cap)

    async def abandoned(server: Server, accounts: Accounts) -> None:
        print("abandoned: two valid 10,000-epoch trainings, caller gives up at 10 s")
        await abandoned_trainings(accounts, SLOW_NETWORK, "neural_network", cap)

    async def queue(server: Server, accounts: Accounts) -> None:
        print("queue: A queues 12 short trainings, then B asks for an analysis")
        one, _ = await timed(accounts.train({"n_estimators": 100}, "random_forest", None), cap)
        trainings = [
            asyncio.ensure_future(
                timed(accounts.train({"n_estimators": 100}, "random_forest", None), cap)
            )
            for _ in range(12)
        ]
        await asyncio.sleep(0.5)
        latency, outcome = await timed(accounts.analysis(), cap)
        await asyncio.gather(*trainings)
        print(
            f"  one training alone: {one:.1f} s; B's analysis: {outcome} in {seconds(latency, cap)}"
        )

    async def sigterm(server: Server, accounts: Accounts) -> None:
        print("sigterm: SIGTERM 2 s into a slow training, grace 10 s")
        training = asyncio.ensure_future(
            timed(accounts.train(SLOW_NETWORK, "neural_network", None), cap)
        )
        await asyncio.sleep(2)
        assert server.process is not None
        started = time.perf_counter()
        server.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(server.process.wait, cap)
            took = time.perf_counter() - started
        except Exception:
            took = cap
        _, outcome = await training
        print(f"  server exited {seconds(took, cap)} after SIGTERM; the training got {outcome}")

    for scenario in (absurd, abandoned, queue, sigterm):
        if only and scenario.__name__ != only:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            await with_server(Path(scratch), workers, warm, scenario, NEUROGATE_SHUTDOWN_GRACE="10")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cap", type=float, default=60)
    parser.add_argument("--warm", action="store_true", help="warm every worker up first")
    parser.add_argument("--only", choices=["absurd", "abandoned", "queue", "sigterm"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.workers, arguments.cap, arguments.warm, arguments.only))
