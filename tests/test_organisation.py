"""Any region or municipality can run the portal: the organisation is configuration and the
plan is a file it loads. A made-up Exempel kommun, with a short plan of its own, sees its
own name and numbers everywhere, and not a word of the first organisation's."""

import io
import os
import re
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from guidance.models import Contact, Section
from incidents.models import Incident, ReferenceCounter
from notices.models import Notice
from portal import mail as portal_mail
from portal.models import SecurityUnit, User
from portal.tasks import send_password_reset
from riskassessment.models import Answer, Assessment, RiskQuestion
from training.models import TrainingModule

from .conftest import login_verified, make_officer, sent_report

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "data" / "exempel-plan.md"
DEFAULT_PLAN = ROOT / "guidance" / "content" / "handlingsplan.md"
NAME = "Exempel kommun"
PORTAL_NAME = "Tryggt uppdrag"
PREFIX = "EXK"
# Words of the first organisation's: its name, its domain, its reference prefix, the portal's
# default name, its people, its guards, its unit and its word in running text.
THEIRS = [
    "Sörmland", "sormland", "HHV", "Personsäkerhetsportalen", "Joakim", "Securitas",
    "beredskapsstab", "regionen", "regionens",
]  # fmt: skip


def words_of_the_first_organisation(text):
    return [word for word in THEIRS if word.lower() in text.lower()]


def visible(html):
    """The page's text and attribute values, as a reader or a screen reader meets them."""
    return re.sub(r"<(script|style)\b.*?</\1>|<[^>]*>", " ", html, flags=re.S)


def logo_png(path):
    Image.new("RGB", (60, 20), "darkgreen").save(path, "PNG")
    return path


@pytest.fixture
def exempel(settings, tmp_path):
    """The portal installed for Exempel kommun: its settings, its plan, its unit's name."""
    settings.PORTAL_ORGANISATION_NAME = NAME
    settings.PORTAL_ORGANISATION_IN_TEXT = "kommunen"
    settings.PORTAL_NAME = PORTAL_NAME
    settings.PORTAL_REFERENCE_PREFIX = PREFIX
    settings.DEFAULT_FROM_EMAIL = "tryggt@exempel.example"
    settings.PORTAL_LOGO = str(logo_png(tmp_path / "exempel-logo.png"))
    call_command("load_plan", str(PLAN), stdout=io.StringIO())
    SecurityUnit.objects.update_or_create(pk=1, defaults={"name": "trygghetsenheten"})
    return settings


@pytest.fixture
def official_with_things(exempel, official, officer, django_capture_on_commit_callbacks):
    """Anna has a sent report, a saved risk inventory and a notice to read."""
    with django_capture_on_commit_callbacks(execute=True):
        incident = sent_report(official)
    assessment = Assessment.objects.create(owner=official, activity="Öppet möte", date=date.today())
    for order, question in enumerate(RiskQuestion.objects.active(), start=1):
        Answer.objects.create(
            assessment=assessment,
            question=question,
            question_text=question.text,
            high_advice=question.high_advice,
            order=order,
            level="hog",
        )
    notice = Notice.objects.create(
        title="Inför valet",
        body="Ring [[sakerhetshandlaggare]] om du undrar något.",
        status=Notice.Status.PUBLICERAD,
    )
    return incident, assessment, notice


PUBLIC_PAGES = [
    "/", "/fore/", "/under/", "/efter/", "/checklista/", "/kontakt/", "/ingen-anslutning/",
    "/personuppgifter/", "/tillganglighet/", "/logga-in/", "/glomt-losenord/",
    "/rapportera/", "/riskinventering/",
]  # fmt: skip


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_names_exempel_kommun_and_not_the_first_organisation(
    client, exempel, url
):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    text = visible(response.text)
    assert f"{PORTAL_NAME}, {NAME}</title>" in response.text
    assert NAME in text
    assert words_of_the_first_organisation(text) == []


def test_the_pages_show_the_plan_and_the_words_exempel_kommun_loaded(client, exempel):
    home = client.get("/").text
    assert "Handlingsplan Personsäkerhet för förtroendevalda i Exempel kommun" in home
    assert "Alla händelser ska rapporteras till kommunen" in home
    under = client.get("/under/").text
    assert "Kommunhusets trygghetsvärd" in under and 'href="tel:+46123456789"' in under
    privacy = client.get("/personuppgifter/").text
    assert "kommunens säkerhetshandläggare i trygghetsenheten" in privacy
    assert "Exempel kommuns dataskyddsombud" in privacy
    assert "Eva Exempelsson" in client.get("/kontakt/").text


def test_the_logo_is_a_static_file_in_the_header_never_inline(client, exempel):
    html = client.get("/").text
    assert '<img class="site-logo" src="/static/organisation/exempel-logo.png" alt="">' in html
    assert "<svg" not in html.split("<main")[0]
    assert finders.find("organisation/exempel-logo.png") == exempel.PORTAL_LOGO
    # Only that file: nothing else beside it on the server is found.
    (Path(exempel.PORTAL_LOGO).parent / "portal.env").write_text("SECRET=1")
    assert not finders.find("organisation/portal.env")
    listed = [path for finder in finders.get_finders() for path, _ in finder.list([])]
    assert "exempel-logo.png" in listed and "portal.env" not in listed


def test_the_manifest_names_the_portal_and_exempel_kommun(client, exempel):
    assert client.get("/manifest.webmanifest").json()["name"] == f"{PORTAL_NAME} – {NAME}"


def test_mina_sidor_show_exempel_kommuns_reference_and_name(client, official_with_things):
    incident, assessment, notice = official_with_things
    assert re.fullmatch(rf"{PREFIX}-{timezone.localdate().year}-0001", incident.reference)
    client.force_login(incident.reporter)
    module = TrainingModule.objects.get(slug="introduktion")
    pages = [
        "/mina-sidor/",
        reverse("incidents:mine"),
        reverse("incidents:detail", args=[incident.pk]),
        reverse("incidents:receipt", args=[incident.pk]),
        reverse("riskassessment:mine"),
        reverse("riskassessment:detail", args=[assessment.pk]),
        reverse("training:list"),
        module.get_absolute_url(),
        reverse("notices:archive"),
        reverse("notices:detail", args=[notice.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible(response.text)
        assert NAME in text, url
        assert words_of_the_first_organisation(text) == [], url
    assert incident.reference in client.get(reverse("incidents:mine")).text
    assert (
        "Välkommen som förtroendevald i Exempel kommun"
        in client.get(module.get_absolute_url()).text
    )


def pdf_text(content):
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_pdfs_name_exempel_kommun_and_print_its_plan(client, official_with_things):
    _, assessment, _ = official_with_things
    plan = client.get("/handlingsplan.pdf").content
    card = client.get("/checklista.pdf").content
    client.force_login(assessment.owner)
    inventory = client.get(reverse("riskassessment:pdf", args=[assessment.pk])).content
    for content in (plan, card, inventory):
        text = pdf_text(content)
        assert NAME in text
        assert words_of_the_first_organisation(text) == []
    assert "Tryggare uppdrag i Exempel kommun" in pdf_text(plan)  # the plan's own first line
    assert "0123-45 67 89" in pdf_text(card)
    # The logo is on the plan's cover, read from the file.
    cover = PdfReader(io.BytesIO(plan)).pages[0]
    assert [image.name for image in cover.images]


def test_every_mail_names_exempel_kommun_and_comes_from_its_address(
    official_with_things, official, officer, monkeypatch, django_capture_on_commit_callbacks
):
    incident, _, notice = official_with_things
    kinds = set()
    render = portal_mail.render
    monkeypatch.setattr(portal_mail, "render", lambda k, c, *n: kinds.add(k) or render(k, c, *n))
    commits = django_capture_on_commit_callbacks
    with commits(execute=True):
        incident = Incident.objects.create(reporter=official, kinds=["hot"], during="x")
        with transaction.atomic():
            incident.submit()
    with commits(execute=True):
        incident.add_supplement(official, "mer", [], uuid.uuid4())
    with commits(execute=True):
        message = incident.send_message(officer, "fråga")
    with commits(execute=True):
        incident.add_supplement(official, "svar", [], uuid.uuid4(), in_reply_to=message)
    with commits(execute=True):
        incident.change_triage(
            officer, status=Incident.Status.AVSLUTAD, closing_summary="k", closing_message="k"
        )
    Incident.objects.filter(pk=official_with_things[0].pk).update(
        status=Incident.Status.UNDER_BEDOMNING, handler=officer, next_follow_up=date.today()
    )
    sent_report(official)
    call_command("send_reminders", f"--today={timezone.localdate() + timedelta(days=30)}")
    Notice.objects.filter(pk=notice.pk).update(importance=Notice.Importance.VIKTIG)
    notice.refresh_from_db()
    notice.mail_to_officials(officer)
    official.invite()
    send_password_reset.enqueue(official.email)
    User.objects.filter(pk=official.pk).update(date_joined=timezone.now() - timedelta(days=400))
    call_command("send_training_reminders")

    on_disk = {
        f"{subject.parent.parent.name}/{subject.name.removesuffix('_subject.txt')}"
        for subject in (settings.BASE_DIR / "templates").glob("*/mail/*_subject.txt")
    }
    assert kinds == on_disk
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert NAME in text or PORTAL_NAME in text, message.subject
        assert words_of_the_first_organisation(text) == [], message.subject
        assert message.from_email == "tryggt@exempel.example"
    signed = [
        m for m in mail.outbox if m.body.rstrip().endswith("Exempel kommun, trygghetsenheten")
    ]
    assert signed, "the mails to officials are signed by the unit"


def test_the_admin_names_exempel_kommun_on_every_list(client, exempel, official_with_things):
    incident, _, _ = official_with_things
    chief = make_officer("chef@exempel.example", "Chef Exempel")
    User.objects.filter(pk=chief.pk).update(is_superuser=True)
    chief.refresh_from_db()
    login_verified(client, chief)
    urls = ["/admin/", f"/admin/incidents/incident/{incident.pk}/change/"]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        text = visible(response.text)
        assert f"{PORTAL_NAME}, {NAME}" in text, url
        assert words_of_the_first_organisation(text) == [], url
    found = client.get("/admin/incidents/incident/", {"q": incident.reference.lower()})
    assert incident.reference in found.text


def test_the_security_officer_renames_the_unit_in_the_admin(client, officer):
    login_verified(client, officer)
    SecurityUnit.current()
    assert "säkerhets- och beredskapsstaben" in client.get("/admin/portal/securityunit/").text
    change = "/admin/portal/securityunit/1/change/"
    assert 'value="säkerhets- och beredskapsstaben"' in client.get(change).text
    response = client.post(change, {"name": "säkerhetsenheten"})
    assert response.status_code == 302
    assert SecurityUnit.current().name == "säkerhetsenheten"
    official = User.objects.create_user("ny@example.se", full_name="Ny Förtroendevald")
    official.invite()
    assert "Säkerhetsenheten i " in mail.outbox[-1].body
    assert mail.outbox[-1].body.rstrip().endswith(", säkerhetsenheten")


def test_each_prefix_counts_from_one_every_year(exempel, official):
    year = timezone.localdate().year
    ReferenceCounter.objects.create(prefix="HHV", year=year, last=41)
    assert sent_report(official).reference == f"{PREFIX}-{year}-0001"
    assert sent_report(official).reference == f"{PREFIX}-{year}-0002"
    exempel.PORTAL_REFERENCE_PREFIX = "HHV"
    assert sent_report(official).reference == f"HHV-{year}-0042"


# Settings IT gives at install, checked when the portal starts


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("prefix", ["hhv", "H", "HHVHHVH", "H-V", "ÅÄÖ"])
def test_a_reference_prefix_of_other_than_two_to_six_capitals_stops_the_start(prefix):
    result = manage("check", PORTAL_REFERENCE_PREFIX=prefix)
    assert result.returncode != 0
    assert "PORTAL_REFERENCE_PREFIX ska vara 2–6 versaler A–Z" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_logo_with_a_script_or_of_another_kind_stops_the_start(tmp_path):
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    result = manage("check", PORTAL_LOGO=str(svg))
    assert result.returncode != 0 and "innehåller skript" in result.stderr
    result = manage("check", PORTAL_LOGO=str(tmp_path / "logo.gif"))
    assert result.returncode != 0 and "PNG- eller SVG-fil" in result.stderr


def test_the_organisation_can_be_given_in_the_environment():
    code = (
        "from portal import organisation as o; c = o.current(); "
        "print(c.name_genitive, c.in_text_genitive, c.reference_prefix)"
    )
    result = manage(
        "shell",
        "-c",
        code,
        PORTAL_ORGANISATION_NAME=NAME,
        PORTAL_ORGANISATION_IN_TEXT="kommunen",
        PORTAL_REFERENCE_PREFIX=PREFIX,
    )
    assert result.returncode == 0, result.stderr
    assert "Exempel kommuns kommunens EXK" in result.stdout


# load_plan


def snapshot():
    return (
        list(Section.objects.values_list("slug", "phase", "title", "body", "order", "status")),
        list(Contact.objects.values_list("key", "title", "person", "phone", "email", "url")),
        list(RiskQuestion.objects.values_list("text", "high_advice")),
        list(TrainingModule.objects.values_list("slug", "title", "intro")),
    )


def test_a_good_plan_replaces_the_sections_contacts_questions_and_modules(exempel):
    assert set(Section.objects.values_list("slug", flat=True)) == {
        "valkommen", "forebygg", "hotsituation", "valdssituation", "polisanmalan",
        "checklista", "mer-information",
    }  # fmt: skip
    assert list(Contact.objects.values_list("key", flat=True)) == [
        "112", "trygghetsvard", "polisen", "sakerhetshandlaggare", "intranat",
    ]  # fmt: skip
    assert Contact.objects.get(key="trygghetsvard").urgent
    assert not Contact.objects.get(key="polisen").urgent
    assert list(RiskQuestion.objects.values_list("text", flat=True)) == [
        "Är mötet öppet för alla?",
        "Har ämnet väckt hot förut?",
    ]
    module = TrainingModule.objects.get()
    assert module.is_introduction and module.slug == "introduktion"
    assert sorted(module.sections.values_list("slug", flat=True)) == ["checklista", "forebygg"]
    question = module.questions.get()
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("Till kommunen, i portalen", True),
        ("Ingenstans", False),
    ]


def test_the_default_plan_loaded_again_changes_nothing():
    before = snapshot()
    out = io.StringIO()
    call_command("load_plan", str(DEFAULT_PLAN), stdout=out)
    assert "19 avsnitt, 6 kontakter" in out.getvalue()
    assert snapshot() == before


def test_a_module_someone_has_completed_is_kept_as_a_draft(official):
    module = TrainingModule.objects.get(slug="sociala-medier")
    module.complete_for(official)
    call_command("load_plan", str(PLAN), stdout=io.StringIO())
    module.refresh_from_db()
    assert module.status == TrainingModule.Status.UTKAST
    assert not TrainingModule.objects.filter(slug="hot-per-telefon").exists()


GOOD = PLAN.read_text(encoding="utf-8")


def with_lines(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


def line_of(text, needle):
    return text[: text.index(needle)].count("\n") + 1


# Each: the good plan's text, what it is changed to, and the text on the line the fault names.
BAD_PLANS = {
    "unknown contact": ("[[trygghetsvard]]**\n\n# under", "[[vaktbolaget]]**\n\n# under", None),
    "script": ("Planen\nutgår", "Planen <script>alert(1)</script>\nutgår", None),
    "javascript link": ("(/rapportera/)\n- Kontakta", "(javascript:alert(1))\n- Kontakta", None),
    "encoded javascript": ("(/rapportera/)\n- Kontakta", "(java&#115;cript:x)\n- Kontakta", None),
    "image": ("Polisanmäl alltid.", "![](https://x.example/a.png) Polisanmäl alltid.", None),
    "bad phone": ("- telefon: 11414", "- telefon: ring polisen", None),
    "unknown field": ("- telefon: 11414", "- fax: 11414", None),
    "section without address": ("## Vid våld {#valdssituation}", "## Vid våld", None),
    "two at one address": ("## Vid våld {#valdssituation}", "## Vid våld {#hotsituation}", None),
    "unknown part": ("# riskfrågor", "# risker", None),
    "empty heading": ("## Polisanmälan {#polisanmalan}", "## ", "## \n"),
    "module showing no section": (
        "avsnitt: forebygg, checklista",
        "avsnitt: forebygg, saknas",
        None,
    ),
    "no right answer": ("- [x] Till kommunen", "- [ ] Till kommunen", "### Vart rapporterar"),
    "risk question without advice": ("- råd vid HÖG: Be en kollega följa med.", "", "## Har ämnet"),
}


@pytest.mark.parametrize("fault", BAD_PLANS)
def test_a_bad_plan_is_refused_with_the_line_and_changes_nothing(tmp_path, fault):
    old, new, where = BAD_PLANS[fault]
    text = with_lines(GOOD, old, new)
    line = line_of(text, where or new.split("\n")[0])
    path = tmp_path / "plan.md"
    path.write_text(text, encoding="utf-8")
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError, match="Ingenting är ändrat"):
        call_command("load_plan", str(path), stderr=err)
    assert f"{path}: rad {line}: " in err.getvalue(), err.getvalue()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("# efter", "# efterät", "fasen ”# efter” saknas"),
        ("# kontaktlista", "# kontakter", "delen ”# kontaktlista” saknas"),
        ("## Checklista efter en händelse {#checklista}", "## Lista {#lista}", "{#checklista}"),
        (
            "## Säkerhetssamordnare {#sakerhetshandlaggare}",
            "## S {#samordnare}",
            "{#sakerhetshandlaggare}",
        ),
    ],
)
def test_a_plan_without_what_the_portal_needs_is_refused(tmp_path, old, new, said):
    path = tmp_path / "plan.md"
    path.write_text(with_lines(GOOD, old, new), encoding="utf-8")
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_plan", str(path), stderr=err)
    assert said in err.getvalue()
    assert snapshot() == before


def test_a_plan_without_training_keeps_the_modules_only_if_they_fit_it(tmp_path):
    without_training = GOOD[: GOOD.index("# utbildning")]
    path = tmp_path / "plan.md"
    path.write_text(without_training, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_plan", str(path), stderr=err)
    # The default modules show the first plan's sections, and their questions cite them: the
    # officer is told which.
    assert "utbildningsmodulen ”Sociala medier” visar eller har frågor ur #" in err.getvalue()
    assert "#sociala-medier" in err.getvalue()


def test_check_only_says_whether_the_plan_can_be_loaded():
    before = snapshot()
    out = io.StringIO()
    call_command("load_plan", str(PLAN), "--check", stdout=out)
    assert "går att läsa in" in out.getvalue()
    assert snapshot() == before


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "plan.md"
    path.write_bytes(GOOD.encode("utf-8").replace(b"# fore", "# före".encode("latin-1"), 1))
    with pytest.raises(CommandError, match=r"rad \d+ är inte UTF-8"):
        call_command("load_plan", str(path))


# Nothing but the settings' defaults and the default plan names the first organisation


def test_no_template_code_or_migration_names_the_first_organisation():
    allowed = {ROOT / "portal" / "settings.py", DEFAULT_PLAN}
    places = [ROOT / "templates", ROOT / "static", ROOT / "bench", ROOT / "scripts"]
    places += [ROOT / app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]
    named = [
        str(path.relative_to(ROOT))
        for place in places
        for path in place.rglob("*")
        if path.is_file()
        and path not in allowed
        and path.suffix in {".py", ".html", ".txt", ".js", ".css", ".md"}
        and "sörmland" in path.read_text(encoding="utf-8").lower()
    ]
    assert named == []
