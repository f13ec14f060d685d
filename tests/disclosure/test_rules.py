import numpy as np
import pytest

from segregation.disclosure import derived_rule, dominance_rule, frequency_rule, p_percent_rule
from segregation.errors import SegregationError


def test_frequency_rule_marks_one_to_min_count_minus_one():
    values = np.arange(0, 8)
    assert frequency_rule(values, 5).tolist() == [False, True, True, True, True] + [False] * 3


def test_zero_policy_sensitive_marks_zeros():
    assert frequency_rule([0, 0, 6], 5, zeros="sensitive").tolist() == [True, True, False]


def test_bad_min_count_and_zero_policy_raise():
    with pytest.raises(SegregationError, match="min_count"):
        frequency_rule([1], 0)
    with pytest.raises(SegregationError, match="zeros"):
        frequency_rule([1], 5, zeros="maybe")


def test_derived_withheld_when_denominator_small_or_terms_withheld():
    got = derived_rule(
        [1, 30, 8, 9],
        [3, 100, 40, 50],
        numerator_withheld=[False, False, True, False],
        denominator_withheld=[False, False, False, True],
    )
    assert got.tolist() == [True, False, True, True]


def test_dominance_rule_hand_worked():
    # cell a: top 2 = 95 of 100 (> 90 %); cell b: top 2 = 60 of 100
    cells = ["a"] * 3 + ["b"] * 4
    contrib = [80, 15, 5, 30, 30, 20, 20]
    got = dominance_rule(cells, contrib, n=2, k=90)
    assert got.to_dict() == {"a": True, "b": False}


def test_p_percent_rule_hand_worked_and_single_contributor():
    # a: rest = 100 - 50 - 45 = 5 < 0.2 * 50; b: rest = 100 - 50 - 30 = 20 >= 10; c: alone
    got = p_percent_rule(["a"] * 3 + ["b"] * 3 + ["c"], [50, 45, 5, 50, 20, 30, 7], p=20)
    assert got.to_dict() == {"a": True, "b": False, "c": True}


def test_negative_contribution_is_named():
    with pytest.raises(SegregationError, match="positions 1"):
        dominance_rule(["a", "a"], [3, -1])
