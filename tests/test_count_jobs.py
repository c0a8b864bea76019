"""Large editions are counted by a job; the official follows it on a page with a <progress> bar
that refreshes itself (no JavaScript). Without a broker the job runs in-process after the commit."""
from __future__ import annotations

import re

from pb_service.core.jobs.queue import PENDING, drop_pending
from pb_service.core.permissions import SYSTEM
from pb_service.core.roles import Role
from pb_service.editions.models import LevelKind, Phase
from pb_service.core.jobs.models import JobState, TrackedJob
from pb_service.core.tenancy import tenant_select
from pb_service.results.models import PoolMeasures, ResultCount
from pb_service.results.services import publish_results
from pb_service.tasks import measure_results
from tests.editions_factories import make_edition, make_level, make_pool
from tests.factories import login, make_municipality, make_official, make_user
from tests.results_factories import admitted_projects, cast_ballot


def counted_edition(session, voters: int = 3, **edition_fields):
    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition = make_edition(session, town, Phase.RESULTS, **edition_fields)
    level = make_level(session, edition, LevelKind.CITY)
    pools = [make_pool(session, edition, level, budget=700_00, max_project_cost=None, name=name) for name in ("Północ", "Południe")]
    for pool in pools:
        [project] = admitted_projects(session, pool, make_user(session), [300_00])
        for _ in range(voters):
            cast_ballot(session, edition, {pool.id: {project.id: 1}})
    session.commit()
    return town, admin, edition


def test_a_large_edition_is_counted_by_a_job_whose_page_shows_progress(app, session):
    town, admin, edition = counted_edition(session)
    client = app.test_client()
    login(client, admin)
    app.config["COUNT_IN_BACKGROUND_FROM"] = 6
    try:
        response = client.post(f"/{town.slug}/office/editions/{edition.id}/results/compute")
    finally:
        app.config["COUNT_IN_BACKGROUND_FROM"] = 20000
    [job] = session.scalars(tenant_select(TrackedJob, town, TrackedJob.edition_id == edition.id)).all()
    assert response.headers["Location"].endswith(f"/{town.slug}/office/editions/{edition.id}/results/jobs/{job.id}")
    # No broker: the job ran in-process right after the request's commit, pool by pool.
    assert (job.kind, job.state, job.done, job.total, job.attempts) == ("count", JobState.DONE, 2, 2, 1)
    assert session.scalar(tenant_select(ResultCount, town, ResultCount.edition_id == edition.id)).ballots == 6

    client.get("/lang/en")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<progress id="count-progress" max="100" value="100">100%</progress>' in page
    assert "2 of 2 pools counted" in page and "The votes are counted." in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing itself
    office = client.get(f"/{town.slug}/office/editions/{edition.id}/results/").get_data(as_text=True)
    assert f'/results/jobs/{job.id}">Background count: finished</a>' in office


def test_a_small_edition_is_counted_at_once_and_a_queued_job_page_refreshes_itself(app, session):
    town, admin, edition = counted_edition(session, voters=1)
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/{town.slug}/office/editions/{edition.id}/results/compute")
    assert response.headers["Location"].endswith(f"/{town.slug}/office/editions/{edition.id}/results/")
    assert session.scalars(tenant_select(TrackedJob, town)).all() == []

    queued = TrackedJob(municipality_id=town.id, kind="count", edition_id=edition.id, total=2, done=1, state=JobState.RUNNING)
    session.add(queued)
    session.commit()
    client.get("/lang/en")
    page = client.get(f"/{town.slug}/office/editions/{edition.id}/results/jobs/{queued.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert re.search(r'<progress id="count-progress" max="100" value="50">50%</progress>', page)
    assert "1 of 2 pools counted" in page and "Reload to see the progress" in page
    other = make_municipality(session)
    session.commit()
    assert client.get(f"/{other.slug}/office/editions/{edition.id}/results/jobs/{queued.id}").status_code in (403, 404)


def test_the_purge_erases_mail_sent_more_than_a_week_ago(session):
    from datetime import timedelta

    from sqlalchemy import select

    from pb_service.core.models import utcnow
    from pb_service.core.permissions import SYSTEM
    from pb_service.core.jobs.models import OutboxMail
    from pb_service.privacy.purge import purge_all

    now = utcnow()
    for key, sent in (("old", now - timedelta(days=8)), ("recent", now - timedelta(days=6)), ("unsent", None)):
        session.add(OutboxMail(key=key, recipient=f"{key}@example.org", subject="s", body="b", sent_at=sent))
    session.flush()
    purge_all(now, actor=SYSTEM)
    assert sorted(session.scalars(select(OutboxMail.key))) == ["recent", "unsent"]


def test_the_sweep_queues_old_unsent_mail_again_and_it_is_sent_once(session, mailbox):
    from datetime import timedelta

    from sqlalchemy import select

    from pb_service.core.models import utcnow
    from pb_service.core.jobs.models import OutboxMail
    from pb_service.core.jobs.queue import enqueue

    now = utcnow()
    session.add_all([
        OutboxMail(key="lost", recipient="lost@example.org", subject="Lost", body="b\\n", created_at=now - timedelta(minutes=11)),
        OutboxMail(key="young", recipient="young@example.org", subject="Young", body="b\\n", created_at=now - timedelta(minutes=1)),
        OutboxMail(key="held", recipient="held@example.org", subject="Held", body="b\\n", created_at=now - timedelta(minutes=30),
                   claimed_until=now + timedelta(minutes=1)),
    ])
    enqueue("requeue_unsent_mail")
    session.commit()  # no broker: the sweep, then the mail it queued, run in-process after the commit
    enqueue("requeue_unsent_mail")
    session.commit()
    assert [m["To"] for m in mailbox.messages] == ["lost@example.org"]
    sent = dict(session.execute(select(OutboxMail.key, OutboxMail.sent_at.is_not(None))).all())
    assert sent == {"lost": True, "young": False, "held": False}


def test_measures_of_large_equal_shares_pools_are_a_job_after_the_count_and_publication_does_not_wait(app, session, client):
    from tests.test_results_explain import EQUAL_SHARES, _by_name, _counted

    app.config["MEASURES_IN_BACKGROUND_FROM"] = 8  # the pool of _counted has 8 ballots
    try:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            town, edition, pool, projects, count = _counted(session, "equalshares")
            # Counted at once; the measures are left to a job, which leaves when the caller commits.
            assert count.pools[0].measures is None
            [job] = session.scalars(tenant_select(TrackedJob, town)).all()
            assert (job.kind, job.state, job.edition_id, job.total) == ("measures", JobState.QUEUED, edition.id, 1)
            assert session.info[PENDING] == [("measure_results", (town.id, edition.id, job.id, None))]
            # Publication does not wait for them, nor decide a second job.
            publish_results(town, edition, actor=SYSTEM, notify=False)
            assert session.scalars(tenant_select(TrackedJob, town)).all() == [job]
            drop_pending(session)  # no worker has taken the job yet
    finally:
        app.config["MEASURES_IN_BACKGROUND_FROM"] = 500
    admin = make_official(session, town, Role.ADMIN)
    session.commit()
    client.get("/lang/en")
    proposal_page = f"/{town.slug}/proposals/{projects['B'].id}"
    pool_page = f"/{town.slug}/editions/{edition.id}/results/pools/{pool.id}"
    measures_file = f"/api/v1/municipalities/{town.slug}/editions/{edition.id}/pools/{pool.id}/measures.json"
    assert "Being computed: what would have changed the outcome for this project" in client.get(proposal_page).get_data(as_text=True)
    assert "Being computed: what would have changed the outcome for each project" in client.get(pool_page).get_data(as_text=True)
    assert "how close each project came: being computed" in client.get(f"/{town.slug}/editions/{edition.id}/results/").get_data(as_text=True)
    assert client.get(measures_file).status_code == 404
    login(client, admin)
    client.get("/lang/en")
    office = client.get(f"/{town.slug}/office/editions/{edition.id}/results/").get_data(as_text=True)
    assert f'/results/jobs/{job.id}">How close each project came: waiting</a>' in office and "How close each project came: being computed." in office
    waiting = client.get(f"/{town.slug}/office/editions/{edition.id}/results/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="measures-progress" max="100" value="0">0%</progress>' in waiting and "0 of 1 pool done" in waiting
    assert 'http-equiv="refresh"' in waiting

    measure_results(town.id, edition.id, job.id, None)  # what the worker runs

    session.expire_all()
    assert (job.state, job.done, job.total, job.outcome) == (JobState.DONE, 1, 1, "")
    stored = session.scalars(tenant_select(PoolMeasures, town)).one()
    assert {name: (v["max_winning_cost"], v["singleton_add"]) for name, v in _by_name(projects, stored.projects).items()} == EQUAL_SHARES
    done = client.get(f"/{town.slug}/office/editions/{edition.id}/results/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="measures-progress" max="100" value="100">100%</progress>' in done and 'http-equiv="refresh"' not in done
    client.post("/account/logout")
    client.get("/lang/en")
    assert "would have been funded" in client.get(proposal_page).get_data(as_text=True)
    assert client.get(measures_file).status_code == 200
    # Delivered again (a killed worker): nothing left to compute, nothing added.
    measure_results(town.id, edition.id, job.id, None)
    assert len(session.scalars(tenant_select(PoolMeasures, town)).all()) == 1


def test_without_a_broker_the_measures_job_runs_after_the_counting_request_and_stores_them(app, session):
    town, admin, edition = counted_edition(session, outcome_rule="equalshares")
    client = app.test_client()
    login(client, admin)
    app.config["MEASURES_IN_BACKGROUND_FROM"] = 1
    try:
        response = client.post(f"/{town.slug}/office/editions/{edition.id}/results/compute")
    finally:
        app.config["MEASURES_IN_BACKGROUND_FROM"] = 500
    assert response.headers["Location"].endswith(f"/{town.slug}/office/editions/{edition.id}/results/")
    [job] = session.scalars(tenant_select(TrackedJob, town)).all()
    assert (job.kind, job.state, job.done, job.total, job.attempts) == ("measures", JobState.DONE, 2, 2, 1)
    measures = session.scalars(tenant_select(PoolMeasures, town)).all()
    assert sorted(m.rule for m in measures) == ["equalshares", "equalshares"]
