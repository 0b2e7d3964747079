"""The server as an operator runs it: start-up on an older database, on
PostgreSQL, structured logs without secrets, and a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx

from conftest import Stack, grpc_token, issue_token, server_process, start_stack, stop_stack
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.passwords import hash_secret
from neurogate.server.auth.tiers import Tier
from neurogate.server.storage.database import Database
from neurogate.server.storage.migrate import head_revision
from neurogate.server.storage.models import Account, ClientCredential
from neurogate.v1 import data_pb2, data_pb2_grpc, device_control_pb2, device_control_pb2_grpc


async def test_server_started_on_an_older_database_upgrades_it(tmp_path: Path):
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(database_url)
    await old.migrate("0001")
    secret = "an old client secret"
    account = Account(id="acc_old", name="from the old days", tier="pro")
    client = ClientCredential(
        client_id="cli_old", account_id="acc_old", secret_hash=hash_secret(secret)
    )
    await old.run(lambda session: session.add_all([account, client]))
    try:
        async with (
            server_process(tmp_path / "data", NEUROGATE_DATABASE_URL=database_url) as server,
            grpc.aio.insecure_channel(server.settings.grpc_target) as channel,
        ):
            assert await old.revision() == head_revision()
            token = await grpc_token(channel, NewAccount("acc_old", "cli_old", secret))
            metadata = (("authorization", f"Bearer {token}"),)
            created = await data_pb2_grpc.DataServiceStub(channel).CreateDataset(
                data_pb2.CreateDatasetRequest(name="after upgrade", type="eeg"),
                metadata=metadata,
            )
            devices = await device_control_pb2_grpc.DeviceControlStub(channel).ListDevices(
                device_control_pb2.ListDevicesRequest(), metadata=metadata
            )
        assert created.dataset_id.startswith("ds_")
        assert [d.type for d in devices.devices] == ["synthetic"]  # added by revision 0003
    finally:
        await old.close()


async def test_the_stack_runs_on_postgresql(tmp_path: Path, postgres_url: str):
    stack = await start_stack(tmp_path / "data", NEUROGATE_DATABASE_URL=postgres_url)
    try:
        account = await stack.accounts.create_account("pg", Tier.PRO)
        headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
        async with httpx.AsyncClient(base_url=stack.rest_url) as rest:
            uploaded = await rest.post(
                "/v1/data/upload", headers=headers, files={"file": ("pg.csv", b"a,b\n1,x\n2,y\n")}
            )
            assert uploaded.status_code == 200, uploaded.text
            listed = (await rest.get("/v1/datasets", headers=headers)).json()
        assert [d["dataset_id"] for d in listed["datasets"]] == [uploaded.json()["dataset_id"]]
    finally:
        await stop_stack(stack)


def access_lines(log: str) -> list[dict]:
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "neurogate.access"]


async def test_each_call_logs_one_json_line_without_secrets(stack: Stack):
    account = await stack.accounts.create_account("logged", Tier.PRO)
    token = await issue_token(stack.rest_url, account)
    async with httpx.AsyncClient(base_url=stack.rest_url) as rest:
        reply = await rest.get(
            "/v1/datasets/ds_nothing", headers={"authorization": f"Bearer {token}"}
        )
    request_id = reply.headers["x-request-id"]
    for _ in range(50):  # the line is written as the call ends, just after the reply
        matching = [
            line for line in access_lines(stack.server_log()) if line["request_id"] == request_id
        ]
        if matching:
            break
        await asyncio.sleep(0.02)
    assert len(matching) == 1
    line = matching[0]
    assert line["method"] == "DataService.GetDataset"
    assert line["account"] == account.account_id
    assert (line["status"], line["error_code"]) == ("NOT_FOUND", "INVALID_DATASET")
    assert line["latency_ms"] >= 0
    log = stack.server_log()
    assert account.client_secret not in log
    assert token not in log
    assert token.split(".")[2] not in log


async def test_sigterm_lets_in_flight_calls_finish_then_exits_0(tmp_path: Path):
    data = b"a,b,c\n" + b"1.25,2.5,3.75\n" * 1_500_000  # ~21 MB: parsing takes a while
    sent_all = asyncio.Event()

    async def stream() -> AsyncIterator[data_pb2.UploadDatasetRequest]:
        for offset in range(0, len(data), 1 << 20):
            message = data_pb2.UploadDatasetRequest(filename="drain.csv")
            message.http_body.data = data[offset : offset + (1 << 20)]
            yield message
        sent_all.set()

    async with server_process(tmp_path / "data") as server:
        account = await server.accounts.create_account("drain", Tier.PRO)
        async with grpc.aio.insecure_channel(server.settings.grpc_target) as channel:
            metadata = (("authorization", f"Bearer {await grpc_token(channel, account)}"),)
            stub = data_pb2_grpc.DataServiceStub(channel)
            upload = asyncio.ensure_future(stub.UploadDataset(stream(), metadata=metadata))
            await sent_all.wait()
            server.process.send_signal(signal.SIGTERM)
            reply = await upload
        exit_code = await asyncio.to_thread(server.process.wait, 30)
        log = server.log_path.read_text()
    assert reply.rows == 1_500_000
    assert exit_code == 0, log
    assert '"message": "draining"' in log
