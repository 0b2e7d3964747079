"""The API surface as the generated descriptors describe it: the NeuroGate
services and each method's access rule (``option (neurogate.v1.access)``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import ModuleType

from google.protobuf.descriptor import ServiceDescriptor

from neurogate.v1 import (
    access_pb2,
    analysis_pb2,
    analysis_pb2_grpc,
    analytics_pb2,
    analytics_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    data_pb2,
    data_pb2_grpc,
    device_control_pb2,
    device_control_pb2_grpc,
    model_pb2,
    model_pb2_grpc,
    neural_pb2,
    neural_pb2_grpc,
    processing_pb2,
    processing_pb2_grpc,
    segmentation_pb2,
    segmentation_pb2_grpc,
    spc_pb2,
    spc_pb2_grpc,
    stream_pb2,
    stream_pb2_grpc,
    webhook_pb2,
    webhook_pb2_grpc,
)

#: (messages module, gRPC module) of every file that declares services.
SERVICE_MODULES: tuple[tuple[ModuleType, ModuleType], ...] = (
    (auth_pb2, auth_pb2_grpc),
    (data_pb2, data_pb2_grpc),
    (analysis_pb2, analysis_pb2_grpc),
    (analytics_pb2, analytics_pb2_grpc),
    (segmentation_pb2, segmentation_pb2_grpc),
    (model_pb2, model_pb2_grpc),
    (spc_pb2, spc_pb2_grpc),
    (processing_pb2, processing_pb2_grpc),
    (device_control_pb2, device_control_pb2_grpc),
    (neural_pb2, neural_pb2_grpc),
    (webhook_pb2, webhook_pb2_grpc),
    (stream_pb2, stream_pb2_grpc),
)

#: Standard services any caller may use without a token.
PUBLIC_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)


@dataclass(frozen=True)
class AccessRule:
    scope: str
    anonymous: bool


def services() -> list[ServiceDescriptor]:
    return [
        service
        for messages, _ in SERVICE_MODULES
        for service in messages.DESCRIPTOR.services_by_name.values()
    ]


@cache
def access_rules() -> dict[str, AccessRule]:
    """``/neurogate.v1.Service/Method`` to its declared access rule."""
    rules = {}
    for service in services():
        for method in service.methods:
            option = method.GetOptions().Extensions[access_pb2.access]
            rules[f"/{service.full_name}/{method.name}"] = AccessRule(
                scope=option.scope, anonymous=option.anonymous
            )
    return rules


def is_public(method: str) -> bool:
    return method.lstrip("/").split("/", 1)[0] in PUBLIC_SERVICES
