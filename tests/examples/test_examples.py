"""Every script in examples/ runs as a user would run it: a subprocess
against the real server, its connection in NEUROGATE_TARGET and
NEUROGATE_API_KEY, with what it prints checked against an independent
computation (SciPy, pandas) or the files it writes."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pandas as pd
import pytest
from scipy import stats

from conftest import Stack
from neurogate.server.auth.tiers import Tier

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: The scopes the examples use, and nothing more.
SCOPES = [
    "data.read",
    "data.write",
    "analytics.read",
    "models.read",
    "models.write",
    "devices.read",
    "devices.write",
    "streams.read",
    "sessions.read",
    "sessions.write",
]


def example(name: str) -> ModuleType:
    """An example script as a module, to reuse the data it generates."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def api_key(stack: Stack, rest: httpx.AsyncClient) -> str:
    account = await stack.accounts.create_account("examples", Tier.PRO)
    reply = await rest.post(
        "/v1/auth/apikey",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "scope": SCOPES,
            "name": "examples",
        },
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["api_key"]


async def streaming(rest: httpx.AsyncClient, key: str) -> bool:
    """Whether the account's synthetic board streams (examples leave it as found)."""
    headers = {"authorization": f"Bearer {key}"}
    [device] = (await rest.get("/v1/devices", headers=headers)).json()["devices"]
    status = await rest.get(f"/v1/devices/{device['device_id']}/status", headers=headers)
    return status.json()["streaming"]


async def run_example(
    stack: Stack, rest: httpx.AsyncClient, cwd: Path, name: str, *args: str
) -> tuple[str, str]:
    """Runs examples/<name>.py; it must succeed. Its stdout and the key it used."""
    key = await api_key(stack, rest)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGATE_")}
    env.update(NEUROGATE_TARGET=stack.grpc_target, NEUROGATE_API_KEY=key, MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, key


async def test_t_test_example_prints_scipys_welch_test(
    stack: Stack, rest: httpx.AsyncClient, tmp_path: Path
):
    out, _ = await run_example(stack, rest, tmp_path, "t_test")

    example("t_test").write_trials(tmp_path / "trials.csv")
    trials = pd.read_csv(tmp_path / "trials.csv")
    expected = stats.ttest_ind(
        trials.rt_ms[trials.condition == "caffeine"],
        trials.rt_ms[trials.condition == "placebo"],
        equal_var=False,
    )
    printed = re.search(r"statistic=(\S+) p_value=(\S+) df=(\S+)", out)
    assert float(printed[1]) == pytest.approx(expected.statistic, abs=1e-4)
    assert float(printed[2]) == pytest.approx(expected.pvalue, abs=1e-6)
    assert "reject the null hypothesis" in out


async def test_train_model_example_classifies_two_flowers(
    stack: Stack, rest: httpx.AsyncClient, tmp_path: Path
):
    out, key = await run_example(stack, rest, tmp_path, "train_model")

    assert re.search(r"model mdl_\w+ \(classification\)", out)
    accuracy = float(re.search(r"'accuracy': ([0-9.]+)", out)[1])
    assert accuracy >= 0.8
    assert "[5.1, 3.5, 1.4, 0.2] -> setosa" in out
    assert "[6.7, 3.0, 5.2, 2.3] -> virginica" in out
    # It cleans up after itself: only the two ready models remain.
    listed = await rest.get("/v1/models", headers={"authorization": f"Bearer {key}"})
    assert [m["model_id"] for m in listed.json()["models"]] == [
        "builtin_mindfulness",
        "builtin_restfulness",
    ]


async def test_control_chart_example_flags_the_drift_and_writes_the_picture(
    stack: Stack, rest: httpx.AsyncClient, tmp_path: Path
):
    out, _ = await run_example(stack, rest, tmp_path, "control_chart", "--png", "chart.png")

    means = example("control_chart").weights().groupby("batch").weight.mean()
    center = float(re.search(r"center (\S+)", out)[1])
    assert center == pytest.approx(means.iloc[:25].mean(), abs=1e-3)
    beyond_limits = re.findall(r"batch (\d+): \S+ \(nelson_1\)", out)
    assert beyond_limits == ["28", "29", "30"]
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_live_alpha_power_example_plots_headless_and_stops_the_stream_it_started(
    stack: Stack, rest: httpx.AsyncClient, tmp_path: Path
):
    out, key = await run_example(
        stack, rest, tmp_path, "live_alpha_power", "--seconds", "4", "--png", "alpha.png"
    )

    updates = [line for line in out.splitlines() if line.startswith("t=")]
    assert updates
    powers = re.findall(r"ch(\d)=([0-9.]+)", updates[-1])
    assert [channel for channel, _ in powers] == ["1", "2", "3", "4"]
    assert any(float(power) > 0 for _, power in powers)
    assert (tmp_path / "alpha.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not await streaming(rest, key)


async def test_record_and_export_example_writes_edf_with_its_markers(
    stack: Stack, rest: httpx.AsyncClient, tmp_path: Path
):
    out, key = await run_example(
        stack, rest, tmp_path, "record_and_export", "--seconds", "3", "--output", "rec.edf"
    )

    assert re.search(r"wrote rec\.edf: 16 channels at 250 Hz, \d+ samples", out)
    annotations = re.findall(r"annotation at [0-9.]+ s: (\w+)", out)
    assert annotations == ["eyes_open", "eyes_closed"]
    assert (tmp_path / "rec.edf").read_bytes()[:8] == b"0       "
    assert not await streaming(rest, key)
