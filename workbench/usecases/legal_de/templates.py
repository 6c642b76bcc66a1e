"""Template bank for the generated German clause data set (pure data, no logic).

The generator in :mod:`workbench.usecases.legal_de.data` turns these templates into labelled
clauses. Everything here is plain Python data so that the dataset card can describe it and a
reviewer can read it like a contract.

Template syntax (expanded by :func:`workbench.usecases.legal_de.data.expand`):

* ``[a|b|c]`` picks one alternative at random; alternatives may be empty (``[sofort|]``) and may
  nest (innermost brackets are expanded first).
* ``{slot}`` is replaced by a slot filler. ``{A}``/``{B}`` are the two contract parties in the
  nominative; ``{A_gen}``, ``{A_dat}``, ``{A_acc}`` are the other cases (weak nouns such as
  "Kunde" decline to "Kunden"). ``{law_liability}``, ``{law_termination}`` ... cite a real norm
  that fits a clause type, drawn from :data:`workbench.usecases.legal_de.norms.MENTION_NORMS`
  (never invent a citation here: the norm table is the only source of "§ ... BGB" and
  "Art. ... DSGVO"). The remaining slots are listed in :data:`SLOTS`.

Each class has six *families*: groups of templates that share wording. The split is by family
(four for training, one for validation, one for test), so the test set contains only wording
that the models never saw during training. Families marked ``statute`` are written in the
style of German statutes (BGB, ZPO, DSGVO, GeschGehG); the generator cites each with the norm it
paraphrases (:data:`workbench.usecases.legal_de.norms.STATUTE_SOURCES`).

German text keeps its umlauts and ß everywhere, family names included ("höchstbetrag", not
"hoechstbetrag"): a test rejects transliterations in the generated set.

Distractor vocabulary is deliberate: Vergütung clauses talk about "Kündigung", Laufzeit clauses
about "gekündigt", Vertraulichkeit clauses about "Daten" and "Vertragsstrafe", Gewährleistung
clauses about "Schadensersatz", so that single keywords do not give the label away.
"""

from __future__ import annotations

# The eight clause types. Order fixes the label ids of the generated data set.
LABELS: tuple[str, ...] = (
    "Haftung",
    "Kündigung",
    "Gewährleistung",
    "Datenschutz",
    "Gerichtsstand",
    "Vergütung",
    "Vertraulichkeit",
    "Laufzeit",
)

# (nominative, genitive, dative, accusative) of the party nouns; all masculine.
PARTY_FORMS: dict[str, tuple[str, str, str, str]] = {
    "Auftragnehmer": ("Auftragnehmer", "Auftragnehmers", "Auftragnehmer", "Auftragnehmer"),
    "Auftraggeber": ("Auftraggeber", "Auftraggebers", "Auftraggeber", "Auftraggeber"),
    "Lieferant": ("Lieferant", "Lieferanten", "Lieferanten", "Lieferanten"),
    "Kunde": ("Kunde", "Kunden", "Kunden", "Kunden"),
    "Anbieter": ("Anbieter", "Anbieters", "Anbieter", "Anbieter"),
    "Verkäufer": ("Verkäufer", "Verkäufers", "Verkäufer", "Verkäufer"),
    "Käufer": ("Käufer", "Käufers", "Käufer", "Käufer"),
    "Vermieter": ("Vermieter", "Vermieters", "Vermieter", "Vermieter"),
    "Mieter": ("Mieter", "Mieters", "Mieter", "Mieter"),
    "Lizenzgeber": ("Lizenzgeber", "Lizenzgebers", "Lizenzgeber", "Lizenzgeber"),
    "Lizenznehmer": ("Lizenznehmer", "Lizenznehmers", "Lizenznehmer", "Lizenznehmer"),
    "Dienstleister": ("Dienstleister", "Dienstleisters", "Dienstleister", "Dienstleister"),
    "Hersteller": ("Hersteller", "Herstellers", "Hersteller", "Hersteller"),
    "Abnehmer": ("Abnehmer", "Abnehmers", "Abnehmer", "Abnehmer"),
}

# (provider A, customer B) pairs; the generator sometimes swaps them.
PARTY_PAIRS: tuple[tuple[str, str], ...] = (
    ("Auftragnehmer", "Auftraggeber"),
    ("Lieferant", "Kunde"),
    ("Anbieter", "Kunde"),
    ("Verkäufer", "Käufer"),
    ("Vermieter", "Mieter"),
    ("Lizenzgeber", "Lizenznehmer"),
    ("Dienstleister", "Auftraggeber"),
    ("Hersteller", "Abnehmer"),
)

SLOTS: dict[str, tuple[str, ...]] = {
    # dative after "mit einer Frist von", "innerhalb von"
    "period": ("drei Monaten", "sechs Monaten", "einem Monat", "vier Wochen", "sechs Wochen",
               "zwei Monaten", "zwölf Monaten", "30 Tagen"),
    "years": ("einem Jahr", "zwei Jahren", "drei Jahren", "24 Monaten", "zwölf Monaten",
              "fünf Jahren", "36 Monaten"),
    "days": ("14 Tagen", "30 Tagen", "zehn Werktagen", "acht Tagen", "zwei Wochen", "60 Tagen",
             "fünf Arbeitstagen"),
    "amount": ("10.000 Euro", "EUR 25.000,00", "50.000 EUR", "250.000 Euro", "1 Mio. Euro",
               "5.000,00 €", "EUR 120.000", "15.500 Euro", "dem Auftragswert",
               "der Höhe der jährlichen Vergütung"),
    "pct": ("2 %", "3 %", "5 Prozent", "10 %", "1,5 %", "drei Prozent"),
    "city": ("München", "Hamburg", "Frankfurt am Main", "Stuttgart", "Köln", "Düsseldorf", "Berlin",
             "Nürnberg", "Leipzig", "Hannover", "Mannheim", "Dresden", "Bremen", "Essen"),
    "date": ("31. Dezember 2026", "30. Juni 2027", "1. Januar 2026", "31.03.2028", "30.09.2026",
             "Ende des dritten Vertragsjahres"),
    "product": ("Ware", "Software", "Anlage", "Maschine", "Lieferung", "Werkleistung", "Hardware",
                "Sache"),
    "ref": ("§ 12", "§ 8 Abs. 3", "Ziffer 9.2", "Anlage 3", "§ 14 dieses Vertrages", "Ziffer 4",
            "§ 5 Abs. 1 Satz 2", "Abschnitt 7", "der Leistungsbeschreibung (Anlage 1)"),
    "info": ("Informationen", "Unterlagen", "Kenntnisse", "Daten und Unterlagen",
             "Geschäftsunterlagen", "Know-how"),
}

# label -> list of (family name, style, templates)
FAMILIES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "Haftung": [
        ("vorsatz", "contract", (
            "Der {A} haftet [unbeschränkt|uneingeschränkt|nach den gesetzlichen Vorschriften] für Schäden, die auf Vorsatz oder grober Fahrlässigkeit [beruhen|zurückzuführen sind].",
            "Für [leicht|einfach] fahrlässig verursachte Schäden haftet der {A} nur bei Verletzung einer wesentlichen Vertragspflicht[ (Kardinalpflicht)|].",
            "[Im Übrigen|Darüber hinaus] ist die Haftung des {A_gen} [ausgeschlossen|auf den vertragstypischen, vorhersehbaren Schaden begrenzt].",
        )),
        ("höchstbetrag", "contract", (
            "Die Haftung [des {A_gen}|der Parteien|beider Vertragspartner] ist [je Schadensfall|pro Vertragsjahr|insgesamt] auf {amount} [begrenzt|beschränkt].",
            "Eine weitergehende Haftung für mittelbare Schäden, Folgeschäden und entgangenen Gewinn ist [ausgeschlossen|nicht gegeben].",
            "Der Höchstbetrag nach Satz 1 gilt nicht bei Vorsatz[ und grober Fahrlässigkeit|].",
        )),
        ("verschulden_gesetz", "statute", (
            "Der Schuldner hat Vorsatz und Fahrlässigkeit zu vertreten, wenn eine strengere oder mildere Haftung weder bestimmt noch aus dem sonstigen Inhalt des Schuldverhältnisses zu entnehmen ist.",
            "Wer vorsätzlich oder fahrlässig das Leben, den Körper, die Gesundheit, die Freiheit, das Eigentum oder ein sonstiges Recht eines anderen widerrechtlich verletzt, ist dem anderen zum Ersatz des daraus entstehenden Schadens verpflichtet.",
            "Die Haftung wegen Vorsatzes kann dem Schuldner nicht im Voraus erlassen werden.",
        )),
        ("personenschaden", "contract", (
            "Die vorstehenden Haftungsbeschränkungen gelten nicht bei [Verletzung|schuldhafter Verletzung] des Lebens, des Körpers oder der Gesundheit[ sowie für Ansprüche nach dem Produkthaftungsgesetz|].",
            "Unberührt bleibt die Haftung des {A_gen} für [die Übernahme einer Garantie|arglistig verschwiegene Umstände|zwingende gesetzliche Tatbestände].",
        )),
        ("freistellung", "contract", (
            "Der {A} stellt den {B_acc} von sämtlichen Ansprüchen Dritter frei, die aus einer schuldhaften Pflichtverletzung des {A_gen} [entstehen|resultieren|hergeleitet werden].",
            "Die Freistellung umfasst auch die angemessenen Kosten der Rechtsverteidigung[, sofern der {B} den {A_acc} unverzüglich unterrichtet|].",
            "Der {B} wird den {A_acc} über geltend gemachte Ansprüche Dritter [unverzüglich|ohne schuldhaftes Zögern] informieren und ihm die Abwehr überlassen.",
        )),
        ("gehilfen_datenverlust", "contract", (
            "Der {A} haftet für das Verschulden seiner [Erfüllungsgehilfen|gesetzlichen Vertreter und Erfüllungsgehilfen|Mitarbeiter und Subunternehmer] in gleichem Umfang wie für eigenes Verschulden.",
            "Für den Verlust von Daten haftet der {A} nur [in Höhe des Aufwands|insoweit], der bei ordnungsgemäßer Datensicherung durch den {B_acc} zur Wiederherstellung erforderlich gewesen wäre.",
            "Ansprüche auf Schadensersatz [verjähren|verjähren abweichend von den gesetzlichen Vorschriften] in {years}, es sei denn, der Schaden beruht auf Vorsatz.",
        )),
    ],
    "Kündigung": [
        ("ordentlich", "contract", (
            "Der Vertrag kann von [jeder Partei|beiden Parteien|jeder Vertragspartei] mit einer Frist von {period} zum [Monatsende|Quartalsende|Ende eines Kalenderjahres|Ende eines Kalendermonats] [ordentlich |]gekündigt werden.",
            "Die [ordentliche |]Kündigung [ist|kann] [erstmals|frühestens] zum {date} [zulässig|erklärt werden|möglich].",
            "Maßgeblich für die Rechtzeitigkeit der Kündigung ist der Zugang beim anderen Teil.",
        )),
        ("wichtiger_grund", "contract", (
            "Das Recht [jeder Partei |]zur [außerordentlichen|fristlosen] Kündigung aus wichtigem Grund bleibt unberührt.",
            "Ein wichtiger Grund liegt insbesondere vor, wenn der {B} mit der Zahlung [von zwei aufeinanderfolgenden Monatsraten|eines nicht unerheblichen Teils der Vergütung] in Verzug ist.",
            "Der {A} kann [den Vertrag |]außerordentlich kündigen, wenn der {B} trotz Abmahnung wiederholt gegen wesentliche Vertragspflichten verstößt.",
        )),
        ("form", "contract", (
            "Jede Kündigung bedarf zu ihrer Wirksamkeit der Schriftform[; eine Kündigung per E-Mail [genügt nicht|ist ausgeschlossen]|].",
            "Die Kündigung ist [schriftlich|per Einschreiben|in Textform] gegenüber [der Geschäftsführung|dem Vertragspartner|der im Vertrag benannten Stelle] zu erklären.",
            "Eine Kündigung durch [Telefax|mündliche Erklärung|SMS] ist unwirksam.",
        )),
        ("gesetz_dauerschuld", "statute", (
            "Jeder Vertragsteil kann das Dauerschuldverhältnis aus wichtigem Grund ohne Einhaltung einer Kündigungsfrist kündigen.",
            "Die Kündigung ist spätestens am dritten Werktag eines Kalendermonats zum Ablauf des übernächsten Monats zulässig.",
            "Der Berechtigte kann nur innerhalb einer angemessenen Frist kündigen, nachdem er vom Kündigungsgrund Kenntnis erlangt hat.",
        )),
        ("insolvenz", "contract", (
            "Der {A} ist berechtigt, den Vertrag fristlos zu kündigen, wenn über das Vermögen des {B_gen} das Insolvenzverfahren eröffnet [oder die Eröffnung mangels Masse abgelehnt |]wird.",
            "Gleiches gilt, wenn [ein Kontrollwechsel beim {B_dat} eintritt|der {B} seine Zahlungen einstellt|eine wesentliche Verschlechterung der Vermögensverhältnisse des {B_gen} eintritt].",
            "In diesem Fall ist der {A} zur [sofortigen |]Beendigung des Vertragsverhältnisses durch Kündigung berechtigt.",
        )),
        ("abmahnung", "contract", (
            "Vor einer Kündigung wegen einer Pflichtverletzung hat der kündigende Teil dem anderen [eine angemessene Frist zur Abhilfe zu setzen|eine Frist von {days} zur Abhilfe zu setzen] oder ihn abzumahnen.",
            "Einer Abmahnung bedarf es nicht, wenn [diese offensichtlich keinen Erfolg verspricht|besondere Umstände die sofortige Kündigung rechtfertigen].",
            "Die Kündigung ist zu begründen[; der Kündigungsgrund ist auf Verlangen schriftlich mitzuteilen|].",
        )),
    ],
    "Gewährleistung": [
        ("frist", "contract", (
            "Die Gewährleistungsfrist beträgt {years} [ab Gefahrübergang|ab Abnahme|ab Ablieferung|ab Übergabe].",
            "Mängelansprüche verjähren in {years}[ nach Ablieferung der {product}| ab Abnahme|].",
            "Für Ersatzteile und Nachbesserungsarbeiten beginnt die [Gewährleistungsfrist|Verjährungsfrist für Mängelansprüche] nicht neu.",
        )),
        ("rüge", "contract", (
            "Der {B} hat die gelieferte {product} unverzüglich nach Ablieferung zu untersuchen und erkennbare Mängel innerhalb von {days} schriftlich zu rügen.",
            "Versteckte Mängel sind [unverzüglich nach ihrer Entdeckung|innerhalb von {days} nach Entdeckung] anzuzeigen; andernfalls gilt die {product} als genehmigt.",
            "Unterlässt der {B} die rechtzeitige Mängelanzeige, [sind Mängelansprüche ausgeschlossen|gilt die Lieferung als mangelfrei].",
        )),
        ("nacherfüllung", "contract", (
            "Bei Mängeln ist der {A} [nach seiner Wahl |]zur Nachbesserung oder Ersatzlieferung (Nacherfüllung) [berechtigt|verpflichtet].",
            "Schlägt die Nacherfüllung [fehl|zweimal fehl|endgültig fehl], kann der {B} [vom Vertrag zurücktreten|die Vergütung angemessen mindern|nach Wahl zurücktreten oder mindern].",
            "Die zum Zweck der Nacherfüllung erforderlichen Aufwendungen, insbesondere Transport-, Wege-, Arbeits- und Materialkosten, trägt der {A}.",
        )),
        ("sachmangel_gesetz", "statute", (
            "Der Verkäufer hat dem Käufer die Sache frei von Sach- und Rechtsmängeln zu verschaffen.",
            "Die Sache ist frei von Sachmängeln, wenn sie bei Gefahrübergang die vereinbarte Beschaffenheit hat.",
            "Einem Sachmangel steht es gleich, wenn der Verkäufer eine andere Sache als die vertraglich geschuldete Sache liefert.",
        )),
        ("ausschluss", "contract", (
            "Die Gewährleistung [ist ausgeschlossen|entfällt] für Mängel, die auf unsachgemäße Bedienung, [natürlichen Verschleiß|übermäßige Beanspruchung|ungeeignete Betriebsmittel] oder eigenmächtige Änderungen durch den {B_acc} zurückzuführen sind.",
            "Ansprüche wegen Mängeln bestehen nicht bei nur unerheblicher Abweichung von der vereinbarten Beschaffenheit.",
            "[Gebrauchte Gegenstände|Vorführgeräte] werden unter Ausschluss jeder Gewährleistung verkauft[, soweit gesetzlich zulässig|].",
        )),
        ("softwarefehler", "contract", (
            "Ein Mangel der Software liegt nicht vor, wenn [der Fehler nicht reproduzierbar ist|die Abweichung von der Leistungsbeschreibung nur unerheblich ist].",
            "Der {A} wird [gemeldete|ordnungsgemäß gemeldete] Fehler der Software innerhalb angemessener Frist durch [Patches oder Updates|eine Umgehungslösung oder ein Update] beseitigen.",
            "Der {A} steht dafür ein, dass die Software [die in der Leistungsbeschreibung zugesicherten Funktionen aufweist|frei von Rechten Dritter ist].",
        )),
    ],
    "Datenschutz": [
        ("auftragsverarbeitung", "contract", (
            "Soweit der {A} im Auftrag des {B_gen} personenbezogene Daten verarbeitet, schließen die Parteien eine Vereinbarung zur Auftragsverarbeitung [gemäß|nach] Art. 28 DSGVO.",
            "Der {A} verarbeitet [personenbezogene Daten|die ihm überlassenen personenbezogenen Daten] ausschließlich [auf dokumentierte Weisung|nach Weisung] des {B_gen}.",
            "Der Einsatz von Unterauftragsverarbeitern bedarf der vorherigen [schriftlichen |]Zustimmung des {B_gen}.",
        )),
        ("tom", "contract", (
            "Der {A} trifft geeignete technische und organisatorische Maßnahmen, um ein dem Risiko angemessenes Schutzniveau zu gewährleisten[ (Art. 32 DSGVO)|].",
            "Hierzu gehören insbesondere [die Pseudonymisierung und Verschlüsselung personenbezogener Daten|Zugangs- und Zugriffskontrollen sowie Protokollierung].",
            "Der {A} überprüft die Wirksamkeit der [technischen und organisatorischen |]Maßnahmen [regelmäßig|mindestens jährlich] und dokumentiert das Ergebnis.",
        )),
        ("betroffenenrechte", "contract", (
            "Der {A} unterstützt den {B_acc} bei der Erfüllung der Rechte der betroffenen Personen auf Auskunft, Berichtigung[, Einschränkung der Verarbeitung|] und Löschung.",
            "Wendet sich eine betroffene Person unmittelbar an den {A_acc}, leitet er das Ersuchen [unverzüglich|innerhalb von {days}] an den {B_acc} weiter.",
        )),
        ("grundsätze_gesetz", "statute", (
            "Personenbezogene Daten müssen auf rechtmäßige Weise, nach Treu und Glauben und in einer für die betroffene Person nachvollziehbaren Weise verarbeitet werden.",
            "Die Verarbeitung ist nur rechtmäßig, wenn die betroffene Person ihre Einwilligung zu der Verarbeitung der sie betreffenden personenbezogenen Daten für einen oder mehrere bestimmte Zwecke gegeben hat.",
            "Personenbezogene Daten müssen dem Zweck angemessen und erheblich sowie auf das für die Zwecke der Verarbeitung notwendige Maß beschränkt sein.",
        )),
        ("meldung_verletzung", "contract", (
            "Verletzungen des Schutzes personenbezogener Daten meldet der {A} dem {B_dat} unverzüglich, spätestens jedoch innerhalb von [24|48] Stunden nach Kenntnis.",
            "Die Meldung enthält [eine Beschreibung der Art der Verletzung|die Kategorien und die ungefähre Zahl der betroffenen Personen] sowie die ergriffenen Maßnahmen.",
        )),
        ("löschung", "contract", (
            "Nach Beendigung des Vertrages [löscht|vernichtet] der {A} sämtliche personenbezogenen Daten des {B_gen}[ datenschutzgerecht|], sofern keine gesetzliche Aufbewahrungspflicht besteht.",
            "Die Löschung ist dem {B_dat} auf Verlangen [schriftlich zu bestätigen|in Textform nachzuweisen].",
            "Kopien oder Duplikate der personenbezogenen Daten werden ohne Wissen des {B_gen} nicht erstellt.",
        )),
    ],
    "Gerichtsstand": [
        ("ausschließlich", "contract", (
            "[Ausschließlicher|Alleiniger] Gerichtsstand für alle Streitigkeiten aus oder im Zusammenhang mit diesem Vertrag ist {city}.",
            "Für sämtliche Rechtsstreitigkeiten [aus diesem Vertragsverhältnis|aus dieser Vereinbarung] sind die Gerichte in {city} [ausschließlich |]zuständig.",
        )),
        ("rechtswahl", "contract", (
            "Es gilt [ausschließlich |]das Recht der Bundesrepublik Deutschland[ unter Ausschluss des UN-Kaufrechts (CISG)| unter Ausschluss der Kollisionsnormen|].",
            "Die Anwendung des Übereinkommens der Vereinten Nationen über Verträge über den internationalen Warenkauf ist ausgeschlossen.",
            "Auf diesen Vertrag findet deutsches Recht Anwendung[; Gerichtsstand ist {city}|].",
        )),
        ("wahlrecht_klage", "contract", (
            "Der {A} ist [jedoch |]berechtigt, den {B_acc} auch an dessen allgemeinem Gerichtsstand zu verklagen.",
            "Gerichtsstand ist der Sitz des {A_gen}[ in {city}|], sofern der {B} Kaufmann, juristische Person des öffentlichen Rechts oder öffentlich-rechtliches Sondervermögen ist.",
        )),
        ("zpo_gesetz", "statute", (
            "Der allgemeine Gerichtsstand einer Person wird durch den Wohnsitz bestimmt.",
            "Ein an sich unzuständiges Gericht des ersten Rechtszuges wird durch ausdrückliche oder stillschweigende Vereinbarung der Parteien zuständig, wenn die Vertragsparteien Kaufleute sind.",
            "Für Klagen aus einem Vertragsverhältnis ist das Gericht des Ortes zuständig, an dem die streitige Verpflichtung zu erfüllen ist.",
        )),
        ("schiedsgericht", "contract", (
            "Alle Streitigkeiten, die sich im Zusammenhang mit diesem Vertrag ergeben, werden nach der Schiedsgerichtsordnung der Deutschen Institution für Schiedsgerichtsbarkeit (DIS) unter Ausschluss des ordentlichen Rechtsweges endgültig entschieden.",
            "Ort des schiedsrichterlichen Verfahrens ist {city}; die Verfahrenssprache ist Deutsch.",
            "Das Schiedsgericht besteht aus [einem Einzelschiedsrichter|drei Schiedsrichtern].",
        )),
        ("erfüllungsort", "contract", (
            "Erfüllungsort [und Gerichtsstand |]für alle Leistungen aus diesem Vertrag ist der Sitz des {A_gen} in {city}.",
            "Vor Anrufung [eines staatlichen Gerichts|der Gerichte] werden die Parteien versuchen, die Streitigkeit im Wege der Mediation beizulegen[; zuständig ist sodann das Landgericht {city}|].",
        )),
    ],
    "Vergütung": [
        ("betrag", "contract", (
            "Der {B} zahlt dem {A_dat} für die vertraglichen Leistungen eine [monatliche|jährliche|pauschale|einmalige] Vergütung in Höhe von {amount} zuzüglich der gesetzlichen Umsatzsteuer.",
            "Mit der Vergütung sind sämtliche Leistungen [des {A_gen}|nach diesem Vertrag] [abgegolten|vollständig abgegolten].",
            "Die Vergütung ist [monatlich im Voraus|quartalsweise im Voraus|nach Abnahme] zu zahlen.",
        )),
        ("zahlungsziel", "contract", (
            "Rechnungen sind innerhalb von {days} nach [Zugang|Rechnungsstellung|Eingang] ohne Abzug zur Zahlung fällig.",
            "Bei Zahlung innerhalb von zehn Tagen gewährt der {A} {pct} Skonto[ auf den Nettobetrag|].",
            "[Maßgeblich für die Rechtzeitigkeit der Zahlung|Für die Rechtzeitigkeit der Zahlung maßgeblich] ist die Gutschrift auf dem Konto des {A_gen}.",
        )),
        ("verzug", "contract", (
            "Gerät der {B} in Zahlungsverzug, ist der {A} berechtigt, Verzugszinsen in Höhe von neun Prozentpunkten über dem Basiszinssatz zu verlangen.",
            "Der {A} kann bei Zahlungsverzug [weitere Leistungen bis zum Ausgleich der offenen Forderungen zurückhalten|die Leistungen bis zur vollständigen Zahlung einstellen].",
            "Gegen Forderungen des {A_gen} kann der {B} nur mit unbestrittenen oder rechtskräftig festgestellten Forderungen aufrechnen.",
        )),
        ("preisanpassung", "contract", (
            "Der {A} ist berechtigt, die [Preise|Entgelte|vereinbarten Preise] einmal jährlich mit einer Ankündigungsfrist von {period} anzupassen.",
            "Erhöht sich die Vergütung um mehr als {pct}, steht dem {B_dat} ein Sonderkündigungsrecht zum Zeitpunkt des Inkrafttretens der Erhöhung zu.",
            "Grundlage der [Preisanpassung|Anpassung] ist der vom Statistischen Bundesamt veröffentlichte Verbraucherpreisindex.",
        )),
        ("werklohn_gesetz", "statute", (
            "Der Besteller ist zur Entrichtung der vereinbarten Vergütung verpflichtet.",
            "Die Vergütung ist bei der Abnahme des Werkes zu entrichten.",
            "Ist die Höhe der Vergütung nicht bestimmt, so ist bei dem Bestehen einer Taxe die taxmäßige Vergütung, in Ermangelung einer Taxe die übliche Vergütung als vereinbart anzusehen.",
        )),
        ("aufwand", "contract", (
            "Leistungen, die über den vereinbarten Umfang hinausgehen, werden nach Aufwand zu einem Stundensatz von [95|120|145|180] Euro [netto |]vergütet.",
            "Reisekosten und Spesen werden [gesondert|gegen Nachweis] erstattet[, soweit sie vorher vom {B_dat} genehmigt wurden|].",
            "Die Abrechnung erfolgt [monatlich|nach Projektabschnitten] auf Grundlage der [vom {B_dat} gegengezeichneten |]Tätigkeitsnachweise.",
        )),
    ],
    "Vertraulichkeit": [
        ("geheimhaltung", "contract", (
            "Die Parteien verpflichten sich, alle ihnen im Rahmen dieses Vertrages bekannt gewordenen vertraulichen {info} [streng |]geheim zu halten.",
            "Vertrauliche {info} dürfen [Dritten nicht zugänglich gemacht|nur für Zwecke dieses Vertrages verwendet] werden.",
            "Die Parteien werden ihre Mitarbeiter [entsprechend verpflichten|zur Verschwiegenheit verpflichten].",
        )),
        ("begriff", "contract", (
            "Vertrauliche Informationen sind alle {info}, die als vertraulich gekennzeichnet oder nach den Umständen als Geschäfts- oder Betriebsgeheimnisse anzusehen sind.",
            "Hierzu zählen insbesondere [Preise, Kundenlisten und Konstruktionszeichnungen|technische Daten, Quellcode und Kalkulationen].",
        )),
        ("ausnahmen", "contract", (
            "Die [Geheimhaltungspflicht|Pflicht zur Verschwiegenheit] gilt nicht für {info}, die allgemein bekannt sind oder dem Empfänger bereits vor der Offenlegung bekannt waren.",
            "Sie gilt ferner nicht, soweit eine Offenlegung [aufgrund gesetzlicher Vorschriften|aufgrund behördlicher oder gerichtlicher Anordnung] erforderlich ist.",
        )),
        ("nachwirkung", "contract", (
            "Die Verpflichtung zur Vertraulichkeit besteht auch nach Beendigung dieses Vertrages für einen Zeitraum von {years} fort.",
            "[Die Geheimhaltungspflicht|Die Verschwiegenheitspflicht] überdauert die Vertragslaufzeit[ um {years}| zeitlich unbegrenzt].",
        )),
        ("geschgehg_gesetz", "statute", (
            "Ein Geschäftsgeheimnis darf nicht durch unbefugten Zugang zu, unbefugte Aneignung oder unbefugtes Kopieren von Dokumenten erlangt werden.",
            "Geschäftsgeheimnis ist eine Information, die weder insgesamt noch in der genauen Anordnung ihrer Bestandteile den Personen in den Kreisen, die üblicherweise mit dieser Art von Informationen umgehen, allgemein bekannt ist.",
            "Ein Geschäftsgeheimnis darf nicht nutzen oder offenlegen, wer gegen eine Verpflichtung zur Beschränkung der Nutzung des Geschäftsgeheimnisses verstößt.",
        )),
        ("vertragsstrafe_rückgabe", "contract", (
            "Für jeden Fall der schuldhaften Zuwiderhandlung gegen die Geheimhaltungspflicht zahlt der {A} eine Vertragsstrafe in Höhe von {amount}.",
            "Auf Verlangen sind sämtliche vertraulichen {info} einschließlich aller Kopien [herauszugeben oder zu vernichten|unverzüglich zurückzugeben].",
        )),
    ],
    "Laufzeit": [
        ("inkrafttreten", "contract", (
            "Der Vertrag tritt mit [Unterzeichnung durch beide Parteien|seiner Unterzeichnung|dem {date}] in Kraft und wird auf unbestimmte Zeit geschlossen.",
            "Der Vertrag beginnt am {date} und läuft auf unbestimmte Zeit.",
        )),
        ("befristet", "contract", (
            "Der Vertrag wird für eine feste Laufzeit von {years} geschlossen und endet am {date}, ohne dass es einer Kündigung bedarf.",
            "Das Vertragsverhältnis ist bis zum {date} befristet[; eine stillschweigende Verlängerung findet nicht statt|].",
        )),
        ("verlängerung", "contract", (
            "Der Vertrag verlängert sich [jeweils|automatisch jeweils|stillschweigend] um {years}, wenn er nicht mit einer Frist von {period} vor Ablauf gekündigt wird.",
            "Die Verlängerung [erfolgt|tritt ein] zu den zum Zeitpunkt der Verlängerung geltenden Bedingungen.",
        )),
        ("mindestlaufzeit", "contract", (
            "Die Mindestvertragslaufzeit beträgt {years}[ ab Bereitstellung der Leistung| ab Vertragsbeginn|].",
            "Während der Mindestlaufzeit ist die ordentliche Kündigung ausgeschlossen.",
            "[Nach Ablauf der Mindestlaufzeit|Nach Ende der Grundlaufzeit] läuft der Vertrag auf unbestimmte Zeit weiter.",
        )),
        ("mietzeit_gesetz", "statute", (
            "Das Mietverhältnis endet mit dem Ablauf der Zeit, für die es eingegangen ist.",
            "Wird ein Mietvertrag für längere Zeit als ein Jahr nicht in schriftlicher Form geschlossen, so gilt er für unbestimmte Zeit.",
            "Setzt der Mieter nach Ablauf der Mietzeit den Gebrauch der Mietsache fort, so verlängert sich das Mietverhältnis auf unbestimmte Zeit.",
        )),
        ("leistungszeitraum", "contract", (
            "Die Leistungserbringung beginnt am {date}; der Vertragszeitraum umfasst {years}.",
            "Der Leistungszeitraum [kann im gegenseitigen Einvernehmen verlängert werden|ist in Anlage 2 festgelegt].",
            "Die Laufzeit der [Lizenz|Nutzungsberechtigung] entspricht der Laufzeit des Hauptvertrages.",
        )),
    ],
}

# Short sentences that mention a class's topic. The generator appends one of them to clauses
# of *another* class (the label stays with the main topic), which makes bag-of-words harder
# and produces deliberately ambiguous examples, as real contracts do.
MENTIONS: dict[str, tuple[str, ...]] = {
    "Haftung": (
        "Die Haftung nach {law_liability} bleibt unberührt.",
        "Schadensersatzansprüche bleiben hiervon unberührt.",
        "Die Haftung richtet sich im Übrigen nach {ref}.",
    ),
    "Kündigung": (
        "Das Recht zur Kündigung aus wichtigem Grund bleibt unberührt.",
        "Das Recht zur Kündigung aus wichtigem Grund ({law_termination}) bleibt unberührt.",
        "Eine Kündigung ist nur schriftlich wirksam.",
        "{ref} (Kündigung) gilt entsprechend.",
    ),
    "Gewährleistung": (
        "Die gesetzlichen Mängelrechte bleiben unberührt.",
        "Die Mängelrechte nach {law_warranty} bleiben unberührt.",
        "Ansprüche wegen Mängeln richten sich nach {ref}.",
    ),
    "Datenschutz": (
        "Die datenschutzrechtlichen Vorschriften sind zu beachten.",
        "Personenbezogene Daten werden nur im Rahmen der DSGVO verarbeitet.",
        "Personenbezogene Daten werden nur nach Maßgabe von {law_data} verarbeitet.",
    ),
    "Gerichtsstand": (
        "Gerichtsstand ist {city}.",
        "Gerichtsstand ist {city} ({law_venue}).",
        "Es gilt deutsches Recht.",
    ),
    "Vergütung": (
        "Eine gesonderte Vergütung hierfür wird nicht geschuldet.",
        "Die Kosten trägt der {B}.",
        "Für den Zahlungsverzug gilt {law_payment}.",
        "Die Vergütung richtet sich nach {ref}.",
    ),
    "Vertraulichkeit": (
        "Die Geheimhaltungspflichten nach {ref} bleiben unberührt.",
        "Die Vertraulichkeit ist zu wahren.",
        "Der Schutz von Geschäftsgeheimnissen nach {law_confidentiality} bleibt unberührt.",
    ),
    "Laufzeit": (
        "Dies gilt für die gesamte Vertragslaufzeit.",
        "Die Laufzeit ergibt sich aus {ref}.",
        "Die Anwendung von {law_term} ist ausgeschlossen.",
    ),
}

# Topic-neutral boilerplate shared by all classes.
BOILERPLATE: tuple[str, ...] = (
    "Im Übrigen gelten die gesetzlichen Bestimmungen.",
    "Abweichende Vereinbarungen bedürfen der Schriftform.",
    "Die Regelungen in {ref} bleiben unberührt.",
    "Dies gilt nicht, soweit in {ref} etwas anderes bestimmt ist.",
    "Änderungen und Ergänzungen dieses Vertrages bedürfen der Textform.",
    "Sollte eine Bestimmung unwirksam sein, bleibt die Wirksamkeit der übrigen Bestimmungen unberührt.",
)

# Lead-ins placed before a contract clause (the first letter of the clause is kept).
PREAMBLES: tuple[str, ...] = (
    "Vorbehaltlich abweichender Regelungen im Einzelvertrag gilt Folgendes:",
    "Die Parteien vereinbaren Folgendes:",
    "Ergänzend zu den Allgemeinen Geschäftsbedingungen gilt:",
    "Für die Dauer der Zusammenarbeit gilt:",
)

# Word-level paraphrases applied independently with a small probability.
PARAPHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dieses Vertrages", ("dieser Vereinbarung", "des vorliegenden Vertrages", "dieses Vertrags")),
    ("unverzüglich", ("ohne schuldhaftes Zögern", "umgehend")),
    ("gemäß", ("gem.", "nach Maßgabe von")),
    ("insbesondere", ("namentlich", "vor allem")),
    ("Parteien", ("Vertragsparteien", "Vertragspartner")),
    ("schriftlich", ("in Schriftform",)),
    ("berechtigt", ("befugt",)),
)
