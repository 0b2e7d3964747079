"""``neurogate analyze`` and ``neurogate spc chart``: the server's numbers
reach the user unchanged (checked against pandas and SciPy), and so do its
refusals."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from cli_support import Cli, account_cli
from scipy import stats

from conftest import Stack


def upload(cli: Cli, frame: pd.DataFrame, name: str) -> str:
    frame.to_csv(cli.cwd / f"{name}.csv", index=False)
    return cli.json("datasets", "upload", f"{name}.csv")["id"]


def trials() -> pd.DataFrame:
    rng = random.Random(1)
    return pd.DataFrame(
        {
            "condition": ["caffeine" if i % 2 else "placebo" for i in range(40)],
            "rt_ms": [rng.gauss(360 if i % 2 else 400, 25) for i in range(40)],
        }
    )


async def test_describe_and_welch_t_test_give_pandas_and_scipy_numbers(
    stack: Stack, tmp_path: Path
):
    cli = await account_cli(stack, tmp_path)
    frame = trials()
    dataset = upload(cli, frame, "trials")

    described = cli.json("analyze", "describe", dataset, "--column", "rt_ms")
    rt = described["columns"]["rt_ms"]
    assert rt["mean"] == pytest.approx(frame.rt_ms.mean())
    assert rt["std"] == pytest.approx(frame.rt_ms.std(ddof=1))

    tested = cli.json(
        "analyze", "test", dataset, "--test", "two_sample_t", "--column", "rt_ms",
        "--group-column", "condition",
    )  # fmt: skip
    groups = [frame.rt_ms[frame.condition == name] for name in ("caffeine", "placebo")]
    expected = stats.ttest_ind(*groups, equal_var=False)
    assert tested["statistic"] == pytest.approx(expected.statistic)
    assert tested["p_value"] == pytest.approx(expected.pvalue)
    assert tested["reject_null"] is True

    text = cli.run(
        "analyze", "test", dataset, "--test", "two_sample_t", "--column", "rt_ms",
        "--group-column", "condition",
    ).stdout  # fmt: skip
    assert "reject the null hypothesis" in text


async def test_a_test_on_an_unknown_column_exits_1_naming_the_column(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    dataset = upload(cli, trials(), "trials")

    error = cli.json_error(
        "analyze", "test", dataset, "--test", "two_sample_t", "--column", "nope",
        "--group-column", "condition",
    )  # fmt: skip

    assert error["code"] == "INVALID_PARAMETER"
    assert error["details"]["parameter"] == "column"
    assert error["details"]["value"] == "nope"


async def test_spc_chart_flags_the_drifting_batches_and_draws_png_and_svg(
    stack: Stack, tmp_path: Path
):
    cli = await account_cli(stack, tmp_path)
    rng = random.Random(7)
    weights = pd.DataFrame(
        [
            {"batch": batch, "weight": rng.gauss(500 + (3.0 if batch > 27 else 0.0), 0.5)}
            for batch in range(1, 31)
            for _ in range(5)
        ]
    )
    dataset = upload(cli, weights, "weights")

    chart = cli.json(
        "spc", "chart", dataset, "--column", "weight", "--chart-type", "xbar_r",
        "--subgroup-column", "batch", "--phase-one", "25", "--lsl", "498", "--usl", "502",
        "--png", "chart.png", "--svg", "chart.svg",
    )  # fmt: skip

    means = weights.groupby("batch").weight.mean()
    assert chart["center_line"] == pytest.approx(means.iloc[:25].mean())
    assert {v["point"] for v in chart["violations"] if v["rule"] == "nelson_1"} == {28, 29, 30}
    assert chart["capability"]["cp"] > 0
    assert chart["image"] is None
    assert chart["images"] == ["chart.png", "chart.svg"]
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "chart.svg").read_bytes()[:1000]


async def test_spc_chart_of_a_text_column_is_refused(stack: Stack, tmp_path: Path):
    cli = await account_cli(stack, tmp_path)
    dataset = upload(cli, trials(), "trials")

    result = cli.fails(
        "spc", "chart", dataset, "--column", "condition", "--chart-type", "i_mr",
        "--png", "chart.png",
    )  # fmt: skip

    assert result.stderr.startswith("Error: INVALID_PARAMETER")
    assert not (tmp_path / "chart.png").exists()
