"""Public facts about the municipalities whose Pabulib files the importer recognises by name.

TERYT (TERC) codes from the GUS register; population: GUS, residents on 31 December 2023
(see docs/analytics.md for which figures were checked). The importer creates a municipality
from here when a file names it (META ``unit``) and it is not in the database yet.
"""
from __future__ import annotations

from pb_service.municipalities.models import MunicipalityKind, Voivodeship

CITY = MunicipalityKind.CITY_WITH_POWIAT_RIGHTS

#: META ``unit`` → the municipality's register data.
KNOWN_MUNICIPALITIES: dict[str, dict] = {
    "Warszawa": dict(slug="warszawa", name="Miasto Stołeczne Warszawa", teryt="1465011", voivodeship=Voivodeship.MAZOWIECKIE, kind=CITY, population=1_861_975),
    "Kraków": dict(slug="krakow", name="Gmina Miejska Kraków", teryt="1261011", voivodeship=Voivodeship.MALOPOLSKIE, kind=CITY, population=803_282),
    "Gdańsk": dict(slug="gdansk", name="Miasto Gdańsk", teryt="2261011", voivodeship=Voivodeship.POMORSKIE, kind=CITY, population=486_492),
    "Wrocław": dict(slug="wroclaw", name="Gmina Wrocław", teryt="0264011", voivodeship=Voivodeship.DOLNOSLASKIE, kind=CITY, population=674_132),
    "Łódź": dict(slug="lodz", name="Miasto Łódź", teryt="1061011", voivodeship=Voivodeship.LODZKIE, kind=CITY, population=655_279),
    "Katowice": dict(slug="katowice", name="Miasto Katowice", teryt="2469011", voivodeship=Voivodeship.SLASKIE, kind=CITY, population=279_190),
    "Częstochowa": dict(slug="czestochowa", name="Miasto Częstochowa", teryt="2464011", voivodeship=Voivodeship.SLASKIE, kind=CITY, population=205_738),
    "Poznań": dict(slug="poznan", name="Miasto Poznań", teryt="3064011", voivodeship=Voivodeship.WIELKOPOLSKIE, kind=CITY, population=540_146),
    "Gdynia": dict(slug="gdynia", name="Gmina Miasta Gdyni", teryt="2262011", voivodeship=Voivodeship.POMORSKIE, kind=CITY, population=243_918),
    "Zabrze": dict(slug="zabrze", name="Miasto Zabrze", teryt="2478011", voivodeship=Voivodeship.SLASKIE, kind=CITY, population=155_648),
    "Wieliczka": dict(
        slug="wieliczka", name="Gmina Wieliczka", teryt="1219063", voivodeship=Voivodeship.MALOPOLSKIE,
        kind=MunicipalityKind.URBAN_RURAL, population=67_640,
    ),
    "Świecie": dict(
        slug="swiecie", name="Gmina Świecie", teryt="0414093", voivodeship=Voivodeship.KUJAWSKO_POMORSKIE,
        kind=MunicipalityKind.URBAN_RURAL, population=31_770,
    ),
}

#: Districts in which a municipality runs district pools, by its address (slug): an edition
#: without a city-wide pool covers every resident only when it has a file for each. Gdynia: 21
#: districts since Witomino-Leśniczówka and Witomino-Radiostacja became Witomino (its files
#: from 2022 on: a "small" and a "large" pool in each). A municipality not listed here is taken
#: as partly covered whenever an edition has district files only.
PB_DISTRICTS: dict[str, int] = {"gdynia": 21}

#: Pabulib's (English) project categories → the names Polish municipalities use.
CATEGORY_NAMES = {
    "public space": "Przestrzeń publiczna",
    "education": "Edukacja",
    "environmental protection": "Ochrona środowiska",
    "sport": "Sport",
    "urban greenery": "Zieleń miejska",
    "culture": "Kultura",
    "public transit and roads": "Transport publiczny i drogi",
    "welfare": "Pomoc społeczna",
    "health": "Zdrowie",
    "greenery/recreation": "Zieleń i rekreacja",
    "walking/cycling infrastructure": "Infrastruktura piesza i rowerowa",
    "other": "Inne",
    "health and welfare": "Zdrowie i pomoc społeczna",
    "sport and recreation": "Sport i rekreacja",
    "society": "Społeczeństwo",
    "infrastructure": "Infrastruktura",
    "redevelopment": "Rewitalizacja",
    "security": "Bezpieczeństwo",
    "nature and greenery": "Przyroda i zieleń",
    "education and science": "Edukacja i nauka",
    "roads": "Drogi",
    "community building": "Budowanie wspólnoty",
    "public transit": "Transport publiczny",
    "playgrounds": "Place zabaw",
    "bicycle infrastructure": "Infrastruktura rowerowa",
    "municipal infrastructure and security": "Infrastruktura miejska i bezpieczeństwo",
    "non-investment": "Projekty nieinwestycyjne",
}

#: Pabulib's beneficiaries (formerly "target") → Polish.
BENEFICIARY_NAMES = {
    "children": "dzieci",
    "seniors": "seniorzy",
    "adults": "dorośli",
    "youth": "młodzież",
    "people with disabilities": "osoby z niepełnosprawnościami",
    "families with children": "rodziny z dziećmi",
    "animals": "zwierzęta",
    "students": "studenci",
}
