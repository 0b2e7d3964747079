"""Analysis: descriptive statistics and hypothesis tests on a dataset's table.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and does the numerical work in
:mod:`neurogate.server.analytics` (:mod:`~neurogate.server.analytics.descriptive`,
:mod:`~neurogate.server.analytics.hypothesis`), and builds the response there.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import struct_pb2

from neurogate.server.analytics.descriptive import describe
from neurogate.server.analytics.hypothesis import TestResult, TestSpec, run_test
from neurogate.server.analytics.tables import TableRef, open_table, table_ref
from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.store import DatasetStore
from neurogate.v1 import analysis_pb2, analysis_pb2_grpc


def _value(value: Any) -> struct_pb2.Value:
    """A mode as a ``google.protobuf.Value``."""
    message = struct_pb2.Value()
    if isinstance(value, bool):
        message.bool_value = value
    elif isinstance(value, int | float):
        message.number_value = value
    else:
        message.string_value = str(value)
    return message


def _column_statistics(found: dict[str, Any]) -> analysis_pb2.ColumnStatistics:
    fields = {key: value for key, value in found.items() if key != "mode"}
    message = analysis_pb2.ColumnStatistics(**fields)
    if "mode" in found:
        message.mode.CopyFrom(_value(found["mode"]))
    return message


def _descriptive_job(
    ref: TableRef, request: analysis_pb2.AnalysisDescriptiveRequest
) -> analysis_pb2.AnalysisDescriptiveResponse:
    """Runs in a compute worker."""
    results = describe(
        open_table(ref), list(request.columns), list(request.statistics), list(request.percentiles)
    )
    return analysis_pb2.AnalysisDescriptiveResponse(
        results={name: _column_statistics(found) for name, found in results.items()}
    )


def _spec(request: analysis_pb2.HypothesisTestRequest) -> TestSpec:
    return TestSpec(
        test_type=request.test_type,
        column=request.column,
        group_column=request.group_column,
        second_column=request.second_column,
        alpha=request.alpha,
        alternative=request.alternative,
        population_mean=request.population_mean,
        equal_var=request.equal_var,
        groups=tuple(request.groups),
        expected_proportions=dict(request.expected_proportions),
    )


def _response(result: TestResult) -> analysis_pb2.HypothesisTestResponse:
    response = analysis_pb2.HypothesisTestResponse(
        test_type=result.test_type,
        statistic=result.statistic,
        p_value=result.p_value,
        df=result.df,
        alpha=result.alpha,
        reject_null=result.reject_null,
        groups=[
            analysis_pb2.GroupSummary(name=g.name, n=g.n, mean=g.mean, std=g.std)
            for g in result.groups
        ],
        interpretation=result.interpretation,
        method=result.method,
        alternative=result.alternative,
    )
    if result.effect_size is not None:
        response.effect_size.CopyFrom(
            analysis_pb2.EffectSize(name=result.effect_size.name, value=result.effect_size.value)
        )
    if result.confidence_interval is not None:
        interval = result.confidence_interval
        response.confidence_interval.CopyFrom(
            analysis_pb2.ConfidenceInterval(
                lower=interval.lower, upper=interval.upper, level=interval.level
            )
        )
    return response


def _hypothesis_job(
    ref: TableRef, request: analysis_pb2.HypothesisTestRequest
) -> analysis_pb2.HypothesisTestResponse:
    """Runs in a compute worker."""
    return _response(run_test(open_table(ref), _spec(request)))


class AnalysisServicer(analysis_pb2_grpc.AnalysisServicer):
    def __init__(self, datasets: DatasetStore, compute: ComputePool, database_url: str) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url

    async def _ref(self, dataset_id: str) -> TableRef:
        return await table_ref(self._datasets, self._database_url, current_account(), dataset_id)

    async def Descriptive(
        self,
        request: analysis_pb2.AnalysisDescriptiveRequest,
        context: grpc.aio.ServicerContext,
    ) -> analysis_pb2.AnalysisDescriptiveResponse:
        ref = await self._ref(request.dataset_id)
        return await self._compute.run(_descriptive_job, ref, request)

    async def HypothesisTest(
        self, request: analysis_pb2.HypothesisTestRequest, context: grpc.aio.ServicerContext
    ) -> analysis_pb2.HypothesisTestResponse:
        ref = await self._ref(request.dataset_id)
        return await self._compute.run(_hypothesis_job, ref, request)
