"""Utbildning: the modules, answering their questions, who has completed what (and who may
see it), the export, and the reminder to take the introduction."""

import csv
import io
import re
from datetime import datetime, timedelta
from html import unescape
from importlib import import_module
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from guidance.models import Phase, Section
from guidance.rendering import rendered_sections, unknown_tokens
from portal.models import OutgoingMail, User
from training.models import Choice, Completion, IntroductionReminder, QuizQuestion, TrainingModule

from .conftest import PASSWORD, login_verified, post_after_idle_timeout

pytestmark = pytest.mark.django_db

# Every part of the plan that an official acts on, in the plan's order (Före, Under, Efter).
SEEDED = {
    "introduktion": "Introduktion för nya förtroendevalda",
    "riskinventering": "Riskinventering",
    "sociala-medier": "Sociala medier",
    "resor": "Resor",
    "hotsituation": "Hot ansikte mot ansikte",
    "hot-per-telefon": "Hot per telefon",
    "brev-mejl-sms": "Hot i brev, mejl och sms",
    "valdssituation": "Vid en våldssituation",
    "pdv": "Pågående dödligt våld (PDV)",
    "direkt-efter": "Direkt efter en händelse",
    "polisanmalan-och-rapport": "Polisanmälan och rapport till regionen",
}


def at(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def module(db):
    """A small module: one question with one right answer, one with two."""
    module = TrainingModule.objects.create(
        title="Taxi",
        slug="taxi",
        intro="Tänk på **resan** innan du åker. Frågor? Ring [[sakerhetshandlaggare]].",
        status=TrainingModule.Status.PUBLICERAD,
        order=1000,
    )
    module.sections.set(Section.objects.filter(slug="resor"))
    taxi = module.questions.create(
        text="Hur beställer du helst taxi?",
        order=1,
        explanation="Förbeställ alltid av kända bolag.",
    )
    taxi.choices.create(text="Förbeställd, från ett känt bolag", is_correct=True)
    taxi.choices.create(text="Den första bil som stannar", is_correct=False)
    travel = module.questions.create(
        text="Vad tar du reda på före resan?",
        order=2,
        explanation="God lokalkännedom är aldrig fel.",
    )
    travel.choices.create(text="Vart du ska", is_correct=True)
    travel.choices.create(text="Hur det ser ut på platsen", is_correct=True)
    travel.choices.create(text="Inget, det löser sig", is_correct=False)
    return module


def answers(module, *, right=True, partly=False):
    """The POST data: every answer right, or the first question wrong, or only one of the
    second question's two right answers."""
    taxi, travel = module.questions.all()
    taxi_right, taxi_wrong = taxi.choices.all()
    first_place, second_place, _ = travel.choices.all()
    return {
        f"fraga-{taxi.pk}": str((taxi_right if right else taxi_wrong).pk),
        f"fraga-{travel.pk}": [str(first_place.pk)] + ([] if partly else [str(second_place.pk)]),
    }


# The modules the plan asks for


def test_every_part_of_the_plan_an_official_acts_on_has_a_module_in_the_plans_order(db):
    modules = TrainingModule.objects.published()
    assert [(m.slug, m.title) for m in modules] == list(SEEDED.items())
    assert [m.slug for m in modules.filter(is_introduction=True)] == ["introduktion"]
    keys = ["112", "polisen", "sakerhetshandlaggare", "securitas", "tib", "samverkanswebben"]
    for module in modules:
        assert 2 <= module.questions.count() <= 6, module
        assert module.sections.exists()
        assert not unknown_tokens(module.intro, keys)
        for question in module.quiz():
            assert question.correct_choices, question
            assert question.choices.count() > len(question.correct_choices), question
            assert not unknown_tokens(question.explanation, keys)


def plain(text):
    """Lower case, the words only, one space between: markup, punctuation and line breaks
    aside."""
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    return " " + " ".join(re.sub(r"[^\w]+", " ", text).casefold().split()) + " "


def test_every_right_answer_is_the_plans_own_words_in_the_section_its_question_cites(db):
    """The plan is the authority: each question names the section it comes from, the module
    shows that section, and each right answer stands word for word in it, as the guidance
    pages show it (numbers from the contacts, no Markdown)."""
    sections = {s.slug: s for s in rendered_sections(list(Phase))}
    questions = QuizQuestion.objects.select_related("section", "module")
    assert questions.count() >= 40
    for question in questions:
        assert question.section is not None, question
        assert question.section.slug in sections, question  # published
        assert question.module.sections.filter(pk=question.section.pk).exists(), question
        said = plain(sections[question.section.slug].html)
        for choice in question.choices.filter(is_correct=True):
            assert plain(choice.text).strip(), choice
            assert plain(choice.text) in said, (question.text, choice.text, question.section.slug)


def test_the_plans_threshold_and_its_first_steps_are_asked_as_the_plan_says(db):
    def right(slug):
        return set(
            Choice.objects.filter(question__module__slug=slug, is_correct=True).values_list(
                "text", flat=True
            )
        )

    assert "MÅTTLIG på fyra eller HÖG på fler än två" in right("riskinventering")
    assert {"Ta ut säkerhetsavstånd", "Stå INTE rakt framför personen"} <= right("hotsituation")
    assert "Håll i, Håll om, Håll tyst" in right("direkt-efter")
    assert "Regionens Tjänsteman i Beredskap (TiB)" in right("direkt-efter")
    assert {"Minst 500 m från händelsen", "Visa händerna"} <= right("pdv")


@pytest.mark.parametrize("slug", SEEDED)
def test_each_seeded_module_shows_the_plans_text_and_the_numbers_from_the_contacts(logged_in, slug):
    html = logged_in.get(f"/utbildning/{slug}/").text
    assert f"<h1>{SEEDED[slug]}</h1>" in html
    assert 'class="guidance-section"' in html
    assert "[[" not in html and "[okänd kontakt]" not in html


def test_after_answering_each_question_names_the_section_of_the_plan_it_comes_from(logged_in):
    module = TrainingModule.objects.get(slug="pdv")
    flee = module.questions.get(text__startswith="Det pågår dödligt våld")
    wrong = flee.choices.get(text="Ut ur rummet räcker")
    response = logged_in.post("/utbildning/pdv/", {f"fraga-{flee.pk}": str(wrong.pk)})
    explanation = response.text[response.text.index(f'id="id_fraga-{flee.pk}_forklaring"') :]
    explanation = explanation[: explanation.index("</fieldset>")]
    assert "minst 500 m från händelsen" in explanation
    assert (
        'Ur handlingsplanen: <a href="/under/#pdv">PDV (Pågående Dödligt Våld eller Terrordåd)</a>'
        in explanation
    )


def test_the_seeded_questions_of_the_first_modules_move_to_the_plans_words_unless_rewritten(db):
    """The migration that made the first three modules cite the plan: it gives a question
    its section and the plan's wording, but leaves what the security officer has rewritten,
    and never touches a completion."""
    cite = import_module("training.migrations.0008_questions_cite_the_plan").cite
    post = QuizQuestion.objects.get(text__startswith="Du är på väg till ett möte")
    fake = QuizQuestion.objects.get(text__startswith="Någon har öppnat ett falskt konto")
    QuizQuestion.objects.filter(pk__in=[post.pk, fake.pk]).update(section=None)
    post.choices.filter(is_correct=True).update(text="Publicera hellre efteråt var du har varit")
    fake.choices.filter(text="Anmäla det till plattformen").update(text="Anmäl det till Meta")
    official = User.objects.create_user("ulla@example.se", PASSWORD, full_name="Ulla Ur")
    introduction = TrainingModule.objects.get(slug="introduktion")
    Completion.objects.create(user=official, module=introduction, completed_at=at(2026, 2, 1))

    cite(django_apps, None)

    post.refresh_from_db()
    assert post.section.slug == "sociala-medier"
    assert post.right_answers_not_in_section() == []
    assert "Publicera hellre senare vart du varit" in post.choices.values_list("text", flat=True)
    fake.refresh_from_db()
    assert fake.section.slug == "hot-mot-dig"
    assert "Anmäl det till Meta" in fake.choices.values_list("text", flat=True)
    assert Completion.objects.filter(user=official, module=introduction).exists()


def test_only_one_module_can_be_the_introduction(module):
    module.is_introduction = True
    with pytest.raises(IntegrityError), transaction.atomic():
        module.save()


def test_a_visitor_is_sent_to_the_login(client, module):
    for url in ["/utbildning/", "/utbildning/taxi/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/logga-in/?next={url}"
    assert client.post("/utbildning/taxi/", answers(module)).status_code == 302
    assert not Completion.objects.exists()


def test_a_module_shows_its_text_the_plans_section_and_its_questions(logged_in, module):
    html = logged_in.get("/utbildning/taxi/").text
    assert "Tänk på <strong>resan</strong>" in html
    assert '<a href="tel:+46703377911">0703-377911</a>' in html
    assert "Ta reda på vart du ska och hur det ser ut på platsen" in html  # from the plan
    taxi, travel = module.questions.all()
    assert html.count("<fieldset") == 2 and html.count("<legend") == 2
    assert "Hur beställer du helst taxi?</legend>" in html
    # One right answer: radio buttons. Two: checkboxes, and the page says so.
    assert f'type="radio" name="fraga-{taxi.pk}"' in html
    assert f'type="checkbox" name="fraga-{travel.pk}"' in html
    assert "Välj ett eller flera svar." in html
    assert "Förbeställ alltid" not in html  # the explanation comes after answering


# Answering


def test_all_right_answers_complete_the_module(logged_in, official, module):
    response = logged_in.post("/utbildning/taxi/", answers(module), follow=True)
    assert "Alla svar är rätt. Du har klarat ”Taxi”." in response.text
    completion = Completion.objects.get(user=official, module=module)
    assert timezone.now() - completion.completed_at < timedelta(minutes=1)
    today = timezone.localdate()
    assert f"Klar</strong> {today.day} " in response.text


def test_the_success_message_is_where_the_page_opens_after_passing(logged_in, module):
    """The answers are at the bottom of a long page: after passing, the browser is sent to
    the message, not back to the questions 1,900 px below it on a phone."""
    response = logged_in.post("/utbildning/taxi/", answers(module))
    assert response.status_code == 302
    assert response["Location"] == "/utbildning/taxi/#meddelanden"
    html = logged_in.get("/utbildning/taxi/").text
    assert 'id="meddelanden"' in html
    message = html.index('id="meddelanden"')
    assert "Alla svar är rätt" in html[message : html.index("<h1", message)]


def test_the_telephone_module_gives_the_plans_whole_sentence_on_access_protection(logged_in):
    module = TrainingModule.objects.get(slug="hot-per-telefon")
    police = module.questions.get(text__startswith="Vad är viktigt att det framgår")
    wrong = police.choices.get(text__startswith="Hur många följare")
    response = logged_in.post("/utbildning/hot-per-telefon/", {f"fraga-{police.pk}": str(wrong.pk)})
    html = response.text
    explanation = html[html.index(f'id="id_fraga-{police.pk}_forklaring"') :]
    assert "begära att anmälan blir <em>åtkomstskyddad</em>" in explanation
    assert "sekretessbelagd under utredningen. Skyddet upphör om anmälan leder till åtal." in (
        explanation
    )


def test_a_wrong_answer_completes_nothing_and_the_page_says_which_is_wrong(
    logged_in, official, module
):
    data = answers(module, right=False)
    response = logged_in.post("/utbildning/taxi/", data)
    assert response.status_code == 200
    assert not Completion.objects.filter(user=official).exists()
    html = response.text
    assert "1 av 2 svar är fel" in html
    assert "Fråga 1: Fel svar. Läs förklaringen och försök igen." in html  # error summary
    taxi, travel = module.questions.all()
    first = html[html.index(f'id="id_fraga-{taxi.pk}"') : html.index(f'id="id_fraga-{travel.pk}"')]
    second = html[html.index(f'id="id_fraga-{travel.pk}"') :]
    assert "Fel svar." in first and "Förbeställ alltid av kända bolag." in first
    assert "Rätt." in second and "Fel svar" not in second
    # The answers given stay chosen, to change and send again.
    for value in [data[f"fraga-{taxi.pk}"], *data[f"fraga-{travel.pk}"]]:
        assert f'value="{value}" id=' in html
        tag = html[html.index(f'value="{value}"') - 120 : html.index(f'value="{value}"') + 80]
        assert "checked" in tag


def test_choosing_only_one_of_two_right_answers_is_wrong(logged_in, official, module):
    response = logged_in.post("/utbildning/taxi/", answers(module, partly=True))
    assert "Fråga 2: Fel svar." in response.text
    assert not Completion.objects.exists()


def test_a_question_left_unanswered_is_named_in_the_error_summary(logged_in, module):
    data = answers(module)
    data.pop(next(iter(data)))
    response = logged_in.post("/utbildning/taxi/", data)
    assert "Fråga 1: Välj ett svar." in response.text
    assert "Något behöver rättas innan du kan gå vidare" in response.text
    assert not Completion.objects.exists()


def test_answers_sent_after_the_login_ran_out_are_ticked_again_after_logging_in(
    client, official, module
):
    data = answers(module, right=False)
    response = post_after_idle_timeout(client, official, "/utbildning/taxi/", data)
    assert response["Location"] == "/logga-in/?next=/utbildning/taxi/%3Faterstall%3D1"
    client.post("/logga-in/", {"username": official.email, "password": PASSWORD})
    html = client.get("/utbildning/taxi/?aterstall=1").text
    assert "Du hade blivit utloggad, så svaren är inte skickade" in html
    chosen = [v for value in data.values() for v in ([value] if isinstance(value, str) else value)]
    for value in chosen:
        assert re.search(rf'value="{value}"[^>]*checked', html)
    assert not Completion.objects.exists()


def test_answers_kept_after_a_time_out_are_never_given_to_the_next_user(
    client, official, other_official, module
):
    post_after_idle_timeout(client, official, "/utbildning/taxi/", answers(module))
    client.post("/logga-in/", {"username": other_official.email, "password": PASSWORD})
    html = client.get("/utbildning/taxi/?aterstall=1").text
    assert "Du hade blivit utloggad" not in html and "checked" not in html


def test_doing_a_module_again_keeps_the_date_it_was_first_done(logged_in, official, module):
    first = Completion.objects.create(user=official, module=module, completed_at=at(2026, 3, 5))
    response = logged_in.post("/utbildning/taxi/", answers(module), follow=True)
    assert "Du klarade ”Taxi” redan 5 mars 2026; det datumet står kvar." in response.text
    assert Completion.objects.get(user=official, module=module).completed_at == first.completed_at


def test_the_list_says_in_words_which_modules_are_done_and_when(logged_in, official, module):
    Completion.objects.create(user=official, module=module, completed_at=at(2026, 3, 5, 10))
    html = logged_in.get("/utbildning/").text
    taxi = html[html.index(">Taxi</a>") :]
    assert taxi.index("<strong>Klar</strong> 5 mars 2026") < taxi.index("</li>")
    introduction = html[html.index(">Introduktion för nya förtroendevalda</a>") :]
    assert introduction.index("<strong>Inte klar</strong>") < introduction.index("</li>")
    assert f"Du har klarat 1 av {len(SEEDED) + 1} moduler." in html


def test_an_official_never_sees_another_officials_progress(logged_in, other_official, module):
    Completion.objects.create(user=other_official, module=module, completed_at=at(2026, 3, 5))
    for url in ["/utbildning/", "/utbildning/taxi/"]:
        html = logged_in.get(url).text
        assert "5 mars 2026" not in html and "Bertil" not in html


def test_a_draft_module_is_hidden_from_officials_but_shown_to_the_security_officer(
    logged_in, officer, module
):
    module.status = TrainingModule.Status.UTKAST
    module.save(update_fields=["status"])
    assert logged_in.get("/utbildning/taxi/").status_code == 404
    assert ">Taxi</a>" not in logged_in.get("/utbildning/").text
    preview = login_verified(Client(), officer)
    assert "Utkast" in preview.get("/utbildning/taxi/").text


def test_training_pages_are_never_stored(logged_in, module):
    for url in ["/utbildning/", "/utbildning/taxi/"]:
        assert "no-store" in logged_in.get(url)["Cache-Control"]


# The overview for the security officers

OVERVIEW = "/admin/training/trainingmodule/oversikt/"


@pytest.fixture
def progress(official, other_official, module):
    """Anna has done the introduction and Taxi; Bertil nothing. An inactive official and a
    security officer with completions are not in the overview."""
    introduction = TrainingModule.objects.get(slug="introduktion")
    Completion.objects.create(user=official, module=introduction, completed_at=at(2026, 2, 1, 9))
    Completion.objects.create(user=official, module=module, completed_at=at(2026, 3, 5, 23, 30))
    gone = User.objects.create_user("cecilia@example.se", PASSWORD, full_name="Cecilia Car")
    Completion.objects.create(user=gone, module=module, completed_at=at(2026, 3, 1))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return introduction


def test_the_overview_shows_every_official_and_module_with_the_date_or_inte_klar(officer, progress):
    response = login_verified(Client(), officer).get(OVERVIEW)
    assert response.status_code == 200
    html = response.text
    for title in [*SEEDED.values(), "Taxi"]:
        assert f'<th scope="col">{title}</th>' in html
    anna = html[html.index("Anna Andersson</th>") :].split("</tr>")[0]
    assert "Klar 2026-02-01" in anna and "Klar 2026-03-05" in anna
    assert anna.count("Inte klar") == len(SEEDED) - 1
    bertil = html[html.index("Bertil Berg</th>") :].split("</tr>")[0]
    assert bertil.count("Inte klar") == len(SEEDED) + 1
    assert "Cecilia" not in html and "Sara Säkerhet</th>" not in html
    assert "Introduktion för nya förtroendevalda (introduktionen): 1 av 2 klara" in html


def test_the_overview_csv_is_for_excel_with_names_dates_and_inte_klar(officer, progress):
    response = login_verified(Client(), officer).get(OVERVIEW + "?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="utbildning-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Namn", "E-post", "Parti", "Konto skapat", *SEEDED.values(), "Taxi"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Anna Andersson", "Bertil Berg"}
    # 23.30 in Sweden is still 5 March, though it is another day in UTC.
    others = ["Inte klar"] * (len(SEEDED) - 1)
    assert by_name["Anna Andersson"][4:] == ["2026-02-01", *others, "2026-03-05"]
    assert by_name["Bertil Berg"][4:] == ["Inte klar"] * (len(SEEDED) + 1)


def test_the_overview_xlsx_holds_the_same_with_real_dates(officer, progress):
    response = login_verified(Client(), officer).get(OVERVIEW + "?format=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Namn", "E-post"] and rows[0][-1] == "Taxi"
    anna = next(row for row in rows if row[0] == "Anna Andersson")
    assert anna[1] == "anna@example.se"
    assert anna[4].date().isoformat() == "2026-02-01"
    assert anna[5:-1] == ["Inte klar"] * (len(SEEDED) - 1)
    assert anna[-1].date().isoformat() == "2026-03-05"


def test_the_training_list_in_the_admin_links_to_the_overview(officer):
    html = login_verified(Client(), officer).get("/admin/training/trainingmodule/").text
    assert f'href="{OVERVIEW}"' in html


def test_the_overview_is_for_the_security_officers_with_a_second_factor_only(
    client, official, officer, it_staff, progress
):
    client.force_login(official)
    assert client.get(OVERVIEW).status_code == 302
    assert login_verified(Client(), it_staff).get(OVERVIEW + "?format=csv").status_code == 403
    without_second_factor = Client()
    without_second_factor.force_login(officer)
    assert without_second_factor.get(OVERVIEW).status_code == 302


COMPLETIONS = "/admin/training/completion/"


def record_in_person(admin, user, module, day="2026-10-12", note="Introduktion vid fullmäktige"):
    data = {"user": user.pk, "module": module.pk, "day": day, "note": note}
    return admin.post(COMPLETIONS + "add/", data, follow=True)


def test_the_officer_records_an_introduction_given_at_a_council_meeting(
    officer, official, progress, settings
):
    Completion.objects.filter(user=official).delete()
    introduction = TrainingModule.objects.get(slug="introduktion")
    admin = login_verified(Client(), officer)
    response = record_in_person(admin, official, introduction)
    assert "Lade till genomförd utbildning" in response.text
    completion = Completion.objects.get(user=official, module=introduction)
    assert completion.recorded_by == officer
    assert timezone.localdate(completion.completed_at).isoformat() == "2026-10-12"
    assert (
        "Introduktion vid fullmäktige (registrerad av Sara Säkerhet)" in admin.get(COMPLETIONS).text
    )
    overview = admin.get(OVERVIEW + "?format=csv").content.decode("utf-8-sig")
    anna = next(line for line in overview.splitlines() if line.startswith("Anna"))
    assert "2026-10-12" in anna
    # Done is done: no reminder about the introduction.
    settings.PORTAL_INTRODUCTION_DAYS = 30
    joined(official, 90)
    remind(NOON)
    assert mail.outbox == []


def test_recording_in_person_refuses_a_second_record_a_future_date_and_no_note(
    officer, official, module
):
    Completion.objects.create(user=official, module=module, completed_at=at(2026, 3, 5, 10))
    admin = login_verified(Client(), officer)
    twice = record_in_person(admin, official, module)
    assert "har redan klarat ”Taxi” 2026-03-05" in twice.text
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    introduction = TrainingModule.objects.get(slug="introduktion")
    assert (
        "kan inte vara senare än i dag"
        in record_in_person(admin, official, introduction, day=future).text
    )
    assert "Skriv var och hur" in record_in_person(admin, official, introduction, note="").text
    assert Completion.objects.count() == 1


def test_only_active_officials_can_be_recorded_and_records_cannot_be_changed(
    officer, official, module
):
    admin = login_verified(Client(), officer)
    form = admin.get(COMPLETIONS + "add/").text
    assert "Anna Andersson" in form and "Sara Säkerhet" not in form
    refused = record_in_person(admin, officer, module)
    assert "Välj ett giltigt alternativ" in refused.text
    assert not Completion.objects.exists()
    record_in_person(admin, official, module, day="2026-10-12")
    completion = Completion.objects.get()
    admin.post(f"{COMPLETIONS}{completion.pk}/change/", {"note": "Ändrat"})
    completion.refresh_from_db()
    assert completion.note == "Introduktion vid fullmäktige"


def test_staff_outside_the_group_cannot_record_training(it_staff, official, module):
    admin = login_verified(Client(), it_staff)
    assert admin.get(COMPLETIONS + "add/").status_code == 403
    assert record_in_person(admin, official, module).status_code == 403
    assert not Completion.objects.exists()


def test_staff_outside_the_group_cannot_edit_the_training(it_staff):
    admin = login_verified(Client(), it_staff)
    assert admin.get("/admin/training/trainingmodule/").status_code == 403
    assert admin.get("/admin/training/trainingmodule/add/").status_code == 403


def add_question(admin, module, section, *choices):
    """choices: (text, is_correct)."""
    data = {
        "module": module.pk, "text": "Hur beställer du taxi?", "order": 3,
        "explanation": "Så här.", "section": section.pk,
        "choices-TOTAL_FORMS": len(choices), "choices-INITIAL_FORMS": 0,
    }  # fmt: skip
    for i, (text, is_correct) in enumerate(choices):
        data[f"choices-{i}-text"] = text
        if is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    return admin.post("/admin/training/quizquestion/add/", data, follow=True)


def test_a_question_without_a_right_answer_is_refused_in_the_admin(officer, module):
    admin = login_verified(Client(), officer)
    travel = Section.objects.get(slug="resor")
    response = add_question(admin, module, travel, ("Ett", False), ("Två", False))
    assert response.status_code == 200
    assert "Markera minst ett svarsalternativ som rätt svar." in response.text
    assert module.questions.count() == 2


def test_a_right_answer_the_cited_section_does_not_say_is_refused_in_the_admin(officer, module):
    admin = login_verified(Client(), officer)
    travel = Section.objects.get(slug="resor")
    refused = add_question(
        admin, module, travel, ("Ring efter den billigaste taxin", True), ("Gå", False)
    )
    assert (
        "Ett rätt svar ska stå ordagrant i avsnittet frågan bygger på. "
        "”Förebyggande arbete som Förtroendevald kan göra för att minska risken vid resor” "
        "säger inte: ”Ring efter den billigaste taxin”." in refused.text
    )
    assert module.questions.count() == 2
    # Capitals and punctuation aside, the plan's words are taken.
    add_question(admin, module, travel, ("förbeställas av KÄNDA bolag.", True), ("Gå", False))
    question = module.questions.get(text="Hur beställer du taxi?")
    assert question.section == travel and question.right_answers_not_in_section() == []


def test_moving_a_question_to_a_section_that_does_not_say_its_answers_is_refused(officer):
    admin = login_verified(Client(), officer)
    module = TrainingModule.objects.get(slug="resor")
    url = f"/admin/training/trainingmodule/{module.pk}/change/"
    form = admin.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name != "sections"}
    data["sections"] = [s.pk for s in module.sections.all()]
    data["updated_at"] = ""
    questions = list(module.questions.all())
    data |= {
        "questions-TOTAL_FORMS": len(questions), "questions-INITIAL_FORMS": len(questions),
        "questions-MIN_NUM_FORMS": 0, "questions-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for i, question in enumerate(questions):
        data |= {
            f"questions-{i}-id": question.pk, f"questions-{i}-module": module.pk,
            f"questions-{i}-text": question.text, f"questions-{i}-order": question.order,
            f"questions-{i}-explanation": question.explanation,
            f"questions-{i}-section": question.section_id,
        }  # fmt: skip
    assert admin.post(url, data).status_code == 302  # as it was: saved
    data["questions-0-section"] = Section.objects.get(slug="pdv").pk
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "”PDV (Pågående Dödligt Våld eller Terrordåd)” säger inte" in response.text
    assert module.questions.first().section.slug == "resor"


# The reminder to take the introduction

NOON = at(2026, 6, 15, 12)


def remind(now):
    with mock.patch("django.utils.timezone.now", return_value=now):
        call_command("send_training_reminders")


def joined(user, days_before):
    user.date_joined = NOON - timedelta(days=days_before)
    user.save(update_fields=["date_joined"])
    return user


def test_no_reminder_before_the_introduction_is_due(official, settings):
    settings.PORTAL_INTRODUCTION_DAYS = 30
    joined(official, 30)  # the 30th day: still within the time
    remind(NOON)
    assert mail.outbox == []


def test_a_reminder_when_the_introduction_is_overdue_with_a_link_and_no_personal_data(
    official, other_official, settings
):
    settings.PORTAL_INTRODUCTION_DAYS = 30
    settings.PORTAL_BASE_URL = "https://personsakerhet.example.se"
    joined(official, 31)
    joined(other_official, 3)
    remind(NOON)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.se"]
    assert "Hej Anna!" in message.body
    assert "https://personsakerhet.example.se/utbildning/introduktion/" in message.body
    for personal in ["Andersson", "070-111 11 11", "anna@example.se"]:
        assert personal not in message.body
    assert IntroductionReminder.objects.get(user=official).sent_at == NOON


def test_the_time_allowed_is_a_setting(official, settings):
    settings.PORTAL_INTRODUCTION_DAYS = 7
    joined(official, 8)
    remind(NOON)
    assert len(mail.outbox) == 1


def test_at_most_one_reminder_in_thirty_days(official, settings):
    settings.PORTAL_INTRODUCTION_DAYS = 30
    joined(official, 31)
    remind(NOON)
    remind(NOON + timedelta(hours=6))  # the same day
    remind(NOON + timedelta(days=29, hours=11))  # the 29th day after, late in the evening
    assert len(mail.outbox) == 1
    remind(NOON + timedelta(days=30, hours=-5))  # the 30th day, though earlier in the day
    assert len(mail.outbox) == 2
    remind(NOON + timedelta(days=31))
    assert len(mail.outbox) == 2


def test_no_reminder_once_the_introduction_is_done(official, settings):
    settings.PORTAL_INTRODUCTION_DAYS = 30
    joined(official, 60)
    introduction = TrainingModule.objects.get(is_introduction=True)
    Completion.objects.create(user=official, module=introduction, completed_at=NOON)
    remind(NOON)
    assert mail.outbox == []


def test_other_modules_done_do_not_count_as_the_introduction(official, settings, module):
    joined(official, 60)
    Completion.objects.create(user=official, module=module, completed_at=NOON)
    remind(NOON)
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]


def test_no_reminder_to_an_inactive_official_or_to_staff(official, officer, it_staff):
    official.is_active = False
    official.save(update_fields=["is_active"])
    for user in (official, officer, it_staff):
        joined(user, 60)
    remind(NOON)
    assert mail.outbox == []


def test_no_reminders_without_a_published_introduction(official):
    joined(official, 60)
    TrainingModule.objects.filter(is_introduction=True).update(status=TrainingModule.Status.UTKAST)
    remind(NOON)
    assert mail.outbox == []


class RefusesAnna(EmailBackend):
    def send_messages(self, messages):
        if any(m.to == ["anna@example.se"] for m in messages):
            raise ConnectionRefusedError("e-postservern svarar inte")
        return super().send_messages(messages)


def test_a_failed_reminder_exits_with_an_error_and_the_outbox_tries_it_again(
    official, other_official, settings
):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_training.RefusesAnna"}}
    joined(official, 60)
    joined(other_official, 60)
    with pytest.raises(CommandError, match="1 påminnelser") as failure:
        remind(NOON)
    assert failure.value.returncode == 1
    assert [m.to for m in mail.outbox] == [["bertil@example.se"]]
    (waiting,) = OutgoingMail.objects.waiting()
    assert waiting.recipient == "anna@example.se" and waiting.attempts == 1

    # The mail server is back: the outbox's next try reaches Anna, and the next day's run
    # does not remind her a second time.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with mock.patch("django.utils.timezone.now", return_value=NOON + timedelta(minutes=2)):
        call_command("send_queued_mail")
    remind(NOON + timedelta(days=1))
    assert [m.to for m in mail.outbox] == [["bertil@example.se"], ["anna@example.se"]]
