"""Who may do what in the knowledge hub."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Write, publish and retire materials, courses and events; review practices; handle questions.
MANAGE_HUB = define("hub.manage", staff=True, is_global=True)
#: Propose a good practice or ask an expert on behalf of one's own municipality.
CONTRIBUTE_TO_HUB = define("hub.contribute", {Role.ADMIN, Role.EVALUATOR, Role.OBSERVER, Role.CLERK}, staff=True)
