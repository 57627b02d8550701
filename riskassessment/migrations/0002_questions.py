"""Loads the action plan's eleven questions, so a new install can be used after migrate.
After that the security officer edits them in the admin."""

from django.conf import settings
from django.db import migrations

from portal.organisation import genitive

# (text, help text, advice shown next to an answer of HÖG). The texts are the plan's;
# the advice is drawn from the plan's FÖRE lists.
QUESTIONS = [
    (
        "VEM",
        "ska jag kontakta för att få information, rådgivning eller hjälp / ska jag träffa",
        "Tänk igenom vem du ska träffa och vem du kan vända dig till för rådgivning eller "
        "hjälp. Informera partikollegor och säkerhetshandläggaren i {in_text} om risken.",
    ),
    (
        "VAD",
        "ska jag göra / diskutera, vilka aktiviteter behöver analyseras extra",
        "Analysera de delar av aktiviteten som väcker oro lite extra, och diskutera dem med "
        "ditt parti eller säkerhetshandläggaren. Informera partikollegor om risker som kan "
        "påverka säkerheten.",
    ),
    (
        "HUR",
        "ser möjligheterna för hjälp ut, kan jag göra för att minska riskerna / sker mötet",
        "Bestäm i förväg hur du får hjälp om något händer. I {in_text_genitive} lokaler kan du vid "
        "behov låsa dörrarna och anlita {in_text_genitive} vaktbolag (Securitas). Vid hög hotbild ska "
        "dörrarna vara låsta och vaktbolaget sköta all in- och utpassering.",
    ),
    (
        "VAR & NÄR",
        "är det störst risk att det händer mig något, när är jag som mest sårbar / när "
        "tidsmässigt sker mötet och vart",
        "Planera för de stunder då du är som mest sårbar, till exempel resan dit och hem. "
        "Överväg hur resan ska ske och om ni ska resa tillsammans. Publicera inte i förväg "
        "var du ska vara, och lägg inte upp bilder i realtid.",
    ),
    (
        "Finns det indikationer på att frågan / ämnet skapar spänningar",
        "",
        "Informera partikollegor och säkerhetshandläggaren om risken. Informera andra i "
        "lokalen om hotbilden så att ökad vaksamhet finns.",
    ),
    (
        "Har tidigare frågor / ämnen inom området lett till hot och hat",
        "",
        "Informera säkerhetshandläggaren, och vid fullmäktigemöten presidiets ordförande, om "
        "hotbilden mot dig. Utsätts du igen: polisanmäl och rapportera till {in_text}.",
    ),
    (
        "Finns det politiska spänningar i frågan / ämnet",
        "",
        "Läs igenom det du skriver innan du publicerar, och tänk på hur du skriver och vad "
        "ditt budskap är. Informera partikollegor om risker som kan påverka säkerheten.",
    ),
    (
        "Förekommer det omfattande diskussioner om frågan / ämnet i sociala medier eller "
        "traditionell media",
        "",
        "Gå regelbundet igenom dina sociala medier och överväg att stänga av eller moderera "
        "kommentarsfältet. Ta skärmdumpar på inlägg och profiler som avviker, rapportera till "
        "{in_text} och polisanmäl.",
    ),
    (
        "Engagerar frågan / ämnet grupperingar som är kända för hot och hat",
        "",
        "Informera säkerhetshandläggaren i {in_text} i förväg. Informera andra i lokalen om "
        "hotbilden så att ökad vaksamhet finns, och överväg vaktbolag om det gäller "
        "{in_text_genitive} lokaler.",
    ),
    (
        "Hur är förtroende för {in_text} / partiet / dig i stort",
        "",
        "Diskutera riskbilden med ditt parti och säkerhetshandläggaren. Exponera inte din "
        "familj, dina vanor eller vänner i sociala medier.",
    ),
    (
        "Kommer du vistas på en för dig okänd plats",
        "",
        "Ta reda på vart du ska och hur det ser ut på platsen – god lokalkännedom är aldrig "
        "fel. Ha koll på hur du kan ta dig därifrån eller söka skydd. Förbeställ taxi från "
        "kända bolag och be chauffören stanna en bit från din egen adress.",
    ),
]


def worded():
    """The questions with the organisation's name in running text ("regionen", "kommunen"),
    as the settings give it at install."""
    in_text = settings.PORTAL_ORGANISATION_IN_TEXT
    names = {"in_text": in_text, "in_text_genitive": genitive(in_text)}
    return [tuple(part.format(**names) for part in question) for question in QUESTIONS]


def load(apps, schema_editor):
    Question = apps.get_model("riskassessment", "Question")
    Question.objects.bulk_create(
        Question(text=text, help_text=help_text, high_advice=advice, order=(i + 1) * 10)
        for i, (text, help_text, advice) in enumerate(worded())
    )


def unload(apps, schema_editor):
    apps.get_model("riskassessment", "Question").objects.filter(
        text__in=[text for text, _, _ in worded()]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("riskassessment", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
