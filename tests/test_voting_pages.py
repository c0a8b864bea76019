"""The HTML ballot, one-time codes, paper ballots with double entry, the protocol, receipts."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select
from pb_service.editions.models import Identification, Verification
from pb_service.voting import sms
from pb_service.voting.models import Channel, OneTimeCode, PaperEntry, PaperEntryStatus, VoterRecord
from tests.factories import login, make_official
from tests.voting_factories import api_ballot, ballots_in_box, ballots_url, end_voting, identity, make_voting_edition, pesel_of


def everywhere(*entities):
    return cross_tenant_select(*entities, reason="test: inspect what voting stored")


def vote_url(ve) -> str:
    return f"/{ve.municipality.slug}/editions/{ve.edition.id}/vote"


def ballot_form(ve, n=1, **extra) -> dict:
    district = ve.districts[0]
    form = {
        f"district-{ve.district_level_id}": str(district.id),
        f"pool-{ve.city_pool.id}": [str(ve.city_projects[0].id), str(ve.city_projects[2].id)],
        f"pool-{district.id}": [str(ve.district_projects[district.id][0].id)],
        "identity-pesel": pesel_of(n), "identity-first_name": "Anna", "identity-last_name": "Nowak", "identity-declaration": "y",
    }
    form.update(extra)
    return form


def test_ballot_page_without_javascript_review_confirm_receipt(client, session, mailbox):
    ve = make_voting_edition(session)
    first = client.get(vote_url(ve)).get_data(as_text=True)
    assert "Krok 1: Twoja dzielnica" in first
    ballot = client.get(vote_url(ve), query_string={f"district-{ve.district_level_id}": ve.districts[0].id}).get_data(as_text=True)
    assert ballot.count('class="choice"') == 4 + 3  # the city-wide pool and the chosen district only
    assert "Wybierz najwyżej 3 projekty." in ballot

    review = client.post(vote_url(ve), data=ballot_form(ve, action="review", receipt_email="anna@example.org"))
    page = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Sprawdź swoją kartę" in page
    assert ballots_in_box(session) == []  # nothing is stored before confirming

    confirmed = client.post(vote_url(ve), data=ballot_form(ve, action="confirm", receipt_email="anna@example.org"))
    receipt = re.search(r'class="receipt-code"><strong>([A-Z0-9-]+)<', confirmed.get_data(as_text=True)).group(1)
    [mail] = mailbox.to("anna@example.org")
    assert receipt in mailbox.body(mail)
    check = client.post(f"/{ve.municipality.slug}/editions/{ve.edition.id}/receipt", data={"receipt": receipt.lower().replace("-", " ")})
    assert "Tak: głos z tym kodem jest w urnie." in check.get_data(as_text=True)
    other = client.post(f"/{ve.municipality.slug}/editions/{ve.edition.id}/receipt", data={"receipt": "AAAA-BBBB-CCCC-DDDD"})
    assert "Nie ma policzonego głosu z tym kodem." in other.get_data(as_text=True)

    again = client.post(vote_url(ve), data=ballot_form(ve, action="confirm"))
    assert again.status_code == 409
    assert "W tej edycji oddano już głos z tymi danymi." in again.get_data(as_text=True)


def test_errors_are_shown_next_to_the_level_and_choices_are_kept(client, session):
    ve = make_voting_edition(session)
    too_many = [str(p.id) for p in ve.city_projects]
    response = client.post(vote_url(ve), data=ballot_form(ve, action="review", **{f"pool-{ve.city_pool.id}": too_many}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<a href="#level-{ve.city_level_id}">Wybierz najwyżej 3 projekty.</a>' in page
    assert f'id="level-{ve.city_level_id}-error"' in page
    assert page.count("checked") == len(too_many) + 1 + 1  # the choices and the declaration are kept
    assert 'value="Anna"' in page


def test_email_code_before_the_ballot_is_accepted(client, session, mailbox):
    ve = make_voting_edition(session, verification=Verification.EMAIL_CODE)
    body = api_ballot(ve, identity=identity(email="Anna@Example.org"))
    wrong = client.post(ballots_url(ve), json={**body, "verification": {"code": "000000"}})
    assert wrong.status_code == 422 and wrong.get_json()["errors"] == {"code": ["Kod jednorazowy jest błędny lub wygasł. Poproś o nowy kod."]}
    url = f"/api/v1/municipalities/{ve.municipality.slug}/editions/{ve.edition.id}/verification-codes"
    assert client.post(url, json={"identity": body["identity"]}).status_code == 202
    [mail] = mailbox.to("anna@example.org")
    code = re.search(r"\b(\d{6})\b", mail["Subject"]).group(1)
    assert client.post(ballots_url(ve), json={**body, "verification": {"code": code}}).status_code == 201
    # A code works once.
    other = api_ballot(ve, 2, identity=identity(2, email="anna@example.org"))
    assert client.post(ballots_url(ve), json={**other, "verification": {"code": code}}).status_code == 422


def test_expired_code_is_refused(client, session, mailbox):
    ve = make_voting_edition(session, verification=Verification.EMAIL_CODE)
    body = api_ballot(ve, identity=identity(email="jan@example.org"))
    client.post(f"/api/v1/municipalities/{ve.municipality.slug}/editions/{ve.edition.id}/verification-codes", json={"identity": body["identity"]})
    code = re.search(r"\b(\d{6})\b", mailbox.to("jan@example.org")[0]["Subject"]).group(1)
    from pb_service.core.models import utcnow

    session.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)).execution_options(pb_cross_tenant_reason="test: expire the code"))
    session.commit()
    assert client.post(ballots_url(ve), json={**body, "verification": {"code": code}}).status_code == 422
    assert ballots_in_box(session) == []


def test_sms_codes_and_the_limit_of_people_per_phone(client, session):
    ve = make_voting_edition(session, verification=Verification.SMS_CODE, identities_per_phone=2)
    url = f"/api/v1/municipalities/{ve.municipality.slug}/editions/{ve.edition.id}/verification-codes"
    sms.OUTBOX.clear()
    for n in (1, 2):
        assert client.post(url, json={"identity": identity(n, phone="600 100 200")}).status_code == 202
    third = client.post(url, json={"identity": identity(3, phone="+48 600-100-200")})
    assert third.status_code == 422
    assert third.get_json()["errors"] == {"phone": ["Na ten numer telefonu wysłano już kody dla 2 osób – tyle, ile dopuszcza ta edycja."]}
    assert [phone for phone, _text in sms.OUTBOX] == ["48600100200", "48600100200"]
    code = re.search(r"\b(\d{6})\b", sms.OUTBOX[0][1]).group(1)
    body = api_ballot(ve, 1, identity=identity(1, phone="600100200"))
    assert client.post(ballots_url(ve), json={**body, "verification": {"code": code}}).status_code == 201
    bad_phone = client.post(url, json={"identity": identity(4, phone="12345")})
    assert bad_phone.get_json()["errors"] == {"phone": ["Podaj polski numer telefonu komórkowego (9 cyfr)."]}


def _paper(client, ve, n=1, sheet="A-1", **extra):
    data = ballot_form(ve, n, sheet_number=sheet, **extra)
    return client.post(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/paper", data=data)


def test_paper_ballot_goes_through_the_same_pipeline(client, session):
    ve = make_voting_edition(session)
    clerk = make_official(session, ve.municipality, Role.CLERK)
    session.commit()
    assert client.post(ballots_url(ve), json=api_ballot(ve, 1)).status_code == 201
    login(client, clerk)
    online_voter = _paper(client, ve, 1)
    assert online_voter.status_code == 422
    assert "W tej edycji oddano już głos z tymi danymi." in online_voter.get_data(as_text=True)
    assert _paper(client, ve, 2).status_code == 302
    invalid = _paper(client, ve, 3, sheet="A-3", invalid="y", invalid_reason="Zaznaczono 5 projektów ogólnomiejskich")
    assert invalid.status_code == 302
    rows = [(ballot["channel"], ballot["is_valid"], ballot["invalid_reason"]) for ballot in ballots_in_box(session)]
    assert sorted(rows) == sorted([
        ("online", True, ""), ("paper", True, ""), ("paper", False, "Zaznaczono 5 projektów ogólnomiejskich"),
    ])
    end_voting(session, ve.edition)
    protocol = client.get(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/protocol").get_data(as_text=True)
    # The invalid sheet counts in the city-wide pool and in its district's pool.
    assert protocol.count("Zaznaczono 5 projektów ogólnomiejskich: 1") == 2
    assert "Ta osoba już głosowała (Papierowo, w punkcie do głosowania): 1" in protocol


def test_double_entry_settles_matches_and_queues_mismatches(client, session):
    ve = make_voting_edition(session, paper_double_entry=True)
    first, second = (make_official(session, ve.municipality, Role.CLERK) for _ in range(2))
    admin = make_official(session, ve.municipality, Role.ADMIN)
    session.commit()
    login(client, first)
    assert _paper(client, ve, 1, sheet="7").status_code == 302
    assert "Zapisano pierwsze wprowadzenie." in client.get(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/paper").get_data(as_text=True)
    same_clerk = _paper(client, ve, 1, sheet="7")
    assert "Drugie wprowadzenie karty musi wykonać inny urzędnik." in same_clerk.get_data(as_text=True)
    client.post("/account/logout")
    login(client, second)
    assert _paper(client, ve, 1, sheet="7").status_code == 302
    assert len(ballots_in_box(session)) == 1
    # A sheet read differently by the two clerks goes to the supervisor.
    _paper(client, ve, 2, sheet="8")
    client.post("/account/logout")
    login(client, first)
    other_reading = {f"pool-{ve.city_pool.id}": [str(ve.city_projects[1].id)]}
    _paper(client, ve, 2, sheet="8", **other_reading)
    assert len(ballots_in_box(session)) == 1
    entries = session.scalars(everywhere(PaperEntry).where(PaperEntry.sheet_number == "8").order_by(PaperEntry.id)).all()
    assert [e.status for e in entries] == [PaperEntryStatus.MISMATCH, PaperEntryStatus.MISMATCH]
    client.post("/account/logout")
    login(client, admin)
    assert client.post(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/paper/mismatches/8", data={"accept": entries[1].id}).status_code == 302
    assert len(ballots_in_box(session)) == 2
    assert sorted(session.scalars(everywhere(VoterRecord.channel))) == [Channel.PAPER, Channel.PAPER]


def test_name_and_address_identification_on_the_page(client, session):
    ve = make_voting_edition(session, identification=Identification.NAME_ADDRESS)
    page = client.get(vote_url(ve), query_string={f"district-{ve.district_level_id}": ve.districts[0].id}).get_data(as_text=True)
    assert 'name="identity-address"' in page and 'name="identity-pesel"' not in page


def test_refusals_at_the_review_step_are_counted_in_the_protocol(client, session):
    from pb_service.voting.models import RejectedAttempt, RejectionReason
    from tests.voting_factories import pesel

    ve = make_voting_edition(session)
    wrong_check_digit = pesel_of(1)[:-1] + str((int(pesel_of(1)[-1]) + 1) % 10)
    child = pesel("2421010123")  # born 1 January 2024: under 13, no guardian's consent given
    too_many = {f"pool-{ve.city_pool.id}": [str(p.id) for p in ve.city_projects]}
    for form in (ballot_form(ve, action="review", **{"identity-pesel": wrong_check_digit}),
                 ballot_form(ve, action="review", **{"identity-pesel": child}),
                 ballot_form(ve, 2, action="review", **too_many)):
        assert client.post(vote_url(ve), data=form).status_code == 422
    counts = session.execute(everywhere(RejectedAttempt.reason, RejectedAttempt.channel, RejectedAttempt.count)).all()
    assert sorted(counts) == [
        (RejectionReason.INVALID_CHOICES, Channel.ONLINE, 1), (RejectionReason.INVALID_IDENTITY, Channel.ONLINE, 2),
    ]
    clerk = make_official(session, ve.municipality, Role.OBSERVER)
    session.commit()
    login(client, clerk)
    protocol = client.get(f"/{ve.municipality.slug}/office/editions/{ve.edition.id}/protocol").get_data(as_text=True)
    assert "(Online): 2" in protocol and "(Online): 1" in protocol
