"""``flask pb purge``: the retention policy carried out, idempotent and audited.

Voter identity hashes go once the protest window has closed and the result is published (the
ballots stay, so the result recomputes to the same digest); proposal authors and supporters are
anonymised after the municipality's retention period.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pb_service.core.audit import AuditEvent
from pb_service.core.models import utcnow
from pb_service.core.permissions import SYSTEM, PermissionDenied
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select, scoped_to, tenant_select
from pb_service.core.uploads import IMAGES_AND_PDF, save_upload, upload_path
from pb_service.editions.models import Phase
from pb_service.hub.models import ExpertQuestion, QuestionStatus, Topic
from pb_service.privacy.purge import PurgeCounts, add_months, purge_all, purge_municipality
from pb_service.proposals.models import Attachment, AttachmentKind, CoAuthor, Proposal, Supporter
from pb_service.results.counting import count_edition
from pb_service.results.models import ProjectResult, Protest
from pb_service.results.services import ballots_digest_now, compute_results, publish_results
from pb_service.voting.models import Ballot, Channel, OneTimeCode, PaperEntry, RegisteredVoter, VoterRecord
from tests.editions_factories import PNG_BYTES
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import cast_random_ballots, voting_edition

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

BALLOTS = 40


def _count(session, tenant, model, *criteria) -> int:
    return session.scalar(scoped_to(select(func.count()).select_from(model).where(model.municipality_id == tenant.id, *criteria), tenant))


def _edition_with_votes(session, *, closed: bool, publish: bool):
    """40 ballots counted; ``closed`` puts the protest window in the past; ``publish`` makes the result final."""
    town = make_municipality(session)
    edition, city, districts, projects = voting_edition(session, town, phase=Phase.RESULTS, protest_days=7)
    cast_random_ballots(session, edition, city, districts, projects, BALLOTS)
    if closed:
        for column in ("voting_starts_at", "results_starts_at"):
            setattr(edition, column, getattr(edition, column) - timedelta(days=7))
    # What else holds identity hashes: a one-time code, the register of eligible voters, a paper entry.
    session.add_all([
        OneTimeCode(municipality_id=town.id, edition_id=edition.id, identity_hash="a" * 64, destination_hash="b" * 64,
                    code_hash="c" * 64, expires_at=utcnow()),
        RegisteredVoter(municipality_id=town.id, edition_id=edition.id, identity_hash="d" * 64),
        PaperEntry(municipality_id=town.id, edition_id=edition.id, sheet_number="17", identity_hash="e" * 64, entry=b"sealed", created_at=utcnow()),
    ])
    count = compute_results(town, edition, actor=SYSTEM)
    if publish:
        publish_results(town, edition, actor=SYSTEM, notify=False)
    return town, edition, count


def _identity_hashes(session, town) -> int:
    return _count(session, town, VoterRecord, VoterRecord.identity_hash.is_not(None))


def test_nothing_is_erased_before_the_window_closes_or_while_the_result_is_not_final(session, in_request):
    town, edition, count = _edition_with_votes(session, closed=False, publish=False)
    town.retention_months = 3
    assert purge_municipality(town, actor=SYSTEM) == PurgeCounts()
    assert _identity_hashes(session, town) == BALLOTS
    assert [_count(session, town, model) for model in (OneTimeCode, RegisteredVoter, PaperEntry)] == [1, 1, 1]
    # The window has closed but the result is not published (not final): still nothing.
    other, _, _ = _edition_with_votes(session, closed=True, publish=False)
    assert purge_municipality(other, actor=SYSTEM) == PurgeCounts()
    assert _identity_hashes(session, other) == BALLOTS
    assert session.scalars(cross_tenant_select(AuditEvent, reason="test: the audit log").where(AuditEvent.action == "privacy.purge")).all() == []


def test_after_the_window_no_identity_hash_remains_and_results_recompute_to_the_same_digest(session, in_request):
    town, edition, count = _edition_with_votes(session, closed=True, publish=True)
    stored_selection = {
        (project.pool_result.pool_id, project.proposal_id)
        for project in session.scalars(tenant_select(ProjectResult, town, ProjectResult.selected.is_(True)))
    }
    assert len(stored_selection) > 0

    first = purge_municipality(town, actor=SYSTEM)

    assert first == PurgeCounts(identity_hashes=BALLOTS, one_time_codes=1, registered_voters=1, paper_entries=1)
    assert _identity_hashes(session, town) == 0
    assert [_count(session, town, model) for model in (OneTimeCode, RegisteredVoter, PaperEntry)] == [0, 0, 0]
    # The ballots and the voter records' statistics stay.
    assert _count(session, town, Ballot) == BALLOTS
    assert _count(session, town, VoterRecord) == BALLOTS
    assert _count(session, town, VoterRecord, VoterRecord.channel == Channel.PAPER) == BALLOTS // 5
    # The result recomputes to the same digest and the same selected projects.
    assert ballots_digest_now(town, edition) == count.digest
    recount = count_edition(town, edition)
    assert recount.digest == count.digest
    assert {(pool.pool.id, int(pid)) for pool in recount.pools for pid in pool.selected} == stored_selection
    # Audited, with what was erased.
    events = session.scalars(cross_tenant_select(AuditEvent, reason="test: the audit log").where(AuditEvent.action == "privacy.purge")).all()
    assert [(e.municipality_id, e.actor_id, e.details) for e in events] == [(town.id, None, {
        "retention_months": 12, "identity_hashes": BALLOTS, "one_time_codes": 1, "registered_voters": 1, "paper_entries": 1,
        "proposals_anonymised": 0, "coauthors": 0, "supporters": 0, "supporters_lists": 0, "appeal_documents": 0, "protests_anonymised": 0,
        "questions_anonymised": 0,
    })]

    # A second run changes nothing (and records no second municipal event).
    assert purge_municipality(town, actor=SYSTEM) == PurgeCounts()
    assert _identity_hashes(session, town) == 0
    assert _count(session, town, Ballot) == BALLOTS
    assert ballots_digest_now(town, edition) == count.digest
    assert len(session.scalars(cross_tenant_select(AuditEvent, reason="test: the audit log").where(AuditEvent.action == "privacy.purge")).all()) == 1


def _proposal_with_people(session, town, edition):
    proposal = session.scalars(tenant_select(Proposal, town, Proposal.edition_id == edition.id).order_by(Proposal.id)).first()
    supporter, coauthor = make_user(session), make_user(session)
    session.add_all([
        Supporter(municipality_id=town.id, proposal_id=proposal.id, user_id=supporter.id),
        CoAuthor(municipality_id=town.id, proposal_id=proposal.id, user_id=coauthor.id),
    ])
    stored = save_upload(FileStorage(io.BytesIO(PNG_BYTES), "lista.png"), IMAGES_AND_PDF, owner=town.id)
    appeal = save_upload(FileStorage(io.BytesIO(PNG_BYTES), "ksiega.png"), IMAGES_AND_PDF, owner=town.id)
    for kind, name, upload in ((AttachmentKind.SUPPORTERS_LIST, "lista.png", stored), (AttachmentKind.APPEAL, "ksiega.png", appeal)):
        session.add(Attachment(
            municipality_id=town.id, proposal_id=proposal.id, kind=kind, original_name=name,
            stored_name=upload.stored_name, content_type=upload.content_type, size=upload.size,
        ))
    session.flush()
    session.refresh(proposal)
    return proposal, stored.stored_name


def test_authors_and_supporters_are_anonymised_after_the_retention_period(session, in_request):
    town, edition, count = _edition_with_votes(session, closed=True, publish=True)
    town.retention_months = 3
    proposal, list_file = _proposal_with_people(session, town, edition)
    protester = make_user(session)
    session.add(Protest(municipality_id=town.id, edition_id=edition.id, number=1, author_id=protester.id, grounds="Za mało lokali."))
    session.flush()
    proposals = _count(session, town, Proposal, Proposal.edition_id == edition.id)
    supporters_before = proposal.supporter_count
    assert supporters_before == 1
    due = add_months(edition.protests_close_at, 3)

    # A day before the end of the retention period: only the identity hashes go.
    assert purge_municipality(town, actor=SYSTEM, now=due - timedelta(days=1)) == PurgeCounts(
        identity_hashes=BALLOTS, one_time_codes=1, registered_voters=1, paper_entries=1
    )
    assert proposal.author.public_name != "Former resident"
    assert _count(session, town, Supporter) == 1

    assert purge_municipality(town, actor=SYSTEM, now=due) == PurgeCounts(
        proposals_anonymised=proposals, coauthors=1, supporters=1, supporters_lists=1, appeal_documents=1, protests_anonymised=1
    )
    session.expire_all()
    assert {p.author.email for p in session.scalars(tenant_select(Proposal, town))} == {"former-resident@invalid"}
    assert {p.author.email for p in session.scalars(tenant_select(Protest, town))} == {"former-resident@invalid"}
    assert proposal.author.public_name == "Former resident"
    assert (_count(session, town, Supporter), _count(session, town, CoAuthor)) == (0, 0)
    assert _count(session, town, Attachment, Attachment.kind.in_([AttachmentKind.SUPPORTERS_LIST, AttachmentKind.APPEAL])) == 0
    assert not upload_path(list_file, owner=town.id).exists()
    # The documented count of supporters does not change.
    assert (proposal.supporter_count, proposal.erased_supporters) == (supporters_before, 1)
    assert ballots_digest_now(town, edition) == count.digest

    assert purge_municipality(town, actor=SYSTEM, now=due + timedelta(days=400)) == PurgeCounts()


def test_officials_questions_to_experts_stop_naming_them_after_the_retention_period(session, in_request):
    town = make_municipality(session, retention_months=6)
    official = make_official(session, town)
    answered_at = utcnow() - timedelta(days=30)
    answered = ExpertQuestion(
        municipality_id=town.id, topic=Topic.AGEING, subject="Seniorzy", body="Jak dotrzeć do seniorów?", asked_by_id=official.id,
        status=QuestionStatus.ANSWERED, answer="Przez kluby seniora.", answered_at=answered_at, created_at=answered_at - timedelta(days=20),
    )
    open_question = ExpertQuestion(
        municipality_id=town.id, topic=Topic.AGEING, subject="Lokale", body="Ile punktów głosowania?", asked_by_id=official.id,
        created_at=answered_at,
    )
    session.add_all([answered, open_question])
    session.flush()

    # Within six months of the answer (or of the asking): nothing.
    due = add_months(answered_at, 6)
    assert purge_municipality(town, actor=SYSTEM, now=due - timedelta(days=1)) == PurgeCounts()
    assert purge_municipality(town, actor=SYSTEM, now=due) == PurgeCounts(questions_anonymised=2)
    session.expire_all()
    assert [(q.subject, q.asked_by_id, q.answer) for q in session.scalars(tenant_select(ExpertQuestion, town).order_by(ExpertQuestion.id))] == [
        ("Seniorzy", None, "Przez kluby seniora."), ("Lokale", None, ""),
    ]
    assert purge_municipality(town, actor=SYSTEM, now=due + timedelta(days=400)) == PurgeCounts()


def test_the_command_purges_every_municipality_and_logs_each_run(app, session):
    town, edition, count = _edition_with_votes(session, closed=True, publish=True)
    quiet = make_municipality(session)
    session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["pb", "purge"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        f"{town.slug}: identity hashes: {BALLOTS}, one time codes: 1, registered voters: 1, paper entries: 1",
        "Purge done: 2 municipalities checked, 43 items erased.",
    ]
    second = runner.invoke(args=["pb", "purge"])
    assert second.output.splitlines() == ["Purge done: 2 municipalities checked, 0 items erased."]
    runs = session.scalars(cross_tenant_select(AuditEvent, reason="test: the audit log").where(AuditEvent.action == "privacy.purge_run").order_by(AuditEvent.id)).all()
    assert [(r.municipality_id, r.details["municipalities"], r.details["identity_hashes"]) for r in runs] == [(None, 2, BALLOTS), (None, 2, 0)]
    assert _identity_hashes(session, town) == 0
    assert ballots_digest_now(town, edition) == count.digest
    assert runner.invoke(args=["pb", "purge", "--municipality", quiet.slug]).output.splitlines() == [
        "Purge done: 1 municipalities checked, 0 items erased."
    ]
    # The operations check after a restore says the same: the published result recounts from the ballots.
    verified = runner.invoke(args=["pb", "results", "verify"])
    assert verified.exit_code == 0
    assert verified.output.splitlines() == [
        f"OK       {town.slug}/{edition.id} {edition.name}: {BALLOTS} ballots, digest {count.digest}",
        "1 of 1 published results recount to the same digest.",
    ]


def test_verify_reports_a_result_that_no_longer_matches_its_ballots(app, session):
    town, edition, count = _edition_with_votes(session, closed=True, publish=True)
    ballot = session.scalars(tenant_select(Ballot, town, Ballot.edition_id == edition.id)).first()
    session.delete(ballot)
    session.commit()
    result = app.test_cli_runner().invoke(args=["pb", "results", "verify"])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"MISMATCH {town.slug}/{edition.id} {edition.name}: {BALLOTS - 1} ballots, digest ")
    assert f"(published {count.digest}, {BALLOTS} ballots;" in first
    assert result.output.splitlines()[-1] == "0 of 1 published results recount to the same digest."


def test_only_the_system_purges(session, in_request):
    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        purge_municipality(town, actor=admin)
    with pytest.raises(PermissionDenied):
        purge_all(actor=make_user(session, staff=True))


def test_the_admin_sets_the_retention_period_in_the_municipality_settings(session, client):
    town = make_municipality(session, slug="okres")
    admin = make_official(session, town, Role.ADMIN, locale="en")
    session.commit()
    login(client, admin)
    page = client.get("/okres/office/profile").get_data(as_text=True)
    assert 'name="retention_months"' in page
    assert '<option selected value="12">1 year</option>' in page
    form = {"default_locale": "pl", "retention_months": "60", "privacy_notice": ""}
    assert client.post("/okres/office/profile", data=form).status_code == 302
    session.refresh(town)
    assert town.retention_months == 60
    refused = client.post("/okres/office/profile", data={**form, "retention_months": "1"})
    assert refused.status_code == 422
    assert '<a href="#retention_months">Keep personal data of proposal authors and supporters for: Not a valid choice.</a>' in refused.get_data(as_text=True)
    session.refresh(town)
    assert town.retention_months == 60


def test_add_months_keeps_the_day_or_takes_the_months_last():
    from datetime import datetime

    assert add_months(datetime(2027, 1, 31, 12), 1) == datetime(2027, 2, 28, 12)
    assert add_months(datetime(2027, 11, 15), 3) == datetime(2028, 2, 15)
    assert add_months(datetime(2027, 6, 30), 60) == datetime(2032, 6, 30)


def test_the_information_clause_states_the_retention_period(session, in_request):
    from pb_service.privacy.notices import default_municipality_notice

    town = make_municipality(session, retention_months=36)
    assert "kept for 3 years after the end of the edition's protest window" in default_municipality_notice(town)
    town.retention_months = 6
    assert "kept for 6 months after the end of the edition's protest window" in default_municipality_notice(town)
