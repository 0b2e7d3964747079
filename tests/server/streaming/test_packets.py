"""Cutting blocks into packets: block sizes, latency flushes, gaps, encodings,
single-sample packets and events."""

from __future__ import annotations

import numpy as np

from neurogate.server.streaming.hub import Block, StreamEvent
from neurogate.server.streaming.packets import Packetizer, PacketShape


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def block(first: int, size: int, events: tuple[StreamEvent, ...] = ()) -> Block:
    timestamps = 100.0 + np.arange(first, first + size) / 250
    samples = np.column_stack([np.arange(first, first + size) + c / 10 for c in range(3)])
    return Block(first, timestamps, samples, events)


def shape(**changes) -> PacketShape:
    values = {
        "device_id": "dev_1",
        "session_id": "",
        "sample_rate": 250.0,
        "channel_numbers": (1, 2, 3),
        "columns": (0, 1, 2),
        "block_size": 4,
    }
    values.update(changes)
    return PacketShape(**values)


def test_blocks_are_cut_into_packets_of_block_size_continuing_exactly():
    packetizer = Packetizer(shape())
    packets = packetizer.add(block(0, 5)) + packetizer.add(block(5, 7))
    assert [p.first_sample_index for p in packets] == [0, 4, 8]
    assert [p.sequence for p in packets] == [0, 1, 2]
    assert all(p.sample_count == 4 for p in packets)
    assert list(packets[1].samples[:3]) == [4.0, 4.1, 4.2]
    assert list(packets[2].timestamps) == list(100.0 + np.arange(8, 12) / 250)


def test_a_partial_block_waits_for_max_latency_then_is_flushed():
    clock = Clock()
    packetizer = Packetizer(shape(max_latency=0.1), clock=clock)
    assert packetizer.add(block(0, 3)) == []
    assert packetizer.seconds_to_flush() == 0.1
    clock.now = 0.08
    assert abs(packetizer.seconds_to_flush() - 0.02) < 1e-12
    [packet] = packetizer.flush()
    assert (packet.first_sample_index, packet.sample_count) == (0, 3)
    assert packetizer.seconds_to_flush() is None


def test_lost_samples_skip_a_sequence_number_and_are_counted():
    packetizer = Packetizer(shape())
    first = packetizer.add(block(0, 6))
    after_gap = packetizer.add(block(20, 4), dropped_samples=14)
    assert [p.sequence for p in first] == [0]
    assert [(p.sequence, p.first_sample_index, p.sample_count) for p in after_gap] == [
        (1, 4, 2),  # the samples before the loss, sent short
        (3, 20, 4),  # one number skipped: the gap
    ]
    assert after_gap[-1].dropped_samples == 14


def test_channel_selection_picks_columns():
    packetizer = Packetizer(shape(channel_numbers=(3, 1), columns=(2, 0), block_size=2))
    [packet] = packetizer.add(block(0, 2))
    assert list(packet.channel_numbers) == [3, 1]
    assert list(packet.samples) == [0.2, 0.0, 1.2, 1.0]


def test_float32_encoding_fills_samples_f32_instead():
    packetizer = Packetizer(shape(encoding="float32", block_size=2))
    [packet] = packetizer.add(block(0, 2))
    assert len(packet.samples) == 0
    decoded = np.frombuffer(packet.samples_f32, dtype="<f4").reshape(2, 3)
    assert np.array_equal(decoded, block(0, 2).samples.astype(np.float32))


def test_block_size_one_gives_the_documented_single_sample_packet():
    packetizer = Packetizer(shape(block_size=1), quality=lambda: {1: "good", 2: "poor", 3: "fair"})
    packets = packetizer.add(block(0, 2))
    assert len(packets) == 2
    first = packets[0]
    assert [(c.channel_number, c.value, c.quality) for c in first.channels] == [
        (1, 0.0, "good"),
        (2, 0.1, "poor"),
        (3, 0.2, "fair"),
    ]
    assert first.timestamp == 100.0
    assert len(first.samples) == 0


def test_events_travel_in_the_packet_holding_their_sample():
    marker = StreamEvent(5, 100.02, "stimulus", {"label": "left"})
    packetizer = Packetizer(shape())
    packets = packetizer.add(block(0, 8, events=(marker,)))
    assert [len(p.events) for p in packets] == [0, 1]
    event = packets[1].events[0]
    assert (event.type, event.timestamp) == ("stimulus", 100.02)
    assert dict(event.metadata) == {"label": "left", "sample_index": "5"}
