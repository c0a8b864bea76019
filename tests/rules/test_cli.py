"""The command line: JSON output, exit status 2 with a one-line message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pb_service.rules.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
ASSEN = str(DATA / "Netherlands_Assen_2024.pb")


def test_json_output(capsys):
    assert main(["tally", ASSEN, "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["rule"] == "equalshares/add1"
    assert output["budget"] == 100000 and output["spent"] + output["leftover"] == 100000
    assert set(output) == {"rule", "budget", "spent", "leftover", "selected"}


def test_rule_and_min_score_options(capsys):
    assert main(["tally", ASSEN, "--rule", "greedy-threshold", "--min-score", "20", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "greedy-threshold"


def test_table_output(capsys):
    assert main(["tally", ASSEN, "--rule", "greedy"]) == 0
    assert "leftover" in capsys.readouterr().out


def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;x\nvote_type;approval\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n")
    for argv in (
        ["tally", str(bad)],
        ["tally", str(tmp_path / "missing.pb")],
        ["tally", ASSEN, "--rule", "nonsense"],
        ["tally", ASSEN, "--min-score", "many"],
        [],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ")
    assert main(["tally", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err


def test_module_entry_point():
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-m", "pb_service.rules", "tally", ASSEN, "--json"],
        capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root)},
    )
    assert run.returncode == 0 and json.loads(run.stdout)["selected"]


def test_warnings_are_counted_and_verbose_lists_each_line(capsys):
    repeated = str(DATA / "Netherlands_Assen_2024__repeated_in_votes.pb")
    assert main(["tally", repeated, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["selected"] == ["3", "9", "2", "11", "13", "14", "5", "6", "12"]
    assert captured.err == (
        f"warning: {repeated}, line 37: voter 'vote02bb4517-a1b0-4aba-be48-8c195184c058' names project '2' "
        "more than once; counted once (3 warning(s) in all; --verbose lists them)\n"
    )
    assert main(["tally", repeated, "--json", "--verbose"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": voter")[0] for line in lines[:3]] == [
        f"warning: {repeated}, line {n}" for n in (37, 39, 42)
    ]
    assert lines[3].startswith("times: import ") and len(lines) == 4


def test_timings_report_import_parse_and_rule_apart(capsys):
    assert main(["tally", ASSEN, "--rule", "greedy", "--timings"]) == 0
    [line] = capsys.readouterr().err.splitlines()
    steps = [part.split()[0] for part in line.removeprefix("times: ").split(" (")[0].split(", ")]
    assert steps == ["import", "parse", "rule"]
    assert all(float(part.split()[1]) >= 0 for part in line.removeprefix("times: ").split(" (")[0].split(", "))
