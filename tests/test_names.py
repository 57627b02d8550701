"""One naming across the apps: a choice's member is named for the value it stores, and the
questions of the risk inventory and of the training are RiskQuestion and QuizQuestion,
under the permissions the security officers' group holds and at addresses a bookmark
still finds."""

import pytest
from django.contrib.auth.models import Group
from django.db import models

from portal.models import SECURITY_OFFICERS

from .conftest import login_verified

pytestmark = pytest.mark.django_db

APPS = ("guidance", "incidents", "notices", "portal", "riskassessment", "training")


def choices_of_the_apps():
    found, stack = [], list(models.TextChoices.__subclasses__())
    while stack:
        choices = stack.pop()
        stack.extend(choices.__subclasses__())
        if choices.__module__.split(".")[0] in APPS:
            found.append(choices)
    return found


def test_each_choice_is_named_for_the_value_it_stores():
    choices = choices_of_the_apps()
    assert len(choices) >= 10
    for member in (member for each in choices for member in each):
        assert member.name == member.value.upper(), f"{member!r}"


def test_the_officers_group_keeps_its_permissions_on_the_renamed_questions():
    codenames = set(
        Group.objects.get(name=SECURITY_OFFICERS).permissions.values_list("codename", flat=True)
    )
    assert {"view_riskquestion", "add_riskquestion", "change_riskquestion"} <= codenames
    assert {"view_quizquestion", "add_quizquestion", "change_quizquestion"} <= codenames
    assert "delete_quizquestion" in codenames and "delete_riskquestion" not in codenames
    assert not {name for name in codenames if name.endswith("_question")}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("riskassessment/question/", "riskassessment/riskquestion/"),
        ("riskassessment/question/3/change/", "riskassessment/riskquestion/3/change/"),
        ("training/question/?module__id__exact=1", "training/quizquestion/?module__id__exact=1"),
    ],
)
def test_a_bookmark_of_a_questions_old_address_finds_it(client, officer, old, new):
    login_verified(client, officer)
    response = client.get(f"/admin/{old}")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/{new}"
