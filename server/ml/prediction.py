"""Predictions of a stored model for records sent in a request.

Works for every model kind ModelService.Predict serves (``tabular`` and
``forecast``): the model takes a frame of exactly its features, typed as
the model's ``feature_types`` say (the contract of stored models), so the
records are checked and typed here, each mistake named by record (counting
from 0) and feature:

- every feature must be present, and no other key: a missing feature is not
  silently imputed, a misspelt one not silently ignored;
- ``numeric``: a JSON number, or ``null`` for a missing value (imputed as in
  training), within the range the model can take (:mod:`.value_range`: the
  refusal gives the range in ``valid_range``); ``boolean``: ``true``/``false``
  or ``null``; ``categorical`` and ``text``: a string or ``null`` (an unseen
  string counts as an infrequent category); ``datetime``: an ISO 8601 date or
  date-time string (an offset is converted to UTC, then dropped, as uploads
  store times).

Predictions come back as JSON values (numbers, class labels as they were in
the training table); a classifier with probabilities also gives each row's
probability per class, keyed by the class label as a string.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from neurogate.server.datasets.parsing import json_value
from neurogate.server.errors import InvalidParameter
from neurogate.server.ml.value_range import MAX_MAGNITUDE, first_outside, model_ranges, within

#: Records accepted in one request.
MAX_RECORDS: Final = 10_000

#: Model kinds whose artifacts Predict can use.
PREDICTABLE_KINDS: Final = ("tabular", "forecast")


def check_kind(kind: str, model_id: str) -> None:
    """Refuses models Predict does not serve (EEG models take signals)."""
    if kind in PREDICTABLE_KINDS:
        return
    raise InvalidParameter(
        f"model {model_id!r} ({kind}) predicts from EEG samples, "
        f"not records: use POST /v1/models/{model_id}/predict",
        parameter="model_id",
        value=model_id,
        kind=kind,
        suggestion=f"POST /v1/models/{model_id}/predict",
    )


def check_count(count: int) -> None:
    if not 1 <= count <= MAX_RECORDS:
        raise InvalidParameter(
            f"data holds {count} records; between 1 and {MAX_RECORDS} are accepted",
            parameter="data",
            value=count,
            valid_range=[1, MAX_RECORDS],
        )


def _refuse(index: int, feature: str, message: str, **details: Any) -> InvalidParameter:
    return InvalidParameter(
        f"record {index}: {message}", parameter="data", record=index, feature=feature, **details
    )


def _numeric(value: Any, index: int, feature: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(index, feature, f"feature {feature!r} is numeric; got {value!r}", value=value)
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf if value > 0 else -math.inf
    if not within(number):
        raise _out_of_range(index, feature, number, -MAX_MAGNITUDE, MAX_MAGNITUDE)
    return number


def _out_of_range(
    index: int, feature: str, value: float, low: float, high: float
) -> InvalidParameter:
    return _refuse(
        index,
        feature,
        f"feature {feature!r} is {value:.3g}, out of the range this model can take "
        f"({low:.3g} to {high:.3g})",
        value=value if math.isfinite(value) else str(value),
        valid_range=[low, high],
    )


def _check_model_ranges(model: Any, frame: pd.DataFrame) -> None:
    """Refuses a value the model's standardisation would push out of range."""
    for feature, (low, high) in model_ranges(model).items():
        values = frame[feature].to_numpy(dtype="float64", na_value=np.nan)
        index = first_outside(values, low, high)
        if index is not None:
            raise _out_of_range(index, feature, float(values[index]), low, high)


def _boolean(value: Any, index: int, feature: str) -> Any:
    if value is None:
        return pd.NA
    if not isinstance(value, bool):
        raise _refuse(
            index,
            feature,
            f"feature {feature!r} is boolean (true/false); got {value!r}",
            value=value,
        )
    return value


def _category(value: Any, index: int, feature: str) -> Any:
    if value is None:
        return math.nan
    if not isinstance(value, str):
        raise _refuse(
            index, feature, f"feature {feature!r} takes a string; got {value!r}", value=value
        )
    return value


def _datetime(value: Any, index: int, feature: str) -> pd.Timestamp:
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(value)
        except ValueError:
            stamp = None
        if stamp is not None and stamp is not pd.NaT:
            return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    raise _refuse(
        index,
        feature,
        f"feature {feature!r} takes an ISO 8601 date such as '2024-03-05'; got {value!r}",
        value=value,
    )


_PARSERS: Final = {
    "numeric": (_numeric, "float64"),
    "boolean": (_boolean, "boolean"),
    "categorical": (_category, "str"),
    "text": (_category, "str"),
    "datetime": (_datetime, "datetime64[ns]"),
}


def records_frame(
    records: Sequence[Mapping[str, Any]], features: Sequence[str], feature_types: Mapping[str, str]
) -> pd.DataFrame:
    """``records`` as a frame of exactly ``features``, typed by
    ``feature_types``; INVALID_PARAMETER naming the record and feature of
    the first mistake."""
    check_count(len(records))
    wanted = set(features)
    columns: dict[str, list[Any]] = {name: [] for name in features}
    for index, record in enumerate(records):
        for key in record:
            if key not in wanted:
                raise _refuse(
                    index,
                    key,
                    f"unknown feature {key!r}",
                    valid_choices=list(features),
                )
        for name in features:
            if name not in record:
                raise _refuse(
                    index, name, f"feature {name!r} is missing", valid_choices=list(features)
                )
            parse, _ = _PARSERS[feature_types.get(name, "numeric")]
            columns[name].append(parse(record[name], index, name))
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=_PARSERS[feature_types.get(name, "numeric")][1])
            for name, values in columns.items()
        }
    )


@dataclass(frozen=True)
class Predictions:
    values: list[Any]
    #: Per row, class label (as a string) -> probability; None without probabilities.
    probabilities: list[dict[str, float]] | None


def predict(
    model: Any,
    records: Sequence[Mapping[str, Any]],
    features: Sequence[str],
    feature_types: Mapping[str, str],
) -> Predictions:
    """``model``'s predictions (and class probabilities) for ``records``."""
    frame = records_frame(records, features, feature_types)
    _check_model_ranges(model, frame)
    values = [json_value(v) for v in np.asarray(model.predict(frame)).tolist()]
    probabilities = None
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        labels = [str(json_value(c)) for c in model.classes_]
        probabilities = [
            dict(zip(labels, (float(p) for p in row), strict=True))
            for row in np.asarray(model.predict_proba(frame))
        ]
    return Predictions(values, probabilities)
