"""Analytics: descriptive summaries, forecasts, diagnostics and prescriptions
on a dataset's table. A forecast, the long one, publishes ``analysis.complete``.

The event loop checks the caller's dataset (:func:`table_ref`); the request
then goes whole to a compute worker, which reads the table
(:func:`open_table`) and does the numerical work in
:mod:`neurogate.server.analytics`. The worker that fits a forecast stores it
as a model (:func:`store_model`) usable by ``ModelService.Predict``.
"""

from __future__ import annotations

import time

import grpc

from neurogate.server.analytics.diagnostic import diagnose
from neurogate.server.analytics.forecasting import forecast, forecast_options, model_record
from neurogate.server.analytics.prescriptive import prescribe
from neurogate.server.analytics.summary import ColumnSummary, descriptive
from neurogate.server.analytics.tables import TableRef, open_table, table_ref
from neurogate.server.compute import ComputePool
from neurogate.server.context import current_account
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.ml.store import NewModel, new_model, store_model
from neurogate.server.services._convert import fill, struct, struct_to_dict
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.events import ANALYSIS_COMPLETE, analysis_data
from neurogate.v1 import analytics_pb2, analytics_pb2_grpc


def _predictive_job(
    request: analytics_pb2.PredictiveRequest, ref: TableRef, new: NewModel
) -> analytics_pb2.PredictiveResponse:
    """Runs in a compute worker: fits and forecasts, then stores the fitted
    model, so a failed fit stores nothing."""
    training, config = request.training_data, request.prediction_config
    options = forecast_options(
        model_type=request.model_type,
        interval=config.interval,
        horizon=config.horizon,
        confidence_level=config.confidence_level,
        test_size=config.test_size,
        features=list(training.features),
        columns=list(ref.column_types),
    )
    result = forecast(open_table(ref), training.date_column, training.target, options)
    response = analytics_pb2.PredictiveResponse(
        status="success",
        predictions=[
            analytics_pb2.Prediction(
                date=p.date,
                value=p.value,
                confidence_interval=analytics_pb2.PredictionInterval(lower=p.lower, upper=p.upper),
            )
            for p in result.predictions
        ],
        metrics=analytics_pb2.RegressionMetrics(**result.metrics),
        interval_method=result.interval_method,
        holdout_rows=result.holdout_rows,
        date_column=result.forecaster.date_column,
    )
    stored = store_model(
        new, result.forecaster, **model_record(result, options, ref.dataset_id, training.target)
    )
    response.model_id = stored.id
    return response


def _summary(summary: ColumnSummary) -> analytics_pb2.Summary:
    return fill(analytics_pb2.Summary, vars(summary))


def _quartiles(summary: ColumnSummary) -> analytics_pb2.Quartiles | None:
    if summary.quartiles is None:
        return None
    q1, q2, q3 = summary.quartiles
    return analytics_pb2.Quartiles(q1=q1, q2=q2, q3=q3)


def _descriptive_job(
    request: analytics_pb2.AnalyticsDescriptiveRequest, ref: TableRef
) -> analytics_pb2.AnalyticsDescriptiveResponse:
    """Runs in a compute worker; the caller sets ``execution_time_ms``."""
    date_range, filters = request.filters.date_range, request.filters
    result = descriptive(
        open_table(ref),
        request.column,
        metrics=list(request.metrics),
        group_by=request.group_by,
        date_column=date_range.column,
        start=date_range.start,
        end=date_range.end,
        where=struct_to_dict(filters.where) if filters.HasField("where") else None,
    )
    return analytics_pb2.AnalyticsDescriptiveResponse(
        status="success",
        rows_matched=result.rows_matched,
        results=analytics_pb2.DescriptiveResults(
            summary=_summary(result.summary),
            quartiles=_quartiles(result.summary),
            by_category=[
                analytics_pb2.CategorySummary(
                    category=entry.category,
                    summary=_summary(entry.summary),
                    quartiles=_quartiles(entry.summary),
                )
                for entry in result.by_category
            ],
        ),
    )


def _diagnostic_job(
    request: analytics_pb2.DiagnosticRequest, ref: TableRef
) -> analytics_pb2.DiagnosticResponse:
    """Runs in a compute worker. ``r2_score`` is set for root_cause analyses only."""
    result = diagnose(
        open_table(ref),
        request.target_metric,
        list(request.potential_factors),
        request.analysis_type,
    )
    return analytics_pb2.DiagnosticResponse(
        status="success",
        correlations=[analytics_pb2.FactorCorrelation(**vars(c)) for c in result.correlations],
        root_causes=[analytics_pb2.RootCause(**vars(c)) for c in result.root_causes],
        r2_score=result.r2_score,
    )


def _prescriptive_job(
    request: analytics_pb2.PrescriptiveRequest, ref: TableRef
) -> analytics_pb2.PrescriptiveResponse:
    """Runs in a compute worker."""
    constraints = struct_to_dict(request.constraints) if request.HasField("constraints") else {}
    result = prescribe(open_table(ref), request.objective, list(request.variables), constraints)
    return analytics_pb2.PrescriptiveResponse(
        status="success",
        recommendations=[analytics_pb2.Recommendation(**vars(r)) for r in result.recommendations],
        optimal_solution=struct(result.optimal_solution),
        model_fit=analytics_pb2.RegressionMetrics(**vars(result.model_fit)),
    )


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServicer):
    def __init__(
        self,
        datasets: DatasetStore,
        compute: ComputePool,
        database_url: str,
        model_key: str,
        dispatcher: Dispatcher,
    ) -> None:
        self._datasets = datasets
        self._compute = compute
        self._database_url = database_url
        self._model_key = model_key
        self._dispatcher = dispatcher

    async def Descriptive(
        self,
        request: analytics_pb2.AnalyticsDescriptiveRequest,
        context: grpc.aio.ServicerContext,
    ) -> analytics_pb2.AnalyticsDescriptiveResponse:
        started = time.perf_counter()
        ref = await table_ref(
            self._datasets, self._database_url, current_account(), request.dataset_id
        )
        response = await self._compute.run(_descriptive_job, request, ref)
        response.execution_time_ms = (time.perf_counter() - started) * 1000
        return response

    async def Diagnostic(
        self, request: analytics_pb2.DiagnosticRequest, context: grpc.aio.ServicerContext
    ) -> analytics_pb2.DiagnosticResponse:
        ref = await table_ref(
            self._datasets, self._database_url, current_account(), request.dataset_id
        )
        return await self._compute.run(_diagnostic_job, request, ref)

    async def Prescriptive(
        self, request: analytics_pb2.PrescriptiveRequest, context: grpc.aio.ServicerContext
    ) -> analytics_pb2.PrescriptiveResponse:
        ref = await table_ref(
            self._datasets, self._database_url, current_account(), request.dataset_id
        )
        return await self._compute.run(_prescriptive_job, request, ref)

    async def Predictive(
        self, request: analytics_pb2.PredictiveRequest, context: grpc.aio.ServicerContext
    ) -> analytics_pb2.PredictiveResponse:
        account = current_account()
        ref = await table_ref(
            self._datasets, self._database_url, account, request.training_data.dataset_id
        )
        new = new_model(self._database_url, self._model_key, account)
        response = await self._compute.run(_predictive_job, request, ref, new)
        await self._dispatcher.publish(
            account,
            ANALYSIS_COMPLETE,
            analysis_data(response.model_id, "forecast", dataset_id=ref.dataset_id),
        )
        return response
