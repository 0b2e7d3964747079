"""How a packet stream judges continuity: the bookkeeping behind
``packet.gap``, fed with packets as the server builds them (the restart case
runs against real servers in test_sdk_resilience.py)."""

from __future__ import annotations

from neurogate.client._streams import _Tracker
from neurogate.v1 import neural_pb2

RATE = 250.0
BLOCK = 10


def packet(sequence: int, first_index: int, start: float = 1000.0) -> neural_pb2.NeuralDataPacket:
    """A block packet of one channel whose board clock matches its index."""
    times = [start + (first_index + i) / RATE for i in range(BLOCK)]
    return neural_pb2.NeuralDataPacket(
        device_id="dev_1",
        sequence=sequence,
        sample_rate=RATE,
        channel_numbers=[1],
        sample_count=BLOCK,
        samples=[0.0] * BLOCK,
        timestamps=times,
        first_sample_index=first_index,
    )


def test_consecutive_packets_report_no_gap():
    tracker = _Tracker()
    packets = [tracker.accept(packet(i, i * BLOCK)) for i in range(3)]
    assert [p.gap for p in packets] == [None, None, None]
    assert tracker.gaps == []


def test_a_skipped_sequence_number_is_a_loss_with_its_sample_count():
    tracker = _Tracker()
    tracker.accept(packet(0, 0))
    after = tracker.accept(packet(2, 30))
    assert after.gap is not None
    assert (after.gap.reason, after.gap.lost_samples) == ("lost", 20)
    assert (after.gap.last_sequence, after.gap.next_sequence) == (0, 2)
    assert (after.gap.last_sample_index, after.gap.next_sample_index) == (9, 30)


def test_a_reopened_stream_on_the_same_device_stream_reports_the_samples_missed():
    tracker = _Tracker()
    tracker.accept(packet(0, 0))
    tracker.reopened = True
    after = tracker.accept(packet(0, 510))  # two seconds later, numbering restarted
    assert after.gap is not None
    assert (after.gap.reason, after.gap.lost_samples) == ("reconnect", 500)


def test_a_reopened_stream_that_missed_nothing_reports_no_gap():
    tracker = _Tracker()
    tracker.accept(packet(4, 40))
    tracker.reopened = True
    assert tracker.accept(packet(0, 50)).gap is None


def test_a_reopened_stream_whose_index_went_back_is_a_reset_of_unknown_loss():
    tracker = _Tracker()
    tracker.accept(packet(7, 5000))
    tracker.reopened = True
    after = tracker.accept(packet(0, 0, start=2000.0))
    assert after.gap is not None
    assert (after.gap.reason, after.gap.lost_samples) == ("reset", None)


def test_an_index_ahead_that_disagrees_with_the_clock_is_a_reset():
    """A restarted device stream that has already run longer than the old one."""
    tracker = _Tracker()
    tracker.accept(packet(0, 0, start=1000.0))
    tracker.reopened = True
    after = tracker.accept(packet(0, 5000, start=1000.0 + 5.0))  # 5 s later, 20 s of index
    assert after.gap.reason == "reset"


def test_the_end_packet_yields_nothing():
    tracker = _Tracker()
    end = neural_pb2.NeuralDataPacket(end=neural_pb2.StreamEnd(reason="stopped", code="OK"))
    assert tracker.accept(end) is None
