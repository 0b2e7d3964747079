"""Control charts through the API versus plain NumPy, in one run (issue 5's
benchmark).

Starts a real server (SQLite) and uploads, over the gRPC upload stream, one
column of 1,000,000 measurements (integers, so the CSV stays under the
50 MB upload limit). Then times, through gRPC and with plain NumPy in this
process on the same values:

1. an I-MR chart (sigma from MR-bar/d2(2), limits, the points beyond them);
2. an X-bar/R chart with subgroups of 5 (sigma from R-bar/d2(5)).

Each through the API twice: with every point in the answer (a million
points, and as many moving ranges, each with its limits and flag), and with
``omit_points`` (limits and violations only: what the NumPy code computes).

Each figure is the median of ``--repeat`` runs after a warm-up (so the
dataset is uploaded and already read by the compute workers). The target
is API/NumPy at most 1.5. Server, client and NumPy share this machine's
cores.

    .venv/bin/python bench/spc.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _stack import Server
from analytics import timed, timed_call, upload

from neurogate.v1 import spc_pb2, spc_pb2_grpc

ROWS = 1_000_000
D2_2 = 1.128
D2_5 = 2.326
D4_5 = 2.114
A2_5 = 0.577


def measurements() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({"diameter": np.round(rng.normal(5000, 40, ROWS)).astype("int64")})


def numpy_i_mr(x: np.ndarray) -> None:
    moving = np.abs(np.diff(x))
    sigma = moving.mean() / D2_2
    centre = x.mean()
    upper, lower = centre + 3 * sigma, centre - 3 * sigma
    np.flatnonzero((x > upper) | (x < lower))
    np.flatnonzero(moving > 3.267 * moving.mean())


def numpy_xbar_r(x: np.ndarray) -> None:
    groups = x[: len(x) // 5 * 5].reshape(-1, 5)
    means = groups.mean(axis=1)
    ranges = np.ptp(groups, axis=1)
    r_bar, centre = ranges.mean(), means.mean()
    np.flatnonzero(np.abs(means - centre) > A2_5 * r_bar)
    np.flatnonzero(ranges > D4_5 * r_bar)


async def main(repeat: int) -> None:
    frame = measurements()
    values = frame["diameter"].to_numpy(dtype=float)
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(Path(scratch))
        try:
            await server.start()
            async with server.client() as (channel, metadata):
                dataset_id = await upload(channel, metadata, "measurements", frame)
                stub = spc_pb2_grpc.SPCStub(channel)

                def chart(chart_type: str, subgroup_size: int, omit_points: bool):
                    request = spc_pb2.ControlChartRequest(
                        dataset_id=dataset_id,
                        column="diameter",
                        chart_type=chart_type,
                        subgroup_size=subgroup_size,
                        omit_points=omit_points,
                    )
                    return lambda: stub.ControlChart(request, metadata=metadata, timeout=600)

                print()
                header = ("chart", "API cold s", "API s", "NumPy s", "ratio", "target")
                print("{:<30} {:>10} {:>8} {:>9} {:>8} {:>7}".format(*header))
                for name, call, direct in (
                    ("I-MR, 1M", chart("i_mr", 0, False), lambda: numpy_i_mr(values)),
                    ("I-MR, 1M, omit_points", chart("i_mr", 0, True), lambda: numpy_i_mr(values)),
                    ("X-bar/R n=5, 1M", chart("xbar_r", 5, False), lambda: numpy_xbar_r(values)),
                    (
                        "X-bar/R n=5, 1M, omit_points",
                        chart("xbar_r", 5, True),
                        lambda: numpy_xbar_r(values),
                    ),
                ):
                    cold, api = await timed_call(call, repeat)
                    local = timed(direct, repeat)
                    verdict = "met" if api / local <= 1.5 else "MISSED"
                    print(
                        f"{name:<30} {cold:>10.3f} {api:>8.3f} {local:>9.4f} "
                        f"{api / local:>8.1f} {'<= 1.5':>7} {verdict}"
                    )
        finally:
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
