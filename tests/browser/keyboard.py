"""Driving pages with the keyboard only, checking at every key that focus is visible.

Nothing here clicks or fills by selector: keys go to whatever has focus, as for a person who
cannot use a mouse. After each key the focused element must not be ``<body>`` (focus lost) and
must show a focus indicator (a non-empty outline or box-shadow in its computed style).
"""
from __future__ import annotations

FOCUS_STATE = """() => {
    const e = document.activeElement;
    const s = getComputedStyle(e);
    return {
        tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), type: e.getAttribute('type'),
        checked: !!e.checked, value: e.value === undefined ? null : e.value, text: (e.innerText || '').trim().slice(0, 60),
        visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
    };
}"""


class Keyboard:
    def __init__(self, page):
        self.page = page
        self.keys = 0

    def focused(self) -> dict:
        return self.page.evaluate(FOCUS_STATE)

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        self.keys += 1
        focused = self.focused()
        assert focused["tag"] != "body", f"focus fell on <body> after {key} (key {self.keys} on {self.page.url})"
        assert focused["visible"], f"no visible focus indicator on {focused} ({self.page.url})"
        return focused

    def is_focused(self, selector: str) -> bool:
        return self.page.evaluate("s => document.activeElement.matches(s)", selector)

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 200) -> dict:
        """Tab (or Shift+Tab) until an element matching ``selector`` has focus."""
        for _ in range(limit):
            focused = self.press("Shift+Tab" if backwards else "Tab")
            if self.is_focused(selector):
                return focused
        raise AssertionError(f"{selector} not reached with {'Shift+Tab' if backwards else 'Tab'} on {self.page.url}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def fill(self, selector: str, text: str) -> None:
        """Tab to a text field and type into it."""
        self.tab_to(selector)
        self.type(text)

    def tick(self, selector: str) -> None:
        """Tab to a checkbox and tick it with Space."""
        self.tab_to(selector)
        assert self.press("Space")["checked"], f"Space did not tick {selector}"

    def submit(self, selector: str) -> None:
        """Tab to a button and press Enter; wait for the next page."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.keys += 1


def vote_by_keyboard(page, url: str, identity: dict[str, str], *, picks: tuple[int, int] = (1, 1)) -> str:
    """Vote on a two-level ballot (city-wide, then districts) with the keyboard only; the receipt code.

    The second district is chosen with an arrow key; ``picks`` projects per level ticked with
    Space; ``identity`` (input id → text) typed, the declaration ticked.
    """
    page.goto(url)
    keyboard = Keyboard(page)
    before = keyboard.tab_to("select[name^=district-]")["value"]
    assert keyboard.press("ArrowDown")["value"] != before, "the arrow key did not change the district"
    keyboard.submit("form[method=get] button[type=submit]")
    levels = page.eval_on_selector_all("fieldset.level-fieldset", "sets => sets.map(s => s.id)")
    assert len(levels) == len(picks), levels
    for level, count in zip(levels, picks):
        for _ in range(count):
            keyboard.tick(f"#{level} input[type=checkbox]:not(:checked)")
    for field_id, text in identity.items():
        keyboard.fill(f"#{field_id}", text)
    # Back one field and forward again: Shift+Tab keeps what was typed.
    field_ids = list(identity)
    if len(field_ids) > 1:
        assert keyboard.press("Shift+Tab")["id"] == field_ids[-2]
        assert keyboard.press("Tab")["value"] == identity[field_ids[-1]]
    keyboard.tick("#identity-declaration")
    keyboard.submit("button[value=review]")
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    keyboard.submit("button[value=confirm]")
    return page.locator(".receipt-code").inner_text().strip()
