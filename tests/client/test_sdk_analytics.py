"""``client.analysis``, ``analytics``, ``segmentation``, ``spc`` and
``processing``: typed results that agree with pandas/SciPy, and their
``to_pandas()`` tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import pytest_asyncio
from scipy import stats
from sdk_support import client_for, measurements, new_account

from conftest import Stack
from neurogate.client import Client, InvalidRequestError


@dataclass
class Workspace:
    client: Client
    frame: pd.DataFrame
    dataset_id: str
    ads_id: str


def advertising(n: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    tv, radio = rng.uniform(0, 150, n), rng.uniform(0, 50, n)
    sales = 100 + 3 * tv - 0.02 * tv**2 + 2 * radio - 0.05 * radio**2 + rng.normal(0, 1.0, n)
    day = pd.date_range("2025-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame({"day": day, "tv": tv, "radio": radio, "sales": sales})


@pytest_asyncio.fixture(scope="module")
async def workspace(stack: Stack) -> AsyncIterator[Workspace]:
    """One account and two datasets for the module's read-only computations."""
    frame = measurements(60)
    with client_for(stack.grpc_target, await new_account(stack)) as client:
        dataset = client.data.upload(frame, name="measurements")
        ads = client.data.upload(advertising(), name="ads")
        yield Workspace(client, frame, dataset.id, ads.id)


def test_descriptive_statistics_match_pandas(workspace: Workspace):
    result = workspace.client.analysis.descriptive(
        dataset_id=workspace.dataset_id, columns=["value"], percentiles=[10, 90]
    )
    value = workspace.frame["value"]
    column = result.columns["value"]
    assert column["mean"] == pytest.approx(value.mean())
    assert column["std"] == pytest.approx(value.std(ddof=1))
    assert column["percentiles"]["90"] == pytest.approx(value.quantile(0.9))
    table = result.to_pandas()
    assert table.loc["value", "p10"] == pytest.approx(value.quantile(0.1))


def test_the_t_test_alias_runs_welchs_two_sample_test_with_a_group_column(workspace: Workspace):
    result = workspace.client.analysis.hypothesis_test(
        dataset_id=workspace.dataset_id, column="value", group_column="group"
    )
    frame = workspace.frame
    a = frame.loc[frame.group == "a", "value"]
    b = frame.loc[frame.group == "b", "value"]
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert result.test_type == "two_sample_t"
    assert abs(result.statistic) == pytest.approx(abs(expected.statistic))
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.reject_null == bool(expected.pvalue < 0.05)
    assert sorted(result.to_pandas()["n"]) == [30, 30]


def test_an_unknown_test_is_refused_with_the_valid_choices(workspace: Workspace):
    with pytest.raises(InvalidRequestError) as raised:
        workspace.client.analysis.hypothesis_test(
            dataset_id=workspace.dataset_id, test="astrology", column="value"
        )
    assert "two_sample_t" in raised.value.details["valid_choices"]


def test_analytics_descriptive_groups_by_category(workspace: Workspace):
    result = workspace.client.analytics.descriptive(
        dataset_id=workspace.dataset_id, column="value", group_by="group"
    )
    table = result.to_pandas()
    means = workspace.frame.groupby("group")["value"].mean()
    assert table.loc["a", "mean"] == pytest.approx(means["a"])
    assert result.summary["count"] == 60
    assert result.rows_matched == 60


def test_analytics_diagnostic_correlations_match_scipy(workspace: Workspace):
    result = workspace.client.analytics.diagnostic(
        dataset_id=workspace.ads_id, target_metric="sales", potential_factors=["tv", "radio"]
    )
    ads = advertising()
    table = result.to_pandas().set_index("factor")
    assert table.loc["tv", "correlation"] == pytest.approx(stats.pearsonr(ads.tv, ads.sales)[0])


def test_analytics_prescriptive_respects_the_budget(workspace: Workspace):
    result = workspace.client.analytics.prescriptive(
        dataset_id=workspace.ads_id,
        objective="sales",
        variables=["tv", "radio"],
        constraints={"budget": 60},
    )
    chosen = result.optimal_solution["variables"]
    assert chosen["tv"] + chosen["radio"] == pytest.approx(60, abs=1e-6)
    assert set(result.to_pandas()["variable"]) == {"tv", "radio"}


def test_analytics_predictive_forecasts_the_horizon(workspace: Workspace):
    result = workspace.client.analytics.predictive(
        dataset_id=workspace.ads_id, target="sales", date_column="day", horizon=5, interval="day"
    )
    table = result.to_pandas()
    assert len(table) == 5
    assert (table["lower"] <= table["value"]).all() and (table["value"] <= table["upper"]).all()
    assert result.model_id


def test_kmeans_clusters_cover_every_row(workspace: Workspace):
    result = workspace.client.segmentation.cluster(
        dataset_id=workspace.ads_id, features=["tv", "radio"], k=3
    )
    table = result.to_pandas()
    assert len(table) == 3
    assert table["size"].sum() == result.rows_used == 150
    assert {"tv", "radio"} <= set(table.columns)


def test_a_control_chart_with_limits_points_and_a_rendered_image(
    workspace: Workspace, tmp_path: Path
):
    chart = workspace.client.spc.control_chart(
        dataset_id=workspace.dataset_id,
        column="value",
        chart_type="i_mr",
        spec_limits={"lsl": 5, "usl": 20},
        render="png",
    )
    value = workspace.frame["value"]
    assert chart.center_line == pytest.approx(value.mean())
    assert chart.lcl < chart.center_line < chart.ucl
    table = chart.to_pandas()
    assert len(table) == 60
    assert table.index[0] == 1
    assert chart.capability["cp"] > 0
    written = chart.save_image(tmp_path / "chart.png")
    assert written.read_bytes().startswith(b"\x89PNG")


def test_the_control_chart_image_alone_is_svg_when_asked(workspace: Workspace):
    image = workspace.client.spc.control_chart_image(
        dataset_id=workspace.dataset_id, column="value", chart_type="i_mr", format="svg"
    )
    assert b"<svg" in image[:500]


def test_an_unrendered_chart_has_no_image_to_save(workspace: Workspace, tmp_path: Path):
    chart = workspace.client.spc.control_chart(
        dataset_id=workspace.dataset_id, column="value", chart_type="i_mr"
    )
    with pytest.raises(ValueError, match="render"):
        chart.save_image(tmp_path / "none.png")


def test_a_bandpass_filter_keeps_the_passband_and_removes_the_rest(workspace: Workspace):
    rate = 250.0
    t = np.arange(0, 4, 1 / rate)
    slow, fast = np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 60 * t)
    filtered = workspace.client.processing.filter(
        [slow + fast, slow], rate, [{"type": "bandpass", "low": 5, "high": 20}]
    )
    assert filtered.data.shape == (2, len(t))
    middle = slice(250, -250)
    assert np.abs(filtered.data[0][middle] - slow[middle]).max() < 0.05
    assert filtered.mode == "zero_phase"


def test_band_power_of_an_alpha_wave_peaks_in_alpha(workspace: Workspace):
    rate = 250.0
    t = np.arange(0, 4, 1 / rate)
    powers = workspace.client.processing.band_power([np.sin(2 * np.pi * 10 * t)], rate)
    relative = powers.to_pandas("relative")
    assert relative.loc[1].idxmax() == "alpha"
    assert relative.loc[1].sum() == pytest.approx(1.0)


def test_a_signal_that_is_not_two_dimensional_is_refused_before_sending(workspace: Workspace):
    with pytest.raises(ValueError, match="2-D"):
        workspace.client.processing.filter([1.0, 2.0], 250, [{"type": "detrend"}])
