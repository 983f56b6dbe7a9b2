"""Sentence pools for the demo reviews, written for this project (no third-party text).

Reviews are composed from these pools by ``klantstem.demo.site``: an optional opener,
one to three sentences about one or two topics, an optional closer. Pools are split by
tone so that the rating matches what the text says. ``{merk}`` is the brand's name and
``{naam}`` the reviewer's first name (only in replies).
"""

from __future__ import annotations

from typing import Literal

Tone = Literal["pos", "neu", "neg"]
TONES: tuple[Tone, ...] = ("pos", "neu", "neg")

TOPIC_SENTENCES: dict[str, dict[Tone, tuple[str, ...]]] = {
    "bestellen": {
        "pos": (
            "Bestellen ging supersnel, binnen twee minuten was ik klaar.",
            "De website is overzichtelijk en je vindt meteen wat je zoekt.",
            "Afrekenen met iDEAL werkte in één keer.",
            "Fijn dat je op de productpagina direct ziet wanneer het geleverd wordt.",
            "De zoekfunctie op de site werkt echt goed, ook bij tikfouten.",
            "Ik kreeg direct een orderbevestiging in mijn mail.",
            "Bestellen als gast kon gewoon, zonder dat ik een account hoefde aan te maken.",
        ),
        "neu": (
            "De website doet wat hij moet doen, al is het filteren wat omslachtig.",
            "Bestellen ging prima, alleen moest ik mijn adres twee keer invullen.",
            "De orderbevestiging kwam pas na een uur binnen.",
            "Het duurde even voordat ik de juiste maat had gevonden op de site.",
            "Afrekenen werkt, maar ik mis de optie om achteraf te betalen.",
            "De productfoto's mogen wel wat groter.",
        ),
        "neg": (
            "De website liep vast bij het afrekenen en ik moest alles opnieuw invullen.",
            "Mijn kortingscode werd niet geaccepteerd, terwijl hij nog geldig was.",
            "Na het betalen kreeg ik een foutmelding en geen bevestiging.",
            "Op de site stond het product op voorraad, een dag later kreeg ik een mail dat het uitverkocht was.",
            "Er is twee keer afgeschreven voor één bestelling.",
            "De site is traag en de pagina's laden maar half.",
        ),
    },
    "bezorging": {
        "pos": (
            "Vandaag besteld, morgen in huis, precies zoals beloofd.",
            "De bezorger was vriendelijk en belde netjes aan.",
            "Het pakket was stevig ingepakt en kwam helemaal heel aan.",
            "Via track & trace kon ik precies zien wanneer het pakket zou komen.",
            "Ik kon zelf een tijdvak kiezen en de bezorging was keurig op tijd.",
            "Het pakket werd zelfs op zaterdag bezorgd, top.",
            "Fijn dat je kunt kiezen voor afhalen bij een pakketpunt om de hoek.",
        ),
        "neu": (
            "De levering duurde een dag langer dan aangegeven, maar het kwam wel aan.",
            "Het pakket werd bij de buren afgegeven, wat op zich prima was.",
            "De doos was veel te groot voor zo'n klein artikel.",
            "Het tijdvak voor de bezorging was erg ruim, van negen tot negen.",
            "De track & trace werd pas laat bijgewerkt.",
            "De bezorging was oké, niets bijzonders.",
        ),
        "neg": (
            "Mijn pakket is na een week nog steeds niet bezorgd.",
            "Volgens de track & trace is het bezorgd, maar ik heb niets ontvangen.",
            "De bezorger heeft het pakket zomaar bij de voordeur neergegooid terwijl het regende.",
            "Drie keer een nieuwe bezorgdatum gekregen en nog steeds geen pakket.",
            "Het pakket kwam beschadigd aan, de doos was helemaal ingedeukt.",
            "Ik ben de hele dag thuisgebleven en er is niemand langs geweest.",
            "De bezorger heeft niet eens aangebeld en meteen een briefje achtergelaten.",
            "Mijn bestelling is kwijtgeraakt in het sorteercentrum en niemand weet waar hij is.",
        ),
    },
    "retour": {
        "pos": (
            "Retourneren was heel eenvoudig met het gratis retourlabel.",
            "Ik had mijn geld binnen drie dagen terug na het terugsturen.",
            "Terugsturen kon gewoon bij het pakketpunt om de hoek, zonder gedoe.",
            "Het retourformulier op de site is duidelijk en snel ingevuld.",
            "Ruilen voor een andere maat ging zonder problemen.",
            "Fijn dat je dertig dagen de tijd hebt om te retourneren.",
        ),
        "neu": (
            "Het retourneren ging goed, maar het terugbetalen duurde ruim twee weken.",
            "Je moet het retourlabel zelf printen, dat is onhandig zonder printer.",
            "De retour werd verwerkt, alleen kreeg ik daar geen bevestiging van.",
            "Retourkosten van bijna vijf euro vind ik aan de hoge kant.",
            "Het retourproces is duidelijk, al moest ik wel lang zoeken naar het formulier.",
        ),
        "neg": (
            "Mijn retour is al een maand onderweg en ik heb nog steeds geen geld terug.",
            "Ze beweren dat mijn retourpakket nooit is aangekomen, terwijl ik een verzendbewijs heb.",
            "Terugsturen kost ineens geld, dat stond nergens vermeld.",
            "Het retourlabel werkte niet en ik kreeg geen nieuwe.",
            "Er werd minder terugbetaald dan ik had betaald, zonder enige uitleg.",
            "Na het terugsturen hoorde ik niets meer, ook niet na drie mails.",
        ),
    },
    "klantenservice": {
        "pos": (
            "De klantenservice reageerde binnen een uur op mijn vraag.",
            "Een medewerker van de klantenservice heeft alles netjes voor me opgelost.",
            "Via de chat werd ik snel en vriendelijk geholpen.",
            "Ze belden zelfs terug om te controleren of alles goed was aangekomen.",
            "De klantenservice dacht echt met me mee en bood meteen een oplossing.",
            "Heel fijn dat je 's avonds ook nog iemand aan de telefoon krijgt.",
        ),
        "neu": (
            "De klantenservice was vriendelijk, maar kon me niet direct helpen.",
            "Het duurde twee dagen voordat ik antwoord op mijn mail kreeg.",
            "Aan de telefoon moest ik een kwartier wachten, daarna was het snel geregeld.",
            "De chatbot begreep mijn vraag niet, een echte medewerker wel.",
            "Ik kreeg eerst een standaardantwoord, maar na doorvragen werd het alsnog opgelost.",
        ),
        "neg": (
            "De klantenservice is onbereikbaar, ik hang al drie kwartier in de wacht.",
            "Op mijn mails krijg ik alleen automatische antwoorden.",
            "De medewerker was kortaf en hing gewoon op.",
            "Iedere keer als je belt krijg je een ander verhaal te horen.",
            "Er werd beloofd dat ik teruggebeld zou worden, maar dat is nooit gebeurd.",
            "De chat wordt na tien minuten gewoon afgesloten zonder antwoord.",
        ),
    },
    "prijs": {
        "pos": (
            "De prijzen zijn scherp, ik heb het nergens goedkoper gevonden.",
            "Verzending is gratis vanaf twintig euro, dat is mooi meegenomen.",
            "Met de actie had ik een flinke korting op mijn bestelling.",
            "Voor deze prijs krijg je echt waar voor je geld.",
            "Geen verborgen kosten bij het afrekenen, wat je ziet is wat je betaalt.",
        ),
        "neu": (
            "De prijzen zijn gemiddeld, niet goedkoper maar ook niet duurder dan elders.",
            "De verzendkosten hadden wel iets lager gekund.",
            "De korting was kleiner dan het in de advertentie leek.",
            "Redelijke prijs, al zijn de aanbiedingen niet altijd even duidelijk.",
        ),
        "neg": (
            "Bij het afrekenen kwamen er ineens servicekosten bij.",
            "Een week na mijn bestelling was hetzelfde product twintig euro goedkoper.",
            "Veel te duur voor wat je krijgt.",
            "De prijs op de site klopte niet met het bedrag dat werd afgeschreven.",
            "De verzendkosten zijn belachelijk hoog voor zo'n klein pakketje.",
        ),
    },
    "kwaliteit": {
        "pos": (
            "Het product is van prima kwaliteit en precies zoals beschreven.",
            "De kleur is in het echt nog mooier dan op de foto.",
            "Na een paar maanden gebruik werkt alles nog als nieuw.",
            "Goed afgewerkt en stevig, daar kan ik jaren mee vooruit.",
            "De maat klopte precies met de maattabel.",
        ),
        "neu": (
            "Het artikel is oké, maar voelt wat goedkoper aan dan verwacht.",
            "De kwaliteit is in orde voor de prijs.",
            "Het product doet wat het moet doen, meer ook niet.",
            "De kleur wijkt iets af van de foto's op de website.",
        ),
        "neg": (
            "Na twee keer gebruiken was het al kapot.",
            "Het product leek in niets op de foto's op de website.",
            "Er ontbraken onderdelen in de doos.",
            "Ik kreeg een ander artikel dan ik had besteld.",
            "De stof voelt goedkoop aan en de naden lieten meteen los.",
        ),
    },
    "app": {
        "pos": (
            "De app werkt snel en bestellen gaat met een paar tikken.",
            "Handig dat je in de app meteen een melding krijgt als je pakket onderweg is.",
            "In de app kun je je bestellingen en retouren goed volgen.",
            "De nieuwe versie van de app is een stuk overzichtelijker.",
        ),
        "neu": (
            "De app is prima, maar loopt af en toe vast bij het zoeken.",
            "Ik mis in de app de mogelijkheid om een retour aan te melden.",
            "De app werkt, al ziet hij er wat verouderd uit.",
            "Meldingen van de app komen soms pas uren later binnen.",
        ),
        "neg": (
            "Sinds de laatste update crasht de app bij het openen.",
            "Inloggen in de app lukt al dagen niet.",
            "De app laat een andere bezorgstatus zien dan de website.",
            "Mijn winkelmandje in de app raakt steeds leeg.",
        ),
    },
    "winkel": {
        "pos": (
            "In de winkel werd ik goed geholpen door een vriendelijke verkoper.",
            "Mijn online bestelling lag de volgende dag al klaar in de winkel.",
            "De winkel is netjes en overzichtelijk ingedeeld.",
            "Ruilen in de winkel kon zelfs zonder bon, heel klantvriendelijk.",
        ),
        "neu": (
            "In de winkel was het druk en er stond maar één kassa open.",
            "Niet alles wat online staat, is ook in de winkel te krijgen.",
            "Afhalen in de winkel ging goed, al moest ik even wachten.",
            "Het personeel in de winkel is aardig, maar weet niet alles van de producten.",
        ),
        "neg": (
            "In de winkel wilden ze mijn online bestelling niet ruilen.",
            "Mijn afhaalbestelling lag niet klaar, terwijl ik wel een bevestiging had gekregen.",
            "Het personeel in de winkel had totaal geen zin om te helpen.",
            "De winkel was om vier uur al dicht, terwijl online stond dat hij tot zes uur open was.",
        ),
    },
}

TOPICS: tuple[str, ...] = tuple(TOPIC_SENTENCES)

OPENERS: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Al jaren klant bij {merk} en nog nooit teleurgesteld.",
        "Voor het eerst iets besteld bij {merk} en meteen tevreden.",
        "Wat een fijne ervaring met {merk}.",
        "Ik bestel regelmatig bij {merk} en het gaat eigenlijk altijd goed.",
        "Een vriendin raadde {merk} aan en ze had gelijk.",
    ),
    "neu": (
        "Mijn ervaring met {merk} is wisselend.",
        "Dit was mijn tweede bestelling bij {merk}.",
        "Gemengde gevoelens over deze bestelling.",
        "Niet slecht, niet geweldig.",
    ),
    "neg": (
        "Nooit meer {merk}.",
        "Wat een teleurstelling, dit had ik niet verwacht van {merk}.",
        "Ik ben echt klaar met {merk}.",
        "Helaas een slechte ervaring gehad met {merk}.",
        "Ik schrijf zelden een review, maar dit moet ik even kwijt.",
    ),
}

CLOSERS: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Ik kom zeker terug!",
        "Een aanrader.",
        "Dikke vijf sterren van mij.",
        "Zo hoort het te gaan.",
        "Ga zo door!",
    ),
    "neu": (
        "Voor nu drie sterren.",
        "Er is nog ruimte voor verbetering.",
        "Misschien bestel ik nog eens, we zullen zien.",
        "Al met al een redelijke ervaring.",
    ),
    "neg": (
        "Ik raad iedereen aan om ergens anders te bestellen.",
        "Zonde van mijn tijd en geld.",
        "Ik heb inmiddels een klacht ingediend.",
        "Hopelijk leest iemand van {merk} dit.",
        "Zo ga je toch niet met klanten om?",
    ),
}

TITLES: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Top service",
        "Snel en goed geregeld",
        "Helemaal tevreden",
        "Prima webwinkel",
        "Aanrader!",
        "Keurig op tijd",
        "Fijne klantenservice",
        "Gewoon goed",
    ),
    "neu": (
        "Redelijk",
        "Kan beter",
        "Op zich prima",
        "Wisselende ervaring",
        "Gaat wel",
        "Niets bijzonders",
    ),
    "neg": (
        "Slechte ervaring",
        "Niet aan te raden",
        "Klantenservice onbereikbaar",
        "Teleurgesteld",
        "Waardeloos",
        "Nooit meer",
    ),
}

# The delivery disruption behind the demo's negative spike (Snelkoop, last three days).
SPIKE_SENTENCES: tuple[str, ...] = (
    "Mijn pakket staat al vier dagen op 'in sorteercentrum' en er gebeurt niets.",
    "Sinds het weekend is er geen enkele update meer in de track & trace.",
    "Volgens {merk} ligt de vertraging van mijn pakket bij de vervoerder, volgens de vervoerder bij {merk}.",
    "De bezorging was beloofd voor vandaag, maar is weer een dag uitgesteld.",
    "De bezorger is niet geweest, maar het pakket staat wel als 'niet thuis' gemeld.",
    "Ik lees hier dat veel mensen hetzelfde probleem hebben met de bezorging.",
    "Mijn pakket was een cadeau en wordt nu te laat bezorgd.",
    "Geen mail, geen uitleg, gewoon geen pakket.",
    "Over de bezorging zegt de klantenservice alleen dat het door de drukte komt.",
    "Dit is al de derde bestelling op rij die niet op tijd wordt bezorgd.",
)

SPIKE_TITLES: tuple[str, ...] = (
    "Waar blijft mijn pakket?",
    "Bezorging is een drama",
    "Al dagen geen pakket",
    "Weer niet bezorgd",
    "Vertraging zonder uitleg",
)

ENGLISH_SENTENCES: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Ordered on Monday and it arrived the next day.",
        "Customer service answered my question in English without any problem.",
        "Great prices and a very easy website.",
        "Returning an item was simple and the refund came quickly.",
    ),
    "neu": (
        "Delivery took a bit longer than promised.",
        "The website is only partly available in English.",
        "Decent shop, nothing special.",
    ),
    "neg": (
        "My parcel never arrived and nobody answers my emails.",
        "The courier left the package outside in the rain.",
        "Still waiting for my refund after three weeks.",
    ),
}

ENGLISH_TITLES: dict[Tone, tuple[str, ...]] = {
    "pos": ("Great service", "Quick delivery"),
    "neu": ("Okay", "Average experience"),
    "neg": ("Parcel never arrived", "Very disappointed"),
}

REPLIES: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Dank je wel voor je mooie review, {naam}! Tot de volgende bestelling.",
        "Wat leuk om te lezen, {naam}! We geven je compliment door aan het team.",
    ),
    "neu": (
        "Hoi {naam}, bedankt voor je feedback! We nemen je tips mee om onze service te verbeteren.",
        "Beste {naam}, dank voor je eerlijke review. Laat het ons gerust weten als we iets voor je kunnen doen.",
    ),
    "neg": (
        "Beste {naam}, wat vervelend dat het niet goed is gegaan. We hebben je een mail gestuurd om dit zo snel "
        "mogelijk op te lossen. Groet, team {merk}",
        "Hoi {naam}, dit is niet de ervaring die we je willen geven. Wil je je ordernummer naar onze "
        "klantenservice sturen? Dan zoeken we het direct voor je uit.",
        "Beste {naam}, bedankt voor je eerlijke review. We hebben op dit moment te maken met vertraging bij onze "
        "vervoerder en werken hard aan een oplossing. Excuses voor het ongemak.",
    ),
}

FIRST_NAMES: tuple[str, ...] = (
    "Anouk",
    "Bram",
    "Chantal",
    "Daan",
    "Eva",
    "Femke",
    "Gerrit",
    "Hanneke",
    "Iris",
    "Jeroen",
    "Kees",
    "Lotte",
    "Marieke",
    "Niels",
    "Olga",
    "Pieter",
    "Ruben",
    "Sanne",
    "Thijs",
    "Ursula",
    "Vincent",
    "Wendy",
    "Yvonne",
    "Zeynep",
    "Mohamed",
    "Fatima",
    "Joost",
    "Ilse",
    "Tom",
    "Nienke",
)

LAST_NAMES: tuple[str, ...] = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "van Dam",
)
