"""webapp.links: a list's row links from one reversal per page are the links ``reverse`` gives."""

from django.urls import reverse, set_script_prefix

from webapp import links


def test_row_links_are_what_reverse_gives():
    case_url, task_url = links.for_rows("case"), links.for_rows("task")
    for case_id, task_id in ((1, 2), (42, 42), (7310000000000, 9), (123456, 7)):
        assert case_url(case_id) == reverse("case", args=[case_id])
        assert task_url(case_id, task_id) == reverse("task", args=[case_id, task_id])


def test_row_links_keep_the_script_prefix_of_the_request():
    set_script_prefix("/meritflow/")
    try:
        assert links.for_rows("task")(3, 4) == reverse("task", args=[3, 4]) == "/meritflow/cases/3/tasks/4/"
    finally:
        set_script_prefix("/")


def test_a_row_value_is_a_number_or_refused():
    import pytest

    with pytest.raises(ValueError):
        links.for_rows("case")("1/../admin")
