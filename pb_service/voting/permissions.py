"""Who may do what in voting."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Enter paper ballots at a polling point.
ENTER_PAPER_BALLOTS = define("voting.enter_paper", {Role.CLERK, Role.ADMIN})
#: Import the register, settle double-entry mismatches (the supervisor).
MANAGE_VOTING = define("voting.manage", {Role.ADMIN})
#: Read the voting protocol (counts of ballots, never their content).
VIEW_PROTOCOL = define("voting.view_protocol", set(Role), staff=True)
