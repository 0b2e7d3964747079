"""Regression scores are scikit-learn's R², RMSE and MAE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from neurogate.server.analytics.scores import regression_scores


def test_scores_are_scikit_learns_r2_rmse_and_mae():
    truth = np.array([3.0, -0.5, 2.0, 7.0, 4.2])
    predicted = np.array([2.5, 0.0, 2.1, 7.8, 3.9])

    scores = regression_scores(truth, predicted)

    assert scores == {
        "r2_score": pytest.approx(metrics.r2_score(truth, predicted), rel=1e-15),
        "rmse": pytest.approx(metrics.root_mean_squared_error(truth, predicted), rel=1e-15),
        "mae": pytest.approx(metrics.mean_absolute_error(truth, predicted), rel=1e-15),
    }
    assert all(type(value) is float for value in scores.values())
