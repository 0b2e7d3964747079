"""Forecasts of a dataset's numeric column over its datetime column
(``Analytics.Predictive``).

The series
    Rows whose date or target is missing (or whose target is not finite) are
    skipped. The rest are grouped into periods of the ``interval`` (``hour``,
    ``day``, ``week`` or ``month``; ``day`` by default) and each period's
    value is the **mean** of its rows: a level, comparable between periods
    however many rows each holds (a sum would confuse "more rows" with "more
    of the target"). A week runs Monday to Sunday and is labelled by its
    Monday; a month is labelled by its first day. Datetimes with a UTC offset
    are taken in UTC. Periods without rows are gaps: they are not invented.

Predictors
    Future values of the dataset's other columns are unknown when forecasting,
    so the only predictors are **calendar features** of the period, computed
    for any date. A dataset column named in ``features`` is refused
    (INVALID_PARAMETER listing the calendar features). The features, and the
    design columns each adds:

    ``trend``         periods since the series' first period (0, 1, 2, ...),
                      counted on the calendar, so gaps keep their distance;
    ``hour_of_day``   23 indicators, hours 1..23 (hour 0 is the reference);
    ``day_of_week``   6 indicators, Tuesday..Sunday (Monday is the reference);
    ``month``         11 indicators, February..December (January the reference);
    ``week_of_year``  Fourier terms of the position in the year,
                      sin and cos of 2*pi*k*(day_of_year - 1)/365.25 for
                      k = 1, 2, 3: a smooth yearly shape in 6 columns instead of
                      51 indicators that weekly data could rarely fill.

    Per interval, the default set and the allowed ones (:data:`DEFAULT_FEATURES`,
    :data:`ALLOWED_FEATURES`): hour -> trend + hour_of_day (day_of_week
    allowed); day -> trend + day_of_week (month, week_of_year allowed);
    week -> trend + week_of_year (month allowed); month -> trend + month.
    Indicators are made for the levels the fitting periods show, the first of
    them being the reference (Monday, hour 0 and January above when present),
    so the design stays of full rank: business-hours data has no night-hour
    columns. A level the fitting periods never show (a night hour in the
    horizon) is forecast as the reference level; the levels are stored with
    the model (``details.design_columns``).

Models (``model_type``)
    ``linear_regression`` (default): OLS with an intercept (statsmodels).
    ``ridge``: scikit-learn ``Ridge(alpha=1.0)`` with an intercept.
    ``random_forest``: ``RandomForestRegressor(n_estimators=200, random_state=0)``.
    ``gradient_boosting``: ``GradientBoostingRegressor(random_state=0)``.
    The trees cannot extrapolate: beyond the data their trend is flat.
    ``seasonal``: a structural time-series model, statsmodels
    ``UnobservedComponents``: a local linear trend (level and slope that
    drift), a stochastic trigonometric seasonal of period s = 24 (hour),
    7 (day), 52 (week) or 12 (month) with min(s // 2, 6) harmonics (the
    complete seasonal for days and months, a smooth shape for hours and
    weeks), and white noise; variances by maximum likelihood. It takes no
    calendar features. A SARIMAX "airline" model, (0,1,1)(0,1,1,s), was the
    other candidate: its state holds s + 2 values, so a weekly (s = 52) fit
    took over a minute, where this state holds 2 + 2 * harmonics. Both are
    state-space models: the periods between the first and the last are laid
    out on the calendar and gaps are left missing, which the Kalman filter
    skips (no values are invented).

Hold-out metrics
    The last ``ceil(test_size * periods)`` periods present (``test_size`` 0.2
    by default) are held out: the model is fitted on the earlier periods and
    scored on these with scikit-learn's ``r2_score``, RMSE and MAE. The model
    is then refitted on the whole series to forecast; the stored model is that
    refit.

Forecast and prediction intervals
    ``horizon`` periods (:data:`DEFAULT_HORIZON` per interval when 0, at most
    :data:`MAX_HORIZON`) after the last period present, at ``confidence_level``
    (0.95 by default), with ``interval_method`` naming the method:

    ``ols_prediction_interval``: linear_regression. The exact normal-theory
        interval for a new observation, ``x'b +- t(df_resid) * sqrt(s^2 (1 +
        x'(X'X)^-1 x))``, from statsmodels ``get_prediction().summary_frame``
        (``obs_ci_lower``/``obs_ci_upper``).
    ``split_conformal``: ridge, random_forest, gradient_boosting. The
        ``ceil((m + 1) * level)``-th smallest absolute residual of the head
        fit on the m hold-out periods, added either side of the forecast.
        Valid for exchangeable errors; it ignores that errors grow with the
        horizon, and is applied to the refit. A level that m periods cannot
        support (m < level / (1 - level)) is INSUFFICIENT_DATA, never an
        unbounded interval.
    ``state_space_forecast_interval``: seasonal. statsmodels
        ``get_forecast().conf_int(alpha)``: the Kalman filter's forecast
        variance, which widens with the horizon (the variances are taken as
        known; their estimation error is not included).

Too little data is INSUFFICIENT_DATA with the numbers: fewer than
:data:`MIN_PERIODS` periods, fewer than 2 hold-out periods, a head with no
more periods than the regression has design columns (the OLS interval needs
residual degrees of freedom), or, for ``seasonal``, a head spanning fewer than
two seasons. A seasonal series spanning more than :data:`MAX_SEASONAL_PERIODS`
periods is refused (INVALID_PARAMETER on ``interval``): a coarser interval fits.

The stored model is a :class:`Forecaster`: ``predict(frame)`` takes a frame
with the date column (datetime64) and returns the forecast for the period of
each date, built from the same calendar features and trend origin as in
training.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

from neurogate.server.analytics.scores import regression_scores
from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter, ModelTrainingFailed

MODEL_TYPES: Final = (
    "linear_regression",
    "ridge",
    "random_forest",
    "gradient_boosting",
    "seasonal",
)
INTERVALS: Final = ("hour", "day", "week", "month")
DEFAULT_MODEL: Final = "linear_regression"
DEFAULT_INTERVAL: Final = "day"
DEFAULT_CONFIDENCE: Final = 0.95
DEFAULT_TEST_SIZE: Final = 0.2
#: One natural cycle: a day of hours, a week of days, about a month of weeks,
#: a year of months.
DEFAULT_HORIZON: Final = {"hour": 24, "day": 7, "week": 4, "month": 12}
MAX_HORIZON: Final = 1000
MIN_PERIODS: Final = 8
MIN_HOLDOUT: Final = 2
#: Seasonal period of the ``seasonal`` model, in periods.
SEASON: Final = {"hour": 24, "day": 7, "week": 52, "month": 12}
CALENDAR_FEATURES: Final = ("trend", "hour_of_day", "day_of_week", "month", "week_of_year")
DEFAULT_FEATURES: Final = {
    "hour": ("trend", "hour_of_day"),
    "day": ("trend", "day_of_week"),
    "week": ("trend", "week_of_year"),
    "month": ("trend", "month"),
}
ALLOWED_FEATURES: Final = {
    "hour": ("trend", "hour_of_day", "day_of_week"),
    "day": ("trend", "day_of_week", "month", "week_of_year"),
    "week": ("trend", "week_of_year", "month"),
    "month": ("trend", "month"),
}
FOURIER_ORDER: Final = 3
YEAR_DAYS: Final = 365.25
#: pandas period frequency of each interval; weeks end on Sunday (start Monday).
_FREQ: Final = {"hour": "h", "day": "D", "week": "W-SUN", "month": "M"}
#: Most harmonics of the seasonal model's trigonometric seasonal.
MAX_HARMONICS: Final = 6
#: Most calendar periods the seasonal model lays out (first to last, gaps
#: included): more than a year of hours. Each costs a Kalman filter step in
#: every likelihood evaluation, and a longer series would hold a worker for
#: minutes; a coarser interval answers instead.
MAX_SEASONAL_PERIODS: Final = 10_000


# ---------------------------------------------------------------- options


@dataclass(frozen=True)
class ForecastOptions:
    """A request's options, checked, with defaults filled in."""

    model_type: str
    interval: str
    horizon: int
    confidence_level: float
    test_size: float
    features: tuple[str, ...]


def forecast_options(
    *,
    model_type: str,
    interval: str,
    horizon: int,
    confidence_level: float,
    test_size: float,
    features: Sequence[str],
    columns: Sequence[str] = (),
) -> ForecastOptions:
    """Checks the options (proto zeros meaning "default"); ``columns`` are the
    dataset's columns, named in the refusal of a column used as a feature."""
    model_type = model_type or DEFAULT_MODEL
    if model_type not in MODEL_TYPES:
        raise InvalidParameter(
            f"unknown model_type {model_type!r}",
            parameter="model_type",
            value=model_type,
            valid_choices=list(MODEL_TYPES),
        )
    interval = interval or DEFAULT_INTERVAL
    if interval not in INTERVALS:
        raise InvalidParameter(
            f"unknown interval {interval!r}",
            parameter="interval",
            value=interval,
            valid_choices=list(INTERVALS),
        )
    horizon = horizon or DEFAULT_HORIZON[interval]
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidParameter(
            f"horizon must be between 1 and {MAX_HORIZON} periods",
            parameter="horizon",
            value=horizon,
            valid_range=[1, MAX_HORIZON],
        )
    confidence_level = confidence_level or DEFAULT_CONFIDENCE
    if not 0.0 < confidence_level < 1.0:  # also refuses NaN
        raise InvalidParameter(
            "confidence_level must be strictly between 0 and 1, e.g. 0.95",
            parameter="confidence_level",
            value=confidence_level,
            valid_range=[0, 1],
        )
    test_size = test_size or DEFAULT_TEST_SIZE
    if not 0.0 < test_size < 1.0:
        raise InvalidParameter(
            "test_size must be strictly between 0 and 1, the share of periods held out",
            parameter="test_size",
            value=test_size,
            valid_range=[0, 1],
        )
    return ForecastOptions(
        model_type=model_type,
        interval=interval,
        horizon=horizon,
        confidence_level=confidence_level,
        test_size=test_size,
        features=_calendar_features(model_type, interval, features, columns),
    )


def _calendar_features(
    model_type: str, interval: str, features: Sequence[str], columns: Sequence[str]
) -> tuple[str, ...]:
    allowed = ALLOWED_FEATURES[interval]
    if model_type == "seasonal":
        if features:
            raise InvalidParameter(
                "the seasonal model takes no features: its seasonality comes from "
                f"the series itself (period {SEASON[interval]} at interval {interval!r})",
                parameter="features",
                value=list(features),
                valid_choices=[],
            )
        return ()
    chosen: list[str] = []
    for name in features:
        if name in allowed:
            if name not in chosen:
                chosen.append(name)
            continue
        if name in columns:
            message = (
                f"{name!r} is a column of the dataset; its future values are unknown, "
                "so forecasts use calendar features of the date only"
            )
        elif name in CALENDAR_FEATURES:
            message = f"calendar feature {name!r} does not apply at interval {interval!r}"
        else:
            message = f"unknown calendar feature {name!r}"
        raise InvalidParameter(
            message, parameter="features", value=name, valid_choices=list(allowed)
        )
    return tuple(chosen) or DEFAULT_FEATURES[interval]


# ---------------------------------------------------------------- series


@dataclass(frozen=True)
class Series:
    """A target aggregated per period: period ordinals (pandas ``Period``
    ordinals at the interval's frequency), ascending, and each one's mean."""

    interval: str
    ordinals: np.ndarray
    values: np.ndarray
    #: Rows that went into the series (date and target present).
    rows: int


def _as_naive(stamps: pd.Series) -> pd.Series:
    """Datetimes with a time zone, in UTC without it; others unchanged."""
    if getattr(stamps.dt, "tz", None) is not None:
        return stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def period_ordinals(stamps: pd.Series, interval: str) -> np.ndarray:
    """The ordinal of each date's period (no missing dates)."""
    return np.asarray(_as_naive(stamps).dt.to_period(_FREQ[interval]).array.asi8, dtype=np.int64)


def period_starts(ordinals: np.ndarray, interval: str) -> pd.DatetimeIndex:
    return pd.PeriodIndex.from_ordinals(ordinals, freq=_FREQ[interval]).start_time


def build_series(dates: pd.Series, target: pd.Series, interval: str) -> Series:
    """Mean of ``target`` per period of ``dates``; rows missing either skipped."""
    values = target.to_numpy(dtype="float64", na_value=np.nan)
    keep = dates.notna().to_numpy() & np.isfinite(values)
    ordinals = period_ordinals(dates[keep], interval)
    means = pd.Series(values[keep]).groupby(ordinals).mean()
    return Series(
        interval=interval,
        ordinals=means.index.to_numpy(dtype=np.int64),
        values=means.to_numpy(dtype="float64"),
        rows=int(keep.sum()),
    )


def period_label(ordinal: int, interval: str) -> str:
    """ISO 8601: a date-time for hours, the period's first day otherwise."""
    start = period_starts(np.array([ordinal]), interval)[0]
    return start.isoformat() if interval == "hour" else start.date().isoformat()


# ---------------------------------------------------------------- design


def _level_of(feature: str, starts: pd.DatetimeIndex) -> np.ndarray:
    """The level each period has under an indicator feature."""
    if feature == "hour_of_day":
        return starts.hour.to_numpy()
    if feature == "day_of_week":
        return starts.day_of_week.to_numpy()
    return starts.month.to_numpy()


_INDICATORS: Final = ("hour_of_day", "day_of_week", "month")


@dataclass(frozen=True)
class Calendar:
    """The calendar features of a fitted model: how any period becomes a row
    of the design (without the intercept)."""

    interval: str
    #: Ordinal of the series' first period, where the trend is 0.
    origin: int
    features: tuple[str, ...]
    #: Per indicator feature, the levels with an indicator column: those the
    #: fitting periods show but the first, which is the reference.
    levels: dict[str, tuple[int, ...]]

    @classmethod
    def fit(
        cls, ordinals: np.ndarray, interval: str, features: Sequence[str], origin: int
    ) -> Calendar:
        starts = period_starts(ordinals, interval)
        levels = {
            feature: tuple(int(v) for v in np.unique(_level_of(feature, starts))[1:])
            for feature in features
            if feature in _INDICATORS
        }
        return cls(interval, origin, tuple(features), levels)

    def columns(self) -> list[str]:
        """Names of the design columns."""
        names: list[str] = []
        for feature in self.features:
            if feature == "trend":
                names.append("trend")
            elif feature in _INDICATORS:
                names += [f"{feature}={level}" for level in self.levels[feature]]
            else:  # week_of_year
                for k in range(1, FOURIER_ORDER + 1):
                    names += [f"week_of_year_sin{k}", f"week_of_year_cos{k}"]
        return names

    def design(self, ordinals: np.ndarray) -> np.ndarray:
        """The design rows of these periods, columns as :meth:`columns` names them."""
        starts = period_starts(ordinals, self.interval)
        blocks: list[np.ndarray] = [np.empty((len(ordinals), 0))]
        for feature in self.features:
            if feature == "trend":
                blocks.append((ordinals - self.origin).astype("float64")[:, None])
            elif feature in _INDICATORS:
                kept = np.asarray(self.levels[feature], dtype=np.int64)
                level = _level_of(feature, starts)
                blocks.append((level[:, None] == kept[None, :]).astype("float64"))
            else:  # week_of_year
                phase = 2 * np.pi * (starts.day_of_year.to_numpy() - 1) / YEAR_DAYS
                for k in range(1, FOURIER_ORDER + 1):
                    blocks.append(np.column_stack([np.sin(k * phase), np.cos(k * phase)]))
        return np.column_stack(blocks)


def _with_intercept(design: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(design)), design])


# ---------------------------------------------------------------- the stored model


@dataclass(frozen=True)
class Forecaster:
    """A fitted forecast, stored as the model artifact: ``predict`` gives the
    forecast for the period of each date in ``frame[date_column]``.

    ``estimator`` is the OLS coefficient vector (intercept first) for
    linear_regression, the fitted scikit-learn regressor for ridge and the
    trees, and a :class:`StateSpaceFit` for seasonal (positions on the calendar
    from ``origin``: in-sample positions get one-step-ahead predictions, later
    ones the forecast)."""

    model_type: str
    interval: str
    date_column: str
    #: Ordinal of the series' first period: trend 0, seasonal model position 0.
    origin: int
    #: The regressions' calendar features (None for seasonal).
    calendar: Calendar | None
    estimator: Any = field(repr=False)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        stamps = frame[self.date_column]
        if stamps.isna().any():
            raise InvalidParameter(
                f"{self.date_column!r} has missing dates; a forecast needs a date per record",
                parameter=self.date_column,
            )
        return self.predict_periods(period_ordinals(stamps, self.interval))

    def predict_periods(self, ordinals: np.ndarray) -> np.ndarray:
        if len(ordinals) == 0:
            return np.empty(0)
        if self.model_type == "seasonal":
            return self._predict_positions(ordinals - self.origin)
        assert self.calendar is not None
        design = self.calendar.design(ordinals)
        if self.model_type == "linear_regression":
            return _with_intercept(design) @ self.estimator
        return np.asarray(self.estimator.predict(design), dtype="float64")

    def _predict_positions(self, positions: np.ndarray) -> np.ndarray:
        first = int(positions.min())
        if first < 0:
            raise InvalidParameter(
                f"{self.date_column!r} holds dates before the series' first period "
                f"({period_label(self.origin, self.interval)}); the seasonal model "
                "predicts from there on",
                parameter=self.date_column,
                value=period_label(self.origin + first, self.interval),
            )
        results = self.estimator.results()
        predicted = np.asarray(results.predict(start=first, end=int(positions.max())))
        return predicted[positions - first]


# ---------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Prediction:
    date: str
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    """Everything the response and the stored model need."""

    forecaster: Forecaster
    predictions: list[Prediction]
    metrics: dict[str, float]
    interval_method: str
    holdout_rows: int
    periods: int
    rows: int
    design_columns: list[str]
    first_period: str
    last_period: str
    hyperparameters: dict[str, Any]


def forecast(table: Table, date_column: str, target: str, options: ForecastOptions) -> Forecast:
    """Forecast of ``target`` in ``table`` (compute worker); ``date_column``
    empty means the table's first datetime column."""
    date_column = _date_column(table, date_column)
    values = table.numeric(target, parameter="target")
    series = build_series(table.frame[date_column], values, options.interval)
    return forecast_series(series, date_column, options)


def _date_column(table: Table, name: str) -> str:
    if name:
        return table.check(name, parameter="date_column", types=("datetime",))
    candidates = table.names(("datetime",))
    if not candidates:
        raise InvalidParameter(
            f"dataset {table.ref.dataset_id!r} has no datetime column; a forecast orders "
            "its rows by one (dates such as 2024-03-05 or 2024-03-05T10:00)",
            parameter="date_column",
            valid_choices=[],
        )
    return candidates[0]


def forecast_series(series: Series, date_column: str, options: ForecastOptions) -> Forecast:
    """Hold-out metrics, refit on the whole series, forecast with intervals."""
    n = len(series.ordinals)
    holdout = math.ceil(options.test_size * n - 1e-9)
    _check_enough(series, options, holdout)
    head, tail = slice(0, n - holdout), slice(n - holdout, n)
    origin = int(series.ordinals[0])
    future = series.ordinals[-1] + np.arange(1, options.horizon + 1)
    alpha = 1.0 - options.confidence_level

    fit = _fit_seasonal if options.model_type == "seasonal" else _fit_regression
    scored = fit(series, head, origin, options)
    truth = series.values[tail]
    guess = scored.predict_periods(series.ordinals[tail])
    _check_finite(guess, options.model_type)
    metrics = regression_scores(truth, guess)
    final = replace(fit(series, slice(0, n), origin, options), date_column=date_column)
    point = final.predict_periods(future)

    if options.model_type == "linear_regression":
        method = "ols_prediction_interval"
        assert final.calendar is not None
        lower, upper = _ols_interval(series, final.calendar, future, alpha)
    elif options.model_type == "seasonal":
        method = "state_space_forecast_interval"
        ahead = final.estimator.results().get_forecast(options.horizon)
        bounds = np.asarray(ahead.conf_int(alpha=alpha))
        lower, upper = bounds[:, 0], bounds[:, 1]
    else:
        method = "split_conformal"
        half = conformal_half_width(np.abs(truth - guess), options.confidence_level)
        lower, upper = point - half, point + half
    _check_finite(np.concatenate([point, lower, upper]), options.model_type)

    return Forecast(
        forecaster=final,
        predictions=[
            Prediction(period_label(int(o), options.interval), float(v), float(lo), float(hi))
            for o, v, lo, hi in zip(future, point, lower, upper, strict=True)
        ],
        metrics=metrics,
        interval_method=method,
        holdout_rows=holdout,
        periods=n,
        rows=series.rows,
        design_columns=final.calendar.columns() if final.calendar else [],
        first_period=period_label(origin, options.interval),
        last_period=period_label(int(series.ordinals[-1]), options.interval),
        hyperparameters=_HYPERPARAMETERS[options.model_type],
    )


def _check_enough(series: Series, options: ForecastOptions, holdout: int) -> None:
    n = len(series.ordinals)
    numbers = {"periods": n, "interval": options.interval, "rows": series.rows}
    if n < MIN_PERIODS:
        raise InsufficientData(
            f"the series has {n} {options.interval} periods with data; "
            f"a forecast needs at least {MIN_PERIODS}",
            parameter="target",
            needed=MIN_PERIODS,
            **numbers,
        )
    if holdout < MIN_HOLDOUT:
        raise InsufficientData(
            f"test_size {options.test_size} holds out {holdout} of {n} periods; "
            f"the metrics need at least {MIN_HOLDOUT}",
            parameter="test_size",
            holdout_rows=holdout,
            needed=MIN_HOLDOUT,
            **numbers,
        )
    training = n - holdout
    if options.model_type == "seasonal":
        season = SEASON[options.interval]
        length = int(series.ordinals[-1] - series.ordinals[0]) + 1
        if length > MAX_SEASONAL_PERIODS:
            raise InvalidParameter(
                f"the series spans {length} {options.interval} periods; the seasonal model "
                f"takes at most {MAX_SEASONAL_PERIODS}",
                parameter="interval",
                value=options.interval,
                periods=length,
                valid_range=[1, MAX_SEASONAL_PERIODS],
                suggestion="use a coarser interval, or another model_type",
            )
        span = int(series.ordinals[training - 1] - series.ordinals[0]) + 1
        if span < 2 * season:
            raise InsufficientData(
                f"the seasonal model needs at least two seasons ({2 * season} "
                f"{options.interval} periods) before the hold-out tail; it spans {span}",
                parameter="target",
                training_span=span,
                needed=2 * season,
                holdout_rows=holdout,
                **numbers,
            )
        return
    head = series.ordinals[:training]
    terms = 1 + len(Calendar.fit(head, options.interval, options.features, int(head[0])).columns())
    if training <= terms:
        raise InsufficientData(
            f"{training} periods before the hold-out tail for {terms} model terms "
            f"(intercept and calendar features {', '.join(options.features)}); "
            "more periods than terms are needed",
            parameter="target",
            training_periods=training,
            needed=terms + 1,
            holdout_rows=holdout,
            **numbers,
        )
    if options.model_type != "linear_regression":
        needed = conformal_min_holdout(options.confidence_level)
        if holdout < needed:
            raise InsufficientData(
                f"a {options.confidence_level} split-conformal interval needs at least "
                f"{needed} hold-out periods; test_size {options.test_size} holds out {holdout}",
                parameter="confidence_level",
                holdout_rows=holdout,
                needed=needed,
                suggestion="lower confidence_level, raise test_size or add periods",
                **numbers,
            )


_HYPERPARAMETERS: Final[dict[str, dict[str, Any]]] = {
    "linear_regression": {},
    "ridge": {"alpha": 1.0},
    "random_forest": {"n_estimators": 200, "random_state": 0},
    "gradient_boosting": {"random_state": 0},
    "seasonal": {"level": "local linear trend", "max_harmonics": MAX_HARMONICS},
}


def _fit_regression(
    series: Series, rows: slice, origin: int, options: ForecastOptions
) -> Forecaster:
    calendar = Calendar.fit(series.ordinals[rows], options.interval, options.features, origin)
    design = calendar.design(series.ordinals[rows])
    y = series.values[rows]
    estimator: Any
    if options.model_type == "linear_regression":
        estimator = np.asarray(OLS(y, _with_intercept(design)).fit().params)
    elif options.model_type == "ridge":
        estimator = Ridge(alpha=1.0).fit(design, y)
    elif options.model_type == "random_forest":
        estimator = RandomForestRegressor(n_estimators=200, random_state=0).fit(design, y)
    else:
        estimator = GradientBoostingRegressor(random_state=0).fit(design, y)
    return Forecaster(
        model_type=options.model_type,
        interval=options.interval,
        date_column="",
        origin=origin,
        calendar=calendar,
        estimator=estimator,
    )


def _ols_interval(
    series: Series, calendar: Calendar, future: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """OLS prediction intervals of the whole-series fit at ``future``."""
    fitted = OLS(series.values, _with_intercept(calendar.design(series.ordinals))).fit()
    ahead = calendar.design(future)
    frame = fitted.get_prediction(_with_intercept(ahead)).summary_frame(alpha=alpha)
    return frame["obs_ci_lower"].to_numpy(), frame["obs_ci_upper"].to_numpy()


def seasonal_endog(series: Series, rows: slice) -> np.ndarray:
    """The series' values laid out on the calendar from its first period to
    the last in ``rows``, gaps as NaN."""
    ordinals = series.ordinals[rows]
    grid = np.full(int(ordinals[-1] - series.ordinals[0]) + 1, np.nan)
    grid[ordinals - series.ordinals[0]] = series.values[rows]
    return grid


def seasonal_model(endog: np.ndarray, season: int) -> UnobservedComponents:
    """The ``seasonal`` model of ``endog`` (gaps as NaN), unfitted."""
    harmonics = min(season // 2, MAX_HARMONICS)
    return UnobservedComponents(
        endog,
        level="local linear trend",
        freq_seasonal=[{"period": season, "harmonics": harmonics}],
    )


def _fit_seasonal(series: Series, rows: slice, origin: int, options: ForecastOptions) -> Forecaster:
    endog, season = seasonal_endog(series, rows), SEASON[options.interval]
    model = seasonal_model(endog, season)
    with warnings.catch_warnings():
        # The optimiser may stop short of its tolerance on a short or flat
        # series (a variance heading to zero); that is a note about the
        # search, and the fit is still the likelihood's best point found.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        results = model.fit(disp=False)
    return Forecaster(
        model_type="seasonal",
        interval=options.interval,
        date_column="",
        origin=origin,
        calendar=None,
        estimator=StateSpaceFit(endog, season, np.asarray(results.params)),
    )


@dataclass(frozen=True)
class StateSpaceFit:
    """A fitted seasonal model as its data and estimated parameters. The
    statsmodels results object keeps every period's state covariances (tens of
    megabytes for a year of hours), so the stored model keeps only these and
    runs the Kalman filter again, one pass, when it predicts."""

    endog: np.ndarray
    season: int
    params: np.ndarray

    def results(self) -> Any:
        return seasonal_model(self.endog, self.season).filter(self.params)


def conformal_half_width(residuals: np.ndarray, level: float) -> float:
    """The ``ceil((m + 1) * level)``-th smallest of the m absolute hold-out
    residuals: the split-conformal half-width at ``level``."""
    m = len(residuals)
    k = _conformal_rank(m, level)
    return float(np.sort(residuals)[k - 1])


def _conformal_rank(m: int, level: float) -> int:
    # The tolerance keeps (m + 1) * level at its exact value when it is an
    # integer (20 * 0.95 is 18.999999999999996 in binary).
    return math.ceil((m + 1) * level - 1e-9)


def conformal_min_holdout(level: float) -> int:
    """The fewest hold-out periods whose conformal rank is within them."""
    m = max(1, math.floor(level / (1.0 - level)) - 1)
    while _conformal_rank(m, level) > m:
        m += 1
    return m


def _check_finite(values: np.ndarray, model: str) -> None:
    """Refuses a fit that produced NaN or infinite numbers (never sent as JSON)."""
    if not np.isfinite(values).all():
        raise ModelTrainingFailed(
            f"the {model} model gave no finite forecast for this series; "
            "it is too short or too irregular for it",
            parameter="model_type",
            value=model,
        )


def model_record(
    result: Forecast, options: ForecastOptions, dataset_id: str, target: str
) -> dict[str, Any]:
    """The fields of the stored model's row (:class:`MlModel`) but its ids:
    what it forecasts, from what, and how well on the hold-out tail."""
    date_column = result.forecaster.date_column
    return {
        "default_name": f"{options.model_type} forecast of {target}",
        "kind": "forecast",
        "model_type": options.model_type,
        "task": "regression",
        "dataset_id": dataset_id,
        "target": target,
        "features": [date_column],
        "metrics": dict(result.metrics),
        "details": {
            "feature_types": {date_column: "datetime"},
            "date_column": date_column,
            "interval": options.interval,
            "calendar_features": list(options.features),
            "design_columns": result.design_columns,
            "aggregation": "mean",
            "interval_method": result.interval_method,
            "confidence_level": options.confidence_level,
            "horizon": options.horizon,
            "test_size": options.test_size,
            "holdout_rows": result.holdout_rows,
            "periods": result.periods,
            "rows": result.rows,
            "first_period": result.first_period,
            "last_period": result.last_period,
            "hyperparameters": result.hyperparameters,
        },
    }
