"""Whether the ``voter_id``s of an edition's Pabulib files name the same people in every file.

A count of people counts people: a resident who voted in the city-wide pool and in a district
(or in a district's "small" and "large" pool) is one voter. Pabulib files of one edition either
share one numbering of voters (Katowice, Gdańsk, Gdynia, Poznań, Łódź: the id of a voter is the
same in each file she appears in) or number each file's voters on their own, and the format
does not say which. The files tell, from three kinds of evidence, strongest first:

1. Where an id appears in two files that both give the voter's age or sex, a shared numbering
   gives the same person (the same sex, the same age within a year); a numbering per file pairs
   strangers, who mostly differ.
2. A resident votes in one district: two files of different districts (META ``district``) that
   share most of their ids number their voters on their own.
3. Two or more files whose ids are each the integers from 1 up to about their number of ballots
   restarted the numbering in each file.

Where none of these shows a numbering per file, ids shared between files are one person each.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pb_service.rules import Instance

#: The share of ids seen in two files whose age and sex agree, at and above which the ids are
#: taken as shared (data entry differs now and then; strangers agree far less often).
AGREEMENT = 0.9
#: Fewer compared ids than this are no evidence either way.
ENOUGH = 20
#: Two files of different districts sharing more than this share of the smaller one's ids.
CROSS_DISTRICT_OVERLAP = 0.5
#: A file "numbered from 1" has integer ids from 1 to at most this factor of its ballots
#: (files with a few removed voters keep gaps).
DENSE = 1.1


@dataclass(frozen=True)
class VoterIds:
    """The verdict on an edition's files; ``reason`` says why, for the import report."""

    shared: bool
    reason: str
    #: The edition's files: the verdict matters where there are several.
    files: int = 1


def _ids(instance: Instance) -> list[str]:
    return [ballot.voter_id.strip() for ballot in instance.ballots]


def _person(ballot) -> tuple[int | None, str | None]:
    age = ballot.fields.get("age", "").strip()
    sex = ballot.fields.get("sex", "").strip().upper()
    return (int(age) if age.isdigit() else None), (sex if sex in ("F", "M") else None)


def _agreement(instances: list[Instance], repeated: set[str]) -> tuple[int, int]:
    """(ids compared, ids whose age and sex agree) among ids seen in several files."""
    seen: dict[str, tuple[int | None, str | None]] = {}
    compared = agreeing = 0
    for instance in instances:
        for ballot in instance.ballots:
            voter_id = ballot.voter_id.strip()
            if voter_id not in repeated:
                continue
            age, sex = _person(ballot)
            if voter_id not in seen:
                seen[voter_id] = (age, sex)
                continue
            first_age, first_sex = seen[voter_id]
            checks = []
            if age is not None and first_age is not None:
                checks.append(abs(age - first_age) <= 1)
            if sex is not None and first_sex is not None:
                checks.append(sex == first_sex)
            if checks:
                compared += 1
                agreeing += all(checks)
    return compared, agreeing


def _numbered_from_one(ids: list[str]) -> bool:
    if not all(voter_id.isdigit() for voter_id in ids):
        return False
    numbers = [int(voter_id) for voter_id in ids]
    return min(numbers) <= 1 and max(numbers) <= DENSE * len(numbers) + 1


def judge_voter_ids(instances: list[Instance]) -> VoterIds:
    """Whether the files' voter ids name the same person across files (see the module's doc)."""
    verdict = _verdict(instances)
    return VoterIds(verdict.shared, verdict.reason, len(instances))


def _verdict(instances: list[Instance]) -> VoterIds:
    if len(instances) == 1:
        return VoterIds(True, "one file: each ballot is one voter")
    ids = [_ids(instance) for instance in instances]
    if any(not voter_id for file_ids in ids for voter_id in file_ids):
        return VoterIds(False, "a file has ballots without a voter_id, so a voter in several files cannot be recognised")
    if any(len(set(file_ids)) != len(file_ids) for file_ids in ids):
        return VoterIds(False, "a file repeats a voter_id, so its ids do not name people")
    files_of: dict[str, int] = defaultdict(int)
    for file_ids in ids:
        for voter_id in file_ids:
            files_of[voter_id] += 1
    repeated = {voter_id for voter_id, count in files_of.items() if count > 1}
    if not repeated:
        return VoterIds(True, "no voter_id appears in two files: each ballot is one voter")

    compared, agreeing = _agreement(instances, repeated)
    if compared >= ENOUGH:
        share = agreeing / compared
        if share < AGREEMENT:
            return VoterIds(False, (
                f"the same voter_id has a different age or sex in different files ({agreeing} of {compared} agree): "
                "each file numbers its voters on its own"
            ))
        return VoterIds(True, f"{len(repeated)} voter_ids appear in several files with the same age and sex ({agreeing} of {compared}): one numbering")

    sets = [set(file_ids) for file_ids in ids]
    districts = [instance.meta.get("district", "").strip() for instance in instances]
    for first in range(len(instances)):
        for second in range(first + 1, len(instances)):
            if not districts[first] or not districts[second] or districts[first] == districts[second]:
                continue
            shared = len(sets[first] & sets[second])
            if shared > CROSS_DISTRICT_OVERLAP * min(len(sets[first]), len(sets[second])):
                return VoterIds(False, (
                    f"the files of {districts[first]} and {districts[second]} share {shared} voter_ids, "
                    "though a resident votes in one district: each file numbers its voters on its own"
                ))
    restarted = sum(1 for file_ids in ids if _numbered_from_one(file_ids))
    if restarted >= 2:
        return VoterIds(False, f"{restarted} files number their voters from 1: each file numbers its voters on its own")
    return VoterIds(True, f"{len(repeated)} voter_ids appear in several files and nothing shows a numbering per file: one numbering")
