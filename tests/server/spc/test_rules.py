"""Nelson's eight run rules fire at the point that completes each pattern,
never one point earlier; sigma zones come from each point's own limits;
``western_electric`` is the documented subset; the default is rule 1; and
unknown rules are refused with the valid choices.

Most series here sit on a chart with centre 0 and limits ±3, so one sigma is
1 and the values read directly in sigmas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.spc.chart import Panel
from neurogate.server.spc.rules import (
    DEFAULT_RULES,
    RULE_NAMES,
    WESTERN_ELECTRIC,
    apply_rules,
    resolve_rules,
)


def panel(
    values: Sequence[float],
    *,
    center: float = 0.0,
    lcl: float | Sequence[float] = -3.0,
    ucl: float | Sequence[float] = 3.0,
    chart_type: str = "xbar_r",
) -> Panel:
    n = len(values)
    lcls = [lcl] * n if isinstance(lcl, float) else list(lcl)
    ucls = [ucl] * n if isinstance(ucl, float) else list(ucl)
    first_lcl, first_ucl = (lcls[0], ucls[0]) if n else (-3.0, 3.0)
    return Panel(chart_type, center, first_lcl, first_ucl, values, lcls, ucls)


def fired(values: Sequence[float], rule: str, **kwargs) -> list[int]:
    _, violations = apply_rules(panel(values, **kwargs), (rule,))
    assert {v.rule for v in violations} <= {rule}
    return [v.point for v in violations]


# --- each rule, exactly where its pattern completes -----------------------


def test_rule_1_fires_strictly_beyond_the_limits() -> None:
    assert fired([0.0, 3.0, 3.01, -3.0, -3.5], "nelson_1") == [3, 5]


def test_rule_2_fires_at_the_ninth_point_on_one_side_and_each_after() -> None:
    eight_above = [-0.5] + [0.5] * 8
    assert fired(eight_above, "nelson_2") == []
    assert fired([*eight_above, 0.5], "nelson_2") == [10]
    assert fired([*eight_above, 0.5, 0.5], "nelson_2") == [10, 11]
    assert fired([-0.2] * 9, "nelson_2") == [9]


def test_rule_2_run_is_broken_by_a_point_on_the_center_line() -> None:
    assert fired([0.5] * 4 + [0.0] + [0.5] * 5, "nelson_2") == []


def test_rule_3_fires_at_the_sixth_point_of_a_steady_trend() -> None:
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4], "nelson_3") == []
    assert fired([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "nelson_3") == [6]
    assert fired([2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0], "nelson_3") == [6, 7]


def test_rule_3_trend_is_broken_by_a_tie() -> None:
    assert fired([0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5], "nelson_3") == []


def test_rule_4_fires_at_the_fourteenth_alternating_point() -> None:
    zigzag = [0.5 if i % 2 else -0.5 for i in range(15)]
    assert fired(zigzag[:13], "nelson_4") == []
    assert fired(zigzag[:14], "nelson_4") == [14]
    assert fired(zigzag, "nelson_4") == [14, 15]
    broken = [*zigzag[:7], zigzag[6], *zigzag[7:14]]  # a repeated value stops the zigzag
    assert fired(broken, "nelson_4") == []


def test_rule_5_fires_at_the_second_of_three_beyond_two_sigma_on_one_side() -> None:
    assert fired([0.0, 2.5, 0.0], "nelson_5") == []
    assert fired([0.0, 2.5, 0.0, 2.5], "nelson_5") == [4]
    assert fired([2.5, 0.0, 0.0, 2.5], "nelson_5") == []  # two of four, not of three
    assert fired([-2.5, -2.1], "nelson_5") == [2]  # reached at point 2 already
    assert fired([2.5, 2.5, 0.0], "nelson_5") == [2]  # the completing point is beyond
    assert fired([2.5, -2.5, 2.0], "nelson_5") == []  # opposite sides; 2.0 is not beyond
    assert fired([0.0, 3.5, 2.5], "nelson_5") == [3]  # beyond the limits counts


def test_rule_6_fires_at_the_fourth_of_five_beyond_one_sigma_on_one_side() -> None:
    assert fired([1.5, 1.5, 0.0, 1.5], "nelson_6") == []
    assert fired([1.5, 1.5, 0.0, 1.5, 1.5], "nelson_6") == [5]
    assert fired([1.5, 1.5, 0.0, 0.0, 1.5, 1.5], "nelson_6") == []
    assert fired([-1.2, -1.2, -1.2, -1.2], "nelson_6") == [4]
    assert fired([1.5, 1.5, -1.5, 1.0, 1.5], "nelson_6") == []  # 1.0 is not beyond


def test_rule_7_fires_at_the_fifteenth_point_within_one_sigma() -> None:
    hugging = [0.5, -0.5, 0.25, 1.0, -1.0] * 3  # inclusive of exactly one sigma
    assert fired(hugging[:14], "nelson_7") == []
    assert fired(hugging, "nelson_7") == [15]
    assert fired([*hugging[:7], 1.01, *hugging[7:]], "nelson_7") == []


def test_rule_8_fires_at_the_eighth_point_beyond_one_sigma_on_both_sides() -> None:
    mixture = [1.5, -1.5] * 4
    assert fired(mixture[:7], "nelson_8") == []
    assert fired(mixture, "nelson_8") == [8]
    assert fired([1.5] * 8, "nelson_8") == []  # all on one side: rules 6 and 2 cover it
    assert fired([*mixture[:4], 1.0, *mixture[4:]], "nelson_8") == []  # 1.0 is within
    assert fired([1.5] * 7 + [-1.5], "nelson_8") == [8]


# --- zones from each point's own limits -----------------------------------


def test_sigma_zones_follow_each_points_own_limits() -> None:
    # Centre 0.4; the first points' limits give sigma 0.2, the last ones' 0.1.
    values = [0.65, 0.65, 0.4, 0.65, 0.65]
    wide = [1.0] * 5
    narrow = [0.7] * 5

    assert fired(values, "nelson_6", center=0.4, lcl=0.0, ucl=wide) == [5]
    assert fired(values, "nelson_5", center=0.4, lcl=0.0, ucl=wide) == []
    assert fired(values, "nelson_5", center=0.4, lcl=0.1, ucl=narrow) == [2, 4, 5]
    mixed = [1.0, 1.0, 1.0, 0.7, 0.7]
    assert fired(values, "nelson_5", center=0.4, lcl=0.0, ucl=mixed) == [5]


def test_sigma_zones_use_the_upper_limit_when_the_lower_is_floored_at_zero() -> None:
    # An attribute chart: centre 1, sigma 1, LCL floored from -2 to 0.
    values = [-1.2, -1.5, 0.5]

    assert fired(values, "nelson_1", center=1.0, lcl=0.0, ucl=4.0) == [1, 2]
    assert fired(values, "nelson_5", center=1.0, lcl=0.0, ucl=4.0) == [2]
    # Sigma from the floored LCL would be 1/3 and put 0.2 and 0.1 beyond 2 sigma.
    assert fired([0.2, 0.1, 0.5], "nelson_5", center=1.0, lcl=0.0, ucl=4.0) == []


# --- rule sets, default, refusals -----------------------------------------


def test_western_electric_is_rules_1_5_6_and_2() -> None:
    assert resolve_rules(("western_electric",)) == ("nelson_1", "nelson_2", "nelson_5", "nelson_6")
    assert set(WESTERN_ELECTRIC) == {"nelson_1", "nelson_5", "nelson_6", "nelson_2"}
    trend = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0]  # rule 3 only
    run = [0.5] * 9  # rule 2 only
    assert fired(trend, "nelson_3") == [6, 7]
    assert apply_rules(panel(trend), ("western_electric",))[1] == []
    _, violations = apply_rules(panel(run), ("western_electric",))
    assert [(v.point, v.rule) for v in violations] == [(9, "nelson_2")]


def test_without_rules_only_rule_1_applies() -> None:
    values = [0.5] * 9 + [3.5]

    _, violations = apply_rules(panel(values), ())

    assert DEFAULT_RULES == ("nelson_1",)
    assert [(v.point, v.rule) for v in violations] == [(10, "nelson_1")]


def test_rule_names_are_deduplicated_and_case_insensitive() -> None:
    assert resolve_rules(("Nelson_3", "nelson_1", "nelson_3", "western_electric")) == (
        "nelson_1",
        "nelson_2",
        "nelson_3",
        "nelson_5",
        "nelson_6",
    )


def test_unknown_rule_is_refused_with_the_valid_choices() -> None:
    with pytest.raises(InvalidParameter) as caught:
        apply_rules(panel([0.0]), ("nelson_1", "nelson_9"))

    assert caught.value.details == {
        "parameter": "rules",
        "value": "nelson_9",
        "valid_choices": list(RULE_NAMES),
    }
    nelson = [f"nelson_{i}" for i in range(1, 9)]
    assert list(RULE_NAMES) == [*nelson, "western_electric"]


def test_rules_on_a_cusum_panel_are_refused_and_no_rules_leave_it_unchanged() -> None:
    cusum = panel([0.0, 6.0], lcl=-5.0, ucl=5.0, chart_type="cusum")

    with pytest.raises(InvalidParameter) as caught:
        apply_rules(cusum, ("nelson_1",))
    assert caught.value.details["parameter"] == "rules"
    assert apply_rules(cusum, ()) == (cusum, [])


# --- the result -----------------------------------------------------------


def test_violations_are_ordered_by_point_then_rule_and_described_plainly() -> None:
    values = [0.5] * 8 + [3.5]
    original = panel(values)

    new, violations = apply_rules(original, ("nelson_2", "nelson_1", "nelson_5"))

    assert [(v.point, v.rule) for v in violations] == [(9, "nelson_1"), (9, "nelson_2")]
    assert violations[0].value == 3.5
    assert violations[0].description == "point above the upper control limit"
    assert violations[1].description == "9 points in a row above the center line"
    assert [p.out_of_control for p in new.points] == [False] * 8 + [True]
    assert not any(p.out_of_control for p in original.points)  # the input is untouched
    assert (new.center_line, new.lcl, new.ucl, new.chart_type) == (0.0, -3.0, 3.0, "xbar_r")


def test_flags_the_chart_set_itself_are_kept() -> None:
    original = panel([0.0, 0.0])
    flagged = replace(original, chart_type="ewma", out_of_control=[False, True])

    new, violations = apply_rules(flagged, ())

    assert violations == []
    assert [p.out_of_control for p in new.points] == [False, True]


def test_an_empty_panel_has_no_violations() -> None:
    empty = panel([])

    assert apply_rules(empty, ("western_electric",)) == (empty, [])


def test_every_rule_on_a_long_in_control_series_fires_at_the_expected_rate() -> None:
    # A sanity check of the vectorised detectors against a plain loop for rule 2.
    rng = np.random.default_rng(7)
    values = rng.normal(size=5000)

    _, violations = apply_rules(panel(values), ("nelson_2",))

    expected, run, side = [], 0, 0
    for i, v in enumerate(values):
        s = int(np.sign(v))
        run = run + 1 if s == side and s != 0 else 1
        side = s
        if run >= 9:
            expected.append(i + 1)
    assert [v.point for v in violations] == expected
    assert len(expected) > 0
