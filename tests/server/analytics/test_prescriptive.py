"""Analytics.Prescriptive on an advertising-like frame with a known quadratic
optimum: the optimum found is the analytic optimum of the same response
surface fitted by statsmodels here (unconstrained, under a budget, within
bounds, with a fixed variable), the interval is statsmodels' prediction
interval, the fit is sklearn's cross-validated fit, and infeasible
constraints are refused naming the constraint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import optimize, stats
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from neurogate.server.analytics.prescriptive import Constraints, prescribe, project
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InsufficientData, InvalidParameter

SURFACE = "sales ~ tv + radio + I(tv**2) + I(radio**2) + tv:radio"


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


def advertising(n: int = 200, seed: int = 7) -> pd.DataFrame:
    """sales = 100 + 3 tv - 0.02 tv² + 2 radio - 0.05 radio² + noise: the
    true optimum is tv = 75, radio = 20; under tv + radio <= 60 it is (50, 10)."""
    rng = np.random.default_rng(seed)
    tv, radio = rng.uniform(0, 150, n), rng.uniform(0, 50, n)
    sales = 100 + 3 * tv - 0.02 * tv**2 + 2 * radio - 0.05 * radio**2 + rng.normal(0, 1.0, n)
    return pd.DataFrame({"tv": tv, "radio": radio, "sales": sales, "region": "north"})


@pytest.fixture(scope="module")
def ads() -> Table:
    return table_of(advertising())


@pytest.fixture(scope="module")
def surface(ads: Table):
    return smf.ols(SURFACE, data=ads.frame).fit()


def gradient_zero(model) -> np.ndarray:
    """The stationary point of the fitted surface."""
    p = model.params
    hessian = np.array(
        [[2 * p["I(tv ** 2)"], p["tv:radio"]], [p["tv:radio"], 2 * p["I(radio ** 2)"]]]
    )
    return np.linalg.solve(hessian, -np.array([p["tv"], p["radio"]]))


def on_line(model, total: float) -> np.ndarray:
    """The fitted surface's maximum on tv + radio = total (a 1-D quadratic)."""
    tv = np.linspace(0, total, 3)
    values = model.predict(pd.DataFrame({"tv": tv, "radio": total - tv}))
    a, b, _ = np.polyfit(tv, values, 2)
    return np.array([-b / (2 * a), total + b / (2 * a)])


def terms(point: np.ndarray) -> np.ndarray:
    """A point's row of the SURFACE design, in statsmodels' column order."""
    tv, radio = point
    return np.array([1.0, tv, radio, tv**2, radio**2, tv * radio])


def found(result) -> np.ndarray:
    return np.array([result.optimal_solution["variables"][v] for v in ("tv", "radio")])


def test_the_unconstrained_optimum_is_the_fitted_surfaces_stationary_point(ads, surface):
    result = prescribe(ads, "sales", ["tv", "radio"], {})

    assert found(result) == pytest.approx(gradient_zero(surface), rel=1e-6)
    assert found(result) == pytest.approx([75, 20], abs=2)
    assert result.optimal_solution["model"] == "quadratic"
    assert result.optimal_solution["direction"] == "maximize"


def test_the_expected_outcome_and_interval_are_statsmodels_prediction(ads, surface):
    result = prescribe(ads, "sales", ["tv", "radio"], {})
    solution = result.optimal_solution
    point = pd.DataFrame({"tv": [found(result)[0]], "radio": [found(result)[1]]})
    expected = surface.get_prediction(point).summary_frame(alpha=0.05).iloc[0]
    means = ads.frame[["tv", "radio"]].mean()

    assert solution["expected_outcome"] == pytest.approx(expected["mean"], rel=1e-9)
    assert solution["prediction_interval"]["lower"] == pytest.approx(expected["obs_ci_lower"])
    assert solution["prediction_interval"]["upper"] == pytest.approx(expected["obs_ci_upper"])
    assert solution["baseline"]["variables"] == pytest.approx(means.to_dict(), rel=1e-12)
    base = surface.predict(means.to_frame().T).iloc[0]
    assert solution["baseline"]["expected_outcome"] == pytest.approx(base, rel=1e-9)


def test_a_budget_moves_the_optimum_onto_the_budget_line(ads, surface):
    result = prescribe(ads, "sales", ["tv", "radio"], {"budget": 60})

    assert found(result) == pytest.approx(on_line(surface, 60), rel=1e-6)
    assert found(result) == pytest.approx([50, 10], abs=2)
    assert found(result).sum() == pytest.approx(60, rel=1e-7)


def test_bounds_and_fixed_values_hold(ads, surface):
    result = prescribe(
        ads, "sales", ["tv", "radio"], {"bounds": {"tv": [0, 40]}, "fixed": {"radio": 30}}
    )

    p = surface.params
    assert found(result)[1] == 30
    assert found(result)[0] == pytest.approx(40)  # the surface still rises at tv = 40
    assert p["tv"] + 2 * p["I(tv ** 2)"] * 40 + p["tv:radio"] * 30 > 0


def test_minimize_finds_the_minimum():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"tv": rng.uniform(0, 100, 120), "radio": rng.uniform(0, 40, 120)})
    frame["cost"] = (frame["tv"] - 30) ** 2 + 2 * (frame["radio"] - 25) ** 2 + rng.normal(0, 1, 120)

    result = prescribe(table_of(frame), "minimize:cost", ["tv", "radio"], {})

    assert found(result) == pytest.approx([30, 25], abs=0.5)
    assert result.optimal_solution["direction"] == "minimize"
    assert result.recommendations[0].action == "decrease tv"


def test_model_fit_is_sklearns_5_fold_cross_validated_fit(ads: Table):
    x, y = ads.frame[["tv", "radio"]], ads.frame["sales"]
    pipeline = make_pipeline(PolynomialFeatures(2), LinearRegression())
    predicted = cross_val_predict(pipeline, x, y, cv=KFold(5, shuffle=True, random_state=0))

    fit = prescribe(ads, "sales", ["tv", "radio"], {}).model_fit

    assert fit.r2_score == pytest.approx(r2_score(y, predicted), rel=1e-9)
    assert fit.rmse == pytest.approx(root_mean_squared_error(y, predicted), rel=1e-7)
    assert fit.mae == pytest.approx(mean_absolute_error(y, predicted), rel=1e-7)


def test_recommendations_follow_the_documented_definitions(ads, surface):
    result = prescribe(ads, "sales", ["tv", "radio"], {"budget": 60})
    optimum, means = found(result), ads.frame[["tv", "radio"]].mean().to_numpy()
    feasible = means - (means.sum() - 60) / 2  # the projection onto tv + radio = 60
    contrast = surface.t_test(terms(optimum) - terms(feasible))
    confidence = stats.t.cdf(contrast.tvalue.item(), surface.df_resid)

    tv, radio = result.recommendations

    assert tv.action == "decrease tv" and radio.action == "decrease radio"
    assert tv.change == pytest.approx(100 * (optimum[0] - means[0]) / means[0], rel=1e-9)
    alone = pd.DataFrame({"tv": [optimum[0], means[0]], "radio": [means[1], means[1]]})
    gain = np.diff(surface.predict(alone).to_numpy()[::-1])[0]
    assert tv.expected_roi == pytest.approx(gain / (optimum[0] - means[0]), rel=1e-6)
    assert tv.confidence == pytest.approx(confidence, rel=1e-6)
    assert radio.confidence == tv.confidence
    solution = result.optimal_solution
    assert solution["feasible_baseline"]["variables"] == pytest.approx(
        dict(zip(["tv", "radio"], feasible, strict=True)), rel=1e-9
    )
    assert solution["expected_improvement"] == pytest.approx(
        solution["expected_outcome"]
        - surface.predict(pd.DataFrame([feasible], columns=["tv", "radio"])).iloc[0],
        rel=1e-6,
    )
    assert solution["expected_improvement"] >= 0


def test_the_feasible_baseline_is_the_projection_onto_bounds_and_budget():
    low, high = np.array([0.0, 5.0, 2.0]), np.array([10.0, 6.0, 2.0])
    constraints = Constraints(budget=9.0, low=low, high=high)
    point = np.array([8.0, 9.0, 7.0])

    got = project(point, constraints)
    nearest = optimize.minimize(
        lambda x: ((x - point) ** 2).sum(),
        np.array([1.0, 5.5, 2.0]),
        method="SLSQP",
        bounds=list(zip(low, high, strict=True)),
        constraints=[{"type": "ineq", "fun": lambda x: 9.0 - x.sum()}],
        options={"ftol": 1e-14},
    )

    assert got == pytest.approx(nearest.x, abs=1e-6)
    assert got == pytest.approx([2.0, 5.0, 2.0])


def test_few_rows_fall_back_to_a_linear_model_and_a_corner_optimum():
    frame = advertising(n=12)
    frame["sales"] = 5 + 0.1 * frame["tv"] + 0.3 * frame["radio"]
    frame.loc[0, "sales"] += 0.01
    x = frame[["tv", "radio"]]

    result = prescribe(table_of(frame), "sales", ["tv", "radio"], {})

    assert result.optimal_solution["model"] == "linear"
    assert found(result) == pytest.approx(x.max().to_numpy(), rel=1e-9)
    assert [r.action for r in result.recommendations] == ["increase tv", "increase radio"]


@pytest.mark.parametrize(
    ("objective", "variables", "constraints", "parameter"),
    [
        ("sales", ["tv", "radio"], {"budgets": 3}, "constraints"),
        ("sales", ["tv", "radio"], {"bounds": {"print": [0, 1]}}, "constraints.bounds"),
        ("sales", ["tv", "radio"], {"bounds": {"tv": [50, 10]}}, "constraints.bounds.tv"),
        ("sales", ["tv", "radio"], {"bounds": {"tv": [500, 900]}}, "constraints.bounds.tv"),
        ("sales", ["tv", "radio"], {"bounds": {"tv": 5}}, "constraints.bounds.tv"),
        ("sales", ["tv", "radio"], {"bounds": {"tv": ["a", 5]}}, "constraints.bounds.tv"),
        ("sales", ["tv", "radio"], {"fixed": {"radio": 80}}, "constraints.fixed.radio"),
        (
            "sales",
            ["tv", "radio"],
            {"bounds": {"radio": [0, 10]}, "fixed": {"radio": 20}},
            "constraints.fixed.radio",
        ),
        ("sales", ["tv", "radio"], {"fixed": {"sales": 1}}, "constraints.fixed"),
        (
            "sales",
            ["tv", "radio"],
            {"budget": 50, "bounds": {"tv": [40, 100], "radio": [20, 30]}},
            "constraints.budget",
        ),
        ("sales", ["tv", "radio"], {"budget": "lots"}, "constraints.budget"),
        ("maximise:sales", ["tv", "radio"], {}, "objective"),
        ("region", ["tv", "radio"], {}, "objective"),
        ("sales", [], {}, "variables"),
        ("sales", ["tv", "region"], {}, "variables"),
        ("sales", ["tv", "sales"], {}, "variables"),
        ("sales", ["tv", "tv"], {}, "variables"),
    ],
)
def test_bad_or_infeasible_requests_are_refused_naming_the_constraint(
    ads, objective, variables, constraints, parameter
):
    with pytest.raises(InvalidParameter) as raised:
        prescribe(ads, objective, variables, constraints)

    assert raised.value.details["parameter"] == parameter


def test_a_constant_variable_is_refused():
    frame = advertising(n=30).assign(radio=5.0)

    with pytest.raises(InvalidParameter) as raised:
        prescribe(table_of(frame), "sales", ["tv", "radio"], {})

    assert raised.value.details == {"parameter": "variables", "value": "radio"}


def test_too_few_rows_are_insufficient_data():
    with pytest.raises(InsufficientData):
        prescribe(table_of(advertising(n=6)), "sales", ["tv", "radio"], {})


def test_variables_on_very_different_scales_reach_the_same_optimum(ads, surface):
    frame = ads.frame.assign(tv=ads.frame["tv"] * 1e4, radio=ads.frame["radio"] * 1e-3)

    result = prescribe(table_of(frame), "sales", ["tv", "radio"], {})

    assert found(result) == pytest.approx(gradient_zero(surface) * [1e4, 1e-3], rel=1e-5)


def test_a_variable_held_at_its_baseline_is_kept(ads):
    mean = float(ads.frame["radio"].mean())

    result = prescribe(ads, "sales", ["tv", "radio"], {"fixed": {"radio": mean}})

    radio = result.recommendations[1]
    assert (radio.action, radio.change, radio.expected_roi) == ("keep radio", 0.0, 0.0)
