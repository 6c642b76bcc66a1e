"""Word lists for German PII detection: given names, surnames, cue words and stop words.

Sources: the given names are the frequent first names of people living in Germany across
birth cohorts (GfdS / Knud Bielefeld's yearly name statistics, 1950-2020), extended with
frequent names of the largest immigrant communities (Turkish, Polish, Russian/Ukrainian,
Arabic, Italian, Greek, Balkan) because contracts and letters name those people too. The
surnames are the most frequent German family names (after Duden Familiennamen, 2nd ed. 2005)
plus frequent surnames of the same communities. These lists are *general knowledge* written
without looking at the evaluation set in ``datasets/pii_de``, which deliberately also holds
names that are in none of them, so that the measured recall is honest.

The pseudonym lists (``PSEUDO_*``) are the names the pseudonymiser writes in. They are kept
apart from the detection lists on purpose: the replacement names then never look like a
"real" name that the detector would flag again.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FIRST_NAMES = _words("""
Aaron Achim Adam Adrian Agnes Ahmad Ahmed Ahmet Aleksandra Alena Alexander Alexandra Alexej Ali
Alina Alma Amelie Ana Andrea Andreas Andrej Angela Angelika Anja Anke Anna Annalena Anne Annegret
Anneliese Annett Annette Anselm Anton Antonia Arne Arthur Ayse Ayşe Axel Barbara Bastian Bärbel Beate
Ben Benedikt Benjamin Bernd Bernhard Bettina Bianca Birgit Björn Bodo Boris Brigitte Burak Can
Carina Carl Carla Carmen Carolin Caroline Carsten Charlotte Christa Christian Christiane Christina
Christine Christoph Christopher Clara Claudia Claus Cornelia Daniel Daniela David Deniz Denise
Dennis Detlef Diana Dieter Dietmar Dirk Dmitri Dominik Doris Dorothea Edith Elena Elias Elif Elisabeth
Elke Ella Ellen Elmar Emil Emilia Emily Emine Emir Emma Erich Erik Erika Ernst Esra Eva Fabian Fatih
Fatima Fatma Felix Finn Florian Frank Franz Franziska Frauke Frederik Friedrich Frieda Fritz Gabriele
Georg Gerd Gerda Gerhard Gertrud Gisela Giuseppe Gregor Gudrun Günter Günther Hakan Hamza Hanna Hannah
Hannelore Hans Harald Hartmut Hasan Hassan Heike Heiko Heinrich Heinz Helga Helmut Hendrik Henning
Henri Henrik Herbert Hermann Hildegard Holger Horst Hüseyin Ibrahim Ida Ilse Ina Ines Ingeborg Ingo
Ingrid Irina Iris Irmgard Isabel Isabell Isabella Ivan Jakob Jan Jana Janina Jannik Jasmin Jens
Jessica Joachim Johann Johanna Johannes Jonas Jonathan Jörg Josef Joseph Julia Julian Juliane Jürgen
Justus Jutta Kai Karin Karl Karla Karolina Katarzyna Katharina Kathrin Katja Katrin Kemal Kerstin
Kevin Kim Klara Klaus Konrad Konstantin Kristina Lara Lars Laura Lea Lena Leni Leon Leonie Levin
Liam Lina Linda Lisa Lotte Louis Luca Lucas Luis Luisa Luise Lukas Maja Malte Manfred Manuel Manuela
Marc Marcel Marco Marcus Mareike Margarete Margot Maria Marie Marina Mario Marion Mark Markus Marlene
Marta Martha Martin Martina Mathias Matthias Max Maximilian Mehmet Melanie Melissa Merve Mia Michael
Michaela Michelle Mila Milan Mirko Mohammed Monika Moritz Murat Mustafa Nadine Nadja Natalia Natalie
Nico Nicole Niklas Nikolai Nils Nina Noah Nora Norbert Ole Olaf Oliver Olga Oskar Otto Patricia
Patrick Paul Paula Peter Petra Philipp Piotr Rainer Ralf Ramona Rebecca Regina Reinhard Renate Rene
René Richard Robert Roland Rolf Rosemarie Ruth Sabine Sabrina Sandra Sarah Sascha Sebastian Selin
Sergej Silke Simon Simone Sina Sofia Sophia Sophie Stefan Stefanie Steffen Stephan Susanne Svenja
Sven Svetlana Sylvia Tanja Tatjana Teresa Theo Thomas Thorsten Tim Timo Tobias Tom Torsten Udo Ulla
Ulrich Ulrike Ursula Ute Uwe Valentin Valentina Vanessa Vera Veronika Viktor Viktoria Volker Walter
Waltraud Werner Wilhelm Willi Wolfgang Yannick Yasemin Yusuf Zeynep
""")

SURNAMES = _words("""
Albers Arnold Aydın Aydin Bauer Baumann Beck Becker Berger Bergmann Böhm Brandt Braun Brinkmann
Busch Çelik Celik Dietrich Demir Engel Fischer Frank Franke Friedrich Fuchs Graf Günther Haas Hahn
Hartmann Heinrich Herrmann Hoffmann Hofmann Horn Huber Jäger Jung Kaiser Kaya Keller Klein Koch Köhler
König Kowalski Kowalczyk Kraft Kraus Krause Krüger Kuhn Kühn Kurz Lang Lange Lehmann Lorenz Ludwig
Maier Marx Mayer Meier Meyer Möller Müller Nowak Öztürk Otto Peters Pfeiffer Pohl Popov Richter Roth
Sauer Schäfer Scholz Schmid Schmidt Schmitt Schmitz Schneider Scholz Schubert Schulte Schulz Schulze
Schumacher Schuster Schwarz Seidel Simon Sommer Stein Thomas Vogel Vogt Voigt Wagner Walter Weber
Weiß Weiss Werner Winkler Winter Wolf Wolff Yılmaz Yilmaz Zimmermann Ziegler Lewandowski Wójcik
Kamiński Petrov Ivanov Russo Romano Esposito Papadopoulos Hadžić Ahmadi Hosseini Nguyen Şahin Sahin
Yıldız Yildiz Arslan Doğan Dogan Koç Kılıç Kilic Schröder Neumann Schwarz Zimmer Hansen Jansen
Janssen Petersen Jensen Lindner Kretschmer Kolb Ebert Haase Kramer Martin Albrecht Schuhmacher
""")

# Words that put a person name next to them: salutations, titles and roles in contracts,
# letters and court documents. "Herr"/"Frau" cover most of German correspondence (DIN 5008).
SALUTATIONS = ("Herrn", "Herr", "Frau", "Hr.", "Fr.")
TITLES = ("Dr.", "Prof.", "Dipl.-Ing.", "Dipl.-Kfm.", "Dipl.-Kffr.", "Dipl.-Psych.", "Mag.", "med.",
          "jur.", "rer.", "nat.", "h.c.", "Ing.", "M.Sc.", "B.Sc.", "LL.M.")
ROLE_CUES = (
    "Rechtsanwalt", "Rechtsanwältin", "RA", "RAin", "Notar", "Notarin", "Richter", "Richterin",
    "Vorsitzende", "Vorsitzender", "Zeuge", "Zeugin", "Sachverständige", "Sachverständiger",
    "Mieter", "Mieterin", "Vermieter", "Vermieterin", "Arbeitnehmer", "Arbeitnehmerin",
    "Arbeitgeber", "Käufer", "Käuferin", "Verkäufer", "Verkäuferin", "Darlehensnehmer",
    "Darlehensnehmerin", "Bürge", "Bürgin", "Kläger", "Klägerin", "Beklagte", "Beklagter",
    "Antragsteller", "Antragstellerin", "Ansprechpartner", "Ansprechpartnerin", "Sachbearbeiter",
    "Sachbearbeiterin", "Geschäftsführer", "Geschäftsführerin", "Prokurist", "Prokuristin",
    "Patient", "Patientin", "Versicherungsnehmer", "Versicherungsnehmerin", "Inhaber", "Inhaberin",
    "Bevollmächtigte", "Bevollmächtigter", "Erblasser", "Erblasserin", "Kollege", "Kollegin",
    "Mitarbeiter", "Mitarbeiterin", "Auftraggeber", "Auftragnehmer", "Gesellschafter",
    "Gesellschafterin", "Schuldner", "Schuldnerin", "Gläubiger", "Gläubigerin", "Ehemann", "Ehefrau",
    "Sohn", "Tochter", "Vater", "Mutter", "Betreuer", "Betreuerin", "Teilnehmer", "Teilnehmerin",
    "Versicherte", "Versicherter", "Verstorbene", "Verstorbener", "Angeklagte", "Angeklagter",
    "Referenz", "Verwalter", "Verwalterin", "Darlehensgeber", "Darlehensgeberin",
)
# Cues after which a single capitalised word is already a name (legal professionals, witnesses,
# birth names, signatures "Im Auftrag"). After the other role cues a single unknown word is
# too often a noun ("dem Mieter Schlüssel übergeben"), so two words or a known name are needed.
STRONG_CUES = ("Rechtsanwalt", "Rechtsanwältin", "RA", "RAin", "Notar", "Notarin", "Richter", "Richterin",
               "Zeuge", "Zeugin", "Sachverständige", "Sachverständiger", "Rechtspfleger", "Rechtspflegerin",
               "Vorsitzende", "Vorsitzender", "Versammlungsleiter", "Versammlungsleiterin", "Protokollführer",
               "Protokollführerin", "Familie", "Eheleute", "Bevollmächtigte", "Bevollmächtigter",
               "Chefarzt", "Chefärztin", "Oberarzt", "Oberärztin", "Assistenzarzt", "Assistenzärztin",
               "Gutachter", "Gutachterin", "Dolmetscher", "Dolmetscherin", "Schöffe", "Schöffin")
STRONG_PHRASES = ("geb.", "geborene", "geborener", "Im Auftrag", "gez.", "i. A.", "i.A.", "i. V.", "i.V.")
COMPANY_SUFFIXES = frozenset("GmbH AG KG OHG GbR SE UG mbH KGaA eG Co e.V. Inc Ltd LLC Stiftung Verein".split())
COURT_WORDS = frozenset(("Amtsgericht", "Landgericht", "Oberlandesgericht", "Bundesgerichtshof", "Arbeitsgericht",
                         "Landesarbeitsgericht", "Bundesarbeitsgericht", "Sozialgericht", "Landessozialgericht",
                         "Verwaltungsgericht", "Oberverwaltungsgericht", "Finanzgericht", "Bundesfinanzhof",
                         "Kammergericht", "Bundesverfassungsgericht", "Bundessozialgericht", "Bundesverwaltungsgericht"))
# Given names that are also ordinary German words or abbreviations: alone they are not a name.
AMBIGUOUS_FIRST = frozenset("Ernst Frank Mark Max Kai Wolf Otto Iris Fritz Milan Simon Lotte Ida Tom Will "
                            "Kim Carl August Martin Richard Thomas Werner Walter Paul".split())
# Inflected forms of the parties of court decisions, which German courts anonymise to initials
# ("der Angeklagte H.", "des Klägers K."): after these, a lone capital letter is a person.
PARTY_CUES = ("Angeklagte", "Angeklagten", "Angeklagter", "Beschuldigte", "Beschuldigten", "Beschuldigter",
              "Kläger", "Klägers", "Klägerin", "Beklagte", "Beklagten", "Beklagter", "Zeuge", "Zeugen", "Zeugin",
              "Betroffene", "Betroffenen", "Betroffener", "Antragsteller", "Antragstellers", "Antragstellerin",
              "Antragsgegner", "Antragsgegners", "Antragsgegnerin", "Beteiligte", "Beteiligten", "Beteiligter",
              "Nebenkläger", "Nebenklägerin", "Geschädigte", "Geschädigten", "Geschädigter", "Erblasser",
              "Erblassers", "Erblasserin", "Mitangeklagte", "Mitangeklagten", "Verurteilte", "Verurteilten",
              "Herr", "Herrn", "Frau", "Kind", "Kindes", "Sohn", "Sohnes", "Tochter", "Ehemann", "Ehefrau",
              "Patient", "Patientin", "Schuldner", "Schuldnerin", "Gläubiger", "Gläubigerin", "Arbeitnehmer",
              "Arbeitnehmerin", "Mieter", "Mieterin", "Vermieter", "Vermieterin",
              # Professionals and relatives, anonymised the same way ("Rechtsanwalt B.", "die Mutter M.").
              "Rechtsanwalt", "Rechtsanwältin", "Notar", "Notarin", "Steuerberater", "Steuerberaterin",
              "Sachverständige", "Sachverständigen", "Sachverständiger", "Gutachter", "Gutachterin",
              "Verteidiger", "Verteidigerin", "Pflichtverteidiger", "Wahlverteidiger", "Geschäftsführer",
              "Geschäftsführerin", "Pächter", "Pächterin", "Erbe", "Erben", "Erbin", "Mutter", "Vater", "Vaters",
              "Versicherte", "Versicherten", "Versicherter", "Arbeitnehmers", "Mieters", "Vermieters")
# Headings of German court decisions: a line of one capitalised word is a judge's signature row
# unless it is one of these.
DECISION_HEADINGS = ("Tenor", "Gründe", "Tatbestand", "Entscheidungsgründe", "Leitsatz", "Leitsätze", "Beschluss",
                     "Urteil", "Im Namen des Volkes", "Rechtsmittelbelehrung", "Sachverhalt", "Hinweis", "Verfahrensgang",
                     "Kostenentscheidung", "Streitwert", "Begründung", "Vorinstanz", "Versäumnisurteil", "Teilurteil",
                     "Anmerkung", "Beschlussformel", "Rechtsbehelfsbelehrung", "Zulassung", "Ergebnis", "Revision")
HEADING_WORDS = frozenset(w for heading in DECISION_HEADINGS for w in heading.split() if w[:1].isupper())
"""The capitalised words of :data:`DECISION_HEADINGS` ("Im Namen des Volkes": Im, Namen, Volkes)."""
PHRASE_CUES = ("vertreten durch", "z. Hd.", "z.Hd.", "zu Händen", "c/o", "gez.", "i. A.", "i.A.",
               "i. V.", "i.V.", "Name:", "Vorname:", "Nachname:", "Unterschrift:", "Ansprechpartner:",
               "Ansprechpartnerin:", "verheiratet mit", "Ehegatte", "Ehegattin", "Zwischen", "zwischen",
               "gegen", "Von:", "An:", "Name, Vorname:", "Name:")
NAME_PARTICLES = _words("von van de der den zu vom del della di da dos bin ibn al el")

# Capitalised words that follow cues or given names in German text but are not names (German
# capitalises all nouns, so "Frau" + capitalised word is not always a name: "Frau Doktor").
NOT_NAMES = _words("""
Abs. Absatz Adresse Aktenzeichen Anlage Anschrift April August Bank Betreff Bitte Bundesrepublik
Datum Dezember Doktor Ehefrau Email E-Mail Euro EUR Februar Firma Frau Freitag GmbH Herr Herrn
IBAN Ihre Ihr Ihnen Januar Juli Juni Kollegin Kollege Kunde Kundin Landgericht Mai März Mittwoch Montag
Nr. November Oktober Ort Postfach Rechnung Samstag Sehr September Sie Sonntag Stadt Straße
Telefon Tel. Mobil Fax Vertrag Vertreter Vertreterin Vorsitzende Zimmer Donnerstag Dienstag Mit Und
Der Die Das Den Dem Des Ein Eine Einer Bezug Amtsgericht Oberlandesgericht Arbeitsgericht
Sozialgericht Verwaltungsgericht Finanzamt Steuer-ID Steuernummer Kontoinhaber Kennzeichen Geburtsdatum
Geburtsort Wohnort Unterschrift Vollmacht Hiermit Gemäß Bezüglich Wir Ich Er Es Hinweis
Kündigung Mietvertrag Arbeitsvertrag Darlehensvertrag Kaufvertrag Rechtsanwalt Rechtsanwältin
Notar Notarin Richter Richterin Mieter Mieterin Vermieter Vermieterin Geschäftsführer Geschäftsführerin
Verkäufer Käufer Zeuge Zeugin Kläger Klägerin Beklagte Beklagter Partner Partnerin Team Abteilung
Personalabteilung Kundenservice Grüßen Grüße Freundliche Freundlichen Beste Viele Liebe Lieber Hallo
Telefonnummer Mobilnummer Handynummer Durchwahl Seite Punkt Ziffer Paragraph Kosten Miete Kaution
""")

# Words that look like a city after a postcode but are amounts or units ("10000 Euro").
NOT_CITIES = _words("Euro EUR Stück Mal Jahre Jahren Tage Tagen Monate Monaten Kilometer km Meter "
                    "Quadratmeter qm Einwohner Mitarbeiter Kunden Exemplare Seiten Punkte Personen")

STREET_SUFFIXES = ("straße", "strasse", "str.", "weg", "allee", "platz", "gasse", "ring", "damm", "ufer",
                   "chaussee", "steig", "pfad", "markt", "berg", "hof", "graben", "wall", "kamp",
                   "twiete", "stieg", "promenade", "zeile", "steinweg", "landstraße", "bogen", "anger",
                   "wiese", "feld", "garten", "tor", "brücke", "kai", "deich", "höhe", "grund", "winkel")
STREET_PREFIXES = ("Am", "An der", "An den", "Auf dem", "Auf der", "Im", "In der", "In den", "Unter den",
                   "Zum", "Zur", "Hinter dem", "Hinter der", "Vor dem", "Alte", "Alter", "Neue", "Neuer",
                   "Große", "Kleine", "Lange", "Hohe")

# Pseudonyms written into the text (fictitious, chosen to read naturally in German text).
PSEUDO_FIRST = ("Alex", "Kim", "Robin", "Sascha", "Toni", "Maxi", "Jo", "Luca", "Nika", "Eike", "Janne",
                "Mika", "Ronja", "Fiete", "Tjorven", "Linus", "Greta", "Pia", "Ole", "Smilla")
PSEUDO_LAST = ("Muster", "Beispiel", "Anders", "Probst", "Normann", "Lindqvist", "Ostwald", "Quast",
               "Rautenberg", "Sommerfeld", "Tiedemann", "Uhlig", "Vesper", "Wendland", "Zander",
               "Adler", "Brink", "Dorn", "Eckhoff", "Falk")
PSEUDO_STREETS = ("Musterweg", "Beispielstraße", "Lindenallee", "Am Probeplatz", "Testgasse", "Ahornring")
PSEUDO_CITIES = ("Musterstadt", "Beispielheim", "Probstedt", "Normdorf", "Testhausen", "Platzhalterburg")

# ------------------------------------------------------------------------------ issue 13 additions

# Heads of organisations and authorities: a capitalised word after a cue that starts with one of
# these is no person ("gegen Freistaat Bayern", "Kläger Land Berlin"). States and authorities
# are parties to court cases far more often than their names suggest.
ORG_WORDS = _words("""
Freistaat Bundesrepublik Republik Königreich Bundesland Land Landkreis Kreis Stadt Gemeinde Bezirk
Landeshauptstadt Hansestadt Marktgemeinde Bund Staat Bundesamt Landesamt Finanzamt Hauptzollamt
Zollamt Jobcenter Bundesagentur Agentur Ministerium Bundesministerium Staatsministerium
Landesministerium Staatsanwaltschaft Generalstaatsanwaltschaft Polizeipräsidium Polizei Landratsamt
Bezirksamt Ordnungsamt Standesamt Jugendamt Sozialamt Ausländerbehörde Behörde Krankenkasse
Pflegekasse Rentenversicherung Berufsgenossenschaft Versicherung Sparkasse Volksbank Raiffeisenbank
Bank Universität Hochschule Klinikum Krankenhaus Deutsche Deutschen Deutscher Regierung
Bezirksregierung Regierungspräsidium Landesregierung Bundesregierung Kammer Handwerkskammer
Rechtsanwaltskammer Notarkammer Industrie- Verband Bundesverband Genossenschaft Gesellschaft
Landesbank Bundesanstalt Anstalt Körperschaft Kirchengemeinde Bistum Erzbistum Landeskirche
Stadtwerke Verkehrsbetriebe Senat Magistrat Verwaltung Kanzlei Praxis Schule Gymnasium
""") | COURT_WORDS

# Placeholder names of German forms and examples. They are kept on purpose: they name no one,
# and replacing them would make pseudonymised specimen text look as if it held personal data.
PLACEHOLDER_NAMES = frozenset(("Max Mustermann", "Erika Mustermann", "Erika Musterfrau", "Otto Normalverbraucher",
                               "Lieschen Müller", "Hans Mustermann", "Maria Musterfrau", "John Doe", "Jane Doe"))

# Local parts of functional mailboxes: an organisation's address, not a natural person's.
FUNCTIONAL_MAILBOXES = frozenset("""
info kontakt contact poststelle post service support office mail email hallo hello team
verwaltung sekretariat empfang zentrale buchhaltung rechnung rechnungen invoice billing
datenschutz privacy dsb presse press redaktion bewerbung bewerbungen jobs karriere personal hr
vertrieb sales marketing einkauf bestellung bestellungen order orders shop webmaster admin
noreply no-reply donotreply kundenservice kundendienst beschwerde anfrage anfragen termine
praxis kanzlei notariat geschaeftsstelle geschäftsstelle gericht verwaltungsgericht
""".split())

# Nouns that follow a party cue in court German ("dass der Kläger Anspruch auf ... hat"): the
# single-word rule after Kläger/Beklagte must not take them for surnames. Together with the
# noun endings in ``NOUN_ENDINGS`` they stop most such misreadings.
COMMON_NOUNS = _words("""
Anspruch Ansprüche Zahlung Schadensersatz Schmerzensgeld Klage Berufung Revision Beschwerde Antrag
Anträge Recht Rechte Kosten Zinsen Eigentum Besitz Kenntnis Ersatz Auskunft Herausgabe Räumung
Unterlassung Widerspruch Einspruch Vollstreckung Sicherheit Vertrag Verträge Mängel Mangel Miete
Lohn Gehalt Urlaub Abfindung Kündigung Leistung Leistungen Geld Wert Schaden Schäden Unterhalt
Akteneinsicht Gelegenheit Zeit Mietzins Nutzungsentschädigung Rückzahlung Erstattung Freistellung
Feststellung Aufwendungen Nebenkosten Betriebskosten Kaution Gewährleistung Nacherfüllung Minderung
Rücktritt Wandlung Beweis Zeugen Beweise Unterlagen Belege Rechnungen Ansprüchen Fristen Frist
""")
NOUN_ENDINGS = ("ung", "ungen", "heit", "keit", "schaft", "tion", "tionen", "tät", "nis", "nisse", "ismus",
                "ment", "ments", "recht", "pflicht", "anspruch", "vertrag", "geld", "kosten", "zahlung",
                "gericht", "verfahren", "urteil", "beschluss", "klage", "gesetz", "ordnung", "amt", "ämter")

# Beginnings of multi-word street names ("Am Alten Markt", "Unter den Linden", "Straße des 17.
# Juni"). Derived by counting the leading words of the multi-word entries of the OpenStreetMap
# street list (Datendieter extract, © OpenStreetMap contributors, CC BY-SA 2.0; see
# PII_LEXICON_NOTICE.md): every leading word or word pair used by at least ~30 street names,
# minus generic nouns. Only these generic patterns are shipped, no street names.
STREET_LEADS = ("Am", "Im", "An der", "An den", "An dem", "Zum", "Zur", "Auf dem", "Auf der", "Auf den",
                "In der", "In den", "In dem", "Alte", "Alter", "Alten", "Obere", "Oberer", "Untere", "Unterer",
                "Kleine", "Kleiner", "Große", "Großer", "Hinter der", "Hinter dem", "Hinter den", "Vor dem",
                "Vor der", "Vor den", "Beim", "Bei der", "Bei den", "Neue", "Neuer", "Unter den", "Unter der",
                "Lange", "Langer", "Hohe", "Hoher", "Äußere", "Äußerer", "Innere", "Innerer", "Hintere",
                "Hinterm", "Unterm", "Über der", "Über den", "St.", "Sankt", "Zu den", "Zu der")
# Street heads followed by an article and a name ("Straße des 17. Juni", "Platz der Einheit").
STREET_HEADS = ("Straße", "Platz", "Allee", "Ring", "Weg", "Damm", "Ufer", "Brücke", "Chaussee", "Markt",
                "Park", "Promenade", "Gasse", "Steig", "Pfad")
# Capitalised words that end such a pattern in ordinary prose ("Im Jahr 2024", "Auf Seite 12").
NOT_STREET_WORDS = _words("""
Jahr Jahre Jahren Jahres Monat Monate Monaten Zeitraum Rahmen Fall Falle Höhe Betrag Seite Seiten
Absatz Abs Satz Nr Nummer Kapitel Anlage Punkt Ziffer Artikel Art Alter Durchschnitt Schnitt
Vorjahr Ergebnis Verfahren Termin Zeitpunkt Vergleich Wert Umfang Ganzen Übrigen Einzelnen
Januar Februar März April Mai Juni Juli August September Oktober November Dezember Quartal
Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Woche Wochen Tag Tage Tagen Stunden
Euro Prozent Minuten Sekunden Grad Meter Kilometer Stück Stufe Klasse Gruppe Runde Phase Version
""")

# Capitalised words of closing formulas and sentence starts that the name rules met after a
# closing ("Mit freundlichen Grüßen / Im Auftrag / ..."), added to the non-names.
NOT_NAMES = NOT_NAMES | _words("Im Auftrag Vertretung Anlagen Anlage Verteiler Kopie Durchschrift Diktiert "
                               "Beglaubigt Ausgefertigt Urkundsbeamtin Urkundsbeamter Geschäftsstelle")

# Plural and inflected forms of judges and lawyers: "die Richter Dr. A, B und C" lists names.
STRONG_CUES = STRONG_CUES + ("Richterinnen", "Richtern", "Rechtsanwälte", "Rechtsanwältinnen", "Rechtsanwälten",
                             "Vorsitzenden", "Beisitzer", "Beisitzerin", "Berichterstatter", "Berichterstatterin")
# Court abbreviations after "Richter am": "Richterin am BGH Dr. Menges".
COURT_ABBREVIATIONS = frozenset("BGH BVerwG BFH BAG BSG BVerfG OLG LG AG VG OVG VGH LAG LSG FG KG BPatG".split())
# Presiding judges of the Federal Constitutional Court and other courts are named by office.
STRONG_CUES = STRONG_CUES + ("Präsident", "Präsidentin", "Vizepräsident", "Vizepräsidentin", "Staatsanwalt",
                             "Staatsanwältin", "Oberstaatsanwalt", "Oberstaatsanwältin")
# Abbreviated judges' titles of German decisions ("VRiBGH Dr. Meier", "RiOLG Schulz").
STRONG_CUES = STRONG_CUES + tuple(f"{prefix}{court}" for prefix in ("Ri", "VRi", "Rin", "VRin", "VorsRi", "RiIn")
                                  for court in ("BGH", "OLG", "LG", "AG", "BVerwG", "BFH", "BAG", "BSG", "KG",
                                                "VG", "OVG", "VGH", "LAG", "LSG", "FG", "ArbG", "SG"))
# More people whom published decisions name by an initial ("sein Bruder E.", "Patentanwalt K"):
# relatives, neighbours and professions. Compounds are matched by their ending (PARTY_ENDINGS:
# "Ohrenzeuge", "Sozialarbeiter", "Chefjustitiar").
PARTY_CUES = PARTY_CUES + (
    "Bruder", "Bruders", "Schwester", "Onkel", "Tante", "Neffe", "Neffen", "Nichte", "Enkel", "Enkelin", "Großvater",
    "Großmutter", "Cousin", "Cousine", "Schwiegersohn", "Schwiegertochter", "Nachbar", "Nachbarn", "Nachbarin",
    "Lebensgefährte", "Lebensgefährten", "Lebensgefährtin", "Freund", "Freundin", "Ehegatte", "Ehegatten",
    "Ehegattin", "Patentanwalt", "Patentanwältin", "Arzt", "Ärztin", "Kandidat", "Kandidaten", "Kandidatin",
    "Bewerber", "Bewerberin", "Polizist", "Polizistin", "Polizeibeamte", "Polizeibeamten", "Polizeibeamter",
    "Beamte", "Beamten", "Beamtin", "Herren", "Damen", "Eheleute", "Mitarbeiter", "Mitarbeiterin", "Ehemannes",
    "Ehemanns")
PARTY_ENDINGS = ("zeuge", "zeugen", "zeugin", "anwalt", "anwältin", "arzt", "ärztin", "arbeiter", "arbeiterin",
                 "leiter", "leiterin", "justitiar", "justitiarin", "berater", "beraterin", "beamte", "beamter",
                 "beamtin", "führer", "führerin", "helfer", "helferin", "pfleger", "pflegerin", "händler",
                 "händlerin", "meister", "meisterin", "fahrer", "fahrerin", "hüter")
# Words before a lone capital letter that is a person anonymised to an initial ("an E erkennbar",
# "die von A erbrachten Leistungen", "Da E das ..."): articles, prepositions and conjunctions that
# open a noun phrase. A capital letter after a noun ("Anlage K 3", "Variante A") is not cued.
INITIAL_LEADS = _words("der die des dem den an von mit gegen durch für zwischen bei gegenüber ob als da Da dass daß "
                       "wonach nachdem Nachdem wie sich nämlich seitens zugunsten zulasten zuungunsten weil ob "
                       "sodass wenn Wenn Soweit soweit ihn sie ihr ihm")
# Words that name a case, right before the applicant of an ECHR-style case name ("im Verfahren
# Karaçay v. Türkei"): they end the walk back from "v.".
CASE_NAME_WORDS = _words("Verfahren Sache Rechtssache Fall Urteil Entscheidung Beschluss Rechtsstreit Rs Rs. "
                         "EGMR EuGH Gerichtshof Gerichtshofs Urteils Entscheidungen Sachen Fälle")
# The genitive of the rubric ("und des Richters Obermüller"): a judge's name follows.
STRONG_CUES = STRONG_CUES + ("Richters",)
