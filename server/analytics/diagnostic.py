"""``Analytics.Diagnostic``: which factors move a numeric target, and by how much.

Correlations (each factor alone, on the rows where both it and the target
are present)
    - numeric factor: Pearson's r with its two-sided p-value
      (``scipy.stats.pearsonr``), or Spearman's rho (``scipy.stats.spearmanr``)
      for ``analysis_type="spearman"``;
    - boolean factor: coded 0/1, then as numeric (Pearson on 0/1 is the
      point-biserial correlation);
    - categorical factor: the correlation ratio eta = sqrt(SS_between /
      SS_total) of the target over the factor's levels, with the one-way
      ANOVA p-value (``scipy.stats.f_oneway``); for Spearman, the same ratio on
      the target's ranks with the Kruskal-Wallis p-value
      (``scipy.stats.kruskal``). eta is in [0, 1]: a category has no sign.
    - significance: ``high`` p < 0.001, ``medium`` p < 0.01, ``low`` p < 0.05,
      ``none`` otherwise. Correlations are sorted by absolute value, largest first.

Root causes (``analysis_type="root_cause"``)
    One ordinary least-squares model of the target on every factor at once
    (rows where all are present): numeric factors as they are, booleans 0/1,
    categoricals one-hot with their first level (sorted) as the reference.
    ``r2_score`` is its R².

    - ``contribution``: the factor's share of explained variance by the LMG
      decomposition (Lindeman, Merenda & Gold 1980; the Shapley value of R²):
      the increase in R² when the factor (all its dummy columns together)
      joins the model, averaged over every order of entering the factors. The
      contributions are non-negative and sum to R². Up to
      :data:`EXACT_LMG_FACTORS` factors it is exact (2^p sub-models); beyond,
      it is averaged over :data:`SAMPLED_ORDERINGS` random orderings (seeded,
      so repeatable) and still sums exactly to R².
    - ``impact`` in the target's units: for a numeric factor, the coefficient
      times the factor's standard deviation (ddof=1) over the model's rows —
      the change in the target for a one-SD increase, the others held fixed;
      for a boolean, the coefficient (true vs false); for a categorical, the
      level effect vs the reference level with the largest magnitude (signed).
    Root causes are sorted by contribution, largest first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from neurogate.server.analytics.tables import Table
from neurogate.server.errors import InsufficientData, InvalidParameter

ANALYSIS_TYPES: Final = ("correlation", "spearman", "root_cause")
FACTOR_TYPES: Final = ("numeric", "categorical", "boolean")
#: Exact LMG up to this many factors (2^p least-squares fits).
EXACT_LMG_FACTORS: Final = 10
#: Orderings averaged beyond EXACT_LMG_FACTORS factors.
SAMPLED_ORDERINGS: Final = 200
#: Fewest rows for a correlation.
MIN_ROWS: Final = 3


@dataclass(frozen=True)
class Correlation:
    factor: str
    correlation: float
    p_value: float
    significance: str


@dataclass(frozen=True)
class RootCause:
    factor: str
    contribution: float
    impact: float


@dataclass(frozen=True)
class Diagnosis:
    correlations: list[Correlation]
    root_causes: list[RootCause]
    #: R² of the root-cause model; None without one.
    r2_score: float | None
    rows: int


def significance(p_value: float) -> str:
    if p_value < 0.001:
        return "high"
    if p_value < 0.01:
        return "medium"
    if p_value < 0.05:
        return "low"
    return "none"


def check_request(
    table: Table, target: str, factors: Sequence[str], analysis_type: str
) -> tuple[str, list[str], str]:
    """The target, the factors (defaults filled in) and the analysis type, or
    INVALID_PARAMETER naming what is wrong."""
    kind = analysis_type or "correlation"
    if kind not in ANALYSIS_TYPES:
        raise InvalidParameter(
            f"unknown analysis_type {analysis_type!r}",
            parameter="analysis_type",
            value=analysis_type,
            valid_choices=list(ANALYSIS_TYPES),
        )
    table.check(target, parameter="target_metric", types=("numeric",))
    if not factors:
        chosen = [name for name in table.names(FACTOR_TYPES) if name != target]
        if not chosen:
            raise InvalidParameter(
                f"dataset has no numeric, categorical or boolean column besides {target!r}",
                parameter="potential_factors",
            )
        return target, chosen, kind
    seen: set[str] = set()
    for factor in factors:
        table.check(factor, parameter="potential_factors", types=FACTOR_TYPES)
        if factor == target or factor in seen:
            raise InvalidParameter(
                f"potential_factors names {factor!r} twice or as the target",
                parameter="potential_factors",
                value=factor,
            )
        seen.add(factor)
    return target, list(factors), kind


def _constant(name: str, parameter: str) -> InvalidParameter:
    return InvalidParameter(
        f"column {name!r} is constant on the rows analysed; it cannot explain anything",
        parameter=parameter,
        value=name,
    )


def _too_few(name: str, rows: int, needed: int) -> InsufficientData:
    return InsufficientData(
        f"{rows} rows have both the target and {name!r}; at least {needed} are needed",
        parameter="potential_factors",
        value=name,
        rows=rows,
        minimum=needed,
    )


def _eta(y: np.ndarray, labels: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Correlation ratio of ``y`` over ``labels``, and the groups."""
    groups = [y[labels == level] for level in np.unique(labels)]
    total = float(((y - y.mean()) ** 2).sum())
    between = float(sum(len(g) * (g.mean() - y.mean()) ** 2 for g in groups))
    return math.sqrt(min(1.0, between / total)), groups


def correlate(y: pd.Series, x: pd.Series, factor: str, kind: str, method: str) -> Correlation:
    """The correlation of one factor with the target (see the module doc);
    ``y`` float64, ``x`` the factor's column, ``kind`` its type."""
    complete = (y.notna() & x.notna()).to_numpy()
    target = y.to_numpy(dtype="float64")[complete]
    if kind == "categorical":
        labels = x.to_numpy(dtype=object)[complete].astype(str)
        if len(target) < MIN_ROWS:
            raise _too_few(factor, len(target), MIN_ROWS)
        if len(np.unique(labels)) < 2:
            raise _constant(factor, "potential_factors")
        if np.ptp(target) == 0:
            raise _constant(y.name, "target_metric")
        if len(target) <= len(np.unique(labels)):
            raise _too_few(factor, len(target), len(np.unique(labels)) + 1)
        if method == "spearman":
            r, groups = _eta(stats.rankdata(target), labels)
            p = float(stats.kruskal(*groups).pvalue)
        else:
            r, groups = _eta(target, labels)
            p = float(stats.f_oneway(*groups).pvalue)
    else:
        values = x.to_numpy(dtype="float64", na_value=np.nan)[complete]
        if len(target) < MIN_ROWS:
            raise _too_few(factor, len(target), MIN_ROWS)
        if np.ptp(values) == 0:
            raise _constant(factor, "potential_factors")
        if np.ptp(target) == 0:
            raise _constant(y.name, "target_metric")
        test = stats.spearmanr if method == "spearman" else stats.pearsonr
        result = test(values, target)
        r, p = float(result.statistic), float(result.pvalue)
    return Correlation(factor, r, p, significance(p))


# ---------------------------------------------------------------- root causes


def _design_blocks(
    frame: pd.DataFrame, factors: Sequence[str], kinds: dict[str, str]
) -> tuple[list[np.ndarray], list[list[str]]]:
    """One column block per factor (numeric/boolean one column, categorical
    one dummy per non-reference level), and the blocks' level names."""
    blocks, levels = [], []
    for factor in factors:
        column = frame[factor]
        if kinds[factor] == "categorical":
            labels = column.to_numpy(dtype=object).astype(str)
            names = sorted(np.unique(labels))
            if len(names) < 2:
                raise _constant(factor, "potential_factors")
            others = names[1:]
            blocks.append(np.column_stack([(labels == name).astype(float) for name in others]))
            levels.append(others)
        else:
            values = column.to_numpy(dtype="float64", na_value=np.nan)
            if np.ptp(values) == 0:
                raise _constant(factor, "potential_factors")
            blocks.append(values[:, None])
            levels.append([factor])
    return blocks, levels


def lmg(y: np.ndarray, blocks: Sequence[np.ndarray], *, seed: int = 0) -> np.ndarray:
    """Each block's LMG share of R² (see the module doc).

    Every sub-model's R² comes from the centred cross-product matrix, built
    once in O(n p²): R²(S) = g_S' G_SS⁺ g_S / SST with G = Z'Z and g = Z'y on
    centred columns, so the 2^p sub-models cost nothing per row."""
    p = len(blocks)
    z = np.column_stack(blocks)
    z = z - z.mean(axis=0)
    z = z / np.sqrt((z**2).sum(axis=0))  # unit columns: R² is unchanged, G well scaled
    yc = y - y.mean()
    gram, cross, total = z.T @ z, z.T @ yc, float(yc @ yc)
    edges = np.cumsum([0, *(block.shape[1] for block in blocks)])
    cache: dict[frozenset[int], float] = {frozenset(): 0.0}

    def r2(subset: frozenset[int]) -> float:
        if subset not in cache:
            idx = np.concatenate([np.arange(edges[i], edges[i + 1]) for i in sorted(subset)])
            beta, *_ = np.linalg.lstsq(gram[np.ix_(idx, idx)], cross[idx], rcond=None)
            cache[subset] = float(cross[idx] @ beta) / total
        return cache[subset]

    shares = np.zeros(p)
    if p <= EXACT_LMG_FACTORS:
        # Shapley weights: |S|! (p-|S|-1)! / p! for each subset S without i.
        for i in range(p):
            others = [j for j in range(p) if j != i]
            for size in range(p):
                weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                for subset in itertools.combinations(others, size):
                    base = frozenset(subset)
                    shares[i] += weight * (r2(base | {i}) - r2(base))
        return shares
    rng = np.random.default_rng(seed)
    for _ in range(SAMPLED_ORDERINGS):
        entered: frozenset[int] = frozenset()
        for i in rng.permutation(p):
            grown = entered | {int(i)}
            shares[i] += r2(grown) - r2(entered)
            entered = grown
    return shares / SAMPLED_ORDERINGS


def root_causes(
    frame: pd.DataFrame, target: str, factors: Sequence[str], kinds: dict[str, str]
) -> tuple[list[RootCause], float, int]:
    """Root causes (sorted), the model's R² and the rows it used."""
    import statsmodels.api as sm

    rows = frame[[target, *factors]].dropna()
    y = rows[target].to_numpy(dtype="float64")
    if len(y) < MIN_ROWS:
        raise InsufficientData(
            f"{len(y)} rows have the target and every factor; the model needs more",
            parameter="potential_factors",
            rows=len(y),
            minimum=len(factors) + 2,
        )
    blocks, levels = _design_blocks(rows, factors, kinds)
    width = sum(block.shape[1] for block in blocks)
    if len(y) < width + 2:
        raise InsufficientData(
            f"{len(y)} rows have the target and every factor; the model needs at least "
            f"{width + 2} (one more than its {width + 1} coefficients)",
            parameter="potential_factors",
            rows=len(y),
            minimum=width + 2,
        )
    if np.ptp(y) == 0:
        raise _constant(target, "target_metric")
    model = sm.OLS(y, np.column_stack([np.ones(len(y)), *blocks])).fit()
    shares = lmg(y, blocks)
    causes = []
    position = 1
    for factor, block, names in zip(factors, blocks, levels, strict=True):
        coef = model.params[position : position + len(names)]
        position += len(names)
        if kinds[factor] == "numeric":
            impact = float(coef[0] * block[:, 0].std(ddof=1))
        elif kinds[factor] == "boolean":
            impact = float(coef[0])
        else:
            impact = float(coef[np.argmax(np.abs(coef))])
        causes.append(RootCause(factor, 0.0, impact))
    causes = [
        RootCause(c.factor, max(0.0, float(share)), c.impact)
        for c, share in zip(causes, shares, strict=True)
    ]
    causes.sort(key=lambda c: -c.contribution)
    return causes, float(model.rsquared), len(y)


def diagnose(table: Table, target: str, factors: Sequence[str], analysis_type: str) -> Diagnosis:
    """Correlations and, for ``root_cause``, root causes (see the module doc)."""
    target, factors, kind = check_request(table, target, factors, analysis_type)
    frame = table.frame
    y = frame[target].astype("float64")
    kinds = {factor: table.column_types[factor] for factor in factors}
    method = "spearman" if kind == "spearman" else "pearson"
    correlations = [correlate(y, frame[f], f, kinds[f], method) for f in factors]
    correlations.sort(key=lambda c: -abs(c.correlation))
    if kind != "root_cause":
        return Diagnosis(correlations, [], None, int(y.notna().sum()))
    causes, r2, rows = root_causes(frame, target, factors, kinds)
    return Diagnosis(correlations, causes, r2, rows)
