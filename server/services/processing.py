"""Processing: filtering and band power of a signal sent in the request.

Reading a request's numbers out of ``google.protobuf.ListValue`` rows and
writing the result back costs about a second per million values in Python, so
the whole request goes to a compute worker (a message pickles as its
serialised bytes, tens of milliseconds for the largest request) and the
response comes back the same way: the event loop only checks the request's
size. The numerical work is :mod:`neurogate.server.signal`.
"""

from __future__ import annotations

from typing import Any

import grpc

from neurogate.server.compute import ComputePool
from neurogate.server.services._convert import check_signal_size, list_value_rows
from neurogate.server.signal.bands import DEFAULT_BANDS, band_powers
from neurogate.server.signal.filters import FILTER_FIELDS, FilterStage
from neurogate.server.signal.offline import as_matrix, filter_signal, from_matrix
from neurogate.v1 import processing_pb2, processing_pb2_grpc

DEFAULT_LAYOUT = "channels"
DEFAULT_MODE = "zero_phase"
DEFAULT_ORDER = 4
DEFAULT_QUALITY = 30.0
DEFAULT_DETREND = "linear"


def _add_rows(target: Any, rows: list[list[float]]) -> None:
    for row in rows:
        target.add().extend(row)


def _stage(spec: processing_pb2.FilterSpec) -> FilterStage:
    """A requested filter, proto zeros (unset) replaced by the defaults."""
    return FilterStage(
        type=spec.type,
        low=spec.low or None,
        high=spec.high or None,
        frequency=spec.frequency or None,
        order=spec.order or DEFAULT_ORDER,
        quality=spec.quality or DEFAULT_QUALITY,
        detrend=spec.detrend or DEFAULT_DETREND,
    )


def _spec(stage: FilterStage) -> processing_pb2.FilterSpec:
    """A stage as applied: the fields its type uses, defaults filled in."""
    used = {field: getattr(stage, field) for field in FILTER_FIELDS[stage.type]}
    return processing_pb2.FilterSpec(type=stage.type, **used)


def _filter_job(request: processing_pb2.FilterRequest) -> processing_pb2.FilterResponse:
    """Runs in a compute worker."""
    layout = request.layout or DEFAULT_LAYOUT
    mode = request.mode or DEFAULT_MODE
    stages = [_stage(spec) for spec in request.filters]
    matrix = as_matrix(list_value_rows(request.data), layout)
    filtered = filter_signal(matrix, request.sample_rate, stages, mode)
    response = processing_pb2.FilterResponse(
        sample_rate=request.sample_rate,
        filters=[_spec(stage) for stage in stages],
        layout=layout,
        mode=mode,
    )
    _add_rows(response.data, from_matrix(filtered, layout))
    return response


def _band_power_job(
    request: processing_pb2.BandPowerRequest,
) -> processing_pb2.BandPowerResponse:
    """Runs in a compute worker."""
    layout = request.layout or DEFAULT_LAYOUT
    bands = [(band.name, band.low, band.high) for band in request.bands] or DEFAULT_BANDS
    matrix = as_matrix(list_value_rows(request.data), layout)
    powers = band_powers(matrix, request.sample_rate, bands, request.segment_seconds)
    names = [name for name, _, _ in powers.bands]
    return processing_pb2.BandPowerResponse(
        channels=[
            processing_pb2.ChannelBandPower(
                channel=index + 1,
                absolute=dict(zip(names, absolute, strict=True)),
                relative=dict(zip(names, relative, strict=True)),
            )
            for index, (absolute, relative) in enumerate(
                zip(powers.absolute.tolist(), powers.relative.tolist(), strict=True)
            )
        ],
        bands=[
            processing_pb2.FrequencyBand(name=name, low=low, high=high)
            for name, low, high in powers.bands
        ],
        frequency_resolution=powers.frequency_resolution,
        method=powers.method,
    )


class ProcessingServicer(processing_pb2_grpc.ProcessingServicer):
    def __init__(self, compute: ComputePool) -> None:
        self._compute = compute

    async def Filter(
        self, request: processing_pb2.FilterRequest, context: grpc.aio.ServicerContext
    ) -> processing_pb2.FilterResponse:
        check_signal_size(request.data, request.layout)
        return await self._compute.run(_filter_job, request)

    async def BandPower(
        self, request: processing_pb2.BandPowerRequest, context: grpc.aio.ServicerContext
    ) -> processing_pb2.BandPowerResponse:
        check_signal_size(request.data, request.layout)
        return await self._compute.run(_band_power_job, request)
