"""Hostile input to the login and to every page of the admin gets an answer, never a server
error: a 500 tells an attacker where to push, and on PostgreSQL a NUL byte or a number too
big for a column is exactly such a push."""

import html
import re
from urllib.parse import parse_qsl, urlencode

import pytest
from django.contrib import admin
from django.urls import reverse
from model_bakery import baker

from .conftest import PASSWORD, login_verified

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "'", "x" * 3000, "9999999999999999999", "-1", "abc"]
HOSTILE_DATES = [*HOSTILE, "9999", "1", "0", "2026-13-45"]  # the calendar's ends

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture(params=["officer", "it_staff"])
def admin_client(request, client):
    """A security officer sees the officers' work; a superuser outside their group (IT)
    sees the rest: the accounts, the second factors, the lockouts."""
    client.raise_request_exception = False  # a crash is counted, not raised
    return login_verified(client, request.getfixturevalue(request.param))


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def query_names(model_admin, page):
    """The query parameters the changelist itself links to (its filters, date drill-down,
    sorting), and those its filters and date hierarchy may take."""
    names = {"q", "o", "p", "_to_field"}
    for href in re.findall(r'href="\?([^"]*)"', page):
        names.update(name for name, _ in parse_qsl(html.unescape(href)))
    names.update(spec for spec in model_admin.list_filter if isinstance(spec, str))
    if model_admin.date_hierarchy:
        names.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
def test_the_changelist_survives_hostile_filters_and_actions(admin_client, model, model_admin):
    baker.make(model)
    changelist = url(model, "changelist")
    page = admin_client.get(changelist)
    if page.status_code == 403:
        return  # not this user's part of the admin: the other one tries it
    assert page.status_code == 200
    crashed = []
    for name in query_names(model_admin, page.text):
        dated = name.endswith(("__year", "__month", "__day", "__gte", "__lt"))
        for value in HOSTILE_DATES if dated else HOSTILE:
            response = admin_client.get(f"{changelist}?{urlencode({name: value})}")
            if response.status_code >= 500:
                crashed.append((name, value[:20]))
    menu = re.search(r'<select name="action".*?</select>', page.text, re.DOTALL)
    actions = re.findall(r'<option value="(\w+)"', menu.group(0)) if menu else []
    for action in actions or ["delete_selected"]:
        for selected in ["abc", "\x00", "9999999999999999999"]:
            response = admin_client.post(
                changelist, {"action": action, "_selected_action": selected, "index": "0"}
            )
            if response.status_code >= 500:
                crashed.append((action, selected))
    assert crashed == [], crashed


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
def test_change_pages_open_and_hostile_ids_do_not_crash(admin_client, model, model_admin):
    obj = baker.make(model)
    crashed = []
    for view in ["change", "history", "delete"]:
        for object_id in [obj.pk, *HOSTILE]:
            if admin_client.get(url(model, view, object_id)).status_code >= 500:
                crashed.append((view, str(object_id)[:20]))
    assert crashed == [], crashed


HOSTILE_LOGINS = [
    ("x" * 300 + "@example.se", PASSWORD),
    ("a" * 5000, "b" * 5000),
    ("anna\x00@example.se", PASSWORD),
    ("anna@example.se", "lösen\x00ord"),
    ("' OR 1=1 --", "'"),
    ("", ""),
    ("anna@example.se", ""),
]


@pytest.mark.parametrize(("username", "password"), HOSTILE_LOGINS)
def test_the_login_refuses_hostile_input_without_crashing(client, official, username, password):
    response = client.post("/logga-in/", {"username": username, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_too_long_address_is_refused_in_swedish_before_it_is_counted(client, official):
    from axes.models import AccessAttempt, AccessFailureLog

    response = client.post("/logga-in/", {"username": "x" * 300 + "@example.se", "password": "x"})
    assert "E-postadressen är för lång" in response.text
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


@pytest.mark.parametrize("email", ["x" * 300 + "@example.se", "anna\x00@example.se", "'"])
def test_the_password_reset_refuses_hostile_input_without_crashing(client, official, email):
    assert client.post("/glomt-losenord/", {"email": email}).status_code < 500


def test_a_completion_opens_in_the_admin(client, officer, official):
    from training.models import Completion

    completion = baker.make(Completion, user=official)
    login_verified(client, officer)
    response = client.get(url(Completion, "change", completion.pk))
    assert response.status_code == 200
    assert str(official) in response.text
