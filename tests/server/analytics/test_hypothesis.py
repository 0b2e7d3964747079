"""Analysis.HypothesisTest's eleven tests agree with SciPy (and statsmodels)
run here on the same values, to 1e-9: statistic, p-value, degrees of freedom,
intervals; effect sizes follow their documented formulas; and requests the
test cannot answer are refused with INVALID_PARAMETER or INSUFFICIENT_DATA
saying why."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from scipy.stats import contingency

from conftest import sklearn_frame
from neurogate.server.analytics.hypothesis import TEST_TYPES, TestSpec, run_test
from neurogate.server.analytics.tables import Table, TableRef
from neurogate.server.datasets.parsing import parse_upload, read_parquet
from neurogate.server.errors import InsufficientData, InvalidParameter

TIGHT = {"rel": 1e-9, "abs": 1e-300}


def table_of(frame: pd.DataFrame) -> Table:
    """``frame`` as an upload would store it: CSV parsed, typed and re-read."""
    parsed = parse_upload(frame.to_csv(index=False).encode(), filename="t.csv")
    types = {column.name: column.type for column in parsed.schema}
    return Table(TableRef("sqlite://", "ds_test", "t", types), read_parquet(parsed.parquet))


@pytest.fixture(scope="module")
def iris_frame() -> pd.DataFrame:
    return sklearn_frame("iris")


@pytest.fixture(scope="module")
def iris(iris_frame) -> Table:
    return table_of(iris_frame)


@pytest.fixture(scope="module")
def cancer_frame() -> pd.DataFrame:
    frame = sklearn_frame("breast_cancer")
    frame["large"] = np.where(frame["mean radius"] > frame["mean radius"].median(), "yes", "no")
    frame["texture_band"] = pd.cut(frame["mean texture"], [0, 16, 20, 24, 100]).astype(str)
    return frame


@pytest.fixture(scope="module")
def cancer(cancer_frame) -> Table:
    return table_of(cancer_frame)


@pytest.fixture(scope="module")
def diabetes_frame() -> pd.DataFrame:
    frame = sklearn_frame("diabetes")
    frame.loc[[1, 7, 30], "s1"] = np.nan
    frame.loc[[7, 44], "s2"] = np.nan
    return frame


@pytest.fixture(scope="module")
def diabetes(diabetes_frame) -> Table:
    return table_of(diabetes_frame)


def species(frame: pd.DataFrame, name: str, column: str = "sepal length (cm)") -> np.ndarray:
    return frame.loc[frame["target"] == name, column].to_numpy()


def refused(error: type, table: Table, **spec) -> dict:
    with pytest.raises(error) as raised:
        run_test(table, TestSpec(**spec))
    assert raised.value.message
    return raised.value.details


# --- t tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_one_sample_t_matches_scipy(iris, iris_frame, alternative):
    values = iris_frame["sepal length (cm)"].to_numpy()

    result = run_test(
        iris,
        TestSpec(
            "one_sample_t", column="sepal length (cm)", population_mean=5.8, alternative=alternative
        ),
    )

    expected = stats.ttest_1samp(values, 5.8, alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 149
    assert result.alternative == alternative
    assert result.effect_size.name == "cohens_d"
    assert result.effect_size.value == pytest.approx((values.mean() - 5.8) / values.std(ddof=1))
    assert [(g.name, g.n) for g in result.groups] == [("sepal length (cm)", 150)]
    assert result.groups[0].mean == pytest.approx(values.mean(), rel=1e-12)
    assert result.groups[0].std == pytest.approx(values.std(ddof=1), rel=1e-12)
    ci = expected.confidence_interval(0.95)
    if alternative == "two-sided":
        assert (result.confidence_interval.lower, result.confidence_interval.upper) == (
            pytest.approx(ci.low, **TIGHT),
            pytest.approx(ci.high, **TIGHT),
        )
        assert result.confidence_interval.level == 0.95
    else:  # one bound is infinite: stated in the sentence instead
        assert result.confidence_interval is None
        bound = ci.low if alternative == "greater" else ci.high
        assert f"{bound:.6g}" in result.interpretation


def test_one_sample_t_interval_level_follows_alpha(iris, iris_frame):
    result = run_test(
        iris, TestSpec("one_sample_t", column="petal width (cm)", population_mean=1.0, alpha=0.01)
    )

    ci = stats.ttest_1samp(iris_frame["petal width (cm)"], 1.0).confidence_interval(0.99)
    assert result.alpha == 0.01
    assert result.confidence_interval.level == 0.99
    assert result.confidence_interval.lower == pytest.approx(ci.low, **TIGHT)
    assert result.confidence_interval.upper == pytest.approx(ci.high, **TIGHT)
    assert result.reject_null is (result.p_value < 0.01)


@pytest.mark.parametrize("equal_var", [False, True])
def test_two_sample_t_matches_scipy_for_the_chosen_groups(iris, iris_frame, equal_var):
    a, b = species(iris_frame, "virginica"), species(iris_frame, "versicolor")

    result = run_test(
        iris,
        TestSpec(
            "two_sample_t",
            column="sepal length (cm)",
            group_column="target",
            groups=["virginica", "versicolor"],
            equal_var=equal_var,
        ),
    )

    expected = stats.ttest_ind(a, b, equal_var=equal_var)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == pytest.approx(expected.df, **TIGHT)
    assert ("Welch" in result.method) is not equal_var
    ci = expected.confidence_interval(0.95)
    assert result.confidence_interval.lower == pytest.approx(ci.low, **TIGHT)
    assert result.confidence_interval.upper == pytest.approx(ci.high, **TIGHT)
    pooled = math.sqrt((49 * a.var(ddof=1) + 49 * b.var(ddof=1)) / 98)
    assert result.effect_size.value == pytest.approx((a.mean() - b.mean()) / pooled)
    assert [(g.name, g.n) for g in result.groups] == [("virginica", 50), ("versicolor", 50)]
    assert result.reject_null is True
    assert "virginica" in result.interpretation and "reject" in result.interpretation


def test_welch_df_is_the_satterthwaite_approximation(cancer, cancer_frame):
    result = run_test(cancer, TestSpec("two_sample_t", column="mean area", group_column="target"))

    a = cancer_frame.loc[cancer_frame["target"] == "benign", "mean area"]
    b = cancer_frame.loc[cancer_frame["target"] == "malignant", "mean area"]
    va, vb = a.var() / len(a), b.var() / len(b)
    satterthwaite = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    assert result.df == pytest.approx(satterthwaite, rel=1e-12)
    assert [g.name for g in result.groups] == ["benign", "malignant"]  # sorted when not chosen


@pytest.mark.parametrize("alternative", ["less", "greater"])
def test_two_sample_t_one_sided_matches_scipy(cancer, cancer_frame, alternative):
    a = cancer_frame.loc[cancer_frame["target"] == "benign", "mean area"]
    b = cancer_frame.loc[cancer_frame["target"] == "malignant", "mean area"]

    result = run_test(
        cancer,
        TestSpec(
            "two_sample_t", column="mean area", group_column="target", alternative=alternative
        ),
    )

    expected = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.reject_null is (alternative == "less")
    assert result.confidence_interval is None
    assert "One-sided 95% confidence bound" in result.interpretation


def test_two_sample_t_of_two_columns_compares_them_as_independent_samples(diabetes, diabetes_frame):
    result = run_test(diabetes, TestSpec("two_sample_t", column="s1", second_column="s2"))

    a, b = diabetes_frame["s1"].dropna(), diabetes_frame["s2"].dropna()
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert [(g.name, g.n) for g in result.groups] == [("s1", len(a)), ("s2", len(b))]


def test_paired_t_drops_rows_missing_either_value(diabetes, diabetes_frame):
    both = diabetes_frame[["s1", "s2"]].dropna()

    result = run_test(diabetes, TestSpec("paired_t", column="s1", second_column="s2"))

    expected = stats.ttest_rel(both["s1"], both["s2"])
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == len(both) - 1
    ci = expected.confidence_interval(0.95)
    assert result.confidence_interval.lower == pytest.approx(ci.low, **TIGHT)
    assert result.confidence_interval.upper == pytest.approx(ci.high, **TIGHT)
    differences = both["s1"] - both["s2"]
    assert result.effect_size.value == pytest.approx(differences.mean() / differences.std())
    assert [(g.name, g.n) for g in result.groups] == [("s1", len(both)), ("s2", len(both))]


# --- several groups ---------------------------------------------------------------------------


def test_one_way_anova_matches_scipy_and_statsmodels(iris, iris_frame):
    result = run_test(
        iris, TestSpec("one_way_anova", column="sepal width (cm)", group_column="target")
    )

    samples = [
        species(iris_frame, s, "sepal width (cm)") for s in ("setosa", "versicolor", "virginica")
    ]
    expected = stats.f_oneway(*samples)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 2
    assert "F(2, 147)" in result.interpretation
    frame = iris_frame.rename(columns={"sepal width (cm)": "y"})
    table = sm.stats.anova_lm(smf.ols("y ~ C(target)", data=frame).fit())
    eta = table.loc["C(target)", "sum_sq"] / table["sum_sq"].sum()
    assert result.effect_size.name == "eta_squared"
    assert result.effect_size.value == pytest.approx(eta, rel=1e-9)
    assert [g.name for g in result.groups] == ["setosa", "versicolor", "virginica"]
    assert result.confidence_interval is None


def test_kruskal_wallis_matches_scipy(iris, iris_frame):
    result = run_test(
        iris, TestSpec("kruskal_wallis", column="petal length (cm)", group_column="target")
    )

    samples = [
        species(iris_frame, s, "petal length (cm)") for s in ("setosa", "versicolor", "virginica")
    ]
    expected = stats.kruskal(*samples)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 2
    assert result.effect_size.name == "epsilon_squared"
    assert result.effect_size.value == pytest.approx(expected.statistic / 149)


def test_levene_is_median_centred_as_scipys_default():
    frame = sklearn_frame("wine")
    table = table_of(frame)

    result = run_test(table, TestSpec("levene", column="alcohol", group_column="target"))

    groups = sorted(frame["target"].unique())
    expected = stats.levene(*[frame.loc[frame["target"] == g, "alcohol"] for g in groups])
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 2
    assert result.effect_size is None
    assert "Brown-Forsythe" in result.method


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_mann_whitney_matches_scipy(cancer, cancer_frame, alternative):
    a = cancer_frame.loc[cancer_frame["target"] == "malignant", "mean smoothness"]
    b = cancer_frame.loc[cancer_frame["target"] == "benign", "mean smoothness"]

    result = run_test(
        cancer,
        TestSpec(
            "mann_whitney",
            column="mean smoothness",
            group_column="target",
            groups=["malignant", "benign"],
            alternative=alternative,
        ),
    )

    expected = stats.mannwhitneyu(a, b, alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df is None
    assert result.effect_size.name == "rank_biserial"
    assert result.effect_size.value == pytest.approx(
        2 * expected.statistic / (len(a) * len(b)) - 1, rel=1e-12
    )
    assert result.effect_size.value > 0  # malignant tumours have the higher smoothness
    assert "normal approximation" in result.method


def test_mann_whitney_on_small_samples_without_ties_is_exact():
    table = table_of(pd.DataFrame({"x": [1.1, 2.3, 3.2, 4.8, 5.0, 6.4, 7.7], "g": list("aaabbbb")}))

    result = run_test(table, TestSpec("mann_whitney", column="x", group_column="g"))

    expected = stats.mannwhitneyu([1.1, 2.3, 3.2], [4.8, 5.0, 6.4, 7.7])
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert "exact" in result.method
    assert result.effect_size.value == -1.0  # every a below every b


# --- one column -------------------------------------------------------------------------------


def test_shapiro_wilk_matches_scipy(iris, iris_frame):
    result = run_test(iris, TestSpec("shapiro_wilk", column="sepal width (cm)"))

    expected = stats.shapiro(iris_frame["sepal width (cm)"])
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df is None and result.effect_size is None and result.confidence_interval is None


def test_shapiro_wilk_on_many_values_says_the_p_value_is_approximate():
    values = np.random.default_rng(3).normal(size=6000)
    table = Table(TableRef("sqlite://", "ds", "t", {"x": "numeric"}), pd.DataFrame({"x": values}))

    result = run_test(table, TestSpec("shapiro_wilk", column="x"))

    with pytest.warns(UserWarning, match="N > 5000"):
        expected = stats.shapiro(values)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert "approximate" in result.interpretation


# --- correlations -----------------------------------------------------------------------------


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_pearson_matches_scipy_with_its_fisher_interval(diabetes, diabetes_frame, alternative):
    both = diabetes_frame[["s1", "target"]].dropna()

    result = run_test(
        diabetes,
        TestSpec(
            "pearson", column="s1", second_column="target", alternative=alternative, alpha=0.1
        ),
    )

    expected = stats.pearsonr(both["s1"], both["target"], alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == len(both) - 2
    assert result.effect_size.name == "r"
    ci = expected.confidence_interval(0.9)
    assert result.confidence_interval.lower == pytest.approx(ci.low, **TIGHT)
    assert result.confidence_interval.upper == pytest.approx(ci.high, **TIGHT)
    assert result.confidence_interval.level == 0.9


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_spearman_matches_scipy(diabetes, diabetes_frame, alternative):
    both = diabetes_frame[["bmi", "s2"]].dropna()

    result = run_test(
        diabetes, TestSpec("spearman", column="bmi", second_column="s2", alternative=alternative)
    )

    expected = stats.spearmanr(both["bmi"], both["s2"], alternative=alternative)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.effect_size.name == "rho"
    assert result.confidence_interval is None


# --- chi-square -------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["large", "texture_band"])
def test_chi_square_of_independence_matches_scipy(cancer, cancer_frame, second):
    observed = pd.crosstab(cancer_frame["target"], cancer_frame[second])

    result = run_test(cancer, TestSpec("chi_square", column="target", second_column=second))

    expected = stats.chi2_contingency(observed)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == expected.dof
    assert ("Yates" in result.method) is (expected.dof == 1)
    assert result.effect_size.name == "cramers_v"
    assert result.effect_size.value == pytest.approx(
        contingency.association(observed, method="cramer"), rel=1e-12
    )
    assert [(g.name, g.n) for g in result.groups] == [("benign", 357), ("malignant", 212)]


def test_chi_square_goodness_of_fit_against_equal_shares(cancer, cancer_frame):
    result = run_test(cancer, TestSpec("chi_square", column="target"))

    expected = stats.chisquare([357, 212])
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 1
    assert result.effect_size.value == pytest.approx(math.sqrt(expected.statistic / 569))


def test_chi_square_goodness_of_fit_against_given_shares_with_an_unseen_category(cancer):
    result = run_test(
        cancer,
        TestSpec(
            "chi_square",
            column="target",
            expected_proportions={"benign": 0.6, "malignant": 0.3999, "unknown": 0.0001},
        ),
    )

    shares = np.array([0.6, 0.3999, 0.0001]) / 1.0
    expected = stats.chisquare([357, 212, 0], 569 * shares)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert result.df == 2
    assert [(g.name, g.n) for g in result.groups] == [
        ("benign", 357),
        ("malignant", 212),
        ("unknown", 0),
    ]
    assert "below 5" in result.interpretation


def test_expected_proportions_within_the_tolerance_are_rescaled(cancer):
    result = run_test(
        cancer,
        TestSpec(
            "chi_square",
            column="target",
            expected_proportions={"benign": 0.6666, "malignant": 0.3333},
        ),
    )

    expected = stats.chisquare([357, 212], [569 * 0.6666 / 0.9999, 569 * 0.3333 / 0.9999])
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)


def test_welch_t_with_one_constant_group_is_defined_by_the_other_groups_variance():
    frame = pd.DataFrame({"x": [2.0, 2.0, 2.0, 1.0, 2.0, 3.5], "g": list("aaabbb")})

    result = run_test(table_of(frame), TestSpec("two_sample_t", column="x", group_column="g"))

    with pytest.warns(RuntimeWarning, match="Precision loss"):
        expected = stats.ttest_ind([2.0, 2.0, 2.0], [1.0, 2.0, 3.5], equal_var=False)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)


def test_the_sentence_states_the_claim_the_statistic_and_the_verdict(iris):
    result = run_test(
        iris, TestSpec("levene", column="sepal width (cm)", group_column="target", alpha=0.001)
    )

    assert result.interpretation.startswith(
        "No evidence at alpha = 0.001 that the variance of 'sepal width (cm)' differs between "
        "the groups of 'target': W(2, 147) = "
    )
    assert result.interpretation.endswith("; the null hypothesis is not rejected.")


def test_a_numeric_01_group_column_with_gaps_names_its_groups_without_decimals():
    frame = pd.DataFrame(
        {"x": [1.0, 2.5, 3.1, 4.2, 5.3, 6.6, 7.0], "won": [0, 1, 0, 1, None, 0, 1]}
    )

    result = run_test(table_of(frame), TestSpec("two_sample_t", column="x", group_column="won"))

    assert [(g.name, g.n) for g in result.groups] == [("0", 3), ("1", 3)]


def test_a_boolean_group_column_names_its_groups_true_and_false():
    frame = pd.DataFrame({"x": [1.0, 2.5, 3.1, 4.2, 5.3, 6.6], "paid": [True, False] * 3})

    result = run_test(
        table_of(frame),
        TestSpec("two_sample_t", column="x", group_column="paid", groups=["true", "false"]),
    )

    assert [g.name for g in result.groups] == ["true", "false"]
    expected = stats.ttest_ind([1.0, 3.1, 5.3], [2.5, 4.2, 6.6], equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("test_type", ["", "t_test", "ANOVA"])
def test_a_missing_or_unknown_test_type_lists_the_valid_ones(iris, test_type):
    details = refused(InvalidParameter, iris, test_type=test_type, column="sepal length (cm)")

    assert details["parameter"] == "test_type"
    assert details["valid_choices"] == list(TEST_TYPES)


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 1.5, float("nan")])
def test_alpha_outside_0_to_1_is_refused(iris, alpha):
    details = refused(
        InvalidParameter, iris, test_type="shapiro_wilk", column="sepal length (cm)", alpha=alpha
    )

    assert details["parameter"] == "alpha"


def test_an_unknown_alternative_is_refused(iris):
    details = refused(
        InvalidParameter,
        iris,
        test_type="one_sample_t",
        column="sepal length (cm)",
        alternative="bigger",
    )

    assert details["valid_choices"] == ["two-sided", "less", "greater"]


@pytest.mark.parametrize("test_type", ["one_way_anova", "kruskal_wallis", "levene"])
def test_a_one_sided_alternative_is_refused_where_the_test_has_none(iris, test_type):
    details = refused(
        InvalidParameter,
        iris,
        test_type=test_type,
        column="sepal length (cm)",
        group_column="target",
        alternative="greater",
    )

    assert details["parameter"] == "alternative"
    assert details["valid_choices"] == ["two-sided"]


def test_a_parameter_the_test_does_not_use_is_refused(iris):
    details = refused(
        InvalidParameter,
        iris,
        test_type="one_sample_t",
        column="sepal length (cm)",
        group_column="target",
    )

    assert details["parameter"] == "group_column"


def test_a_two_group_test_on_three_groups_lists_the_groups(iris):
    details = refused(
        InvalidParameter,
        iris,
        test_type="two_sample_t",
        column="sepal length (cm)",
        group_column="target",
    )

    assert details["parameter"] == "group_column"
    assert details["valid_choices"] == ["setosa", "versicolor", "virginica"]


def test_an_unknown_group_is_refused_with_the_groups_found(iris):
    details = refused(
        InvalidParameter,
        iris,
        test_type="mann_whitney",
        column="sepal length (cm)",
        group_column="target",
        groups=["setosa", "virginca"],
    )

    assert details["parameter"] == "groups"
    assert details["value"] == "virginca"
    assert details["valid_choices"] == ["setosa", "versicolor", "virginica"]


def test_a_group_with_one_value_is_insufficient_data():
    table = table_of(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "g": ["a", "a", "a", "b"]}))

    details = refused(
        InsufficientData, table, test_type="two_sample_t", column="x", group_column="g"
    )

    assert details["value"] == "b"
    assert details["n"] == 1


def test_shapiro_wilk_needs_three_values():
    table = Table(
        TableRef("sqlite://", "ds", "t", {"x": "numeric"}), pd.DataFrame({"x": [1.0, 2.0, None]})
    )

    details = refused(InsufficientData, table, test_type="shapiro_wilk", column="x")

    assert details["n"] == 2


@pytest.mark.parametrize(
    "spec",
    [
        {"test_type": "one_sample_t", "column": "flat"},
        {"test_type": "shapiro_wilk", "column": "flat"},
        {"test_type": "pearson", "column": "flat", "second_column": "x"},
        {"test_type": "spearman", "column": "x", "second_column": "flat"},
        {"test_type": "paired_t", "column": "x", "second_column": "x_plus_one"},
        {"test_type": "two_sample_t", "column": "flat", "group_column": "g"},
        {"test_type": "one_way_anova", "column": "step", "group_column": "g"},
        {"test_type": "kruskal_wallis", "column": "flat", "group_column": "g"},
        {"test_type": "levene", "column": "x", "group_column": "pairs"},
    ],
)
def test_a_test_undefined_on_constant_data_is_insufficient_data(spec):
    frame = pd.DataFrame(
        {
            "x": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
            "x_plus_one": [2.0, 3.0, 5.0, 9.0, 17.0, 33.0],
            "flat": [3.0] * 6,
            "step": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
            "g": list("aaabbb"),
            "pairs": list("aabbcc"),
        }
    )

    with pytest.raises(InsufficientData) as raised:
        run_test(table_of(frame), TestSpec(**spec))

    assert "constant" in raised.value.message


def test_a_t_test_of_a_categorical_column_is_refused_with_the_numeric_columns(iris):
    details = refused(InvalidParameter, iris, test_type="one_sample_t", column="target")

    assert details["parameter"] == "column"
    assert details["column_type"] == "categorical"
    assert "sepal length (cm)" in details["valid_choices"]
    assert "target" not in details["valid_choices"]


def test_a_group_test_without_group_column_says_it_is_needed(iris):
    details = refused(InvalidParameter, iris, test_type="one_way_anova", column="sepal length (cm)")

    assert details["parameter"] == "group_column"
    assert "target" in details["valid_choices"]


def test_group_column_and_second_column_together_are_refused(iris):
    details = refused(
        InvalidParameter,
        iris,
        test_type="levene",
        column="sepal length (cm)",
        group_column="target",
        second_column="sepal width (cm)",
    )

    assert details["parameter"] == "second_column"


def test_chi_square_refuses_a_column_with_too_many_categories(cancer):
    details = refused(
        InvalidParameter, cancer, test_type="chi_square", column="target", second_column="mean area"
    )

    assert details["parameter"] == "second_column"
    assert "target" in details["valid_choices"]
    assert "mean area" not in details["valid_choices"]


def test_chi_square_of_a_single_category_is_insufficient_data():
    table = table_of(pd.DataFrame({"a": ["x", "x", "x", "x"], "b": ["p", "q", "p", "q"]}))

    refused(InsufficientData, table, test_type="chi_square", column="a", second_column="b")
    refused(InsufficientData, table, test_type="chi_square", column="a")


@pytest.mark.parametrize(
    ("proportions", "value"),
    [
        ({"benign": 1.0}, "malignant"),
        ({"benign": 0.5, "malignant": 0.6}, pytest.approx(1.1)),
        ({"benign": 1.0, "malignant": 0.0}, "malignant"),
        ({"benign": 0.5, "malignant": float("nan")}, "malignant"),
    ],
)
def test_bad_expected_proportions_are_refused(cancer, proportions, value):
    details = refused(
        InvalidParameter,
        cancer,
        test_type="chi_square",
        column="target",
        expected_proportions=proportions,
    )

    assert details["parameter"] == "expected_proportions"
    assert details["value"] == value


def test_groups_choose_which_groups_an_anova_compares(iris, iris_frame):
    result = run_test(
        iris,
        TestSpec(
            "one_way_anova",
            column="sepal length (cm)",
            group_column="target",
            groups=["virginica", "setosa"],
        ),
    )

    expected = stats.f_oneway(species(iris_frame, "virginica"), species(iris_frame, "setosa"))
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert [g.name for g in result.groups] == ["virginica", "setosa"]
    assert result.df == 1


def test_chi_square_of_a_numeric_and_a_boolean_column_matches_scipy():
    frame = sklearn_frame("diabetes")
    frame["older"] = frame["age"] > 0
    table = table_of(frame)

    result = run_test(table, TestSpec("chi_square", column="older", second_column="sex"))

    observed = pd.crosstab(frame["older"], frame["sex"])
    expected = stats.chi2_contingency(observed)
    assert result.statistic == pytest.approx(expected.statistic, **TIGHT)
    assert result.p_value == pytest.approx(expected.pvalue, **TIGHT)
    assert "Yates" in result.method
    assert [(g.name, g.n) for g in result.groups] == [
        ("false", int((~frame["older"]).sum())),
        ("true", int(frame["older"].sum())),
    ]
