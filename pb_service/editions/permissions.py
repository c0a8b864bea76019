"""Who may configure editions."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: Create, edit, copy and publish editions; pools, levels, categories, settings; move phases on.
MANAGE_EDITIONS = define("editions.manage", {Role.ADMIN}, staff=True)
#: See editions (published or not) in the office.
VIEW_EDITIONS_OFFICE = define("editions.view_office", set(Role), staff=True)
