"""``client.processing``: filters and band powers on a signal sent in the
request (offline: filters run zero-phase unless ``mode="causal"``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurogate.client._calls import Unary
from neurogate.client._convert import rows_of
from neurogate.client._namespace import Namespace
from neurogate.client.models import BandPowers, FilteredSignal
from neurogate.v1 import processing_pb2


class ProcessingNamespace(Namespace):
    def filter(
        self,
        data: np.ndarray | list[list[float]],
        sample_rate: float,
        filters: list[Mapping[str, Any]],
        layout: str = "channels",
        mode: str = "zero_phase",
    ) -> FilteredSignal:
        """Filters ``data`` (``layout="channels"``: one row per channel;
        ``"samples"``: one row per sample) with a chain such as
        ``[{"type": "bandpass", "low": 1, "high": 40}, {"type": "notch", "frequency": 50}]``."""
        request = processing_pb2.FilterRequest(
            data=rows_of(data),
            sample_rate=sample_rate,
            filters=[processing_pb2.FilterSpec(**dict(spec)) for spec in filters],
            layout=layout,
            mode=mode,
        )
        return self._run(
            Unary("Processing/Filter", request, FilteredSignal.from_proto, idempotent=True)
        )

    def band_power(
        self,
        data: np.ndarray | list[list[float]],
        sample_rate: float,
        bands: list[Mapping[str, Any]] | None = None,
        layout: str = "channels",
        segment_seconds: float = 0.0,
    ) -> BandPowers:
        """Absolute and relative power per channel in ``bands``
        (``[{"name": "alpha", "low": 8, "high": 13}, ...]``; delta to gamma by default)."""
        request = processing_pb2.BandPowerRequest(
            data=rows_of(data),
            sample_rate=sample_rate,
            layout=layout,
            bands=[processing_pb2.FrequencyBand(**dict(band)) for band in bands or []],
            segment_seconds=segment_seconds,
        )
        return self._run(
            Unary("Processing/BandPower", request, BandPowers.from_proto, idempotent=True)
        )
