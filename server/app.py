"""The gRPC server: interceptors, services, health, reflection, and a
graceful life cycle (SIGTERM drains in-flight calls, then exits 0)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from neurogate.server import ext_proc, interceptors
from neurogate.server.api import AccessRule, access_rules
from neurogate.server.auth.tiers import rate_limits
from neurogate.server.gateway import DESCRIPTOR
from neurogate.server.runtime import Runtime
from neurogate.server.services.analysis import AnalysisServicer
from neurogate.server.services.analytics import AnalyticsServicer
from neurogate.server.services.auth import AuthServicer
from neurogate.server.services.data import DataServicer
from neurogate.server.services.devices import DeviceControlServicer
from neurogate.server.services.models import ModelServicer
from neurogate.server.services.neural import NeuralServicer
from neurogate.server.services.processing import ProcessingServicer
from neurogate.server.services.registry import register_services
from neurogate.server.services.segmentation import SegmentationServicer
from neurogate.server.services.spc import SPCServicer
from neurogate.server.services.webhooks import WebhookServicer
from neurogate.server.settings import MAX_UPLOAD_BYTES, Settings
from neurogate.server.unknown_fields import UnknownFieldCheck

log = logging.getLogger(__name__)

#: gRPC messages may carry a whole upload chunk plus framing (REST uploads
#: arrive as chunks of at most 1 MiB, but a gRPC client may send larger ones).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Request metadata: above the 60 KiB of headers Envoy accepts (its default
#: max_request_headers_kb) plus gRPC's 32 bytes per entry, so no REST request
#: Envoy forwards is refused here. gRPC's defaults (8 KiB soft, 16 KiB hard)
#: refused headers of 8-60 KiB, some of them at random, as RESOURCE_EXHAUSTED:
#: a 429 to REST callers.
MAX_METADATA_BYTES = 128 * 1024


@dataclass
class BuiltServer:
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    services: list[str]

    async def set_health(self, status: int) -> None:
        for service in ("", *self.services):
            await self.health.set(service, status)


def build_server(runtime: Runtime) -> BuiltServer:
    # Envoy's ext_proc filter calls the body check without a token.
    rules = {**access_rules(), ext_proc.METHOD: AccessRule(scope="", anonymous=True)}
    server = grpc.aio.server(
        interceptors=[
            interceptors.RequestContextInterceptor(),
            interceptors.AccessLogInterceptor(),
            interceptors.StatusInterceptor(),
            interceptors.GuardInterceptor(
                [
                    interceptors.AuthenticationGuard(runtime.tokens, rules),
                    interceptors.TenancyGuard(runtime.credentials),
                    interceptors.RateLimitGuard(
                        runtime.rate_limiter, rate_limits(runtime.settings.tier_limits)
                    ),
                    interceptors.AuthorizationGuard(rules),
                ]
            ),
            interceptors.RequestDecodingInterceptor(),
        ],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.so_reuseport", 0),
        ],
    )
    device_control = DeviceControlServicer(runtime.devices)
    database_url = runtime.settings.resolved_database_url
    names = register_services(
        server,
        {
            "neurogate.v1.AuthService": AuthServicer(runtime.credentials),
            "neurogate.v1.DataService": DataServicer(
                runtime.datasets, runtime.compute, MAX_UPLOAD_BYTES
            ),
            "neurogate.v1.DeviceControl": device_control,
            "neurogate.v1.NeuralService": NeuralServicer(
                runtime.devices, runtime.sessions, runtime.stream_slots, device_control
            ),
            "neurogate.v1.Processing": ProcessingServicer(runtime.compute),
            "neurogate.v1.Analysis": AnalysisServicer(
                runtime.datasets, runtime.compute, database_url
            ),
            "neurogate.v1.Analytics": AnalyticsServicer(
                runtime.datasets,
                runtime.compute,
                database_url,
                runtime.model_key,
                runtime.dispatcher,
            ),
            "neurogate.v1.Segmentation": SegmentationServicer(
                runtime.datasets, runtime.compute, database_url
            ),
            "neurogate.v1.SPC": SPCServicer(
                runtime.datasets, runtime.compute, database_url, runtime.dispatcher
            ),
            "neurogate.v1.WebhookService": WebhookServicer(
                runtime.webhooks, allow_private=runtime.settings.webhook_allow_private
            ),
            "neurogate.v1.ModelService": ModelServicer(
                runtime.datasets,
                runtime.models,
                runtime.sessions,
                runtime.compute,
                database_url,
                runtime.model_key,
                runtime.dispatcher,
            ),
        },
    )
    server.add_generic_rpc_handlers(
        [ext_proc.handler(UnknownFieldCheck.from_descriptor_set(DESCRIPTOR.read_bytes()))]
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [
            *names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    return BuiltServer(server, health_servicer, names)


async def serve(
    settings: Settings,
    *,
    on_ready: Callable[[Runtime], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Runs the server until SIGTERM/SIGINT (or ``stop``), then drains."""
    runtime = await Runtime.start(settings)
    built = build_server(runtime)
    server = built.server
    try:
        server.add_insecure_port(settings.grpc_target)
    except RuntimeError as error:
        await runtime.close()
        raise OSError(f"cannot listen on {settings.grpc_target}: {error}") from error
    await server.start()
    # Everything loaded so far lives as long as the process: keep the cyclic
    # garbage collector from rescanning it, which otherwise stalls the event
    # loop (and every live stream) for tens of milliseconds at a time.
    gc.freeze()
    await built.set_health(health_pb2.HealthCheckResponse.SERVING)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("gRPC server listening", extra={"address": settings.grpc_target})
    try:
        if on_ready is not None:
            await on_ready(runtime)
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("draining", extra={"grace_seconds": settings.shutdown_grace})
        await built.set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await runtime.end_streams()
        await server.stop(settings.shutdown_grace)
        await runtime.close()
        log.info("stopped")
