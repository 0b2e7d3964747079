"""``neurogate stream DEVICE``: a live view of a device's stream.

Per channel it shows the rate at which samples arrive (counted, not the
nominal rate, so a stalled or lossy stream shows), the amplitude over the
last interval (RMS about the mean, so a DC offset does not hide the signal,
and peak-to-peak), and the server's signal-quality grade; markers and gaps
in the packet sequence as they arrive.

Three renderings of the same updates: a table redrawn in place on a
terminal; one plain line per interval (and per marker or gap) when stdout is
not a terminal, so logs and tests can read it; and with ``--json`` one JSON
object per packet. ``--count`` (packets) and ``--seconds`` end it, whichever
comes first, so it also runs unattended.

The quality grade comes from the device's status, which costs a call of
the account's rate limit: it is read at the start and then at most every
:data:`QUALITY_REFRESH_SECONDS`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click
import numpy as np

from neurogate.client import Client
from neurogate.client.cli._invocation import Invocation, client_command, jsonable, table
from neurogate.client.cli.devices import channel_qualities, parse_channels
from neurogate.client.models import Marker, Packet, StreamGap

__all__ = ["stream"]

QUALITY_REFRESH_SECONDS = 5.0


@dataclass
class _Window:
    """Samples received since the last update."""

    started: float
    blocks: list[np.ndarray] = field(default_factory=list)

    def add(self, samples: np.ndarray) -> None:
        self.blocks.append(samples)

    def stats(self, now: float) -> tuple[float, np.ndarray, np.ndarray]:
        """(samples per second, RMS about the mean, peak-to-peak) per channel."""
        samples = np.concatenate(self.blocks)
        rate = len(samples) / max(now - self.started, 1e-9)
        return rate, *_amplitudes(samples)


def _amplitudes(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel: RMS about the mean (the population std) and peak-to-peak."""
    return samples.std(axis=0), np.ptp(samples, axis=0)


class _Quality:
    def __init__(self, client: Client, device_id: str) -> None:
        self._client = client
        self._device_id = device_id
        self._read_at = -QUALITY_REFRESH_SECONDS
        self.grades: dict[int, str] = {}

    def refresh(self, now: float) -> None:
        if now - self._read_at >= QUALITY_REFRESH_SECONDS:
            self.grades = channel_qualities(self._client.devices.status(self._device_id))
            self._read_at = now


def _marker_text(marker: Marker) -> str:
    metadata = " ".join(f"{k}={v}" for k, v in sorted(marker.metadata.items()))
    return f"marker {marker.type} at {marker.timestamp:.3f} {metadata}".rstrip()


def _gap_text(gap: StreamGap) -> str:
    lost = "an unknown number of" if gap.lost_samples is None else str(gap.lost_samples)
    return f"gap ({gap.reason}): {lost} samples lost before packet {gap.next_sequence}"


def _packets(
    packets: Iterator[Packet], count: int | None, seconds: float | None
) -> Iterator[Packet]:
    """The packets until ``count`` of them or ``seconds`` have passed."""
    deadline = None if seconds is None else time.monotonic() + seconds
    for received, packet in enumerate(packets, start=1):
        yield packet
        if (count is not None and received >= count) or (
            deadline is not None and time.monotonic() >= deadline
        ):
            return


@click.command("stream")
@click.argument("device_id", metavar="DEVICE")
@click.option("--channels", help="Channel numbers, e.g. 1,2 (default: all streamed).")
@click.option("--block-size", default=25, show_default=True, help="Samples per packet.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after N packets.")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), help="Stop after S s.")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between updates of the view.",
)
@client_command
def stream(
    call: Invocation,
    device_id: str,
    channels: str | None,
    block_size: int,
    count: int | None,
    seconds: float | None,
    interval: float,
) -> None:
    """A live view of DEVICE's stream: per-channel rate, amplitude and
    quality, markers and gaps. Start the stream first (`devices start`)."""
    interactive = sys.stdout.isatty() and not call.as_json
    started = time.monotonic()
    with call.client() as client:
        quality = _Quality(client, device_id)
        quality.refresh(started)
        packets = client.devices.stream(
            device_id, channels=parse_channels(channels), block_size=block_size
        )
        # Counted from the first packet: opening the stream is not a stall.
        window: _Window | None = None
        numbers: list[int] = []
        recent: list[str] = []
        try:
            for packet in _packets(iter(packets), count, seconds):
                numbers = packet.channels
                events = [_gap_text(packet.gap)] if packet.gap else []
                events += [_marker_text(marker) for marker in packet.markers]
                now = time.monotonic()
                if call.as_json:
                    quality.refresh(now)
                    click.echo(json.dumps(_packet_json(packet, quality.grades)))
                    continue
                window = window or _Window(now)
                window.add(packet.samples)
                if not interactive:
                    for line in events:
                        click.echo(line)
                recent = (recent + events)[-5:]
                if now - window.started >= interval:
                    quality.refresh(now)
                    _show(window, numbers, quality.grades, recent, now - started, interactive)
                    window = _Window(now)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a terminal view ends: show the last update
        finally:
            packets.close()
        if window is not None and window.blocks:
            now = time.monotonic()
            _show(window, numbers, quality.grades, recent, now - started, interactive)


def _packet_json(packet: Packet, grades: dict[int, str]) -> dict[str, Any]:
    rms, peak_to_peak = _amplitudes(packet.samples)
    return {
        "device_id": packet.device_id,
        "sequence": packet.sequence,
        "first_sample_index": packet.first_sample_index,
        "sample_count": len(packet.samples),
        "timestamp": float(packet.timestamps[0]) if len(packet.timestamps) else None,
        "channels": [
            {
                "channel": number,
                "rms": float(rms[i]),
                "peak_to_peak": float(peak_to_peak[i]),
                "quality": grades.get(number),
            }
            for i, number in enumerate(packet.channels)
        ],
        "markers": jsonable(packet.markers),
        "gap": jsonable(packet.gap),
        "dropped_samples": packet.dropped_samples,
    }


def _show(
    window: _Window,
    numbers: list[int],
    grades: dict[int, str],
    recent: list[str],
    elapsed: float,
    interactive: bool,
) -> None:
    rate, rms, peak_to_peak = window.stats(time.monotonic())
    if not interactive:
        cells = " | ".join(
            f"ch{n} {rate:.1f} Hz rms {rms[i]:.2f} p2p {peak_to_peak[i]:.2f} {grades.get(n, '-')}"
            for i, n in enumerate(numbers)
        )
        click.echo(f"t={elapsed:.1f}s {cells}")
        return
    click.clear()
    click.echo(f"{elapsed:.0f} s, {rate:.1f} samples/s per channel (Ctrl-C to stop)\n")
    click.echo(
        table(
            (
                (n, f"{rate:.1f}", f"{rms[i]:.2f}", f"{peak_to_peak[i]:.2f}", grades.get(n, "-"))
                for i, n in enumerate(numbers)
            ),
            ["CHANNEL", "HZ", "RMS", "P2P", "QUALITY"],
        )
    )
    if recent:
        click.echo("\n" + "\n".join(recent))
