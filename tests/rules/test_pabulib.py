"""Pabulib reader and writer: round trips, tolerated variants, and errors naming the line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from pb_service.rules import Instance, PabulibError, PabulibWarning, parse_pabulib, read_pabulib, write_pabulib

DATA = Path(__file__).resolve().parent.parent / "data"
DATA_FILES = sorted(DATA.glob("*.pb"))

SMALL = """META
key;value
description;"A test; with ""quotes"" inside"
budget;1000.5
vote_type;cumulative
rule;greedy
num_projects;3
num_votes;2
PROJECTS
project_id;cost;name;selected
a;600;"Park ""Green""; phase 2";1
b;400.25;Bench;0
w;999999999;Withdrawn;0
VOTES
voter_id;vote;points;age;sex
v1;a,b;2,1;30;F
v2;b;3;;M
"""


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_round_trip_of_real_files(path):
    instance = read_pabulib(path)
    assert parse_pabulib(write_pabulib(instance)) == instance


def test_values_and_optional_columns_are_kept():
    instance = parse_pabulib(SMALL)
    assert instance.budget == Fraction(2001, 2)
    assert instance.projects["b"].cost == Fraction(1601, 4)
    assert instance.projects["a"].name == 'Park "Green"; phase 2'
    assert instance.projects["w"].withdrawn
    assert instance.meta["description"] == 'A test; with "quotes" inside'
    assert instance.ballots[0].points == (2, 1)
    assert instance.ballots[1].fields == {"age": "", "sex": "M"}
    assert instance.vote_columns == ["voter_id", "vote", "points", "age", "sex"]
    text = write_pabulib(instance)
    assert "budget;1000.5" in text and "b;400.25;Bench;0" in text
    assert parse_pabulib(text) == instance


def test_crlf_and_bom_are_tolerated():
    data = ("\ufeff" + SMALL.replace("\n", "\r\n")).encode("utf-8")
    assert parse_pabulib(data) == parse_pabulib(SMALL)


def test_choose_1_stays_choose_1(load):
    instance = load("Netherlands_Amsterdam_643.pb")
    assert "vote_type;choose-1" in write_pabulib(instance)


def test_instance_built_from_data_writes_a_valid_file(tmp_path):
    instance = Instance.from_data(
        budget=1000,
        projects={"a": 600, "b": 500},
        ballots=[["a"], ["a", "b"]],
        multiplicities=[3, 2],
    )
    path = tmp_path / "app.pb"
    write_pabulib(instance, path)
    again = read_pabulib(path)
    assert again.num_voters == 5 and again.budget == 1000
    assert [b.projects for b in again.ballots].count(("a", "b")) == 2


@pytest.mark.parametrize(
    ("mutation", "line", "message"),
    [
        (("b;400.25;Bench;0", "b;lots;Bench;0"), 12, "cost of project 'b'"),
        (("v2;b;3;;M", "v2;c;3;;M"), 17, "unknown project 'c'"),
        (("v2;b;3;;M", "v2;b;3,1;;M"), 17, "gives 2 points for 1 projects"),
        (("v1;a,b;2,1;30;F", "v1;a,b;2,1;30"), 16, "has 4 fields, the header has 5"),
        (("vote_type;cumulative", "vote_type;plurality"), 5, "unknown vote_type"),
        (("a;600;", "a;-600;"), 11, "negative cost"),
        (("project_id;cost", "id;cost"), 10, "must start with 'project_id'"),
        (("VOTES\n", ""), 14, "this project has 5 fields, the header has 4"),
        (("v1;a,b;2,1", "v1;a,b,a;2,1,1"), 16, "names project 'a' twice with different points (2 and 1)"),
        (("v2;b;3;;M", "v2;b,c,b;3,1,3;;M"), 17, "unknown project 'c'"),
        (("budget;1000.5", "budget;a lot"), 4, "budget"),
    ],
)
def test_malformed_files_name_the_line_and_the_problem(mutation, line, message):
    with pytest.raises(PabulibError) as caught:
        parse_pabulib(SMALL.replace(*mutation))
    assert caught.value.line == line
    assert message in str(caught.value)


def test_missing_section_and_bad_encoding():
    with pytest.raises(PabulibError, match="no VOTES section"):
        parse_pabulib(SMALL.split("VOTES")[0])
    with pytest.raises(PabulibError, match="not valid UTF-8") as caught:
        parse_pabulib(SMALL.encode() + b"v3;a;1;\xff;F\n")
    assert caught.value.line == 18


def test_an_approval_vote_naming_a_project_twice_names_it_once_with_a_warning():
    # A copy of Netherlands_Assen_2024.pb edited by hand (its META comment says so): three votes
    # repeat a project id, as in Warszawa 2022 Wola and four Warszawa 2026 files.
    repeated = read_pabulib(DATA / "Netherlands_Assen_2024__repeated_in_votes.pb")
    original = read_pabulib(DATA / "Netherlands_Assen_2024.pb")
    assert repeated.ballots == original.ballots
    assert repeated.ballots[1].projects == ("1", "2", "10")
    assert repeated.ballots[3].projects == ("3", "7", "9", "13")
    source = str(DATA / "Netherlands_Assen_2024__repeated_in_votes.pb")
    assert repeated.warnings == [
        PabulibWarning("voter 'vote02bb4517-a1b0-4aba-be48-8c195184c058' names project '2' more than once; counted once", 37, source),
        PabulibWarning("voter 'vote067948a9-1d56-48d1-9b79-909daa4eed36' names projects '3', '7' more than once; counted once", 39, source),
        PabulibWarning("voter 'vote10a23e46-1dcc-4fb6-870a-60bf5797b1b5' names project '1' more than once; counted once", 42, source),
    ]
    assert str(repeated.warnings[0]).startswith(f"{source}, line 37: voter ")
    assert original.warnings == []


def test_a_points_vote_naming_a_project_twice_with_the_same_points_names_it_once():
    instance = parse_pabulib(SMALL.replace("v1;a,b;2,1", "v1;a,b,a;2,1,2"), source="small.pb")
    assert instance.ballots[0].projects == ("a", "b") and instance.ballots[0].points == (2, 1)
    assert [(w.line, w.message) for w in instance.warnings] == [(16, "voter 'v1' names project 'a' more than once; counted once")]
    assert instance == parse_pabulib(SMALL)


def test_an_ordinal_vote_naming_a_project_twice_keeps_its_first_rank():
    ordinal = SMALL.replace("vote_type;cumulative", "vote_type;ordinal").replace("v1;a,b;2,1", "v1;b,a,b;2,1")
    instance = parse_pabulib(ordinal)
    assert instance.ballots[0].projects == ("b", "a")
    assert [w.line for w in instance.warnings] == [16]
