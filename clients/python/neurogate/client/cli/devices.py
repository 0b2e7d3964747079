"""``neurogate devices``: list devices, read their status, start and stop
their streams, and insert markers."""

from __future__ import annotations

import click

from neurogate.client.cli._invocation import Invocation, client_command, table
from neurogate.client.models import DeviceStatus

__all__ = ["devices", "parse_channels"]


def parse_channels(text: str | None) -> list[int] | None:
    """``"1,2,3"`` as channel numbers; None for all."""
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of channel numbers", param_hint="--channels"
        ) from None


def channel_qualities(status: DeviceStatus) -> dict[int, str]:
    """Channel number -> the server's signal-quality grade."""
    channels = status.signal_quality.get("channels") or []
    return {int(c["channel"]): str(c.get("quality", "")) for c in channels if "channel" in c}


def _status_text(status: DeviceStatus) -> str:
    quality = status.signal_quality
    head = (
        f"{status.device_id}: {status.status}, connected {status.connected}, "
        f"streaming {status.streaming}, up {status.uptime_seconds:.0f} s, "
        f"overall quality {quality.get('overall', '-')}"
    )
    channels = quality.get("channels") or []
    return (
        head
        + "\n"
        + table(
            ((c.get("channel"), c.get("quality"), c.get("impedance")) for c in channels),
            ["CHANNEL", "QUALITY", "IMPEDANCE"],
        )
    )


@click.group("devices")
def devices() -> None:
    """Acquisition devices and their live streams."""


@devices.command("list")
@client_command
def list_devices(call: Invocation) -> None:
    """The account's devices."""
    with call.client() as client:
        found = client.devices.list()
    call.emit(
        found,
        lambda: table(
            ((d.id, d.name, d.type, d.status, len(d.channels), d.sample_rate) for d in found),
            ["ID", "NAME", "TYPE", "STATUS", "CHANNELS", "RATE"],
        ),
    )


@devices.command("status")
@click.argument("device_id", metavar="DEVICE")
@client_command
def status(call: Invocation, device_id: str) -> None:
    """Connection, streaming and per-channel signal quality."""
    with call.client() as client:
        result = client.devices.status(device_id)
    call.emit(result, lambda: _status_text(result))


@devices.command("start")
@click.argument("device_id", metavar="DEVICE")
@click.option("--channels", help="Channel numbers, e.g. 1,2,3,4 (default: all).")
@click.option("--sample-rate", type=float, help="Samples per second (default: the board's).")
@click.option("--notch", type=float, help="Notch filter frequency, e.g. 50.")
@click.option("--bandpass", type=(float, float), default=None, metavar="LO HI")
@client_command
def start(
    call: Invocation,
    device_id: str,
    channels: str | None,
    sample_rate: float | None,
    notch: float | None,
    bandpass: tuple[float, float] | None,
) -> None:
    """Starts the device's stream (connecting it if needed)."""
    given = {"notch": notch, "bandpass": list(bandpass) if bandpass else None}
    filters = {name: value for name, value in given.items() if value is not None}
    with call.client() as client:
        info = client.devices.start_stream(
            device_id,
            channels=parse_channels(channels),
            sample_rate=sample_rate,
            filters=filters or None,
        )
    call.emit(
        info,
        f"Streaming {info.device_id}: channels {','.join(map(str, info.channels))} "
        f"at {info.sample_rate:g} Hz",
    )


@devices.command("stop")
@click.argument("device_id", metavar="DEVICE")
@client_command
def stop(call: Invocation, device_id: str) -> None:
    """Stops the device's stream (its subscribers' streams end)."""
    with call.client() as client:
        client.devices.stop_stream(device_id)
    call.emit({"device_id": device_id, "streaming": False}, f"Stopped {device_id}")


@devices.command("marker")
@click.argument("device_id", metavar="DEVICE")
@click.argument("marker_type", metavar="TYPE")
@click.option("--meta", "meta", multiple=True, metavar="KEY=VALUE", help="Metadata (repeat).")
@client_command
def marker(call: Invocation, device_id: str, marker_type: str, meta: tuple[str, ...]) -> None:
    """Inserts a marker at the current sample of the stream (and recording)."""
    pairs = [item.partition("=") for item in meta]
    if any(not sep for _, sep, _ in pairs):
        raise click.BadParameter("write metadata as KEY=VALUE", param_hint="--meta")
    with call.client() as client:
        inserted = client.devices.insert_marker(
            device_id, marker_type, {key: value for key, _, value in pairs}
        )
    call.emit(inserted, f"Marker {inserted.type} at {inserted.timestamp:.3f}")
