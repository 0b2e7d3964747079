"""SPC.ControlChart over REST through Envoy and over gRPC: the variables
charts of the classic reference data (piston rings, viscosity) reproduce the
published qcc/Montgomery limits and the limits NumPy gives directly from the
textbook formulas; capability beside SciPy's Shapiro-Wilk; and every refusal
in the documented envelope."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from scipy import stats

from conftest import Caller, NewCaller, Stack, assert_envelope, upload_frame
from neurogate.server.spc import constants
from neurogate.v1 import spc_pb2, spc_pb2_grpc

DATA = Path(__file__).parents[1] / "data" / "spc"


@pytest.fixture(scope="module")
def pistonrings() -> pd.DataFrame:
    return pd.read_csv(DATA / "pistonrings.csv")


@pytest.fixture(scope="module")
def viscosity() -> pd.DataFrame:
    return pd.read_csv(DATA / "viscosity.csv")


async def rest_chart(rest: httpx.AsyncClient, caller: Caller, **fields) -> dict:
    reply = await rest.post("/v1/spc/control-chart", headers=caller.headers, json=fields)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def grpc_chart(stack: Stack, caller: Caller, **fields) -> dict:
    stub = spc_pb2_grpc.SPCStub(stack.channel())
    reply = await stub.ControlChart(spc_pb2.ControlChartRequest(**fields), metadata=caller.metadata)
    return MessageToDict(
        reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


async def grpc_refusal(stack: Stack, caller: Caller, **fields) -> tuple[grpc.StatusCode, dict]:
    stub = spc_pb2_grpc.SPCStub(stack.channel())
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.ControlChart(spc_pb2.ControlChartRequest(**fields), metadata=caller.metadata)
    error = json.loads(dict(raised.value.trailing_metadata())["x-neurogate-error"])["error"]
    return raised.value.code(), error


def limits(panel: dict) -> list[float]:
    return [panel["center_line"], panel["lcl"], panel["ucl"]]


async def test_xbar_r_phase_one_over_rest_reproduces_qcc(
    new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")
    matrix = pistonrings["diameter"].to_numpy().reshape(40, 5)
    grand, r_bar = matrix[:25].mean(), np.ptp(matrix[:25], axis=1).mean()

    chart = await rest_chart(
        rest,
        caller,
        dataset_id=dataset_id,
        column="diameter",
        chart_type="xbar_r",
        subgroup_column="sample",
        phase_one_subgroups=25,
    )

    assert chart["chart_type"] == "xbar_r"
    assert chart["chart_id"].startswith("chart_")
    # qcc(diameter[1:25, ], type = "xbar", newdata = diameter[26:40, ]), to 4 decimals.
    assert np.round(limits(chart), 4).tolist() == [74.0012, 73.9880, 74.0143]
    assert limits(chart) == pytest.approx(
        [grand, grand - constants.A2(5) * r_bar, grand + constants.A2(5) * r_bar], rel=1e-12
    )
    assert chart["sigma"] == pytest.approx(r_bar / constants.d2(5), rel=1e-12)
    assert [p["value"] for p in chart["points"]] == pytest.approx(matrix.mean(axis=1), rel=1e-12)
    assert [p["subgroup"] for p in chart["points"]] == list(range(1, 41))
    secondary = chart["secondary"]
    assert secondary["chart_type"] == "r"
    assert limits(secondary) == pytest.approx([r_bar, 0.0, constants.D4(5) * r_bar], rel=1e-12)
    assert [p["value"] for p in secondary["points"]] == pytest.approx(np.ptp(matrix, axis=1))
    assert [(v["point"], v["rule"]) for v in chart["violations"]] == [
        (37, "nelson_1"),
        (38, "nelson_1"),
        (39, "nelson_1"),
    ]
    assert [p["subgroup"] for p in chart["points"] if p["out_of_control"]] == [37, 38, 39]
    assert "capability" not in chart or not chart["capability"]


async def test_xbar_s_with_capability_over_grpc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")
    base = pistonrings["diameter"].to_numpy()[:125]
    matrix = base.reshape(25, 5)
    s_bar, grand = matrix.std(axis=1, ddof=1).mean(), base.mean()
    sigma = s_bar / constants.c4(5)

    chart = await grpc_chart(
        stack,
        caller,
        dataset_id=dataset_id,
        column="diameter",
        chart_type="xbar_s",
        subgroup_size=5,
        phase_one_subgroups=25,
        spec_limits=spc_pb2.SpecLimits(lsl=73.95, usl=74.05),
    )

    assert limits(chart) == pytest.approx(
        [grand, grand - constants.A3(5) * s_bar, grand + constants.A3(5) * s_bar], rel=1e-12
    )
    # qcc(diameter[1:25, ], type = "S"): centre 0.009240037, UCL 0.01930242.
    assert limits(chart["secondary"]) == pytest.approx([0.009240037, 0.0, 0.01930242], abs=5e-9)
    capability = chart["capability"]
    assert capability["cp"] == pytest.approx(0.1 / (6 * sigma), rel=1e-12)
    assert capability["cpk"] == pytest.approx((74.05 - grand) / (3 * sigma), rel=1e-12)
    assert capability["pp"] == pytest.approx(0.1 / (6 * base.std(ddof=1)), rel=1e-12)
    assert capability["cpm"] == pytest.approx(
        0.1 / (6 * np.sqrt(sigma**2 + (grand - 74.0) ** 2)), rel=1e-12
    )
    expected_ppm = 1e6 * (stats.norm.cdf(73.95, grand, sigma) + stats.norm.sf(74.05, grand, sigma))
    assert capability["ppm_total"] == pytest.approx(expected_ppm, rel=1e-9)
    shapiro = stats.shapiro(base)
    assert capability["normality_test"] == "shapiro_wilk"
    assert capability["normality_statistic"] == pytest.approx(shapiro.statistic, rel=1e-12)
    assert capability["normality_p_value"] == pytest.approx(shapiro.pvalue, rel=1e-12)


async def test_i_mr_on_viscosity_is_the_same_over_rest_and_grpc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, viscosity: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, viscosity, "viscosity")
    values = viscosity["viscosity"].to_numpy()
    mr_bar = np.abs(np.diff(values[:20])).mean()
    request = {
        "dataset_id": dataset_id,
        "column": "viscosity",
        "chart_type": "i_mr",
        "phase_one_subgroups": 20,
        "spec_limits": {"usl": 36.0},
    }

    over_rest = await rest_chart(rest, caller, **request)
    over_grpc = await grpc_chart(
        stack, caller, **{**request, "spec_limits": spc_pb2.SpecLimits(usl=36.0)}
    )

    # Montgomery's viscosity example: centre 34.088, MR-bar 0.5726.
    assert np.round(limits(over_rest), 4).tolist() == [34.088, 32.5656, 35.6104]
    assert limits(over_rest) == pytest.approx(
        [
            values[:20].mean(),
            values[:20].mean() - 3 * mr_bar / constants.d2(2),
            values[:20].mean() + 3 * mr_bar / constants.d2(2),
        ],
        rel=1e-12,
    )
    assert limits(over_rest["secondary"]) == pytest.approx(
        [mr_bar, 0.0, constants.D4(2) * mr_bar], rel=1e-12
    )
    assert over_rest["secondary"]["points"][0]["subgroup"] == 2
    assert [v["point"] for v in over_rest["violations"]] == [4]
    capability = over_rest["capability"]
    assert "cp" not in capability and "cpl" not in capability
    assert capability["cpu"] == pytest.approx(
        (36.0 - values[:20].mean()) / (3 * mr_bar / constants.d2(2)), rel=1e-12
    )
    over_rest.pop("chart_id")
    over_grpc.pop("chart_id")
    assert over_rest == over_grpc


async def test_omit_points_keeps_limits_violations_and_capability(
    new_caller: NewCaller, rest: httpx.AsyncClient, viscosity: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, viscosity, "viscosity")
    request = {
        "dataset_id": dataset_id,
        "column": "viscosity",
        "chart_type": "i_mr",
        "phase_one_subgroups": 20,
        "spec_limits": {"usl": 36.0},
    }

    full = await rest_chart(rest, caller, **request)
    summary = await rest_chart(rest, caller, **request, omit_points=True)

    assert summary["points"] == [] and summary["secondary"]["points"] == []
    assert len(full["points"]) == len(viscosity)
    assert len(full["secondary"]["points"]) == len(viscosity) - 1
    for chart in (full, summary):
        chart.pop("chart_id")
        chart.pop("points")
        chart["secondary"].pop("points")
    assert summary == full


@pytest.mark.parametrize(
    ("fields", "status", "code", "parameter"),
    [
        ({"chart_type": "xbar_r", "subgroup_size": 1}, 400, "INVALID_PARAMETER", "subgroup_size"),
        (
            {"chart_type": "i_mr", "spec_limits": {"lsl": 74.05, "usl": 73.95}},
            400,
            "INVALID_PARAMETER",
            "spec_limits.lsl",
        ),
        ({"chart_type": "i_mr", "column": "trial"}, 400, "INVALID_PARAMETER", "column"),
        (
            {"chart_type": "xbar_r", "subgroup_size": 5, "phase_one_subgroups": 1},
            400,
            "INSUFFICIENT_DATA",
            "phase_one_subgroups",
        ),
        ({"chart_type": "run_chart"}, 400, "INVALID_PARAMETER", "chart_type"),
        ({"chart_type": "i_mr", "render": "gif"}, 400, "INVALID_PARAMETER", "render"),
        ({"chart_type": "p_chart", "sample_size": 2}, 400, "INVALID_PARAMETER", None),
        (
            {"chart_type": "i_mr", "dataset_id": "ds_000000000000000000000000"},
            404,
            "INVALID_DATASET",
            "dataset_id",
        ),
    ],
)
async def test_refusals_over_rest_are_in_the_envelope(
    new_caller: NewCaller,
    rest: httpx.AsyncClient,
    pistonrings: pd.DataFrame,
    fields: dict,
    status: int,
    code: str,
    parameter: str | None,
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")

    reply = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={"dataset_id": dataset_id, "column": "diameter", **fields},
    )

    error = assert_envelope(reply, status, code)
    if parameter is not None:
        assert error["details"]["parameter"] == parameter


async def test_refusals_over_grpc_carry_the_envelope(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")

    status, error = await grpc_refusal(
        stack, caller, dataset_id=dataset_id, column="trial", chart_type="i_mr"
    )
    few_status, few = await grpc_refusal(
        stack,
        caller,
        dataset_id=dataset_id,
        column="diameter",
        chart_type="xbar_s",
        subgroup_size=5,
        phase_one_subgroups=1,
    )

    assert status is grpc.StatusCode.INVALID_ARGUMENT
    assert error["code"] == "INVALID_PARAMETER"
    assert error["details"]["valid_choices"] == ["sample", "obs", "diameter"]
    assert few_status is grpc.StatusCode.FAILED_PRECONDITION
    assert few["code"] == "INSUFFICIENT_DATA"


async def test_cusum_and_ewma_options_pass_through_rest_and_grpc(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")
    expected = pd.read_csv(DATA / "pistonrings_expected_stats.csv")
    matrix = pistonrings["diameter"].to_numpy().reshape(40, 5)
    center = matrix[:25].mean()
    se = np.ptp(matrix[:25], axis=1).mean() / constants.d2(5) / np.sqrt(5)
    upper, up = [], 0.0
    for z in (matrix.mean(axis=1) - center) / se:
        up = max(0.0, up + z - 0.5)
        upper.append(up)
    common = {
        "dataset_id": dataset_id,
        "column": "diameter",
        "subgroup_size": 5,
        "phase_one_subgroups": 25,
    }

    ewma = await rest_chart(
        rest, caller, chart_type="ewma", ewma={"lambda": 0.2, "nsigmas": 3}, **common
    )
    cusum = await grpc_chart(
        stack, caller, chart_type="cusum", cusum=spc_pb2.CusumOptions(k=0.5, h=5), **common
    )

    # The reference statistics: qcc's ewma(lambda = 0.2, nsigmas = 3).
    assert [p["value"] for p in ewma["points"]] == pytest.approx(expected["ewma"], abs=1e-6)
    assert [p["ucl"] for p in ewma["points"]] == pytest.approx(expected["ewma_ucl"], abs=1e-6)
    assert [p["upper"] for p in cusum["points"]] == pytest.approx(upper, rel=1e-9, abs=1e-12)
    assert (cusum["lcl"], cusum["ucl"]) == (-5.0, 5.0)
    assert [(v["point"], v["rule"]) for v in cusum["violations"]] == [
        (37, "cusum"),
        (38, "cusum"),
        (39, "cusum"),
        (40, "cusum"),
    ]


async def test_p_chart_over_rest_reproduces_the_orange_juice_limits(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    juice = pd.read_csv(DATA / "orangejuice.csv")
    dataset_id = await upload_frame(rest, caller, juice, "orangejuice")
    p_bar = juice["D"][:30].sum() / juice["size"][:30].sum()
    spread = 3 * np.sqrt(p_bar * (1 - p_bar) / 50)

    chart = await rest_chart(
        rest,
        caller,
        dataset_id=dataset_id,
        column="D",
        chart_type="p_chart",
        sample_size_column="size",
        phase_one_subgroups=30,
    )

    # qcc(D[trial], sizes = size[trial], type = "p"): 0.2313333, 0.05242755, 0.4102391.
    assert np.round(limits(chart), 4).tolist() == [0.2313, 0.0524, 0.4102]
    assert limits(chart) == pytest.approx([p_bar, p_bar - spread, p_bar + spread], rel=1e-12)
    assert "secondary" not in chart or not chart["secondary"]
    assert [v["point"] for v in chart["violations"] if v["rule"] == "nelson_1"][:2] == [15, 23]


async def test_counts_above_their_sample_sizes_are_refused(
    new_caller: NewCaller, rest: httpx.AsyncClient
):
    caller = await new_caller()
    frame = pd.DataFrame({"defective": [3, 7, 2, 4], "inspected": [5, 5, 5, 5]})
    dataset_id = await upload_frame(rest, caller, frame, "counts")

    reply = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={
            "dataset_id": dataset_id,
            "column": "defective",
            "chart_type": "p_chart",
            "sample_size_column": "inspected",
        },
    )

    assert_envelope(reply, 400, "INVALID_PARAMETER")


# ---------------------------------------------------------------- pictures


async def test_a_chart_comes_back_as_a_picture_rest_serves_with_its_content_type(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")
    fields = {"dataset_id": dataset_id, "column": "diameter", "chart_type": "xbar_r"}
    query = {**fields, "subgroup_size": 5, "phase_one_subgroups": 25}

    png = await rest.get("/v1/spc/control-chart/image", headers=caller.headers, params=query)
    svg = await rest.post(
        "/v1/spc/control-chart/image", headers=caller.headers, json={**query, "render": "svg"}
    )
    in_json = await rest_chart(rest, caller, **query, render="png")
    over_grpc = await spc_pb2_grpc.SPCStub(stack.channel()).ControlChartImage(
        spc_pb2.ControlChartRequest(**query), metadata=caller.metadata
    )

    assert (png.status_code, png.headers["content-type"]) == (200, "image/png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert (svg.status_code, svg.headers["content-type"]) == (200, "image/svg+xml")
    assert b"<svg" in svg.content and b"xbar_r chart of diameter" in svg.content
    assert in_json["image_content_type"] == "image/png"
    assert base64.b64decode(in_json["image"]).startswith(b"\x89PNG")
    assert (over_grpc.content_type, over_grpc.data[:4]) == ("image/png", b"\x89PNG")


async def test_a_picture_of_a_bad_request_is_refused_in_the_envelope(
    new_caller: NewCaller, rest: httpx.AsyncClient, viscosity: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, viscosity, "viscosity")
    fields = {"dataset_id": dataset_id, "column": "viscosity", "chart_type": "i_mr"}

    unknown_format = await rest.post(
        "/v1/spc/control-chart/image", headers=caller.headers, json={**fields, "render": "gif"}
    )
    bad_chart = await rest.get(
        "/v1/spc/control-chart/image",
        headers=caller.headers,
        params={**fields, "chart_type": "pie"},
    )

    refused = assert_envelope(unknown_format, 400, "INVALID_PARAMETER")
    assert refused["details"]["valid_choices"] == ["png", "svg"]
    assert assert_envelope(bad_chart, 400, "INVALID_PARAMETER")["details"]["parameter"] == (
        "chart_type"
    )


async def test_a_baseline_marked_by_a_column_over_rest_matches_counted_subgroups(
    new_caller: NewCaller, rest: httpx.AsyncClient, pistonrings: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, pistonrings, "pistonrings")
    fields = {"dataset_id": dataset_id, "column": "diameter", "chart_type": "xbar_r"}

    marked = await rest_chart(rest, caller, **fields, subgroup_size=5, phase_one_column="trial")
    counted = await rest_chart(rest, caller, **fields, subgroup_size=5, phase_one_subgroups=25)
    partly = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={**fields, "subgroup_size": 4, "phase_one_column": "trial"},
    )

    assert limits(marked) == limits(counted)
    assert np.round(limits(marked), 4).tolist() == [74.0012, 73.9880, 74.0143]
    refused = assert_envelope(partly, 400, "INVALID_PARAMETER")
    assert refused["details"]["parameter"] == "phase_one_column"


async def test_known_process_values_over_rest_and_grpc_set_the_limits(
    stack: Stack, new_caller: NewCaller, rest: httpx.AsyncClient, viscosity: pd.DataFrame
):
    caller = await new_caller()
    dataset_id = await upload_frame(rest, caller, viscosity, "viscosity")
    fields = {"dataset_id": dataset_id, "column": "viscosity", "chart_type": "i_mr"}

    over_rest = await rest_chart(rest, caller, **fields, known={"center": 34.0, "sigma": 0.5})
    over_grpc = await grpc_chart(
        stack, caller, **fields, known=spc_pb2.KnownProcess(center=34.0, sigma=0.5)
    )
    refused = await rest.post(
        "/v1/spc/control-chart",
        headers=caller.headers,
        json={**fields, "known": {"sigma": 0}},
    )

    assert limits(over_rest) == pytest.approx([34.0, 32.5, 35.5])
    assert limits(over_grpc) == limits(over_rest)
    assert assert_envelope(refused, 400, "INVALID_PARAMETER")["details"]["parameter"] == (
        "known.sigma"
    )
