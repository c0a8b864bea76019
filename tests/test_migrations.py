"""The migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pb_service.extensions import db
from pb_service.hub.search import outside_search_structures

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
