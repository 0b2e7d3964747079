"""Signal processing for EEG: filters, band power and signal quality.

- :mod:`~neurogate.server.signal.filters`: filter design (Butterworth and
  notch filters as second-order sections) and :class:`StreamFilter`, the
  causal, stateful chain live streams run through.
- :mod:`~neurogate.server.signal.offline`: whole-signal filtering, zero-phase
  by default, causal on request (``POST /v1/processing/filter``).
- :mod:`~neurogate.server.signal.bands`: band power from Welch's PSD.
- :mod:`~neurogate.server.signal.quality`: per-channel quality ratings and
  the share of epochs with artefacts.

Everything here is a plain function or class over NumPy arrays: it runs in
compute workers and tests without a server. Signals are in microvolts where
a threshold depends on it (quality).
"""

from neurogate.server.signal.bands import DEFAULT_BANDS, BandPowers, band_powers
from neurogate.server.signal.filters import (
    FILTER_TYPES,
    FilterStage,
    StreamFilter,
    cascade,
    design_sos,
    live_stages,
)
from neurogate.server.signal.offline import LAYOUTS, MODES, as_matrix, filter_signal, from_matrix
from neurogate.server.signal.quality import (
    QUALITY_LEVELS,
    ChannelQuality,
    artifact_percentage,
    channel_quality,
    overall_quality,
)

__all__ = [
    "DEFAULT_BANDS",
    "FILTER_TYPES",
    "LAYOUTS",
    "MODES",
    "QUALITY_LEVELS",
    "BandPowers",
    "ChannelQuality",
    "FilterStage",
    "StreamFilter",
    "artifact_percentage",
    "as_matrix",
    "band_powers",
    "cascade",
    "channel_quality",
    "design_sos",
    "filter_signal",
    "from_matrix",
    "live_stages",
    "overall_quality",
]
