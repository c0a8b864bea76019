"""Money typed by people: "1 234,50 zł" into integer grosze, and a form field that does it."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField



#: Digits with optional thousands separators (space, no-break space, dot) and up to 2 decimals.
_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:[ .]\d{3})+|\d+)(?:[,.](?P<fraction>\d{1,2}))?$")
#: Far above any municipal budget, far below integer overflow in any database.
MAX_GROSZE = 10**15


class MoneyError(ValueError):
    """The text is not an amount of money we accept; ``str(error)`` says why, for people."""


def parse_money(text: str | None) -> int:
    """Grosze for a złoty amount written the Polish or the English way; raise :class:`MoneyError`."""
    cleaned = (text or "").strip().replace("\u00a0", " ").replace("\u202f", " ")
    cleaned = re.sub(r"\s*(zł|zl|pln)\.?$", "", cleaned, flags=re.IGNORECASE).strip()
    if not cleaned:
        raise MoneyError(str(_l("Enter an amount in złoty.")))
    if cleaned.startswith("-"):
        raise MoneyError(str(_l("The amount cannot be negative.")))
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise MoneyError(str(_l("Enter the amount as a number of złoty, e.g. 1 234,50.")))
    whole = int(re.sub(r"[ .]", "", match["whole"]))
    grosze = whole * 100 + int((match["fraction"] or "0").ljust(2, "0"))
    if grosze > MAX_GROSZE:
        raise MoneyError(str(_l("The amount is too large.")))
    return grosze


def grosze_to_text(grosze: int | None) -> str:
    """The form's own spelling of an amount ("1234,50"), which :func:`parse_money` reads back."""
    if grosze is None:
        return ""
    return f"{grosze // 100},{grosze % 100:02d}"


class MoneyField(StringField):
    """A text box for złoty; ``data`` is integer grosze (None when left empty)."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return grosze_to_text(self.data)

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = parse_money(text)
        except MoneyError as error:
            self.data = None
            raise ValueError(str(error)) from error



