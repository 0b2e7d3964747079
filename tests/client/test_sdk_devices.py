"""``client.devices`` with the account's real BrainFlow synthetic board:
state commands, configuration, markers and live packets, and
``client.sessions.stream``."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sdk_support import client_for, new_account

from conftest import Stack
from neurogate.client import InvalidRequestError, NotFoundError


async def test_a_synthetic_board_is_connected_streamed_and_disconnected(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        assert client.devices.get(device.id).name == device.name
        assert client.devices.connect(device.id) == "connected"
        started = client.devices.start_stream(device.id, channels=[1, 2, 3], filters={"notch": 50})
        status = client.devices.status(device.id)
        client.devices.stop_stream(device.id)
        assert client.devices.disconnect(device.id) == "disconnected"
        after = client.devices.status(device.id)
    assert device.type == "synthetic" and len(device.channels) == 16
    assert (started.device_id, started.channels, started.filters["notch"]) == (
        device.id,
        [1, 2, 3],
        50,
    )
    assert started.stream_id
    assert status.streaming and status.connected
    assert not after.streaming and not after.connected


async def test_packets_are_continuous_blocks_of_the_asked_channels(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        client.devices.start_stream(device.id)
        # A latency bound far above a block's 40 ms: on a busy machine the
        # default (block + 50 ms) may flush a short block, as it should.
        with client.devices.stream(
            device.id, channels=[1, 2, 3, 4], block_size=10, max_latency_ms=5_000
        ) as stream:
            packets = list(itertools.islice(stream, 20))
        client.devices.stop_stream(device.id)
    assert [p.sequence for p in packets] == list(range(20))
    for packet in packets:
        assert packet.device_id == device.id
        assert packet.channels == [1, 2, 3, 4]
        assert packet.samples.shape == (10, 4) and packet.samples.dtype == np.float64
        assert packet.timestamps.shape == (10,)
        assert packet.gap is None
    for before, after in itertools.pairwise(packets):
        assert after.first_sample_index == before.first_sample_index + 10
    assert stream.gaps == []


async def test_float32_and_single_sample_packets_decode_to_the_same_shape(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        client.devices.start_stream(device.id)
        with client.devices.stream(device.id, channels=[5, 6], sample_encoding="float32") as s:
            packed = next(s)
        with client.devices.stream(device.id, channels=[5, 6], block_size=1) as s:
            single = next(s)
        client.devices.stop_stream(device.id)
    assert packed.samples.shape == (10, 2)
    assert single.samples.shape == (1, 2)
    assert single.channels == [5, 6]


async def test_a_marker_arrives_in_the_packet_of_its_sample(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        client.devices.start_stream(device.id)
        with client.devices.stream(device.id, block_size=25) as stream:
            next(stream)
            marker = client.devices.insert_marker(device.id, "stimulus", {"trial": "7"})
            marked = next(p for p in itertools.islice(stream, 100) if p.markers)
        client.devices.stop_stream(device.id)
    assert marker.id and marker.type == "stimulus"
    (event,) = marked.markers
    assert (event.type, event.metadata["trial"]) == ("stimulus", "7")
    assert marked.timestamps[0] <= event.timestamp <= marked.timestamps[-1] + 1 / 250


async def test_update_config_changes_only_the_given_settings(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        config = client.devices.update_config(device.id, channels=[1, 2])
        again = client.devices.update_config(device.id, filters={"bandpass": [1, 40]})
        with pytest.raises(ValueError, match="at least one"):
            client.devices.update_config(device.id)
    assert config["channels"] == [1, 2]
    assert again["channels"] == [1, 2]
    assert again["filters"]["bandpass"] == [1, 40]


async def test_streaming_a_device_that_is_not_streaming_is_refused(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        with pytest.raises(InvalidRequestError) as raised:
            next(client.devices.stream(device.id))
    assert raised.value.code == "STREAM_UNAVAILABLE"


async def test_a_registered_device_can_be_deleted(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        device = client.devices.register(
            "amp", "external", {"sample_rate": 100, "channel_count": 2}
        )
        assert device.type == "external" and device.sample_rate == 100
        client.devices.delete(device.id)
        with pytest.raises(NotFoundError) as raised:
            client.devices.get(device.id)
    assert raised.value.code == "DEVICE_NOT_FOUND"


async def test_a_recording_sessions_stream_carries_its_session_id(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        (device,) = client.devices.list()
        client.devices.start_stream(device.id)
        session = client.sessions.create(device_id=device.id, experiment_type="rest")
        with client.sessions.stream(session.id, channels=[1]) as stream:
            packet = next(stream)
        stopped = client.sessions.stop(session.id)
        client.devices.stop_stream(device.id)
    assert packet.session_id == session.id
    assert packet.channels == [1]
    assert stopped.status in ("stopped", "completed")


async def test_a_deleted_devices_stream_ends_instead_of_reconnecting(stack: Stack):
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        device = client.devices.register("second board", "synthetic")
        client.devices.start_stream(device.id)
        stream = client.devices.stream(device.id)
        first = next(stream)
        client.devices.delete(device.id)
        rest = list(itertools.islice(stream, 1000))
    assert first.device_id == device.id
    assert len(rest) < 1000
    assert stream.gaps == []
