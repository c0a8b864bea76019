"""Importing real past editions from Pabulib files (https://pabulib.org/format).

Each file is one pool of one edition. Files of one municipality, budget year (META
``instance``) and rule make one edition, imported together: its levels, pools, projects
(admitted, as on the ballot), anonymised ballots and synthetic voter records (for turnout, age
and sex), then counted and published through the results services, like any edition. Our
count is compared with the file's ``selected`` column; a difference is reported, never hidden.

A file is imported once: its SHA-256 is stored (:class:`PabulibImport`), and a file seen
before is skipped. A file that cannot be imported is reported with its reason, and the others
go on; an edition's files are committed together or not at all.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import random
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy import delete, select

from pb_service.accounts.models import User
from pb_service.analytics.mismatch import explain_selection
from pb_service.analytics.models import PabulibImport
from pb_service.analytics.registry import BENEFICIARY_NAMES, CATEGORY_NAMES, KNOWN_MUNICIPALITIES
from pb_service.analytics.voter_ids import VoterIds, judge_voter_ids
from pb_service.core.permissions import SYSTEM
from pb_service.core.tenancy import cross_tenant_select, scoped_to, tenant_select
from pb_service.core.validation import ServiceValidationError
from pb_service.editions.models import Category, Edition, Level, LevelKind, Pool
from pb_service.editions.rule_choices import OUTCOME_RULES, VotingMethod, rule_accepts
from pb_service.extensions import db
from pb_service.municipalities.models import Municipality
from pb_service.municipalities.services import municipality_by_slug
from pb_service.proposals.models import Proposal, Status
from pb_service.results.models import ResultCount
from pb_service.results.services import compute_results, publish_results
from pb_service.rules import FILE_RULES, Instance, PabulibError, PabulibWarning, parse_pabulib
from pb_service.rules.model import POINTS_VOTE_TYPES
from pb_service.voting.canonical_identity import age_band
from pb_service.voting.models import Ballot, Channel, VoterRecord

#: The inactive account that "authors" imported projects (a proposal needs an author).
IMPORT_AUTHOR_EMAIL = "pabulib-import@pb-service.invalid"
IMPORT_AUTHOR_NAME = "Pabulib (dane historyczne)"
CHANNELS = {"internet": Channel.ONLINE, "online": Channel.ONLINE, "paper": Channel.PAPER}
GROSZE = 100


class PabulibImportError(ValueError):
    """A file that cannot be imported; the message says why, in words an operator can act on."""


@dataclass
class FileReport:
    path: Path
    #: ``imported``, ``skipped`` (imported before) or ``failed``.
    status: str
    message: str = ""
    record: PabulibImport | None = None
    #: Projects whose vote count in the file differs from the count of its ballots.
    vote_differences: list[str] = field(default_factory=list)
    #: What the reader read anyway (a vote naming a project twice, counted once), each naming its line.
    warnings: list[PabulibWarning] = field(default_factory=list)
    #: Whether the edition's files share one numbering of voters, and why we think so.
    voter_ids: VoterIds | None = None
    #: Why the city funded other projects than our count (when it did): the report's sentences.
    explanations: list[str] = field(default_factory=list)

    @property
    def mismatch(self) -> bool:
        return self.record is not None and self.record.selection_matches is False


@dataclass
class _File:
    path: Path
    sha256: str
    #: The META section: enough to put the file in its edition; the rest is read when the edition
    #: is imported, so that a run holds one edition's ballots in memory at a time.
    meta: dict[str, str]
    municipality: Municipality
    year: int
    rule: str
    report: FileReport
    #: The edition this file made before, when it is imported again (``again``).
    replaces: int | None = None
    instance: Instance | None = None

    def parse(self) -> Instance:
        self.instance = parse_pabulib(read_file(self.path), source=self.path.name)
        self.report.warnings = self.instance.warnings
        if not self.instance.ballots:
            raise PabulibImportError("the file has no ballots")
        _check_votes(self)
        return self.instance


def pabulib_paths(arguments: Iterable[str | Path]) -> list[Path]:
    """The files named, and the ``.pb`` / ``.pb.gz`` files in the directories named, sorted."""
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            paths += sorted(p for p in path.iterdir() if p.name.endswith((".pb", ".pb.gz")))
        else:
            paths.append(path)
    return paths


def read_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PabulibImportError(f"cannot read the file: {error.strerror or error}") from None
    # Package data is shipped gzipped; the digest is of the Pabulib text itself.
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def already_imported(sha256: str) -> PabulibImport | None:
    statement = cross_tenant_select(PabulibImport, reason="Pabulib import: a file is imported once, by its SHA-256").where(
        PabulibImport.sha256 == sha256
    )
    return db.session.scalar(statement)


def read_meta(data: bytes, source: str) -> dict[str, str]:
    """The META section of a Pabulib file (its other sections are checked when it is imported)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PabulibError("not valid UTF-8 text", 0, source) from None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    first = next(rows, None)
    if not first or first[0].strip().lower() != "meta":
        raise PabulibError("expected the section title META", 1, source)
    next(rows, None)
    meta: dict[str, str] = {}
    for row in rows:
        if row and row[0].strip().lower() in ("projects", "votes"):
            return meta
        if len(row) >= 2:
            meta[row[0].strip()] = row[1].strip()
    raise PabulibError("the file has no PROJECTS section", rows.line_num, source)


def _municipality(meta: dict[str, str], slug: str | None) -> Municipality:
    if slug:
        municipality = municipality_by_slug(slug)
        if municipality is None:
            raise PabulibImportError(f"no municipality with the address {slug!r}")
        return municipality
    country = meta.get("country", "").strip()
    unit = meta.get("unit", "").strip()
    if country != "Poland":
        raise PabulibImportError(f"the file is from {country or 'an unnamed country'}; name the municipality with --municipality")
    known = KNOWN_MUNICIPALITIES.get(unit)
    if known is None:
        raise PabulibImportError(
            f"unknown municipality {unit!r}: add it (programme staff → Add a municipality) and import with --municipality SLUG"
        )
    municipality = municipality_by_slug(known["slug"])
    if municipality is None:
        municipality = Municipality(**known)
        db.session.add(municipality)
        db.session.flush()
    return municipality


def _year(meta: dict[str, str]) -> int:
    text = meta.get("instance", "").strip()
    match = re.fullmatch(r"(\d{4})(?:\D.*)?", text)
    if not match:
        raise PabulibImportError(f"META instance {text!r} is not a year")
    return int(match.group(1))


def _rule(meta: dict[str, str]) -> str:
    named = meta.get("rule", "").strip() or "unknown"
    rule = FILE_RULES.get(named)
    if rule is None or rule not in OUTCOME_RULES:
        raise PabulibImportError(f"the rule {named!r} is not one we count")
    return rule


def prepare(path: Path, municipality_slug: str | None = None, *, again: bool = False) -> _File | FileReport:
    """Read one file's META and digest; a report when it is skipped or cannot be imported.

    A file imported before is skipped, unless ``again``: then it replaces the edition it made.
    """
    report = FileReport(path, "failed")
    try:
        data = read_file(path)
        sha256 = hashlib.sha256(data).hexdigest()
        previous = already_imported(sha256)
        if previous is not None and not again:
            return FileReport(path, "skipped", f"imported before (edition {previous.edition_id}, pool {previous.pool_id})", previous)
        meta = read_meta(data, path.name)
        return _File(
            path, sha256, meta, _municipality(meta, municipality_slug), _year(meta), _rule(meta), report,
            replaces=previous.edition_id if previous is not None else None,
        )
    except (PabulibImportError, PabulibError, OSError, gzip.BadGzipFile) as error:
        report.message = str(error)
        return report


def _check_votes(file: _File) -> None:
    """The file's vote counts against its ballots (files with removed voters differ; say so)."""
    counted = {pid: 0 for pid in file.instance.projects}
    for ballot in file.instance.ballots:
        for pid in ballot.projects:
            counted[pid] += ballot.multiplicity
    for pid, project in file.instance.projects.items():
        stated = project.fields.get("votes", "").strip()
        if stated.isdigit() and int(stated) != counted[pid]:
            file.report.vote_differences.append(f"{pid}: file {stated}, ballots {counted[pid]}")


# --- one edition ----------------------------------------------------------------------------------


def _date(text: str, *, end: bool) -> date:
    text = text.strip()
    for pattern in ("%d.%m.%Y", "%Y"):
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return parsed.replace(month=12, day=31) if pattern == "%Y" and end else parsed
    raise PabulibImportError(f"META date {text!r} is neither dd.mm.yyyy nor yyyy")


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _is_green(meta: dict[str, str]) -> bool:
    return "green" in f"{meta.get('subunit', '')} {meta.get('description', '')}".lower()


def _edition_name(file: _File) -> str:
    return f"{'Zielony Budżet' if _is_green(file.meta) else 'Budżet Obywatelski'} {file.year}"


def _new_edition(files: list[_File]) -> Edition:
    first = files[0]
    municipality = first.municipality
    name = _edition_name(first)
    if db.session.scalar(tenant_select(Edition, municipality, Edition.name == name)) is not None:
        name = f"{name} ({first.meta.get('rule') or 'unknown'})"
        if db.session.scalar(tenant_select(Edition, municipality, Edition.name == name)) is not None:
            raise PabulibImportError(
                f"{municipality.name} already has the edition {name!r}; the files of one edition are imported together, in one run"
            )
    begins = min(_date(f.meta.get("date_begin", str(f.year)), end=False) for f in files)
    ends = max(_date(f.meta.get("date_end", str(f.year)), end=True) for f in files)
    voting = _moment(begins)
    results = _moment(ends + timedelta(days=1))
    descriptions = "; ".join(sorted({f.meta.get("description", "").strip() for f in files} - {""}))
    edition = Edition(
        municipality_id=municipality.id, name=name, year=first.year, is_published=True,
        description=f"Dane historyczne z Pabulib (pabulib.org): {descriptions}.",
        submission_starts_at=voting - timedelta(days=150), formal_review_starts_at=voting - timedelta(days=120),
        merit_review_starts_at=voting - timedelta(days=90), appeals_starts_at=voting - timedelta(days=30),
        voting_starts_at=voting, results_starts_at=results, implementation_starts_at=results + timedelta(days=14),
        # Projects are carried out in the budget year; the edition stays open for reports a year more.
        closes_at=_moment(date(first.year + 1, 12, 31)), protest_days=1,
        outcome_rule=first.rule, tie_break="cheaper-first", imported_from_pabulib=True,
    )
    db.session.add(edition)
    db.session.flush()
    return edition


def _level_settings(instance: Instance) -> dict:
    """The ballot level that matches the file's vote type and limits."""
    kind = instance.vote_type
    longest = max((len(ballot.projects) for ballot in instance.ballots), default=1)
    max_length = int(instance.meta_number("max_length") or 0) or None
    min_length = int(instance.meta_number("min_length") or 1)
    if kind == "choose-1":
        return dict(method=VotingMethod.APPROVAL, min_choices=1, max_choices=1)
    if kind == "approval":
        return dict(method=VotingMethod.APPROVAL, min_choices=min(min_length, longest), max_choices=max_length)
    if kind == "ordinal":
        # Points by rank: the first of k choices gets k points (Kraków's 3/2/1, Pabulib's Borda).
        ranks = max_length or longest
        return dict(method=VotingMethod.POINTS, min_choices=1, max_choices=ranks, points=list(range(ranks, 0, -1)))
    if kind == "cumulative":
        total = int(instance.meta_number("max_sum_points") or 0) or None
        return dict(method=VotingMethod.CUMULATIVE, min_choices=1, max_choices=max_length, total_points=total)
    # Scoring: the voters' own points are kept on each ballot.
    return dict(method=VotingMethod.POINTS, min_choices=1, max_choices=max_length, points=[])


def _level(edition: Edition, file: _File) -> Level:
    instance = file.instance
    kind = LevelKind.DISTRICT if instance.meta.get("district", "").strip() else (
        LevelKind.THEMATIC if _is_green(instance.meta) else LevelKind.CITY
    )
    settings = _level_settings(instance)
    if not rule_accepts(edition.outcome_rule, settings["method"]):
        raise PabulibImportError(f"the rule {edition.outcome_rule} cannot count {instance.vote_type} ballots")
    for level in edition.levels:
        if level.kind is kind and all(getattr(level, key) == value for key, value in settings.items()):
            return level
    names = {LevelKind.DISTRICT: "Dzielnice", LevelKind.THEMATIC: "Pule tematyczne", LevelKind.CITY: "Ogólnomiejski"}
    level = Level(
        municipality_id=edition.municipality_id, edition_id=edition.id, name=names[kind], kind=kind,
        position=len(edition.levels), **settings,
    )
    edition.levels.append(level)
    db.session.flush()
    return level


def _grosze(amount) -> int:
    value = Fraction(amount) * GROSZE
    if value.denominator != 1:
        raise PabulibImportError(f"{amount} is not a whole number of grosze")
    return value.numerator


def _category(edition: Edition, raw: str) -> Category | None:
    first = raw.split(",")[0].strip()
    if not first:
        return None
    name = CATEGORY_NAMES.get(first.lower(), first)[:80]
    for category in edition.categories:
        if category.name == name:
            return category
    category = Category(municipality_id=edition.municipality_id, edition_id=edition.id, name=name, position=len(edition.categories))
    edition.categories.append(category)
    return category


def _description(pid: str, fields: dict) -> str:
    lines = [f"Projekt `{pid}` z pliku Pabulib (dane historyczne: bez opisu autora)."]
    beneficiaries = (fields.get("beneficiaries") or fields.get("target") or "").strip()
    if beneficiaries and beneficiaries != "None":
        names = [BENEFICIARY_NAMES.get(b.strip().lower(), b.strip()) for b in beneficiaries.split(",") if b.strip()]
        lines.append(f"Dla kogo: {', '.join(names)}.")
    return "\n\n".join(lines)


def _coordinate(text: str | None) -> Decimal | None:
    try:
        return round(Decimal(text.strip()), 6) if text and text.strip() else None
    except ArithmeticError:
        return None


def _projects(edition: Edition, pool: Pool, file: _File, author: User, numbers: Iterable[int]) -> dict[str, Proposal]:
    proposals: dict[str, Proposal] = {}
    for number, (pid, project) in zip(numbers, file.instance.projects.items()):
        fields = project.fields
        category = _category(edition, fields.get("category", ""))
        db.session.flush()
        proposal = Proposal(
            municipality_id=edition.municipality_id, edition_id=edition.id, pool_id=pool.id, number=number,
            category_id=category.id if category else None, author_id=author.id,
            title=(project.name.strip() or f"Projekt {pid}")[:150], summary=project.name.strip()[:500],
            description=_description(pid, fields), location=(fields.get("neighborhood") or fields.get("district") or "").strip()[:300],
            latitude=_coordinate(fields.get("latitude")), longitude=_coordinate(fields.get("longitude")),
            estimated_cost=_grosze(project.cost), status=Status.ADMITTED, submitted_at=edition.submission_starts_at,
        )
        db.session.add(proposal)
        proposals[pid] = proposal
    db.session.flush()
    return proposals


def _ballot_points(file: _File, ballot, ranks: int) -> list[int]:
    """Each chosen project's points: the file's own, by rank (``ranks`` for the first), or 1."""
    if file.instance.vote_type in POINTS_VOTE_TYPES:
        points = [Fraction(p) for p in ballot.points]
        if any(p.denominator != 1 for p in points):
            raise PabulibImportError("a ballot gives fractional points")
        return [int(p) for p in points]
    if file.instance.vote_type == "ordinal":
        return [ranks - position for position in range(len(ballot.projects))]
    return [1] * len(ballot.projects)


@dataclass
class _Person:
    """One voter of an imported edition: her ballot in each pool she voted in, and what the files say of her."""

    #: (pool id, the file's ballot) per pool she voted in.
    ballots: list = field(default_factory=list)
    channel: Channel | None = None
    age: int | None = None
    sex: str | None = None


def _people(pools: list[tuple[_File, Pool, dict[str, Proposal]]], voter_ids: VoterIds) -> dict:
    """The edition's voters: by ``voter_id`` across files where the files share one numbering,
    else one per ballot row (then a person in two files is two records, and the edition says
    that its voters are not knowable)."""
    across_files = voter_ids.shared and len(pools) > 1
    people: dict = {}
    for position, (file, pool, _proposals) in enumerate(pools):
        for row, ballot in enumerate(file.instance.ballots):
            method = CHANNELS.get(ballot.fields.get("voting_method", "").strip().lower())
            age, sex = ballot.fields.get("age", "").strip(), ballot.fields.get("sex", "").strip().upper()
            base = ballot.voter_id.strip() if across_files else (position, row)
            for copy in range(ballot.multiplicity):
                person = people.setdefault(base if ballot.multiplicity == 1 else (base, copy), _Person())
                person.ballots.append((position, ballot))
                # A person's age and sex are taken once, from the first file that gives them.
                person.channel = person.channel or method
                if person.age is None and age.isdigit():
                    person.age = int(age)
                if person.sex is None and sex in ("F", "M"):
                    person.sex = sex
    return people


class _ChoiceTexts:
    """The JSON of a person's choices (all her pools), written once per distinct set of ballots:
    many people make the same choices."""

    def __init__(self, pools: list[tuple[_File, Pool, dict[str, Proposal]]]) -> None:
        self.pools = pools
        self.ranks = [len(_level_settings(file.instance).get("points", [])) for file, _pool, _proposals in pools]
        self.texts: dict[tuple, str] = {}

    def __call__(self, ballots: list) -> str:
        key = tuple((position, ballot.projects, ballot.points) for position, ballot in ballots)
        text = self.texts.get(key)
        if text is None:
            choices = {}
            for position, ballot in ballots:
                file, pool, proposals = self.pools[position]
                points = _ballot_points(file, ballot, self.ranks[position])
                choices[str(pool.id)] = {str(proposals[pid].id): value for pid, value in zip(ballot.projects, points)}
            text = self.texts[key] = json.dumps(choices, separators=(",", ":"))
        return text


#: SQLite's page cache while ballots are written (KiB).
SQLITE_CACHE_KB = 64 * 1024
_RECORD_COLUMNS = ("id", "municipality_id", "edition_id", "channel", "cast_on", "age_band", "sex", "district_pool_ids")
_BALLOT_COLUMNS = ("id", "municipality_id", "edition_id", "channel", "cast_on", "choices", "receipt_hash", "is_valid", "invalid_reason")


def _insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Write prepared rows in bulk: no ORM object and no per-row parameter processing.

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT. COPY FROM is refused on
    tables under row-level security, as ballots are, but not on a temporary table; the INSERT
    then passes the wall's checks like any other write (about 4 times less CPU than a pipelined
    executemany on both sides). SQLite: executemany.
    """
    if not rows:
        return
    connection = db.session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        staging = f"staging_{table}"
        # Dropped below, or with the transaction if anything fails before.
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} (LIKE {table} INCLUDING DEFAULTS)")
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")
        connection.exec_driver_sql(f"DROP TABLE {staging}")
        return
    # Ballots and records have random keys: their indexes take inserts all over, and SQLite's
    # default 2 MB page cache makes each a read from disk once a city is in the table.
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({', '.join([marker] * len(columns))})", rows)


def _random_ids(count: int, nbytes: int) -> list[str]:
    """``count`` random hex strings of ``nbytes`` bytes each, from one read of the OS's generator."""
    text = os.urandom(count * nbytes).hex()
    width = 2 * nbytes
    return [text[i:i + width] for i in range(0, len(text), width)]


def _write_ballots(edition: Edition, pools: list[tuple[_File, Pool, dict[str, Proposal]]], voter_ids: VoterIds) -> None:
    """One synthetic voter record and one ballot per person (with her choices in every pool she
    voted in), written in bulk."""
    cast_on = max(_date(file.instance.meta.get("date_end", str(file.year)), end=True) for file, _pool, _proposals in pools).isoformat()
    municipality_id, edition_id = edition.municipality_id, edition.id
    pool_ids = [pool.id for _file, pool, _proposals in pools]
    people = list(_people(pools, voter_ids).values())
    record_ids, ballot_ids, receipts = _random_ids(len(people), 16), _random_ids(len(people), 16), _random_ids(len(people), 32)
    choice_text = _ChoiceTexts(pools)
    pools_texts: dict[tuple, str] = {}
    records, ballots = [], []
    for number, person in enumerate(people):
        channel = (person.channel or Channel.ONLINE).value
        positions = tuple(position for position, _ballot in person.ballots)
        pools_text = pools_texts.get(positions) or pools_texts.setdefault(positions, json.dumps([pool_ids[p] for p in positions]))
        # Synthetic records carry no identity hash: the files' voter ids are anonymous already,
        # and nobody can vote again in a past edition.
        records.append((
            record_ids[number], municipality_id, edition_id, channel, cast_on,
            age_band(person.age) if person.age is not None else None, person.sex, pools_text,
        ))
        # Nobody holds a receipt code for a historical ballot: a random value stands for its hash.
        ballots.append((ballot_ids[number], municipality_id, edition_id, channel, cast_on, choice_text(person.ballots), receipts[number], True, ""))
    # Shuffled apart, as the voting pipeline keeps them: no row order links a record to a ballot.
    random.shuffle(ballots)
    _insert_rows(VoterRecord.__tablename__, _RECORD_COLUMNS, records)
    _insert_rows(Ballot.__tablename__, _BALLOT_COLUMNS, ballots)


def _import_author() -> User:
    author = db.session.scalar(select(User).where(User.email == IMPORT_AUTHOR_EMAIL))
    if author is None:
        # Never signs in: no password anyone knows, not confirmed, not active.
        author = User(email=IMPORT_AUTHOR_EMAIL, display_name=IMPORT_AUTHOR_NAME, password_hash="!", active=False)
        db.session.add(author)
        db.session.flush()
    return author


def _import_edition(files: list[_File]) -> None:
    """Import one edition's files, count and publish it, and record each file (commits)."""
    edition = _new_edition(files)
    author = _import_author()
    voter_ids = judge_voter_ids([file.instance for file in files])
    pools: list[tuple[_File, Pool, dict[str, Proposal]]] = []
    records: list[PabulibImport] = []
    number = 0
    for position, file in enumerate(files):
        meta = file.instance.meta
        level = _level(edition, file)
        pool = Pool(
            municipality_id=edition.municipality_id, edition_id=edition.id, level_id=level.id, position=position,
            name=(meta.get("subunit") or meta.get("district") or meta.get("unit") or file.path.name).strip()[:120],
            budget=_grosze(file.instance.budget), min_votes=int(file.instance.meta_number("min_project_score_threshold") or 0),
        )
        db.session.add(pool)
        db.session.flush()
        proposals = _projects(edition, pool, file, author, range(number + 1, number + 1 + len(file.instance.projects)))
        number += len(proposals)
        pools.append((file, pool, proposals))
        selected = {pid: project.published_selected for pid, project in file.instance.projects.items()}
        has_selected = any(value is not None for value in selected.values())
        record = PabulibImport(
            municipality_id=edition.municipality_id, sha256=file.sha256, filename=file.path.name[:255], edition_id=edition.id,
            pool_id=pool.id, file_rule=file.instance.rule, voters=file.instance.num_voters, projects=len(proposals),
            budget=pool.budget, voter_ids_shared=voter_ids.shared, district=meta.get("district", "").strip()[:120],
            has_channel=any(ballot.fields.get("voting_method", "").strip() for ballot in file.instance.ballots),
            selected_in_file=sorted(pid for pid, value in selected.items() if value == 1) if has_selected else None,
            selected_outside_rule=sorted(pid for pid, value in selected.items() if value in (2, 3)),
        )
        db.session.add(record)
        records.append(record)
    _write_ballots(edition, pools, voter_ids)
    db.session.flush()
    municipality = files[0].municipality
    db.session.refresh(edition)
    # Measures only where they are quick: `flask pb results measure` adds the others.
    compute_results(municipality, edition, actor=SYSTEM, slow_measures=False)
    count: ResultCount = publish_results(municipality, edition, actor=SYSTEM, notify=False, slow_measures=False)
    funded = {project.proposal_id for pool in count.pools for project in pool.projects if project.selected}
    for (file, _pool, proposals), record in zip(pools, records):
        record.selected_by_count = sorted(pid for pid, proposal in proposals.items() if proposal.id in funded)
        if record.selection_matches is False:
            file.report.explanations = explain_selection(file.instance, edition.outcome_rule, record.selected_in_file)
        file.report.status, file.report.record, file.report.voter_ids = "imported", record, voter_ids
        file.report.message = f"{edition.name}, {record.pool.name}: {record.voters} voters, {record.projects} projects"
    db.session.commit()


def _edition_key(file: _File) -> tuple:
    return (file.municipality.id, file.year, _is_green(file.meta), file.rule)


def _replace_editions(files: list[_File]) -> None:
    """Delete the editions that files imported again made before (with their pools, ballots,
    voter records, results and indicators), once every file of each is given again."""
    given = {file.sha256 for file in files}
    for edition_id in sorted({file.replaces for file in files if file.replaces is not None}):
        municipality = next(file.municipality for file in files if file.replaces == edition_id)
        recorded = set(db.session.scalars(
            tenant_select(PabulibImport, municipality, PabulibImport.edition_id == edition_id).with_only_columns(PabulibImport.sha256)
        ))
        if not recorded <= given:
            raise PabulibImportError(
                f"edition {edition_id} was imported from {len(recorded)} files; give all of them to import it again"
            )
        # Results first: their projects' rows refer to the proposals without cascading.
        for model in (ResultCount, Edition):
            key = model.edition_id if model is ResultCount else model.id
            db.session.execute(scoped_to(delete(model).where(model.municipality_id == municipality.id, key == edition_id), municipality))


#: What reading a file can fail with: reported as the file's failure, the run goes on.
READ_ERRORS = (PabulibImportError, PabulibError, OSError, gzip.BadGzipFile)


def _read(files: list[_File]) -> list[Exception | None]:
    """Parse each file's ballots (pure work, no database): the error of each file, or None."""
    errors: list[Exception | None] = []
    for file in files:
        try:
            file.parse()
        except READ_ERRORS as error:
            errors.append(error)
        else:
            errors.append(None)
    return errors


def _readable(files: list[_File], errors: list[Exception | None], done: Callable[[FileReport], None]) -> list[_File]:
    """The files whose ballots could be read; the others are reported failed and left out."""
    readable = []
    for file, error in zip(files, errors):
        if error is None:
            readable.append(file)
            continue
        file.instance = None
        file.report.message = str(error)
        done(file.report)
    return readable


def import_pabulib(
    paths: list[Path], municipality_slug: str | None = None, *, again: bool = False,
    on_file: Callable[[FileReport], None] | None = None,
) -> list[FileReport]:
    """Import the files; one report per file, in the order given.

    ``on_file`` is called with each file's report as soon as the file is done (skipped, failed,
    or imported with its edition), so that a terminal or a log shows progress line by line.
    ``again``: files imported before replace the editions they made (all of an edition's files
    must be given), so that they are counted by the importer as it is now.
    """
    done = on_file or (lambda report: None)
    reports: list[FileReport] = []
    groups: dict[tuple, list[_File]] = {}
    for path in paths:
        prepared = prepare(path, municipality_slug, again=again)
        if isinstance(prepared, FileReport):
            reports.append(prepared)
            done(prepared)
            continue
        reports.append(prepared.report)
        groups.setdefault(_edition_key(prepared), []).append(prepared)
    # The municipalities created while reading are kept even if an edition fails below.
    db.session.commit()
    editions = list(groups.values())
    # The next edition's files are read in a thread while this one's rows go to the database:
    # the reader works while the import waits for the server (one more edition in memory).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pabulib-reader") as reader:
        upcoming = reader.submit(_read, editions[0]) if editions else None
        for position, files in enumerate(editions):
            errors = upcoming.result()
            if position + 1 < len(editions):
                upcoming = reader.submit(_read, editions[position + 1])
            readable = files
            try:
                _replace_editions(files)
                readable = _readable(files, errors, done)
                if readable:
                    _import_edition(readable)
            except (PabulibImportError, PabulibError, ServiceValidationError, ValueError) as error:
                db.session.rollback()
                message = "; ".join(m for ms in error.errors.values() for m in ms) if isinstance(error, ServiceValidationError) else str(error)
                for file in readable:
                    file.report.status, file.report.message, file.report.record = "failed", message, None
            for file in readable:
                done(file.report)
                # The ballots are in the database now: free them before the next edition is read.
                file.instance = None
    return reports


def start_import(paths: list[Path], municipality_slug: str | None = None, *, actor, again: bool = False, queued: bool = True):
    """The import of ``paths`` as a tracked job of the programme (it may create municipalities),
    whose page shows the files done. ``queued``: left to the queue once the caller commits; else
    the caller runs :func:`import_with_progress` under :func:`~pb_service.core.jobs.services.run_tracked`."""
    from pb_service.core.jobs.services import new_tracked, start_tracked

    if not queued:
        return new_tracked(None, "import", actor=actor, total=len(paths))
    return start_tracked(
        None, "import", "import_pabulib", actor=actor, total=len(paths),
        args=([str(path.resolve()) for path in paths], municipality_slug, again),
    )


def import_with_progress(
    paths: list[Path], municipality_slug: str | None, again: bool, progress: Callable[[int, int], None],
    on_file: Callable[[FileReport], None] | None = None,
) -> str:
    """:func:`import_pabulib` telling ``progress(files done, files)`` after each file; the outcome
    for the job's page: how many files were imported, skipped and failed, and why each failed."""
    reports: list[FileReport] = []

    def file_done(report: FileReport) -> None:
        reports.append(report)
        progress(len(reports), len(paths))
        if on_file is not None:
            on_file(report)

    progress(0, len(paths))
    import_pabulib(paths, municipality_slug, again=again, on_file=file_done)
    return import_summary(reports)


def import_summary(reports: list[FileReport]) -> str:
    """The job's outcome as JSON, which its page words in the reader's language: how many files
    were imported and skipped, and each failed file with the importer's reason."""
    statuses = [report.status for report in reports]
    failed = [[report.path.name, report.message] for report in reports if report.status == "failed"]
    return json.dumps({"imported": statuses.count("imported"), "skipped": statuses.count("skipped"), "failed": failed}, ensure_ascii=False)
