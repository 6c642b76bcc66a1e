"""Word lists of the LER-style generator: laws, courts, authorities, places, prose (no real sentences).

Everything here is composed by hand from public citation conventions and common German legal
vocabulary; nothing is read from ``../shared`` or copied from the LER corpus.
"""

from __future__ import annotations


def _w(text: str) -> list[str]:
    """Words of a space-separated string."""
    return text.split()


_MONATE = _w("Januar Februar März April Mai Juni Juli August September Oktober November Dezember")
_GESETZE = _w("BGB StGB ZPO GG AufenthG AsylG VwGO VwVfG HGB EStG AO UStG KStG GewStG UWG InsO StPO ArbGG KSchG "
              "BauGB SGG FGO GVG BRAO PatG MarkenG UrhG GWB BetrVG TVG AGG BEEG BJagdG BZRG WDO SG BBG BeamtStG "
              "StVG VVG GmbHG AktG WEG RVG GKG FamFG BtMG WaffG IfSG BImSchG WHG TKG EnWG EEG BDSG BVerfGG "
              "AsylbLG BAföG WoGG ErbStG GrEStG BewG ZVG BNotO TzBfG EFZG BUrlG MuSchG JArbSchG BVG OEG AAG")
_SGB = _w("I II III IV V VI VII VIII IX X XI XII")
_GESETZE_LANG = ["des Einkommensteuergesetzes", "des Bürgerlichen Gesetzbuchs", "des Grundgesetzes",
                 "des Aufenthaltsgesetzes", "des Asylgesetzes", "der Zivilprozessordnung", "des Strafgesetzbuchs",
                 "der Abgabenordnung", "des Umsatzsteuergesetzes", "des Handelsgesetzbuchs",
                 "des Kündigungsschutzgesetzes", "der Verwaltungsgerichtsordnung", "des Sozialgerichtsgesetzes",
                 "des Betriebsverfassungsgesetzes", "des Beamtenstatusgesetzes", "des Baugesetzbuchs"]
_GESETZE_NAME = ["Bewertungsgesetzes", "Teilzeit- und Befristungsgesetzes", "Grundgesetzes", "Sozialgerichtsgesetzes",
                 "Finanzgerichtsordnung", "Abgabenordnung", "Strafprozessordnung", "Zivilprozessordnung",
                 "Betriebsrentengesetz", "Aufenthaltsgesetzes", "Einkommensteuergesetzes", "Asylbewerberleistungsgesetz",
                 "Grundgesetz", "Einkommensteuergesetz", "Aufenthaltsgesetz", "Bürgerliches Gesetzbuch",
                 "Kündigungsschutzgesetz", "Asylgesetz", "Sozialgesetzbuch", "Tarifvertragsgesetz",
                 "Allgemeines Gleichbehandlungsgesetz", "Bundesdatenschutzgesetz", "Gerichtsverfassungsgesetz"]
_VERORDNUNGEN = _w("BauNVO StVO StVZO FeV AufenthV BeschV BetrKV AZV GefStoffV ArbStättV BBhV EStDV UStDV DüV "
                   "TierSchNutztV StrlSchV ImmoWertV HOAI SvEV ZustVO BUrlV LuftVO BinSchUO KrPflAPrV ÄApprO")
_VO_LANG = ["Verordnung über die bauliche Nutzung der Grundstücke", "Verordnung über die Zulassung von Personen "
            "zum Straßenverkehr", "Verordnung über Arbeitsstätten", "Beschäftigungsverordnung",
            "Arbeitszeitverordnung", "Betriebskostenverordnung", "Aufenthaltsverordnung", "Approbationsordnung "
            "für Ärzte", "Verordnung zur Durchführung des Einkommensteuergesetzes", "Schulordnung"]
_EU_ACTS = _w("AEUV EUV EMRK GRCh DSGVO EPÜ GFK MwStSystRL")
_EU_NAMES = ["Europäische Menschenrechtskonvention", "Charta der Grundrechte der Europäischen Union",
             "Genfer Flüchtlingskonvention", "Dublin III-Verordnung", "Datenschutz-Grundverordnung",
             "Qualifikationsrichtlinie", "Rückführungsrichtlinie", "Mehrwertsteuersystemrichtlinie"]
_GERICHT_KURZ = {"BGH": "bgh", "BVerfG": "bverfg", "BVerwG": "bverwg", "BFH": "bfh", "BSG": "bsg", "BAG": "bag"}
_GERICHTE_BUND = ["Bundesgerichtshof", "Bundesverfassungsgericht", "Bundesverwaltungsgericht", "Bundesfinanzhof",
                  "Bundesarbeitsgericht", "Bundessozialgericht", "Bundespatentgericht", "Gerichtshof der Europäischen "
                  "Union", "Europäische Gerichtshof für Menschenrechte", "Bundesgerichtshofs", "Bundesfinanzhofs",
                  "Bundesverfassungsgerichts", "Bundesverwaltungsgerichts", "Bundessozialgerichts",
                  "Bundesarbeitsgerichts", "EuGH", "EGMR", "BPatG", "BGH", "BVerfG", "BVerwG", "BFH", "BSG", "BAG"]
_GERICHTE_ORT = ["Amtsgericht", "Landgericht", "Oberlandesgericht", "Verwaltungsgericht", "Sozialgericht",
                 "Arbeitsgericht", "Landesarbeitsgericht", "Amtsgerichts", "Landgerichts", "Oberlandesgerichts",
                 "Verwaltungsgerichts", "AG", "LG", "OLG", "VG", "SG", "ArbG", "LAG"]
_GERICHTE_LAND = ["Oberverwaltungsgericht", "Landessozialgericht", "Finanzgericht", "OVG", "LSG", "FG", "VGH",
                  "Verwaltungsgerichtshof", "Landesarbeitsgericht", "Oberverwaltungsgerichts", "Finanzgerichts"]
_GERICHTE_ADJ = ["Niedersächsische Finanzgericht", "Bayerische Verwaltungsgerichtshof", "Hessische "
                 "Landessozialgericht", "Schleswig-Holsteinische Oberlandesgericht", "Thüringer Oberverwaltungsgericht",
                 "Sächsische Landessozialgericht", "Bayerische Landessozialgericht", "Kammergericht",
                 "Truppendienstgericht Süd", "Truppendienstgericht Nord", "Bayerische Oberste Landesgericht",
                 "Hanseatische Oberlandesgericht"]
_LAENDER_BUND = ["Nordrhein-Westfalen", "Berlin-Brandenburg", "Rheinland-Pfalz", "Sachsen-Anhalt", "Niedersachsen",
                 "Baden-Württemberg", "Hamburg", "Bremen", "Saarland", "Mecklenburg-Vorpommern", "Schleswig-Holstein",
                 "Niedersachsen-Bremen", "Sachsen", "Thüringen", "Hessen", "Bayern", "NRW", "Berlin", "Brandenburg"]
_STAATEN = ["Deutschland", "Frankreich", "Österreich", "Polen", "Italien", "Spanien", "Schweiz", "Türkei",
            "Afghanistan", "Afghanistans", "Syrien", "Syriens", "Irak", "Iraks", "Iran", "Eritrea", "Somalia",
            "Nigeria", "Russland", "Russischen Föderation", "Ukraine", "Kosovo", "Serbien", "Albanien", "Griechenland",
            "Bulgarien", "Rumänien", "Ungarn", "Niederlande", "Belgien", "Vereinigten Staaten", "USA", "China",
            "Pakistan", "Ägypten", "Marokko", "Tunesien", "Deutschlands", "Bundesrepublik Deutschland"]
_STAEDTE = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Leipzig", "Dresden",
            "Karlsruhe", "Kassel", "Erfurt", "Hannover", "Bremen", "Mainz", "Trier", "Regensburg", "Bielefeld",
            "Würzburg", "Düsseldorf", "Münster", "Magdeburg", "Potsdam", "Schwerin", "Kiel", "Lüneburg", "Gießen",
            "Koblenz", "Saarbrücken", "Freiburg", "Augsburg", "Nürnberg", "Halle", "Chemnitz", "Oldenburg",
            "Osnabrück", "Bamberg", "Celle", "Gelsenkirchen", "Aachen", "Darmstadt", "Wiesbaden", "Rostock"]
_LANDSCHAFTEN = ["Schwarzwald", "Harz", "Eifel", "Allgäu", "Rhön", "Spreewald", "Erzgebirge", "Sauerland", "Taunus",
                 "Odenwald", "Rheinland", "Ruhrgebiet", "Europa", "Nordafrika", "Balkan", "Kurdistan", "Westjordanland",
                 "Ostsee", "Nordsee", "Bodensee", "Oberbayern", "Ostfriesland", "Vogtland", "Westfalen", "Lausitz"]
_INN = ["Bundesamt für Migration und Flüchtlinge", "Bundesamt", "Bundesagentur für Arbeit", "Bundeskartellamt",
        "Deutsche Rentenversicherung Bund", "Deutschen Rentenversicherung Bund", "Deutsches Patent- und Markenamt",
        "Deutschen Patent- und Markenamt", "DPMA", "Europäische Patentamt", "Bundesministerium der Finanzen",
        "Bundesministerium des Innern", "Bundesministerium für Arbeit und Soziales", "Bundesministerium der Justiz",
        "BMF", "Bundesregierung", "Deutsche Bundestag", "Bundestag", "Bundesrat", "Bundeszentralamt für Steuern",
        "Generalbundesanwalt", "GBA", "Gemeinsame Bundesausschuss", "Bundesanstalt für Finanzdienstleistungsaufsicht",
        "BaFin", "Bundespolizei", "Bundeswehr", "Bundesnetzagentur", "Deutsche Bundesbank", "Europäische Kommission",
        "Kommission", "Europäische Parlament", "Bundesversicherungsamt", "Bundesamt für das Personalmanagement",
        "Hessische Ministerium der Finanzen", "Bayerische Staatsministerium des Innern", "Landesamt für Finanzen",
        "Kraftfahrt-Bundesamt", "Umweltbundesamt", "Bundesanstalt für Immobilienaufgaben"]
_MINISTERIEN = ["Ministerium für Bildung und Kultur", "Ministerium für Wissenschaft , Forschung und Kunst",
                "Ministerium der Finanzen", "Ministerium für Arbeit und Soziales", "Ministerium des Innern",
                "Ministerium für Umwelt , Klima und Energiewirtschaft", "Ministerium der Justiz"]
_INN_ORT = ["Finanzamt", "Jobcenter", "Landratsamt", "Staatsanwaltschaft", "Ausländerbehörde", "Hauptzollamt",
            "Stadt", "Bezirksamt", "Agentur für Arbeit", "Polizeipräsidium", "Justizvollzugsanstalt"]
_ORG = ["EU", "Europäische Union", "Europäischen Union", "Vereinte Nationen", "Vereinten Nationen", "NATO", "SPD",
        "CDU", "CSU", "FDP", "AfD", "Die Linke", "DGB", "Deutsche Gewerkschaftsbund", "ver.di", "IG Metall",
        "Deutsche Anwaltverein", "Bundesrechtsanwaltskammer", "Medizinische Dienst der Krankenversicherung", "MDK",
        "Deutsche Fußball-Bund", "DFB", "UEFA", "FIFA", "Deutsche Rote Kreuz", "DRK", "Caritasverband", "Diakonie",
        "Tarifgemeinschaft deutscher Länder", "TdL", "Vereinigung der kommunalen Arbeitgeberverbände", "VKA",
        "Marburger Bund", "Bundesverband der Deutschen Industrie", "BDI", "Verband der Privaten Krankenversicherung",
        "Zentralverband des Deutschen Handwerks", "Bundesärztekammer", "Kassenärztliche Bundesvereinigung",
        "Gewerkschaft Erziehung und Wissenschaft", "GEW", "Arbeiterwohlfahrt", "Verbraucherzentrale Bundesverband"]
_ORG_ORT = ["Rechtsanwaltskammer", "Handwerkskammer", "IHK", "Industrie- und Handelskammer", "Ärztekammer",
            "Kassenärztliche Vereinigung", "Steuerberaterkammer", "Notarkammer"]
_UN_WORDS = _w("Nordstern Alpen Rhein Hanse Elbe Kronos Vita Solar Terra Nova Delta Omega Falken Adler Linden "
               "Kontor Medeva Polaris Agrar Merkur Orion Atlas Vektor Nordwind Sonnen Quelle Brücken Helios")
_UN_FORM = _w("GmbH AG KG SE UG OHG eG mbH Ltd. Inc. Aktiengesellschaft Gesellschaft")
_UN_FIX = ["Deutsche Bank AG", "Deutsche Telekom AG", "Deutsche Bahn AG", "Volkswagen AG", "Siemens AG",
           "Commerzbank AG", "Deutsche Post AG", "Lufthansa", "Allianz Versicherungs-AG", "Sparkasse", "Volksbank"]
_SILBEN = _w("ni vo na ka ef fer ar row mon ster fi re slim lu xo ta be ri sa do mi zen tra vel ko")
_ANON = list("ABCDEFGHIKLMNPRSTWZ")
_KOMMENTARE = [("Palandt", "BGB"), ("Grüneberg", "BGB"), ("MüKoBGB", "BGB"), ("Staudinger", "BGB"),
               ("Erman", "BGB"), ("Jauernig", "BGB"), ("Zöller", "ZPO"), ("Thomas / Putzo", "ZPO"),
               ("Musielak / Voit", "ZPO"), ("Fischer", "StGB"), ("Schönke / Schröder", "StGB"),
               ("Kopp / Schenke", "VwGO"), ("Kopp / Ramsauer", "VwVfG"), ("Eyermann", "VwGO"), ("Sodan / Ziekow",
               "VwGO"), ("Maunz / Dürig", "GG"), ("Sachs", "GG"), ("Schmidt", "EStG"), ("Tipke / Kruse", "AO"),
               ("Sölch / Ringleb", "Umsatzsteuer"), ("ErfK", "KSchG"), ("Bergmann / Dienelt", "Ausländerrecht"),
               ("Meyer-Goßner / Schmitt", "StPO"), ("KK-StPO", "StPO"), ("MüKo-StPO", "StPO"), ("Eicher / Luik",
               "SGB II"), ("BeckOK", "GG"), ("Hübschmann / Hepp / Spitaler", "AO"), ("Benkard", "PatG")]
_ZEITSCHRIFTEN = _w("NJW NVwZ NZA DStR DB BB ZIP WM NStZ StV JZ DÖV DVBl ZfBR NZS SGb GRUR MDR FamRZ ZESAR "
                    "DRiZ AnwBl ZUR NZM NJOZ FR DStZ ZAR InfAuslR NZBau VersR ZRP")
_TITEL = ["Patentnichtigkeitsverfahren", "Verwaltungsprozessrecht", "Allgemeines Schuldrecht", "Staatsrecht II",
          "Die Haftung des Geschäftsführers", "Handbuch des Kündigungsrechts", "Ausländerrecht", "Sozialrecht",
          "Das Recht der Allgemeinen Geschäftsbedingungen", "Lehrbuch des Strafrechts", "Beamtenrecht",
          "Grundrechte", "Steuerrecht", "Tarifvertragsrecht", "Arbeitsrecht", "Markenrecht"]
_VT = ["BAT-O", "KAT", "TVÜ-Bund", "TVÜ-Länder", "Entgeltordnung zum TV-L", "TV EntgO Bund", "DVO.EKD", "TV-L", "TVöD", "TVöD-V", "BAT", "MTV", "TV-N", "TV-Ärzte", "DRK-RTV", "AVR Caritas", "HzV-Vertrag",
       "Manteltarifvertrag", "Bundesmanteltarifvertrag", "Rahmentarifvertrag", "Entgelttarifvertrag",
       "Tarifvertrag über die Altersteilzeit", "Tarifvertrag zur Regelung der Arbeitsbedingungen",
       "Tarifvertrag für den öffentlichen Dienst der Länder", "Gesellschaftsvertrag", "Anstellungsvertrag",
       "Rahmenvertrag", "Sozialplan", "Interessenausgleich", "Gesamtbetriebsvereinbarung", "Konzernbetriebsvereinbarung"]
_VT_DATIERT = ["Arbeitsvertrag", "Mietvertrag", "Kaufvertrag", "Darlehensvertrag", "Betriebsvereinbarung",
               "Sozialplan", "Gesellschaftsvertrag", "Werkvertrag", "Leasingvertrag", "Pachtvertrag",
               "Änderungsvertrag", "Aufhebungsvertrag", "Tarifvertrag", "Vergleich"]
_VS = ["RiStBV", "EStR", "LStR", "UStAE", "AEAO", "VwV-StVO", "BeihilfeVO", "ZDv", "StudO", "PO", "KStR", "ErbStR"]
_ENTSCHEIDUNG = ["Urteil", "Beschluss", "Urteil", "Beschluss", "Gerichtsbescheid"]
_SENATSENT = ["Senatsurteil", "Senatsbeschluss", "Senatsurteile", "Senatsbeschlüsse"]


_SUBJ = ["Der Kläger", "Die Klägerin", "Der Senat", "Die Beklagte", "Der Beklagte", "Das Berufungsgericht", "Das FA",
         "Der Antragsteller", "Die Antragsgegnerin", "Die Beteiligten", "Das Gericht", "Die Kammer", "Der Angeklagte",
         "Die Revision", "Die Beschwerde", "Das Landesamt", "Die Behörde", "Der Gesetzgeber", "Die Vorinstanz",
         "Das LSG", "Das FG", "Die Strafkammer", "Der Beigeladene", "Die Klägerinnen", "Der Arbeitgeber", "Das Jobcenter"]
_VERB = ["hat zu Recht angenommen , dass", "ist der Auffassung , dass", "macht geltend ,", "trägt vor ,",
         "hat nicht berücksichtigt , dass", "verkennt , dass", "geht zutreffend davon aus , dass", "rügt ,",
         "hat festgestellt , dass", "meint ,", "hat übersehen , dass", "beanstandet ,"]
_CLAUSE = ["die Frist versäumt worden sei", "der Bescheid rechtswidrig ist", "ein Anspruch auf Erstattung nicht besteht",
           "die Voraussetzungen der Vorschrift nicht erfüllt seien", "das Verfahren fehlerhaft war",
           "die Kündigung sozial gerechtfertigt ist", "die Klage unzulässig sei", "der Kläger keine Einkünfte erzielt habe",
           "eine Gefahr für Leib und Leben nicht besteht", "die Aufwendungen als Werbungskosten abziehbar sind",
           "der Vertrag wirksam zustande gekommen ist", "die Beweiswürdigung lückenhaft sei",
           "die Entscheidung auf dem Verfahrensmangel beruhe", "es an einer hinreichenden Begründung fehlt",
           "die Beteiligten nicht angehört worden seien", "das Grundstück im Außenbereich liegt"]
_PLAIN = ["Die Kosten des Verfahrens trägt die Beklagte .", "Die Berufung ist zulässig , aber unbegründet .",
          "Die Revision der Klägerin ist begründet .", "Die Beschwerde wird zurückgewiesen .",
          "Die Entscheidung ist unanfechtbar .", "Gründe", "Tatbestand", "Entscheidungsgründe", "Tenor", "I.", "II.",
          "Die Sache ist entscheidungsreif .", "Der Senat entscheidet ohne mündliche Verhandlung .",
          "Die Rechtsbeschwerde wird nicht zugelassen .", "Das angefochtene Urteil wird aufgehoben .",
          "Im Übrigen wird die Klage abgewiesen .", "Die Anhörungsrüge ist unbegründet .",
          "Der Wert des Streitgegenstandes wird auf {NUM} Euro festgesetzt .", "Die Klage hat keinen Erfolg .",
          "Die Beteiligten haben übereinstimmend auf mündliche Verhandlung verzichtet .",
          "Wegen der weiteren Einzelheiten wird auf die Gerichtsakten Bezug genommen ( Bl. {NUM} d. A. ) .",
          "Auf die Ausführungen unter Rn. {NUM} wird verwiesen .", "Dies gilt auch hier ( a. a. O. , Rn. {NUM} ) .",
          "Die Kläger sind Eheleute und wurden für das Streitjahr {YEAR} zusammen zur Einkommensteuer veranlagt .",
          "Das Urteil beruht auf diesem Fehler .", "Mit Schreiben vom {DATE} kündigte die Beklagte das Arbeitsverhältnis .",
          "Der Kläger erhielt ab dem {DATE} Leistungen in Höhe von {NUM} Euro monatlich .",
          "Die Vorrichtung weist gemäß Fig. {NUM} einen Hebel ( {NUM} ) auf ."]
# Capitalised common nouns of judgements: they must be seen as O, or a tagger takes every
# capitalised word in an entity-like position for a name.
_NOUNS = _w("""Zinsen Kosten Leistung Leistungen Anspruch Ansprüche Vertrag Verträge Bescheid Bescheide Klage Antrag
Anträge Frist Fristen Mangel Mängel Schaden Schadensersatz Vergütung Entgelt Lohn Gehalt Miete Kaution Kündigung Abfindung
Beitrag Beiträge Steuer Steuern Einkünfte Einnahmen Ausgaben Aufwendungen Werbungskosten Betriebsausgaben Umsätze
Umsatzsteuer Einkommensteuer Gewerbesteuer Erbschaft Schenkung Grundstück Grundstücke Gebäude Wohnung Wohnungen Fahrzeug
Fahrzeuge Waren Dienstleistungen Geräte Apparate Maschinen Instrumente Datenträger Software Druckereierzeugnisse
Bekleidung Schuhwaren Kopfbedeckungen Getränke Lebensmittel Arzneimittel Präparate Werkzeuge Möbel Spielwaren
Unternehmen Betrieb Betriebe Gesellschaft Gesellschafter Geschäftsführer Arbeitnehmer Arbeitnehmerin Arbeitgeber
Beschäftigte Beamte Beamtin Soldat Soldaten Schüler Schülern Eltern Kinder Kind Ehefrau Ehemann Familie Angehörige
Zeuge Zeugin Sachverständige Gutachten Gutachter Beweisaufnahme Beweiswürdigung Aussage Einlassung Tat Taten Tatzeit
Tatort Strafe Freiheitsstrafe Geldstrafe Bewährung Haft Untersuchungshaft Verfahren Verfahrens Hauptverhandlung
Revision Berufung Beschwerde Nichtzulassungsbeschwerde Zulassung Rechtsmittel Rechtsweg Zuständigkeit Streitgegenstand
Streitwert Gegenstandswert Wirksamkeit Unwirksamkeit Auslegung Rechtsprechung Gesetzgeber Gesetzesbegründung Vorschrift
Norm Regelung Regelungen Ausnahme Voraussetzungen Tatbestand Rechtsfolge Ermessen Ermessensausübung Verhältnismäßigkeit
Gleichbehandlung Ungleichbehandlung Vertrauensschutz Rückwirkung Verjährung Verwirkung Aufrechnung Abtretung Bürgschaft
Darlehen Kredit Zahlung Zahlungen Rechnung Rechnungen Forderung Forderungen Insolvenz Masse Gläubiger Schuldner
Versicherung Versicherte Versicherten Krankenkasse Rente Renten Pflege Behandlung Therapie Krankheit Behinderung
Arbeitsunfähigkeit Arbeitszeit Arbeitszeiten Urlaub Überstunden Zuschläge Eingruppierung Entgeltgruppe Tätigkeit
Ausbildung Prüfung Prüfungen Studium Hochschule Schule Unterricht Erlaubnis Genehmigung Baugenehmigung Bebauung Nutzung
Lärm Immissionen Anlage Anlagen Patent Patentanspruch Erfindung Vorrichtung Verfahrensschritt Merkmal Merkmale
Zeichen Marke Marken Verwechslungsgefahr Unterscheidungskraft Kennzeichnung Werbung Wettbewerb Verbraucher Kunden
Aufenthalt Aufenthaltserlaubnis Einreise Abschiebung Ausreise Asyl Verfolgung Flüchtlingseigenschaft Heimatland
Staatsangehörigkeit Identität Familienstand Wohnsitz Sitz Vermögen Erbe Erben Nachlass Testament Sport Kultur
Wirtschaft Landwirtschaft Veterinärmedizin Medizin Technik Server Netzwerk Daten Datenschutz Auskunft Akteneinsicht""")
_NPLAIN = ["Die {N} ist nicht Gegenstand des Verfahrens .", "Streitig ist allein die Höhe der {N} .",
           "Zwischen den Beteiligten ist die {N} der {N} streitig .", "Die Marke ist für {N} , {N} und {N} eingetragen .",
           "Waren der Klasse {NUM} : {N} , {N} , {N} ; {N} .", "Die {N} betrug im Streitjahr {MONEY} .",
           "Er verlangt {N} in Höhe von {MONEY} nebst {N} .", "Hinsichtlich der {N} fehlt es an einer {N} .",
           "Die {N} und die {N} sind voneinander zu unterscheiden .", "{N} und {N} .", "{N}", "{N} :",
           "Auf die {N} kommt es nicht an .", "Die {N} umfasst auch {N} und {N} .",
           "Der Kläger begehrt die {N} seiner {N} für die Jahre {YEAR} und {YEAR} .",
           "Die {N} wurde mit {MONEY} bewertet ; die {N} mit {MONEY} .",
           "Gegenstand der {N} ist die {N} von {N} .", "Die Klägerin erzielte {N} aus {N} .",
           "Nach Anlage K {NUM} betrug die {N} {MONEY} .", "Der Patentanspruch {NUM} lautet : {N} mit einer {N} ( {NUM} ) ."]
_LEAD = ["", "", "", "", "1.", "2.", "a )", "b )", "aa )", "bb )", "cc )", "Zwar", "Indes", "Jedoch", "Allerdings", "Ferner"]
_JOIN = [", weil", ", so dass", "; dabei ist zu berücksichtigen , dass", ", wobei", ", zumal", "; ferner ist zu beachten , dass"]
