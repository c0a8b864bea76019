"""The migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pb_service.extensions import db
from pb_service.hub.search import outside_search_structures

#: Hand-written SQL, migrations or search: SQLite and PostgreSQL may differ (tests/conftest.py).
pytestmark = pytest.mark.both_databases

def test_models_and_migrations_agree(app):
    # The app fixture has run every migration on an empty database of this backend.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": outside_search_structures, "compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_search_structures_exist_for_the_backend(app):
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            names = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE 'hub_material_fts%'")}
            assert {"hub_material_fts", "hub_material_fts_insert", "hub_material_fts_update", "hub_material_fts_delete"} <= names
        else:
            indexes = {row[0] for row in connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'hub_material_translation'")}
            assert "ix_hub_material_translation_fts" in indexes


def test_migrations_form_one_line(app):
    """Every migration chains onto one head: parallel branches were merged in order."""
    from alembic.script import ScriptDirectory

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_sqlite_database_with_accounts_upgrades_from_the_first_migration(tmp_path, smtp_server):
    """SQLite changes a column by copying its table: that must work when other tables' rows point
    at it (an installation upgraded with `make run`, not only an empty test database)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/upgrade.sqlite3", smtp_server.port)
    with app.app_context():
        upgrade(revision="06f60ad3177b")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO municipality (id, slug, name, teryt, voivodeship, kind, population, default_locale, contact_email,"
                " contact_phone, contact_address, website, accessibility_coordinator_name, accessibility_coordinator_email,"
                " accessibility_coordinator_phone, created_at, updated_at)"
                " VALUES (1, 'gdynia', 'Gmina Miasta Gdyni', '2262011', '22', 'city_with_powiat_rights', 243918, 'pl',"
                " '', '', '', '', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            connection.execute(text(
                "INSERT INTO user_account (id, email, password_hash, display_name, locale, is_staff, active, created_at, updated_at)"
                " VALUES (1, 'urzednik@example.org', 'x', 'Urzędnik', 'pl', 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
            connection.execute(text(
                "INSERT INTO membership (id, user_id, role, municipality_id, created_at, updated_at)"
                " VALUES (1, 1, 'admin', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM user_account")).scalars().all() == ["urzednik@example.org"]
            assert connection.execute(text("SELECT count(*) FROM membership")).scalar_one() == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        db.engine.dispose()


def test_the_minimum_of_votes_migration_keeps_every_configured_minimum(tmp_path, smtp_server):
    """``greedy-threshold`` editions become ``greedy`` (the minimum applies under every rule now);
    editions imported from Pabulib are marked and keep the file's rule."""
    import sqlite3

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    path = tmp_path / "minimum.sqlite3"
    app = make_app(f"sqlite:///{path}", smtp_server.port)
    with app.app_context():
        upgrade(revision="9a41d3c6e2f8")
        db.engine.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute(
                "INSERT INTO municipality (id, slug, name, teryt, voivodeship, kind, population, default_locale, contact_email,"
                " contact_phone, contact_address, website, accessibility_coordinator_name, accessibility_coordinator_email,"
                " accessibility_coordinator_phone, retention_months, created_at, updated_at)"
                " VALUES (1, 'gdynia', 'Gdynia', '2262011', '22', 'city_with_powiat_rights', 243918, 'pl',"
                " '', '', '', '', '', '', '', 24, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
            for edition_id, rule in ((1, "greedy-threshold"), (2, "greedy"), (3, "greedy-threshold")):
                connection.execute(
                    "INSERT INTO edition (id, name, year, description, resolution, is_published, submission_starts_at,"
                    " formal_review_starts_at, merit_review_starts_at, appeals_starts_at, voting_starts_at, results_starts_at,"
                    " implementation_starts_at, closes_at, appeal_days, correction_days, identification, verification,"
                    " identities_per_phone, voter_register_required, api_ballots_enabled, paper_double_entry, outcome_rule,"
                    " tie_break, ballot_order, leftover_policy, voter_key, municipality_id, created_at, updated_at, protest_days)"
                    " VALUES (?, ?, 2026, '', '', 1, '2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01',"
                    " '2026-06-01', '2026-07-01', '2027-12-31', 7, 7, 'name_address', 'none', 5, 0, 1, 0, ?,"
                    " 'cheaper-first', 'random_per_voter', 'stays', 'key', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 7)",
                    (edition_id, f"BO {edition_id}", rule),
                )
            connection.execute(
                "INSERT INTO edition_level (id, edition_id, name, kind, position, method, min_choices, points, must_use_all,"
                " municipality_id) VALUES (1, 3, 'Dzielnice', 'district', 0, 'approval', 1, '[]', 0, 1)"
            )
            connection.execute(
                "INSERT INTO pool (id, edition_id, level_id, name, position, budget, required_supporters, min_votes, municipality_id)"
                " VALUES (1, 3, 1, 'Nad Nerem', 0, 100, 0, 50, 1)"
            )
            connection.execute(
                "INSERT INTO pabulib_import (id, sha256, filename, edition_id, pool_id, imported_at, file_rule, voters, projects,"
                " budget, selected_outside_rule, selected_by_count, has_channel, municipality_id)"
                " VALUES (1, 'abc', 'Poland_Lodz_2024_Nad_Nerem.pb', 3, 1, CURRENT_TIMESTAMP, 'greedy-threshold', 1, 1, 1,"
                " '[]', '[]', 0, 1)"
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, outcome_rule, imported_from_pabulib FROM edition ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "greedy", 0), (2, "greedy", 0), (3, "greedy-threshold", 1)]
        db.engine.dispose()
