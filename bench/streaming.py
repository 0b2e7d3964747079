"""Streaming and ingestion throughput, in one run (issue 3's benchmark).

(a) One 8-channel stream to one subscriber at block sizes 1, 10, 50 and 250:
    samples per second received through NeuroGate (an external device fed by
    a producer process over the gRPC ingest stream, subscribed with
    StreamNeuralData, float32 encoding), next to a bare grpc.aio server
    streaming the same NeuralDataPacket payload, and to LSL (pylsl
    outlet/inlet in two processes), with both ratios. "NG lost" counts the
    samples the server dropped for the subscriber (drop-oldest) because the
    producer, sending as fast as it can, outran it.
(b) 50 synthetic boards at 250 Hz, 8 channels, block 10, 4 subscribers each
    (200 streams, read by 4 client processes): producer-to-client latency
    (client receive time minus the board timestamp of the packet's last
    sample) p50 and p99, packets lost, and the server's CPU.
(c) Ingestion: samples per second accepted and committed, over the gRPC
    ingest stream (float32 blocks) and over REST through Envoy (JSON rows).

Everything runs on this machine (2 cores here): server, Envoy, producers and
clients share them, so the figures are end to end on one box.

    .venv/bin/python bench/streaming.py [--seconds 5] [--parts a b c]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
from _stack import Server, free_port

from neurogate.server.auth.tiers import Tier
from neurogate.v1 import device_control_pb2 as dc
from neurogate.v1 import (
    device_control_pb2_grpc,
    neural_pb2,
    neural_pb2_grpc,
)

CHANNELS = 8
BLOCK_SIZES = (1, 10, 50, 250)
INGEST_BLOCK = 2500
EXTERNAL_RATE = 1000.0


async def external_session(target: str, token: str) -> tuple[str, str]:
    """An external 8-channel device and a session recording it."""
    metadata = (("authorization", f"Bearer {token}"),)
    async with grpc.aio.insecure_channel(target) as channel:
        params = {"sample_rate": EXTERNAL_RATE, "channel_count": CHANNELS}
        from google.protobuf import struct_pb2

        struct = struct_pb2.Struct()
        struct.update(params)
        device = await device_control_pb2_grpc.DeviceControlStub(channel).RegisterDevice(
            dc.RegisterDeviceRequest(name="bench", type="external", params=struct),
            metadata=metadata,
        )
        session = await neural_pb2_grpc.NeuralServiceStub(channel).CreateSession(
            neural_pb2.CreateSessionRequest(device_id=device.device_id), metadata=metadata
        )
    return device.device_id, session.session_id


def ingest_requests(session_id: str, stop_at: float, counter):
    block = np.random.default_rng(1).normal(0, 20, (INGEST_BLOCK, CHANNELS)).astype("<f4")
    data = neural_pb2.IngestData(sample_rate=EXTERNAL_RATE, samples_f32=block.tobytes())
    start = time.time()
    sequence = 0
    while time.monotonic() < stop_at:
        request = neural_pb2.IngestNeuralDataRequest(
            session_id=session_id, data=data, sequence=sequence
        )
        request.timestamp.FromNanoseconds(
            int((start + sequence * INGEST_BLOCK / EXTERNAL_RATE) * 1e9)
        )
        sequence += 1
        if counter is not None:
            counter.value += INGEST_BLOCK
        yield request


def produce(target: str, token: str, session_id: str, seconds: float, counter=None) -> int:
    """Ingests 2,500-sample float32 blocks as fast as the server takes them
    (a separate process); returns the samples the server committed."""
    stop_at = time.monotonic() + seconds
    with grpc.insecure_channel(target) as channel:
        reply = neural_pb2_grpc.NeuralServiceStub(channel).IngestNeuralDataStream(
            ingest_requests(session_id, stop_at, counter),
            metadata=(("authorization", f"Bearer {token}"),),
        )
    return reply.samples


# ------------------------------------------------------------------ (a)


def packet_payload(block_size: int) -> bytes:
    samples = np.random.default_rng(2).normal(0, 20, (block_size, CHANNELS)).astype("<f4")
    return neural_pb2.NeuralDataPacket(
        device_id="dev_bench",
        timestamp=1.0,
        sequence=1,
        sample_rate=EXTERNAL_RATE,
        channel_numbers=range(1, CHANNELS + 1),
        sample_count=block_size,
        timestamps=(1.0 + np.arange(block_size) / EXTERNAL_RATE).tolist(),
        samples_f32=samples.tobytes(),
        first_sample_index=1,
    ).SerializeToString()


def bare_server(port: int, block_size: int, ready) -> None:
    """A grpc.aio server whose StreamNeuralData yields one pre-built packet forever."""
    payload = neural_pb2.NeuralDataPacket.FromString(packet_payload(block_size))

    class Bare(neural_pb2_grpc.NeuralServiceServicer):
        async def StreamNeuralData(self, request, context):
            while True:
                yield payload

    async def main() -> None:
        server = grpc.aio.server()
        neural_pb2_grpc.add_NeuralServiceServicer_to_server(Bare(), server)
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        ready.set()
        await server.wait_for_termination()

    asyncio.run(main())


async def receive_rate(
    target: str, request: neural_pb2.StreamRequest, seconds: float, metadata: tuple = ()
) -> tuple[float, int]:
    """(samples per second received, samples the subscriber lost) over ``seconds``
    after a one-second warm-up."""
    async with grpc.aio.insecure_channel(target) as channel:
        call = neural_pb2_grpc.NeuralServiceStub(channel).StreamNeuralData(
            request, metadata=metadata
        )
        warm_until = time.monotonic() + 1.0
        received = 0
        started = dropped_before = 0.0
        last = None
        async for packet in call:
            now = time.monotonic()
            if not started:
                if now < warm_until:
                    continue
                started, dropped_before = now, packet.dropped_samples
            received += packet.sample_count
            last = packet
            if now - started >= seconds:
                break
        call.cancel()
    elapsed = time.monotonic() - started
    return received / elapsed, int(last.dropped_samples - dropped_before) if last else 0


def lsl_outlet(block_size: int, ready, stop) -> None:
    import pylsl

    info = pylsl.StreamInfo("bench", "EEG", CHANNELS, EXTERNAL_RATE, "float32", "bench-src")
    outlet = pylsl.StreamOutlet(info, chunk_size=block_size, max_buffered=360)
    chunk = np.random.default_rng(3).normal(0, 20, (block_size, CHANNELS)).astype(np.float32)
    ready.set()
    while not stop.is_set():
        outlet.push_chunk(chunk)
        if not outlet.have_consumers():
            time.sleep(0.001)


def lsl_rate(block_size: int, seconds: float) -> float:
    import pylsl

    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    producer = multiprocessing.Process(target=lsl_outlet, args=(block_size, ready, stop))
    producer.start()
    try:
        ready.wait(10)
        [stream] = pylsl.resolve_byprop("source_id", "bench-src", timeout=10)
        inlet = pylsl.StreamInlet(stream, max_buflen=360, max_chunklen=block_size)
        inlet.open_stream(timeout=10)
        rows = 16_384
        buffer = np.empty((rows, CHANNELS), dtype=np.float32)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            inlet.pull_chunk(timeout=0.1, max_samples=rows, dest_obj=buffer)
        received, started = 0, time.monotonic()
        while time.monotonic() - started < seconds:
            _, stamps = inlet.pull_chunk(timeout=0.1, max_samples=rows, dest_obj=buffer)
            received += len(stamps)
        elapsed = time.monotonic() - started
        inlet.close_stream()
        return received / elapsed
    finally:
        stop.set()
        producer.join(10)


async def part_a(scratch: Path, seconds: float) -> None:
    print(
        f"(a) one {CHANNELS}-channel stream, one subscriber, float32 samples, "
        f"{seconds:g} s per measurement"
    )
    server = Server(scratch / "a")
    await server.start()
    try:
        _, token = await server.account()
        metadata = (("authorization", f"Bearer {token}"),)
        print(
            f"{'block':>6} {'NeuroGate':>12} {'bare grpc':>12} {'LSL':>12} "
            f"{'NG/bare':>8} {'NG/LSL':>7} {'NG lost':>9}"
        )
        for block_size in BLOCK_SIZES:
            device_id, session_id = await external_session(server.settings.grpc_target, token)
            producer = multiprocessing.Process(
                target=produce, args=(server.settings.grpc_target, token, session_id, seconds + 3)
            )
            producer.start()
            await asyncio.sleep(0.5)
            ours, lost = await receive_rate(
                server.settings.grpc_target,
                neural_pb2.StreamRequest(
                    device_id=device_id, block_size=block_size, sample_encoding="float32"
                ),
                seconds,
                metadata,
            )
            producer.join(30)
            port, ready = free_port(), multiprocessing.Event()
            bare = multiprocessing.Process(target=bare_server, args=(port, block_size, ready))
            bare.start()
            ready.wait(10)
            bare_rate, _ = await receive_rate(
                f"127.0.0.1:{port}", neural_pb2.StreamRequest(), seconds
            )
            bare.terminate()
            bare.join(10)
            lsl = lsl_rate(block_size, seconds)
            print(
                f"{block_size:>6} {ours:>12,.0f} {bare_rate:>12,.0f} {lsl:>12,.0f} "
                f"{ours / bare_rate:>8.2f} {ours / lsl:>7.2f} {lost:>9,}"
            )
    finally:
        await server.stop()


# ------------------------------------------------------------------ (b)


def subscribe_client(target: str, streams: list[tuple[str, str]], seconds: float, results):
    """One client process: a stream per (device, token), for ``seconds``."""

    async def one(channel, device_id: str, token: str, stop_at: float, latencies, losses):
        call = neural_pb2_grpc.NeuralServiceStub(channel).StreamNeuralData(
            neural_pb2.StreamRequest(
                device_id=device_id, block_size=10, channels=range(1, CHANNELS + 1)
            ),
            metadata=(("authorization", f"Bearer {token}"),),
        )
        previous = None
        async for packet in call:
            now = time.time()
            if now >= stop_at:
                break
            latencies.append(now - packet.timestamps[-1])
            if previous is not None and packet.sequence != previous + 1:
                losses[0] += packet.sequence - previous - 1
            previous = packet.sequence
            losses[1] = packet.dropped_samples
        call.cancel()

    async def main() -> None:
        gc.freeze()  # the client's own collector pauses would count as latency
        latencies: list[float] = []
        losses = [[0, 0] for _ in streams]
        stop_at = time.time() + seconds
        async with grpc.aio.insecure_channel(target) as channel:
            await asyncio.gather(
                *(
                    one(channel, device, token, stop_at, latencies, losses[i])
                    for i, (device, token) in enumerate(streams)
                )
            )
        results.put(
            (
                latencies[len(latencies) // 10 :],  # skip the first packets' warm-up
                sum(gap for gap, _ in losses),
                sum(dropped for _, dropped in losses),
            )
        )

    asyncio.run(main())


async def part_b(scratch: Path, seconds: float) -> None:
    devices, per_device, clients = 50, 4, 4
    print(
        f"(b) {devices} synthetic boards at 250 Hz, {CHANNELS} channels, block 10, "
        f"{per_device} subscribers each, {seconds:g} s"
    )
    server = Server(scratch / "b")
    await server.start()
    try:
        streams = []
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            for _ in range(devices):
                _, token = await server.account(Tier.PRO)  # one board per account, cap 4 streams
                metadata = (("authorization", f"Bearer {token}"),)
                stub = device_control_pb2_grpc.DeviceControlStub(channel)
                device_id = (
                    (await stub.ListDevices(dc.ListDevicesRequest(), metadata=metadata))
                    .devices[0]
                    .device_id
                )
                await stub.StartStream(
                    dc.StartStreamRequest(device_id=device_id, channels=range(1, CHANNELS + 1)),
                    metadata=metadata,
                )
                streams.append((device_id, token))
        cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
        results = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(
                target=subscribe_client,
                args=(server.settings.grpc_target, streams, seconds, results),
            )
            for _ in range(clients)
        ]
        for worker in workers:
            worker.start()
        gathered = [results.get(timeout=seconds + 60) for _ in workers]
        for worker in workers:
            worker.join(30)
        cpu = (server.cpu_seconds() - cpu_before) / (time.monotonic() - wall_before)
        latencies = np.array([value for result in gathered for value in result[0]]) * 1000
        lost_packets = sum(result[1] for result in gathered)
        dropped = sum(result[2] for result in gathered)
        print(
            f"    packets {len(latencies):,}, latency p50 {np.percentile(latencies, 50):.1f} ms, "
            f"p99 {np.percentile(latencies, 99):.1f} ms, max {latencies.max():.1f} ms"
        )
        print(
            f"    packets lost {lost_packets}, samples dropped {dropped}, "
            f"server CPU {cpu * 100:.0f}% of one core"
        )
    finally:
        await server.stop()


# ------------------------------------------------------------------ (c)


async def rest_ingest(
    server: Server,
    token: str,
    session_id: str,
    seconds: float,
    concurrency: int = 8,
    rows: int = 500,
) -> float:
    import aiohttp

    block = np.random.default_rng(4).normal(0, 20, (rows, CHANNELS)).round(3).tolist()
    accepted = 0
    stop_at = time.monotonic() + seconds
    url = f"http://127.0.0.1:{server.settings.http_port}/v1/ingest/neural-data"
    headers = {"authorization": f"Bearer {token}"}
    counter = iter(range(10**9))

    async def worker(session) -> None:
        nonlocal accepted
        while time.monotonic() < stop_at:
            sequence = next(counter)
            body = {
                "session_id": session_id,
                "sequence": sequence,
                "timestamp": f"2026-01-01T00:{sequence // 60 % 60:02d}:"
                f"{sequence % 60:02d}.{sequence // 3600:06d}Z",
                "data": {"eeg": block, "sample_rate": EXTERNAL_RATE},
            }
            async with session.post(url, json=body, headers=headers) as reply:
                payload = await reply.json()
                if reply.status != 200:
                    raise SystemExit(f"REST ingest failed: {payload}")
                if payload["status"] == "accepted":
                    accepted += rows

    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return accepted / (time.monotonic() - started)


async def part_c(scratch: Path, seconds: float) -> None:
    print(f"(c) ingestion of {CHANNELS}-channel samples, committed, {seconds:g} s each")
    server = Server(scratch / "c")
    await server.start(with_envoy=True)
    try:
        _, token = await server.account()
        _, session_id = await external_session(server.settings.grpc_target, token)
        cpu_before, began = server.cpu_seconds(), time.monotonic()
        committed = await asyncio.to_thread(
            produce, server.settings.grpc_target, token, session_id, seconds
        )
        elapsed = time.monotonic() - began
        cpu = (server.cpu_seconds() - cpu_before) / elapsed
        print(
            f"    gRPC stream ({INGEST_BLOCK}-sample float32 blocks): "
            f"{committed / elapsed:,.0f} samples/s, server CPU {cpu * 100:.0f}%"
        )
        _, session_id = await external_session(server.settings.grpc_target, token)
        rate = await rest_ingest(server, token, session_id, seconds)
        print(f"    REST via Envoy (500-sample JSON rows, 8 concurrent): {rate:,.0f} samples/s")
    finally:
        await server.stop()


async def main(seconds: float, parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # liblsl logs its start-up at info level into the table; errors only.
        lsl_config = Path(scratch) / "lsl_api.cfg"
        lsl_config.write_text("[log]\nlevel = -2\n")
        os.environ["LSLAPICFG"] = str(lsl_config)
        for part, run in (("a", part_a), ("b", part_b), ("c", part_c)):
            if part in parts:
                await run(Path(scratch), seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--parts", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    arguments = parser.parse_args()
    multiprocessing.set_start_method("spawn")
    asyncio.run(main(arguments.seconds, arguments.parts))
