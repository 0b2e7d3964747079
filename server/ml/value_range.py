"""The numbers a tabular model can take, in training and in prediction.

scikit-learn's trees (decision tree, random forest, gradient boosting) work
in float32, so a value beyond float32's largest (about 3.4e38) becomes
infinite and fitting or predicting fails; and standardising a column squares
its values, so a training column holding 1e200 turns into NaN for every other
model. Every model therefore takes the same range, ``±``:data:`MAX_MAGNITUDE`:

- in training, for numeric features and a numeric target
  (:func:`check_training_column`);
- in prediction, for the raw value, and for the value once standardised with
  the training mean and deviation (:func:`model_ranges`): a feature whose
  training values barely vary multiplies a large value past the range.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from neurogate.server.errors import InvalidParameter

MAX_MAGNITUDE: Final = float(np.finfo(np.float32).max)
#: The numeric branch of the pipelines' preparation step and its scaler
#: (:func:`neurogate.server.ml.estimators.preparation`).
_NUMERIC_BRANCH: Final = "numeric"
_SCALER: Final = "scale"


def within(value: float, low: float = -MAX_MAGNITUDE, high: float = MAX_MAGNITUDE) -> bool:
    return low <= value <= high


def first_outside(
    values: np.ndarray, low: float = -MAX_MAGNITUDE, high: float = MAX_MAGNITUDE
) -> int | None:
    """The position of the first value outside ``[low, high]`` (missing
    values are not), or None."""
    outside = np.flatnonzero((values < low) | (values > high))
    return int(outside[0]) if len(outside) else None


def check_training_column(series: pd.Series, parameter: str) -> None:
    """Refuses a numeric column holding a value no model can take, naming
    the column and the row (its index in the dataset, counting from 0)."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    position = first_outside(values)
    if position is None:
        return
    found = float(values[position])
    row = series.index[position]
    raise InvalidParameter(
        f"column {series.name!r} holds {found:.3g} in row {row} (counting from 0), out of "
        f"the range a model can take (-{MAX_MAGNITUDE:.3g} to {MAX_MAGNITUDE:.3g}): "
        "rescale the column (e.g. to other units or a logarithm) or leave the row out",
        parameter=parameter,
        value=str(series.name),
        row=int(row),
        found=found,
        valid_range=[-MAX_MAGNITUDE, MAX_MAGNITUDE],
    )


def model_ranges(model: Any) -> dict[str, tuple[float, float]]:
    """For each numeric feature of a trained pipeline, the raw values whose
    standardised value stays within ``±MAX_MAGNITUDE`` (and within it
    themselves); empty for a model without that preparation (a forecast)."""
    steps = getattr(model, "named_steps", {})
    prepare = steps.get("prepare")
    ranges: dict[str, tuple[float, float]] = {}
    for name, branch, columns in getattr(prepare, "transformers_", ()):
        if name != _NUMERIC_BRANCH:
            continue
        scaler = branch.named_steps[_SCALER]
        for column, mean, scale in zip(columns, scaler.mean_, scaler.scale_, strict=True):
            with np.errstate(over="ignore"):  # an infinite bound is no bound
                low, high = mean - MAX_MAGNITUDE * scale, mean + MAX_MAGNITUDE * scale
            ranges[column] = (max(float(low), -MAX_MAGNITUDE), min(float(high), MAX_MAGNITUDE))
    return ranges
