"""Analytics.Diagnostic on scikit-learn's diabetes data agrees with SciPy and
statsmodels run here on the same rows: Pearson/Spearman correlations with
their p-values, the correlation ratio of a categorical factor with its ANOVA
p-value, and root causes whose LMG contributions are the R² gains averaged
over every order of entering the factors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from conftest import sklearn_frame
from neurogate.server.analytics import diagnostic
from neurogate.server.analytics.diagnostic import diagnose, significance
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InsufficientData, InvalidParameter


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


@pytest.fixture(scope="module")
def diabetes() -> Table:
    frame = sklearn_frame("diabetes")
    frame["band"] = pd.cut(frame["bmi"], [-1, -0.03, 0.03, 1], labels=["low", "mid", "high"])
    frame["older"] = frame["age"] > 0
    frame.loc[[3, 10, 40], "bp"] = np.nan  # pairwise-complete rows differ per factor
    return table_of(frame)


def by_factor(result) -> dict:
    return {c.factor: c for c in result.correlations}


def test_the_factor_types_are_as_uploaded(diabetes: Table):
    assert diabetes.column_types["band"] == "categorical"
    assert diabetes.column_types["older"] == "boolean"


def test_pearson_correlations_match_scipy_on_pairwise_complete_rows(diabetes: Table):
    frame = diabetes.frame

    result = diagnose(diabetes, "target", ["bmi", "bp", "s5"], "")

    for factor in ("bmi", "bp", "s5"):
        rows = frame[["target", factor]].dropna()
        expected = stats.pearsonr(rows[factor], rows["target"])
        got = by_factor(result)[factor]
        assert got.correlation == pytest.approx(expected.statistic, rel=1e-12)
        assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)
        assert got.significance == significance(expected.pvalue)
    assert [c.factor for c in result.correlations] == ["bmi", "s5", "bp"]
    assert result.root_causes == [] and result.r2_score is None


def test_spearman_correlations_match_scipy(diabetes: Table):
    frame = diabetes.frame

    result = diagnose(diabetes, "target", ["bp", "s5"], "spearman")

    for factor in ("bp", "s5"):
        rows = frame[["target", factor]].dropna()
        expected = stats.spearmanr(rows[factor], rows["target"])
        got = by_factor(result)[factor]
        assert got.correlation == pytest.approx(expected.statistic, rel=1e-12)
        assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_a_categorical_factor_gets_the_correlation_ratio_and_the_anova_p_value(diabetes: Table):
    anova = smf.ols("target ~ C(band)", data=diabetes.frame).fit()

    got = by_factor(diagnose(diabetes, "target", ["band"], "correlation"))["band"]

    assert got.correlation == pytest.approx(np.sqrt(anova.rsquared), rel=1e-12)
    assert got.p_value == pytest.approx(anova.f_pvalue, rel=1e-9)
    assert got.significance == "high"


def test_a_categorical_factor_under_spearman_uses_ranks_and_kruskal_wallis(diabetes: Table):
    frame = diabetes.frame.assign(rank=stats.rankdata(diabetes.frame["target"]))
    ranked = smf.ols("rank ~ C(band)", data=frame).fit()
    groups = [g["target"] for _, g in frame.groupby("band", observed=True)]

    got = by_factor(diagnose(diabetes, "target", ["band"], "spearman"))["band"]

    assert got.correlation == pytest.approx(np.sqrt(ranked.rsquared), rel=1e-12)
    assert got.p_value == pytest.approx(stats.kruskal(*groups).pvalue, rel=1e-9)


def test_a_boolean_factor_gets_the_point_biserial_correlation(diabetes: Table):
    frame = diabetes.frame
    expected = stats.pointbiserialr(frame["older"].astype(bool), frame["target"])

    got = by_factor(diagnose(diabetes, "target", ["older"], ""))["older"]

    assert got.correlation == pytest.approx(expected.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_default_factors_are_every_other_numeric_categorical_and_boolean_column(diabetes: Table):
    result = diagnose(diabetes, "target", [], "")

    assert {c.factor for c in result.correlations} == set(diabetes.names()) - {"target"}


def r2(frame: pd.DataFrame, factors: tuple[str, ...]) -> float:
    if not factors:
        return 0.0
    terms = [f"C({f})" if f == "band" else f for f in factors]
    return smf.ols("target ~ " + " + ".join(terms), data=frame).fit().rsquared


def test_root_causes_are_the_lmg_shares_of_a_statsmodels_ols(diabetes: Table):
    factors = ["bmi", "bp", "s5", "band"]
    frame = diabetes.frame[["target", *factors]].dropna()
    model = smf.ols("target ~ bmi + bp + s5 + C(band)", data=frame).fit()
    orderings = list(itertools.permutations(factors))
    expected = {f: 0.0 for f in factors}
    for order in orderings:
        for i, factor in enumerate(order):
            expected[factor] += (r2(frame, order[: i + 1]) - r2(frame, order[:i])) / len(orderings)

    result = diagnose(diabetes, "target", factors, "root_cause")

    assert result.r2_score == pytest.approx(model.rsquared, rel=1e-12)
    assert result.rows == len(frame)
    causes = {c.factor: c for c in result.root_causes}
    for factor in factors:
        assert causes[factor].contribution == pytest.approx(expected[factor], rel=1e-9)
    assert sum(c.contribution for c in result.root_causes) == pytest.approx(model.rsquared)
    contributions = [c.contribution for c in result.root_causes]
    assert contributions == sorted(contributions, reverse=True)
    assert causes["bmi"].impact == pytest.approx(
        model.params["bmi"] * frame["bmi"].std(ddof=1), rel=1e-9
    )
    levels = model.params[["C(band)[T.low]", "C(band)[T.mid]"]]
    assert causes["band"].impact == pytest.approx(levels[levels.abs().idxmax()], rel=1e-9)
    assert {c.factor for c in result.correlations} == set(factors)


def test_many_factors_use_sampled_orderings_that_still_sum_to_r2(
    diabetes: Table, monkeypatch: pytest.MonkeyPatch
):
    factors = ["age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "band", "older"]
    frame = diabetes.frame[["target", *factors]].dropna()
    full = r2(frame, tuple(factors))
    exact = {
        c.factor: c.contribution
        for c in diagnose(diabetes, "target", factors, "root_cause").root_causes
    }
    monkeypatch.setattr(diagnostic, "EXACT_LMG_FACTORS", 5)

    sampled = diagnose(diabetes, "target", factors, "root_cause")

    assert sum(c.contribution for c in sampled.root_causes) == pytest.approx(full, rel=1e-9)
    for cause in sampled.root_causes:
        assert cause.contribution == pytest.approx(exact[cause.factor], abs=0.01)


@pytest.mark.parametrize(
    ("target", "factors", "analysis_type", "parameter"),
    [
        ("target", ["bmi"], "causal", "analysis_type"),
        ("band", ["bmi"], "", "target_metric"),
        ("nothing", ["bmi"], "", "target_metric"),
        ("target", ["bmi", "height"], "", "potential_factors"),
        ("target", ["bmi", "target"], "", "potential_factors"),
        ("target", ["bmi", "bmi"], "", "potential_factors"),
        ("target", ["constant"], "", "potential_factors"),
        ("target", ["one_level"], "root_cause", "potential_factors"),
    ],
)
def test_bad_requests_are_refused_naming_the_parameter(target, factors, analysis_type, parameter):
    frame = sklearn_frame("diabetes").head(60)
    frame["constant"] = 1.0
    frame["band"] = np.where(frame["bmi"] > 0, "high", "low")
    frame["one_level"] = "same"
    table = table_of(frame)

    with pytest.raises(InvalidParameter) as raised:
        diagnose(table, target, factors, analysis_type)

    assert raised.value.details["parameter"] == parameter


def test_a_constant_target_is_refused():
    table = table_of(pd.DataFrame({"y": [2.0] * 5, "x": [1.0, 2.0, 3.0, 4.0, 5.0]}))

    with pytest.raises(InvalidParameter) as raised:
        diagnose(table, "y", ["x"], "")

    assert raised.value.details["parameter"] == "target_metric"


def test_too_few_rows_are_insufficient_data():
    table = table_of(pd.DataFrame({"y": [1.0, 2.0, None, 4.0], "x": [1.0, None, 3.0, 5.0]}))

    with pytest.raises(InsufficientData):
        diagnose(table, "y", ["x"], "")


def test_a_model_with_more_coefficients_than_rows_allow_is_insufficient_data():
    frame = pd.DataFrame(
        {"y": [1.0, 3.0, 2.0, 5.0], "a": [1.0, 2.0, 4.0, 3.0], "b": [2.0, 1, 0, 3]}
    )
    frame["c"] = [0.5, 0.1, 0.9, 0.3]

    with pytest.raises(InsufficientData):
        diagnose(table_of(frame), "y", ["a", "b", "c"], "root_cause")


def test_contributions_do_not_depend_on_the_factors_units():
    frame = sklearn_frame("diabetes")[["target", "bmi", "bp", "s5"]]
    rescaled = frame.assign(bmi=frame["bmi"] * 1e6, s5=frame["s5"] * 1e-4)

    plain = diagnose(table_of(frame), "target", ["bmi", "bp", "s5"], "root_cause")
    scaled = diagnose(table_of(rescaled), "target", ["bmi", "bp", "s5"], "root_cause")

    for a, b in zip(plain.root_causes, scaled.root_causes, strict=True):
        assert (a.factor, a.contribution) == (b.factor, pytest.approx(b.contribution, rel=1e-9))
        assert a.impact == pytest.approx(b.impact, rel=1e-9)


def test_factors_never_present_together_are_insufficient_data():
    frame = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "a": [1.0, 2.0, 3.0, 5.0, None, None, None, None],
            "b": [None, None, None, None, 1.0, 3.0, 2.0, 4.0],
        }
    )

    with pytest.raises(InsufficientData):
        diagnose(table_of(frame), "y", ["a", "b"], "root_cause")
