"""Typed results: frozen dataclasses built from the response messages.

Every result keeps the message it came from in ``raw`` (excluded from
equality and repr) for fields the dataclass does not lift. Tabular results
have ``to_pandas()``; pandas is a dependency of the ``neurogate``
distribution, so it is imported at module level. Timestamps are timezone-aware
UTC ``datetime``s, or ``None`` when the server left them unset. Struct fields
become plain ``dict``s; note that a Struct holds numbers as floats.

Recordings (:class:`Recording`) convert to an MNE ``RawArray`` with
``to_mne()``; MNE is the optional ``mne`` extra and is imported only there.
Result classes that need the client again (``Model.predict``) hold the
namespace that built them; with an ``AsyncClient`` those methods return
coroutines.

The classes are written in two private modules by the shape of the API they
serve (``_tabular_models``, ``_signal_models``); import them from here.
"""

from neurogate.client._signal_models import (
    BandPowers,
    Device,
    DeviceStatus,
    FilteredSignal,
    IngestResult,
    Marker,
    Packet,
    Recording,
    Session,
    StreamGap,
    StreamInfo,
)
from neurogate.client._tabular_models import (
    AnalyticsSummary,
    ApiKey,
    Clustering,
    ControlChart,
    Dataset,
    Diagnosis,
    Forecast,
    HypothesisTestResult,
    Inference,
    Model,
    Predictions,
    Prescription,
    Statistics,
    Webhook,
    WebhookDelivery,
)

__all__ = [
    "AnalyticsSummary",
    "ApiKey",
    "BandPowers",
    "Clustering",
    "ControlChart",
    "Dataset",
    "Device",
    "DeviceStatus",
    "Diagnosis",
    "FilteredSignal",
    "Forecast",
    "HypothesisTestResult",
    "Inference",
    "IngestResult",
    "Marker",
    "Model",
    "Packet",
    "Predictions",
    "Prescription",
    "Recording",
    "Session",
    "Statistics",
    "StreamGap",
    "StreamInfo",
    "Webhook",
    "WebhookDelivery",
]
