"""Who may edit the accessibility statement and answer accessibility requests."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Edit the municipality's accessibility statement (deklaracja dostępności).
EDIT_ACCESSIBILITY_STATEMENT = define("accessibility.edit_statement", {Role.ADMIN}, staff=True)
#: See residents' accessibility requests and mark them answered.
ANSWER_ACCESSIBILITY_REQUESTS = define("accessibility.answer_requests", {Role.ADMIN}, staff=True)
