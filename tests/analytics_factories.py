"""Factories for analytics: an edition with stored indicators (as publication would leave them)."""
from __future__ import annotations

from pb_service.analytics.models import EditionIndicators
from pb_service.editions.models import Phase
from tests.editions_factories import make_edition


def make_indicators(session, municipality, year: int, *, voters: int, budget_total: int, **values) -> EditionIndicators:
    """An edition of ``year`` (being implemented) and its indicators; turnout and per-resident figures derived
    from the municipality's population, the rest zero unless given."""
    edition = make_edition(session, municipality, Phase.IMPLEMENTATION, year=year)
    population = municipality.population
    row = EditionIndicators(
        municipality_id=municipality.id, edition_id=edition.id, year=year, source="platform", population=population,
        budget_total=budget_total, budget_per_resident=budget_total / 100 / population, projects_on_ballot=10,
        voters=voters, turnout=voters / population, voters_online=voters, voters_paper=0, voters_channel_unknown=0,
        invalid_ballots=0, votes_per_voter=2.0, funded_count=4, funded_cost=budget_total, funded_share=1.0, leftover=0,
        rule="greedy", alternative_rule="equalshares", fairness=0.5, fairness_alternative=0.6,
    )
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row
