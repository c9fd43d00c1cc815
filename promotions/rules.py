"""The decision meeting's rules (DOMAIN.md §4.3 step 5; 党政领导干部选拔任用工作条例, [law]).

A meeting may decide only when at least two thirds of the members who should attend are
present; a proposal is adopted only when more than half of the members who should attend
vote for it (not half of those present).
"""


def quorum(should_attend):
    """The fewest members present for the meeting to decide: ⌈2/3 × should attend⌉ (integers only)."""
    return -(-should_attend * 2 // 3)


def is_quorate(should_attend, present):
    return present * 3 >= should_attend * 2


def is_adopted(should_attend, votes_for):
    """More than half of those who should attend: 9 → 5 votes pass, 4 do not."""
    return votes_for * 2 > should_attend
