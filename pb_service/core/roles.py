"""Officials' roles within a municipality (programme staff is a global flag on the user)."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l

from pb_service.core.enums import LabelledEnum


class Role(LabelledEnum):
    ADMIN = "admin", _l("Administrator")
    EVALUATOR = "evaluator", _l("Evaluator")
    CLERK = "clerk", _l("Polling clerk")
    OBSERVER = "observer", _l("Observer")
