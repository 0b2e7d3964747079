"""The checks signal functions share."""

from __future__ import annotations

import math
from numbers import Real

from neurogate.server.errors import InvalidParameter, NeuroGateError


def check_sample_rate(sample_rate: float, error: type[NeuroGateError] = InvalidParameter) -> None:
    """Refuses, with ``error``, a sample rate that is not a positive finite
    number (filter design raises InvalidConfiguration: its rate comes from a
    stream's configuration)."""
    if not (isinstance(sample_rate, Real) and math.isfinite(sample_rate)) or sample_rate <= 0:
        raise error(
            "sample_rate must be a positive number of samples per second",
            parameter="sample_rate",
            value=sample_rate,
        )
