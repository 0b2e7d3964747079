"""A recording's quality metrics, kept up to date as samples are committed.

- ``artifact_percentage``: the share of complete one-second epochs in which
  any channel's peak-to-peak amplitude exceeds 100 uV (or a value is not
  finite), over the whole recording.
- ``signal_quality``: complete four-second windows are graded like the live
  status (``neurogate.server.signal.quality``: flat, railed, line noise,
  amplitude; overall = median channel grade); the recording's grade is the
  median over graded windows. At most two windows are graded per second of
  wall-clock time: a live board's every window, a sample of the windows of a
  recording ingested faster than real time (grading costs a spectrum per
  channel).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from neurogate.server.signal.quality import (
    QUALITY_LEVELS,
    artifact_percentage,
    channel_quality,
    overall_quality,
)

WINDOW_SECONDS = 4.0
GRADE_INTERVAL_SECONDS = 0.5
ARTIFACT_THRESHOLD_UV = 100.0


class QualityTracker:
    def __init__(
        self, sample_rate: float, channels: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._last_graded = -math.inf
        self._rate = sample_rate
        self._epoch = max(1, round(sample_rate))
        self._window = max(1, round(sample_rate * WINDOW_SECONDS))
        self._pending = np.empty((0, channels))
        self._window_pending = np.empty((0, channels))
        self._epochs = 0
        self._artifact_epochs = 0
        self._grades: Counter[str] = Counter()

    def copy(self) -> QualityTracker:
        twin = QualityTracker.__new__(QualityTracker)
        twin.__dict__.update(self.__dict__)
        twin._grades = Counter(self._grades)
        return twin

    def add(self, raw: np.ndarray) -> None:
        self._pending = np.concatenate([self._pending, raw])
        whole = len(self._pending) // self._epoch * self._epoch
        if whole:
            epochs = whole // self._epoch
            share = artifact_percentage(
                self._pending[:whole],
                self._rate,
                threshold_uv=ARTIFACT_THRESHOLD_UV,
                epoch_seconds=self._epoch / self._rate,
            )
            self._artifact_epochs += round(share * epochs / 100)
            self._epochs += epochs
            self._pending = self._pending[whole:]
        self._window_pending = np.concatenate([self._window_pending, raw])
        while len(self._window_pending) >= self._window:
            window, self._window_pending = (
                self._window_pending[: self._window],
                self._window_pending[self._window :],
            )
            if self._clock() - self._last_graded < GRADE_INTERVAL_SECONDS:
                continue
            self._last_graded = self._clock()
            grades = [
                channel_quality(window[:, c], self._rate).quality for c in range(window.shape[1])
            ]
            self._grades[overall_quality(grades)] += 1

    def metrics(self) -> dict[str, Any]:
        grade = ""
        if self._grades:
            ordered = [level for level in QUALITY_LEVELS for _ in range(self._grades[level])]
            grade = ordered[(len(ordered) - 1) // 2]
        share = 100.0 * self._artifact_epochs / self._epochs if self._epochs else 0.0
        return {"artifact_percentage": round(share, 2), "signal_quality": grade}
