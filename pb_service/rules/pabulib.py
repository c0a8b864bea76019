"""Reading and writing Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each a title line (``META``, ``PROJECTS``, ``VOTES``), a header line
and ``;``-separated rows with standard CSV quoting.  The reader keeps every optional column and
META entry so that :func:`write_pabulib` reproduces the file's content: reading, writing and
reading again gives an equal :class:`~pb_service.rules.model.Instance`.

Our own writer exists because pabutools' writer is lossy (budgets written as fractions, voter
columns misplaced, choose-1 exported as approval, fields not quoted).

A malformed file raises :class:`PabulibError`, which names the line and the problem.  Real
files are read as they are where their meaning is clear: a vote naming a project twice names
it once (an approval ballot is a set, as pabutools reads it and as the cities counted it; an
ordinal ballot keeps the first position, as pabutools does; a points ballot must give both
mentions the same points), and each such line is reported in ``Instance.warnings``
(:class:`PabulibWarning`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .model import (
    POINTS_VOTE_TYPES,
    VOTE_TYPES,
    Ballot,
    Instance,
    Number,
    Project,
    exact,
    format_decimal,
)

SECTIONS = ("meta", "projects", "votes")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def _located(message: str, line: int, source: str) -> str:
    where = source or "<pabulib>"
    if line:
        where += f", line {line}"
    return f"{where}: {message}"


class PabulibError(ValueError):
    """A malformed Pabulib file; ``line`` is the 1-based line number (0 if unknown)."""

    def __init__(self, message: str, line: int = 0, source: str = "") -> None:
        self.message = message
        self.line = line
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return _located(self.message, self.line, self.source)


@dataclass(frozen=True)
class PabulibWarning:
    """Something the reader read anyway but reports: ``line`` is the 1-based line number."""

    message: str
    line: int
    source: str = ""

    def __str__(self) -> str:
        return _located(self.message, self.line, self.source)


def parse_number(text: str) -> Number:
    """Parse a Pabulib number exactly (``"827838.5"`` -> ``Fraction(1655677, 2)``)."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    return exact(Fraction(text.replace(",", ".")))


def read_pabulib(path: str | Path) -> Instance:
    """Read a ``.pb`` file; raise :class:`PabulibError` if it is malformed or unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PabulibError(f"cannot read file: {error.strerror or error}", 0, str(path)) from None
    return parse_pabulib(data, source=str(path))


def parse_pabulib(data: bytes | str, source: str = "") -> Instance:
    """Parse the content of a ``.pb`` file (bytes or text; a UTF-8 BOM and CRLF are fine)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise PabulibError("not valid UTF-8 text", line, source) from None
    else:
        text = data.removeprefix("\ufeff")
    return _Parser(text, source).parse()


class _Parser:
    """One pass over the CSV rows, section by section."""

    def __init__(self, text: str, source: str) -> None:
        self.reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
        self.source = source
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: dict[str, Project] = {}
        self.ballots: list[Ballot] = []
        self.headers: dict[str, list[str]] = {}
        self.warnings: list[PabulibWarning] = []

    def error(self, message: str, line: int | None = None) -> PabulibError:
        return PabulibError(message, self.reader.line_num if line is None else line, self.source)

    def parse(self) -> Instance:
        section = None
        header: list[str] = []
        try:
            row = next(self.reader, None)
            while row is not None:
                if not any(cell.strip() for cell in row):
                    row = next(self.reader, None)
                    continue
                title = row[0].strip().lower()
                if title in SECTIONS and not any(cell.strip() for cell in row[1:]):
                    section = self._open_section(title)
                    header = self._read_header(title)
                    if section == "votes":
                        row = self._votes_rows(header)
                        continue
                elif section is None:
                    raise self.error("expected the section title META, PROJECTS or VOTES")
                else:
                    getattr(self, f"_{section}_row")(row, header)
                row = next(self.reader, None)
        except csv.Error as error:
            raise self.error(f"bad CSV quoting ({error})") from None
        for title in SECTIONS:
            if title not in self.headers:
                raise self.error(f"the file has no {title.upper()} section")
        return self._instance()

    def _open_section(self, title: str) -> str:
        if title in self.headers:
            raise self.error(f"second {title.upper()} section")
        if title == "votes":
            self._check_meta()
        return title

    def _read_header(self, title: str) -> list[str]:
        row = next(self.reader, None)
        if row is None:
            raise self.error(f"the {title.upper()} section has no header line")
        header = [cell.strip() for cell in row]
        first = {"meta": "key", "projects": "project_id", "votes": "voter_id"}[title]
        if header[0] != first:
            raise self.error(f"the {title.upper()} header must start with {first!r}, not {header[0]!r}")
        required = {"meta": (), "projects": ("cost",), "votes": ("vote",)}[title]
        for column in required:
            if column not in header:
                raise self.error(f"the {title.upper()} header has no {column!r} column")
        if len(set(header)) != len(header):
            raise self.error(f"the {title.upper()} header repeats a column")
        if title == "votes" and self.meta["vote_type"] in POINTS_VOTE_TYPES and "points" not in header:
            raise self.error(f"{self.meta['vote_type']} ballots need a 'points' column")
        self.headers[title] = header
        return header

    def _meta_row(self, row: list[str], header: list[str]) -> None:
        if len(row) < 2 or any(cell.strip() for cell in row[2:]):
            raise self.error("a META line must be 'key;value'")
        key = row[0].strip()
        if key in self.meta:
            raise self.error(f"META key {key!r} appears twice")
        self.meta[key] = row[1].strip()
        self.meta_lines[key] = self.reader.line_num

    def _check_meta(self) -> None:
        for key in ("budget", "vote_type"):
            if key not in self.meta:
                raise self.error(f"META has no {key!r}", line=self.reader.line_num)
        vote_type = self.meta["vote_type"]
        if vote_type not in VOTE_TYPES:
            raise self.error(f"unknown vote_type {vote_type!r}", self.meta_lines["vote_type"])
        try:
            parse_number(self.meta["budget"])
        except ValueError as error:
            raise self.error(f"budget: {error}", self.meta_lines["budget"]) from None

    def _check_width(self, row: list[str], header: list[str], what: str) -> None:
        if len(row) != len(header):
            raise self.error(f"{what} has {len(row)} fields, the header has {len(header)}")

    def _projects_row(self, row: list[str], header: list[str]) -> None:
        if "votes" in self.headers:
            raise self.error("a PROJECTS row after the VOTES section")
        self._check_width(row, header, "this project")
        values = dict(zip(header, row))
        project_id = values.pop("project_id").strip()
        if not project_id:
            raise self.error("empty project_id")
        if project_id in self.projects:
            raise self.error(f"project {project_id!r} is listed twice")
        try:
            cost = parse_number(values.pop("cost"))
        except ValueError as error:
            raise self.error(f"cost of project {project_id!r}: {error}") from None
        if cost < 0:
            raise self.error(f"project {project_id!r} has a negative cost")
        self.projects[project_id] = Project(project_id, cost, values)

    def _votes_rows(self, header: list[str]) -> list[str] | None:
        """Read VOTES rows up to the next section title (returned) or the end (``None``).

        This is the hot loop of the reader (up to 90,000 rows), hence the column indices
        worked out once and the fast path for integer points.
        """
        width = len(header)
        id_at, vote_at = header.index("voter_id"), header.index("vote")
        has_points = self.meta["vote_type"] in POINTS_VOTE_TYPES
        points_at = header.index("points") if has_points else -1
        extra = [i for i in range(width) if i not in (id_at, vote_at, points_at)]
        extra_names = [header[i] for i in extra]
        known = self.projects.keys()
        append = self.ballots.append
        # Many voters cast the same vote: each distinct one is split and checked once.
        seen: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {}
        for row in self.reader:
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue
                if row[0].strip().lower() in SECTIONS:
                    return row
                self._check_width(row, header, "this vote")
            voter_id = row[id_at].strip()
            raw_vote = row[vote_at]
            vote = seen.get(raw_vote)
            if vote is None:
                vote = seen[raw_vote] = self._vote(raw_vote, voter_id, known)
            ids, named = vote
            if named is not None:
                points = self._repeated(ids, named, row[points_at] if has_points else None, voter_id)
            elif has_points:
                points = self._points(row[points_at], voter_id, len(ids))
            else:
                points = None
            append(Ballot(ids, points, 1, voter_id, dict(zip(extra_names, map(row.__getitem__, extra)))))
        return None

    def _vote(self, raw_vote: str, voter_id: str, known) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        """The projects a vote names, each once in order of first mention, and (only when it
        names one more than once) every mention."""
        raw_vote = raw_vote.strip()
        ids = tuple(map(str.strip, raw_vote.split(","))) if raw_vote else ()
        chosen = set(ids)
        if not chosen <= known:
            unknown = next(pid for pid in ids if pid not in known)
            raise self.error(f"voter {voter_id!r} votes for unknown project {unknown!r}")
        if len(chosen) != len(ids):
            return tuple(dict.fromkeys(ids)), ids
        return ids, None

    def _repeated(
        self, ids: tuple[str, ...], named: tuple[str, ...], raw_points: str | None, voter_id: str
    ) -> tuple[Number, ...] | None:
        """A vote naming a project more than once counts it once, with a warning naming the
        line; a points vote must give every mention of a project the same points."""
        points = None
        if raw_points is not None:
            given: dict[str, Number] = {}
            for pid, value in zip(named, self._points(raw_points, voter_id, len(named))):
                if given.setdefault(pid, value) != value:
                    raise self.error(
                        f"voter {voter_id!r} names project {pid!r} twice with different points "
                        f"({format_decimal(given[pid])} and {format_decimal(value)})"
                    )
            points = tuple(map(given.__getitem__, ids))
        repeated = [repr(pid) for pid in ids if named.count(pid) > 1]
        projects = f"project {repeated[0]}" if len(repeated) == 1 else f"projects {', '.join(repeated)}"
        self.warnings.append(PabulibWarning(
            f"voter {voter_id!r} names {projects} more than once; counted once",
            self.reader.line_num, self.source,
        ))
        return points

    def _points(self, raw: str, voter_id: str, count: int) -> tuple[Number, ...]:
        raw = raw.strip()
        cells = raw.split(",") if raw else []
        try:
            points = tuple(int(p) for p in cells)
        except ValueError:
            try:
                points = tuple(parse_number(p) for p in cells)
            except ValueError as error:
                raise self.error(f"points of voter {voter_id!r}: {error}") from None
        if len(points) != count:
            raise self.error(f"voter {voter_id!r} gives {len(points)} points for {count} projects")
        return points

    def _instance(self) -> Instance:
        return Instance(
            budget=parse_number(self.meta["budget"]),
            projects=self.projects,
            ballots=self.ballots,
            vote_type=self.meta["vote_type"],
            meta=self.meta,
            project_columns=self.headers["projects"],
            vote_columns=self.headers["votes"],
            warnings=self.warnings,
        )


def write_pabulib(instance: Instance, path: str | Path | None = None) -> str:
    """Write ``instance`` in the Pabulib format; return the text (and save it if ``path``).

    Budgets and costs are written as decimals, META counts are recomputed, optional columns
    keep their order, and a ballot with multiplicity k is written as k rows.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    num_votes = instance.num_voters
    meta = dict(instance.meta)
    meta.update(
        num_projects=str(len(instance.projects)),
        num_votes=str(num_votes),
        budget=format_decimal(instance.budget),
        vote_type=instance.vote_type,
    )
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    project_columns = instance.project_columns or _default_columns(
        ["project_id", "cost"], (p.fields for p in instance.projects.values())
    )
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    for project in instance.projects.values():
        cells = {"project_id": project.id, "cost": format_decimal(project.cost)}
        writer.writerow([cells.get(c, project.fields.get(c, "")) for c in project_columns])

    needs_points = instance.vote_type in POINTS_VOTE_TYPES
    vote_columns = instance.vote_columns or _default_columns(
        ["voter_id", "vote"] + (["points"] if needs_points else []),
        (b.fields for b in instance.ballots),
    )
    writer.writerow(["VOTES"])
    writer.writerow(vote_columns)
    number = 0
    for ballot in instance.ballots:
        cells = {"vote": ",".join(ballot.projects)}
        if ballot.points is not None:
            cells["points"] = ",".join(format_decimal(p) for p in ballot.points)
        for copy in range(ballot.multiplicity):
            number += 1
            voter_id = ballot.voter_id or str(number)
            if ballot.multiplicity > 1 and ballot.voter_id:
                voter_id = f"{ballot.voter_id}-{copy + 1}"
            cells["voter_id"] = voter_id
            writer.writerow([cells.get(c, ballot.fields.get(c, "")) for c in vote_columns])

    text = out.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _default_columns(required: list[str], field_maps) -> list[str]:
    """Required columns, then every optional field seen, in first-seen order."""
    columns = list(required)
    for fields in field_maps:
        for key in fields:
            if key not in columns:
                columns.append(key)
    return columns
