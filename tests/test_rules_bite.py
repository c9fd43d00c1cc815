"""The decision meeting's quorum and majority at and either side of each boundary (issue 12
"Tests that bite"; DOMAIN.md §4.3 step 5: "at least 2/3 of members present; adopted when more
than half of the members who should attend vote yes")."""

import pytest

from promotions.rules import is_adopted, is_quorate, quorum

# The fractions are rule parameters (rulebook): read from the database, their defaults here.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("should, fewest", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5), (9, 6), (10, 7), (11, 8), (12, 8)])
def test_quorum_is_two_thirds_rounded_up(should, fewest):
    """DOMAIN.md §4.3 step 5: "at least 2/3 of members present" — ⌈2/3 × n⌉, exact at multiples of 3."""
    assert quorum(should) == fewest
    assert is_quorate(should, fewest)
    assert not is_quorate(should, fewest - 1)


def test_quorum_agrees_with_is_quorate_everywhere():
    """DOMAIN.md §4.3 step 5: the fewest members present that make a quorum, for every size up to 60."""
    for should in range(1, 61):
        assert [p for p in range(should + 1) if is_quorate(should, p)][0] == quorum(should)


@pytest.mark.parametrize(
    "should, present, ok", [(9, 6, True), (9, 5, False), (9, 9, True), (10, 7, True), (10, 6, False), (3, 2, True), (3, 1, False)]
)
def test_is_quorate_at_the_boundary(should, present, ok):
    """DOMAIN.md §4.3 step 5: 2/3 exactly is enough (9 → 6), one fewer is not."""
    assert is_quorate(should, present) is ok


@pytest.mark.parametrize(
    "should, votes, ok",
    [(9, 5, True), (9, 4, False), (10, 6, True), (10, 5, False), (11, 6, True), (11, 5, False), (1, 1, True), (2, 1, False)],
)
def test_adopted_by_more_than_half_of_those_who_should_attend(should, votes, ok):
    """DOMAIN.md §4.3 step 5: "more than half of the members who should attend" — exactly half
    (10 → 5) is not enough; 9 → 5 passes, 4 does not."""
    assert is_adopted(should, votes) is ok
