"""Device types: their parameters, checked when a device is registered, and
their layout (channels, names, sample rate) from BrainFlow's board
descriptions.

| type | BrainFlow board | parameters |
| --- | --- | --- |
| ``synthetic`` | SYNTHETIC_BOARD | none |
| ``playback_file`` | PLAYBACK_FILE_BOARD | ``file`` (a name in the playback library, see playback_library) or ``session_id`` (replays a recording); ``master_board``; ``loop`` |
| ``streaming_board`` | STREAMING_BOARD | ``ip_address`` (multicast group), ``ip_port``, ``master_board`` |
| ``cyton``, ``cyton_daisy`` | CYTON(_DAISY)_BOARD | ``serial_port`` |
| ``ganglion`` | GANGLION_BOARD (dongle) or GANGLION_NATIVE_BOARD | ``serial_port`` and/or ``mac_address`` |
| ``external`` | none: samples arrive through ingest | ``sample_rate``, ``channels`` (names) or ``channel_count`` |
"""  # noqa: E501

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from neurogate.server.devices.brainflow_runtime import ensure_brainflow
from neurogate.server.errors import InvalidParameter

ensure_brainflow()
from brainflow.board_shim import BoardIds, BoardShim  # noqa: E402

DEVICE_TYPES = (
    "synthetic",
    "playback_file",
    "streaming_board",
    "cyton",
    "ganglion",
    "cyton_daisy",
    "external",
)
#: Boards whose layout a playback file or a streaming board may carry.
MASTER_BOARDS = {
    "synthetic": BoardIds.SYNTHETIC_BOARD,
    "cyton": BoardIds.CYTON_BOARD,
    "ganglion": BoardIds.GANGLION_BOARD,
    "cyton_daisy": BoardIds.CYTON_DAISY_BOARD,
}
_MAC = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")
_MAX_EXTERNAL_CHANNELS = 1024
_MAX_EXTERNAL_RATE = 100_000.0


@dataclass(frozen=True)
class Channel:
    number: int
    name: str
    #: Row of the channel in BrainFlow's data array (None for external devices).
    row: int | None


@dataclass(frozen=True)
class BoardLayout:
    """What a device delivers: its channels and rate, and where BrainFlow puts
    the timestamp, marker and battery values."""

    board_id: int | None
    sample_rate: float
    channels: tuple[Channel, ...]
    timestamp_row: int | None = None
    marker_row: int | None = None
    battery_row: int | None = None
    resistance_rows: tuple[int, ...] = ()

    def channel(self, number: int) -> Channel:
        return self.channels[number - 1]

    @property
    def channel_numbers(self) -> list[int]:
        return [channel.number for channel in self.channels]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any, low: int, high: int) -> bool:
    return _number(value) and value == int(value) and low <= value <= high


def _refuse(message: str, parameter: str, value: Any = None, **details: Any) -> InvalidParameter:
    return InvalidParameter(message, parameter=f"params.{parameter}", value=value, **details)


def _check_keys(params: dict[str, Any], allowed: tuple[str, ...], device_type: str) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidParameter(
            f"{device_type} devices take no parameter {unknown[0]!r}",
            parameter=f"params.{unknown[0]}",
            valid_choices=list(allowed),
        )


def _text(params: dict[str, Any], key: str, required: bool = False) -> str:
    value = params.get(key, "")
    if not isinstance(value, str):
        raise _refuse(f"{key} must be a string", key, value)
    if required and not value.strip():
        raise _refuse(f"{key} is required", key)
    return value.strip()


def _master_board(params: dict[str, Any]) -> str:
    name = params.get("master_board", "synthetic")
    if name not in MASTER_BOARDS:
        raise _refuse(
            f"unknown master_board {name!r}",
            "master_board",
            name,
            valid_choices=sorted(MASTER_BOARDS),
        )
    return name


def check_params(device_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """The normalised parameters of a new device, or InvalidParameter.

    A playback ``file`` is looked up by the caller, which knows the account
    and the playback library; hardware ports are only checked when connecting,
    since a board may be plugged in later."""
    if device_type not in DEVICE_TYPES:
        raise InvalidParameter(
            f"unsupported device type {device_type!r}" if device_type else "type is required",
            parameter="type",
            value=device_type,
            valid_choices=list(DEVICE_TYPES),
        )
    if device_type == "synthetic":
        _check_keys(params, (), device_type)
        return {}
    if device_type == "playback_file":
        _check_keys(params, ("file", "session_id", "master_board", "loop"), device_type)
        file, session_id = _text(params, "file"), _text(params, "session_id")
        if bool(file) == bool(session_id):
            raise _refuse(
                "give either file or session_id",
                "file",
                suggestion="session_id replays one of your recordings",
            )
        loop = params.get("loop", False)
        if not isinstance(loop, bool):
            raise _refuse("loop must be true or false", "loop", loop)
        checked = {"master_board": _master_board(params), "loop": loop}
        return {**checked, "file": file} if file else {**checked, "session_id": session_id}
    if device_type == "streaming_board":
        _check_keys(params, ("ip_address", "ip_port", "master_board"), device_type)
        address = _text(params, "ip_address", required=True)
        try:
            multicast = ipaddress.ip_address(address).is_multicast
        except ValueError:
            multicast = False
        if not multicast:
            raise _refuse(
                "ip_address must be a multicast group, e.g. 225.1.1.1", "ip_address", address
            )
        port = params.get("ip_port")
        if not _whole(port, 1, 65535):
            raise _refuse("ip_port must be a port number (1-65535)", "ip_port", port)
        return {"ip_address": address, "ip_port": int(port), "master_board": _master_board(params)}
    if device_type in ("cyton", "cyton_daisy"):
        _check_keys(params, ("serial_port",), device_type)
        return {"serial_port": _text(params, "serial_port", required=True)}
    if device_type == "ganglion":
        _check_keys(params, ("serial_port", "mac_address"), device_type)
        port, mac = _text(params, "serial_port"), _text(params, "mac_address")
        if not port and not mac:
            raise _refuse("give serial_port (BLED112 dongle) or mac_address", "serial_port")
        if mac and not _MAC.fullmatch(mac):
            raise _refuse("mac_address must look like 00:A0:C9:14:C8:29", "mac_address", mac)
        return {key: value for key, value in (("serial_port", port), ("mac_address", mac)) if value}
    _check_keys(params, ("sample_rate", "channels", "channel_count"), device_type)
    rate = params.get("sample_rate")
    if not _number(rate) or not 0 < rate <= _MAX_EXTERNAL_RATE:
        raise _refuse(
            f"sample_rate must be a number in (0, {_MAX_EXTERNAL_RATE:g}] Hz", "sample_rate", rate
        )
    names = params.get("channels")
    count = params.get("channel_count")
    if names is not None:
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            raise _refuse("channels must be a non-empty list of channel names", "channels")
        if len(set(names)) != len(names) or len(names) > _MAX_EXTERNAL_CHANNELS:
            raise _refuse(
                f"channel names must be unique, at most {_MAX_EXTERNAL_CHANNELS}", "channels"
            )
        return {"sample_rate": float(rate), "channels": [n.strip() for n in names]}
    if not _whole(count, 1, _MAX_EXTERNAL_CHANNELS):
        raise _refuse(
            f"give channels (names) or channel_count (1-{_MAX_EXTERNAL_CHANNELS})",
            "channel_count",
            count,
        )
    return {
        "sample_rate": float(rate),
        "channels": [f"ch{number}" for number in range(1, int(count) + 1)],
    }


def board_id(device_type: str, params: dict[str, Any]) -> int | None:
    """The BrainFlow board to open; None for external devices."""
    return {
        "synthetic": BoardIds.SYNTHETIC_BOARD,
        "playback_file": BoardIds.PLAYBACK_FILE_BOARD,
        "streaming_board": BoardIds.STREAMING_BOARD,
        "cyton": BoardIds.CYTON_BOARD,
        "cyton_daisy": BoardIds.CYTON_DAISY_BOARD,
        "ganglion": BoardIds.GANGLION_BOARD
        if params.get("serial_port")
        else BoardIds.GANGLION_NATIVE_BOARD,
    }.get(device_type)


def layout_board_id(device_type: str, params: dict[str, Any]) -> int | None:
    """The board whose data layout the device delivers (the master board of
    playback files and streaming boards)."""
    if device_type in ("playback_file", "streaming_board"):
        return MASTER_BOARDS[params["master_board"]].value
    board = board_id(device_type, params)
    return None if board is None else int(board)


def layout(device_type: str, params: dict[str, Any]) -> BoardLayout:
    board = layout_board_id(device_type, params)
    if board is None:
        return BoardLayout(
            board_id=None,
            sample_rate=float(params["sample_rate"]),
            channels=tuple(
                Channel(number, name, None)
                for number, name in enumerate(params["channels"], start=1)
            ),
        )
    return _board_layout(board)


@cache
def _board_layout(board: int) -> BoardLayout:
    description = BoardShim.get_board_descr(board)
    rows = description["eeg_channels"]
    names = description.get("eeg_names", "").split(",") if description.get("eeg_names") else []
    return BoardLayout(
        board_id=board,
        sample_rate=float(description["sampling_rate"]),
        channels=tuple(
            Channel(number, names[number - 1] if number <= len(names) else f"EEG{number}", row)
            for number, row in enumerate(rows, start=1)
        ),
        timestamp_row=description.get("timestamp_channel"),
        marker_row=description.get("marker_channel"),
        battery_row=description.get("battery_channel"),
        resistance_rows=tuple(description.get("resistance_channels", ())),
    )
