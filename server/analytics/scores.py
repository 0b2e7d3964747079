"""How well a regression fits held-out data: R², RMSE and MAE, with
scikit-learn's definitions, as every analytics and ML response reports them."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error


def regression_scores(truth: ArrayLike, predicted: ArrayLike) -> dict[str, float]:
    """``r2_score``, ``rmse`` and ``mae`` of ``predicted`` against ``truth``."""
    truth, predicted = np.asarray(truth, dtype=float), np.asarray(predicted, dtype=float)
    return {
        "r2_score": float(r2_score(truth, predicted)),
        "rmse": float(root_mean_squared_error(truth, predicted)),
        "mae": float(mean_absolute_error(truth, predicted)),
    }
