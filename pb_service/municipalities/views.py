"""A municipality's public home, its officials' office, and programme staff's register."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pb_service.accounts import services as accounts
from pb_service.accounts.sessions import reissue
from pb_service.accounts.forms import InviteForm
from pb_service.accounts.models import Invitation, Membership
from pb_service.accounts.permissions import MANAGE_MEMBERS
from pb_service.core.audit import AuditEvent
from pb_service.core.forms import ConfirmForm, run_action, save_form
from pb_service.core.pagination import paginate
from pb_service.core.permissions import has_permission, public, requires
from pb_service.core.tenancy import get_for_tenant_or_404, tenant_select
from pb_service.extensions import db
from pb_service.municipalities import services
from pb_service.municipalities.forms import MunicipalityForm
from pb_service.municipalities.permissions import (
    EDIT_MUNICIPALITY_PROFILE,
    MANAGE_MUNICIPALITIES,
    VIEW_AUDIT_LOG,
    VIEW_OFFICE,
)

AUDIT_PAGE_SIZE = 50

municipality_pages = Blueprint("municipality", __name__, url_prefix="/<municipality>")
staff = Blueprint("staff", __name__, url_prefix="/staff")


# --- public ------------------------------------------------------------------------------------


@municipality_pages.get("/")
@public
def home():
    return render_template("municipalities/home.html", municipality=g.municipality)


# --- officials' office -------------------------------------------------------------------------


@municipality_pages.get("/office/")
@requires(VIEW_OFFICE)
def office():
    municipality = g.municipality
    return render_template(
        "municipalities/office.html",
        municipality=municipality,
        can_manage_members=has_permission(current_user, MANAGE_MEMBERS, municipality),
        can_edit_profile=has_permission(current_user, EDIT_MUNICIPALITY_PROFILE, municipality),
        can_view_audit=has_permission(current_user, VIEW_AUDIT_LOG, municipality),
        roles=sorted(role.label for role in current_user.roles_in(municipality)),
    )


@municipality_pages.route("/office/profile", methods=["GET", "POST"])
@requires(EDIT_MUNICIPALITY_PROFILE)
def edit_profile():
    municipality = g.municipality
    form = MunicipalityForm(obj=municipality)
    if not current_user.is_staff:
        form.limit_to_profile()
    response = save_form(
        form, lambda: services.update_municipality(municipality, form.to_data(), actor=current_user),
        success=_("The municipality's details are saved."), next_url=url_for("municipality.office"),
    )
    return response or render_template("municipalities/edit.html", form=form, municipality=municipality)


@municipality_pages.route("/office/members", methods=["GET", "POST"])
@requires(MANAGE_MEMBERS)
def members():
    """Officials and invitations; programme staff use the same page to appoint the first admin."""
    municipality = g.municipality
    form = InviteForm()
    response = save_form(
        form,
        lambda: accounts.invite_official(
            municipality, form.email.data, form.role.data,
            actor=current_user, accept_path=lambda token: url_for("municipality.accept_invitation", token=token),
        ),
        success=_("The invitation is sent to %(email)s.", email=form.email.data), next_url=url_for("municipality.members"),
    )
    return response or render_template(
        "municipalities/members.html",
        municipality=municipality,
        form=form,
        action_form=ConfirmForm(),
        memberships=accounts.members_of(municipality),
        invitations=accounts.open_invitations(municipality),
    )


@municipality_pages.post("/office/members/<int:membership_id>/remove")
@requires(MANAGE_MEMBERS)
def remove_member(membership_id: int):
    membership = get_for_tenant_or_404(db.session, Membership, g.municipality, membership_id)

    def remove():
        own = membership.user_id == current_user.id
        accounts.remove_membership(g.municipality, membership, actor=current_user)
        if own:
            reissue(current_user._get_current_object())

    return run_action(remove, success=_("The role is removed."), next_url=url_for("municipality.members"))


@municipality_pages.post("/office/invitations/<int:invitation_id>/revoke")
@requires(MANAGE_MEMBERS)
def revoke_invitation(invitation_id: int):
    invitation = get_for_tenant_or_404(db.session, Invitation, g.municipality, invitation_id)
    if not invitation.is_open:
        return redirect(url_for("municipality.members"))
    return run_action(
        lambda: accounts.revoke_invitation(g.municipality, invitation, actor=current_user),
        success=_("The invitation is withdrawn."), next_url=url_for("municipality.members"),
    )


@municipality_pages.route("/invitation/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    municipality = g.municipality
    invitation = accounts.invitation_from_token(municipality, token)
    if invitation is None:
        return render_template("municipalities/invitation_invalid.html", municipality=municipality), 404
    form = ConfirmForm()

    def accept():
        accounts.accept_invitation(current_user, municipality, invitation)
        reissue(current_user._get_current_object())

    response = save_form(
        form, accept, success=_("You are now %(role)s in %(name)s.", role=invitation.role.label, name=municipality.name),
        next_url=url_for("municipality.office"),
    )
    return response or render_template("municipalities/accept_invitation.html", municipality=municipality, invitation=invitation, form=form)


@municipality_pages.get("/office/audit")
@requires(VIEW_AUDIT_LOG)
def audit_log():
    statement = tenant_select(AuditEvent, g.municipality).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    page = paginate(db.session, statement, request.args.get("page"), AUDIT_PAGE_SIZE)
    return render_template("municipalities/audit_log.html", municipality=g.municipality, page=page)


# --- programme staff ---------------------------------------------------------------------------


@staff.get("/")
@requires(MANAGE_MUNICIPALITIES)
def dashboard():
    return render_template("staff/dashboard.html", municipalities=services.list_municipalities())


@staff.route("/municipalities/new", methods=["GET", "POST"])
@requires(MANAGE_MUNICIPALITIES)
def new_municipality():
    form = MunicipalityForm()
    response = save_form(
        form, lambda: services.create_municipality(form.to_data(), actor=current_user),
        success=lambda municipality: _("%(name)s is created. Now appoint its first administrator.", name=municipality.name),
        next_url=lambda municipality: url_for("municipality.members", municipality=municipality.slug),
    )
    return response or render_template("staff/new_municipality.html", form=form)
