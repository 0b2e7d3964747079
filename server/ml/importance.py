"""Feature importance of a trained tabular pipeline, per original feature:
a tree model's impurity importances, a linear model's absolute coefficients,
otherwise the permutation importance on the test rows (the choices are
described with training, :mod:`.training`)."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

PERMUTATION_REPEATS: Final = 5
#: Test rows permutation importance looks at, at most (a sample drawn with the seed).
PERMUTATION_ROWS: Final = 2000


def _output_features(pipeline: Pipeline) -> list[str]:
    """For each column the preparation step outputs, the feature it came from."""
    prepare = pipeline.named_steps["prepare"]
    owners: list[str] = []
    for name, branch, columns in prepare.transformers_:
        if name == "numeric":
            owners.extend(columns)
        elif name in ("categorical",):
            encoder = branch.named_steps["onehot"]
            for i, column in enumerate(columns):
                width = len(encoder.categories_[i])
                infrequent = encoder.infrequent_categories_[i]
                if infrequent is not None:
                    width += 1 - len(infrequent)
                owners.extend([column] * width)
    return owners


def feature_importance(
    pipeline: Pipeline, x_test: pd.DataFrame, y_test: pd.Series, seed: int
) -> dict[str, float]:
    """Importance per original feature, as the module docstring says."""
    model = pipeline.named_steps["model"]
    features = list(x_test.columns)
    weights = getattr(model, "feature_importances_", None)
    if weights is None and hasattr(model, "coef_"):
        coef = np.abs(np.asarray(model.coef_, dtype="float64"))
        weights = coef.mean(axis=0) if coef.ndim == 2 else coef
    if weights is not None:
        totals = dict.fromkeys(features, 0.0)
        for owner, weight in zip(_output_features(pipeline), weights, strict=True):
            totals[owner] += float(weight)
        return {name: value for name, value in totals.items() if math.isfinite(value)}
    result = permutation_importance(
        pipeline,
        x_test,
        y_test,
        n_repeats=PERMUTATION_REPEATS,
        random_state=seed,
        max_samples=min(1.0, PERMUTATION_ROWS / len(x_test)),
    )
    return {
        name: float(value)
        for name, value in zip(features, result.importances_mean, strict=True)
        if math.isfinite(value)
    }
