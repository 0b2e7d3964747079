"""A device stream's configuration: which channels, at which rate, through
which live filters. Checked against the board's real layout; anything the
board cannot do is INVALID_CONFIGURATION naming the valid choices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from neurogate.server.devices.boards import BoardLayout
from neurogate.server.errors import InvalidConfiguration
from neurogate.server.signal.filters import FilterStage, StreamFilter, live_stages


@dataclass(frozen=True)
class Filters:
    notch: float = 0.0
    bandpass: tuple[float, ...] = ()
    highpass: float = 0.0
    lowpass: float = 0.0

    def stages(self, sample_rate: float) -> list[FilterStage]:
        return live_stages(
            self.notch, self.bandpass, self.highpass, self.lowpass, sample_rate=sample_rate
        )


@dataclass(frozen=True)
class StreamConfig:
    channels: tuple[int, ...]
    sample_rate: float
    filters: Filters = field(default_factory=Filters)

    def stream_filter(self) -> StreamFilter:
        """The live filter chain of this configuration, from a zero state."""
        return StreamFilter(
            self.filters.stages(self.sample_rate), self.sample_rate, len(self.channels)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "sample_rate": self.sample_rate,
            "filters": {
                "notch": self.filters.notch,
                "bandpass": list(self.filters.bandpass),
                "highpass": self.filters.highpass,
                "lowpass": self.filters.lowpass,
            },
        }


def default_config(layout: BoardLayout) -> StreamConfig:
    return StreamConfig(tuple(layout.channel_numbers), layout.sample_rate)


def stored_config(layout: BoardLayout, stored: dict[str, Any]) -> StreamConfig:
    """The configuration saved with a device (its default when none was)."""
    if not stored:
        return default_config(layout)
    return make_config(
        layout, stored.get("channels", ()), stored.get("sample_rate", 0), stored.get("filters", {})
    )


def chosen_channels(wanted: Sequence[int], available: Sequence[int], no_such: str) -> list[int]:
    """``wanted`` (every available channel when empty), or
    INVALID_CONFIGURATION naming the first one not available and the valid
    choices; ``no_such`` says what is missing, e.g. "the device has no
    channel {}"."""
    chosen = [int(number) for number in wanted] or list(available)
    unknown = [number for number in chosen if number not in available]
    if unknown:
        raise InvalidConfiguration(
            no_such.format(unknown[0]),
            parameter="channels",
            value=unknown[0],
            valid_choices=list(available),
        )
    return chosen


def make_config(
    layout: BoardLayout,
    channels: Sequence[int],
    sample_rate: float,
    filters: dict[str, Any],
) -> StreamConfig:
    """A checked configuration; empty channels mean all, rate 0 the board's."""
    chosen = tuple(
        chosen_channels(channels, layout.channel_numbers, "the device has no channel {}")
    )
    if len(set(chosen)) != len(chosen):
        raise InvalidConfiguration(
            "channels are listed more than once", parameter="channels", value=list(chosen)
        )
    rate = float(sample_rate or layout.sample_rate)
    if rate != layout.sample_rate:
        raise InvalidConfiguration(
            f"the device samples at {layout.sample_rate:g} Hz",
            parameter="sample_rate",
            value=sample_rate,
            valid_choices=[layout.sample_rate],
        )
    chosen_filters = Filters(
        notch=filters.get("notch", 0) or 0,
        bandpass=tuple(filters.get("bandpass", ()) or ()),
        highpass=filters.get("highpass", 0) or 0,
        lowpass=filters.get("lowpass", 0) or 0,
    )
    chosen_filters.stages(rate)  # refuses a cut-off at or above Nyquist, low >= high, ...
    return StreamConfig(chosen, rate, chosen_filters)
