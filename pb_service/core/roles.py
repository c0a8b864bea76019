"""Officials' roles within a municipality (programme staff is a global flag on the user)."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(str, enum.Enum):
    ADMIN = "admin"
    EVALUATOR = "evaluator"
    CLERK = "clerk"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.CLERK: _l("Polling clerk"),
    Role.OBSERVER: _l("Observer"),
}
