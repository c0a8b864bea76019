"""Who may manage officials."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Invite officials and remove their roles; programme staff hold it to appoint the first admin.
MANAGE_MEMBERS = define("accounts.manage_members", {Role.ADMIN}, staff=True)
