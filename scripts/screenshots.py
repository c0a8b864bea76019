"""Screenshots of the key pages at phone and desktop widths (``make screenshots``).

Serves the app (instance database with the demo data) on a free local port in this process,
signs in where a page needs an official, and drives Debian's Chromium (/usr/bin/chromium)
through Playwright; nothing is downloaded.

Usage: python scripts/screenshots.py OUTPUT_DIR [--base-url URL]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
#: Long pages are cut here: the top shows the design, and the files stay small enough to commit.
MAX_HEIGHT = 3200
DEMO_PASSWORD = "demo-password"
ADMIN, EVALUATOR = "admin.gdansk@example.org", "evaluator.gdansk@example.org"
#: (file name, path, who is signed in); {names} are filled in from the demo data by demo_ids().
PAGES = [
    ("front", "/", None),
    ("municipality", "/gdansk/", None),
    ("edition", "/gdansk/editions/{voting}/", None),
    ("catalogue", "/gdansk/editions/{voting}/projects", None),
    ("proposal", "/gdansk/proposals/{proposal}", None),
    ("ballot", "/gdansk/editions/{voting}/vote?district-{district_level}={district_pool}", None),
    ("receipt-check", "/gdansk/editions/{voting}/receipt", None),
    ("hub", "/hub/", None),
    ("good-practice", "/hub/practices/{practice}", None),
    ("open-data", "/open-data/", None),
    ("municipality-figures", "/open-data/municipalities/gdansk", None),
    ("accessibility-statement", "/gdansk/accessibility", None),
    ("accessibility-request", "/gdansk/accessibility/request", None),
    ("register", "/account/register", None),
    ("api-docs", "/api/v1/docs", None),
    ("office", "/gdansk/office/", ADMIN),
    ("officials", "/gdansk/office/members", ADMIN),
    ("accessibility-requests", "/gdansk/office/accessibility/requests", ADMIN),
    ("review-queue", "/gdansk/office/review/", EVALUATOR),
    # The demo's past Gdańsk edition (the first one loaded) and its city-wide pool.
    ("results", "/gdansk/editions/1/results/", None),
    ("results-pool", "/gdansk/editions/1/results/pools/1", None),
    ("results-how-close", "/gdansk/editions/1/results/pools/1#how-close", None),
    ("results-project", "/gdansk/proposals/{lost_project}", None),
    ("results-what-if", "/gdansk/office/editions/1/results/what-if", ADMIN),
    ("api-tokens", "/gdansk/office/api-tokens/", ADMIN),
    ("two-factor", "/account/two-factor", ADMIN),
]


def demo_ids() -> dict:
    """Ids in Gdańsk's demo: the edition in voting, one of its projects, a district and its pool;
    a good practice linked to an edition."""
    from pb_service import create_app
    from pb_service.core.tenancy import bind_tenant, tenant_select
    from pb_service.editions.models import Edition, LevelKind, Phase
    from pb_service.extensions import db
    from pb_service.hub.services.practices import published_practices
    from pb_service.municipalities.services import municipality_by_slug
    from pb_service.proposals.models import Proposal
    from pb_service.results.models import ProjectResult, PoolResult

    with create_app().app_context():
        gdansk = municipality_by_slug("gdansk")
        bind_tenant(db.session, gdansk)  # on PostgreSQL the database shows this session Gdańsk's rows only
        voting = next(e for e in db.session.scalars(tenant_select(Edition, gdansk)) if e.phase is Phase.VOTING)
        district = next(level for level in voting.levels if level.kind is LevelKind.DISTRICT)
        pool = district.pools[0]
        proposal = db.session.scalar(tenant_select(Proposal, gdansk, Proposal.pool_id == pool.id).order_by(Proposal.number))
        practice = next(p for p in published_practices() if p.edition_id is not None)
        # A project of the results pages' pool that was not funded: its page tells how close it came.
        lost = db.session.scalar(
            tenant_select(ProjectResult, gdansk, ProjectResult.selected.is_(False))
            .join(PoolResult, PoolResult.id == ProjectResult.pool_result_id).where(PoolResult.pool_id == 1)
            .order_by(ProjectResult.rank)
        )
        return {
            "voting": voting.id, "district_level": district.id, "district_pool": pool.id, "proposal": proposal.id,
            "practice": practice.id, "lost_project": lost.proposal_id,
        }


def serve_app() -> str:
    from pb_service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def sign_in(context, base_url: str, email: str) -> None:
    """Password, then the code from the demo official's fixed authenticator key."""
    import pyotp

    from pb_service.demo import demo_totp_secret

    page = context.new_page()
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    if page.url.endswith("/account/login/code"):
        page.fill("#code", pyotp.TOTP(demo_totp_secret(email)).now())
        page.click("#submit")
        page.wait_for_load_state()
    page.close()


def shrink(png: Path) -> None:
    """Reduce the PNG to a palette with pngquant when it is installed (about a quarter of the size)."""
    if shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "65-90", "--speed", "1", "--output", str(png), str(png)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--base-url", help="an already running server (default: serve the app here)")
    parser.add_argument("--only", nargs="*", help="only these pages (file names without the width), e.g. results-pool")
    args = parser.parse_args()
    pages = [page for page in PAGES if not args.only or page[0] in args.only]
    base_url = args.base_url or serve_app()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    ids = demo_ids()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Each account signs in once: a code from the app is good only once.
        states = {}
        for who in {who for _name, _path, who in pages if who}:
            context = browser.new_context(locale="pl-PL")
            sign_in(context, base_url, who)
            states[who] = context.storage_state()
            context.close()
        for width_name, (width, height) in WIDTHS.items():
            contexts = {}
            for name, path, who in pages:
                if who not in contexts:
                    contexts[who] = browser.new_context(
                        viewport={"width": width, "height": height}, locale="pl-PL", storage_state=states.get(who)
                    )
                page = contexts[who].new_page()
                page.goto(base_url + path.format(**ids))
                target = output / f"{name}-{width_name}.png"
                full_height = page.evaluate("document.documentElement.scrollHeight")
                # A path with #anchor: from that element down (a long page's later section).
                top = page.evaluate(f"document.getElementById('{path.split('#')[1]}').getBoundingClientRect().top + window.scrollY") if "#" in path else 0
                height = min(full_height - top, MAX_HEIGHT)
                page.screenshot(path=str(target), full_page=True, clip={"x": 0, "y": top, "width": width, "height": height})
                shrink(target)
                page.close()
                print(target)
            for context in contexts.values():
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
