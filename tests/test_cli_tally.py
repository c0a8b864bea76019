"""``flask pb tally`` is the rules engine's command line inside the app."""
from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def test_flask_pb_tally_matches_the_standalone_command(app, capsys):
    from pb_service.rules.cli import main

    path = str(DATA / "Poland_Swiecie_2023.pb")
    assert main(["tally", path, "--json"]) == 0
    standalone = json.loads(capsys.readouterr().out)
    result = app.test_cli_runner().invoke(args=["pb", "tally", path, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == standalone
    assert standalone["rule"] == "equalshares/add1"


def test_flask_pb_tally_bad_file_exits_2(app, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nbudget;lots\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["pb", "tally", str(broken)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
