"""Every place that is the security officers' alone (the reports and their files, the shared
risk inventories, notices, training, the statistics) refuses a security officer who has not
given the second factor in this login, and staff outside the group Säkerhetshandläggare: a
superuser, and staff who were given the officers' permissions one by one."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from incidents.models import Incident
from notices.models import Notice
from portal.models import SECURITY_OFFICERS, User
from portal.security import is_verified_officer
from riskassessment.models import Answer, Assessment, RiskQuestion
from riskassessment.scoring import Level
from training.models import TrainingModule

from .conftest import PASSWORD, login_verified
from .test_incident_report import png_upload, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(official, django_capture_on_commit_callbacks):
    """The officers' pages, each with something on it to see: a sent report with a file, a
    shared risk inventory, an important notice, a training module and a question in it."""
    client = Client()
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/rapportera/", {**report_data(), "files": [png_upload()]})
    incident = Incident.objects.get()
    assessment = Assessment.record(
        official,
        [Answer.for_question(q, Level.HOG) for q in RiskQuestion.objects.active()],
        activity="Torgmöte",
        date="2026-05-14",
    )
    assessment.share()
    notice = Notice.objects.create(
        title="Hotbilden", body="Text", status="publicerad", importance="viktig"
    )
    module = TrainingModule.objects.create(title="Taxi", slug="taxi", status="publicerad")
    question = module.questions.create(text="Hur beställer du taxi?", explanation="Förbeställ.")
    return [
        "/admin/",
        "/admin/incidents/incident/",
        f"/admin/incidents/incident/{incident.pk}/change/",
        "/admin/incidents/incident/statistik/",
        "/admin/incidents/incident/registrera-samtal/",
        "/admin/incidents/accesslogentry/",
        "/admin/riskassessment/assessment/",
        f"/admin/riskassessment/assessment/{assessment.pk}/change/",
        "/admin/notices/notice/",
        f"/admin/notices/notice/{notice.pk}/change/",
        f"/admin/notices/notice/{notice.pk}/skicka-e-post/",
        "/admin/training/trainingmodule/",
        f"/admin/training/trainingmodule/{module.pk}/change/",
        "/admin/training/trainingmodule/oversikt/",
        f"/admin/training/quizquestion/{question.pk}/change/",
        "/admin/training/completion/",
        "/admin/training/completion/add/",
    ]


@pytest.fixture
def staff_with_the_officers_permissions(db):
    """Staff given every permission the group has, but not a member of it."""
    user = User.objects.create_user("per@example.se", PASSWORD, full_name="Per", is_staff=True)
    user.user_permissions.set(Group.objects.get(name=SECURITY_OFFICERS).permissions.all())
    return user


# Which of the admin's start page's lines are the reports' (Att göra): only an officer has them.
REPORTS_TO_DO = "Nya rapporter som inte bedömts"


def test_a_verified_security_officer_opens_every_one_of_them(client, officer, places):
    login_verified(client, officer)
    for url in places:
        response = client.get(url)
        assert response.status_code == 200, url
    assert REPORTS_TO_DO in client.get("/admin/").text


def test_a_security_officer_without_the_second_factor_is_sent_to_give_it(client, officer, places):
    client.force_login(officer)
    for url in places:
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.redirect_chain[-1][0].startswith("/konto/tvastegs/"), url


@pytest.mark.parametrize("who", ["it_staff", "staff_with_the_officers_permissions"])
def test_staff_outside_the_group_are_refused_with_their_second_factor(request, client, places, who):
    login_verified(client, request.getfixturevalue(who))
    start = client.get("/admin/")
    assert start.status_code == 200 and REPORTS_TO_DO not in start.text
    for url in places[1:]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["it_staff", "staff_with_the_officers_permissions"])
def test_staff_outside_the_group_cannot_register_a_call(request, client, official, who):
    login_verified(client, request.getfixturevalue(who))
    data = {**report_data(), "reporter": official.pk, "submission_token": str(uuid.uuid4())}
    response = client.post("/admin/incidents/incident/registrera-samtal/", data)
    assert response.status_code == 403
    assert Incident.objects.count() == 0


# Outside the admin: the files of others' reports, and the drafts of the training


@pytest.fixture
def others_file(official, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/rapportera/", {**report_data(), "files": [png_upload()]})
    return Incident.objects.get().evidence.get().get_absolute_url()


@pytest.fixture
def draft_module(db):
    return TrainingModule.objects.create(title="Utkast", slug="utkast", status="utkast")


def test_a_verified_officer_downloads_a_file_of_anyones_report_and_sees_training_drafts(
    client, officer, others_file, draft_module
):
    login_verified(client, officer)
    assert client.get(others_file).status_code == 200
    assert client.get(draft_module.get_absolute_url()).status_code == 200


def test_an_officer_without_the_second_factor_gets_neither(
    client, officer, others_file, draft_module
):
    client.force_login(officer)
    assert client.get(others_file).status_code == 404
    assert client.get(draft_module.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["it_staff", "staff_with_the_officers_permissions"])
def test_staff_outside_the_group_get_neither(request, client, others_file, draft_module, who):
    login_verified(client, request.getfixturevalue(who))
    assert client.get(others_file).status_code == 404
    assert client.get(draft_module.get_absolute_url()).status_code == 404


# The check itself


def test_only_an_active_staff_member_of_the_group_with_the_second_factor_is_a_verified_officer(
    officer, official, it_staff
):
    def verified(user):
        user.is_verified = lambda: True  # as django-otp's middleware marks a verified login
        return user

    assert is_verified_officer(verified(officer))
    assert not is_verified_officer(User.objects.get(pk=officer.pk))  # password only
    assert not is_verified_officer(verified(it_staff))
    assert not is_verified_officer(verified(official))
    officer.is_active = False
    officer.save()
    assert not is_verified_officer(verified(User.objects.get(pk=officer.pk)))


def test_the_lists_shown_read_only_on_the_officers_pages_are_read_only_and_theirs(rf, officer):
    from django.contrib import admin

    from portal.admin_site import ReadOnlyInline

    inlines = [
        inline(model_admin.model, admin.site)
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if issubclass(inline, ReadOnlyInline)
    ]
    names = {type(inline).__name__ for inline in inlines}
    assert {"EvidenceInline", "SupplementInline", "TriageChangeInline", "AnswerInline"} <= names
    request = rf.get("/admin/")
    request.user = officer
    for inline in inlines:
        assert not inline.has_view_permission(request)  # no second factor yet
    officer.is_verified = lambda: True
    for inline in inlines:
        assert inline.has_view_permission(request)
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)
