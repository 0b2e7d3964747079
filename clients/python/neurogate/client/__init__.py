"""NeuroGate's Python SDK: the gRPC API with typed results.

    from neurogate.client import Client

    with Client(api_key="ng_...", target="localhost:50051") as client:
        dataset = client.data.upload("measurements.csv")
        stats = client.analysis.descriptive(dataset_id=dataset.id)
        print(stats.to_pandas())

``AsyncClient`` has the same surface for asyncio. Failed calls raise one
exception hierarchy rooted at :class:`NeuroGateError` (see
:mod:`neurogate.client.errors`); results are the dataclasses of
:mod:`neurogate.client.models`.
"""

from neurogate.client._client import AsyncClient, Client
from neurogate.client._streams import AsyncPacketStream, PacketStream
from neurogate.client.errors import (
    AuthenticationError,
    ConflictError,
    DeadlineExceededError,
    InvalidRequestError,
    NeuroGateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnavailableError,
)
from neurogate.client.models import (
    AnalyticsSummary,
    ApiKey,
    BandPowers,
    Clustering,
    ControlChart,
    Dataset,
    Device,
    DeviceStatus,
    Diagnosis,
    FilteredSignal,
    Forecast,
    HypothesisTestResult,
    Inference,
    IngestResult,
    Marker,
    Model,
    Packet,
    Predictions,
    Prescription,
    Recording,
    Session,
    Statistics,
    StreamGap,
    StreamInfo,
    Webhook,
    WebhookDelivery,
)

__all__ = [
    "AnalyticsSummary",
    "ApiKey",
    "AsyncClient",
    "AsyncPacketStream",
    "AuthenticationError",
    "BandPowers",
    "Client",
    "Clustering",
    "ConflictError",
    "ControlChart",
    "Dataset",
    "DeadlineExceededError",
    "Device",
    "DeviceStatus",
    "Diagnosis",
    "FilteredSignal",
    "Forecast",
    "HypothesisTestResult",
    "Inference",
    "IngestResult",
    "InvalidRequestError",
    "Marker",
    "Model",
    "NeuroGateError",
    "NotFoundError",
    "Packet",
    "PacketStream",
    "PermissionDeniedError",
    "Predictions",
    "Prescription",
    "RateLimitError",
    "Recording",
    "ServerError",
    "Session",
    "Statistics",
    "StreamGap",
    "StreamInfo",
    "UnavailableError",
    "Webhook",
    "WebhookDelivery",
]
