"""Who may review proposals and decide appeals."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: See the review queue and every submitted proposal with its private parts (supporters list).
VIEW_REVIEW_QUEUE = define("proposals.view_queue", {Role.ADMIN, Role.EVALUATOR, Role.OBSERVER}, staff=True)
#: Take formal and merit review decisions.
REVIEW_PROPOSALS = define("proposals.review", {Role.ADMIN, Role.EVALUATOR}, staff=True)
#: Assign proposals to evaluators.
ASSIGN_EVALUATORS = define("proposals.assign", {Role.ADMIN}, staff=True)
#: Sit on the appeal panel.
DECIDE_APPEALS = define("proposals.decide_appeals", {Role.ADMIN}, staff=True)
