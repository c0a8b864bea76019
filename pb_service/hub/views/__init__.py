"""Hub pages, one module a room, each with its own blueprint: public (``/hub``), the signed-in
person's own (``/hub/my``, registrations, lesson progress), officials' contributions
(``/<municipality>/office/hub``) and staff (``/hub/manage``).

Anything a viewer may not see answers 404, as if it did not exist.
"""
from pb_service.hub.views.courses import hub_courses
from pb_service.hub.views.events import hub_events
from pb_service.hub.views.experts import hub_experts
from pb_service.hub.views.home import hub
from pb_service.hub.views.materials import hub_materials
from pb_service.hub.views.practices import hub_practices

#: The rooms' blueprints, for the app factory to register.
BLUEPRINTS = (hub, hub_materials, hub_courses, hub_events, hub_practices, hub_experts)
