"""Results of the table-shaped API: API keys, datasets, statistics,
analytics, clusters, models, control charts and webhooks (see
:mod:`neurogate.client.models`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from google.protobuf.message import Message

from neurogate.client._convert import RAW as _RAW
from neurogate.client._convert import optional, plain, timestamp

if TYPE_CHECKING:
    from neurogate.client._ml import ModelsNamespace

# ------------------------------------------------------------------ auth


@dataclass(frozen=True)
class ApiKey:
    """An API key. ``key`` (the bearer token) is only known when it was just
    created; listed keys have ``key=None``."""

    id: str
    name: str
    scopes: list[str]
    key: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    raw: Message | None = _RAW

    @classmethod
    def created(cls, message: Any, name: str) -> ApiKey:
        return cls(
            id=message.key_id,
            name=name,
            scopes=list(message.scope),
            key=message.api_key,
            expires_at=timestamp(message.expires_at),
            raw=message,
        )

    @classmethod
    def listed(cls, message: Any) -> ApiKey:
        return cls(
            id=message.key_id,
            name=message.name,
            scopes=list(message.scope),
            created_at=timestamp(message.created_at),
            expires_at=timestamp(message.expires_at),
            revoked_at=timestamp(message.revoked_at),
            raw=message,
        )


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Dataset:
    """A dataset. ``schema`` (columns in file order with their type and
    missing count) and ``preview`` (the first rows) come with uploads and
    ``data.get``; a listed dataset has neither. ``to_pandas()`` gives the
    preview rows: the API does not serve whole tables."""

    id: str
    name: str
    type: str
    rows: int
    columns: int
    column_types: dict[str, str]
    created_at: datetime | None
    format: str = ""
    size_bytes: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    schema: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] | None = None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Dataset:
        has = {f.name for f in message.DESCRIPTOR.fields}
        return cls(
            id=message.dataset_id,
            name=message.name,
            type=message.type if "type" in has else "tabular",
            rows=message.rows,
            columns=message.columns,
            column_types=dict(message.column_types),
            created_at=timestamp(message.created_at),
            format=message.format,
            size_bytes=message.size_bytes,
            metadata=plain(message.metadata) if "metadata" in has else {},
            schema=[
                {"name": c.name, "type": c.type, "missing": c.missing}
                for c in (message.schema if "schema" in has else ())
            ],
            preview=[plain(row) for row in message.preview] if "preview" in has else None,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """The preview rows (``data.get(..., preview_rows=N)``, at most 100)."""
        if self.preview is None:
            raise ValueError(
                "this dataset carries no rows: fetch it with client.data.get(dataset_id) "
                "for its preview rows"
            )
        columns = [c["name"] for c in self.schema] or None
        return pd.DataFrame(self.preview, columns=columns)


# ------------------------------------------------------------------ analysis


@dataclass(frozen=True)
class Statistics:
    """Per-column descriptive statistics: column -> statistic -> value.
    Percentiles appear as ``p25``, ``p50``, ... in ``to_pandas()``."""

    columns: dict[str, dict[str, Any]]
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Statistics:
        columns = {}
        for name, stats in message.results.items():
            values = {
                f.name: getattr(stats, f.name)
                for f in stats.DESCRIPTOR.fields
                if f.has_presence and stats.HasField(f.name) and f.name != "mode"
            }
            if stats.HasField("mode"):
                values["mode"] = plain(stats.mode)
            values["column_type"] = stats.column_type
            values["percentiles"] = dict(stats.percentiles)
            columns[name] = values
        return cls(columns, message)

    def to_pandas(self) -> pd.DataFrame:
        """One row per column, one column per statistic."""
        flat = {}
        for name, values in self.columns.items():
            row = {k: v for k, v in values.items() if k != "percentiles"}
            row.update({f"p{k}": v for k, v in values["percentiles"].items()})
            flat[name] = row
        return pd.DataFrame.from_dict(flat, orient="index")


@dataclass(frozen=True)
class HypothesisTestResult:
    test_type: str
    method: str
    statistic: float
    p_value: float
    df: float | None
    alpha: float
    reject_null: bool
    alternative: str
    effect_size: dict[str, Any] | None
    confidence_interval: dict[str, float] | None
    groups: list[dict[str, Any]]
    interpretation: str
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> HypothesisTestResult:
        return cls(
            test_type=message.test_type,
            method=message.method,
            statistic=message.statistic,
            p_value=message.p_value,
            df=optional(message, "df"),
            alpha=message.alpha,
            reject_null=message.reject_null,
            alternative=message.alternative,
            effect_size=plain(message.effect_size) if message.HasField("effect_size") else None,
            confidence_interval=(
                plain(message.confidence_interval)
                if message.HasField("confidence_interval")
                else None
            ),
            groups=[
                {
                    "name": g.name,
                    "n": g.n,
                    "mean": optional(g, "mean"),
                    "std": optional(g, "std"),
                }
                for g in message.groups
            ],
            interpretation=message.interpretation,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """The groups compared: name, n, mean, std."""
        return pd.DataFrame(self.groups, columns=["name", "n", "mean", "std"])


@dataclass(frozen=True)
class AnalyticsSummary:
    summary: dict[str, Any]
    quartiles: dict[str, float]
    by_category: list[dict[str, Any]]
    rows_matched: int
    execution_time_ms: float
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> AnalyticsSummary:
        results = message.results
        return cls(
            summary=plain(results.summary),
            quartiles=plain(results.quartiles),
            by_category=[plain(c) for c in results.by_category],
            rows_matched=message.rows_matched,
            execution_time_ms=message.execution_time_ms,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per category (or one ``all`` row without ``group_by``)."""
        if not self.by_category:
            return pd.DataFrame([{**self.summary, **self.quartiles}], index=["all"])
        rows = {
            c["category"]: {**c.get("summary", {}), **c.get("quartiles", {})}
            for c in self.by_category
        }
        return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class Forecast:
    model_id: str
    predictions: list[dict[str, Any]]
    metrics: dict[str, float]
    interval_method: str
    date_column: str
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Forecast:
        return cls(
            model_id=message.model_id,
            predictions=[
                {
                    "date": p.date,
                    "value": p.value,
                    "lower": p.confidence_interval.lower,
                    "upper": p.confidence_interval.upper,
                }
                for p in message.predictions
            ],
            metrics=plain(message.metrics),
            interval_method=message.interval_method,
            date_column=message.date_column,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.predictions, columns=["date", "value", "lower", "upper"])


@dataclass(frozen=True)
class Diagnosis:
    correlations: list[dict[str, Any]]
    root_causes: list[dict[str, Any]]
    r2_score: float | None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Diagnosis:
        return cls(
            correlations=[plain(c) for c in message.correlations],
            root_causes=[plain(c) for c in message.root_causes],
            r2_score=optional(message, "r2_score"),
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """The correlations, one row per factor."""
        return pd.DataFrame(
            self.correlations, columns=["factor", "correlation", "p_value", "significance"]
        )


@dataclass(frozen=True)
class Prescription:
    recommendations: list[dict[str, Any]]
    optimal_solution: dict[str, Any]
    model_fit: dict[str, float]
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Prescription:
        return cls(
            recommendations=[plain(r) for r in message.recommendations],
            optimal_solution=plain(message.optimal_solution),
            model_fit=plain(message.model_fit),
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.recommendations)


@dataclass(frozen=True)
class Clustering:
    clusters: list[dict[str, Any]]
    metrics: dict[str, Any]
    rows_used: int
    rows_skipped: int
    labels_dataset_id: str | None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Clustering:
        return cls(
            clusters=[
                {"cluster_id": c.cluster_id, "name": c.name, "size": c.size, **c.centroid}
                for c in message.clusters
            ],
            metrics=plain(message.metrics),
            rows_used=message.rows_used,
            rows_skipped=message.rows_skipped,
            labels_dataset_id=message.labels_dataset_id or None,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per cluster: id, name, size and the centroid's features."""
        return pd.DataFrame(self.clusters).set_index("cluster_id")


# ------------------------------------------------------------------ models


@dataclass(frozen=True)
class Model:
    """A trained model. ``predict(records)`` runs it through the client that
    returned it."""

    id: str
    model_type: str
    task: str
    kind: str
    metrics: dict[str, float]
    name: str = ""
    dataset_id: str = ""
    target: str = ""
    features: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    feature_importance: dict[str, float] = field(default_factory=dict)
    created_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raw: Message | None = _RAW

    def bind(self, models: ModelsNamespace) -> Model:
        """Attaches the namespace ``predict`` calls through. Not a field, so
        ``dataclasses.asdict`` and equality ignore it."""
        object.__setattr__(self, "_models", models)
        return self

    def predict(self, records: list[dict[str, Any]] | pd.DataFrame) -> Predictions:
        """Predictions for rows of feature values (a coroutine with AsyncClient)."""
        models: ModelsNamespace | None = getattr(self, "_models", None)
        if models is None:
            raise RuntimeError("this Model was not returned by a client")
        return models.predict(self.id, records)


@dataclass(frozen=True)
class Predictions:
    model_id: str
    predictions: list[Any]
    probabilities: list[dict[str, float]]
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Predictions:
        return cls(
            model_id=message.model_id,
            predictions=[plain(p) for p in message.predictions],
            probabilities=[plain(p) for p in message.probabilities],
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """``prediction`` and, for classifiers, one ``p_<class>`` column per class."""
        frame = pd.DataFrame({"prediction": self.predictions})
        if self.probabilities:
            probabilities = pd.DataFrame(self.probabilities).add_prefix("p_")
            frame = pd.concat([frame, probabilities], axis=1)
        return frame


@dataclass(frozen=True)
class Inference:
    model_id: str
    label: str
    confidence: float
    probabilities: dict[str, float]
    inference_time_ms: float
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Inference:
        prediction = message.predictions
        return cls(
            model_id=message.model_id,
            label=getattr(prediction, "class"),
            confidence=prediction.confidence,
            probabilities=dict(prediction.probabilities),
            inference_time_ms=message.inference_time_ms,
            raw=message,
        )


# ------------------------------------------------------------------ spc


@dataclass(frozen=True)
class ControlChart:
    """A control chart: limits, points, run-rule ``violations`` and process
    ``capability``; ``image`` holds the rendering asked for with ``render``."""

    chart_type: str
    center_line: float
    lcl: float
    ucl: float
    sigma: float
    points: list[dict[str, Any]]
    secondary: dict[str, Any] | None
    violations: list[dict[str, Any]]
    capability: dict[str, Any]
    chart_id: str
    image: bytes | None
    image_content_type: str
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> ControlChart:
        return cls(
            chart_type=message.chart_type,
            center_line=message.center_line,
            lcl=message.lcl,
            ucl=message.ucl,
            sigma=message.sigma,
            points=[_point(p) for p in message.points],
            secondary=(
                {
                    **plain(message.secondary),
                    "points": [_point(p) for p in message.secondary.points],
                }
                if message.HasField("secondary")
                else None
            ),
            violations=[plain(v) for v in message.violations],
            capability=plain(message.capability),
            chart_id=message.chart_id,
            image=message.image or None,
            image_content_type=message.image_content_type,
            raw=message,
        )

    def to_pandas(self) -> pd.DataFrame:
        """One row per subgroup: value, its limits and whether it is out of control."""
        return pd.DataFrame(self.points).set_index("subgroup")

    def save_image(self, path: str | Path) -> Path:
        """Writes the rendered chart (asked for with ``render="png"`` or ``"svg"``)."""
        if self.image is None:
            raise ValueError('the chart was not rendered: ask for it with render="png" or "svg"')
        target = Path(path)
        target.write_bytes(self.image)
        return target


def _point(point: Any) -> dict[str, Any]:
    values = {
        "subgroup": point.subgroup,
        "value": point.value,
        "lcl": point.lcl,
        "ucl": point.ucl,
        "out_of_control": point.out_of_control,
    }
    for name in ("upper", "lower"):
        if point.HasField(name):
            values[name] = getattr(point, name)
    return values


# ------------------------------------------------------------------ webhooks


@dataclass(frozen=True)
class Webhook:
    """A webhook; ``secret`` (the signing key) is only known at creation."""

    id: str
    url: str
    events: list[str]
    created_at: datetime | None
    secret: str | None = None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> Webhook:
        secret = getattr(message, "secret", "") or None
        return cls(
            message.webhook_id,
            message.url,
            list(message.events),
            timestamp(message.created_at),
            secret,
            message,
        )


@dataclass(frozen=True)
class WebhookDelivery:
    id: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime | None
    delivered_at: datetime | None
    raw: Message | None = _RAW

    @classmethod
    def from_proto(cls, message: Any) -> WebhookDelivery:
        return cls(
            id=message.delivery_id,
            event=message.event,
            status=message.status,
            attempts=message.attempts,
            last_status_code=message.last_status_code or None,
            last_error=message.last_error,
            created_at=timestamp(message.created_at),
            delivered_at=timestamp(message.delivered_at),
            raw=message,
        )
