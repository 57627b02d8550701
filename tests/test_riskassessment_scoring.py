"""The plan's rule: "Får du MÅTTLIG på fyra eller HÖG på fler än två bör du överväga
förebyggande åtgärder", and the overall level that never calls a HÖG answer low.
Pure: no database."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from riskassessment.scoring import Level, assess

RANK = {Level.LAG: 0, Level.MATTLIG: 1, Level.HOG: 2}
HIGHER = {Level.LAG: [Level.MATTLIG, Level.HOG], Level.MATTLIG: [Level.HOG], Level.HOG: []}

answers = st.lists(st.sampled_from(list(Level)), min_size=0, max_size=15)


def answered(low=0, moderate=0, high=0):
    return [Level.LAG] * low + [Level.MATTLIG] * moderate + [Level.HOG] * high


@pytest.mark.parametrize(
    ("low", "moderate", "high", "level", "consider"),
    [
        (11, 0, 0, Level.LAG, False),
        (8, 3, 0, Level.LAG, False),
        (7, 4, 0, Level.MATTLIG, True),
        (0, 11, 0, Level.MATTLIG, True),
        (10, 0, 1, Level.MATTLIG, False),
        (8, 2, 1, Level.MATTLIG, False),
        (7, 3, 1, Level.MATTLIG, True),
        (9, 0, 2, Level.MATTLIG, False),
        (8, 1, 2, Level.MATTLIG, False),
        (7, 2, 2, Level.MATTLIG, True),
        (0, 9, 2, Level.MATTLIG, True),
        (8, 0, 3, Level.HOG, True),
        (0, 0, 3, Level.HOG, True),
        (0, 8, 3, Level.HOG, True),
        (0, 0, 11, Level.HOG, True),
        (0, 0, 0, Level.LAG, False),
    ],
)
def test_every_boundary_of_the_plans_rule(low, moderate, high, level, consider):
    result = assess(answered(low, moderate, high))
    assert result.level == level
    assert result.consider_measures is consider


def test_four_answers_of_moderate_or_high_call_for_preventive_measures():
    assert not assess(answered(moderate=2, high=1)).consider_measures
    assert assess(answered(moderate=2, high=2)).consider_measures


def test_more_than_two_high_answers_give_a_high_level_even_with_nothing_else():
    assert assess(answered(low=8, high=2)).level == Level.MATTLIG
    assert assess(answered(low=8, high=3)).level == Level.HOG


def test_two_high_answers_are_moderate_though_below_the_plans_threshold():
    result = assess(answered(low=9, high=2))
    assert result.level == Level.MATTLIG
    assert result.consider_measures is False


def test_one_high_answer_among_lows_is_never_called_low():
    assert assess(answered(low=10, high=1)).level == Level.MATTLIG


def test_the_result_carries_the_counts():
    result = assess(answered(low=5, moderate=4, high=2))
    assert (result.low, result.moderate, result.high, result.total) == (5, 4, 2, 11)


def test_stored_values_are_read_as_levels():
    assert assess(["hog", "hog", "hog"]).level == Level.HOG


def test_an_unknown_answer_is_refused():
    with pytest.raises(ValueError):
        assess(["kanske"])


@given(answers, st.data())
def test_raising_an_answer_never_lowers_the_result(levels, data):
    assume(any(HIGHER[level] for level in levels))
    index = data.draw(
        st.sampled_from([i for i, level in enumerate(levels) if HIGHER[level]]), label="index"
    )
    raised = list(levels)
    raised[index] = data.draw(st.sampled_from(HIGHER[levels[index]]), label="raised to")
    before, after = assess(levels), assess(raised)
    assert RANK[after.level] >= RANK[before.level]
    assert after.consider_measures >= before.consider_measures
    if raised[index] == Level.HOG:
        assert after.level != Level.LAG


@given(answers, st.sampled_from(list(Level)))
def test_adding_an_answer_never_lowers_the_result(levels, extra):
    before, after = assess(levels), assess([*levels, extra])
    assert RANK[after.level] >= RANK[before.level]
    assert after.consider_measures >= before.consider_measures


@given(answers, st.randoms())
def test_the_order_of_the_answers_does_not_matter(levels, random):
    shuffled = list(levels)
    random.shuffle(shuffled)
    assert assess(shuffled) == assess(levels)


@given(answers)
def test_the_level_is_above_low_exactly_when_measures_are_advised_or_an_answer_is_high(levels):
    result = assess(levels)
    assert (result.level != Level.LAG) == (result.consider_measures or Level.HOG in levels)
    assert result.total == len(levels)


@given(answers)
def test_the_advice_to_consider_measures_is_the_plans_threshold_exactly(levels):
    high = levels.count(Level.HOG)
    moderate_or_higher = high + levels.count(Level.MATTLIG)
    expected = moderate_or_higher >= 4 or high > 2
    assert assess(levels).consider_measures is expected


@given(answers)
def test_no_inventory_with_a_high_answer_is_low(levels):
    assume(Level.HOG in levels)
    assert assess(levels).level != Level.LAG
