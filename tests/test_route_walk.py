"""Walk every route as another municipality's officials and as an anonymous visitor."""
from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Blueprint, g, render_template_string
from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage

from pb_service.accessibility.models import AccessForm, AccessibilityRequest, RequestSubject
from pb_service.accounts.models import Invitation, Membership
from pb_service.accounts.services import members_of, open_invitations
from pb_service.api_tokens.services import API_PERMISSIONS, create_token
from pb_service.analytics.models import ImplementationPhoto, ImplementationStatus, ImplementationUpdate
from pb_service.core.audit import record_audit
from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.core.uploads import IMAGES_AND_PDF, save_upload
from pb_service.extensions import db
from pb_service.hub.models import ExpertQuestion, Topic
from pb_service.proposals.models import Attachment, AttachmentKind, Status
from pb_service.results.models import Outcome, PoolMeasures, PoolResult, ProjectResult, Protest, ResultCount
from tests.conftest import make_app
from tests.editions_factories import PNG_BYTES, make_category, make_edition, make_pool, make_proposal
from tests.factories import login, make_municipality, make_official, make_user
from tests.route_walk import RouteWalk, Visitor

VICTIM_ADMIN_EMAIL = "victim-admin-private@example.org"
AUDIT_SECRET = "victim-audit-detail-7f3a"
QUESTION_SECRET = "victim-question-to-expert-5d07"
AUTHOR_EMAIL = "victim-author-private@example.org"
DRAFT_SECRET = "victim-draft-title-91c2"
TOKEN_SECRET = "victim-token-name-3be8"
REQUESTER_EMAIL = "victim-requester-private@example.org"


def victim_and_attacker(session):
    victim = make_municipality(session, slug="ofiara", name="Gmina Ofiara")
    attacker = make_municipality(session, slug="napastnik", name="Gmina Napastnik")
    victim_admin = make_official(session, victim, Role.ADMIN, email=VICTIM_ADMIN_EMAIL)
    invitation = Invitation(municipality_id=victim.id, email="victim-invitee-private@example.org", role=Role.CLERK)
    session.add(invitation)
    record_audit(victim_admin, victim, "test.secret", victim, note=AUDIT_SECRET)
    question = ExpertQuestion(municipality_id=victim.id, topic=Topic.AGEING, subject="Pytanie", body=QUESTION_SECRET)
    session.add(question)
    accessibility_request = AccessibilityRequest(
        municipality_id=victim.id, name="Wnioskodawca", email=REQUESTER_EMAIL, subject=RequestSubject.VOTING,
        description="Głosowanie w domu", preferred_form=AccessForm.HOME_VISIT, due_on=date.today(),
    )
    session.add(accessibility_request)
    attackers = {role: make_official(session, attacker, role) for role in Role}
    ids = _victim_edition(session, victim)
    session.commit()
    membership = session.scalar(tenant_select(Membership, victim))
    victim_token, _ = create_token(victim, TOKEN_SECRET, sorted(API_PERMISSIONS), 30, actor=victim_admin)
    _, attackers_token = create_token(attacker, "attacker's integration", sorted(API_PERMISSIONS), 30, actor=attackers[Role.ADMIN])
    session.commit()
    ids.update({
        "membership_id": membership.id, "invitation_id": invitation.id, "question_id": question.id, "token_id": victim_token.id, "request_id": accessibility_request.id,
    })
    return victim, attacker, attackers, ids, attackers_token


def _victim_edition(session, victim) -> dict:
    """An edition with a pool, a category, a public proposal with its private supporters list, a draft."""
    edition = make_edition(session, victim)
    pool = make_pool(session, edition)
    category = make_category(session, edition)
    author = make_user(session, email=AUTHOR_EMAIL)
    proposal = make_proposal(session, pool, author)
    make_proposal(session, pool, author, Status.DRAFT, title=DRAFT_SECRET)
    stored = save_upload(FileStorage(io.BytesIO(PNG_BYTES), "lista.png"), IMAGES_AND_PDF, owner=victim.id)
    attachment = Attachment(
        municipality_id=victim.id, proposal_id=proposal.id, kind=AttachmentKind.SUPPORTERS_LIST, original_name=stored.original_name,
        stored_name=stored.stored_name, content_type=stored.content_type, size=stored.size,
    )
    session.add(attachment)
    protest = Protest(municipality_id=victim.id, edition_id=edition.id, number=1, author_id=author.id, grounds="Karty się skończyły.")
    session.add(protest)
    _published_result(session, victim, edition, pool, proposal)
    update = ImplementationUpdate(municipality_id=victim.id, proposal_id=proposal.id, status=ImplementationStatus.IN_PROGRESS, note="Prace trwają.")
    update.photos.append(ImplementationPhoto(
        municipality_id=victim.id, original_name="plac.png", stored_name=stored.stored_name.replace(".", "b.", 1),
        content_type="image/png", size=stored.size,
    ))
    session.add(update)
    session.flush()
    return {
        "photo_id": update.photos[0].id, "slug": victim.slug,
        "edition_id": edition.id, "level_id": pool.level_id, "pool_id": pool.id, "category_id": category.id,
        "proposal_id": proposal.id, "attachment_id": attachment.id, "protest_id": protest.id,
    }


def _published_result(session, victim, edition, pool, proposal) -> None:
    """A published count, so that the public results routes answer (and show no private data)."""
    count = ResultCount(municipality_id=victim.id, edition_id=edition.id, digest="0" * 64, ballots=1, published_at=utcnow())
    pool_result = PoolResult(
        municipality_id=victim.id, pool_id=pool.id, rule="greedy", parameters={}, vote_type="approval", digest="0" * 64,
        voters=1, budget=pool.budget, spent=proposal.cost, leftover=pool.budget - proposal.cost, pabulib="META\n", pabulib_sha256="0" * 64,
    )
    pool_result.projects.append(ProjectResult(
        municipality_id=victim.id, proposal_id=proposal.id, rank=1, cost=proposal.cost, votes=1, score=1, outcome=Outcome.FUNDED, selected=True,
    ))
    pool_result.measures = PoolMeasures(municipality_id=victim.id, rule="greedy", projects={str(proposal.id): {
        "selected": True, "max_winning_cost": pool.budget // 100, "singleton_add": 0, "optimist_add": 0, "pessimist_add": 0, "reasons": {},
    }})
    count.pools.append(pool_result)
    session.add(count)


def _walk(app, session, victim, attacker, attackers, ids, attackers_token, endpoints=None):
    visitors = [Visitor("anonymous", app.test_client())]
    for role, official in attackers.items():
        client = app.test_client()
        login(client, official)
        visitors.append(Visitor(f"{role.value} of {attacker.slug}", client, attacker.slug))
    # An integration of the other municipality, with every permission a token can carry.
    token_client = app.test_client()
    token_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {attackers_token}"
    visitors.append(Visitor(f"API token of {attacker.slug}", token_client, attacker.slug))
    walk = RouteWalk(
        app,
        victim_slug=victim.slug,
        victim_ids=ids,
        private_markers=[
            VICTIM_ADMIN_EMAIL, "victim-invitee-private@example.org", AUDIT_SECRET, QUESTION_SECRET, AUTHOR_EMAIL, DRAFT_SECRET,
            TOKEN_SECRET,
            REQUESTER_EMAIL,
        ],
        endpoints=endpoints,
    )
    return walk, walk.run(visitors)


@pytest.mark.slow
def test_no_route_leaks_another_municipality(app, session):
    victim, attacker, attackers, ids, attackers_token = victim_and_attacker(session)
    walk, leaks = _walk(app, session, victim, attacker, attackers, ids, attackers_token)
    assert leaks == []
    # The walk really went through the tenant's routes (members, audit log, invitations...).
    assert walk.visited > 50
    # Nothing changed for the victim: the admin and the invitation are still there.
    session.expire_all()
    assert [m.user.email for m in members_of(victim)] == [VICTIM_ADMIN_EMAIL]
    assert [i.email for i in open_invitations(victim)] == ["victim-invitee-private@example.org"]


leaky = Blueprint("leaky", __name__, url_prefix="/<municipality>/leaky")


@leaky.get("/members")
def leaky_members():
    """Deliberately wrong: lists officials' e-mails with no permission check."""
    return render_template_string("{% for m in members %}{{ m.user.email }} {% endfor %}", members=members_of(g.municipality))


def test_route_walk_catches_a_leaking_route(tmp_path, smtp_server):
    """The leaking route beside the office's members page, which shows the same e-mails behind a
    permission (the whole walk of every route is the test above)."""
    app = make_app(f"sqlite:///{tmp_path}/leaky.sqlite3", smtp_server.port)
    app.register_blueprint(leaky)
    with app.app_context():
        upgrade()
        victim, attacker, attackers, ids, attackers_token = victim_and_attacker(db.session)
        walk, leaks = _walk(
            app, db.session, victim, attacker, attackers, ids, attackers_token, endpoints={"leaky.leaky_members", "municipality.members"},
        )
    assert walk.visited == 6 + 2 * 6  # six visitors: GET of the leaking page, GET and POST of the members page
    leaking_urls = {leak.url for leak in leaks}
    assert leaking_urls == {"/ofiara/leaky/members"}
    assert {leak.who for leak in leaks} == {"anonymous", "API token of napastnik"} | {f"{role.value} of napastnik" for role in Role}
    assert all(VICTIM_ADMIN_EMAIL in leak.reason for leak in leaks)
