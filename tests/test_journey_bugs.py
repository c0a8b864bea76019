"""Rough edges of the newcomers' journeys (issue 17), each through the pages people use."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from pb_service.editions import services as edition_services
from pb_service.editions.models import Phase
from pb_service.proposals.models import Status
from tests.editions_factories import make_edition, make_level, make_pool, make_proposal
from pb_service.core.forms import WARSAW
from tests.factories import login, make_municipality, make_official, make_user


class FormInputs(HTMLParser):
    """The values a browser would send back for the inputs of a page's forms."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") and attributes.get("type") not in ("checkbox", "radio", "submit"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def form_inputs(html: str) -> dict[str, str]:
    parser = FormInputs()
    parser.feed(html)
    return parser.values


def test_an_edition_moved_on_early_twice_in_a_minute_can_be_saved_as_shown(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION)
    session.commit()
    with app.test_request_context():
        edition_services.advance_phase(city, edition, "Wszystkie wnioski już wpłynęły.", actor=admin)
        edition_services.advance_phase(city, edition, "Weryfikacja formalna zakończona wcześniej.", actor=admin)
    moved_at = edition.merit_review_starts_at
    client = app.test_client()
    login(client, admin)
    url = f"/{city.slug}/office/editions/{edition.id}/edit"
    values = form_inputs(client.get(url).get_data(as_text=True))
    assert values["merit_review_starts_at"] == moved_at.astimezone(WARSAW).strftime("%Y-%m-%dT%H:%M")
    values.update(description="", name="BO po zmianie nazwy")
    response = client.post(url, data=values)
    assert response.status_code == 302, re.findall(r'class="field-error"[^<]*<span[^<]*</span>([^<]*)', response.get_data(as_text=True))
    session.expire_all()
    assert (edition.name, edition.merit_review_starts_at, edition.phase) == ("BO po zmianie nazwy", moved_at, Phase.MERIT_REVIEW)


def test_a_rejection_without_ticked_items_publishes_no_failed_checklist(app, session):
    city = make_municipality(session)
    edition = make_edition(session, city, Phase.FORMAL_REVIEW)
    pool = make_pool(session, edition, required_supporters=0)
    evaluator = make_official(session, city, Role.EVALUATOR)
    rejected = make_proposal(session, pool, make_user(session), Status.SUBMITTED, title="Fontanna na rynku")
    partly = make_proposal(session, pool, make_user(session), Status.SUBMITTED, title="Ławki w parku")
    session.commit()
    reviewer = app.test_client()
    login(reviewer, evaluator)
    review_page = reviewer.get(f"/{city.slug}/office/review/{rejected.id}").get_data(as_text=True)
    assert 'value="supporters"' not in review_page and 'value="complete"' in review_page
    for proposal, ticked in ((rejected, []), (partly, ["complete", "pool_eligible", "supporters"])):
        response = reviewer.post(f"/{city.slug}/office/review/{proposal.id}/formal", data={
            "checklist": ticked, "decision": "reject", "justification": "Wniosek dotyczy terenu poza granicami gminy.",
        })
        assert response.status_code == 302
    resident = app.test_client()
    page = resident.get(f"/{city.slug}/proposals/{rejected.id}").get_data(as_text=True)
    assert "Wniosek dotyczy terenu poza granicami gminy." in page
    assert "checklist__item" not in page
    page = resident.get(f"/{city.slug}/proposals/{partly.id}").get_data(as_text=True)
    items = re.findall(r'checklist__item--(yes|no)">([^<]*)</li>', page)
    assert items == [
        ("yes", "Wszystkie wymagane części są wypełnione: tak"),
        ("yes", "Pasuje do wybranej puli (obszar lub temat): tak"),
        ("no", "Szacunek mieści się w limitach kosztów puli: nie"),
        ("no", "Określa, jak spełnia potrzeby dostępności: nie"),
    ]


def test_a_refused_settings_form_answers_422_like_other_refused_forms(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION, is_published=False)
    session.commit()
    client = app.test_client()
    login(client, admin)
    response = client.post(f"/{city.slug}/office/editions/{edition.id}/settings", data={
        "identification": "name_address", "verification": "none", "identities_per_phone": "0", "mixing_batch_size": "30",
        "outcome_rule": "greedy", "tie_break": "cheaper-first", "ballot_order": "random_per_voter", "leftover_policy": "stays",
    })
    assert response.status_code == 422
    assert "Dopuść co najmniej jedną osobę na numer telefonu." in response.get_data(as_text=True)
    response = client.post(f"/{city.slug}/office/editions/{edition.id}/edit", data={"name": ""})
    assert response.status_code == 422
    assert client.get(f"/{city.slug}/office/editions/{edition.id}/settings").status_code == 200


def test_no_page_renders_an_attribute_with_the_value_none(app, session):
    """Optional fields once rendered required="None", which browsers and screen readers treat as required."""
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION, is_published=False)
    level = make_level(session, edition)
    pool = make_pool(session, edition, level)
    session.commit()
    anonymous, office = app.test_client(), app.test_client()
    login(office, admin)
    pages = {
        anonymous: ["/account/login", "/account/register", f"/{city.slug}/accessibility/request", "/account/reset"],
        office: [
            f"/{city.slug}/office/editions/{edition.id}/settings", f"/{city.slug}/office/editions/{edition.id}/edit",
            f"/{city.slug}/office/editions/new", f"/{city.slug}/office/editions/{edition.id}/levels/{level.id}/edit",
            f"/{city.slug}/office/editions/{edition.id}/levels/new", f"/{city.slug}/office/editions/{edition.id}/pools/{pool.id}/edit",
            f"/{city.slug}/office/editions/{edition.id}/advance", f"/{city.slug}/office/editions/{edition.id}/",
        ],
    }
    checked = 0
    for client, urls in pages.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert re.findall(r'[\w-]+="None"', response.get_data(as_text=True)) == [], url
            checked += 1
    assert checked == 12
    # And every page whose address needs nothing but the municipality, for each kind of visitor.
    staff = app.test_client()
    login(staff, make_user(session, staff=True))
    walked = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or set(rule.arguments) - {"municipality"} or rule.endpoint in ("static", "accounts.logout"):
            continue
        url = rule.rule.replace("<municipality>", city.slug)
        for client in (anonymous, office, staff):
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                assert re.findall(r'[\w-]+="None"', response.get_data(as_text=True)) == [], url
                walked.add(url)
    assert len(walked) > 40
    for url in ("/account/login",):
        page = anonymous.get(url).get_data(as_text=True)
        assert re.search(r'<input[^>]*name="remember"[^>]*\brequired\b', page) is None


RAW_RULE_NAMES = re.compile(r"equalshares|cheaper-first|more-votes-first|greedy(?:-threshold|-no-skip)?\b")


def test_rules_and_tie_breaks_read_as_labels_in_every_language(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION, outcome_rule="equalshares/add1", tie_break="cheaper-first")
    session.commit()
    client = app.test_client()
    login(client, admin)
    labels = {
        "pl": ("Metoda równych udziałów z uzupełnieniem (dodaj jeden)", "Najpierw tańszy projekt"),
        "en": ("Method of Equal Shares with completion (add one)", "The cheaper project first"),
    }
    for language in ("pl", "en", "uk"):
        client.get(f"/lang/{language}")
        for url in (f"/{city.slug}/office/editions/{edition.id}/", f"/{city.slug}/office/editions/{edition.id}/settings"):
            page = client.get(url).get_data(as_text=True)
            visible = re.sub(r'(value|name|id|for|href)="[^"]*"', "", page)
            assert RAW_RULE_NAMES.findall(visible) == [], (language, url)
        if language in labels:
            page = client.get(f"/{city.slug}/office/editions/{edition.id}/").get_data(as_text=True)
            assert all(label in page for label in labels[language]), language


def test_counts_take_the_plural_form_of_their_number(app, session):
    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    edition = make_edition(session, city, Phase.SUBMISSION, appeal_days=1, correction_days=3, protest_days=5)
    level = make_level(session, edition)
    make_pool(session, edition, level, population=22)
    session.commit()
    client = app.test_client()
    login(client, admin)
    expected = {
        "pl": ["Odwołania w ciągu 1 dnia od odrzucenia.", "Poprawki w ciągu 3 dni.", "w ciągu 5 dni od jego zakończenia", "22 mieszkańców"],
        "en": ["Appeals within 1 day of a rejection.", "Corrections within 3 days.", "within 5 days of its end", "22 residents"],
        "uk": ["Оскарження протягом 1 дня після відхилення.", "Виправлення протягом 3 днів.", "протягом 5 днів після його завершення", "22 мешканці"],
    }
    for language, phrases in expected.items():
        client.get(f"/lang/{language}")
        page = client.get(f"/{city.slug}/office/editions/{edition.id}/").get_data(as_text=True)
        assert [phrase for phrase in phrases if phrase not in page] == [], language
    client.get("/lang/pl")
    page = client.get(f"/{city.slug}/accessibility/request").get_data(as_text=True)
    assert "Gmina odpowie w ciągu 7 dni." in page


def test_login_shortcut_and_return_to_the_page_after_sign_in(app, session):
    city = make_municipality(session)
    edition = make_edition(session, city, Phase.SUBMISSION)
    resident = make_user(session, second_factor=False)
    session.commit()
    client = app.test_client()
    assert client.get("/login").headers["Location"] == "/account/login"
    assert client.get("/login?next=/x/y").headers["Location"] == "/account/login?next=/x/y"
    assert client.get("/login?next=https://evil.example/").headers["Location"] == "/account/login"
    page = f"/{city.slug}/editions/{edition.id}/"
    header = client.get(page).get_data(as_text=True)
    sign_in = re.search(r'<a href="([^"]+)">Zaloguj się</a>', header).group(1)
    assert sign_in == f"/account/login?next=/{city.slug}/editions/{edition.id}/"
    response = client.post(sign_in, data={"email": resident.email, "password": "correct horse battery"})
    assert response.headers["Location"] == page
    for unsafe in ("/\\evil.example", "//evil.example", "https://evil.example/"):
        client.post("/account/logout")
        response = client.post("/account/login?" + urlencode({"next": unsafe}), data={"email": resident.email, "password": "correct horse battery"})
        assert response.headers["Location"] == "/", unsafe


def where(url: str) -> tuple[str, list[str]]:
    """A redirect or link target as its path and its ``next`` values."""
    parts = urlsplit(url.replace("&amp;", "&"))
    return parts.path, parse_qs(parts.query).get("next", [])


def test_an_invitation_survives_creating_an_account_and_confirming_it(app, session, mailbox):
    from pb_service.accounts.models import Membership

    city = make_municipality(session)
    admin = make_official(session, city, Role.ADMIN)
    session.commit()
    office = app.test_client()
    login(office, admin)
    office.post(f"/{city.slug}/office/members", data={"email": "nowa@example.org", "role": "evaluator"})
    invitation_path = re.search(r"http://localhost(/\S+/invitation/\S+)", mailbox.body(mailbox.to("nowa@example.org")[-1])).group(1)

    newcomer = app.test_client()
    login_url = newcomer.get(invitation_path).headers["Location"]
    assert where(login_url) == ("/account/login", [invitation_path])
    register_url = re.search(r'<a href="(/account/register[^"]*)"', newcomer.get(login_url).get_data(as_text=True)).group(1)
    assert where(register_url) == ("/account/register", [invitation_path])
    newcomer.post(register_url.replace("&amp;", "&"), data={
        "display_name": "Nowa Urzędniczka", "email": "nowa@example.org", "password": "correct horse battery",
        "password_confirm": "correct horse battery",
    })
    confirm = re.search(r"http://localhost(/account/confirm/\S+)", mailbox.body(mailbox.to("nowa@example.org")[-1])).group(1)
    other_browser = app.test_client()  # the mail is often opened on another device
    signed_in_url = other_browser.get(confirm).headers["Location"]
    assert where(signed_in_url) == ("/account/login", [invitation_path])
    response = other_browser.post(signed_in_url, data={"email": "nowa@example.org", "password": "correct horse battery"})
    assert response.headers["Location"] == invitation_path
    assert other_browser.post(invitation_path).status_code == 302
    roles = session.scalars(tenant_select(Membership, city)).all()
    roles = [membership.role for membership in roles]
    assert sorted(role.value for role in roles) == ["admin", "evaluator"]

def test_the_hubs_starter_content_shows_all_five_materials_to_a_newcomer(app, session):
    from pb_service.hub.demo import STAFF_EMAIL, load_demo_hub

    make_user(session, email=STAFF_EMAIL, staff=True)
    session.commit()
    with app.test_request_context():
        load_demo_hub()
    session.commit()
    for language, checklist in (("pl", "Lista kontrolna oceny formalnej i merytorycznej projektów"),
                                ("en", "A checklist for the formal and merit review of proposals")):
        client = app.test_client()
        client.get(f"/lang/{language}")
        page = client.get("/hub/materials").get_data(as_text=True)
        assert checklist in page, language
        assert page.count('<li class="card card--material">') == 5, language


def test_a_lost_tie_reads_with_titles_and_the_criterion_on_the_officials_result(app, session):
    from pb_service.core.permissions import SYSTEM
    from pb_service.editions.models import LevelKind
    from pb_service.results.services import compute_results
    from tests.results_factories import admitted_projects, cast_ballot

    town = make_municipality(session)
    admin = make_official(session, town, Role.ADMIN)
    edition = make_edition(session, town, Phase.RESULTS, outcome_rule="greedy", tie_break="cheaper-first")
    pool = make_pool(session, edition, make_level(session, edition, LevelKind.CITY), budget=700_00, max_project_cost=None)
    dearer, cheaper, small = admitted_projects(session, pool, make_user(session), [400_00, 350_00, 300_00])
    for title, project in (("Skatepark", dearer), ("Ławki", cheaper), ("Rowery", small)):
        project.title = title
    for count, project in ((3, dearer), (3, cheaper), (2, small)):
        for _ in range(count):
            cast_ballot(session, edition, {pool.id: {project.id: 1}})
    session.flush()
    with app.test_request_context():
        compute_results(town, edition, actor=SYSTEM)
    session.commit()
    client = app.test_client()
    login(client, admin)
    for language, note in (("pl", "Remis z: Ławki; rozstrzygnęło kryterium: niższy koszt."),
                           ("en", "Tied with Ławki; settled by the lower cost.")):
        client.get(f"/lang/{language}")
        page = client.get(f"/{town.slug}/office/editions/{edition.id}/results/").get_data(as_text=True)
        assert note in page, language
        assert "tied with" not in page and "settled by cost" not in page
        assert RAW_RULE_NAMES.findall(re.sub(r'(value|name|id|for|href)="[^"]*"', "", page)) == [], language


def test_an_appeal_can_carry_a_document_for_the_panel_only(app, session):
    import io

    from tests.editions_factories import PDF_BYTES

    city = make_municipality(session)
    edition = make_edition(session, city, Phase.FORMAL_REVIEW)
    pool = make_pool(session, edition)
    evaluator = make_official(session, city, Role.EVALUATOR)
    author = make_user(session)
    proposal = make_proposal(session, pool, author, Status.SUBMITTED, title="Ogród deszczowy")
    session.commit()
    reviewer = app.test_client()
    login(reviewer, evaluator)
    reviewer.post(f"/{city.slug}/office/review/{proposal.id}/formal", data={
        "decision": "reject", "justification": "Działka nie należy do gminy według wypisu z rejestru.",
    })
    resident = app.test_client()
    login(resident, author)
    form = resident.get(f"/{city.slug}/proposals/{proposal.id}/appeal").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="document"' in form
    response = resident.post(f"/{city.slug}/proposals/{proposal.id}/appeal", data={
        "grounds": "Według księgi wieczystej działka jest gminna.", "document": (io.BytesIO(PDF_BYTES), "ksiega-wieczysta.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    assert proposal.status is Status.APPEALED
    [document] = [a for a in proposal.attachments if a.kind.value == "appeal"]
    url = f"/{city.slug}/proposals/{proposal.id}/attachments/{document.id}"
    review = reviewer.get(f"/{city.slug}/office/review/{proposal.id}").get_data(as_text=True)
    assert url in review and "ksiega-wieczysta.pdf" in review
    assert reviewer.get(url).data == PDF_BYTES and resident.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 404
    assert url not in app.test_client().get(f"/{city.slug}/proposals/{proposal.id}").get_data(as_text=True)
