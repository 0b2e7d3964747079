"""Run rules: which points of a control chart signal an out-of-control
process, by Nelson's eight tests (Nelson 1984, *J. Quality Technology* 16(4);
the same eight as Minitab's "tests for special causes" and qcc's
``qccRulesViolatingNEL1..8``).

The sigma zones come from **each point's own limits**: a point's sigma is
``(ucl - center) / 3``, so the zones follow per-point limits (p and u charts
with varying sample sizes, EWMA). The upper limit is used because lower limits
may be floored at 0 (attribute charts).

=========  ==============================================================
rule       fires at a point when
=========  ==============================================================
nelson_1   it lies beyond the control limits (strictly above ucl or below lcl)
nelson_2   it is the 9th (or later) of points in a row strictly on one side
           of the centre line (a point on the centre line breaks the run)
nelson_3   it is the 6th (or later) of points in a row steadily increasing,
           or steadily decreasing (a tie breaks the run)
nelson_4   it is the 14th (or later) of points in a row alternating up and
           down (a tie breaks the run)
nelson_5   it lies beyond 2 sigma and is the 2nd such point, on the same side,
           of the last 3 points
nelson_6   it lies beyond 1 sigma and is the 4th such point, on the same side,
           of the last 5 points
nelson_7   it is the 15th (or later) of points in a row within 1 sigma of the
           centre line (inclusive)
nelson_8   it is the 8th (or later) of points in a row beyond 1 sigma, with
           points on both sides of the centre line among those 8 (Nelson's
           wording, as qcc; eight on one side are caught by rules 6 and 2)
=========  ==============================================================

"Beyond k sigma" is strict (``> center + k·sigma`` or ``< center - k·sigma``)
and includes points beyond the limits. **A violation is reported at the point
that completes the pattern**, never earlier: a run of nine on one side is
reported at its ninth point, and each further point that extends the run is
reported too (each completes a run of nine ending there), as qcc does. Rules 5
and 6 count within the points available at the start of a chart (two points
beyond 2 sigma at points 1 and 2 fire at point 2: two of three is already
reached, whatever point 3 will be); qcc waits for a full window of three.

**Western Electric.** ``western_electric`` selects the Western Electric
handbook's four rules as the subset of Nelson's eight they correspond to:
nelson_1 (beyond 3 sigma), nelson_5 (2 of 3 beyond 2 sigma), nelson_6 (4 of 5
beyond 1 sigma) and nelson_2 (a run on one side of the centre). The handbook's
run rule counts **8** points where Nelson's rule 2 counts **9** (qcc's
``WER4`` uses 8); the subset takes Nelson's nine so a rule name always means
one test. Violations are reported under the Nelson names.

**Default.** With no rules requested only ``nelson_1`` applies: the Shewhart
criterion the limits are designed for, with a false-alarm rate of 0.27 % per
point. Each added run rule raises the false-alarm rate (Western Electric's
four together: about one false alarm in 92 in-control points instead of one
in 370), so run rules are opt-in.

**CUSUM.** Run rules do not apply to cumulative sums (successive sums are
dependent and have no sigma zones); the CUSUM flags its own points against its
decision interval (:mod:`.timeweighted`). Asking for rules on a CUSUM panel is
refused; with no rules its panel comes back unchanged.

A point's ``out_of_control`` is set when any selected rule fires at it; flags
the chart set itself are kept.
"""

from __future__ import annotations

import numpy as np

from neurogate.server.errors import InvalidParameter
from neurogate.server.spc.chart import Panel, Violation

NELSON_RULES = tuple(f"nelson_{i}" for i in range(1, 9))
WESTERN_ELECTRIC = ("nelson_1", "nelson_5", "nelson_6", "nelson_2")
RULE_SETS = {"western_electric": WESTERN_ELECTRIC}
#: Every name a request may use.
RULE_NAMES = (*NELSON_RULES, *RULE_SETS)
#: The rules applied when none are requested.
DEFAULT_RULES = ("nelson_1",)


def resolve_rules(rules: tuple[str, ...]) -> tuple[str, ...]:
    """The Nelson rules ``rules`` name, in rule order, sets expanded and
    duplicates dropped; :data:`DEFAULT_RULES` for none. Unknown names are
    refused with the valid choices."""
    selected: set[str] = set()
    for name in rules:
        key = name.strip().lower()
        if key in RULE_SETS:
            selected.update(RULE_SETS[key])
        elif key in NELSON_RULES:
            selected.add(key)
        else:
            raise InvalidParameter(
                f"unknown run rule {name!r}",
                parameter="rules",
                value=name,
                valid_choices=list(RULE_NAMES),
            )
    if not selected:
        return DEFAULT_RULES
    return tuple(rule for rule in NELSON_RULES if rule in selected)


def apply_rules(panel: Panel, rules: tuple[str, ...]) -> tuple[Panel, list[Violation]]:
    """``panel`` with ``out_of_control`` set where the selected rules fire,
    and the violations, ordered by point and then rule."""
    if panel.chart_type == "cusum":
        if rules:
            raise InvalidParameter(
                "run rules do not apply to a CUSUM chart: it signals when a cumulative sum "
                "crosses the decision interval h",
                parameter="rules",
                value=list(rules),
            )
        return panel, []
    selected = resolve_rules(rules)
    if not len(panel):
        return panel, []

    values, lcl, ucl = panel.values, panel.point_lcl, panel.point_ucl
    center = panel.center_line
    sigma = (ucl - center) / 3.0

    # (point index, rule number, description) of every firing, as arrays.
    indices: list[np.ndarray] = []
    numbers: list[np.ndarray] = []
    descriptions: list[str] = []
    for rule in selected:
        number = int(rule.rsplit("_", 1)[1])
        for mask, description in _DETECTORS[number](values, lcl, ucl, center, sigma):
            hit = np.flatnonzero(mask)
            indices.append(hit)
            numbers.append(np.full(hit.size, number))
            descriptions.extend([description] * hit.size)
    if not descriptions:
        return panel, []
    index, number = np.concatenate(indices), np.concatenate(numbers)
    order = np.lexsort((number, index)).tolist()
    index_list, number_list = index.tolist(), number.tolist()
    hit_values = values[index].tolist()
    violations = [
        Violation(
            point=index_list[i] + 1,
            value=hit_values[i],
            rule=f"nelson_{number_list[i]}",
            description=descriptions[i],
        )
        for i in order
    ]
    flagged = np.zeros(len(panel), dtype=bool)
    flagged[index] = True
    return panel.flag(flagged), violations


# --- detectors: each yields (boolean mask of firing points, description) ---


def _run_length(condition: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at each index (0 where False)."""
    index = np.arange(condition.size)
    last_false = np.maximum.accumulate(np.where(condition, -1, index))
    return index - last_false


def _count_in_window(condition: np.ndarray, width: int) -> np.ndarray:
    """How many of the last ``width`` values (fewer at the start) are True."""
    total = np.concatenate(([0], np.cumsum(condition)))
    end = np.arange(1, condition.size + 1)
    return total[end] - total[np.maximum(end - width, 0)]


def _beyond_limits(values, lcl, ucl, center, sigma):
    yield values > ucl, "point above the upper control limit"
    yield values < lcl, "point below the lower control limit"


def _same_side(values, lcl, ucl, center, sigma):
    yield _run_length(values > center) >= 9, "9 points in a row above the center line"
    yield _run_length(values < center) >= 9, "9 points in a row below the center line"


def _trend(values, lcl, ucl, center, sigma):
    step = np.diff(values)
    # A point ends a trend of six when the five steps leading to it go one way.
    for rising, word in ((True, "increasing"), (False, "decreasing")):
        moving = step > 0 if rising else step < 0
        fires = np.concatenate(([False], _run_length(moving) >= 5))
        yield fires, f"6 points in a row steadily {word}"


def _alternating(values, lcl, ucl, center, sigma):
    step = np.diff(values)
    # A sign change at each interior point; 14 alternating points have 12.
    turns = step[1:] * step[:-1] < 0
    fires = np.concatenate(([False, False], _run_length(turns) >= 12))
    yield fires, "14 points in a row alternating up and down"


def _k_of_m(values, center, sigma, k_sigma: int, k: int, m: int):
    for above, word in ((True, "above"), (False, "below")):
        beyond = values > center + k_sigma * sigma if above else values < center - k_sigma * sigma
        yield (
            beyond & (_count_in_window(beyond, m) >= k),
            f"{k} of {m} points in a row more than {k_sigma} sigma {word} the center line",
        )


def _two_of_three(values, lcl, ucl, center, sigma):
    yield from _k_of_m(values, center, sigma, 2, 2, 3)


def _four_of_five(values, lcl, ucl, center, sigma):
    yield from _k_of_m(values, center, sigma, 1, 4, 5)


def _hugging(values, lcl, ucl, center, sigma):
    within = np.abs(values - center) <= sigma
    yield _run_length(within) >= 15, "15 points in a row within 1 sigma of the center line"


def _mixture(values, lcl, ucl, center, sigma):
    above = values > center + sigma
    below = values < center - sigma
    fires = (
        (_run_length(above | below) >= 8)
        & (_count_in_window(above, 8) > 0)
        & (_count_in_window(below, 8) > 0)
    )
    yield (
        fires,
        "8 points in a row more than 1 sigma from the center line, on both sides of it",
    )


_DETECTORS = {
    1: _beyond_limits,
    2: _same_side,
    3: _trend,
    4: _alternating,
    5: _two_of_three,
    6: _four_of_five,
    7: _hugging,
    8: _mixture,
}
