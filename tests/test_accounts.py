"""Registration, confirmation by e-mail, sign-in, password reset, rate limits, invitations."""
from __future__ import annotations

import re

from sqlalchemy import select

from pb_service.accounts.models import User
from pb_service.accounts.services import members_of, user_by_email
from pb_service.core.audit import AuditEvent
from pb_service.core.roles import Role
from pb_service.core.tenancy import tenant_select
from tests.factories import PASSWORD, login, make_municipality, make_official, make_user

LINK = re.compile(r"http://localhost(/\S+)")


def link_in(mailbox, address: str) -> str:
    [message] = mailbox.to(address)
    return LINK.search(mailbox.body(message)).group(1)


def test_register_confirm_and_sign_in(client, session, mailbox):
    response = client.post(
        "/account/register",
        data={"display_name": "Zofia Nowak", "email": "Zofia@Example.org", "password": "długie hasło 123", "password_confirm": "długie hasło 123"},
    )
    assert response.status_code == 200
    assert "Sprawdź pocztę" in response.get_data(as_text=True)
    user = user_by_email("zofia@example.org")
    assert user.confirmed_at is None
    assert user.password_hash.startswith("$argon2id$")

    # Unconfirmed accounts cannot sign in.
    refused = client.post("/account/login", data={"email": "zofia@example.org", "password": "długie hasło 123"})
    assert refused.status_code == 422
    assert "nie został jeszcze potwierdzony" in refused.get_data(as_text=True)

    [message] = mailbox.to("zofia@example.org")
    assert message["Subject"] == "Potwierdź adres e-mail"
    confirmed = client.get(link_in(mailbox, "zofia@example.org"))
    assert confirmed.status_code == 302
    session.expire_all()
    assert user_by_email("zofia@example.org").confirmed_at is not None

    signed_in = client.post("/account/login", data={"email": "zofia@example.org", "password": "długie hasło 123"})
    assert signed_in.status_code == 302
    assert "Moje konto" in client.get("/").get_data(as_text=True)


def test_registration_does_not_reveal_existing_accounts(client, session, mailbox):
    existing = make_user(session, email="taken@example.org")
    session.commit()
    data = {"display_name": "Someone", "email": "taken@example.org", "password": "inne hasło 12345", "password_confirm": "inne hasło 12345"}
    response = client.post("/account/register", data=data)
    assert "Sprawdź pocztę" in response.get_data(as_text=True)
    [message] = mailbox.to("taken@example.org")
    assert message["Subject"] == "Masz już konto"
    assert session.scalar(select(User).where(User.email == "taken@example.org")).password_hash == existing.password_hash


def test_registration_rejects_short_password_and_keeps_input(client, session, mailbox):
    data = {"display_name": "Jan", "email": "jan@example.org", "password": "krótkie", "password_confirm": "krótkie"}
    page = client.post("/account/register", data=data).get_data(as_text=True)
    assert "Użyj co najmniej 10 znaków." in page
    assert 'value="jan@example.org"' in page
    assert 'href="#password"' in page  # the error summary links to the field
    assert 'aria-describedby="password-hint password-error"' in page
    assert user_by_email("jan@example.org") is None
    assert mailbox.messages == []


def test_password_reset_link_works_once(client, session, mailbox):
    user = make_user(session, email="reset@example.org")
    session.commit()
    client.post("/account/reset", data={"email": "reset@example.org"})
    link = link_in(mailbox, "reset@example.org")
    changed = client.post(link, data={"password": "nowe hasło 2026", "password_confirm": "nowe hasło 2026"})
    assert changed.status_code == 302
    assert changed.headers["Location"] == "/account/login"
    reused = client.post(link, data={"password": "jeszcze inne 2026", "password_confirm": "jeszcze inne 2026"})
    assert reused.headers["Location"] == "/account/reset"
    assert client.post("/account/login", data={"email": user.email, "password": "nowe hasło 2026"}).status_code == 302


def test_reset_for_unknown_address_says_the_same_and_mails_no_link(client, session, mailbox):
    page = client.post("/account/reset", data={"email": "Nobody@example.org"}, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "If an account uses Nobody@example.org" in page
    # The owner of the address is told there is no account (a mail either way: the answer takes as long).
    [message] = mailbox.to("nobody@example.org")
    body = mailbox.body(message)
    assert message["Subject"] == "Password reset requested"
    assert "there is no account with this address" in body and "http://localhost/account/register" in body
    assert "/account/reset/" not in body


def test_sign_in_is_rate_limited_with_a_clear_message(client, session):
    user = make_user(session)
    session.commit()
    statuses = [client.post("/account/login", data={"email": user.email, "password": "wrong password!"}).status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    page = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "Zbyt wiele prób. Poczekaj chwilę i spróbuj ponownie." in page.get_data(as_text=True)


def test_staff_appoints_first_admin_who_invites_an_evaluator(client, session, mailbox):
    staff = make_user(session, staff=True)
    municipality = make_municipality(session, slug="sopot", name="Gmina Miasta Sopotu")
    future_admin = make_user(session, email="admin@sopot.example.org", display_name="Ala Admin")
    session.commit()

    login(client, staff)
    response = client.post("/sopot/office/members", data={"email": "admin@sopot.example.org", "role": "admin"})
    assert response.status_code == 302
    client.post("/account/logout")

    login(client, future_admin)
    accept_link = link_in(mailbox, "admin@sopot.example.org")
    assert client.get(accept_link).status_code == 200
    assert client.post(accept_link).headers["Location"] == "/sopot/office/"
    assert [(m.user.email, m.role) for m in members_of(municipality)] == [("admin@sopot.example.org", Role.ADMIN)]

    # The new admin invites an evaluator, who accepts.
    mailbox.clear()
    client.post("/sopot/office/members", data={"email": "eval@sopot.example.org", "role": "evaluator"})
    evaluator = make_user(session, email="eval@sopot.example.org")
    session.commit()
    client.post("/account/logout")
    login(client, evaluator)
    client.post(link_in(mailbox, "eval@sopot.example.org"))
    roles = sorted((m.user.email, m.role.value) for m in members_of(municipality))
    assert roles == [("admin@sopot.example.org", "admin"), ("eval@sopot.example.org", "evaluator")]

    # Evaluators cannot manage officials or read the audit log; the admin can.
    assert client.get("/sopot/office/members").status_code == 403
    assert client.get("/sopot/office/audit").status_code == 403
    actions = [e.action for e in session.scalars(tenant_select(AuditEvent, municipality).order_by(AuditEvent.id))]
    assert actions == ["membership.invite", "membership.accept", "membership.invite", "membership.accept"]


def test_invitation_for_another_address_is_refused(client, session, mailbox):
    municipality = make_municipality(session)
    admin = make_official(session, municipality, Role.ADMIN)
    stranger = make_user(session)
    session.commit()
    login(client, admin)
    client.post(f"/{municipality.slug}/office/members", data={"email": "invited@example.org", "role": "clerk"})
    body = mailbox.body(mailbox.to("invited@example.org")[-1])
    assert f"zaprasza Cię do serwisu budżetu obywatelskiego w roli „Urzędnik punktu głosowania”. Samorząd: {municipality.name}." in " ".join(body.split())
    client.post("/account/logout")
    login(client, stranger)
    page = client.post(link_in(mailbox, "invited@example.org"))
    assert page.status_code == 422
    assert "To zaproszenie wysłano na inny adres e-mail." in page.get_data(as_text=True)
    assert [m.user.email for m in members_of(municipality)] == [admin.email]


def test_last_admin_cannot_be_removed(client, session):
    municipality = make_municipality(session)
    admin = make_official(session, municipality, Role.ADMIN)
    session.commit()
    login(client, admin)
    [membership] = members_of(municipality)
    response = client.post(f"/{municipality.slug}/office/members/{membership.id}/remove", follow_redirects=True)
    assert "Nie można usunąć ostatniego administratora." in response.get_data(as_text=True)
    assert [m.user.email for m in members_of(municipality)] == [admin.email]


def test_audit_log_page_lists_actions_for_admins(client, session):
    municipality = make_municipality(session)
    admin = make_official(session, municipality, Role.ADMIN)
    session.commit()
    login(client, admin)
    client.post(f"/{municipality.slug}/office/members", data={"email": "new@example.org", "role": "observer"})
    page = client.get(f"/{municipality.slug}/office/audit").get_data(as_text=True)
    assert "membership.invite" in page
    assert "new@example.org" in page


def test_user_language_setting_wins(client, session):
    user = make_user(session)
    session.commit()
    login(client, user)
    client.post("/account/settings", data={"display_name": user.display_name, "locale": "uk"})
    assert '<html lang="uk">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
