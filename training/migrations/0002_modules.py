"""The first three training modules, written from the action plan: the introduction every
new official takes, social media, and threats by telephone. After this the security
officer edits them, and adds more, in the admin."""

from django.conf import settings
from django.db import migrations

# Each: the module's fields, the plan's sections (by their anchor) shown in it, and its
# questions as (text, explanation, [(choice, is_correct), ...]). Numbers and addresses are
# [[contact]] tokens, as in the guidance, so that they follow the contact records. {name} and
# {in_text} are the organisation's names (portal.organisation), filled in at install.
MODULES = [
    {
        "slug": "introduktion",
        "title": "Introduktion för nya förtroendevalda",
        "is_introduction": True,
        "intro": (
            "Välkommen som förtroendevald i {name}. Som förtroendevald har du en ökad "
            "risk att utsättas för hot, hat och våld på grund av ditt uppdrag. Därför arbetar "
            "{in_text} med att förebygga, utbilda och riskinventera personsäkerheten tillsammans "
            "med er.\n\n"
            "Den här introduktionen tar upp det viktigaste i handlingsplanen: vem som ansvarar "
            "för vad, vad du alltid ska göra och vart du vänder dig. Arbetet utgår från "
            "[Före](/fore/), [Under](/under/) och [Efter](/efter/). Läs avsnitten och svara "
            "sedan på frågorna.\n\n"
            "Har du frågor kan du alltid kontakta säkerhetshandläggaren, "
            "[[sakerhetshandlaggare.person]], på [[sakerhetshandlaggare]]."
        ),
        "sections": [
            "ansvarsfordelning",
            "skall-ta-del-av",
            "alltid-skall-gora",
            "polisanmalan",
            "checklista",
        ],
        "questions": [
            (
                "Du har blivit utsatt för hot på grund av ditt uppdrag. Vad ska du alltid göra?",
                "Handlingsplanen säger att du ALLTID ska polisanmäla och rapportera till "
                "{in_text} när du är utsatt för hot, hat eller våld. Rapportera gör du här i "
                "portalen under [Rapportera händelse](/rapportera/). Är det akut, ring "
                "**[[112]]**; i ett lugnare skede ring polisen på **[[polisen]]**.",
                [
                    ("Polisanmäla händelsen", True),
                    ("Rapportera händelsen till {in_text}", True),
                    ("Vänta och se om det händer igen", False),
                    ("Bara berätta det för en partikollega", False),
                ],
            ),
            (
                "Vad ska du alltid göra innan möten, uppdrag och aktiviteter på allmän plats?",
                "En riskinventering innan möten, uppdrag och aktiviteter på allmän plats är "
                "något du ALLTID ska göra. Den hjälper dig att tänka igenom vem, vad, hur, när "
                "och var. Du kan göra den här i portalen: "
                "[Gör en riskinventering](/riskinventering/).",
                [
                    ("En riskinventering", True),
                    ("Ingenting särskilt, om inget har hänt tidigare", False),
                    ("Be polisen om skydd", False),
                ],
            ),
            (
                "Polisen har ett särskilt telefonnummer för förtroendevalda som ska "
                "polisanmäla. Hur får du det?",
                "Numret får du av säkerhetshandläggaren i {in_text}, "
                "[[sakerhetshandlaggare.person]], [[sakerhetshandlaggare]]. När du anmäler är "
                "det viktigt att det framgår att du är förtroendevald.",
                [
                    ("Via säkerhetshandläggaren i {in_text}", True),
                    ("Det står på polisens webbplats", False),
                    ("Genom att ringa 112 och fråga", False),
                ],
            ),
            (
                "Vem i {in_text} har till uppgift att erbjuda utbildning, ge råd och följa upp "
                "hot och våld mot förtroendevalda?",
                "Det är säkerhets- och beredskapsstaben i {name}. Du har själv ett "
                "ansvar att ta del av den utbildning och det stöd som erbjuds, och att "
                "rapportera och polisanmäla händelser.",
                [
                    ("Säkerhets- och beredskapsstaben", True),
                    ("Ditt parti", False),
                    ("Polisen", False),
                ],
            ),
        ],
    },
    {
        "slug": "sociala-medier",
        "title": "Sociala medier",
        "is_introduction": False,
        "intro": (
            "Sociala medier är en viktig del av många förtroendevaldas uppdrag, men också en "
            "vanlig väg för hot och hat. Här går vi igenom hur du kan minska risken, och vad du "
            "gör om något händer."
        ),
        "sections": ["sociala-medier", "hot-mot-dig"],
        "questions": [
            (
                "Du är på väg till ett möte och vill berätta om det på sociala medier. Vad "
                "rekommenderar handlingsplanen?",
                "Lägg inte upp realtidsbilder, utan publicera hellre senare var du har varit, "
                "och överväg om du ska publicera vart du ska. Var också observant på platsdata, "
                "så att du inte taggar exakt position om du inte vill det.",
                [
                    ("Publicera hellre efteråt var du har varit", True),
                    ("Lägg upp en bild i realtid så att fler kan komma dit", False),
                    ("Tagga den exakta platsen så att det blir tydligt", False),
                ],
            ),
            (
                "Någon skriver hotfulla kommentarer till dina inlägg. Vad gör du?",
                "Ta skärmdumpar på inlägg och profiler som avviker, "
                "[rapportera till {in_text}](/rapportera/) och polisanmäl. Radera inget utan "
                "spara allt, och svara inte. Överväg att stänga av eller moderera "
                "kommentarsfältet för att minska risken för påhopp.",
                [
                    ("Tar skärmdumpar på inläggen och profilen", True),
                    ("Rapporterar till {in_text} och polisanmäler", True),
                    ("Raderar kommentarerna direkt utan att spara något", False),
                    ("Svarar personen för att reda ut saken", False),
                ],
            ),
            (
                "Någon har öppnat ett falskt konto i ditt namn. Vad ska du göra?",
                "Om någon kapar ditt konto eller öppnar ett falskt konto i ditt namn ska du "
                "anmäla det till plattformen (se respektive plattform för hur man gör), "
                "informera ditt parti samt polisanmäla händelsen och rapportera till {in_text}.",
                [
                    ("Anmäla kontot till plattformen", True),
                    ("Informera ditt parti", True),
                    ("Polisanmäla och rapportera till {in_text}", True),
                    ("Låta det vara, det brukar försvinna av sig självt", False),
                ],
            ),
            (
                "Du vill lägga ut en bild där andra personer syns. Vad ska du tänka på?",
                "Fråga alltid om godkännande innan du lägger ut bilder på någon annan. "
                "Exponera inte heller din familj, dina vanor eller vänner.",
                [
                    ("Fråga alltid om godkännande först", True),
                    ("Det behövs inget godkännande om bilden togs på ett offentligt möte", False),
                    ("Det går bra så länge du inte skriver ut deras namn", False),
                ],
            ),
        ],
    },
    {
        "slug": "hot-per-telefon",
        "title": "Hot per telefon",
        "is_introduction": False,
        "intro": (
            "Ett hot kan komma i ett telefonsamtal. Det du gör under samtalet kan göra stor "
            "skillnad, för dig och för polisens utredning. Läs vad handlingsplanen säger och "
            "pröva dig själv. Är det akut: ring **[[112]]**."
        ),
        "sections": ["hot-mot-dig", "polisanmalan"],
        "questions": [
            (
                "Någon hotar dig i telefon. Vad gör du medan samtalet pågår?",
                "Dokumentera det som sägs, lyssna efter speciella ljud, håll igång samtalet och "
                "få personen att berätta vad den vill. Om det går, be en kollega lyssna eller "
                "spela in samtalet.",
                [
                    ("Dokumenterar det som sägs och lyssnar efter speciella ljud", True),
                    ("Håller igång samtalet och låter personen berätta vad den vill", True),
                    ("Lägger på direkt och försöker glömma samtalet", False),
                    ("Säger emot och hotar tillbaka", False),
                ],
            ),
            (
                "Hur kan du få personen att bekräfta sitt hot?",
                "Fråga ”har jag förstått rätt, du ska …” så att personen bekräftar sitt hot. "
                "Då blir det tydligt vad som faktiskt sades.",
                [
                    ("Fråga: ”Har jag förstått rätt, du ska …?”", True),
                    ("Be personen skicka hotet i ett brev i stället", False),
                    ("Avsluta samtalet och ringa upp senare", False),
                ],
            ),
            (
                "Samtalet är slut. Vad gör du sedan?",
                "Informera ditt parti, polisanmäl händelsen och "
                "[rapportera till {in_text}](/rapportera/). Är det akut, ring **[[112]]**; i ett "
                "lugnare skede ring polisen på **[[polisen]]**.",
                [
                    ("Informerar ditt parti", True),
                    ("Polisanmäler händelsen", True),
                    ("Rapporterar till {in_text}", True),
                    ("Väntar med att berätta tills det händer igen", False),
                ],
            ),
            (
                "Vad är viktigt att det framgår när du polisanmäler hotet?",
                "Det är viktigt att det framgår att du är förtroendevald. Som förtroendevald "
                "finns det ett särskilt telefonnummer för anmälan till polisen; det får du av "
                "säkerhetshandläggaren, [[sakerhetshandlaggare]]. Du kan också begära att "
                "anmälan blir *åtkomstskyddad*, alltså sekretessbelagd under utredningen.",
                [
                    ("Att du är förtroendevald", True),
                    ("Hur många följare du har på sociala medier", False),
                    ("Inget särskilt, polisen tar reda på resten själv", False),
                ],
            ),
        ],
    },
]


def worded(value):
    """The texts with the organisation's names, as the settings give them at install."""
    if isinstance(value, str):
        return value.format(
            name=settings.PORTAL_ORGANISATION_NAME, in_text=settings.PORTAL_ORGANISATION_IN_TEXT
        )
    if isinstance(value, list | tuple):
        return type(value)(worded(v) for v in value)
    if isinstance(value, dict):
        return {k: worded(v) for k, v in value.items()}
    return value


def load(apps, schema_editor):
    TrainingModule = apps.get_model("training", "TrainingModule")
    Section = apps.get_model("guidance", "Section")
    for order, spec in enumerate(worded(MODULES), start=1):
        module, created = TrainingModule.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "intro": spec["intro"],
                "order": order * 10,
                "status": "publicerad",
                "is_introduction": spec["is_introduction"],
            },
        )
        if not created:
            continue  # already there: what the security officer has written stays
        module.sections.set(Section.objects.filter(slug__in=spec["sections"]))
        for number, (text, explanation, choices) in enumerate(spec["questions"], start=1):
            question = module.questions.create(
                text=text, explanation=explanation, order=number * 10
            )
            for choice, is_correct in choices:
                question.choices.create(text=choice, is_correct=is_correct)


def unload(apps, schema_editor):
    TrainingModule = apps.get_model("training", "TrainingModule")
    TrainingModule.objects.filter(
        slug__in=[spec["slug"] for spec in MODULES], completions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("guidance", "0002_initial_content"),
    ]
    operations = [migrations.RunPython(load, unload)]
