"""The README's examples work exactly as written, against a running stack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import Stack
from neurogate.server.auth.tiers import Tier

README = Path(__file__).resolve().parents[2] / "README.md"
#: Where the README's shell examples call the API; the tests call the stack's Envoy.
README_API = "API=http://127.0.0.1:8080\n"


def code_block(heading: str, language: str) -> str:
    section = README.read_text().split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def json_documents(text: str) -> list:
    """The JSON documents printed one after another (curl adds no newline)."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        documents.append(document)
    return documents


async def readme_env(stack: Stack, tmp_path: Path) -> dict[str, str]:
    account = await stack.accounts.create_account("readme", Tier.PRO)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "NEUROGATE_CLIENT_ID": account.client_id,
        "NEUROGATE_CLIENT_SECRET": account.client_secret,
        "NEUROGATE_TARGET": stack.grpc_target,
    }


async def run_shell_example(
    stack: Stack, tmp_path: Path, script: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Runs a README shell example as a new user would, against the stack; it must succeed."""
    assert README_API in script
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(README_API, f"API={stack.rest_url}\n")],
        cwd=tmp_path,
        env=await readme_env(stack, tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result


def after_token(heading: str) -> str:
    """A section's shell example, preceded by the README's token request."""
    return code_block("REST with curl", "sh").split("# Upload")[0] + code_block(heading, "sh")


async def test_readme_curl_examples_work(stack: Stack, tmp_path: Path):
    script = code_block("REST with curl", "sh")
    result = await run_shell_example(stack, tmp_path, script, timeout=60)
    assert '"name":"Q1 sales","rows":2,"columns":3' in result.stdout
    assert '"total":1' in result.stdout
    assert '"code":"INVALID_DATASET"' in result.stdout


async def test_readme_live_data_examples_work(stack: Stack, tmp_path: Path):
    script = after_token("Live data with curl")
    result = await run_shell_example(stack, tmp_path, script, timeout=90)
    assert (tmp_path / "session.edf").read_bytes()[:8] == b"0       "  # an EDF header
    packets = [
        json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"device_id"')
    ]
    assert packets and packets[0]["channel_numbers"] == [1, 2]
    assert '"status":"stopped"' in result.stdout


async def test_readme_python_example_works(stack: Stack, tmp_path: Path):
    script = code_block("gRPC from Python", "python")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=await readme_env(stack, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first, second, third = result.stdout.splitlines()
    assert first.startswith("ds_") and "'rt_ms': 'numeric'" in first
    assert second.startswith("1 datasets;")
    assert third == "(50, 2)"


async def test_readme_analytics_examples_work(stack: Stack, tmp_path: Path):
    script = after_token("Statistics, analytics and models with curl")
    result = await run_shell_example(stack, tmp_path, script, timeout=120)
    described, tested, predicted, clustered = json_documents(result.stdout)
    assert described["results"]["rt_ms"]["count"] == 60
    assert set(described["results"]["rt_ms"]["percentiles"]) == {"5", "95"}
    assert (tested["test_type"], tested["reject_null"]) == ("two_sample_t", True)
    assert [g["name"] for g in tested["groups"]] == ["caffeine", "placebo"]
    assert len(predicted["predictions"]) == 1
    assert len(clustered["clusters"]) == 2


async def test_readme_control_chart_examples_work(stack: Stack, tmp_path: Path):
    script = after_token("Control charts and webhooks with curl")
    result = await run_shell_example(stack, tmp_path, script, timeout=120)

    [chart] = json_documents(result.stdout)
    assert (chart["chart_type"], chart["secondary"]["chart_type"]) == ("xbar_r", "r")
    beyond_limits = {v["point"] for v in chart["violations"] if v["rule"] == "nelson_1"}
    assert {28, 29, 30} <= beyond_limits
    assert chart["capability"]["cpk"] > 0
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
