"""Classical hypothesis tests on a dataset's columns, computed by SciPy.

Every test calls the SciPy function an analyst would call, on the same values,
so statistic and p-value are SciPy's own. What this module adds is choosing
the values, refusing data on which a test is undefined, and the effect sizes,
intervals and group summaries SciPy does not give.

Choices, made once here:

- **Values.** Missing and infinite values are dropped; for a pair of columns
  (``paired_t``, ``pearson``, ``spearman``, ``chi_square`` independence) the
  rows where either is missing. Group tests split ``column`` by the values of
  ``group_column`` (rows without a group are dropped), or compare ``column``
  with ``second_column`` as two independent samples. Groups are ordered as
  listed in ``groups``, else sorted; two-group differences and one-sided
  alternatives are first group minus (or versus) second.
- **Sizes.** Every group needs :data:`MIN_GROUP_SIZE` values; Shapiro-Wilk
  needs 3, correlations 3; a test that is undefined on the data (a constant
  column, constant groups) is ``INSUFFICIENT_DATA`` with the reason.
- **Alternative** ``two-sided`` (default), ``less`` or ``greater`` for the
  tests SciPy gives one for (t tests, Mann-Whitney, correlations); the other
  tests have none (their statistics only grow away from the null) and refuse
  a one-sided one; they report ``two-sided``.
- **Degrees of freedom**: t tests as SciPy (Welch-Satterthwaite for Welch's
  test); ANOVA and Levene report the between-groups df, the within-groups df
  is in the interpretation (``F(2, 147)``); chi-square (r-1)(c-1) or k-1;
  Kruskal-Wallis k-1; correlations n-2. Mann-Whitney and Shapiro-Wilk have
  none.
- **Effect sizes.** Cohen's d: for one sample (mean - population mean) / s;
  for two samples the mean difference over the pooled standard deviation
  sqrt(((n1-1)s1² + (n2-1)s2²) / (n1+n2-2)) whichever t test runs; for pairs
  d_z, the mean difference over the standard deviation of the differences.
  None has the Hedges small-sample correction. Eta squared (SS between / SS
  total) for ANOVA. Epsilon squared H / (n - 1) for Kruskal-Wallis. Cramér's
  V from the uncorrected chi-square, sqrt(chi² / (n (min(r, c) - 1))) (as
  ``scipy.stats.contingency.association``), and sqrt(chi² / (n (k - 1)))
  for goodness of fit. Rank-biserial r = 2U / (n1 n2) - 1 for Mann-Whitney
  (positive when the first group tends to be larger). r and rho for
  correlations. Levene and Shapiro-Wilk have none.
- **Confidence intervals** at level 1 - alpha, SciPy's
  ``result.confidence_interval`` for the chosen alternative: the mean (one
  sample), the mean difference (two samples, pairs), r by the Fisher z
  transform (Pearson, n >= 4). A one-sided t interval has an infinite bound,
  which JSON cannot carry: it is then absent and its finite bound is stated in
  the interpretation. Other tests have none.
- **Chi-square** of ``column`` against ``second_column`` is the test of
  independence of their contingency table, with Yates' continuity correction
  on a 2x2 table (SciPy's default). Without ``second_column`` it is the
  goodness of fit of ``column``'s categories to ``expected_proportions``
  (equal shares when empty): every observed category needs a positive share,
  listed categories that never occur count as observed zero times, and the
  shares must sum to 1 within :data:`PROPORTION_TOLERANCE`; they are then
  rescaled to sum to exactly 1. Each column may have at most
  :data:`MAX_CATEGORIES` categories.
- **Mann-Whitney** runs SciPy's exact test when a group has at most 8 values
  and there are no ties, else the normal approximation with continuity
  correction (SciPy's ``auto`` rule, made explicit to name it).
- **Levene** centres on the median (Brown-Forsythe, SciPy's default).
- **Shapiro-Wilk** p-values for more than 5000 values are approximate
  (SciPy's warning), which the interpretation says.
- ``reject_null`` is p < alpha.

Group summaries give n, mean and sample std (ddof = 1) of each group or
column; for chi-square, each category of ``column`` with its count (mean and
std do not apply and are None).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import contingency

from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter

TEST_TYPES: Final = (
    "one_sample_t",
    "two_sample_t",
    "paired_t",
    "one_way_anova",
    "chi_square",
    "mann_whitney",
    "kruskal_wallis",
    "shapiro_wilk",
    "levene",
    "pearson",
    "spearman",
)
ALTERNATIVES: Final = ("two-sided", "less", "greater")
#: Tests with a one-sided alternative (SciPy's ``alternative``).
DIRECTIONAL: Final = frozenset(
    {"one_sample_t", "two_sample_t", "paired_t", "mann_whitney", "pearson", "spearman"}
)
DEFAULT_ALPHA: Final = 0.05
#: Values each group of a group test needs.
MIN_GROUP_SIZE: Final = 2
#: Most categories a chi-square column may have.
MAX_CATEGORIES: Final = 50
#: How far expected proportions may sum from 1 before they are refused.
PROPORTION_TOLERANCE: Final = 1e-3
#: Column types that can split a column into groups or be a chi-square variable.
GROUPING_TYPES: Final = ("categorical", "boolean", "text", "numeric")

#: Optional request parameters, and the tests that use each.
_USES: Final = {
    "group_column": {"two_sample_t", "one_way_anova", "mann_whitney", "kruskal_wallis", "levene"},
    "groups": {"two_sample_t", "one_way_anova", "mann_whitney", "kruskal_wallis", "levene"},
    "second_column": set(TEST_TYPES) - {"one_sample_t", "shapiro_wilk"},
    "expected_proportions": {"chi_square"},
    "population_mean": {"one_sample_t"},
    "equal_var": {"two_sample_t"},
}


@dataclass(frozen=True)
class TestSpec:
    """A hypothesis test as requested; zero values mean "not given"."""

    __test__ = False  # not a pytest test class, despite its name

    test_type: str
    column: str = ""
    group_column: str = ""
    second_column: str = ""
    alpha: float = 0.0
    alternative: str = ""
    population_mean: float = 0.0
    equal_var: bool = False
    groups: Sequence[str] = ()
    expected_proportions: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupSummary:
    name: str
    n: int
    mean: float | None = None
    std: float | None = None


@dataclass(frozen=True)
class EffectSize:
    name: str
    value: float


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    level: float


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, despite its name

    test_type: str
    method: str
    alternative: str
    statistic: float
    p_value: float
    df: float | None
    alpha: float
    reject_null: bool
    effect_size: EffectSize | None
    confidence_interval: Interval | None
    groups: list[GroupSummary]
    interpretation: str


@dataclass
class _Outcome:
    """What one test found, before the common verdict and sentence."""

    method: str
    statistic: float
    p_value: float
    #: The statistic as printed in the sentence, e.g. ``t(149) = 2.31``.
    shown: str
    #: The alternative hypothesis in words, e.g. ``the mean of 'x' differs from 0``.
    claim: str
    df: float | None = None
    effect: EffectSize | None = None
    interval: Interval | None = None
    groups: list[GroupSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_test(table: Table, spec: TestSpec) -> TestResult:
    """Runs ``spec`` on ``table``; INVALID_PARAMETER for a request that does
    not describe a test, INSUFFICIENT_DATA for data the test is undefined on."""
    if spec.test_type not in TEST_TYPES:
        raise InvalidParameter(
            f"unknown test_type {spec.test_type!r}" if spec.test_type else "test_type is required",
            parameter="test_type",
            value=spec.test_type,
            valid_choices=list(TEST_TYPES),
        )
    alpha = _alpha(spec.alpha)
    alternative = _alternative(spec.test_type, spec.alternative)
    _refuse_unused(spec)
    outcome = _RUNNERS[spec.test_type](table, spec, alternative, alpha)
    if not (math.isfinite(outcome.statistic) and math.isfinite(outcome.p_value)):
        raise InsufficientData(
            f"{outcome.method} is undefined on these data (statistic {outcome.statistic}, "
            f"p-value {outcome.p_value})",
            parameter="column",
            value=spec.column,
        )
    effect = outcome.effect
    if effect is not None and not math.isfinite(effect.value):
        effect = None
    reject = outcome.p_value < alpha
    return TestResult(
        test_type=spec.test_type,
        method=outcome.method,
        alternative=alternative,
        statistic=outcome.statistic,
        p_value=outcome.p_value,
        df=outcome.df,
        alpha=alpha,
        reject_null=reject,
        effect_size=effect,
        confidence_interval=outcome.interval,
        groups=outcome.groups,
        interpretation=_sentence(outcome, alpha, reject),
    )


# --- request checks ---------------------------------------------------------------------------


def _alpha(alpha: float) -> float:
    if alpha == 0.0:
        return DEFAULT_ALPHA
    if not 0.0 < alpha < 1.0:  # also refuses NaN
        raise InvalidParameter(
            f"alpha must be between 0 and 1 (exclusive), not {alpha}",
            parameter="alpha",
            value=alpha,
            valid_range=[0, 1],
        )
    return float(alpha)


def _alternative(test_type: str, alternative: str) -> str:
    if not alternative:
        return "two-sided"
    if alternative not in ALTERNATIVES:
        raise InvalidParameter(
            f"unknown alternative {alternative!r}",
            parameter="alternative",
            value=alternative,
            valid_choices=list(ALTERNATIVES) if test_type in DIRECTIONAL else ["two-sided"],
        )
    if alternative != "two-sided" and test_type not in DIRECTIONAL:
        raise InvalidParameter(
            f"{test_type} has no one-sided alternative; one-sided tests are "
            + ", ".join(sorted(DIRECTIONAL)),
            parameter="alternative",
            value=alternative,
            valid_choices=["two-sided"],
        )
    return alternative


def _refuse_unused(spec: TestSpec) -> None:
    """Refuses a parameter the test would ignore: a group column given to a
    one-sample test would silently describe something else than asked."""
    given = {
        "group_column": bool(spec.group_column),
        "groups": bool(spec.groups),
        "second_column": bool(spec.second_column),
        "expected_proportions": bool(spec.expected_proportions),
        "population_mean": spec.population_mean != 0.0,
        "equal_var": spec.equal_var,
    }
    for parameter, present in given.items():
        if present and spec.test_type not in _USES[parameter]:
            users = sorted(_USES[parameter])
            raise InvalidParameter(
                f"{spec.test_type} does not use {parameter}; it applies to " + ", ".join(users),
                parameter=parameter,
                test_type=spec.test_type,
            )
    if spec.groups and not spec.group_column:
        raise InvalidParameter(
            "groups choose values of group_column, which is not given",
            parameter="group_column",
            valid_choices=[],
        )


# --- data -------------------------------------------------------------------------------------


def _values(series: pd.Series) -> np.ndarray:
    """A numeric column's finite values as float64."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return values[np.isfinite(values)]


def _label(value: Any) -> str:
    """A group or category value as its name: booleans ``true``/``false``,
    whole floats without ``.0`` (a 0/1 column with gaps is float), datetimes
    ISO 8601."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _summary(name: str, values: np.ndarray) -> GroupSummary:
    n = len(values)
    mean = float(values.mean()) if n else None
    std = float(values.std(ddof=1)) if n >= 2 else None
    return GroupSummary(name=name, n=n, mean=mean, std=std)


def _constant(values: np.ndarray) -> bool:
    return len(values) > 0 and bool(values.min() == values.max())


def _samples(
    table: Table, spec: TestSpec, *, exactly: int | None = None
) -> tuple[dict[str, np.ndarray], str]:
    """Independent samples of ``column``: one per group of ``group_column``
    (those in ``groups`` when listed), or ``column`` and ``second_column``;
    and a phrase naming what splits them."""
    table.check(spec.column, parameter="column", types=("numeric",))
    if spec.group_column and spec.second_column:
        raise InvalidParameter(
            f"{spec.test_type} compares the groups of group_column or two columns; "
            "give group_column or second_column, not both",
            parameter="second_column",
            value=spec.second_column,
        )
    if spec.second_column:
        table.check(spec.second_column, parameter="second_column", types=("numeric",))
        names = (spec.column, spec.second_column)
        if spec.column == spec.second_column:
            raise InvalidParameter(
                "second_column must differ from column",
                parameter="second_column",
                value=spec.second_column,
            )
        samples = {name: _values(table.frame[name]) for name in names}
        splitter = "columns"
    elif spec.group_column:
        samples = _grouped(table, spec, exactly)
        splitter = f"groups of {spec.group_column!r}"
    else:
        raise InvalidParameter(
            f"{spec.test_type} needs group_column (to split {spec.column!r} into groups) "
            "or second_column",
            parameter="group_column",
            valid_choices=[n for n in table.names(GROUPING_TYPES) if n != spec.column],
        )
    for name, values in samples.items():
        if len(values) < MIN_GROUP_SIZE:
            raise InsufficientData(
                f"group {name!r} has {len(values)} value(s); {spec.test_type} needs at least "
                f"{MIN_GROUP_SIZE} in each group",
                parameter="group_column" if spec.group_column else "column",
                value=name,
                n=len(values),
            )
    return samples, splitter


def _grouped(table: Table, spec: TestSpec, exactly: int | None) -> dict[str, np.ndarray]:
    group = table.column(spec.group_column, parameter="group_column", types=GROUPING_TYPES)
    values = table.frame[spec.column].astype("float64")
    keep = values.notna() & np.isfinite(values.fillna(0.0)) & group.notna()
    parts = {
        _label(key): part.to_numpy(dtype="float64")
        for key, part in values[keep].groupby(group[keep], sort=True)
    }
    found = list(parts)
    if spec.groups:
        chosen = list(dict.fromkeys(spec.groups))
        for name in chosen:
            if name not in parts:
                raise InvalidParameter(
                    f"group {name!r} does not occur in column {spec.group_column!r} "
                    f"(with a value of {spec.column!r})",
                    parameter="groups",
                    value=name,
                    valid_choices=found,
                )
    else:
        chosen = found
    if (exactly is not None and len(chosen) != exactly) or len(chosen) < 2:
        wanted = f"exactly {exactly}" if exactly is not None else "at least 2"
        where = "groups lists" if spec.groups else f"column {spec.group_column!r} has"
        shown = ", ".join(repr(name) for name in chosen[:20])
        raise InvalidParameter(
            f"{where} {len(chosen)} group(s) ({shown}); {spec.test_type} compares {wanted}"
            + (
                "; choose them with groups" if exactly is not None and len(chosen) > exactly else ""
            ),
            parameter="groups" if spec.groups else "group_column",
            value=list(spec.groups) if spec.groups else spec.group_column,
            valid_choices=found,
        )
    return {name: parts[name] for name in chosen}


def _pairs(table: Table, spec: TestSpec) -> tuple[np.ndarray, np.ndarray]:
    """``column`` and ``second_column`` on the rows where both have a value."""
    table.check(spec.column, parameter="column", types=("numeric",))
    table.check(spec.second_column, parameter="second_column", types=("numeric",))
    if spec.column == spec.second_column:
        raise InvalidParameter(
            "second_column must differ from column",
            parameter="second_column",
            value=spec.second_column,
        )
    first = table.frame[spec.column].to_numpy(dtype="float64", na_value=np.nan)
    second = table.frame[spec.second_column].to_numpy(dtype="float64", na_value=np.nan)
    keep = np.isfinite(first) & np.isfinite(second)
    return first[keep], second[keep]


def _need(n: int, least: int, test: str, what: str) -> None:
    if n < least:
        raise InsufficientData(
            f"{what} has {n} value(s); {test} needs at least {least}",
            parameter="column",
            n=n,
        )


def _refuse_constant(
    what: str, test: str, value: float | None = None, *, parameter: str = "column", name: str
) -> None:
    """INSUFFICIENT_DATA: ``what`` (the data of column ``name``) is constant."""
    every = f" (every value is {value:g})" if value is not None else ""
    raise InsufficientData(
        f"{what} is constant{every}; {test} is undefined on it", parameter=parameter, value=name
    )


# --- t tests ----------------------------------------------------------------------------------


_RELATION: Final = {
    "two-sided": "differs from",
    "less": "is less than",
    "greater": "is greater than",
}


def _t_interval(result: Any, alpha: float, quantity: str, outcome: _Outcome) -> None:
    """The t interval for the alternative; a one-sided one as a note."""
    level = 1.0 - alpha
    ci = result.confidence_interval(confidence_level=level)
    low, high = float(ci.low), float(ci.high)
    if math.isfinite(low) and math.isfinite(high):
        outcome.interval = Interval(low, high, level)
    elif math.isfinite(low):
        outcome.notes.append(
            f"One-sided {_percent(level)} confidence bound: {quantity} > {low:.6g}."
        )
    else:
        outcome.notes.append(
            f"One-sided {_percent(level)} confidence bound: {quantity} < {high:.6g}."
        )


def _one_sample_t(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    values = _values(table.numeric(spec.column))
    test = "the one-sample t test"
    _need(len(values), 2, test, f"column {spec.column!r}")
    if _constant(values):
        _refuse_constant(f"column {spec.column!r}", test, values[0], name=spec.column)
    mu = float(spec.population_mean)
    result = stats.ttest_1samp(values, mu, alternative=alternative)
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    outcome = _Outcome(
        method="One-sample t test",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(result.df),
        shown=f"t({_number(result.df)}) = {result.statistic:.4g}",
        claim=f"the mean of {spec.column!r} ({mean:.4g}) {_RELATION[alternative]} {mu:g}",
        effect=EffectSize("cohens_d", (mean - mu) / sd),
        groups=[GroupSummary(spec.column, len(values), mean, sd)],
    )
    _t_interval(result, alpha, f"mean of {spec.column!r}", outcome)
    return outcome


def _two_sample_t(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    samples, splitter = _samples(table, spec, exactly=2)
    (first, a), (second, b) = samples.items()
    test = "the two-sample t test"
    if _constant(a) and _constant(b):
        _refuse_constant(f"each of the {splitter}", test, name=spec.column)
    with warnings.catch_warnings():
        if _constant(a) or _constant(b):
            # SciPy flags the zero variance of a constant group as possible
            # precision loss; it is exact, and the other group's variance
            # keeps the statistic defined.
            warnings.filterwarnings(
                "ignore", message="Precision loss occurred", category=RuntimeWarning
            )
        result = stats.ttest_ind(a, b, equal_var=spec.equal_var, alternative=alternative)
    groups = [_summary(first, a), _summary(second, b)]
    n1, n2 = len(a), len(b)
    pooled = math.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    method = (
        "Two-sample t test with pooled variance (Student)"
        if spec.equal_var
        else "Welch's two-sample t test (unequal variances)"
    )
    difference = f"mean difference {first!r} - {second!r}"
    outcome = _Outcome(
        method=method,
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(result.df),
        shown=f"t({_number(result.df)}) = {result.statistic:.4g}",
        claim=(
            f"the mean of {spec.column!r} in {first!r} ({a.mean():.4g}) "
            f"{_RELATION[alternative]} that in {second!r} ({b.mean():.4g})"
            if splitter != "columns"
            else f"the mean of {first!r} ({a.mean():.4g}) {_RELATION[alternative]} "
            f"the mean of {second!r} ({b.mean():.4g})"
        ),
        effect=EffectSize("cohens_d", float((a.mean() - b.mean()) / pooled)),
        groups=groups,
    )
    _t_interval(result, alpha, difference, outcome)
    return outcome


def _paired_t(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    a, b = _pairs(table, spec)
    test = "the paired t test"
    _need(len(a), 2, test, f"{spec.column!r} with {spec.second_column!r} (rows with both)")
    differences = a - b
    if _constant(differences):
        _refuse_constant(
            f"the difference {spec.column!r} - {spec.second_column!r}",
            test,
            differences[0],
            name=spec.column,
        )
    result = stats.ttest_rel(a, b, alternative=alternative)
    mean_difference = float(differences.mean())
    outcome = _Outcome(
        method="Paired t test",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(result.df),
        shown=f"t({_number(result.df)}) = {result.statistic:.4g}",
        claim=(
            f"the mean difference {spec.column!r} - {spec.second_column!r} "
            f"({mean_difference:.4g}) {_RELATION[alternative]} 0"
        ),
        effect=EffectSize("cohens_d", mean_difference / float(differences.std(ddof=1))),
        groups=[_summary(spec.column, a), _summary(spec.second_column, b)],
    )
    _t_interval(result, alpha, f"mean difference {spec.column!r} - {spec.second_column!r}", outcome)
    return outcome


# --- several groups ---------------------------------------------------------------------------


def _between_within(samples: dict[str, np.ndarray]) -> tuple[int, int]:
    k = len(samples)
    n = sum(len(v) for v in samples.values())
    return k - 1, n - k


def _one_way_anova(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    samples, splitter = _samples(table, spec)
    if all(_constant(v) for v in samples.values()):
        _refuse_constant(
            f"{spec.column!r} within each of the {splitter}", "one-way ANOVA", name=spec.column
        )
    result = stats.f_oneway(*samples.values())
    pooled = np.concatenate(list(samples.values()))
    grand = pooled.mean()
    total = float(((pooled - grand) ** 2).sum())
    between = float(sum(len(v) * (v.mean() - grand) ** 2 for v in samples.values()))
    df_between, df_within = _between_within(samples)
    return _Outcome(
        method="One-way ANOVA (F test)",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(df_between),
        shown=f"F({df_between}, {df_within}) = {result.statistic:.4g}",
        claim=f"the mean of {spec.column!r} differs between the {splitter}",
        effect=EffectSize("eta_squared", between / total),
        groups=[_summary(name, v) for name, v in samples.items()],
    )


def _kruskal_wallis(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    samples, splitter = _samples(table, spec)
    pooled = np.concatenate(list(samples.values()))
    if _constant(pooled):
        _refuse_constant(
            f"{spec.column!r} in the {splitter}",
            "the Kruskal-Wallis test",
            pooled[0],
            name=spec.column,
        )
    result = stats.kruskal(*samples.values())
    df_between, _ = _between_within(samples)
    return _Outcome(
        method="Kruskal-Wallis H test",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(df_between),
        shown=f"H({df_between}) = {result.statistic:.4g}",
        claim=f"the distribution of {spec.column!r} differs between the {splitter}",
        effect=EffectSize("epsilon_squared", float(result.statistic) / (len(pooled) - 1)),
        groups=[_summary(name, v) for name, v in samples.items()],
    )


def _levene(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    samples, splitter = _samples(table, spec)
    # W's denominator is the spread of the absolute deviations from each group's median.
    deviations = [np.abs(v - np.median(v)) for v in samples.values()]
    if all(_constant(d) for d in deviations):
        raise InsufficientData(
            f"the absolute deviations of {spec.column!r} from each group's median are constant "
            f"within every one of the {splitter} (for example groups of two values); "
            "Levene's test is undefined",
            parameter="column",
            value=spec.column,
        )
    result = stats.levene(*samples.values(), center="median")
    df_between, df_within = _between_within(samples)
    return _Outcome(
        method="Levene's test for equal variances (median-centred, Brown-Forsythe)",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(df_between),
        shown=f"W({df_between}, {df_within}) = {result.statistic:.4g}",
        claim=f"the variance of {spec.column!r} differs between the {splitter}",
        groups=[_summary(name, v) for name, v in samples.items()],
    )


def _mann_whitney(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    samples, splitter = _samples(table, spec, exactly=2)
    (first, a), (second, b) = samples.items()
    n1, n2 = len(a), len(b)
    ties = len(np.unique(np.concatenate([a, b]))) < n1 + n2
    exact = (n1 <= 8 or n2 <= 8) and not ties
    result = stats.mannwhitneyu(
        a, b, alternative=alternative, method="exact" if exact else "asymptotic"
    )
    u = float(result.statistic)
    relation = {
        "two-sided": f"the distribution of {spec.column!r} differs between {first!r} and "
        f"{second!r}",
        "less": f"{spec.column!r} tends to be smaller in {first!r} than in {second!r}",
        "greater": f"{spec.column!r} tends to be larger in {first!r} than in {second!r}",
    }
    if splitter == "columns":
        relation = {
            "two-sided": f"the distributions of {first!r} and {second!r} differ",
            "less": f"{first!r} tends to be smaller than {second!r}",
            "greater": f"{first!r} tends to be larger than {second!r}",
        }
    return _Outcome(
        method="Mann-Whitney U test ("
        + ("exact" if exact else "normal approximation with continuity correction")
        + ")",
        statistic=u,
        p_value=float(result.pvalue),
        shown=f"U = {u:.6g}",
        claim=relation[alternative],
        effect=EffectSize("rank_biserial", 2.0 * u / (n1 * n2) - 1.0),
        groups=[_summary(first, a), _summary(second, b)],
    )


# --- one column -------------------------------------------------------------------------------


#: SciPy warns that Shapiro-Wilk p-values past this many values are approximate.
_SHAPIRO_EXACT_LIMIT: Final = 5000


def _shapiro_wilk(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    values = _values(table.numeric(spec.column))
    test = "the Shapiro-Wilk test"
    _need(len(values), 3, test, f"column {spec.column!r}")
    if _constant(values):
        _refuse_constant(f"column {spec.column!r}", test, values[0], name=spec.column)
    notes = []
    with warnings.catch_warnings():
        # SciPy's notice that the p-value is approximate for N > 5000; said in the sentence.
        warnings.filterwarnings(
            "ignore", message=r"scipy\.stats\.shapiro: For N > 5000", category=UserWarning
        )
        result = stats.shapiro(values)
    if len(values) > _SHAPIRO_EXACT_LIMIT:
        notes.append(
            f"With more than {_SHAPIRO_EXACT_LIMIT} values the p-value is approximate, and "
            "even small departures from normality are significant."
        )
    return _Outcome(
        method="Shapiro-Wilk normality test",
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        shown=f"W = {result.statistic:.4g}, n = {len(values)}",
        claim=f"{spec.column!r} is not normally distributed",
        groups=[_summary(spec.column, values)],
        notes=notes,
    )


# --- correlations -----------------------------------------------------------------------------


def _correlation_data(table: Table, spec: TestSpec, test: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = _pairs(table, spec)
    _need(len(a), 3, test, f"{spec.column!r} with {spec.second_column!r} (rows with both)")
    for name, values in ((spec.column, a), (spec.second_column, b)):
        if _constant(values):
            _refuse_constant(
                f"column {name!r} (on the rows with both values)",
                test,
                values[0],
                parameter="column" if name == spec.column else "second_column",
                name=name,
            )
    return a, b


_SIGN: Final = {
    "two-sided": "correlated",
    "less": "negatively correlated",
    "greater": "positively correlated",
}


def _pearson(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    a, b = _correlation_data(table, spec, "Pearson's correlation test")
    result = stats.pearsonr(a, b, alternative=alternative)
    r = float(result.statistic)
    outcome = _Outcome(
        method="Pearson correlation (t test of r)",
        statistic=r,
        p_value=float(result.pvalue),
        df=float(len(a) - 2),
        shown=f"r({len(a) - 2}) = {r:.4g}",
        claim=f"{spec.column!r} and {spec.second_column!r} are {_SIGN[alternative]}",
        effect=EffectSize("r", r),
        groups=[_summary(spec.column, a), _summary(spec.second_column, b)],
    )
    if len(a) >= 4 and abs(r) < 1.0:  # Fisher z needs n > 3 and |r| < 1
        level = 1.0 - alpha
        ci = result.confidence_interval(confidence_level=level)
        outcome.interval = Interval(float(ci.low), float(ci.high), level)
    return outcome


def _spearman(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    a, b = _correlation_data(table, spec, "Spearman's rank correlation test")
    result = stats.spearmanr(a, b, alternative=alternative)
    rho = float(result.statistic)
    return _Outcome(
        method="Spearman rank correlation (t approximation)",
        statistic=rho,
        p_value=float(result.pvalue),
        df=float(len(a) - 2),
        shown=f"rho({len(a) - 2}) = {rho:.4g}",
        claim=f"the ranks of {spec.column!r} and {spec.second_column!r} are {_SIGN[alternative]}",
        effect=EffectSize("rho", rho),
        groups=[_summary(spec.column, a), _summary(spec.second_column, b)],
    )


# --- chi-square -------------------------------------------------------------------------------


def _categories(table: Table, name: str, parameter: str) -> pd.Series:
    series = table.column(name, parameter=parameter, types=GROUPING_TYPES)
    if table.column_types[name] == "numeric":
        series = series.where(np.isfinite(series.astype("float64")))
    distinct = int(series.nunique(dropna=True))
    if distinct > MAX_CATEGORIES:
        raise InvalidParameter(
            f"column {name!r} has {distinct} distinct values; chi-square needs categorical "
            f"data with at most {MAX_CATEGORIES} categories",
            parameter=parameter,
            value=name,
            valid_choices=[
                n for n in table.names(GROUPING_TYPES) if table.frame[n].nunique() <= MAX_CATEGORIES
            ],
        )
    return series


def _chi_square(table: Table, spec: TestSpec, alternative: str, alpha: float) -> _Outcome:
    if spec.second_column and spec.expected_proportions:
        raise InvalidParameter(
            "expected_proportions are for the goodness-of-fit test of one column; "
            "with second_column chi_square tests independence",
            parameter="expected_proportions",
        )
    first = _categories(table, spec.column, "column")
    if spec.second_column:
        return _independence(table, spec, first)
    return _goodness_of_fit(spec, first)


def _independence(table: Table, spec: TestSpec, first: pd.Series) -> _Outcome:
    if spec.column == spec.second_column:
        raise InvalidParameter(
            "second_column must differ from column",
            parameter="second_column",
            value=spec.second_column,
        )
    second = _categories(table, spec.second_column, "second_column")
    keep = first.notna() & second.notna()
    observed = pd.crosstab(first[keep], second[keep])
    rows, columns = observed.shape
    if rows < 2 or columns < 2:
        raise InsufficientData(
            f"the table of {spec.column!r} by {spec.second_column!r} is {rows}x{columns} "
            "(on the rows with both values); a test of independence needs at least two "
            "categories in each",
            parameter="column" if rows < 2 else "second_column",
            value=spec.column if rows < 2 else spec.second_column,
        )
    counts = observed.to_numpy()
    result = stats.chi2_contingency(counts)
    n = int(counts.sum())
    corrected = int(result.dof) == 1
    notes = _small_expected(result.expected_freq)
    return _Outcome(
        method="Pearson's chi-square test of independence"
        + (" with Yates' continuity correction" if corrected else ""),
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(result.dof),
        shown=f"chi2({int(result.dof)}, n = {n}) = {result.statistic:.4g}",
        claim=f"{spec.column!r} and {spec.second_column!r} are associated",
        effect=EffectSize("cramers_v", float(contingency.association(counts, method="cramer"))),
        groups=[
            GroupSummary(name=_label(key), n=int(count))
            for key, count in zip(observed.index, counts.sum(axis=1), strict=True)
        ],
        notes=notes,
    )


def _goodness_of_fit(spec: TestSpec, column: pd.Series) -> _Outcome:
    counts = column.dropna().value_counts(sort=False).sort_index()
    observed = {_label(key): int(count) for key, count in counts.items()}
    shares = _shares(spec, observed)
    names = list(shares)
    f_obs = np.array([observed.get(name, 0) for name in names], dtype="float64")
    n = float(f_obs.sum())
    if len(names) < 2:
        raise InsufficientData(
            f"column {spec.column!r} has {len(names)} category; a goodness-of-fit test "
            "needs at least two",
            parameter="column",
            value=spec.column,
        )
    f_exp = n * np.array([shares[name] for name in names])
    result = stats.chisquare(f_obs, f_exp)
    k = len(names)
    statistic = float(result.statistic)
    return _Outcome(
        method="Chi-square goodness-of-fit test"
        + (" against equal proportions" if not spec.expected_proportions else ""),
        statistic=statistic,
        p_value=float(result.pvalue),
        df=float(k - 1),
        shown=f"chi2({k - 1}, n = {int(n)}) = {statistic:.4g}",
        claim=f"the distribution of {spec.column!r} differs from the expected proportions",
        effect=EffectSize("cramers_v", math.sqrt(statistic / (n * (k - 1)))),
        groups=[GroupSummary(name=name, n=observed.get(name, 0)) for name in names],
        notes=_small_expected(f_exp),
    )


def _shares(spec: TestSpec, observed: dict[str, int]) -> dict[str, float]:
    """Expected proportions by category, checked and rescaled to sum to 1."""
    if not observed:
        raise InsufficientData(
            f"column {spec.column!r} has no values", parameter="column", value=spec.column
        )
    if not spec.expected_proportions:
        return dict.fromkeys(observed, 1.0 / len(observed))
    given = dict(spec.expected_proportions)
    for name in observed:
        if name not in given:
            raise InvalidParameter(
                f"expected_proportions gives no share for category {name!r}, which occurs "
                f"{observed[name]} time(s) in {spec.column!r}",
                parameter="expected_proportions",
                value=name,
                valid_choices=list(observed),
            )
    for name, share in given.items():
        if not (math.isfinite(share) and share > 0.0):
            raise InvalidParameter(
                f"the expected share of {name!r} must be a positive number, not {share}",
                parameter="expected_proportions",
                value=name,
            )
    total = math.fsum(given.values())
    if abs(total - 1.0) > PROPORTION_TOLERANCE:
        raise InvalidParameter(
            f"expected_proportions sum to {total:g}; they must sum to 1 "
            f"(within {PROPORTION_TOLERANCE:g})",
            parameter="expected_proportions",
            value=total,
        )
    order = list(observed) + sorted(name for name in given if name not in observed)
    return {name: given[name] / total for name in order}


def _small_expected(expected: np.ndarray) -> list[str]:
    small = int((np.asarray(expected) < 5).sum())
    if not small:
        return []
    return [
        f"{small} of {np.asarray(expected).size} expected counts are below 5; "
        "the chi-square approximation may be poor."
    ]


# --- the sentence -----------------------------------------------------------------------------


def _number(value: float) -> str:
    """Degrees of freedom: whole ones as integers, Welch's to 4 significant digits."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


def _percent(level: float) -> str:
    return f"{level * 100:.6g}%"


def _sentence(outcome: _Outcome, alpha: float, reject: bool) -> str:
    p = f"p = {outcome.p_value:.3g}"
    if reject:
        claim = outcome.claim[0].upper() + outcome.claim[1:]
        text = f"{claim}: {outcome.shown}, {p} < alpha = {alpha:g}; reject the null hypothesis."
    else:
        text = (
            f"No evidence at alpha = {alpha:g} that {outcome.claim}: {outcome.shown}, {p}; "
            "the null hypothesis is not rejected."
        )
    return " ".join([text, *outcome.notes])


_RUNNERS: Final[dict[str, Callable[[Table, TestSpec, str, float], _Outcome]]] = {
    "one_sample_t": _one_sample_t,
    "two_sample_t": _two_sample_t,
    "paired_t": _paired_t,
    "one_way_anova": _one_way_anova,
    "chi_square": _chi_square,
    "mann_whitney": _mann_whitney,
    "kruskal_wallis": _kruskal_wallis,
    "shapiro_wilk": _shapiro_wilk,
    "levene": _levene,
    "pearson": _pearson,
    "spearman": _spearman,
}
