"""Who may do what in the knowledge hub."""
from pb_service.accounts.models import Membership
from pb_service.core.permissions import define
from pb_service.core.roles import Role
from pb_service.core.tenancy import cross_tenant_lookup
from pb_service.extensions import db

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


def sees_officials_only(viewer) -> bool:
    """Officials-only hub content: programme staff and the officials of any municipality."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return False
    return viewer.is_staff or is_official(viewer)
