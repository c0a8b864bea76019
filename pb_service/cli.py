"""``flask pb ...``: operations commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from pb_service.core.validation import ServiceValidationError

pb_cli = AppGroup("pb", help="pb-service operations.")


def _operations_bypass(ctx: click.Context) -> None:
    """Operations commands act on every municipality: the database wall is lifted, with a reason."""
    from pb_service.core.tenancy import allow_cross_tenant
    from pb_service.extensions import db

    allow_cross_tenant(db.session, f"operations command: flask pb {ctx.invoked_subcommand or ''}".strip())


pb_cli.callback = with_appcontext(click.pass_context(_operations_bypass))


@pb_cli.result_callback()
def _commit_command(result, **params) -> None:
    """A command that ends without an error commits what its services did (they only flush)."""
    from pb_service.extensions import db

    db.session.commit()


@pb_cli.command("create-staff")
@click.argument("email")
@click.option("--name", default="Programme staff", show_default=True, help="Display name.")
@click.password_option(help="Password (asked for when not given).")
def create_staff_command(email: str, name: str, password: str) -> None:
    """Create (or promote) a programme-staff account."""
    from pb_service.accounts.services import create_staff

    try:
        user = create_staff(email, password, name)
    except ServiceValidationError as error:
        raise click.UsageError(str(_fail(error).message)) from error
    click.echo(f"Programme staff account ready: {user.email}")


@pb_cli.command("rotate-secrets")
def rotate_secrets_command() -> None:
    """Encrypt the stored second-factor secrets again under SECRET_KEY (after a key change).

    Run it once the new key is SECRET_KEY and the old one is in SECRET_KEY_FALLBACKS; afterwards
    the old key is needed no more for the secrets (see docs/operations.md).
    """
    from pb_service.accounts.twofactor import reencrypt_secrets

    count = reencrypt_secrets()
    click.echo(f"{count} second-factor secrets are encrypted under the current SECRET_KEY.")


def _fail(error: ServiceValidationError) -> click.ClickException:
    return click.ClickException("; ".join(m for messages in error.errors.values() for m in messages))


def _edition(edition_id: int):
    """An edition by its id, across municipalities (operations commands act for the system)."""
    from pb_service.core.tenancy import cross_tenant_select
    from pb_service.editions.models import Edition
    from pb_service.extensions import db

    edition = db.session.scalar(cross_tenant_select(Edition, reason="operations command by edition id").where(Edition.id == edition_id))
    if edition is None:
        raise click.ClickException(f"No edition with id {edition_id}.")
    return edition


def _as_system(service, edition):
    """Run a service on the edition as the system actor; a refusal becomes the command's error."""
    from pb_service.core.permissions import SYSTEM

    try:
        return service(edition.municipality, edition, actor=SYSTEM)
    except ServiceValidationError as error:
        raise _fail(error) from error


@pb_cli.command("demo")
def demo_command() -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from pb_service.demo import load_demo

    for line in load_demo():
        click.echo(line)


@pb_cli.command("demo-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo_server_command(host: str, port: int) -> None:
    """Upgrade the database, load the demo and serve it with the development server (``make run``).

    One process does all three, so the app is imported once. The pages answer as soon as the
    demo's first part is committed; the rest (published results, the Pabulib analytics, good
    practices) is loaded meanwhile (:mod:`pb_service.demo.server`).
    """
    from flask import current_app
    from flask_migrate import upgrade

    from pb_service.demo import load_demo_first
    from pb_service.demo.server import serve_demo
    from pb_service.extensions import db

    upgrade()
    for line in load_demo_first():
        click.echo(line)
    db.session.commit()
    serve_demo(current_app._get_current_object(), host, port)


@pb_cli.command("demo-code")
@click.argument("email")
def demo_code_command(email: str) -> None:
    """Print the current sign-in code of a demo official (demo accounts only, never in production)."""
    import pyotp
    from flask import current_app

    from pb_service.accounts.services import normalise_email, user_by_email
    from pb_service.demo import demo_accounts_with_second_factor, demo_totp_secret

    email = normalise_email(email)
    if current_app.config["PB_ENV"] == "production":
        raise click.UsageError("demo-code is refused in production")
    if email not in demo_accounts_with_second_factor():
        raise click.UsageError(f"{email} is not a demo official; demo-code prints codes of the demo accounts only")
    user = user_by_email(email)
    if user is None or user.totp_secret != demo_totp_secret(email):
        raise click.UsageError(f"{email} does not use the demo authenticator key (run `flask pb demo` first)")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@pb_cli.command(
    "tally",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.pass_context
def tally_command(context: click.Context) -> None:
    """Compute a Pabulib file's outcome: the same options as ``python -m pb_service.rules tally``."""
    from pb_service.rules.cli import main

    context.exit(main(["tally", *context.args], prog="flask pb"))


hub_cli = AppGroup("hub", help="Knowledge hub.")
pb_cli.add_command(hub_cli)


@hub_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind registered people of hub events starting within 48 hours (run it hourly)."""
    from pb_service.tasks import send_due_reminders

    click.echo(f"Reminders sent: {send_due_reminders()}")


edition_cli = AppGroup("edition", help="Editions.")
pb_cli.add_command(edition_cli)

PHASE_NAMES = ["submission", "formal_review", "merit_review", "appeals", "voting", "results", "implementation", "closed"]


@edition_cli.command("advance")
@click.argument("edition_id", type=int)
@click.option("--to", "to_phase", required=True, type=click.Choice(PHASE_NAMES), help="The next phase (a safeguard: it must be the next one).")
@click.option("--reason", required=True, help="Why the phase ends early (recorded and shown on the public timeline).")
def advance_edition_command(edition_id: int, to_phase: str, reason: str) -> None:
    """End the current phase now and start the next one, as an admin does in the office.

    Moving into the results phase closes the vote and counts it (the preliminary result).
    """
    from pb_service.editions.models import DATED_PHASES, Phase
    from pb_service.editions.services import advance_phase
    from pb_service.results.services import compute_results

    edition = _edition(edition_id)
    current = edition.phase
    expected = Phase.SUBMISSION if current is Phase.ANNOUNCED else (
        Phase.CLOSED if current in (Phase.IMPLEMENTATION, Phase.CLOSED) else DATED_PHASES[DATED_PHASES.index(current) + 1]
    )
    if to_phase != expected.value:
        raise click.ClickException(f"The edition is in the phase {current.value}; only the next phase, {expected.value}, can follow.")
    new = _as_system(lambda tenant, edition, *, actor: advance_phase(tenant, edition, reason, actor=actor), edition)
    click.echo(f"{edition.name}: now in the phase {new.value}.")
    if new is Phase.RESULTS:
        count = _as_system(compute_results, edition)
        click.echo(f"Votes counted: {count.ballots} valid ballots, digest {count.digest}.")


@edition_cli.command("shift-clock")
@click.argument("edition_id", type=int)
@click.option("--days", required=True, type=int, help="How many days pass for this edition (its dates move that much earlier).")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def shift_clock_command(edition_id: int, days: int, reason: str) -> None:
    """Development and demos only: let DAYS pass for one edition, e.g. past its protest window.
    Refused in production, where an edition's calendar is the resolution's."""
    from flask import current_app

    from pb_service.editions.services import shift_clock

    if current_app.config["PB_ENV"] == "production":
        raise click.UsageError("shift-clock is refused in production")
    edition = _edition(edition_id)
    phase = _as_system(lambda tenant, edition, *, actor: shift_clock(tenant, edition, days, reason, actor=actor), edition)
    current_app.logger.warning("edition %s: clock moved %s days forward (%s)", edition_id, days, reason)
    click.echo(f"{edition.name}: {days} days later; now in the phase {phase.value}.")


results_cli = AppGroup("results", help="Counting and publishing results.")
pb_cli.add_command(results_cli)


@results_cli.command("compute")
@click.argument("edition_id", type=int)
def compute_results_command(edition_id: int) -> None:
    """Count the edition's ballots and store the preliminary result (replacing an older count)."""
    from pb_service.results.services import compute_results

    edition = _edition(edition_id)
    count = _as_system(compute_results, edition)
    click.echo(f"{edition.name}: {count.ballots} valid ballots counted, digest {count.digest} (preliminary).")
    for pool in count.pools:
        click.echo(f"  {pool.pool.name}: {pool.voters} ballots, {len(pool.funded)} funded, spent {pool.spent / 100:.2f} zł, leftover {pool.leftover / 100:.2f} zł")


@results_cli.command("measure")
@click.argument("edition_id", type=int)
def measure_results_command(edition_id: int) -> None:
    """Compute the performance measures the edition's count lacks (imported editions under equal
    shares or Phragmén, counts made before measures were stored), preliminary or published."""
    from pb_service.extensions import db
    from pb_service.results.services import measure_results

    edition = _edition(edition_id)
    added = _as_system(measure_results, edition)
    db.session.commit()
    for pool_result in added:
        click.echo(f"  {pool_result.pool.name}: {len(pool_result.measures.projects)} projects under {pool_result.rule}, "
                   f"{pool_result.measures.cpu_milliseconds / 1000:.1f} s CPU")
    click.echo(f"{edition.name}: pools with new measures: {len(added)}.")


@results_cli.command("publish")
@click.argument("edition_id", type=int)
def publish_results_command(edition_id: int) -> None:
    """Publish the preliminary result (the protest window closed, every protest decided)."""
    from pb_service.results.services import publish_results

    edition = _edition(edition_id)
    count = _as_system(publish_results, edition)
    click.echo(f"{edition.name}: results published, digest {count.digest}.")


@pb_cli.command("import-pabulib")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--municipality", "municipality_slug", help="Import into this municipality (address), whatever META says.")
@click.option("--again", is_flag=True, help="Import files imported before once more, replacing the editions they made (give all of an edition's files).")
@click.option("--queue", "in_background", is_flag=True, help="Leave the import to a worker (`flask pb worker`, which must read the same paths); its log shows each file.")
def import_pabulib_command(paths: tuple[str, ...], municipality_slug: str | None, again: bool, in_background: bool) -> None:
    """Import past editions from Pabulib files (FILE or DIRECTORY of .pb / .pb.gz files).

    Files of one municipality, year and rule become one edition, counted and published by its rule
    and checked against the files' `selected` column. A file imported before is skipped (or, with
    --again, replaces its edition). A line per file is printed as soon as the file is done.
    """
    from pb_service.analytics.importer import import_with_progress, pabulib_paths, start_import
    from pb_service.core.jobs.services import run_tracked
    from pb_service.core.permissions import SYSTEM
    from pb_service.extensions import db

    files = pabulib_paths(paths)
    # A job of the programme either way: staff follow it at /staff/analytics/imports/<id>.
    tracked = start_import(files, municipality_slug, actor=SYSTEM, again=again, queued=in_background)
    db.session.commit()
    if in_background:
        click.echo(f"{len(files)} files left to a worker (job import_pabulib); progress: /staff/analytics/imports/{tracked.id}")
        return
    click.echo(f"Progress for programme staff: /staff/analytics/imports/{tracked.id}")
    done: list = []
    editions_seen: set[int] = set()

    def report_file(report) -> None:
        done.append(report)
        line = f"[{len(done)}/{len(files)}] {report.status:8} {report.path.name}: {report.message}"
        click.secho(line, fg={"failed": "red", "skipped": "yellow"}.get(report.status), err=report.status == "failed")
        record = report.record if report.status == "imported" else None
        if record is not None and record.edition_id not in editions_seen and report.voter_ids and report.voter_ids.files > 1:
            editions_seen.add(record.edition_id)
            verdict = "each person counted once" if report.voter_ids.shared else "voters NOT KNOWABLE"
            click.echo(f"         voters of the edition: {verdict} ({report.voter_ids.reason})")
        if record is not None and record.selection_matches is False:
            click.secho(
                f"         SELECTED DIFFERS: the file funds {record.selected_in_file}, our count {record.selected_by_count}",
                fg="red",
            )
            for explanation in report.explanations:
                click.echo(f"           {explanation}")
        if record is not None and record.selected_outside_rule:
            click.echo(f"         funded outside the rule in the file (selected 2/3): {record.selected_outside_rule}")
        if report.vote_differences:
            click.echo(f"         votes in the file differ from its ballots for {len(report.vote_differences)} project(s): {'; '.join(report.vote_differences[:3])}")
        for warning in report.warnings:
            click.secho(f"         warning: {warning}", fg="yellow")

    run_tracked(None, tracked.id, lambda _programme, progress: import_with_progress(files, municipality_slug, again, progress, on_file=report_file))
    reports = done
    statuses = [report.status for report in reports]
    mismatches = sum(1 for report in reports if report.mismatch)
    click.echo(
        f"Summary: {statuses.count('imported')} imported, {statuses.count('skipped')} skipped (imported before), "
        f"{statuses.count('failed')} failed; {mismatches} with a selection that differs from the file."
    )
    if statuses.count("failed"):
        raise SystemExit(1)


analytics_cli = AppGroup("analytics", help="Indicators of editions.")
pb_cli.add_command(analytics_cli)


def _published_editions(edition_id: int | None, *, reason: str) -> list:
    """The edition asked for, or every edition with a published result, across municipalities."""
    from pb_service.core.tenancy import cross_tenant_select
    from pb_service.editions.models import Edition
    from pb_service.extensions import db
    from pb_service.results.models import ResultCount

    if edition_id is not None:
        return [_edition(edition_id)]
    statement = cross_tenant_select(Edition, reason=reason).join(
        ResultCount, ResultCount.edition_id == Edition.id
    ).where(ResultCount.published_at.is_not(None)).order_by(Edition.id)
    return list(db.session.scalars(statement))


@analytics_cli.command("recompute")
@click.option("--edition", "edition_id", type=int, help="Only this edition (default: every edition with published results).")
def recompute_indicators_command(edition_id: int | None) -> None:
    """Compute the indicators again (after a change of definition, population or data)."""
    from pb_service.analytics.indicators import refresh_indicators

    editions = _published_editions(edition_id, reason="operations command: recompute every published edition's indicators")
    # A line per edition as it is done: a progress bar shows nothing in a log.
    for number, edition in enumerate(editions, start=1):
        row = refresh_indicators(edition.municipality, edition)
        voters = "voters not knowable" if row is not None and not row.voters_known else f"{row.voters if row else 0} voters"
        click.echo(f"[{number}/{len(editions)}] {edition.municipality.name}, {edition.name}: {voters}")
    click.echo(f"Indicators computed for {len(editions)} edition(s).")


@pb_cli.command("purge")
@click.option("--municipality", "municipality_slug", help="Only this municipality (address); default: every one.")
def purge_command(municipality_slug: str | None) -> None:
    """Erase personal data whose retention period has ended (run daily; running it again changes nothing).

    Voter identity hashes go once an edition's protest window has closed and its result is
    published; proposal authors and supporters are anonymised after the municipality's retention
    period. Each municipality where something was erased gets a `privacy.purge` audit event, and
    each run a national `privacy.purge_run` event.
    """
    from dataclasses import asdict

    from pb_service.core.permissions import SYSTEM
    from pb_service.municipalities.services import municipality_by_slug
    from pb_service.privacy.purge import purge_all, purge_municipality

    if municipality_slug:
        municipality = municipality_by_slug(municipality_slug)
        if municipality is None:
            raise click.UsageError(f"no municipality with the address {municipality_slug!r}")
        report = {municipality.slug: purge_municipality(municipality, actor=SYSTEM)}
    else:
        report = purge_all(actor=SYSTEM)
    for slug, counts in report.items():
        if counts.total:
            details = ", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in asdict(counts).items() if value)
            click.echo(f"{slug}: {details}")
    erased = sum(counts.total for counts in report.values())
    click.echo(f"Purge done: {len(report)} municipalities checked, {erased} items erased.")


@results_cli.command("verify")
@click.option("--edition", "edition_id", type=int, help="Only this edition (default: every edition with published results).")
def verify_results_command(edition_id: int | None) -> None:
    """Count every published result again from the ballots and compare (after a restore, in an audit).

    One line per edition: OK when the ballots' digest, the number of ballots, the selected projects
    and the published Pabulib files are the same; MISMATCH (and exit status 1) otherwise.
    """
    from pb_service.results.services import recount_published

    editions = _published_editions(edition_id, reason="operations command: verify every published result")
    failed = 0
    for edition in editions:
        recount = recount_published(edition.municipality, edition)
        if recount is None:
            click.echo(f"NONE     {edition.municipality.slug}/{edition.id} {edition.name}: no published result")
            failed += 1
            continue
        status = "OK" if recount.matches else "MISMATCH"
        line = f"{status:8} {edition.municipality.slug}/{edition.id} {edition.name}: {recount.ballots_now} ballots, digest {recount.digest_now}"
        if not recount.matches:
            line += (
                f" (published {recount.digest}, {recount.ballots} ballots; selection differs in pools {list(recount.selection_differs)},"
                f" files differ in pools {list(recount.file_differs)})"
            )
            failed += 1
        click.echo(line)
    click.echo(f"{len(editions) - failed} of {len(editions)} published results recount to the same digest.")
    if failed:
        raise SystemExit(1)


@pb_cli.command("worker")
@click.option("--threads", type=int, default=None, help="Worker threads (default: JOBS_WORKER_THREADS).")
def worker_command(threads: int | None) -> None:
    """Run background jobs from the Redis queue (JOBS_BROKER_URL) until SIGTERM or Ctrl+C.

    Mail, fan-outs, large counts, the hourly hub reminders and the daily purge. Run one or more
    beside the app servers; a job of a killed worker is delivered again (docs/operations.md).
    """
    from flask import current_app

    from pb_service.extensions import db
    from pb_service.core.jobs.queue import run_worker

    db.session.remove()  # the command's own session is not the jobs'
    try:
        run_worker(current_app._get_current_object(), threads=threads or current_app.config["JOBS_WORKER_THREADS"])
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
