"""``client.spc``: control charts (docs/spc.md), as data and as pictures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurogate.client._calls import Unary
from neurogate.client._namespace import Namespace
from neurogate.client.models import ControlChart
from neurogate.v1 import spc_pb2


def _request(
    dataset_id: str,
    column: str,
    chart_type: str,
    subgroup_size: int | None,
    spec_limits: Mapping[str, float] | None,
    rules: list[str] | None,
    render: str | None,
    options: Mapping[str, Any],
) -> spc_pb2.ControlChartRequest:
    """``options`` are the request's other fields by name (``subgroup_column``,
    ``sample_size``, ``phase_one_subgroups``, ``cusum={"k":..,"h":..}``,
    ``ewma={"lambda":..}``, ``known={"center":..,"sigma":..}``, ``omit_points``, ...)."""
    return spc_pb2.ControlChartRequest(
        dataset_id=dataset_id,
        column=column,
        chart_type=chart_type,
        subgroup_size=subgroup_size or 0,
        spec_limits=spc_pb2.SpecLimits(**dict(spec_limits)) if spec_limits else None,
        rules=rules or [],
        render=render or "",
        **dict(options),
    )


class SpcNamespace(Namespace):
    def control_chart(
        self,
        dataset_id: str,
        column: str,
        chart_type: str,
        subgroup_size: int | None = None,
        spec_limits: Mapping[str, float] | None = None,
        rules: list[str] | None = None,
        render: str | None = None,
        **options: Any,
    ) -> ControlChart:
        """A control chart: ``xbar_r``, ``xbar_s``, ``i_mr``, ``p_chart``,
        ``np_chart``, ``c_chart``, ``u_chart``, ``cusum`` or ``ewma``;
        ``spec_limits={"lsl":.., "usl":.., "target":..}`` adds capability
        indices, ``render="png"``/``"svg"`` the picture (``.image``)."""
        request = _request(
            dataset_id, column, chart_type, subgroup_size, spec_limits, rules, render, options
        )
        return self._run(
            Unary("SPC/ControlChart", request, ControlChart.from_proto, idempotent=True)
        )

    def control_chart_image(
        self,
        dataset_id: str,
        column: str,
        chart_type: str,
        subgroup_size: int | None = None,
        spec_limits: Mapping[str, float] | None = None,
        rules: list[str] | None = None,
        format: str = "png",
        **options: Any,
    ) -> bytes:
        """The chart as a PNG or SVG picture."""
        request = _request(
            dataset_id, column, chart_type, subgroup_size, spec_limits, rules, format, options
        )
        return self._run(
            Unary("SPC/ControlChartImage", request, lambda body: body.data, idempotent=True)
        )
