"""A recording as a value: what a session stored, ready to export or analyse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class Marker:
    """An event in a recording, placed at a sample."""

    #: Index into the recording's samples of the sample the marker belongs to.
    sample_index: int
    #: Unix seconds (board time).
    timestamp: float
    type: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recording:
    session_id: str
    device_name: str
    #: BrainFlow board id of the source device; None for external (ingested) devices.
    board_id: int | None
    sample_rate: float
    #: 1-based channel numbers of the device, one per column of ``samples``.
    channel_numbers: tuple[int, ...]
    channel_names: tuple[str, ...]
    #: (samples, channels) float64, microvolts, raw (unfiltered) as acquired.
    samples: np.ndarray
    #: (samples,) Unix seconds, board time.
    timestamps: np.ndarray
    markers: tuple[Marker, ...]
    start_time: datetime
    subject_pseudonym: str = ""
    experiment_type: str = ""
