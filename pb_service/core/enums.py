"""Enums whose members carry a label for people, translated when it is shown."""
from __future__ import annotations

import enum


class LabelledEnum(str, enum.Enum):
    """A string enum stored by its value, each member with its label: ``CITY = "city", _l("City-wide")``.

    ``member.label`` is the label in the request's language (a lazy string made plain text).
    """

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)
