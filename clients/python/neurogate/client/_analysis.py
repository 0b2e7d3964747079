"""``client.analysis``, ``client.analytics`` and ``client.segmentation``:
computations on a dataset. They change nothing, so they are all retried
like reads, except those that store something: ``analytics.predictive``
(its model) and ``segmentation.cluster(write_labels=True)`` (a dataset)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurogate.client._calls import Unary
from neurogate.client._convert import struct
from neurogate.client._namespace import Namespace
from neurogate.client.models import (
    AnalyticsSummary,
    Clustering,
    Diagnosis,
    Forecast,
    HypothesisTestResult,
    Prescription,
    Statistics,
)
from neurogate.v1 import analysis_pb2, analytics_pb2, segmentation_pb2


def _t_test(group_column: str, second_column: str) -> str:
    """The SDK's ``t_test`` alias: paired with a second column, two-sample
    with a group column, one-sample otherwise."""
    if second_column:
        return "paired_t"
    return "two_sample_t" if group_column else "one_sample_t"


class AnalysisNamespace(Namespace):
    def descriptive(
        self,
        dataset_id: str,
        columns: list[str] | None = None,
        percentiles: list[float] | None = None,
        statistics: list[str] | None = None,
    ) -> Statistics:
        """Per-column statistics (all columns when ``columns`` is empty)."""
        request = analysis_pb2.AnalysisDescriptiveRequest(
            dataset_id=dataset_id,
            columns=columns or [],
            statistics=statistics or [],
            percentiles=percentiles or [],
        )
        return self._run(
            Unary("Analysis/Descriptive", request, Statistics.from_proto, idempotent=True)
        )

    def hypothesis_test(
        self,
        dataset_id: str,
        test: str = "t_test",
        column: str = "",
        group_column: str = "",
        second_column: str = "",
        alpha: float = 0.0,
        alternative: str = "",
        population_mean: float = 0.0,
        equal_var: bool = False,
        groups: list[str] | None = None,
        expected_proportions: Mapping[str, float] | None = None,
    ) -> HypothesisTestResult:
        """A hypothesis test: ``one_sample_t``, ``two_sample_t``, ``paired_t``,
        ``one_way_anova``, ``chi_square``, ``mann_whitney``, ``kruskal_wallis``,
        ``shapiro_wilk``, ``levene``, ``pearson``, ``spearman``, or ``t_test``
        (picks the t test the other arguments describe)."""
        test_type = _t_test(group_column, second_column) if test == "t_test" else test
        request = analysis_pb2.HypothesisTestRequest(
            dataset_id=dataset_id,
            test_type=test_type,
            column=column,
            group_column=group_column,
            second_column=second_column,
            alpha=alpha,
            alternative=alternative,
            population_mean=population_mean,
            equal_var=equal_var,
            groups=groups or [],
            expected_proportions=dict(expected_proportions or {}),
        )
        return self._run(
            Unary(
                "Analysis/HypothesisTest",
                request,
                HypothesisTestResult.from_proto,
                idempotent=True,
            )
        )


class AnalyticsNamespace(Namespace):
    def descriptive(
        self,
        dataset_id: str,
        column: str = "",
        metrics: list[str] | None = None,
        group_by: str = "",
        date_range: Mapping[str, str] | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> AnalyticsSummary:
        """Summary, quartiles and per-category summaries of a numeric column;
        ``date_range`` is ``{"column"?, "start", "end"}``, ``where`` column
        predicates such as ``{"region": "north"}``."""
        filters = analytics_pb2.AnalyticsFilters(
            date_range=analytics_pb2.DateRange(**dict(date_range or {})),
            where=struct(where),
        )
        request = analytics_pb2.AnalyticsDescriptiveRequest(
            dataset_id=dataset_id,
            column=column,
            metrics=metrics or [],
            group_by=group_by,
            filters=filters if (date_range or where) else None,
        )
        return self._run(
            Unary("Analytics/Descriptive", request, AnalyticsSummary.from_proto, idempotent=True)
        )

    def predictive(
        self,
        dataset_id: str,
        target: str,
        features: list[str] | None = None,
        model_type: str = "linear_regression",
        date_column: str = "",
        horizon: int = 0,
        interval: str = "",
        confidence_level: float = 0.0,
        test_size: float = 0.0,
    ) -> Forecast:
        """A forecast of ``target`` ``horizon`` steps ahead. It stores the
        fitted model (``model_id``), so it is not retried."""
        request = analytics_pb2.PredictiveRequest(
            model_type=model_type,
            training_data=analytics_pb2.TrainingData(
                dataset_id=dataset_id,
                features=features or [],
                target=target,
                date_column=date_column,
            ),
            prediction_config=analytics_pb2.PredictionConfig(
                horizon=horizon,
                interval=interval,
                confidence_level=confidence_level,
                test_size=test_size,
            ),
        )
        return self._run(
            Unary("Analytics/Predictive", request, Forecast.from_proto, idempotent=False)
        )

    def diagnostic(
        self,
        dataset_id: str,
        target_metric: str,
        potential_factors: list[str] | None = None,
        analysis_type: str = "correlation",
    ) -> Diagnosis:
        """Correlations of factors with a metric, or a root-cause analysis."""
        request = analytics_pb2.DiagnosticRequest(
            dataset_id=dataset_id,
            target_metric=target_metric,
            potential_factors=potential_factors or [],
            analysis_type=analysis_type,
        )
        return self._run(
            Unary("Analytics/Diagnostic", request, Diagnosis.from_proto, idempotent=True)
        )

    def prescriptive(
        self,
        dataset_id: str,
        objective: str,
        variables: list[str],
        constraints: Mapping[str, Any] | None = None,
    ) -> Prescription:
        """Recommended changes of ``variables`` to maximise ``objective``
        (``"minimize:column"`` to minimise) under ``constraints``."""
        request = analytics_pb2.PrescriptiveRequest(
            dataset_id=dataset_id,
            objective=objective,
            constraints=struct(constraints),
            variables=variables,
        )
        return self._run(
            Unary("Analytics/Prescriptive", request, Prescription.from_proto, idempotent=True)
        )


class SegmentationNamespace(Namespace):
    def cluster(
        self,
        dataset_id: str,
        features: list[str],
        algorithm: str = "kmeans",
        k: int | None = None,
        write_labels: bool = False,
        labels_dataset_name: str = "",
        eps: float = 0.0,
        min_samples: int = 0,
    ) -> Clustering:
        """Clusters the rows on ``features``; ``k=None`` lets the silhouette
        score choose. ``write_labels`` stores the labelled rows as a dataset
        (then the call is not retried: it creates something)."""
        request = segmentation_pb2.ClusterRequest(
            dataset_id=dataset_id,
            algorithm=algorithm,
            n_clusters=k or 0,
            features=features,
            write_labels=write_labels,
            labels_dataset_name=labels_dataset_name,
            eps=eps,
            min_samples=min_samples,
        )
        return self._run(
            Unary(
                "Segmentation/Cluster",
                request,
                Clustering.from_proto,
                idempotent=not write_labels,
            )
        )
