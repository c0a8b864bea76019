"""One pattern for every form, checked on the error state of a sample of forms across the domains:
an error summary whose links point at existing fields, each invalid field marked ``aria-invalid``
and described (``aria-describedby``) by its error next to it, and the input kept."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from pb_service.editions.models import Phase

#: Problems with the error state of the page, as a list of readable strings (empty: all is well).
PATTERN_PROBLEMS = """() => {
    const summary = document.querySelector('.error-summary');
    if (!summary) return ['no error summary'];
    const problems = [];
    const links = [...summary.querySelectorAll('a[href^="#"]')];
    if (!links.length) problems.push('the summary links to no field');
    const firstError = document.querySelector('.field-error');
    if (firstError && summary.compareDocumentPosition(firstError) & Node.DOCUMENT_POSITION_PRECEDING)
        problems.push('the summary is not above the fields');
    for (const link of links) {
        const id = decodeURIComponent(link.getAttribute('href').slice(1));
        const target = document.getElementById(id);
        if (!target) { problems.push(`#${id}: no such element`); continue; }
        const control = target.matches('input, select, textarea');
        if (control && target.getAttribute('aria-invalid') !== 'true') problems.push(`#${id}: not aria-invalid`);
        // A group's choices are described by their fieldset; a field by itself.
        const holder = target.hasAttribute('aria-describedby') ? target : target.closest('fieldset[aria-describedby]');
        const described = (holder ? holder.getAttribute('aria-describedby') : '').split(/\\s+/).filter(Boolean);
        const errors = described.map(d => document.getElementById(d)).filter(e => e && e.classList.contains('field-error'));
        if (!errors.length) problems.push(`#${id}: aria-describedby names no error message`);
    }
    return problems;
}"""


@dataclass
class Case:
    who: str | None
    path: str
    #: A field filled before sending: it must come back with the same value.
    kept: tuple[str, str]
    submit: str = "form.form button[type=submit]"
    #: Other fields to set first (selector → value; "check" ticks a checkbox; "" clears).
    setup: tuple = ()


def cases(editions: dict) -> dict[str, Case]:
    voting, submission = editions[Phase.VOTING], editions[Phase.SUBMISSION]
    return {
        "register": Case(None, "/account/register", ("#display_name", "Ala Kowalska")),
        "accessibility request": Case(None, "/gdansk/accessibility/request", ("#name", "Ala Kowalska")),
        "receipt check": Case(None, f"/gdansk/editions/{voting}/receipt", ("#receipt", ""), submit="#submit"),
        "ballot": Case(None, f"/gdansk/editions/{voting}/vote", ("#identity-first_name", "Ala"),
                       submit="button[value=review]", setup=(("form[method=get] button[type=submit]", "click"),)),
        "proposal": Case("resident@example.org", f"/gdansk/editions/{submission}/proposals/new", ("#summary", "Ławki w parku.")),
        "edition": Case("admin.gdansk@example.org", "/gdansk/office/editions/new", ("#resolution", "Uchwała nr 1/2026")),
        "statement": Case("admin.gdansk@example.org", "/gdansk/office/accessibility/statement", ("#apps", "Brak aplikacji."),
                          setup=(("#reviewed_on", ""),)),
        "invitation": Case("admin.gdansk@example.org", "/gdansk/office/members", ("#email", "nie-adres")),
        "expert question": Case("admin.gdansk@example.org", "/gdansk/office/hub/questions/new", ("#subject", "")),
        "paper ballot": Case("clerk.gdansk@example.org", f"/gdansk/office/editions/{voting}/paper", ("#sheet_number", "A-17"),
                             setup=(("#invalid", "check"),)),
        "new municipality": Case("staff@example.org", "/staff/municipalities/new", ("#name", "Gmina Próbna")),
    }


@pytest.mark.browser
def test_forms_follow_one_pattern(demo_server, browser, signed_in, demo_editions):
    found = {}
    for name, case in cases(demo_editions).items():
        context = browser.new_context(storage_state=signed_in(case.who) if case.who else None)
        page = context.new_page()
        try:
            page.goto(f"{demo_server.url}/lang/en?next=/")
            page.goto(demo_server.url + case.path)
            for selector, value in case.setup:
                if value == "click":
                    with page.expect_navigation():
                        page.click(selector)
                elif value == "check":
                    page.check(selector)
                else:
                    page.fill(selector, value)
            kept_selector, kept_value = case.kept
            page.fill(kept_selector, kept_value)
            with page.expect_navigation():
                page.click(case.submit)
            problems = page.evaluate(PATTERN_PROBLEMS)
            if page.input_value(kept_selector) != kept_value:
                problems.append(f"{kept_selector} lost its value")
        finally:
            context.close()
        if problems:
            found[name] = problems
    assert found == {}
