"""SPC: control charts on a dataset's column (docs/spc.md).

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`), computes the chart with :mod:`neurogate.server.spc` and
builds the response there (a chart of a million measurements has a million
points to convert). ``omit_points`` leaves the points out: the limits,
violations and capability of a long series whose values the caller holds.
Proto zeros mean "absent": a ``subgroup_size`` or ``phase_one_subgroups`` of
0 is not given, and the ``optional`` fields of ``spec_limits``, ``cusum`` and
``ewma`` are read with their presence. Each chart gets a new ``chart_id``.

``render`` adds the chart as a picture (:mod:`neurogate.server.spc.rendering`)
to the JSON answer; ``ControlChartImage`` answers with the picture alone, as
``google.api.HttpBody``, so REST serves it with its content type.

Every chart publishes ``analysis.complete`` to the account's webhooks, and a
chart with violations also ``spc.out_of_control``; their ``alerts`` list the
first :data:`MAX_ALERTS` violations (``alerts_total`` counts them all).
"""

from __future__ import annotations

import math
from typing import Any

import grpc
from google.api import httpbody_pb2

from neurogate.server.analytics.tables import TableRef, open_table, table_ref
from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.ids import new_id
from neurogate.server.spc import wire
from neurogate.server.spc.chart import Capability, ChartResult, ChartSpec, SpecLimits
from neurogate.server.spc.charts import control_chart
from neurogate.server.spc.rendering import FORMATS, check_format, render
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.events import (
    ANALYSIS_COMPLETE,
    SPC_OUT_OF_CONTROL,
    analysis_data,
)
from neurogate.v1 import spc_pb2, spc_pb2_grpc

#: Violations a webhook event lists; a chart of a million points may have thousands.
MAX_ALERTS = 100


def _present(message, name: str) -> float | None:
    return getattr(message, name) if message.HasField(name) else None


def chart_spec(request: spc_pb2.ControlChartRequest) -> ChartSpec:
    """The request as a :class:`ChartSpec`, proto zeros turned into None."""
    limits = None
    if request.HasField("spec_limits"):
        given = request.spec_limits
        limits = SpecLimits(
            lsl=_present(given, "lsl"),
            usl=_present(given, "usl"),
            target=_present(given, "target"),
        )
    return ChartSpec(
        chart_type=request.chart_type,
        column=request.column,
        subgroup_size=request.subgroup_size or None,
        subgroup_column=request.subgroup_column or None,
        sample_size=request.sample_size or None,
        sample_size_column=request.sample_size_column or None,
        phase_one_subgroups=request.phase_one_subgroups or None,
        phase_one_column=request.phase_one_column or None,
        known_center=_present(request.known, "center"),
        known_sigma=_present(request.known, "sigma"),
        spec_limits=limits,
        rules=tuple(request.rules),
        cusum_k=_present(request.cusum, "k"),
        cusum_h=_present(request.cusum, "h"),
        ewma_lambda=_present(request.ewma, "lambda"),
        ewma_nsigmas=_present(request.ewma, "nsigmas"),
    )


def _finite(value: float | None) -> float | None:
    """A value for an ``optional`` field: absent rather than NaN or infinite."""
    return value if value is not None and math.isfinite(value) else None


def _points(result: ChartResult) -> bytes:
    """The points of both panels as response fields, written by NumPy
    (:mod:`neurogate.server.spc.wire`: a million points in a tenth of a second
    rather than seconds through the protobuf API)."""
    encoded = wire.encode_points(spc_pb2.ControlChartResponse.POINTS_FIELD_NUMBER, result.main)
    if result.secondary is not None:
        points = wire.encode_points(spc_pb2.SecondaryChart.POINTS_FIELD_NUMBER, result.secondary)
        encoded += wire.length_delimited(
            spc_pb2.ControlChartResponse.SECONDARY_FIELD_NUMBER, points
        )
    return encoded


def _capability(indices: Capability) -> spc_pb2.Capability:
    return spc_pb2.Capability(
        cp=_finite(indices.cp),
        cpk=_finite(indices.cpk),
        cpl=_finite(indices.cpl),
        cpu=_finite(indices.cpu),
        pp=_finite(indices.pp),
        ppk=_finite(indices.ppk),
        cpm=_finite(indices.cpm),
        ppm_total=_finite(indices.ppm_total),
        normality_test=indices.normality_test,
        normality_statistic=_finite(indices.normality_statistic),
        normality_p_value=_finite(indices.normality_p_value),
    )


def _title(ref: TableRef, request: spc_pb2.ControlChartRequest) -> str:
    return f"{request.chart_type} chart of {request.column} ({ref.dataset_name})"


def _image_job(ref: TableRef, request: spc_pb2.ControlChartRequest) -> httpbody_pb2.HttpBody:
    """Runs in a compute worker: the chart as a PNG (default) or SVG file."""
    spec = chart_spec(request)
    fmt = request.render or "png"
    image = render(
        control_chart(open_table(ref), spec), fmt, _title(ref, request), spec.spec_limits
    )
    return httpbody_pb2.HttpBody(content_type=FORMATS[fmt], data=image)


def _chart_job(ref: TableRef, request: spc_pb2.ControlChartRequest) -> bytes:
    """Runs in a compute worker: the encoded response. Bytes cross the
    process boundary as they are; the points are appended to them without
    building messages (the event loop parses the whole once)."""
    spec = chart_spec(request)
    result = control_chart(open_table(ref), spec)
    response = spc_pb2.ControlChartResponse(
        chart_type=result.chart_type,
        center_line=result.main.center_line,
        lcl=result.main.lcl,
        ucl=result.main.ucl,
        sigma=result.sigma,
        violations=[
            spc_pb2.Violation(point=v.point, value=v.value, rule=v.rule, description=v.description)
            for v in result.violations
        ],
    )
    if result.secondary is not None:
        panel = result.secondary
        secondary = response.secondary
        secondary.chart_type = panel.chart_type
        secondary.center_line = panel.center_line
        secondary.lcl = panel.lcl
        secondary.ucl = panel.ucl
    if result.capability is not None:
        response.capability.CopyFrom(_capability(result.capability))
    if request.render:
        response.image = render(result, request.render, _title(ref, request), spec.spec_limits)
        response.image_content_type = FORMATS[request.render]
    encoded = response.SerializeToString()
    return encoded if request.omit_points else encoded + _points(result)


def _event_data(
    request: spc_pb2.ControlChartRequest, response: spc_pb2.ControlChartResponse
) -> dict[str, Any]:
    """The webhook events' ``data`` for a chart (module docstring)."""
    return analysis_data(
        response.chart_id,
        "control_chart",
        [
            {"type": "out_of_control", "point": v.point, "value": v.value, "rule": v.rule}
            for v in response.violations[:MAX_ALERTS]
        ],
        alerts_total=len(response.violations),
        chart_type=response.chart_type,
        dataset_id=request.dataset_id,
        column=request.column,
    )


class SPCServicer(spc_pb2_grpc.SPCServicer):
    def __init__(
        self,
        datasets: DatasetStore,
        compute: ComputePool,
        database_url: str,
        dispatcher: Dispatcher,
    ) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url
        self._dispatcher = dispatcher

    async def ControlChart(
        self, request: spc_pb2.ControlChartRequest, context: grpc.aio.ServicerContext
    ) -> spc_pb2.ControlChartResponse:
        if request.render:
            check_format(request.render)
        account = current_account()
        ref = await table_ref(self._datasets, self._database_url, account, request.dataset_id)
        encoded = await self._compute.run(_chart_job, ref, request)
        response = spc_pb2.ControlChartResponse.FromString(encoded)
        response.chart_id = new_id("chart")
        data = _event_data(request, response)
        await self._dispatcher.publish(account, ANALYSIS_COMPLETE, data)
        if response.violations:
            await self._dispatcher.publish(account, SPC_OUT_OF_CONTROL, data)
        return response

    async def ControlChartImage(
        self, request: spc_pb2.ControlChartRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        check_format(request.render or "png")
        ref = await table_ref(
            self._datasets, self._database_url, current_account(), request.dataset_id
        )
        return await self._compute.run(_image_job, ref, request)
