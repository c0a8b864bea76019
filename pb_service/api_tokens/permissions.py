"""Who may create and revoke API tokens."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Create, list and revoke the municipality's API tokens.
MANAGE_API_TOKENS = define("api_tokens.manage", {Role.ADMIN})
