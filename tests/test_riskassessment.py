"""Riskinventering: the questionnaire, its result, and the saved inventories."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from riskassessment.models import Answer, Assessment, RiskQuestion
from riskassessment.scoring import Level

from .conftest import PASSWORD, kept_values, login_verified, post_after_idle_timeout

pytestmark = pytest.mark.django_db

START = "/riskinventering/"
RESULT = "/riskinventering/resultat/"
SAVE = "/riskinventering/spara/"
MINE = "/riskinventering/mina/"
ACTIVITY = {"activity": "Torgmöte om vårdcentralen", "date": "2026-05-14", "place": "Stortorget"}


def questions():
    return list(RiskQuestion.objects.active())


def answers(*levels, notes=None, default=Level.LAG):
    """The form data for answers to the active questions; the rest get `default`."""
    data = {}
    for i, question in enumerate(questions()):
        level = levels[i] if i < len(levels) else default
        if level is not None:
            data[f"fraga-{question.pk}"] = level
        data[f"fraga-{question.pk}-anteckning"] = (notes or {}).get(i, "")
    return data


def saved(owner, *levels, shared=False, **activity):
    answer_list = [
        Answer.for_question(q, levels[i] if i < len(levels) else Level.LAG)
        for i, q in enumerate(questions())
    ]
    assessment = Assessment.record(
        owner,
        answer_list,
        activity=activity.get("activity", "Fullmäktige"),
        date=datetime.date(2026, 3, 2),
        place=activity.get("place", "Regionhuset"),
    )
    if shared:
        assessment.share()
    return assessment


# The questions


def test_the_plans_eleven_questions_are_loaded_in_order_with_advice_for_high():
    loaded = questions()
    assert len(loaded) == 11
    assert [q.text for q in loaded[:4]] == ["VEM", "VAD", "HUR", "VAR & NÄR"]
    assert loaded[0].help_text.startswith("ska jag kontakta för att få information")
    assert loaded[-1].text == "Kommer du vistas på en för dig okänd plats"
    assert all(q.high_advice for q in loaded)


def test_the_form_asks_every_question_as_a_fieldset_with_labelled_radio_buttons(client):
    html = client.get(START).text
    assert html.count("<legend") == 11
    assert html.count('type="radio"') == 33
    for question in questions():
        assert question.text.replace("&", "&amp;") in html
        for i, label in enumerate(["LÅG", "MÅTTLIG", "HÖG"]):
            radio = f'<label class="ra-choice" for="id_fraga-{question.pk}_{i}"><input type="radio"'
            assert radio in html
            assert re.search(
                rf'id="id_fraga-{question.pk}_{i}"[^>]*> <span>{label}</span></label>', html
            )
    assert 'action="/riskinventering/resultat/"' in html


def test_an_inactive_question_is_not_asked(client):
    question = questions()[6]
    question.is_active = False
    question.save()
    html = client.get(START).text
    assert html.count("<legend") == 10
    assert question.text not in html


def test_pages_hold_no_inline_script_or_style(client, official):
    client.force_login(official)
    assessment = saved(official)
    for response in [
        client.get(START),
        client.post(RESULT, answers(Level.HOG, Level.HOG, Level.HOG)),
        client.get(MINE),
        client.get(f"/riskinventering/{assessment.pk}/"),
    ]:
        assert response.status_code == 200
        # Scripts only from files (the CSP forbids inline ones).
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", response.text) == []
        assert "style=" not in response.text
        assert "<style" not in response.text


# The result, for anyone


def test_anyone_can_see_the_result_and_nothing_is_stored(client):
    response = client.post(RESULT, answers(Level.MATTLIG, Level.MATTLIG, notes={0: "Okänd grupp"}))
    assert response.status_code == 200
    assert 'Samlad risknivå: <span class="ra-level-word">LÅG</span>' in response.text
    assert "Okänd grupp" in response.text
    assert "Ingenting är sparat än" in response.text
    assert 'name="activity"' not in response.text
    assert Assessment.objects.count() == 0
    assert Answer.objects.count() == 0


def test_the_result_tells_the_level_in_words_and_the_counts(client):
    html = client.post(RESULT, answers(Level.HOG, Level.HOG, Level.HOG, Level.MATTLIG)).text
    assert '<span class="ra-level-word">HÖG</span>' in html
    assert "HÖG – <span" not in html
    assert 'ra-scale-current">HÖG <span class="ra-scale-mark">– ditt resultat</span>' in html
    assert "HÖG på 3, MÅTTLIG på 1 och LÅG på 7 av 11 frågor" in html


def test_four_moderate_answers_bring_the_plans_advice_with_links_and_the_contact(client):
    html = client.post(RESULT, answers(*[Level.MATTLIG] * 4)).text
    assert '<span class="ra-level-word">MÅTTLIG</span>' in html
    assert "Överväg förebyggande åtgärder" in html
    assert 'href="/fore/#alltid-kan-gora"' in html
    assert 'href="/fore/#sociala-medier"' in html
    assert 'href="/fore/#resor"' in html
    assert "ditt parti och/eller säkerhetshandläggaren" in html
    advice = html.split('class="ra-advice"')[1].split("</section>")[0]
    assert "Joakim Strand" in advice
    assert 'href="tel:+46703377911"' in advice
    assert 'href="mailto:joakim.strand@regionsormland.se"' in advice


def test_below_the_threshold_without_a_high_answer_the_calm_text_stays(client):
    html = client.post(RESULT, answers(Level.MATTLIG, Level.MATTLIG, Level.MATTLIG)).text
    assert '<span class="ra-level-word">LÅG</span>' in html
    assert "Överväg förebyggande åtgärder" not in html
    assert "Inga särskilda åtgärder enligt handlingsplanen" in html
    assert "Råd vid HÖG" not in html


def section(html, heading_id):
    """The <section> a heading with this id leads."""
    return html.split(f'aria-labelledby="{heading_id}"')[1].split("</section>")[0]


def headings(html):
    return re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", html, flags=re.S)


def test_two_high_answers_are_never_called_low_on_any_page(client, officer, official):
    """2 × HÖG and 9 × LÅG: below the plan's threshold, but not LÅG and not "no measures"."""
    two_high = answers(Level.HOG, Level.HOG)
    result_page = client.post(RESULT, two_high).text
    assert '<span class="ra-level-word">MÅTTLIG</span>' in result_page

    assessment = saved(official, Level.HOG, Level.HOG, shared=True, activity="Torgmöte")
    client.force_login(official)
    detail_page = client.get(f"/riskinventering/{assessment.pk}/").text
    assert '<span class="ra-level-word">MÅTTLIG</span>' in detail_page
    mine_page = client.get(MINE).text
    assert "Samlad risknivå: <strong>MÅTTLIG</strong>" in mine_page
    pdf = client.get(f"/riskinventering/{assessment.pk}/pdf/").content
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Samlad risknivå: MÅTTLIG" in pdf_text

    login_verified(client, officer)
    listing = client.get(ADMIN).text
    assert '<td class="field-overall_level">Måttlig</td>' in listing
    assert '<td class="field-high_answers">2</td>' in listing
    change_page = client.get(f"{ADMIN}{assessment.pk}/change/").text
    assert re.search(
        r'field-overall_level">.*?<div class="readonly">Måttlig</div>', change_page, re.S
    )

    for text in [result_page, detail_page, mine_page, pdf_text, listing, change_page]:
        assert "Inga särskilda åtgärder" not in text
        assert not re.search(r"risknivå:?\s*(<[^>]+>\s*)*LÅG", text, re.I)


def test_a_high_answer_below_the_threshold_gets_attention_advice_and_the_contact(client):
    first = questions()[0]
    html = client.post(RESULT, answers(Level.HOG, Level.MATTLIG, Level.MATTLIG)).text
    assert '<span class="ra-level-word">MÅTTLIG</span>' in html
    assert "Inga särskilda åtgärder" not in html
    assert "Överväg förebyggande åtgärder" not in html
    attention = section(html, "atgarder-rubrik")
    assert "når inte gränsen i handlingsplanen" in attention
    assert "Joakim Strand" in attention
    assert 'href="tel:+46703377911"' in attention
    advice = section(html, "rad-rubrik")
    assert first.high_advice in advice
    assert "Ett svar HÖG räknas också in i ”MÅTTLIG på fyra”." in html


def test_the_advice_for_high_answers_comes_before_the_list_of_all_answers(client):
    first, second, third = questions()[:3]
    html = client.post(RESULT, answers(Level.HOG, Level.MATTLIG, Level.HOG)).text
    advice = section(html, "rad-rubrik")
    assert first.high_advice in advice and third.high_advice in advice
    assert second.high_advice not in html
    assert first.text in advice and third.text in advice
    # Right after the verdict: before what to do in general, and before every answer.
    assert html.index('id="resultat-rubrik"') < html.index('id="rad-rubrik"')
    assert html.index('id="rad-rubrik"') < html.index('id="atgarder-rubrik"')
    assert html.index('id="rad-rubrik"') < html.index('id="svar-rubrik"')
    all_answers = section(html, "svar-rubrik")
    assert first.high_advice not in all_answers


def test_the_result_leads_with_the_plans_verdict(client):
    html = client.post(RESULT, answers(*[Level.MATTLIG] * 4)).text
    main = html.split('id="main"')[1]
    titles = [text for level, text in headings(main)]
    assert titles[0] == "Resultat av riskinventeringen"
    assert "Samlad risknivå" in titles[1]
    verdict = section(html, "resultat-rubrik")
    assert "Svaren når gränsen i handlingsplanen" in verdict


def test_more_than_two_high_answers_say_plainly_to_contact_the_security_officer(client):
    high = client.post(RESULT, answers(Level.HOG, Level.HOG, Level.HOG)).text
    moderate = client.post(RESULT, answers(*[Level.MATTLIG] * 4)).text
    contact = section(high, "atgarder-rubrik")
    assert "Kontakta säkerhetshandläggaren före aktiviteten" in contact
    assert "Joakim Strand" in contact
    assert '<a href="tel:+46703377911">0703-377911</a>' in section(high, "resultat-rubrik")
    assert '<a href="tel:+46703377911">0703-377911</a>' in contact
    assert 'href="/fore/#alltid-kan-gora"' in contact
    assert "Överväg förebyggande åtgärder</h2>" not in high
    assert "Kontakta säkerhetshandläggaren före aktiviteten" not in moderate
    assert "Överväg förebyggande åtgärder</h2>" in moderate
    assert section(high, "resultat-rubrik") != section(moderate, "resultat-rubrik").replace(
        "MÅTTLIG", "HÖG"
    )
    assert "Ett svar HÖG räknas också in i ”MÅTTLIG på fyra”." in high
    assert "Ett svar HÖG räknas också in" not in moderate


@pytest.mark.parametrize(
    "levels",
    [[], [Level.HOG], [Level.HOG, Level.HOG, Level.HOG], [Level.MATTLIG] * 4],
    ids=["lag", "en-hog", "tre-hog", "fyra-mattlig"],
)
def test_the_result_has_one_h1_and_its_sections_under_h2(client, levels):
    html = client.post(RESULT, answers(*levels)).text
    main = html.split('id="main"')[1].split("</main>")[0]
    levels_found = [int(level) for level, text in headings(main)]
    assert levels_found[0] == 1
    assert levels_found.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels_found, levels_found[1:], strict=False))


def test_each_high_answer_shows_its_own_advice_and_other_answers_none(client):
    first, second = questions()[:2]
    html = client.post(RESULT, answers(Level.HOG, Level.MATTLIG)).text
    assert first.high_advice in html
    assert second.high_advice not in html
    assert html.count("Råd vid HÖG:") == 1


def test_an_edited_advice_text_is_shown(client):
    question = questions()[10]
    question.high_advice = "Gå igenom utrymningsvägarna när du kommer."
    question.save()
    html = client.post(RESULT, answers(*[Level.LAG] * 10, Level.HOG)).text
    assert "Gå igenom utrymningsvägarna när du kommer." in html


def test_a_missing_answer_is_named_at_the_top_and_nothing_typed_is_lost(client):
    missing = questions()[4]
    data = answers(Level.HOG, Level.MATTLIG, None, notes={0: "Hotfulla mejl förra veckan"})
    data[f"fraga-{missing.pk}"] = ""
    response = client.post(RESULT, data)
    assert response.status_code == 200
    html = response.text
    summary = html.split('id="felsammanfattning"')[1].split("</div>")[0]
    assert f'href="#id_fraga-{missing.pk}_0"' in summary
    assert missing.text in summary
    assert f'<fieldset class="ra-question ra-question-invalid" id="id_fraga-{missing.pk}"' in html
    assert "Välj LÅG, MÅTTLIG eller HÖG." in html
    first, second = questions()[:2]
    assert re.search(rf'value="hog"[^>]*id="id_fraga-{first.pk}_2"[^>]*checked', html)
    assert re.search(rf'value="mattlig"[^>]*id="id_fraga-{second.pk}_1"[^>]*checked', html)
    assert "Hotfulla mejl förra veckan</textarea>" in html
    assert Assessment.objects.count() == 0


def test_every_missing_answer_is_listed_by_number_with_a_link_to_its_question(client):
    response = client.post(RESULT, answers(Level.HOG, default=None))
    html = response.text
    assert re.search(
        r'<form method="post" action="/riskinventering/resultat/"[^>]*novalidate', html
    )
    summary = html.split('id="felsammanfattning"')[1].split("</div>")[0]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert len(links) == 10
    for (target, text), (number, question) in zip(
        links, enumerate(questions()[1:], start=2), strict=True
    ):
        assert text == f"{number}. {question.text}: Välj LÅG, MÅTTLIG eller HÖG.".replace(
            "&", "&amp;"
        )
        assert f'id="{target}"' in html
        assert (
            f'id="{target}"'
            in html.split(f'id="id_fraga-{question.pk}"')[1].split("</fieldset>")[0]
        )
    assert f'href="#id_fraga-{questions()[0].pk}_0"' not in summary


def test_a_too_long_note_is_named_by_its_question_in_the_summary(client):
    third = questions()[2]
    response = client.post(RESULT, answers(notes={2: "x" * 2001}))
    summary = response.text.split('id="felsammanfattning"')[1].split("</div>")[0]
    assert f'href="#id_fraga-{third.pk}-anteckning">Anteckning till fråga 3:' in summary
    assert f'id="id_fraga-{third.pk}-anteckning"' in response.text


def test_changing_the_answers_brings_them_back_filled_in(client):
    first = questions()[0]
    data = answers(Level.HOG, notes={0: "Ny motdemonstration"})
    response = client.post(START, data)
    assert response.status_code == 200
    assert re.search(rf'value="hog"[^>]*id="id_fraga-{first.pk}_2"[^>]*checked', response.text)
    assert "Ny motdemonstration</textarea>" in response.text
    assert "felsammanfattning" not in response.text


# Saving


def test_the_result_offers_an_official_to_save_with_the_answers_carried_along(client, official):
    client.force_login(official)
    first = questions()[0]
    html = client.post(RESULT, answers(Level.HOG, notes={0: "Anteckning"})).text
    save_form = html.split('action="/riskinventering/spara/"')[1].split("</form>")[0]
    assert f'name="fraga-{first.pk}" value="hog"' in save_form
    assert f'name="fraga-{first.pk}-anteckning" value="Anteckning"' in save_form
    assert 'name="activity"' in save_form and 'name="date"' in save_form
    assert ">Spara</button>" in save_form


def test_an_official_saves_an_inventory_for_an_activity(client, official):
    client.force_login(official)
    data = answers(Level.HOG, Level.HOG, Level.HOG, notes={1: "Kända aktivister"}) | ACTIVITY
    response = client.post(SAVE, data, follow=True)
    assessment = Assessment.objects.get()
    assert response.redirect_chain[-1][0] == f"/riskinventering/{assessment.pk}/"
    assert "Riskinventeringen är sparad." in response.text
    assert assessment.owner == official
    assert assessment.activity == "Torgmöte om vårdcentralen"
    assert assessment.date == datetime.date(2026, 5, 14)
    assert assessment.place == "Stortorget"
    assert not assessment.is_shared
    assert assessment.answers.count() == 11
    assert assessment.answers.filter(level=Level.HOG).count() == 3
    assert assessment.answers.get(note="Kända aktivister").question_text == "VAD"
    assert assessment.result().level == Level.HOG


def test_a_missing_activity_keeps_the_answers_and_names_the_field_at_the_top(client, official):
    client.force_login(official)
    first = questions()[0]
    data = answers(Level.HOG, notes={0: "Anteckning"}) | {"activity": "", "date": "14 maj"}
    response = client.post(SAVE, data)
    assert response.status_code == 200
    summary = response.text.split('id="felsammanfattning"')[1].split("</div>")[0]
    assert 'href="#id_activity"' in summary
    assert 'href="#id_date"' in summary
    assert "Skriv vad riskinventeringen gäller." in summary
    assert f'name="fraga-{first.pk}" value="hog"' in response.text
    assert f'name="fraga-{first.pk}-anteckning" value="Anteckning"' in response.text
    assert Assessment.objects.count() == 0


def test_saving_needs_an_account_and_a_post(client, official):
    response = client.post(SAVE, answers() | ACTIVITY)
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")
    client.force_login(official)
    assert client.get(SAVE).status_code == 405
    assert Assessment.objects.count() == 0


def test_an_expired_session_keeps_the_answers_through_the_login(client, official):
    first = questions()[0]
    data = answers(Level.HOG, notes={0: "Hot i kommentarerna"}) | ACTIVITY
    response = post_after_idle_timeout(client, official, SAVE, data)
    assert response.status_code == 302
    assert response["Location"] == "/logga-in/?next=/riskinventering/resultat/"
    assert Assessment.objects.count() == 0

    response = client.post(
        response["Location"],
        {"username": official.email, "password": PASSWORD, "next": "/riskinventering/resultat/"},
    )
    assert response["Location"] == "/riskinventering/resultat/"
    html = client.get("/riskinventering/resultat/").text
    assert "Du hade blivit utloggad" in html
    assert "Hot i kommentarerna" in html
    save_form = html.split('action="/riskinventering/spara/"')[1].split("</form>")[0]
    assert f'name="fraga-{first.pk}" value="hog"' in save_form
    assert 'value="Torgmöte om vårdcentralen"' in save_form

    client.post(SAVE, data)
    assert Assessment.objects.get().answers.get(question=first).note == "Hot i kommentarerna"
    assert client.get("/riskinventering/resultat/")["Location"] == START


def test_a_visitor_logs_in_to_save_and_finds_the_answers_still_there(client, official):
    first = questions()[0]
    data = answers(Level.HOG, Level.HOG, notes={0: "Okänd avsändare i mejlen"})
    html = client.post(RESULT, data).text
    keep_form = html.split('action="/riskinventering/spara/"')[1].split("</form>")[0]
    assert ">Logga in för att spara</button>" in keep_form
    carried = dict(
        re.findall(r'<input type="hidden" name="(fraga-[^"]+)" value="([^"]*)"', keep_form)
    )
    assert carried == data

    response = client.post(SAVE, carried)
    assert response["Location"] == "/logga-in/?next=/riskinventering/resultat/"
    response = client.post(
        response["Location"],
        {"username": official.email, "password": PASSWORD, "next": "/riskinventering/resultat/"},
    )
    assert response["Location"] == "/riskinventering/resultat/"

    html = client.get(RESULT).text
    assert "Svaren finns kvar" in html
    assert "utloggad" not in html
    assert "Okänd avsändare i mejlen" in html
    assert "felsammanfattning" not in html
    save_form = html.split('action="/riskinventering/spara/"')[1].split("</form>")[0]
    assert f'name="fraga-{first.pk}" value="hog"' in save_form
    assert 'name="activity"' in save_form

    client.post(SAVE, data | ACTIVITY)
    assessment = Assessment.objects.get()
    assert assessment.owner == official
    assert assessment.answers.get(question=first).note == "Okänd avsändare i mejlen"
    assert assessment.answers.filter(level=Level.HOG).count() == 2


def test_only_the_checked_answers_are_kept_for_the_login_never_the_raw_post(client):
    from riskassessment.views import KEPT_ANSWERS

    data = answers(Level.HOG, notes={0: "Kort anteckning"})
    client.post(SAVE, data | {"annat": "x" * 50_000, "activity": "y" * 5_000})
    kept = kept_values(client, KEPT_ANSWERS)
    assert kept == {name: [value] for name, value in data.items() if value}
    assert "annat" not in kept and "activity" not in kept

    client.session.flush()
    response = client.post(SAVE, answers(notes={1: "z" * 2001}))
    assert response.status_code == 200
    assert "Anteckning till fråga 2" in response.text
    assert KEPT_ANSWERS.session_key not in client.session


def test_a_visitors_answers_go_only_to_a_login_soon_after(client, official):
    import time
    from unittest import mock

    client.post(SAVE, answers(Level.HOG, notes={0: "Lämnad i webbläsaren"}))
    later = time.time() + 60 * 60
    with mock.patch("portal.security.time.time", return_value=later):
        client.force_login(official)
        response = client.get(RESULT)
    assert response.status_code == 302
    assert response["Location"] == START


def test_the_result_page_without_answers_leads_to_the_form(client):
    response = client.get(RESULT)
    assert response.status_code == 302
    assert response["Location"] == START


def test_a_saved_inventory_keeps_the_wording_it_was_answered_with(client, official):
    client.force_login(official)
    assessment = saved(official, Level.HOG)
    question = questions()[0]
    old_advice = question.high_advice
    question.text = "VEM – omformulerad"
    question.high_advice = "Ett nytt råd."
    question.save()
    html = client.get(f"/riskinventering/{assessment.pk}/").text
    assert "<strong>VEM</strong>" in html
    assert "omformulerad" not in html
    assert old_advice in html


def test_my_inventories_lists_mine_only(client, official, other_official):
    saved(official, activity="Mitt torgmöte")
    saved(other_official, activity="Bertils möte")
    client.force_login(official)
    html = client.get(MINE).text
    assert "Mina riskinventeringar" in html
    assert "Mitt torgmöte" in html
    assert "Bertils möte" not in html


def test_my_inventories_says_so_when_there_are_none(client, official):
    client.force_login(official)
    assert "Du har inga sparade riskinventeringar än." in client.get(MINE).text


def test_a_new_inventory_can_start_from_an_earlier_ones_answers(client, official):
    assessment = saved(official, Level.HOG, Level.MATTLIG)
    first_answer = assessment.answers.first()
    first_answer.note = "Samma grupp som förra gången"
    first_answer.save()
    client.force_login(official)
    html = client.get(f"/riskinventering/{assessment.pk}/ny/").text
    first, second, third = questions()[:3]
    assert "Svaren är ifyllda från din riskinventering för Fullmäktige" in html
    assert re.search(rf'value="hog"[^>]*id="id_fraga-{first.pk}_2"[^>]*checked', html)
    assert re.search(rf'value="mattlig"[^>]*id="id_fraga-{second.pk}_1"[^>]*checked', html)
    assert re.search(rf'value="lag"[^>]*id="id_fraga-{third.pk}_0"[^>]*checked', html)
    assert "Samma grupp som förra gången</textarea>" in html


def test_the_result_downloads_as_a_pdf(client, official):
    assessment = saved(official, Level.HOG, Level.HOG, Level.HOG, activity="Debatt i Nyköping")
    client.force_login(official)
    response = client.get(f"/riskinventering/{assessment.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Debatt i Nyköping" in text
    assert "Samlad risknivå: HÖG" in text
    assert "Kontakta säkerhetshandläggaren före aktiviteten" in text
    assert "0703-377911" in text
    assert "Anna Andersson" in text


def test_an_official_shares_and_stops_sharing(client, official):
    assessment = saved(official)
    client.force_login(official)
    response = client.post(f"/riskinventering/{assessment.pk}/dela/", follow=True)
    assert "delad med säkerhetshandläggarna" in response.text
    assessment.refresh_from_db()
    assert assessment.shared_at is not None
    client.post(f"/riskinventering/{assessment.pk}/sluta-dela/")
    assessment.refresh_from_db()
    assert assessment.shared_at is None


@pytest.mark.parametrize("action", ["dela", "sluta-dela"])
def test_sharing_changes_nothing_on_a_get(client, official, action):
    assessment = saved(official)
    client.force_login(official)
    assert client.get(f"/riskinventering/{assessment.pk}/{action}/").status_code == 405
    assessment.refresh_from_db()
    assert assessment.shared_at is None


# Who may reach a saved inventory

OBJECT_URLS = [
    ("get", "/riskinventering/{pk}/", 200),
    ("get", "/riskinventering/{pk}/ny/", 200),
    ("get", "/riskinventering/{pk}/pdf/", 200),
    ("post", "/riskinventering/{pk}/dela/", 302),
    ("post", "/riskinventering/{pk}/sluta-dela/", 302),
]


@pytest.fixture
def anna_s(official):
    return saved(official, Level.HOG, activity="Annas hemliga möte")


@pytest.mark.parametrize(("method", "url", "status"), OBJECT_URLS)
def test_the_owner_reaches_their_inventory(client, official, anna_s, method, url, status):
    client.force_login(official)
    assert getattr(client, method)(url.format(pk=anna_s.pk)).status_code == status


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(("method", "url", "status"), OBJECT_URLS)
def test_another_official_cannot_reach_an_inventory(
    client, other_official, anna_s, method, url, status, shared
):
    if shared:
        anna_s.share()
    client.force_login(other_official)
    response = getattr(client, method)(url.format(pk=anna_s.pk))
    assert response.status_code == 404
    assert "Annas hemliga möte" not in response.text
    assert Assessment.objects.get().is_shared is shared


@pytest.mark.parametrize(("method", "url", "status"), OBJECT_URLS)
def test_a_security_officer_cannot_reach_it_outside_the_admin(
    client, officer, anna_s, method, url, status
):
    client.force_login(officer)
    assert getattr(client, method)(url.format(pk=anna_s.pk)).status_code == 404


@pytest.mark.parametrize(("method", "url", "status"), OBJECT_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, anna_s, method, url, status):
    response = getattr(client, method)(url.format(pk=anna_s.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")
    assert not Assessment.objects.get().is_shared


def test_my_inventories_needs_an_account(client):
    response = client.get(MINE)
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")


def test_an_unknown_inventory_is_a_404(client, official):
    client.force_login(official)
    assert client.get("/riskinventering/999999/").status_code == 404


# The admin

ADMIN = "/admin/riskassessment/assessment/"


def test_an_unshared_inventory_is_absent_from_the_admin_even_for_a_superuser(
    client, officer, official
):
    officer.is_superuser = True
    officer.save(update_fields=["is_superuser"])
    assessment = saved(official, activity="Annas hemliga möte")
    login_verified(client, officer)
    listing = client.get(ADMIN)
    assert listing.status_code == 200
    assert "Annas hemliga möte" not in listing.text
    assert "0 riskinventeringar" in listing.text
    for url in [f"{ADMIN}{assessment.pk}/change/", f"{ADMIN}{assessment.pk}/history/"]:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == "/admin/"
        assert "Annas hemliga möte" not in response.text


def test_a_shared_inventory_is_read_only_in_the_admin(client, officer, official):
    assessment = saved(official, Level.HOG, Level.HOG, Level.HOG, shared=True, activity="Debatt")
    login_verified(client, officer)
    listing = client.get(ADMIN)
    assert "Debatt" in listing.text
    assert "Anna Andersson" in listing.text
    assert "Hög" in listing.text
    change_url = f"{ADMIN}{assessment.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert "Debatt" in page.text
    assert "VEM" in page.text
    assert 'name="_save"' not in page.text
    assert 'name="activity"' not in page.text
    assert f"{ADMIN}{assessment.pk}/delete/" not in page.text
    response = client.post(change_url, {"activity": "Ändrad", "date": "2026-01-01", "place": "X"})
    assert response.status_code == 403
    assert client.get(f"{ADMIN}add/").status_code == 403
    assert client.post(f"{ADMIN}{assessment.pk}/delete/", {"post": "yes"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.activity == "Debatt"
    assert assessment.answers.count() == 11


def test_the_admin_grants_no_change_of_inventories(rf, officer):
    from django.contrib.admin.sites import site

    request = rf.get(ADMIN)
    request.user = officer
    officer.is_verified = lambda: True  # as django-otp's middleware marks a verified login
    model_admin = site._registry[Assessment]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_staff_who_are_not_security_officers_see_no_inventories(client, official):
    saved(official, shared=True, activity="Delad")
    official.is_staff = True
    official.save()
    login_verified(client, official)
    assert client.get(ADMIN).status_code == 403


def test_the_security_officer_edits_a_question_in_the_admin(client, officer):
    question = questions()[0]
    login_verified(client, officer)
    url = f"/admin/riskassessment/riskquestion/{question.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "text": "VEM ska jag träffa?",
            "help_text": question.help_text,
            "high_advice": "Berätta för en partikollega vem du ska träffa.",
            "order": question.order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == "VEM ska jag träffa?"
    assert "VEM ska jag träffa?" in client.get(START).text
