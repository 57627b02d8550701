"""Each question of the first three modules cites the section of the plan it comes from, and
its right answers are the plan's own words in that section (the first wording was close, but
not always the plan's: "Publicera hellre efteråt" where the plan says "publicera hellre
senare"). The wrong answers beside them are put in the same form of the verb.

Only the initial wording is replaced: a question or an answer the security officer has
rewritten is left as it is. Completions are untouched: they belong to the module."""

from django.db import migrations

# (module, question as first written, cited section, {answer as first written: the plan's})
QUESTIONS = [
    (
        "introduktion",
        "Du har blivit utsatt för hot på grund av ditt uppdrag. Vad ska du alltid göra?",
        "alltid-skall-gora",
        {
            "Polisanmäla händelsen": "Polisanmäla",
            "Rapportera händelsen till regionen": "Rapportera till regionen",
        },
    ),
    (
        "introduktion",
        "Vad ska du alltid göra innan möten, uppdrag och aktiviteter på allmän plats?",
        "alltid-skall-gora",
        {"En riskinventering": "Riskinventering"},
    ),
    (
        "introduktion",
        "Polisen har ett särskilt telefonnummer för förtroendevalda som ska polisanmäla. Hur "
        "får du det?",
        "ansvarsfordelning",
        {"Via säkerhetshandläggaren i regionen": "Via säkerhetshandläggare i regionen"},
    ),
    (
        "introduktion",
        "Vem i regionen har till uppgift att erbjuda utbildning, ge råd och följa upp hot och "
        "våld mot förtroendevalda?",
        "ansvarsfordelning",
        {},
    ),
    (
        "sociala-medier",
        "Du är på väg till ett möte och vill berätta om det på sociala medier. Vad "
        "rekommenderar handlingsplanen?",
        "sociala-medier",
        {"Publicera hellre efteråt var du har varit": "Publicera hellre senare vart du varit"},
    ),
    (
        "sociala-medier",
        "Någon skriver hotfulla kommentarer till dina inlägg. Vad gör du?",
        "sociala-medier",
        {
            "Tar skärmdumpar på inläggen och profilen": (
                "Ta skärmdumpar på inlägg och profiler som avviker"
            ),
            "Rapporterar till regionen och polisanmäler": "Rapportera till regionen och polisanmäl",
            "Raderar kommentarerna direkt utan att spara något": (
                "Radera kommentarerna direkt utan att spara något"
            ),
            "Svarar personen för att reda ut saken": "Svara personen för att reda ut saken",
        },
    ),
    (
        "sociala-medier",
        "Någon har öppnat ett falskt konto i ditt namn. Vad ska du göra?",
        "hot-mot-dig",
        {
            "Anmäla kontot till plattformen": "Anmäla det till plattformen",
            "Polisanmäla och rapportera till regionen": (
                "Polisanmäl händelsen och rapportera till regionen"
            ),
        },
    ),
    (
        "sociala-medier",
        "Du vill lägga ut en bild där andra personer syns. Vad ska du tänka på?",
        "sociala-medier",
        {
            "Fråga alltid om godkännande först": (
                "Fråga alltid om godkännande innan du lägger ut bilder på någon annan"
            ),
        },
    ),
    (
        "hot-per-telefon",
        "Någon hotar dig i telefon. Vad gör du medan samtalet pågår?",
        "hot-mot-dig",
        {
            "Dokumenterar det som sägs och lyssnar efter speciella ljud": (
                "Dokumentera det som sägs, lyssna efter speciella ljud"
            ),
            "Håller igång samtalet och låter personen berätta vad den vill": (
                "Håll igång samtalet och få personen att berätta vad den vill"
            ),
            "Lägger på direkt och försöker glömma samtalet": (
                "Lägg på direkt och försök glömma samtalet"
            ),
            "Säger emot och hotar tillbaka": "Säg emot och hota tillbaka",
        },
    ),
    (
        "hot-per-telefon",
        "Hur kan du få personen att bekräfta sitt hot?",
        "hot-mot-dig",
        {},
    ),
    (
        "hot-per-telefon",
        "Samtalet är slut. Vad gör du sedan?",
        "hot-mot-dig",
        {
            "Informerar ditt parti": "Informera ditt parti",
            "Polisanmäler händelsen": "Polisanmäla händelsen",
            "Rapporterar till regionen": "Rapportera till regionen",
            "Väntar med att berätta tills det händer igen": (
                "Vänta med att berätta tills det händer igen"
            ),
        },
    ),
    (
        "hot-per-telefon",
        "Vad är viktigt att det framgår när du polisanmäler hotet?",
        "polisanmalan",
        {},
    ),
]


def cite(apps, schema_editor):
    QuizQuestion = apps.get_model("training", "QuizQuestion")  # noqa: N806
    Section = apps.get_model("guidance", "Section")  # noqa: N806
    for module, text, slug, answers in QUESTIONS:
        question = QuizQuestion.objects.filter(module__slug=module, text=text).first()
        if question is None:
            continue
        if question.section_id is None:
            question.section = Section.objects.filter(slug=slug).first()
            question.save(update_fields=["section"])
        for old, new in answers.items():
            question.choices.filter(text=old).update(text=new)


def uncite(apps, schema_editor):
    QuizQuestion = apps.get_model("training", "QuizQuestion")  # noqa: N806
    for module, text, _, answers in QUESTIONS:
        question = QuizQuestion.objects.filter(module__slug=module, text=text).first()
        if question is None:
            continue
        for old, new in answers.items():
            question.choices.filter(text=new).update(text=old)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_quizquestion_section"),
        ("guidance", "0004_security_officers_permissions"),
    ]
    operations = [migrations.RunPython(cite, uncite)]
