"""Who may see the cross-city dashboard and report on the implementation of funded projects."""
from pb_service.core.permissions import define
from pb_service.core.roles import Role

#: The staff dashboard and municipality profiles (programme staff; the open-data page is public).
VIEW_ANALYTICS = define("analytics.view_dashboard", staff=True, is_global=True)
#: Post implementation updates on funded projects.
REPORT_IMPLEMENTATION = define("analytics.report_implementation", {Role.ADMIN}, staff=True)
#: See the implementation office (every official).
VIEW_IMPLEMENTATION_OFFICE = define("analytics.view_implementation_office", set(Role), staff=True)
#: Enter the municipality's expenditure per year (the denominator of the budget share).
MANAGE_EXPENDITURE = define("analytics.manage_expenditure", {Role.ADMIN}, staff=True)
