"""Who may count, see the preliminary result, decide protests and publish."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: See the preliminary result and the "what if" panel (officials only until publication).
VIEW_RESULTS_OFFICE = define("results.view_office", set(Role), staff=True)
#: Count the votes and publish the final result.
MANAGE_RESULTS = define("results.manage", {Role.ADMIN}, staff=True)
#: Sit on the panel that decides residents' protests.
DECIDE_PROTESTS = define("results.decide_protests", {Role.ADMIN, Role.EVALUATOR}, staff=True)
