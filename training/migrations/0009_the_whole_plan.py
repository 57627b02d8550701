"""Training for every part of the plan that an official acts on, beside the first three
modules: the risk inventory, travel, a threat face to face, threats in letters, mail and text
messages, violence, PDV, right after an incident, and the police report and the report to
the region. The modules follow the plan's order (Före, Under, Efter); the first three move
into it too, unless the security officer has already ordered them.

Each question cites the section of the plan it comes from, and its right answers are the
plan's own words in that section (tests/test_training.py checks them against the text).
None of these is the introduction: the introduction stays the one module new officials are
reminded of, and an official who has done it stays done."""

from django.db import migrations

# The first three modules' places in the plan's order: (slug, as first seeded, new).
REORDER = [("introduktion", 10, 10), ("sociala-medier", 20, 30), ("hot-per-telefon", 30, 60)]

# As in 0002_modules: the module's fields, the sections shown in it, and its questions as
# (text, cited section, explanation, [(choice, is_correct), ...]). Numbers are [[contact]]
# tokens in the texts, so that they follow the contact records; the choices name no number
# but 112.
MODULES = [
    {
        "slug": "riskinventering",
        "title": "Riskinventering",
        "order": 20,
        "intro": (
            "Innan möten, uppdrag och aktiviteter på allmän plats ska du ALLTID göra en "
            "riskinventering. Den är alltid subjektiv och svår att göra exakt, men frågorna i "
            "handlingsplanen hjälper dig att inventera riskbilden. Reflektera regelbundet kring "
            "din riskbild och diskutera gärna med kollegor.\n\n"
            "Här går vi igenom hur risken bedöms, när du bör överväga förebyggande åtgärder och "
            "vad du då kan göra. Själva riskinventeringen gör du här: "
            "[Gör en riskinventering](/riskinventering/)."
        ),
        "sections": ["riskinventering", "alltid-kan-gora"],
        "questions": [
            (
                "Hur bedöms risken i riskinventeringen?",
                "riskinventering",
                "Risken bedöms i LÅG, MÅTTLIG, HÖG. Riskinventeringen är alltid subjektiv och "
                "svår att göra exakt; frågorna hjälper dig att inventera riskbilden.",
                [
                    ("LÅG, MÅTTLIG, HÖG", True),
                    ("Grön, gul, röd", False),
                    ("Med poäng från 1 till 10", False),
                ],
            ),
            (
                "Vilket resultat av riskinventeringen gör att du bör överväga förebyggande "
                "åtgärder?",
                "riskinventering",
                "Får du MÅTTLIG på fyra eller HÖG på fler än två bör du överväga förebyggande "
                "åtgärder enligt [Förebyggande arbete som Förtroendevald ALLTID kan "
                "göra](/fore/#alltid-kan-gora) samt diskutera frågan med ditt parti och eller "
                "säkerhetshandläggare i regionen.",
                [
                    ("MÅTTLIG på fyra eller HÖG på fler än två", True),
                    ("HÖG på alla frågor, inget mindre", False),
                    ("Inget: riskinventeringen är bara till för regionen", False),
                ],
            ),
            (
                "Riskinventeringen visar att du bör överväga förebyggande åtgärder. Med vem "
                "diskuterar du frågan?",
                "riskinventering",
                "Diskutera frågan med ditt parti och eller säkerhetshandläggare i regionen, "
                "[[sakerhetshandlaggare.person]], [[sakerhetshandlaggare]].",
                [
                    ("Ditt parti", True),
                    ("Säkerhetshandläggare i regionen", True),
                    ("Ingen: du håller det för dig själv", False),
                    ("Följarna på dina sociala medier", False),
                ],
            ),
            (
                "Vilka frågor ger ett aktivt säkerhetstänk inför ett möte?",
                "alltid-kan-gora",
                "**Vem** ska jag träffa, **vad** ska vi diskutera, **hur** ska mötet ske, **när** "
                "ska mötet ske, **var** ska mötet ske. Att alltid tänka VEM, VAD, HUR, NÄR och "
                "VAR bidrar till ett aktivt säkerhetstänk.",
                [
                    ("VEM, VAD, HUR, NÄR och VAR", True),
                    ("Bara vem du ska träffa", False),
                    ("Hur många som kommer och hur länge mötet håller på", False),
                ],
            ),
            (
                "Det finns en hög hotbild mot dig. Hur avslutar handlingsplanen meningen ”Vid "
                "hög hotbild …”?",
                "alltid-kan-gora",
                "Vid hög hotbild SKALL dörrarna vara låsta och vaktbolag sköta all in- och "
                "utpassering i regionens lokaler. Vaktbolaget Securitas nås på [[securitas]]. "
                "Informera också andra i lokalen om hotbilden mot dig, så att ökad vaksamhet "
                "finns, och presidiets ordförande vid fullmäktigemöten.",
                [
                    (
                        "… SKALL dörrarna vara låsta och vaktbolag sköta all in- och "
                        "utpassering i regionens lokaler",
                        True,
                    ),
                    ("… räcker det att du själv är extra uppmärksam", False),
                    ("… ska du alltid ställa in mötet", False),
                ],
            ),
        ],
    },
    {
        "slug": "resor",
        "title": "Resor",
        "order": 40,
        "intro": (
            "Resan till och från ett möte eller ett uppdrag är en del av personsäkerheten. Med "
            "lite planering kan du minska risken: ta reda på vart du ska, tänk igenom hur du "
            "reser och var inte allt för förutsägbar."
        ),
        "sections": ["resor"],
        "questions": [
            (
                "Vad tar du reda på inför en resa?",
                "resor",
                "Ta reda på vart du ska och hur det ser ut på platsen: god lokalkännedom är "
                "aldrig fel.",
                [
                    ("Vart du ska och hur det ser ut på platsen", True),
                    ("Ingenting: det löser sig på plats", False),
                    ("Bara när mötet börjar", False),
                ],
            ),
            (
                "Ni är flera som ska till samma möte. Vad diskuterar ni?",
                "resor",
                "Diskutera om det är lämpligt att ni reser ihop eller om ni ska dela på er. Här "
                "kan man även väga in olycksbilden, om flera riskerar att bli skadade.",
                [
                    ("Om det är lämpligt att ni reser ihop eller om ni ska dela på er", True),
                    ("Ingenting: det är alltid säkrast att resa ihop", False),
                    ("Vem som ska lägga upp bilder från resan", False),
                ],
            ),
            (
                "Hur ska taxi helst beställas?",
                "resor",
                "Taxi ska helst alltid förbeställas av kända bolag.",
                [
                    ("Alltid förbeställas av kända bolag", True),
                    ("Med den första bil som stannar på gatan", False),
                    ("Det spelar ingen roll", False),
                ],
            ),
            (
                "Du tar taxi hem efter ett sent möte. Vad rekommenderar handlingsplanen?",
                "resor",
                "Undvik att åka direkt till din egen adress: be chauffören stanna en bit ifrån, "
                "för att inte vara allt för förutsägbar.",
                [
                    ("Undvik att åka direkt till din egen adress", True),
                    ("Be chauffören köra ända fram till porten", False),
                    ("Berätta för chauffören var du bor och när du brukar komma hem", False),
                ],
            ),
        ],
    },
    {
        "slug": "hotsituation",
        "title": "Hot ansikte mot ansikte",
        "order": 50,
        "intro": (
            "Någon blir hotfull mot dig på plats, till exempel efter ett möte eller på stan. "
            "Handlingsplanen säger vad du gör: håll avstånd, bemöt lågaffektivt, ta dig ur "
            "situationen och larma. Är det akut: ring **[[112]]**."
        ),
        "sections": ["hotsituation"],
        "questions": [
            (
                "En person blir hotfull mot dig. Hur står du?",
                "hotsituation",
                "Ta ut säkerhetsavstånd och stå INTE rakt framför personen.",
                [
                    ("Ta ut säkerhetsavstånd", True),
                    ("Stå INTE rakt framför personen", True),
                    ("Gå nära, så att personen lugnar sig", False),
                    ("Ställ dig rakt framför personen och se hen i ögonen", False),
                ],
            ),
            (
                "Vad innebär lågaffektivt bemötande?",
                "hotsituation",
                "Tillämpa lågaffektivt bemötande – alltså var Lugn, Lyssna, Försök förklara, "
                "Fråga och återkoppla, Ge alternativ, Avbryt om det känns fel eller om du inte "
                "når fram.",
                [
                    ("Lugn, Lyssna, Försök förklara, Fråga och återkoppla, Ge alternativ", True),
                    ("Höj rösten, så att personen förstår att du menar allvar", False),
                    ("Säg emot tills personen ger sig", False),
                ],
            ),
            (
                "Det känns fel och du når inte fram. Vad gör du?",
                "hotsituation",
                "Avbryt om det känns fel eller om du inte når fram. Ta dig ur situationen genom "
                "att lämna platsen och eller ta hjälp av personer i omgivningen. Vid behov ropa "
                "och eller hämta hjälp av andra på platsen.",
                [
                    ("Avbryt", True),
                    ("Ta dig ur situationen genom att lämna platsen", True),
                    ("Ta hjälp av personer i omgivningen", True),
                    ("Stanna kvar tills ni är överens", False),
                ],
            ),
            (
                "Det händer i regionens lokaler. Vem larmar du?",
                "hotsituation",
                "Om du är i regionens lokaler larma vaktbolag **[[securitas]]** samt vid behov "
                "polis **[[112]]**. Om du är på annan plats larma vid behov polis **[[112]]**.",
                [
                    ("Vaktbolag", True),
                    ("Vid behov polis", True),
                    ("Ingen: det väcker bara uppmärksamhet", False),
                    ("Bara ditt parti", False),
                ],
            ),
            (
                "Vaktbolag eller polis är på väg. Vad mer gör du?",
                "hotsituation",
                "Be någon möta upp vaktbolag och eller polis, så att de snabbt hittar rätt.",
                [
                    ("Be någon möta upp vaktbolag och eller polis", True),
                    ("Avbeställ larmet om personen verkar lugnare", False),
                    ("Ingenting: de hittar själva", False),
                ],
            ),
        ],
    },
    {
        "slug": "brev-mejl-sms",
        "title": "Hot i brev, mejl och sms",
        "order": 70,
        "intro": (
            "Ett hot kan komma i ett brev, ett mejl eller ett sms, och ett brev kan innehålla "
            "något farligt. Det du gör kan skydda dig och andra, och det du sparar kan bli "
            "bevis. Är det akut: ring **[[112]]**."
        ),
        "sections": ["hot-mot-dig"],
        "questions": [
            (
                "Vad är du observant på när du får ett brev?",
                "hot-mot-dig",
                "Var observant på konstiga former, ljud, lukt.",
                [
                    ("Konstiga former, ljud, lukt", True),
                    ("Bara vem avsändaren är", False),
                    ("Om frimärket sitter rätt", False),
                ],
            ),
            (
                "Ett brev verkar konstigt. Hur hanterar du det?",
                "hot-mot-dig",
                "Ta så lite som möjligt på kuvert och papper, använd handskar.",
                [
                    ("Ta så lite som möjligt på kuvert och papper", True),
                    ("Använd handskar", True),
                    ("Skaka kuvertet för att höra vad det innehåller", False),
                    ("Lukta på innehållet", False),
                ],
            ),
            (
                "Du misstänker att ett brev innehåller ett farligt föremål. Vad gör du?",
                "hot-mot-dig",
                "Vid misstanke om farligt föremål lämna brevet och stäng dörr till aktuellt rum, "
                "om möjligt stäng av ventilationen, larma **[[112]]**.",
                [
                    ("Lämna brevet och stäng dörr till aktuellt rum", True),
                    ("Om möjligt stäng av ventilationen", True),
                    ("Larma 112", True),
                    ("Öppna brevet för att se vad det är", False),
                    ("Ta med brevet till närmaste polisstation", False),
                ],
            ),
            (
                "Du får ett hotfullt mejl eller sms. Vad gör du?",
                "hot-mot-dig",
                "Ta kopior eller fotografera, radera inget utan spara allt. Svara inte på "
                "meddelandet. Informera ditt parti samt polisanmäl händelsen och "
                "[rapportera till regionen](/rapportera/).",
                [
                    ("Radera inget utan spara allt", True),
                    ("Svara ej på meddelandet", True),
                    (
                        "Informera ditt parti samt polisanmäl händelsen och rapportera till "
                        "regionen",
                        True,
                    ),
                    ("Svara och be personen sluta", False),
                    ("Radera det, så att du slipper se det", False),
                ],
            ),
        ],
    },
    {
        "slug": "valdssituation",
        "title": "Vid en våldssituation",
        "order": 80,
        "intro": (
            "Om någon utsätts för våld: stoppa det om det går, ta er i säkerhet och larma. "
            "Polis och ambulans: **[[112]]**. I regionens lokaler: vaktbolaget "
            "**[[securitas]]**."
        ),
        "sections": ["valdssituation"],
        "questions": [
            (
                "Någon utsätts för våld där du är. Vad gör ni?",
                "valdssituation",
                "Om möjligt försök stoppa / avbryta våldet (använd nödvärn). Ta er till en säker "
                "plats och lås dörrarna till lokalen.",
                [
                    ("Om möjligt försök stoppa / avbryta våldet (använd nödvärn)", True),
                    ("Ta er till en säker plats", True),
                    ("Lås dörrarna till lokalen", True),
                    ("Filma händelsen och lägg ut den", False),
                    ("Vänta med att larma tills det är över", False),
                ],
            ),
            (
                "Vilka larmar du?",
                "valdssituation",
                "Larma kollegor, polis **[[112]]**, ambulans **[[112]]** samt vaktbolaget "
                "**[[securitas]]** vid behov.",
                [
                    ("Kollegor", True),
                    ("Polis", True),
                    ("Ambulans", True),
                    ("Vaktbolaget", True),
                    ("Ingen, innan du har pratat med ditt parti", False),
                    ("Lokala medier", False),
                ],
            ),
            (
                "Våldet har upphört. Vad gör ni sedan?",
                "valdssituation",
                "Ta hand om de drabbade personerna, och se till att någon möter upp polis och "
                "eller vaktbolag / ambulans.",
                [
                    ("Ta hand om de drabbade personerna", True),
                    ("Se till att någon möter upp polis och eller vaktbolag / ambulans", True),
                    ("Låt alla gå hem direkt", False),
                    ("Städa undan, så att lokalen kan användas igen", False),
                ],
            ),
        ],
    },
    {
        "slug": "pdv",
        "title": "Pågående dödligt våld (PDV)",
        "order": 90,
        "intro": (
            "PDV är pågående dödligt våld eller terrordåd. Risken att drabbas är liten men det "
            "är ändå viktigt att vara förberedd. Handlingsplanen säger det i fyra ord: **fly**, "
            "**sök skydd**, **larma**, **polis**."
        ),
        "sections": ["pdv"],
        "questions": [
            (
                "Du är i en lokal som är okänd för dig. Vad är viktigt att ha koll på?",
                "pdv",
                "När du är i lokaler eller på platser som är okända för dig är det viktigt att ha "
                "koll på hur du kan fly eller söka skydd.",
                [
                    ("Hur du kan fly eller söka skydd", True),
                    ("Var närmaste kafé ligger", False),
                    ("Ingenting särskilt: risken är liten", False),
                ],
            ),
            (
                "Det pågår dödligt våld och du kan fly. Hur långt bort ska du ta dig?",
                "pdv",
                "Kan du fly ska du göra det: här gäller det att komma minst 500 m från händelsen.",
                [
                    ("Minst 500 m från händelsen", True),
                    ("Ut ur rummet räcker", False),
                    ("Till parkeringen utanför", False),
                ],
            ),
            (
                "Du kan inte fly. Hur söker du skydd?",
                "pdv",
                "Kan du inte fly måste du söka skydd: välj ett rum där dörr och vägg är solid och "
                "går att låsa, sätt dig nära golvet och var tyst, släck ner belysning, avvakta "
                "tills polis säger att det är lugnt.",
                [
                    ("Välj ett rum där dörr och vägg är solid och går att låsa", True),
                    ("Sätt dig nära golvet och var tyst", True),
                    ("Släck ner belysning", True),
                    ("Gå ut och se efter när det har blivit tyst", False),
                    ("Ställ dig vid fönstret för att se vad som händer", False),
                ],
            ),
            (
                "Du larmar. Vad tänker du på?",
                "pdv",
                "Ring **[[112]]** men tänk på att prata tyst. Ring inga andra samtal, då det "
                "överbelastar telefonnätet, och sätt telefonen i flygplansläge.",
                [
                    ("Ring 112 men tänk på att prata tyst", True),
                    ("Ring inga andra samtal", True),
                    ("Ring alla du känner och varna dem", False),
                ],
            ),
            (
                "Polisen kommer. Hur gör du?",
                "pdv",
                "Lyssna på vad polisen säger. De kommer se alla som potentiella gärningsmän, gör "
                "därför inga hastiga rörelser, visa händerna.",
                [
                    ("Lyssna på vad polisen säger", True),
                    ("Inga hastiga rörelser", True),
                    ("Visa händerna", True),
                    ("Spring fram till polisen och berätta vad du har sett", False),
                ],
            ),
        ],
    },
    {
        "slug": "direkt-efter",
        "title": "Direkt efter en händelse",
        "order": 100,
        "intro": (
            "När det akuta är över: ta hand om varandra, informera dem som behöver veta och "
            "låt kontakterna med media skötas av dem som ska sköta dem. Vid allvarlig "
            "händelse informerar du regionens Tjänsteman i Beredskap (TiB), via regionens "
            "växel **[[tib]]**."
        ),
        "sections": ["direkt", "uppfoljning"],
        "questions": [
            (
                "Vad ger ni direkt alla inblandade?",
                "direkt",
                "Fysisk och psykologisk första hjälpen till alla inblandade.",
                [
                    ("Fysisk och psykologisk första hjälpen", True),
                    ("Ingenting, förrän polisen har varit där", False),
                    ("Ett pressmeddelande", False),
                ],
            ),
            (
                "Ni sätter er ner och pratar igenom händelsen. Vad utgår ni från?",
                "direkt",
                "Spontant samtal: sätt er ner och prata igenom händelsen, låt den drabbade prata "
                "om hen vill. Utgå från *Håll i, Håll om, Håll tyst*.",
                [
                    ("Håll i, Håll om, Håll tyst", True),
                    ("Vem som bär skulden", False),
                    ("Vad ni ska säga till media", False),
                ],
            ),
            (
                "Hur tar ni hand om den som drabbats?",
                "direkt",
                "Hjälp den drabbade med att kontakta dennes anhörig och informera om händelsen. "
                "Se även till att den drabbade inte lämnas själv.",
                [
                    ("Hjälp den drabbade med att kontakta dennes anhörig", True),
                    ("Se även till att den drabbade inte lämnas själv", True),
                    ("Låt den drabbade åka hem ensam och vila", False),
                ],
            ),
            (
                "Det som hänt är allvarligt. Vem i regionen informerar du?",
                "direkt",
                "Vid allvarlig händelse informera regionens Tjänsteman i Beredskap (TiB), nås via "
                "regionens växel **[[tib]]**.",
                [
                    ("Regionens Tjänsteman i Beredskap (TiB)", True),
                    ("Ingen, förrän vid nästa fullmäktigemöte", False),
                    ("Regionens växel, men bara om du blivit skadad", False),
                ],
            ),
            (
                "Journalister hör av sig om händelsen. Vem sköter kontakten med media?",
                "direkt",
                "Om händelsen kan föranleda medias intresse sköts detta via regionens "
                "kommunikationsenhet (informeras via TiB) och eller partiets "
                "kommunikationsenhet.",
                [
                    ("Regionens kommunikationsenhet (informeras via TiB)", True),
                    ("Partiets kommunikationsenhet", True),
                    ("Den drabbade själv, direkt på plats", False),
                    ("Den som var först på plats", False),
                ],
            ),
            (
                "Du mår väldigt dåligt av händelsen efteråt. Vad kan regionen ordna?",
                "uppfoljning",
                "Mår du väldigt dåligt av händelsen kan avlastande samtal ordnas via regionen. "
                "Säkerhetshandläggaren kan också bistå med uppföljning av händelsen.",
                [
                    ("Avlastande samtal", True),
                    ("Ingenting: det får du ordna själv", False),
                ],
            ),
        ],
    },
    {
        "slug": "polisanmalan-och-rapport",
        "title": "Polisanmälan och rapport till regionen",
        "order": 110,
        "intro": (
            "Hot, hat och våld ska både polisanmälas och rapporteras till regionen. Polisen "
            "utreder, men det kräver att händelsen polisanmäls. Regionen följer upp och kan "
            "stötta dig. [Rapportera händelse](/rapportera/) gör du här i portalen."
        ),
        "sections": ["polisanmalan", "rapport-till-regionen"],
        "questions": [
            (
                "Vilka händelser ska rapporteras till regionen?",
                "rapport-till-regionen",
                "Alla händelser med hot, hat och våld SKALL rapporteras till regionen, via "
                "samverkanswebben: [Rapportera händelse](/rapportera/).",
                [
                    ("Alla händelser med hot, hat och våld", True),
                    ("Bara de som polisen utreder", False),
                    ("Bara våld, inte hot", False),
                ],
            ),
            (
                "Hur rapporterar du till regionen?",
                "rapport-till-regionen",
                "Rapporten görs via samverkanswebben, här i portalen: "
                "[Rapportera händelse](/rapportera/). Det gäller även när du har polisanmält.",
                [
                    ("Via samverkanswebben", True),
                    ("Det behövs inte om du har polisanmält", False),
                    ("Med ett brev till fullmäktige", False),
                ],
            ),
            (
                "Vilka händelser ska polisanmälas?",
                "polisanmalan",
                "Upplevelsen av vad som är hot, hat och våld varierar från person till person. "
                "Grunden är att händelser som skapar fruktan ska anmälas; det är sedan polisens "
                "uppgift att utreda om händelsen uppfyller lagens krav.",
                [
                    ("Händelser som skapar fruktan", True),
                    ("Bara det du är säker på är ett brott", False),
                    ("Bara om du har blivit skadad", False),
                ],
            ),
            (
                "Vad kan du begära när du polisanmäler?",
                "polisanmalan",
                "Vid anmälan kan man begära att den ska bli *åtkomstskyddad*.",
                [
                    ("Att den ska bli åtkomstskyddad", True),
                    ("Att polisen inte utreder den", False),
                    ("Att den publiceras", False),
                ],
            ),
            (
                "Vad innebär det att en polisanmälan är åtkomstskyddad?",
                "polisanmalan",
                "Det innebär att den är sekretessbelagd under utredningen. Det upphör dock om "
                "anmälan leder till åtal.",
                [
                    ("Den är sekretessbelagd under utredningen", True),
                    ("Den är hemlig för alltid", False),
                    ("Polisen får inte utreda den", False),
                ],
            ),
            (
                "Du är osäker på om du ska polisanmäla. Vem kontaktar du?",
                "polisanmalan",
                "Vid osäkerhet kontakta säkerhetshandläggaren, [[sakerhetshandlaggare.person]], "
                "[[sakerhetshandlaggare]]. Är det akut ring **[[112]]**, är det ett lugnare "
                "skede ring **[[polisen]]**.",
                [
                    ("Säkerhetshandläggare", True),
                    ("Den som hotade dig", False),
                    ("Ingen: låt bli att anmäla", False),
                ],
            ),
        ],
    },
]


def load(apps, schema_editor):
    TrainingModule = apps.get_model("training", "TrainingModule")  # noqa: N806
    Section = apps.get_model("guidance", "Section")  # noqa: N806
    for slug, first, new in REORDER:
        TrainingModule.objects.filter(slug=slug, order=first).update(order=new)
    for spec in MODULES:
        module, created = TrainingModule.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "intro": spec["intro"],
                "order": spec["order"],
                "status": "publicerad",
            },
        )
        if not created:
            continue  # already there: what the security officer has written stays
        module.sections.set(Section.objects.filter(slug__in=spec["sections"]))
        for number, (text, cited, explanation, choices) in enumerate(spec["questions"], 1):
            question = module.questions.create(
                text=text,
                explanation=explanation,
                order=number * 10,
                section=Section.objects.filter(slug=cited).first(),
            )
            for choice, is_correct in choices:
                question.choices.create(text=choice, is_correct=is_correct)


def unload(apps, schema_editor):
    TrainingModule = apps.get_model("training", "TrainingModule")  # noqa: N806
    TrainingModule.objects.filter(
        slug__in=[spec["slug"] for spec in MODULES], completions__isnull=True
    ).delete()
    for slug, first, new in REORDER:
        TrainingModule.objects.filter(slug=slug, order=new).update(order=first)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0008_questions_cite_the_plan"),
        ("guidance", "0004_security_officers_permissions"),
    ]
    operations = [migrations.RunPython(load, unload)]
