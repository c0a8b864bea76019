"""The application factory: config, extensions, blueprints, CLI and error handlers (no queries).

``from pb_service import create_app`` finds it here lazily, so that importing the rules engine
(``pb_service.rules``) does not load Flask and SQLAlchemy.
"""
from __future__ import annotations

import os

from flask import Flask, g, request

from pb_service.config import load_config
from pb_service import extensions
from pb_service.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(config_overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config_overrides))
    from pb_service.core.database import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter

    _init_extensions(app)
    _register_blueprints(app)
    from pb_service.core.replica import register_read_routing

    # Before the tenant is resolved: the municipality's lookup is already one of the routed reads.
    register_read_routing(app)
    _register_tenant_resolution(app)
    _register_template_helpers(app)

    from pb_service.core.transactions import register_request_commit

    register_request_commit(app)
    from pb_service.core.errors import register_error_handlers
    from pb_service.core.security import register_input_guards, register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_input_guards(app)

    from pb_service.core.forms import register_refused_form_status
    from pb_service.core.observability import configure_logging, register_health_checks, register_request_observation
    from pb_service import tasks  # noqa: F401  (registers the jobs)
    from pb_service.core.jobs import queue

    configure_logging(app)
    register_request_observation(app)
    register_health_checks(app)
    queue.init_app(app)

    register_refused_form_status(app)

    from pb_service.cli import pb_cli

    app.cli.add_command(pb_cli)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx: the client's address (rate limits, sessions) and the public scheme and host.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def _init_extensions(app: Flask) -> None:
    from pb_service.core import database  # noqa: F401  (engine event listeners)
    from pb_service.core.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    extensions.api.init_app(app)

    from pb_service.accounts.services import init_password_hashing, load_user

    init_password_hashing(app)
    login_manager.user_loader(load_user)
    # A session cookie used from another address or browser is dropped, "remember me" included.
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to see this page.")


def _register_blueprints(app: Flask) -> None:
    from pb_service.accessibility.views import accessibility, accessibility_index
    from pb_service.accounts.views import accounts
    from pb_service.analytics import register_receivers
    from pb_service.analytics.views import analytics, implementation_pages, open_data
    from pb_service.api import register_api
    from pb_service.api_tokens.views import api_tokens
    from pb_service.site.views import main
    from pb_service.editions.views import editions
    from pb_service.hub.views import BLUEPRINTS as HUB_BLUEPRINTS
    from pb_service.municipalities.views import municipality_pages, staff
    from pb_service.privacy.views import privacy
    from pb_service.proposals.views import proposals
    from pb_service.results.views import results
    from pb_service.voting.views import voting

    app.register_blueprint(main)
    app.register_blueprint(accounts)
    app.register_blueprint(staff)
    for blueprint in HUB_BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_api(app, extensions.api)
    app.register_blueprint(editions)
    app.register_blueprint(proposals)
    app.register_blueprint(voting)
    app.register_blueprint(results)
    app.register_blueprint(api_tokens)
    app.register_blueprint(privacy)
    app.register_blueprint(accessibility_index)
    app.register_blueprint(accessibility)
    app.register_blueprint(analytics)
    app.register_blueprint(open_data)
    app.register_blueprint(implementation_pages)
    register_receivers()
    # Last: its URL prefix is a variable and must not shadow the global routes above.
    app.register_blueprint(municipality_pages)


def _register_tenant_resolution(app: Flask) -> None:
    from flask import abort

    from pb_service.core.cache import cached_row
    from pb_service.core.tenancy import allow_cross_tenant, bind_tenant
    from pb_service.extensions import db
    from pb_service.municipalities.services import MUNICIPALITY_ROWS, municipality_by_slug

    @app.url_value_preprocessor
    def resolve_municipality(endpoint, values):
        if values and "municipality" in values:
            slug = values.pop("municipality")
            # The second wall: on PostgreSQL the request's transactions see only this municipality's
            # rows. Bound before the first statement when the slug is known, the wall is written
            # once, with that statement's transaction; a renamed slug is bound again just below.
            known = MUNICIPALITY_ROWS.get(slug)
            if known is not None:
                bind_tenant(db.session, known)
            municipality = cached_row(MUNICIPALITY_ROWS, slug, db.session, lambda: municipality_by_slug(slug))
            if municipality is None:
                abort(404)
            g.municipality = municipality
            bind_tenant(db.session, municipality)

    @app.before_request
    def staff_pages_cross_tenant():
        # Programme staff's national pages (those that require a global permission: creating a
        # municipality, analytics, managing the hub) act on every municipality: the database wall
        # is lifted for them, with a stated, logged reason.
        permission = getattr(app.view_functions.get(request.endpoint), "required_permission", None)
        if permission is not None and permission.is_global:
            from flask_login import current_user

            if current_user.is_authenticated and current_user.is_staff:
                allow_cross_tenant(db.session, f"programme staff pages ({request.endpoint})")

    @app.url_defaults
    def add_municipality_slug(endpoint, values):
        if "municipality" in values or "municipality" not in g:
            return
        if app.url_map.is_endpoint_expecting(endpoint, "municipality"):
            values["municipality"] = g.municipality.slug


def _can(permission_name: str) -> bool:
    """For templates: whether the signed-in user holds a permission in the current municipality."""
    from flask_login import current_user

    from pb_service.core.permissions import REGISTRY, has_permission

    return has_permission(current_user, REGISTRY[permission_name], g.get("municipality"))


def _allowed(rule_name: str, obj=None) -> bool:
    """For templates: whether the signed-in user passes a named object rule (``core.permissions.named``)."""
    from flask_login import current_user

    from pb_service.core.permissions import RULES

    return RULES[rule_name](current_user, obj, g.get("municipality"))


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import format_number

    from pb_service.core.i18n import LANGUAGE_NAMES, current_language, format_day, format_moment, format_money
    from pb_service.core.markdown import render_markdown

    app.jinja_env.filters.update(
        money=format_money, format_number=format_number, markdown=render_markdown, day=format_day, moment=format_moment,
    )
    from pb_service.core.models import utcnow

    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, current_language=current_language, can=_can, allowed=_allowed, utcnow=utcnow)

    @app.context_processor
    def current_municipality():
        return {"municipality": g.get("municipality")}
