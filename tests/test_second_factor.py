"""Second factor, lockout, session rotation and timeouts, common passwords (issue 10: accounts)."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pyotp
from sqlalchemy import select

from pb_service.accounts.lockout import MAX_FAILED_ATTEMPTS
from pb_service.accounts.models import Membership, RecoveryCode
from pb_service.accounts.sessions import LOGIN_AT_KEY, SEEN_AT_KEY
from pb_service.core.audit import AuditEvent
from pb_service.core.models import utcnow
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_select, tenant_select
from tests.factories import PASSWORD, current_code, login, make_municipality, make_official, make_user

SECRET_TEXT = re.compile(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def _password_step(client, user, password=PASSWORD):
    return client.post("/account/login", data={"email": user.email, "password": password})


def _signed_in(client) -> bool:
    return "/account/settings" in client.get("/").get_data(as_text=True)


def test_official_without_second_factor_must_enrol_before_being_signed_in(client, session):
    municipality = make_municipality(session)
    official = make_official(session, municipality, Role.EVALUATOR, second_factor=False)
    session.commit()

    assert _password_step(client, official).headers["Location"] == "/account/login/enrol"
    # The password alone does not sign in.
    assert not _signed_in(client)
    page = client.get("/account/login/enrol").get_data(as_text=True)
    assert "<svg" in page and "otpauth" not in page.split("<svg")[0][-200:]
    secret = SECRET_TEXT.search(page).group(1).replace(" ", "")
    assert client.post("/account/login/enrol", data={"code": "000000"}).status_code == 422
    assert not _signed_in(client)

    shown = client.post("/account/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert shown.headers["Cache-Control"] == "no-store"
    codes = RECOVERY.findall(shown.get_data(as_text=True))
    assert len(codes) == 10
    assert _signed_in(client)
    assert client.get(f"/{municipality.slug}/office/").status_code == 200
    session.expire_all()
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == official.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert official.totp_secret == secret and official.totp_pending_secret == ""


def test_official_needs_the_code_and_a_code_works_once(client, session, app):
    official = make_official(session, make_municipality(session))
    session.commit()
    assert _password_step(client, official).headers["Location"] == "/account/login/code"
    assert not _signed_in(client)
    wrong = client.post("/account/login/code", data={"code": "123456"})
    assert "Ten kod jest nieprawidłowy" in wrong.get_data(as_text=True)
    code = current_code(official)
    assert client.post("/account/login/code", data={"code": code}).status_code == 302
    assert _signed_in(client)

    other = app.test_client()
    _password_step(other, official)
    replay = other.post("/account/login/code", data={"code": code})
    assert replay.status_code == 422 and not _signed_in(other)


def test_recovery_code_signs_in_once(client, session):
    user = make_user(session, second_factor=False)
    session.commit()
    login(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_TEXT.search(page).group(1).replace(" ", "")
    codes = RECOVERY.findall(client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True))
    client.post("/account/logout")

    _password_step(client, user)
    assert client.post("/account/login/code", data={"code": codes[0].upper()}).status_code == 302
    client.post("/account/logout")
    _password_step(client, user)
    assert client.post("/account/login/code", data={"code": codes[0]}).status_code == 422
    assert client.post("/account/login/code", data={"code": codes[1]}).status_code == 302


def test_wrong_codes_lock_the_account_with_a_clear_message(client, session):
    official = make_official(session, make_municipality(session))
    session.commit()
    _password_step(client, official)
    for _ in range(MAX_FAILED_ATTEMPTS):
        page = client.post("/account/login/code", data={"code": "999999"}).get_data(as_text=True)
    assert "Konto jest zablokowane na 15 minut" in page
    assert client.post("/account/login/code", data={"code": current_code(official)}).status_code == 422
    assert not _signed_in(client)
    locks = session.scalars(cross_tenant_select(AuditEvent, reason="test: national audit events").where(AuditEvent.action == "account.locked")).all()
    assert [event.object_ref for event in locks] == [f"User:{official.id}"]


def test_wrong_passwords_lock_the_account_without_telling_strangers(client, session):
    user = make_user(session, second_factor=False)
    session.commit()
    for _ in range(MAX_FAILED_ATTEMPTS):
        failed = _password_step(client, user, "wrong password!").get_data(as_text=True)
    locked = _password_step(client, user).get_data(as_text=True)
    unknown = client.post("/account/login", data={"email": "nobody@example.org", "password": PASSWORD}).get_data(as_text=True)
    message = "Adres e-mail lub hasło są błędne"
    assert message in failed and message in locked and message in unknown
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert _password_step(client, user).status_code == 302


def test_sign_in_issues_a_new_session_and_officials_get_no_remember_cookie(client, session):
    official = make_official(session, make_municipality(session))
    session.commit()
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    _password_step(client, official)
    client.post("/account/login/code", data={"code": current_code(official)})
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"] == f"{official.id}:{official.session_version}"
    assert client.get_cookie("remember_token") is None


def test_losing_a_role_ends_the_officials_other_sessions(client, session, app):
    municipality = make_municipality(session)
    admin = make_official(session, municipality, Role.ADMIN)
    clerk = make_official(session, municipality, Role.CLERK)
    session.commit()
    login(client, clerk)
    assert client.get(f"/{municipality.slug}/office/").status_code == 200
    admin_client = app.test_client()
    login(admin_client, admin)
    membership = session.scalar(tenant_select(Membership, municipality, Membership.user_id == clerk.id))
    admin_client.post(f"/{municipality.slug}/office/members/{membership.id}/remove")
    assert client.get(f"/{municipality.slug}/office/").headers["Location"].startswith("/account/login")


def test_officials_sessions_end_after_idle_and_absolute_timeouts(client, session, app):
    municipality = make_municipality(session)
    official = make_official(session, municipality)
    session.commit()
    login(client, official)
    office = f"/{municipality.slug}/office/"
    assert client.get(office).status_code == 200
    with client.session_transaction() as state:
        state[SEEN_AT_KEY] = time.time() - app.config["SESSION_IDLE_MINUTES"] * 60 - 1
    idle = client.get(office)
    assert idle.headers["Location"].startswith("/account/login?next=")
    assert "Twoja sesja wygasła" in client.get(idle.headers["Location"]).get_data(as_text=True)

    login(client, official)
    with client.session_transaction() as state:
        state[LOGIN_AT_KEY] = time.time() - app.config["SESSION_ABSOLUTE_HOURS"] * 3600 - 1
    assert client.get(office).headers["Location"].startswith("/account/login")


def test_residents_sessions_have_longer_idle_and_absolute_lifetimes(client, session, app):
    resident = make_user(session, second_factor=False)
    session.commit()
    login(client, resident)
    idle, absolute = app.config["RESIDENT_SESSION_IDLE_HOURS"] * 3600, app.config["RESIDENT_SESSION_ABSOLUTE_DAYS"] * 86400
    # Past an official's idle time, within a resident's: still signed in.
    with client.session_transaction() as state:
        state[SEEN_AT_KEY] = time.time() - app.config["SESSION_IDLE_MINUTES"] * 60 - 1
    assert _signed_in(client)
    with client.session_transaction() as state:
        state[SEEN_AT_KEY] = time.time() - idle - 1
    assert client.get("/account/export.json").headers["Location"].startswith("/account/login")
    assert not _signed_in(client)

    login(client, resident)
    with client.session_transaction() as state:
        state[LOGIN_AT_KEY] = time.time() - absolute - 1
    assert client.get("/account/export.json").headers["Location"].startswith("/account/login")


def test_keep_me_signed_in_is_a_lasting_cookie_for_residents_only(client, session, app):
    resident = make_user(session, second_factor=False)
    official = make_official(session, make_municipality(session))
    session.commit()
    remembered = client.post("/account/login", data={"email": resident.email, "password": PASSWORD, "remember": "y"})
    [cookie] = [c for c in remembered.headers.getlist("Set-Cookie") if c.startswith("session=")]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    lasts = (expires - utcnow()).total_seconds()
    assert abs(lasts - app.config["RESIDENT_SESSION_ABSOLUTE_DAYS"] * 86400) < 60
    assert client.get_cookie("remember_token") is None

    other = app.test_client()
    _password_step(other, official)
    signed_in = other.post("/account/login/code", data={"code": current_code(official)})
    [cookie] = [c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Max-Age" not in cookie and "Expires" not in cookie


def test_a_copied_cookie_is_worthless_after_sign_out(client, session, app):
    resident = make_user(session, second_factor=False)
    session.commit()
    login(client, resident)
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/export.json").status_code == 200

    client.post("/account/logout")
    assert not _signed_in(client)
    after = thief.get("/account/export.json")
    assert after.status_code == 302 and after.headers["Location"].startswith("/account/login")
    assert not _signed_in(thief)
    # Signing in again works, and only the new cookie is good.
    login(client, resident)
    assert client.get("/account/export.json").status_code == 200


def test_residents_may_turn_the_second_factor_off(client, session):
    resident = make_user(session)
    session.commit()
    login(client, resident)
    client.post("/account/two-factor/disable", data={"disable-code": current_code(resident)})
    session.expire_all()
    assert resident.totp_secret == "" and _signed_in(client)


def test_officials_cannot_turn_the_second_factor_off(client, session):
    official = make_official(session, make_municipality(session))
    session.commit()
    login(client, official)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "disable-code" not in page
    client.post("/account/two-factor/disable", data={"disable-code": current_code(official)})
    session.expire_all()
    assert official.totp_secret


def test_a_new_official_is_sent_to_enrol_before_anything_else(client, session):
    municipality = make_municipality(session)
    resident = make_user(session, second_factor=False)
    session.commit()
    login(client, resident)
    session.add(Membership(municipality_id=municipality.id, user_id=resident.id, role=Role.OBSERVER))
    session.commit()
    assert client.get(f"/{municipality.slug}/office/").headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200


def test_common_passwords_are_refused(client, session):
    for password in ("qwertyuiop", "zaq12wsxcde", "Polska1234"):
        page = client.post(
            "/account/register",
            data={"display_name": "Jan", "email": "jan@example.org", "password": password, "password_confirm": password},
        ).get_data(as_text=True)
        assert "Hasło jest na liście popularnych haseł" in page, password


def test_registration_and_reset_do_not_reveal_accounts(client, session, mailbox):
    existing = make_user(session, email="taken@example.org")
    session.commit()

    def register(email):
        data = {"display_name": "Jan", "email": email, "password": "długie hasło 123", "password_confirm": "długie hasło 123"}
        return client.post("/account/register", data=data)

    def reset(email):
        return client.post("/account/reset", data={"email": email})

    for action in (register, reset):
        taken, free = action(existing.email), action(f"new-{action.__name__}@example.org")
        assert taken.status_code == free.status_code == 200
        assert taken.get_data(as_text=True).replace(existing.email, "X") == free.get_data(as_text=True).replace(
            f"new-{action.__name__}@example.org", "X"
        )
