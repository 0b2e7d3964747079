"""A real NeuroGate server process (and, on request, Envoy) for the
benchmarks, on free ports in a scratch directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import Gateway
from neurogate.server.settings import Settings
from neurogate.server.storage.database import Database
from neurogate.v1 import auth_pb2, auth_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real NeuroGate server process (and, on request, Envoy) on free ports."""

    def __init__(self, scratch: Path, **env: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NEUROGATE_")},
            "NEUROGATE_DATA_DIR": str(scratch / "data"),
            "NEUROGATE_GRPC_PORT": str(free_port()),
            "NEUROGATE_HTTP_PORT": str(free_port()),
            "NEUROGATE_ENVOY_ADMIN_PORT": str(free_port()),
            "NEUROGATE_LOG_LEVEL": "WARNING",
            "NEUROGATE_TIER_LIMITS": "pro=1000000/100000000,enterprise=1000000/100000000",
            # A subscriber slower than a max-rate producer loses samples (counted);
            # it is not ended during the measurement.
            "NEUROGATE_STREAM_GIVE_UP_SECONDS": "3600",
            **env,
        }
        self.settings = Settings.from_env(self.env)
        self.scratch = scratch
        self.process: subprocess.Popen[bytes] | None = None
        self.gateway: Gateway | None = None
        self.db = Database(self.settings.resolved_database_url)

    async def start(self, with_envoy: bool = False) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "neurogate.server", "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.scratch / "server.log").open("ab"),
        )
        await self._serving()
        if with_envoy:
            self.gateway = Gateway(self.settings, log_path=self.scratch / "envoy.log")
            await self.gateway.start()

    async def _serving(self) -> None:
        # Up to about two minutes: imports alone take half a minute on a busy machine.
        async with grpc.aio.insecure_channel(self.settings.grpc_target) as channel:
            for _ in range(1200):
                with contextlib.suppress(grpc.aio.AioRpcError):
                    reply = await health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=1
                    )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.scratch / 'server.log'}")

    async def stop(self) -> None:
        if self.gateway is not None:
            await self.gateway.stop()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
        await self.db.close()

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def account(self, tier: Tier = Tier.ENTERPRISE) -> tuple[NewAccount, str]:
        account = await AccountAdmin(self.db).create_account("bench", tier)
        async with grpc.aio.insecure_channel(self.settings.grpc_target) as channel:
            token = (
                await auth_pb2_grpc.AuthServiceStub(channel).IssueToken(
                    auth_pb2.IssueTokenRequest(
                        client_id=account.client_id,
                        client_secret=account.client_secret,
                        grant_type="client_credentials",
                    )
                )
            ).access_token
        return account, token

    @contextlib.asynccontextmanager
    async def client(
        self, max_message_bytes: int = 256 << 20
    ) -> AsyncIterator[tuple[grpc.aio.Channel, tuple[tuple[str, str], ...]]]:
        """A channel that takes large answers, and the call metadata of a new
        enterprise account."""
        _, token = await self.account()
        async with grpc.aio.insecure_channel(
            self.settings.grpc_target,
            options=[("grpc.max_receive_message_length", max_message_bytes)],
        ) as channel:
            yield channel, (("authorization", f"Bearer {token}"),)
