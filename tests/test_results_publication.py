"""Protests, the panel, publication and what a published result allows (nothing changes)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pb_service.core.audit import AuditEvent
from pb_service.core.models import utcnow
from pb_service.core.permissions import SYSTEM, PermissionDenied
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Phase
from pb_service.extensions import db
from pb_service.proposals.models import Stage, Status
from pb_service.results.models import Outcome, ProjectResult, ProtestStatus, PublishedResultError, ResultCount
from pb_service.results.services import (
    compute_results, decide_protest, lodge_protest, publication_problems, publish_results, receipt_hashes, receipt_in_count,
)
from tests.editions_factories import make_edition
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import cast_ballot, cast_random_ballots, voting_edition


def _counted(session, *, protest_days=7, closed=False):
    """An edition whose vote ended a day ago, counted; ``closed`` moves the protest window into the past."""
    town = make_municipality(session)
    edition, city, districts, projects = voting_edition(session, town, phase=Phase.RESULTS, protest_days=protest_days)
    receipts = [ballot.receipt for ballot in cast_random_ballots(session, edition, city, districts, projects, 40)]
    if closed:
        for column in ("voting_starts_at", "results_starts_at"):
            setattr(edition, column, getattr(edition, column) - timedelta(days=protest_days))
    compute_results(town, edition, actor=SYSTEM)
    return town, edition, city, projects, receipts


def _errors(call) -> list[str]:
    with pytest.raises(ServiceValidationError) as refused:
        call()
    return [message for messages in refused.value.errors.values() for message in messages]


def test_a_protest_is_lodged_in_the_window_decided_with_a_public_justification(session, in_request, mailbox):
    town, edition, city, projects, _ = _counted(session)
    resident, panel = make_user(session), make_official(session, town, Role.EVALUATOR)
    protest = lodge_protest(town, edition, "  Komisja w punkcie nr 3 nie wydawała kart po 18:00.  ", city.id, actor=resident)
    assert (protest.number, protest.grounds, protest.status, protest.pool_id) == (1, "Komisja w punkcie nr 3 nie wydawała kart po 18:00.", ProtestStatus.PENDING, city.id)
    assert lodge_protest(town, edition, "Drugi protest w tej samej sprawie, inny punkt.", actor=resident).number == 2
    assert _errors(lambda: decide_protest(town, protest, False, "za krótko", actor=panel)) == [
        "Write a justification of at least 10 characters; it is published."
    ]
    decide_protest(town, protest, True, "Protokół punktu potwierdza przerwę w wydawaniu kart.", actor=panel)
    session.commit()  # the boundary: the mail's job leaves with the commit
    assert (protest.status, protest.decided_by_id) == (ProtestStatus.UPHELD, panel.id)
    assert _errors(lambda: decide_protest(town, protest, False, "Jeszcze raz, inaczej niż wcześniej.", actor=panel)) == [
        "This protest has already been decided."
    ]
    clerk = make_official(session, town, Role.CLERK)
    with pytest.raises(PermissionDenied):
        decide_protest(town, protest, False, "Urzędnik nie zasiada w komisji.", actor=clerk)
    assert [" ".join(str(m["Subject"]).split()) for m in mailbox.to(resident.email)] == [
        f"Protest nr 1 – {edition.name}: Czeka na rozstrzygnięcie komisji",
        f"Protest nr 2 – {edition.name}: Czeka na rozstrzygnięcie komisji",
        f"Protest nr 1 – {edition.name}: Uwzględniony",
    ]


def test_protests_only_in_their_window_and_with_grounds(session, in_request):
    town = make_municipality(session)
    resident = make_user(session)
    voting = make_edition(session, town, Phase.VOTING)
    window = ["Protests can be lodged only from the end of voting until the protest window closes."]
    assert _errors(lambda: lodge_protest(town, voting, "Za wcześnie, głosowanie trwa.", actor=resident)) == window
    town, edition, *_ = _counted(session, closed=True)
    assert _errors(lambda: lodge_protest(town, edition, "Za późno, termin minął.", actor=resident)) == window
    edition.results_starts_at = utcnow() - timedelta(hours=1)
    assert _errors(lambda: lodge_protest(town, edition, "krótko", actor=resident)) == ["Describe what was wrong in at least 10 characters."]
    other_pool = voting_edition(session, town)[1]
    assert _errors(lambda: lodge_protest(town, edition, "Protest dotyczy innej edycji.", other_pool.id, actor=resident)) == [
        "Choose a pool of this edition."
    ]


def test_publishing_waits_for_the_window_and_every_decision(session, in_request):
    town, edition, city, projects, _ = _counted(session)
    resident, admin = make_user(session), make_official(session, town, Role.ADMIN)
    protest = lodge_protest(town, edition, "Brak kart w punkcie przy szkole nr 5.", actor=resident)
    count = session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id))
    assert publication_problems(town, edition, count) == [
        "Residents may protest until the end of the protest window; publish after it closes.",
        "Protests waiting for the panel's decision: 1.",
    ]
    decide_protest(town, protest, True, "Punkt był zamknięty przez godzinę; sprawdzamy karty.", actor=admin)
    for column in ("voting_starts_at", "results_starts_at"):
        setattr(edition, column, getattr(edition, column) - timedelta(days=7))
    # Upheld after the count: the votes must be counted again before publishing.
    assert publication_problems(town, edition, count) == [
        "A protest was upheld after the votes were counted: count them again before publishing."
    ]
    compute_results(town, edition, actor=admin)
    count = session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id))
    assert publication_problems(town, edition, count) == []
    publish_results(town, edition, actor=admin)
    assert count.published_by_id == admin.id


def test_publishing_refuses_ballots_changed_since_the_count(session, in_request):
    town, edition, city, projects, _ = _counted(session, closed=True)
    cast_ballot(session, edition, {city.id: {projects[city.id][0].id: 1}})
    session.flush()
    assert _errors(lambda: publish_results(town, edition, actor=SYSTEM)) == [
        "The ballots have changed since they were counted: count them again before publishing."
    ]


def test_publication_marks_projects_through_the_workflow_and_mails_their_authors(session, in_request, mailbox):
    town, edition, city, projects, receipts = _counted(session, closed=True)
    assert receipt_hashes(town, edition) == [] and not receipt_in_count(town, edition, receipts[0])
    count = publish_results(town, edition, actor=SYSTEM)
    session.commit()  # the boundary: the authors' fan-out job leaves with the commit
    funded = {p.proposal_id for pool in count.pools for p in pool.projects if p.selected}
    for pool_projects in projects.values():
        for project in pool_projects:
            event = project.events[-1]
            expected = Status.SELECTED if project.id in funded else Status.NOT_SELECTED
            assert (project.status, event.to_status, event.stage, event.actor_id) == (expected, expected, Stage.SYSTEM, None)
    first = projects[city.id][0]
    result = count.pool_result(city.id)
    row = next(p for p in result.projects if p.proposal_id == first.id)
    # In the municipality's language, whoever publishes.
    assert (row.outcome, first.events[-1].justification) == (Outcome.FUNDED, f"Wybrany do realizacji. Głosy: {row.votes}.")
    assert len(mailbox.to(first.author.email)) == sum(len(p) for p in projects.values())
    assert len(receipt_hashes(town, edition)) == 40 and receipt_in_count(town, edition, receipts[0])


def test_a_published_result_never_changes(session, in_request):
    town, edition, city, projects, _ = _counted(session, closed=True)
    count = publish_results(town, edition, actor=SYSTEM, notify=False)
    assert _errors(lambda: compute_results(town, edition, actor=SYSTEM)) == ["The results are published; a published result never changes."]
    assert _errors(lambda: publish_results(town, edition, actor=SYSTEM)) == ["The results are already published."]
    # Whatever code tries, the session refuses to write a change to any part of it.
    project = session.scalar(tenant_select(ProjectResult, town).limit(1))
    with pytest.raises(PublishedResultError), session.begin_nested():
        project.votes += 1
        session.flush()
    count = session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id))
    with pytest.raises(PublishedResultError), session.begin_nested():
        db.session.delete(count)
        session.flush()


def test_officials_pages_and_who_may_act(app, session, client):
    town, edition, city, projects, _ = _counted(session, closed=True)
    observer, admin = make_official(session, town, Role.OBSERVER), make_official(session, town, Role.ADMIN)
    session.commit()
    login(client, observer)
    office = f"/{town.slug}/office/editions/{edition.id}/results/"
    assert client.get(office).status_code == 200
    assert client.get(office + "what-if").status_code == 200
    assert client.post(office + "publish").status_code == 403
    client.post("/account/logout")
    login(client, admin)
    page = client.get(office).get_data(as_text=True)
    assert "Opublikuj wyniki" in page and projects[city.id][0].title in page
    assert client.post(office + "publish").status_code == 302
    assert session.scalar(tenant_select(AuditEvent, town, AuditEvent.action == "results.publish")).actor_id == admin.id


def test_closing_the_vote_in_the_office_counts_it(app, session, client):
    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition, city, districts, projects = voting_edition(session, town)
    cast_random_ballots(session, edition, city, districts, projects, 10)
    session.commit()
    login(client, admin)
    response = client.post(f"/{town.slug}/office/editions/{edition.id}/advance", data={"reason": "Koniec głosowania według harmonogramu."})
    assert response.headers["Location"] == f"/{town.slug}/office/editions/{edition.id}/results/"
    assert session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id)).ballots == 10


def test_the_advance_command_moves_only_to_the_next_phase(app, session):
    town = make_municipality(session)
    edition = make_edition(session, town, Phase.APPEALS)
    session.commit()
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["pb", "edition", "advance", str(edition.id), "--to", "results", "--reason", "Przeskok o dwa etapy."])
    assert (wrong.exit_code, wrong.output) == (1, "Error: The edition is in the phase appeals; only the next phase, voting, can follow.\n")
    right = runner.invoke(args=["pb", "edition", "advance", str(edition.id), "--to", "voting", "--reason", "Odwołania rozpatrzone wcześniej."])
    assert (right.exit_code, right.output) == (0, f"{edition.name}: now in the phase voting.\n")
    event = session.scalar(tenant_select(AuditEvent, town, AuditEvent.action == "edition.advance_phase"))
    assert (event.actor_id, event.details["reason"], event.details["to_phase"]) == (None, "Odwołania rozpatrzone wcześniej.", "voting")
    missing = runner.invoke(args=["pb", "results", "compute", "999999"])
    assert (missing.exit_code, missing.output) == (1, "Error: No edition with id 999999.\n")


def test_the_clock_moves_forward_for_one_edition_in_development_only(app, session, monkeypatch):
    """A demo or a trial moves an edition past its protest window; production refuses."""
    town = make_municipality(session)
    edition = make_edition(session, town, Phase.RESULTS)
    closes = edition.protests_close_at
    session.commit()
    runner = app.test_cli_runner()
    moved = runner.invoke(args=["pb", "edition", "shift-clock", str(edition.id), "--days", "7", "--reason", "Próba: po oknie protestów."])
    assert (moved.exit_code, moved.output) == (0, f"{edition.name}: 7 days later; now in the phase results.\n")
    session.refresh(edition)
    assert edition.protests_close_at == closes - timedelta(days=7) and edition.protests_close_at < utcnow()
    event = session.scalar(tenant_select(AuditEvent, town, AuditEvent.action == "edition.shift_clock"))
    assert (event.details["days"], event.details["reason"]) == (7, "Próba: po oknie protestów.")
    monkeypatch.setitem(app.config, "PB_ENV", "production")
    refused = runner.invoke(args=["pb", "edition", "shift-clock", str(edition.id), "--days", "1", "--reason", "Nie w produkcji."])
    assert refused.exit_code == 2 and "refused in production" in refused.output
