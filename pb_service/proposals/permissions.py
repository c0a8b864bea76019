"""Who may review proposals and decide appeals, and who may see a proposal."""
from pb_service.core.permissions import define, holds, named, rule
from pb_service.core.roles import Role
from pb_service.proposals.models import Status

#: See the review queue and every submitted proposal with its private parts (supporters list).
VIEW_REVIEW_QUEUE = define("proposals.view_queue", {Role.ADMIN, Role.EVALUATOR, Role.OBSERVER}, staff=True)
#: Take formal and merit review decisions.
REVIEW_PROPOSALS = define("proposals.review", {Role.ADMIN, Role.EVALUATOR}, staff=True)
#: Assign proposals to evaluators.
ASSIGN_EVALUATORS = define("proposals.assign", {Role.ADMIN}, staff=True)
#: Sit on the appeal panel.
DECIDE_APPEALS = define("proposals.decide_appeals", {Role.ADMIN}, staff=True)


# --- object rules: called as rule(actor, proposal, tenant) --------------------------------------


@rule
def is_public(actor, proposal, tenant) -> bool:
    return proposal.is_public


@rule
def is_author(actor, proposal, tenant) -> bool:
    return proposal.is_author(actor)


@rule
def is_submitted(actor, proposal, tenant) -> bool:
    return proposal.status is not Status.DRAFT


#: Public proposals for all; drafts for their authors only.
can_see_proposal = named("proposals.see", is_public | is_author)
#: The supporters list and the authors' contact: the authors and the reviewing officials.
can_see_private_parts = named("proposals.see_private_parts", is_author | (is_submitted & holds(VIEW_REVIEW_QUEUE)))
