"""``Analytics.Prescriptive``: the decision-variable values that optimise an
objective column, within constraints and the range the data supports.

Request
    ``objective`` is a numeric column to maximise, or ``"minimize:column"``
    (``"maximize:column"`` is accepted too). ``variables`` are numeric
    decision columns. ``constraints`` (every key optional)::

        {"budget": 100.0,                      # sum of the variables <= budget
         "bounds": {"tv": [10, 80], "radio": [null, 40]},   # null: data limit
         "fixed":  {"print": 5.0}}             # held at this value

    An unknown key or variable, a bound with lo > hi, a bound or fixed value
    outside the data's [min, max] of that variable, or a budget below the sum
    of the lowest values the variables may take is INVALID_PARAMETER naming
    the constraint: an infeasible request is never answered with a default.

Response model
    Ordinary least squares (statsmodels) on the rows where the objective and
    every variable are present. A second-order response surface (intercept,
    linear terms, squares and pairwise interactions: the classic RSM model)
    when there are at least :data:`ROWS_PER_TERM` rows per term; a linear
    model when there are fewer but at least ``2 * (k + 1) + 1`` rows for k
    variables; INSUFFICIENT_DATA below. Variables are standardised before the
    terms are built (an affine change that leaves the fitted surface
    unchanged, for conditioning). ``model_fit`` is measured out of sample:
    R², RMSE and MAE of the pooled out-of-fold predictions of a 5-fold
    cross-validation (shuffled, seed 0; as ``sklearn.model_selection.KFold``).

Optimisation
    SciPy SLSQP maximises (or minimises) the fitted mean response within each
    variable's bounds intersected with its data range, fixed variables held,
    under the budget, from several starts (the baseline, the box's centre, its
    lower corner and :data:`RANDOM_STARTS` seeded random points); the best
    feasible end point wins. The model is not extrapolated outside the data.

Reported
    - ``optimal_solution``: ``variables`` (optimal values),
      ``expected_outcome`` and its ``prediction_interval`` (95% interval for
      a new observation, statsmodels ``get_prediction(...).obs_ci``),
      ``baseline``: where the data is now, each variable's mean over the
      model's rows, and its predicted outcome; ``feasible_baseline``: the
      baseline brought within the constraints (its Euclidean projection onto
      the bounds, fixed values and budget: ``clip(mean - t, lo, hi)`` with the
      least ``t >= 0`` that meets the budget), equal to the baseline when it
      already complies, and its predicted outcome; ``expected_improvement``:
      optimum minus feasible-baseline prediction (never negative when
      maximising, never positive when minimising: every start, the feasible
      baseline among them, is a candidate);
      ``direction``, ``model`` (quadratic or linear), ``rows``, ``total``
      (sum of the optimal values) and ``budget`` when given.
    - one recommendation per variable, in request order, measured from the
      baseline (the data's mean, what is done now): ``action`` (``increase
      x``/``decrease x``, or ``keep x`` when the optimum is within 1% of x's
      data range of the baseline); ``change``: percent of the baseline value
      (of the data range when the baseline is 0); ``expected_roi``: the
      predicted change of the objective per unit change of the variable when
      it alone moves from baseline to optimum (objective units per variable
      unit, its sign the objective's; 0 when kept); ``confidence``: the
      model's probability that the optimum's mean outcome beats the feasible
      baseline's (in the objective's direction), from the t distribution of
      the difference of the two predicted means (residual degrees of
      freedom), 0.5 when the two coincide — the same for every variable,
      since it is the plan as a whole that is compared. (The comparison is
      with the feasible baseline because a budget below today's spending
      forbids staying where the data is.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from scipy import optimize, stats
from sklearn.model_selection import KFold

from neurogate.server.analytics.scores import regression_scores
from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter

CONSTRAINT_KEYS: Final = ("budget", "bounds", "fixed")
#: Rows per term needed for the quadratic response surface.
ROWS_PER_TERM: Final = 3
RANDOM_STARTS: Final = 8
CV_FOLDS: Final = 5
INTERVAL_LEVEL: Final = 0.95
#: Moves smaller than this share of a variable's data range are "keep".
KEEP_TOLERANCE: Final = 0.01
_FEASIBILITY: Final = 1e-7


@dataclass(frozen=True)
class Constraints:
    budget: float | None
    #: Per variable: the box it may move in (bounds within the data range).
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class ModelFit:
    r2_score: float
    rmse: float
    mae: float


@dataclass(frozen=True)
class Recommendation:
    variable: str
    action: str
    change: float
    expected_roi: float
    confidence: float


@dataclass(frozen=True)
class Prescription:
    optimal_solution: dict[str, Any]
    recommendations: list[Recommendation]
    model_fit: ModelFit


def parse_objective(objective: str) -> tuple[str, float]:
    """The objective column and the sign that turns it into a maximisation."""
    direction, _, column = objective.partition(":")
    if not column:
        return objective, 1.0
    if direction not in ("maximize", "minimize"):
        raise InvalidParameter(
            f"objective {objective!r}: {direction!r} is not maximize or minimize",
            parameter="objective",
            value=objective,
            valid_choices=["column", "maximize:column", "minimize:column"],
        )
    return column, 1.0 if direction == "maximize" else -1.0


def _number(value: Any, parameter: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameter(
            f"{parameter} must be a finite number, not {value!r}", parameter=parameter, value=value
        )
    return float(value)


def _variable(name: Any, variables: Sequence[str], parameter: str) -> str:
    if name not in variables:
        raise InvalidParameter(
            f"{parameter} names {name!r}, which is not one of the variables",
            parameter=parameter,
            value=name,
            valid_choices=list(variables),
        )
    return name


def parse_constraints(
    raw: Mapping[str, Any], variables: Sequence[str], data_min: np.ndarray, data_max: np.ndarray
) -> Constraints:
    """The feasible box and budget, or INVALID_PARAMETER naming the
    constraint that is unknown, malformed or infeasible."""
    for key in raw:
        if key not in CONSTRAINT_KEYS:
            raise InvalidParameter(
                f"unknown constraint {key!r}",
                parameter="constraints",
                value=key,
                valid_choices=list(CONSTRAINT_KEYS),
            )
    low, high = data_min.astype(float).copy(), data_max.astype(float).copy()
    bounds = raw.get("bounds") or {}
    fixed = raw.get("fixed") or {}
    for key, value in (("bounds", bounds), ("fixed", fixed)):
        if not isinstance(value, dict):
            raise InvalidParameter(
                f"constraints.{key} must be an object keyed by variable",
                parameter=f"constraints.{key}",
                value=value,
            )
    for name, pair in bounds.items():
        i = variables.index(_variable(name, variables, "constraints.bounds"))
        parameter = f"constraints.bounds.{name}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidParameter(
                f"{parameter} must be [lo, hi] (null for no limit)",
                parameter=parameter,
                value=pair,
            )
        lo = -math.inf if pair[0] is None else _number(pair[0], parameter)
        hi = math.inf if pair[1] is None else _number(pair[1], parameter)
        if lo > hi:
            raise InvalidParameter(
                f"{parameter}: lower bound {lo} is above upper bound {hi}",
                parameter=parameter,
                value=pair,
            )
        low[i], high[i] = max(low[i], lo), min(high[i], hi)
        if low[i] > high[i]:
            raise InvalidParameter(
                f"{parameter} [{pair[0]}, {pair[1]}] does not meet the range the data "
                f"supports, [{data_min[i]}, {data_max[i]}]",
                parameter=parameter,
                value=pair,
                valid_range=[float(data_min[i]), float(data_max[i])],
            )
    for name, value in fixed.items():
        i = variables.index(_variable(name, variables, "constraints.fixed"))
        parameter = f"constraints.fixed.{name}"
        number = _number(value, parameter)
        if not low[i] <= number <= high[i]:
            raise InvalidParameter(
                f"{parameter} = {number} is outside [{low[i]}, {high[i]}], its bounds within "
                "the range the data supports",
                parameter=parameter,
                value=number,
                valid_range=[float(low[i]), float(high[i])],
            )
        low[i] = high[i] = number
    budget = None
    if raw.get("budget") is not None:
        budget = _number(raw["budget"], "constraints.budget")
        least = float(low.sum())
        if budget < least - _FEASIBILITY * max(1.0, abs(least)):
            raise InvalidParameter(
                f"constraints.budget {budget} is below {least}, the least the variables can "
                "sum to within their bounds, fixed values and data range",
                parameter="constraints.budget",
                value=budget,
                minimum=least,
            )
    return Constraints(budget, low, high)


# ---------------------------------------------------------------- response model


def terms(z: np.ndarray, quadratic: bool) -> np.ndarray:
    """Design matrix: intercept, linear terms and, when quadratic, squares
    and pairwise interactions."""
    n, k = z.shape
    columns = [np.ones(n), *(z[:, i] for i in range(k))]
    if quadratic:
        columns += [z[:, i] ** 2 for i in range(k)]
        columns += [z[:, i] * z[:, j] for i in range(k) for j in range(i + 1, k)]
    return np.column_stack(columns)


def _term_count(k: int, quadratic: bool) -> int:
    return 1 + k + (k + k * (k - 1) // 2 if quadratic else 0)


def cross_validated_fit(design: np.ndarray, y: np.ndarray) -> ModelFit:
    """Out-of-fold R², RMSE and MAE (see the module doc)."""
    predicted = np.empty_like(y)
    for train, test in KFold(CV_FOLDS, shuffle=True, random_state=0).split(design):
        coef, *_ = np.linalg.lstsq(design[train], y[train], rcond=None)
        predicted[test] = design[test] @ coef
    return ModelFit(**regression_scores(y, predicted))


def project(point: np.ndarray, constraints: Constraints) -> np.ndarray:
    """The Euclidean projection of ``point`` onto the box and the budget:
    ``clip(point - t, low, high)`` with the least ``t >= 0`` meeting the
    budget (the KKT conditions of the projection onto a box cut by one
    half-space), found by bisection; the sum is decreasing in ``t``."""
    low, high = constraints.low, constraints.high

    def at(t: float) -> np.ndarray:
        return np.clip(point - t, low, high)

    budget = constraints.budget
    if budget is None or at(0.0).sum() <= budget:
        return at(0.0)
    lo_t, hi_t = 0.0, float(np.max(point - low))  # at hi_t every value is at its low
    for _ in range(200):
        mid = (lo_t + hi_t) / 2
        if at(mid).sum() > budget:
            lo_t = mid
        else:
            hi_t = mid
    return at(hi_t)


def _optimise(predict: Any, constraints: Constraints, start_points: list[np.ndarray]) -> np.ndarray:
    """The best feasible point SLSQP reaches from the starts, or the best
    feasible start. SLSQP works in unit-box coordinates (each free variable
    mapped from [low, high] to [0, 1]) so variables of different scales are
    treated alike; fixed variables are not decision variables."""
    free = constraints.low < constraints.high
    if not free.any():
        return constraints.low.copy()
    low, span = constraints.low[free], constraints.high[free] - constraints.low[free]

    def full(u: np.ndarray) -> np.ndarray:
        point = constraints.low.copy()
        point[free] = low + np.clip(u, 0.0, 1.0) * span
        return point

    def loss(u: np.ndarray) -> float:
        return -float(predict(full(u)))

    budget_constraints = []
    if constraints.budget is not None:
        # sum(x) <= budget, i.e. budget - sum(fixed and low values) - span . u >= 0.
        slack = constraints.budget - float(constraints.low.sum())
        budget_constraints.append({"type": "ineq", "fun": lambda u: slack - float(span @ u)})
        tolerance = _FEASIBILITY * max(1.0, abs(constraints.budget))
    else:
        slack, tolerance = math.inf, 0.0

    def affordable(u: np.ndarray) -> bool:
        return float(span @ u) <= slack + tolerance

    best = np.zeros(len(low))  # every free variable at its low: feasible (checked before)
    best_loss = loss(best)
    for start in start_points:
        u0 = np.clip((start[free] - low) / span, 0.0, 1.0)
        result = optimize.minimize(
            loss,
            u0,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * len(low),
            constraints=budget_constraints,
            options={"ftol": 1e-12, "maxiter": 500},
        )
        for u in (u0, np.clip(result.x, 0.0, 1.0)):
            if affordable(u) and loss(u) < best_loss:
                best, best_loss = u, loss(u)
    return full(best)


def prescribe(
    table: Table, objective: str, variables: Sequence[str], raw_constraints: Mapping[str, Any]
) -> Prescription:
    """Fit, optimise and recommend (see the module doc)."""
    import statsmodels.api as sm

    column, sense = parse_objective(objective)
    table.check(column, parameter="objective", types=("numeric",))
    if not variables:
        raise InvalidParameter(
            "variables are required: the numeric decision columns",
            parameter="variables",
            valid_choices=[n for n in table.names(("numeric",)) if n != column],
        )
    for name in variables:
        table.check(name, parameter="variables", types=("numeric",))
        if name == column or list(variables).count(name) > 1:
            raise InvalidParameter(
                f"variables name {name!r} twice or as the objective",
                parameter="variables",
                value=name,
            )
    variables = list(variables)
    rows = table.frame[[column, *variables]].astype("float64").dropna()
    y = rows[column].to_numpy()
    x = rows[variables].to_numpy()
    n, k = x.shape
    linear_rows = 2 * _term_count(k, False) + 1
    if n < linear_rows:
        raise InsufficientData(
            f"{n} rows have the objective and every variable; at least {linear_rows} are needed",
            parameter="variables",
            rows=n,
            minimum=linear_rows,
        )
    data_min, data_max = x.min(axis=0), x.max(axis=0)
    for i, name in enumerate(variables):
        if data_min[i] == data_max[i]:
            raise InvalidParameter(
                f"variable {name!r} is constant in the data; its effect cannot be estimated",
                parameter="variables",
                value=name,
            )
    if np.ptp(y) == 0:
        raise InvalidParameter(
            f"objective {column!r} is constant in the data", parameter="objective", value=column
        )
    constraints = parse_constraints(raw_constraints, variables, data_min, data_max)

    quadratic = n >= ROWS_PER_TERM * _term_count(k, True)
    center, spread = x.mean(axis=0), x.std(axis=0)
    design = terms((x - center) / spread, quadratic)
    model = sm.OLS(y, design).fit()
    fit = cross_validated_fit(design, y)

    def row(point: np.ndarray) -> np.ndarray:
        return terms(((point - center) / spread)[None, :], quadratic)

    def predict(point: np.ndarray) -> float:
        return sense * float((row(point) @ model.params)[0])

    baseline = center.copy()
    feasible = project(baseline, constraints)
    rng = np.random.default_rng(0)
    starts = [feasible, (constraints.low + constraints.high) / 2, constraints.low.copy()]
    starts += [rng.uniform(constraints.low, constraints.high) for _ in range(RANDOM_STARTS)]
    optimum = _optimise(predict, constraints, starts)

    frame = model.get_prediction(row(optimum)).summary_frame(alpha=1 - INTERVAL_LEVEL)
    expected = float(frame["mean"].iloc[0])
    base_outcome = float((row(baseline) @ model.params)[0])
    feasible_outcome = float((row(feasible) @ model.params)[0])
    contrast = (row(optimum) - row(feasible))[0]
    difference = sense * float(contrast @ model.params)
    se = float(np.sqrt(max(contrast @ model.cov_params() @ contrast, 0.0)))
    # No uncertainty in the difference only when the optimum is the feasible baseline.
    confidence = float(stats.t.cdf(difference / se, model.df_resid)) if se > 0 else 0.5

    recommendations = []
    for i, name in enumerate(variables):
        moved = optimum[i] - baseline[i]
        span = data_max[i] - data_min[i]
        if abs(moved) < KEEP_TOLERANCE * span:
            recommendations.append(Recommendation(name, f"keep {name}", 0.0, 0.0, confidence))
            continue
        alone = baseline.copy()
        alone[i] = optimum[i]
        gain = (row(alone) - row(baseline))[0] @ model.params
        reference = abs(baseline[i]) if baseline[i] != 0 else span
        recommendations.append(
            Recommendation(
                name,
                f"{'increase' if moved > 0 else 'decrease'} {name}",
                float(100 * moved / reference),
                float(gain / moved),
                confidence,
            )
        )
    solution = {
        "objective": column,
        "direction": "maximize" if sense > 0 else "minimize",
        "variables": dict(zip(variables, optimum.tolist(), strict=True)),
        "expected_outcome": expected,
        "prediction_interval": {
            "lower": float(frame["obs_ci_lower"].iloc[0]),
            "upper": float(frame["obs_ci_upper"].iloc[0]),
            "level": INTERVAL_LEVEL,
        },
        "baseline": {
            "variables": dict(zip(variables, baseline.tolist(), strict=True)),
            "expected_outcome": base_outcome,
        },
        "feasible_baseline": {
            "variables": dict(zip(variables, feasible.tolist(), strict=True)),
            "expected_outcome": feasible_outcome,
        },
        "expected_improvement": expected - feasible_outcome,
        "total": float(optimum.sum()),
        "model": "quadratic" if quadratic else "linear",
        "rows": n,
    }
    if constraints.budget is not None:
        solution["budget"] = constraints.budget
    return Prescription(solution, recommendations, fit)
