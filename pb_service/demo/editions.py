"""Demo editions for ``flask pb demo``: for each demo municipality, a past edition with published
results, an edition in the voting phase with 30+ projects (Gdańsk's paper sheets entered twice, by
two clerks), a thematic edition taking proposals, and a youth edition after its vote: Gdańsk's in
its protest window with a protest waiting, Kraków's counted and ready to publish.

Idempotent: an edition that exists (by name) is left as it is. Dates are relative to the moment
of loading, so a fresh demo always shows each edition in its intended phase.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from pb_service.accounts.demo import demo_password_hash
from pb_service.accounts.models import User
from pb_service.accounts.services import user_by_email
from pb_service.core.jobs.models import OutboxMail
from pb_service.core.models import utcnow
from pb_service.core.permissions import SYSTEM
from pb_service.core.tenancy import tenant_select
from pb_service.editions.models import DATED_PHASES, PHASE_START_COLUMNS, Category, Edition, Identification, LeftoverPolicy, Level, LevelKind, Pool
from pb_service.editions.rule_choices import VotingMethod
from pb_service.extensions import db
from pb_service.proposals.models import CostItem, Proposal, Stage, Status
from pb_service.proposals.services import ballot_projects
from pb_service.proposals.workflow import transition
from pb_service.results.demo import cast_demo_ballots, publish_demo_results
from pb_service.results.services import compute_results, current_count, lodge_protest, protest_window_open, protests_of

ZL = 100  # grosze

CATEGORIES = ["Zieleń", "Sport i rekreacja", "Kultura", "Edukacja", "Pomoc społeczna", "Infrastruktura"]


@dataclass(frozen=True)
class City:
    slug: str
    admin: str
    evaluator: str
    clerks: tuple[str, ...]
    centre: tuple[float, float]
    #: (district name, residents, area in km²)
    districts: tuple[tuple[str, int, str], ...]
    #: The voting method: Gdańsk chooses up to 5 projects per level (Warsaw style), Kraków ranks 3/2/1.
    method: VotingMethod
    points: tuple[int, ...] = ()
    total_points: int | None = None
    #: Approval: most projects a voter chooses per level (Warsaw style).
    max_choices: int | None = None
    identification: Identification = Identification.NAME_ADDRESS
    #: Paper sheets of the voting edition are entered twice, blind, by the city's two clerks.
    paper_double_entry: bool = False


CITIES = {
    "gdansk": City(
        "gdansk", "admin.gdansk@example.org", "evaluator.gdansk@example.org", ("clerk.gdansk@example.org", "clerk2.gdansk@example.org"), (54.3520, 18.6466),
        (("Wrzeszcz Górny", 22_500, "4.84"), ("Oliwa", 19_000, "18.90"), ("Przymorze Wielkie", 28_900, "3.18")),
        VotingMethod.APPROVAL, max_choices=5, identification=Identification.PESEL, paper_double_entry=True,
    ),
    "krakow": City(
        "krakow", "admin.krakow@example.org", "evaluator.krakow@example.org", (), (50.0614, 19.9366),
        (("Dzielnica I Stare Miasto", 30_700, "5.57"), ("Dzielnica V Krowodrza", 30_500, "5.65"), ("Dzielnica XIII Podgórze", 35_900, "25.67")),
        VotingMethod.POINTS, points=(3, 2, 1), identification=Identification.NAME_ADDRESS,
    ),
}

#: (title, summary, category index, cost in złoty, cost items as (description, share of cost in %))
CITY_PROJECTS = [
    ("Zielone przystanki – ogrody deszczowe przy przystankach", "Ogrody deszczowe i pnącza przy dziesięciu przystankach komunikacji miejskiej.", 0, 850_000),
    ("Nocna komunikacja dla seniorów – bezpłatne taksówki", "Dowóz osób 70+ do przychodni i urzędów w godzinach wieczornych.", 4, 420_000),
    ("Miejska sieć poideł z wodą pitną", "Dwadzieścia poideł z wodą pitną w parkach i na placach.", 5, 640_000),
    ("Kino plenerowe w parkach", "Dwanaście seansów filmowych pod chmurką w letnie weekendy.", 2, 180_000),
    ("Pracownie robotyki w szkołach podstawowych", "Zestawy do nauki programowania i robotyki dla piętnastu szkół.", 3, 760_000),
    ("Sterylizacja i opieka nad kotami wolno żyjącymi", "Program kastracji, leczenia i dokarmiania kotów miejskich.", 4, 300_000),
    ("Łąki kwietne zamiast trawników", "Zamiana 5 hektarów koszonych trawników na łąki kwietne.", 0, 390_000),
    ("Darmowe warsztaty pierwszej pomocy dla mieszkańców", "Czterdzieści warsztatów z obsługi defibrylatora i pierwszej pomocy.", 3, 150_000),
    ("Defibrylatory AED w przestrzeni publicznej", "Trzydzieści całodobowych defibrylatorów w miejscach dostępnych dla wszystkich.", 5, 510_000),
    ("Festiwal sąsiedzki „Otwarte podwórka”", "Cykl pikników sąsiedzkich z koncertami w każdej dzielnicy.", 2, 260_000),
    ("Ścieżka rowerowa wzdłuż potoku", "Bezpieczny, oświetlony odcinek drogi rowerowej o długości 1,2 km.", 5, 1_900_000),
    ("Tężnia solankowa w parku miejskim", "Tężnia z ławkami i zadaszeniem, dostępna dla osób z niepełnosprawnościami.", 1, 700_000),
]

DISTRICT_PROJECTS = [
    ("Plac zabaw integracyjny przy szkole", "Urządzenia dostępne dla dzieci z niepełnosprawnościami, bezpieczna nawierzchnia.", 1, 420_000),
    ("Nasadzenia drzew wzdłuż ulicy", "Czterdzieści drzew z systemem nawadniania i osłonami pni.", 0, 180_000),
    ("Siłownia plenerowa dla seniorów", "Dziesięć urządzeń do ćwiczeń o niskim obciążeniu, z instrukcjami.", 1, 140_000),
    ("Remont chodnika i nowe ławki", "Wymiana 300 m chodnika, obniżenie krawężników i pięć ławek z oparciami.", 5, 520_000),
    ("Zajęcia sportowe dla dzieci i młodzieży", "Bezpłatne treningi piłki nożnej, koszykówki i tańca przez cały rok.", 1, 90_000),
    ("Domki dla owadów i budki lęgowe", "Pięćdziesiąt budek dla ptaków i jerzyków oraz hotele dla owadów.", 0, 45_000),
    ("Biblioteczka sąsiedzka i strefa czytania", "Zadaszona biblioteczka wymiany książek z ławkami i oświetleniem.", 2, 60_000),
    ("Bezpieczne przejście dla pieszych przy przedszkolu", "Wyniesione przejście z doświetleniem i azylem dla pieszych.", 5, 350_000),
]

#: Cost items as shares of the total (percent), for every demo project.
COST_SPLIT = (("Dokumentacja projektowa", 10), ("Roboty budowlane i montaż", 70), ("Zakup wyposażenia", 15), ("Nadzór i oznakowanie", 5))

THEMATIC_PROPOSALS = [
    ("Ogród społeczny na osiedlu", "Wspólne grządki, kompostownik i narzędzia dla sąsiadów.", 0, 95_000, Status.DRAFT),
    ("Zazielenienie podwórka szkolnego", "Rozszczelnienie asfaltu i nasadzenia krzewów na boisku.", 0, 240_000, Status.SUBMITTED),
    ("Zbiorniki na deszczówkę przy budynkach komunalnych", "Retencja wody opadowej do podlewania zieleni.", 5, 130_000, Status.RETURNED),
    ("Mikrolas metodą Miyawakiego", "Gęsty las na 600 m² nieużytku przy pętli tramwajowej.", 0, 160_000, Status.MERIT_REVIEW),
    ("Fontanna z podświetleniem na rynku", "Nowa fontanna z efektami świetlnymi.", 2, 900_000, Status.REJECTED),
    ("Zielony dach na przystanku", "Rozchodniki na dachach czterech wiat przystankowych.", 0, 120_000, Status.ADMITTED),
]

_AUTHORS = [
    ("resident@example.org", "Zofia Mieszkanka"),
    ("autor.marek@example.org", "Marek Sąsiedzki"),
    ("autor.anna@example.org", "Anna Zielińska"),
    ("autor.kasia@example.org", "Katarzyna Nowak"),
]


def _authors() -> list[User]:
    users = []
    for email, name in _AUTHORS:
        user = user_by_email(email)
        if user is None:
            user = User(email=email, display_name=name, password_hash=demo_password_hash(), confirmed_at=utcnow())
            db.session.add(user)
            db.session.flush()
        users.append(user)
    return users


def _edition(municipality, name: str, year: int, days_from_now: dict, **settings) -> Edition | None:
    """A new published edition whose phases start ``days_from_now[phase]`` days from now."""
    if db.session.scalar(tenant_select(Edition, municipality, Edition.name == name)) is not None:
        return None
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    starts = {PHASE_START_COLUMNS[phase]: now + timedelta(days=days_from_now[phase]) for phase in DATED_PHASES}
    edition = Edition(
        municipality_id=municipality.id, name=name, year=year, is_published=True, closes_at=now + timedelta(days=days_from_now["closes"]),
        description=(
            f"**{name}** to pula pieniędzy z budżetu miasta, o której przeznaczeniu decydują mieszkańcy.\n\n"
            "- zgłoś projekt w terminie naboru,\n- zbierz poparcie mieszkańców,\n- głosuj na projekty, które chcesz zobaczyć w swojej okolicy."
        ),
        resolution=f"Uchwała Rady Miasta w sprawie budżetu obywatelskiego na rok {year}", **starts, **settings,
    )
    db.session.add(edition)
    db.session.flush()
    for position, category in enumerate(CATEGORIES):
        db.session.add(Category(municipality_id=municipality.id, edition_id=edition.id, name=category, position=position))
    db.session.flush()
    return edition


def _levels_and_pools(municipality, edition: Edition, city: City, city_budget_zl: int, district_total_zl: int) -> list[Pool]:
    city_level = Level(
        municipality_id=municipality.id, edition_id=edition.id, name="Projekty ogólnomiejskie", kind=LevelKind.CITY, position=1,
        method=city.method, min_choices=1, max_choices=len(city.points) or city.max_choices, points=list(city.points),
        total_points=city.total_points, must_use_all=city.method is VotingMethod.POINTS,
    )
    district_level = Level(
        municipality_id=municipality.id, edition_id=edition.id, name="Projekty dzielnicowe", kind=LevelKind.DISTRICT, position=2,
        method=city.method, min_choices=1, max_choices=len(city.points) or city.max_choices, points=list(city.points),
        total_points=city.total_points, must_use_all=city.method is VotingMethod.POINTS,
    )
    db.session.add_all([city_level, district_level])
    db.session.flush()
    pools = [Pool(
        municipality_id=municipality.id, edition_id=edition.id, level_id=city_level.id, name="Ogólnomiejski", position=0,
        budget=city_budget_zl * ZL, population=municipality.population, max_project_cost_percent=50,
        min_project_cost=20_000 * ZL, required_supporters=50, min_votes=100,
    )]
    for position, (name, residents, area) in enumerate(city.districts, start=1):
        pools.append(Pool(
            municipality_id=municipality.id, edition_id=edition.id, level_id=district_level.id, name=name, position=position,
            population=residents, area_km2=Decimal(area), max_project_cost_percent=80, min_project_cost=10_000 * ZL,
            required_supporters=15, min_votes=50,
        ))
    db.session.add_all(pools)
    db.session.flush()
    # District budgets from Poznań's 50/30/20 formula, as an admin would compute them.
    _split_district_budgets(district_level, pools[1:], district_total_zl * ZL)
    return pools


def _split_district_budgets(level: Level, pools: list[Pool], total: int) -> None:
    residents = sum(p.population for p in pools)
    area = sum(p.area_km2 for p in pools)
    for pool in pools:
        share = Decimal(50) / len(pools) + Decimal(30) * pool.population / residents + Decimal(20) * pool.area_km2 / area
        pool.budget = int(Decimal(total) * share / 100)
    pools[0].budget += total - sum(p.budget for p in pools)
    level.budget_formula = {"total": total, "equal": 50, "population": 30, "area": 20}


def _proposal(municipality, edition, pool, number, title, summary, category, cost_zl, author, city: City, offset: int) -> Proposal:
    cost = cost_zl * ZL
    items = [(text, cost * share // 100) for text, share in COST_SPLIT]
    items[-1] = (items[-1][0], cost - sum(amount for _, amount in items[:-1]))
    lat, lon = city.centre
    proposal = Proposal(
        municipality_id=municipality.id, edition_id=edition.id, pool_id=pool.id, category_id=edition.categories[category].id,
        number=number, author_id=author.id, title=title, summary=summary, status=Status.DRAFT,
        description=(
            f"## Co chcemy zrobić\n\n{summary}\n\n## Dlaczego\n\nMieszkańcy od lat zgłaszają tę potrzebę radzie dzielnicy. "
            "Projekt jest ogólnodostępny i bezpłatny dla wszystkich.\n\n## Dla kogo\n\n- dzieci i młodzież\n- dorośli\n- seniorzy"
        ),
        location=f"{pool.name}, teren gminny (działka nr {100 + offset}/{offset % 7 + 1})",
        latitude=Decimal(f"{lat + ((offset * 37) % 41 - 20) * 0.0017:.6f}"), longitude=Decimal(f"{lon + ((offset * 53) % 43 - 21) * 0.0026:.6f}"),
        accessibility="Projekt spełnia wymagania projektowania uniwersalnego: brak barier architektonicznych, dojście utwardzone, oznakowanie kontrastowe.",
        estimated_cost=cost, paper_supporters=pool.required_supporters + offset % 9, submitted_at=edition.submission_starts_at + timedelta(days=offset % 20 + 1),
        cost_items=[CostItem(municipality_id=municipality.id, position=i, description=t, amount=a) for i, (t, a) in enumerate(items)],
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _walk(municipality, proposal: Proposal, target: Status, author, evaluator, admin) -> None:
    """Take the demo proposal through the real state machine to ``target`` (phases aside)."""
    fine = "Projekt spełnia wymagania regulaminu."
    steps = {
        Status.SUBMITTED: [(Status.SUBMITTED, author, Stage.AUTHOR, "")],
        Status.RETURNED: [(Status.RETURNED, evaluator, Stage.FORMAL, "Brakuje mapy z zaznaczoną lokalizacją. Prosimy o uzupełnienie.")],
        Status.MERIT_REVIEW: [(Status.MERIT_REVIEW, evaluator, Stage.FORMAL, fine)],
        Status.ADMITTED: [(Status.MERIT_REVIEW, evaluator, Stage.FORMAL, fine), (Status.ADMITTED, evaluator, Stage.MERIT, "Projekt jest wykonalny w ciągu roku budżetowego, a koszt został zweryfikowany.")],
        Status.REJECTED: [(Status.MERIT_REVIEW, evaluator, Stage.FORMAL, fine), (Status.REJECTED, evaluator, Stage.MERIT, "Teren nie należy do gminy, więc miasto nie może realizować tam inwestycji.")],
    }
    path = [] if target is Status.DRAFT else steps[Status.SUBMITTED] + (steps[target] if target is not Status.SUBMITTED else [])
    for to, actor, stage, justification in path:
        deadline = utcnow() + timedelta(days=7) if to in (Status.RETURNED, Status.REJECTED) else None
        transition(municipality, proposal, to, stage, justification, actor=actor, deadline=deadline)


def _voting_edition(municipality, city: City, authors, evaluator, admin) -> Edition | None:
    year = utcnow().year + 1
    days = dict(zip(DATED_PHASES, (-150, -110, -80, -40, -5, 16, 60)), closes=420)
    edition = _edition(
        municipality, f"Budżet Obywatelski {year}", year, days, identification=city.identification, paper_double_entry=city.paper_double_entry,
    )
    if edition is None:
        return None
    pools = _levels_and_pools(municipality, edition, city, 12_000_000, 6_000_000)
    numbers = itertools.count(1)
    entries = [(pools[0], project) for project in CITY_PROJECTS]
    entries += [(pool, project) for pool in pools[1:] for project in DISTRICT_PROJECTS]
    for offset, (pool, (title, summary, category, cost)) in enumerate(entries):
        title = title if pool.kind is LevelKind.CITY else f"{title} – {pool.name}"
        proposal = _proposal(municipality, edition, pool, next(numbers), title, summary, category, cost, authors[offset % len(authors)], city, offset)
        _walk(municipality, proposal, Status.ADMITTED, proposal.author, evaluator, admin)
    if edition.paper_double_entry:
        _enter_paper_sheets(municipality, edition, [user_by_email(email) for email in city.clerks])
    return edition


#: Paper sheets the demo's two clerks entered: (sheet, PESEL, first name, last name, project
#: positions on each clerk's entry of the city-wide pool). Both entries of P-0001 agree (counted);
#: P-0002 waits for its second entry; the entries of P-0003 differ, for the supervisor to settle.
PAPER_SHEETS = (
    ("P-0001", "82031407317", "Henryk", "Papierowy", ((0, 3), (0, 3))),
    ("P-0002", "75072304466", "Irena", "Kartkowa", ((1, 4),)),
    ("P-0003", "91040211833", "Jerzy", "Urnowy", ((2, 5), (2, 6))),
)


def _enter_paper_sheets(municipality, edition: Edition, clerks: list[User]) -> None:
    """Sheets entered through the clerks' own pipeline (identity, choices, blind double entry)."""
    from pb_service.voting.services import BallotSubmission, PaperBallot, enter_paper_ballot

    city_pool = edition.pools[0]
    projects = sorted((p for p in ballot_projects(municipality, edition) if p.pool_id == city_pool.id), key=lambda p: p.number)
    for sheet, pesel, first_name, last_name, entries in PAPER_SHEETS:
        identity = dict(pesel=pesel, first_name=first_name, last_name=last_name, declaration="y")
        for clerk, positions in zip(clerks, entries):
            choices = {city_pool.id: [projects[position].id for position in positions]}
            enter_paper_ballot(municipality, edition, PaperBallot(sheet, BallotSubmission(identity, {}, choices)), actor=clerk)


def _submission_edition(municipality, city: City, authors, evaluator, admin) -> Edition | None:
    year = utcnow().year + 1
    days = dict(zip(DATED_PHASES, (-10, 20, 50, 80, 110, 130, 160)), closes=520)
    edition = _edition(municipality, f"Zielony Budżet {year}", year, days)
    if edition is None:
        return None
    level = Level(municipality_id=municipality.id, edition_id=edition.id, name="Zielone projekty", kind=LevelKind.THEMATIC, method=VotingMethod.APPROVAL, min_choices=1, max_choices=5)
    db.session.add(level)
    db.session.flush()
    pool = Pool(municipality_id=municipality.id, edition_id=edition.id, level_id=level.id, name="Zielony budżet", budget=2_000_000 * ZL,
                population=municipality.population, max_project_cost=500_000 * ZL, required_supporters=20, min_votes=50)
    db.session.add(pool)
    db.session.flush()
    for offset, (title, summary, category, cost, status) in enumerate(THEMATIC_PROPOSALS):
        number = offset + 1 if status is not Status.DRAFT else None
        proposal = _proposal(municipality, edition, pool, number, title, summary, category, cost, authors[offset % len(authors)], city, offset)
        _walk(municipality, proposal, status, proposal.author, evaluator, admin)
    return edition


#: Past editions: voters, and the leftover policy that shows how each city uses unspent money.
PAST_VOTERS = {"gdansk": 3_000, "krakow": 2_600}
PAST_LEFTOVER = {"gdansk": LeftoverPolicy.NEXT_PROJECTS, "krakow": LeftoverPolicy.MOVES_TO_POOL}


def _past_edition(municipality, city: City, authors, evaluator, admin) -> Edition | None:
    """Last year's edition, now being implemented, with published results counted from synthetic
    ballots (:mod:`pb_service.results.demo`) by the edition's rule: greedy, with the pools' minimum of votes."""
    year = utcnow().year
    days = dict(zip(DATED_PHASES, (-500, -470, -440, -410, -380, -360, -330)), closes=30)
    edition = _edition(
        municipality, f"Budżet Obywatelski {year}", year, days, outcome_rule="greedy",
        leftover_policy=PAST_LEFTOVER[city.slug],
    )
    if edition is None:
        return None
    # Budgets smaller than the projects' total, so that the vote decides.
    pools = _levels_and_pools(municipality, edition, city, 4_000_000, 2_100_000)
    if edition.leftover_policy is LeftoverPolicy.MOVES_TO_POOL:
        edition.leftover_pool_id = pools[0].id  # district leftovers go to the city-wide pool
    numbers = itertools.count(1)
    for pool in pools:
        projects = CITY_PROJECTS if pool.kind is LevelKind.CITY else DISTRICT_PROJECTS
        for offset, (title, summary, category, cost) in enumerate(projects):
            title = title if pool.kind is LevelKind.CITY else f"{title} – {pool.name}"
            proposal = _proposal(municipality, edition, pool, next(numbers), title, summary, category, cost, authors[offset % len(authors)], city, offset)
            _walk(municipality, proposal, Status.ADMITTED, proposal.author, evaluator, admin)
    db.session.flush()
    db.session.refresh(edition)
    publish_demo_results(municipality, edition, PAST_VOTERS[city.slug], protester=authors[0], background_count=city.slug == "gdansk")
    return edition


#: The youth edition after its vote: voters, and whether the protest window is over (the count
#: awaits publication) or still open (with a resident's protest waiting for the panel).
YOUTH_VOTERS = {"gdansk": 420, "krakow": 380}
YOUTH_READY_TO_PUBLISH = {"gdansk": False, "krakow": True}
DEMO_PROTEST = (
    "W szkolnym punkcie głosowania przy ul. Chrobrego w piątek po południu nie było kart do głosowania na papierze; "
    "część uczniów zrezygnowała z głosowania. Prosimy o sprawdzenie, czy mogło to zmienić wynik."
)


def _after_vote_edition(municipality, city: City, authors, evaluator, admin) -> Edition | None:
    """A small thematic edition whose vote ended: ballots cast and counted (the preliminary
    result). Kraków's vote ended ten days ago, so its seven-day protest window is over and the
    count waits only for publication; Gdańsk's ended two days ago and a resident has lodged a
    protest (through the service, as on the protest page)."""
    year = utcnow().year + 1
    ended = -10 if YOUTH_READY_TO_PUBLISH[city.slug] else -2
    days = dict(zip(DATED_PHASES, (-130, -100, -80, -60, ended - 21, ended, 60)), closes=420)
    edition = _edition(municipality, f"Młodzieżowy Budżet Obywatelski {year}", year, days, identification=city.identification)
    if edition is None:
        return None
    level = Level(
        municipality_id=municipality.id, edition_id=edition.id, name="Projekty młodzieżowe", kind=LevelKind.THEMATIC,
        method=VotingMethod.APPROVAL, min_choices=1, max_choices=3,
    )
    db.session.add(level)
    db.session.flush()
    pool = Pool(
        municipality_id=municipality.id, edition_id=edition.id, level_id=level.id, name="Młodzieżowy budżet", budget=800_000 * ZL,
        population=municipality.population, max_project_cost=550_000 * ZL, required_supporters=10, min_votes=30,
    )
    db.session.add(pool)
    db.session.flush()
    for offset, (title, summary, category, cost) in enumerate(DISTRICT_PROJECTS):
        proposal = _proposal(municipality, edition, pool, offset + 1, title, summary, category, cost, authors[offset % len(authors)], city, offset)
        _walk(municipality, proposal, Status.ADMITTED, proposal.author, evaluator, admin)
    db.session.flush()
    db.session.refresh(edition)
    cast_demo_ballots(municipality, edition, YOUTH_VOTERS[city.slug])
    compute_results(municipality, edition, actor=SYSTEM)
    if not YOUTH_READY_TO_PUBLISH[city.slug]:
        with _mail_dropped():
            lodge_protest(municipality, edition, DEMO_PROTEST, actor=authors[0], pool_id=pool.id)
    return edition


@contextmanager
def _mail_dropped():
    """The demo's people are made up: the mail a service writes them while the demo is built (a
    protest received) is marked handled in the outbox, so that its job, run after the commit,
    neither sends it nor prints it among the demo's accounts."""
    before = db.session.scalar(select(func.max(OutboxMail.id))) or 0
    yield
    db.session.execute(update(OutboxMail).where(OutboxMail.id > before, OutboxMail.sent_at.is_(None)).values(sent_at=utcnow()))


def _state(municipality, edition: Edition) -> str:
    """What an official can try in the edition, for the lines ``flask pb demo`` prints."""
    state = [f"phase: {edition.phase.value}"]
    if edition.paper_double_entry:
        state.append("paper sheets entered twice by two clerks, sheet P-0002 waits for its second entry, P-0003 for the supervisor")
    count = current_count(municipality, edition)
    if count is not None and count.is_published:
        state.append("results published")
    elif count is not None:
        waiting = sum(1 for protest in protests_of(municipality, edition) if not protest.is_decided)
        if protest_window_open(edition):
            state.append(f"counted; protest window open until {edition.protests_close_at:%Y-%m-%d %H:%M} UTC, protests waiting: {waiting}")
        else:
            state.append("counted, ready to publish")
    return "; ".join(state)


def load_current_editions(municipalities: dict) -> list[str]:
    """Create this year's demo editions (voting, proposals, after the vote); return lines describing them."""
    return _load_editions(municipalities, (_voting_edition, _submission_edition, _after_vote_edition))


def load_past_editions(municipalities: dict) -> list[str]:
    """Create last year's demo editions, counted and published; return lines describing them."""
    return _load_editions(municipalities, (_past_edition,))


def _load_editions(municipalities: dict, builds) -> list[str]:
    authors = _authors()
    lines = []
    for slug, city in CITIES.items():
        municipality = municipalities.get(slug)
        if municipality is None:
            continue
        evaluator, admin = user_by_email(city.evaluator), user_by_email(city.admin)
        for build in builds:
            edition = build(municipality, city, authors, evaluator, admin)
            if edition is not None:
                lines.append(f"  {slug:8} {edition.name} ({_state(municipality, edition)})")
    db.session.flush()
    return lines
