"""Shared fixtures: databases (SQLite, and the real PostgreSQL on
127.0.0.1:5432), and the real server and the real Envoy on free ports.

PostgreSQL tests get a database of their own, created for the test and
dropped after it; they skip, saying why, only when no PostgreSQL answers.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import grpc
import httpx
import pandas as pd
import psycopg
import pytest
import pytest_asyncio
import redis.asyncio as redis
import sklearn.datasets
from grpc_health.v1 import health_pb2, health_pb2_grpc

from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.server.gateway import Gateway
from neurogate.server.settings import Settings
from neurogate.server.storage.database import Database
from neurogate.v1 import auth_pb2, auth_pb2_grpc

POSTGRES_URL = os.environ.get("NEUROGATE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NEUROGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
JWT_SECRET = "test-signing-key-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- services


def service_missing(reason: str) -> NoReturn:
    """Skips a test whose service is absent, saying why; under CI (``CI=true``)
    every service must be there, so the absence fails the run instead."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"a required service is missing: {reason}")
    pytest.skip(reason)


async def redis_client(url: str = REDIS_URL) -> redis.Redis:
    """A client of the real Redis, once it answers (see service_missing)."""
    client = redis.from_url(url)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as error:
        await client.aclose()
        service_missing(f"Redis is not running at {url}: {error}")
    return client


# ---------------------------------------------------------------- databases


async def _postgres_admin() -> psycopg.AsyncConnection:
    try:
        return await psycopg.AsyncConnection.connect(
            POSTGRES_URL, autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        service_missing(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}")


@pytest_asyncio.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    admin = await _postgres_admin()
    name = f"neurogate_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'neurogate.db'}"
    return request.getfixturevalue("postgres_url")


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.close()


# ---------------------------------------------------------------- the stack


@dataclass
class Stack:
    """A real ``neurogate serve`` process and a real Envoy in front of it."""

    settings: Settings
    env: dict[str, str]
    server: subprocess.Popen[bytes]
    gateway: Gateway
    log_path: Path
    accounts: AccountAdmin
    db: Database
    _channels: list[grpc.aio.Channel] = field(default_factory=list)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    @property
    def grpc_target(self) -> str:
        return self.settings.grpc_target

    def channel(self) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(self.grpc_target)
        self._channels.append(channel)
        return channel

    def server_log(self) -> str:
        return self.log_path.read_text(errors="replace")


def stack_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEUROGATE_")}
    env.update(
        NEUROGATE_GRPC_PORT=str(free_port()),
        NEUROGATE_HTTP_PORT=str(free_port()),
        NEUROGATE_ENVOY_ADMIN_PORT=str(free_port()),
        NEUROGATE_DATA_DIR=str(data_dir),
        NEUROGATE_JWT_SECRET=JWT_SECRET,
        NEUROGATE_COMPUTE_WORKERS="1",
        NEUROGATE_SHUTDOWN_GRACE="5",
    )
    env.update(overrides)
    return env


def start_server_process(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "neurogate.server", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def wait_until_serving(target: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(1200):  # about 2 minutes: imports are slow on a busy machine
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()}")
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()}")


def stop_process(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@dataclass
class ServerProcess:
    """A lone ``neurogate serve`` process (no Envoy) and its database."""

    settings: Settings
    process: subprocess.Popen[bytes]
    log_path: Path
    accounts: AccountAdmin


@asynccontextmanager
async def server_process(data_dir: Path, **overrides: str) -> AsyncIterator[ServerProcess]:
    env = stack_env(data_dir, **overrides)
    settings = Settings.from_env(env)
    log_path = data_dir.parent / f"{data_dir.name}-{settings.grpc_port}.log"
    process = start_server_process(env, log_path)
    db = Database(settings.resolved_database_url)
    try:
        await wait_until_serving(settings.grpc_target, process, log_path)
        yield ServerProcess(settings, process, log_path, AccountAdmin(db))
    finally:
        stop_process(process)
        await db.close()


async def grpc_token(channel: grpc.aio.Channel, account: NewAccount) -> str:
    reply = await auth_pb2_grpc.AuthServiceStub(channel).IssueToken(
        auth_pb2.IssueTokenRequest(
            client_id=account.client_id,
            client_secret=account.client_secret,
            grant_type="client_credentials",
        )
    )
    return reply.access_token


@asynccontextmanager
async def lone_gateway(data_dir: Path, grpc_port: int | None = None) -> AsyncIterator[str]:
    """The real Envoy alone, in front of ``grpc_port`` (by default a port no
    server listens on); its REST base URL."""
    settings = Settings(
        grpc_port=grpc_port or free_port(),
        http_port=free_port(),
        envoy_admin_port=free_port(),
        data_dir=data_dir,
    )
    gateway = Gateway(settings, log_path=data_dir / "envoy.log")
    await gateway.start()
    try:
        yield f"http://127.0.0.1:{settings.http_port}"
    finally:
        await gateway.stop()


async def start_stack(data_dir: Path, **overrides: str) -> Stack:
    env = stack_env(data_dir, **overrides)
    settings = Settings.from_env(env)
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = start_server_process(env, log_path)
    gateway = Gateway(settings, log_path=data_dir.parent / f"{data_dir.name}-envoy.log")
    db = Database(settings.resolved_database_url)
    try:
        await wait_until_serving(settings.grpc_target, server, log_path)
        await gateway.start()
    except BaseException:
        stop_process(server)
        await db.close()
        raise
    return Stack(settings, env, server, gateway, log_path, AccountAdmin(db), db)


async def stop_stack(stack: Stack) -> None:
    for channel in stack._channels:
        await channel.close()
    await stack.gateway.stop()
    stop_process(stack.server)
    await stack.db.close()


@pytest_asyncio.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """The stack most end-to-end tests share (SQLite, in-memory rate limits)."""
    running = await start_stack(tmp_path_factory.mktemp("stack") / "data")
    yield running
    await stop_stack(running)


# ---------------------------------------------------------------- assertions


def assert_envelope(reply: httpx.Response, status: int, code: str) -> dict:
    """The documented REST error envelope, with this status and code; its error."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == reply.headers["x-request-id"]
    assert body["error"]["request_id"].startswith("req_")
    assert body["error"]["timestamp"].endswith("Z")
    assert body["error"]["message"]
    return body["error"]


# ---------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Caller:
    """An account with credentials and a fresh access token."""

    account: NewAccount
    token: str

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)


async def issue_token(rest_url: str, account: NewAccount, scope: str = "") -> str:
    async with httpx.AsyncClient(base_url=rest_url) as client:
        reply = await client.post(
            "/v1/auth/token",
            json={
                "client_id": account.client_id,
                "client_secret": account.client_secret,
                "grant_type": "client_credentials",
                "scope": scope,
            },
        )
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


NewCaller = Callable[..., Awaitable[Caller]]


@pytest.fixture
def new_caller(stack: Stack) -> NewCaller:
    """Makes a new account (tier ``pro`` unless told) and a token for it."""

    async def make(tier: Tier = Tier.PRO, scope: str = "", name: str = "test") -> Caller:
        account = await stack.accounts.create_account(name, tier)
        return Caller(account, await issue_token(stack.rest_url, account, scope))

    return make


@pytest_asyncio.fixture
async def rest(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as client:
        yield client


# ---------------------------------------------------------------- devices


async def external_device(
    rest: httpx.AsyncClient, caller: Caller, sample_rate: float, channels: list[str]
) -> str:
    """Registers an external device (fed through ingest); its id."""
    registered = await rest.post(
        "/v1/devices",
        headers=caller.headers,
        json={
            "name": "amplifier",
            "type": "external",
            "params": {"sample_rate": sample_rate, "channels": channels},
        },
    )
    assert registered.status_code == 200, registered.text
    return registered.json()["device_id"]


# ---------------------------------------------------------------- datasets


def sklearn_frame(name: str) -> pd.DataFrame:
    """One of scikit-learn's bundled data sets (diabetes, iris, wine,
    breast_cancer) as a frame; classifiers' targets as class names."""
    loaded = getattr(sklearn.datasets, f"load_{name}")(as_frame=True)
    frame = loaded.frame.copy()
    if name != "diabetes":
        frame["target"] = [str(loaded.target_names[i]) for i in loaded.target]
    return frame


async def upload_frame(
    rest: httpx.AsyncClient, caller: Caller, frame: pd.DataFrame, name: str = "frame"
) -> str:
    """Uploads ``frame`` as a CSV file over REST; the new dataset's id."""
    reply = await rest.post(
        "/v1/data/upload",
        headers=caller.headers,
        files={"file": (f"{name}.csv", frame.to_csv(index=False).encode())},
        data={"name": name},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["dataset_id"]
