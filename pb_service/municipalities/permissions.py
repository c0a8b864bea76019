"""Who may manage municipalities."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Create municipalities and change their register data (programme staff only).
MANAGE_MUNICIPALITIES = define("municipality.manage_all", staff=True, is_global=True)
#: Edit the municipality's own contact and accessibility details.
EDIT_MUNICIPALITY_PROFILE = define("municipality.edit_profile", {Role.ADMIN}, staff=True)
#: Read the municipality's audit log.
VIEW_AUDIT_LOG = define("municipality.view_audit_log", {Role.ADMIN, Role.OBSERVER}, staff=True)
#: Any official's back-office start page.
VIEW_OFFICE = define("municipality.view_office", set(Role), staff=True)
