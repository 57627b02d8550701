"""What a form keeps in the session through the login when an official's login ran out
while answering: only the form's own fields, within the form's limits, and nothing at all
for a visitor who was never logged in. (The report form's cases are in
tests/test_incident_report.py.)"""

import os
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from training.models import TrainingModule
from training.views import KEPT_ANSWERS

from .conftest import PASSWORD, kept_values, post_after_idle_timeout

pytestmark = pytest.mark.django_db

URL = "/utbildning/taxi/"


@pytest.fixture
def module(db):
    module = TrainingModule.objects.create(
        title="Taxi", slug="taxi", status=TrainingModule.Status.PUBLICERAD, order=100
    )
    taxi = module.questions.create(text="Hur beställer du helst taxi?", order=1)
    taxi.choices.create(text="Förbeställd, från ett känt bolag", is_correct=True)
    taxi.choices.create(text="Den första bil som stannar", is_correct=False)
    return module


def field_and_choices(module):
    question = module.questions.get()
    return f"fraga-{question.pk}", [str(pk) for pk in question.choices.values_list("pk", flat=True)]


def session_bytes():
    return sum(len(session.session_data) for session in Session.objects.all())


def test_answers_from_a_visitor_who_was_never_logged_in_are_not_kept(module):
    name, (right, _) = field_and_choices(module)
    big = os.urandom(850_000).hex()  # 1.7 MB that the session's compression can't shrink
    response = Client().post(URL, {name: right, "extra": big})
    assert response["Location"] == "/logga-in/?next=/utbildning/taxi/%3Faterstall%3D1"
    assert session_bytes() < 1_000


def test_a_timed_out_officials_kept_answers_are_only_the_modules_questions_and_choices(
    client, official, module
):
    name, (right, wrong) = field_and_choices(module)
    big = os.urandom(500_000).hex()
    post_after_idle_timeout(client, official, URL, {name: [big, wrong], "extra": big})
    assert kept_values(client, KEPT_ANSWERS) == {name: [wrong]}
    assert session_bytes() < 5_000

    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    html = client.get(URL + "?aterstall=1").text
    assert "Du hade blivit utloggad, så svaren är inte skickade" in html
    assert re.search(rf'value="{wrong}"[^>]*checked', html)


def test_a_choice_that_is_not_one_of_the_questions_is_not_kept(client, official, module):
    name, _ = field_and_choices(module)
    post_after_idle_timeout(client, official, URL, {name: "999999"})
    assert kept_values(client, KEPT_ANSWERS) == {}
