"""Who may do what in the knowledge hub."""
from pb_service.accounts.models import Membership
from pb_service.core.permissions import define, has_permission, holds, named, rule
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_lookup
from pb_service.extensions import db
from pb_service.hub.models import PracticeStatus, PublicationStatus, Visibility

#: Write, publish and retire materials, courses and events; review practices; handle questions.
MANAGE_HUB = define("hub.manage", staff=True, is_global=True)
#: Propose a good practice or ask an expert on behalf of one's own municipality.
CONTRIBUTE_TO_HUB = define("hub.contribute", {Role.ADMIN, Role.EVALUATOR, Role.OBSERVER, Role.CLERK}, staff=True)

#: Why the hub reads memberships of every municipality: officials-only content is open to the
#: officials of any municipality.
OFFICIALS_REASON = "hub: officials of any municipality may read officials-only hub content"


def is_official(user) -> bool:
    """Whether ``user`` holds any role in any municipality."""
    if user is None or not getattr(user, "is_authenticated", False) or user.id is None:
        return False
    statement = cross_tenant_lookup(Membership.id, reason=OFFICIALS_REASON).where(Membership.user_id == user.id).limit(1)
    return db.session.scalar(statement) is not None


# --- object rules: called as rule(actor, item) -------------------------------------------------

#: Programme staff's hub office: everything, published or not.
manages_hub = holds(MANAGE_HUB)


@rule
def _staff_or_official(viewer, item, tenant) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return False
    return viewer.is_staff or is_official(viewer)


@rule
def is_published(actor, item, tenant) -> bool:
    return item.status is PublicationStatus.PUBLISHED


@rule
def is_for_everyone(actor, item, tenant) -> bool:
    return item.visibility is Visibility.PUBLIC


@rule
def is_published_practice(actor, practice, tenant) -> bool:
    return practice.status is PracticeStatus.PUBLISHED


@rule
def contributes_for_its_municipality(actor, item, tenant) -> bool:
    return has_permission(actor, CONTRIBUTE_TO_HUB, item.municipality)


@rule
def is_its_expert(actor, question, tenant) -> bool:
    expert = question.expert
    return expert is not None and expert.user_id is not None and getattr(actor, "id", None) == expert.user_id


#: Officials-only hub content: programme staff and the officials of any municipality.
sees_officials_only = named("hub.sees_officials_only", _staff_or_official)
#: A material, course or event: staff see everything; others published items of their visibility.
can_see_hub_item = named("hub.see", manages_hub | (is_published & (is_for_everyone | sees_officials_only)))
#: A good practice: published ones for all; drafts for staff and the officials of its municipality.
can_see_practice = named("hub.see_practice", is_published_practice | manages_hub | contributes_for_its_municipality)
#: A question to the experts: staff, and the expert it is assigned to.
may_answer = named("hub.answer", manages_hub | is_its_expert)
