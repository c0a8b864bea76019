"""The municipality (gmina): the tenant that owns editions, officials and ballots."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pb_service.core.enums import LabelledEnum
from pb_service.core.models import TimestampMixin, value_enum
from pb_service.extensions import db


class Voivodeship(str, enum.Enum):
    """The 16 voivodeships; the value is the TERYT code that opens every municipality's code."""

    DOLNOSLASKIE = "02"
    KUJAWSKO_POMORSKIE = "04"
    LUBELSKIE = "06"
    LUBUSKIE = "08"
    LODZKIE = "10"
    MALOPOLSKIE = "12"
    MAZOWIECKIE = "14"
    OPOLSKIE = "16"
    PODKARPACKIE = "18"
    PODLASKIE = "20"
    POMORSKIE = "22"
    SLASKIE = "24"
    SWIETOKRZYSKIE = "26"
    WARMINSKO_MAZURSKIE = "28"
    WIELKOPOLSKIE = "30"
    ZACHODNIOPOMORSKIE = "32"

    @property
    def label(self) -> str:
        return VOIVODESHIP_NAMES[self]


#: Proper names, the same in every language (as Poland's official lists give them).
VOIVODESHIP_NAMES = {
    Voivodeship.DOLNOSLASKIE: "dolnośląskie",
    Voivodeship.KUJAWSKO_POMORSKIE: "kujawsko-pomorskie",
    Voivodeship.LUBELSKIE: "lubelskie",
    Voivodeship.LUBUSKIE: "lubuskie",
    Voivodeship.LODZKIE: "łódzkie",
    Voivodeship.MALOPOLSKIE: "małopolskie",
    Voivodeship.MAZOWIECKIE: "mazowieckie",
    Voivodeship.OPOLSKIE: "opolskie",
    Voivodeship.PODKARPACKIE: "podkarpackie",
    Voivodeship.PODLASKIE: "podlaskie",
    Voivodeship.POMORSKIE: "pomorskie",
    Voivodeship.SLASKIE: "śląskie",
    Voivodeship.SWIETOKRZYSKIE: "świętokrzyskie",
    Voivodeship.WARMINSKO_MAZURSKIE: "warmińsko-mazurskie",
    Voivodeship.WIELKOPOLSKIE: "wielkopolskie",
    Voivodeship.ZACHODNIOPOMORSKIE: "zachodniopomorskie",
}


class MunicipalityKind(LabelledEnum):
    CITY_WITH_POWIAT_RIGHTS = "city_with_powiat_rights", _l("City with powiat rights")
    URBAN = "urban", _l("Urban municipality")
    URBAN_RURAL = "urban_rural", _l("Urban-rural municipality")
    RURAL = "rural", _l("Rural municipality")

    @property
    def teryt_type_digits(self) -> set[str]:
        """The last TERYT digit (gmina type) that fits this kind; Warsaw's districts are 8 and 9."""
        return {
            MunicipalityKind.CITY_WITH_POWIAT_RIGHTS: {"1"},
            MunicipalityKind.URBAN: {"1"},
            MunicipalityKind.URBAN_RURAL: {"3"},
            MunicipalityKind.RURAL: {"2"},
        }[self]


#: What municipalities choose from (Polish practice ranges from 3 months to 5 years).
RETENTION_MONTHS_CHOICES = (3, 6, 12, 24, 36, 60)
DEFAULT_RETENTION_MONTHS = 12


def retention_period(months: int) -> str:
    """``3 months``, ``1 year``, ``5 years`` in the reader's language."""
    if months % 12 == 0:
        return ngettext("%(num)d year", "%(num)d years", months // 12)
    return ngettext("%(num)d month", "%(num)d months", months)


class Municipality(TimestampMixin, db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL prefix, e.g. ``gdansk`` in ``/gdansk/``.
    slug: Mapped[str] = mapped_column(String(63), unique=True, nullable=False)
    #: Official name, e.g. "Miasto Gdańsk".
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Seven-digit TERYT (TERC) code: voivodeship, powiat, gmina, type.
    teryt: Mapped[str] = mapped_column(String(7), unique=True, nullable=False)
    voivodeship: Mapped[Voivodeship] = mapped_column(value_enum(Voivodeship, 2), nullable=False)
    kind: Mapped[MunicipalityKind] = mapped_column(value_enum(MunicipalityKind, 32), nullable=False)
    #: Residents, for turnout and per-resident figures.
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Language of the municipality's pages when the visitor has not chosen one.
    default_locale: Mapped[str] = mapped_column(String(5), default="pl", nullable=False)
    contact_email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    contact_phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    #: Postal address of the office that runs the PB.
    contact_address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    website: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    #: Accessibility coordinator (art. 14 of the act of 19 July 2019 on ensuring accessibility).
    accessibility_coordinator_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    accessibility_coordinator_email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    accessibility_coordinator_phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    #: The information clause (art. 13 GDPR) in Markdown, shown where the PB collects personal
    #: data; empty: the service's default clause filled with the contact details above.
    privacy_notice: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)
    #: Retention policy: months that the personal data of proposal authors and supporters is kept
    #: after the edition's protest window closes; then ``flask pb purge`` anonymises it.
    retention_months: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_RETENTION_MONTHS, server_default=str(DEFAULT_RETENTION_MONTHS), nullable=False
    )

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"
