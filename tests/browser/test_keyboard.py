"""Keyboard only: the ballot and the proposal form are completed with Tab, Shift+Tab, Space, Enter
and the arrow keys, with a visible focus indicator after every key (WCAG 2.1.1, 2.4.7)."""
from __future__ import annotations

import pytest

from pb_service.editions.models import Phase
from tests.browser.keyboard import Keyboard, vote_by_keyboard
from tests.voting_factories import pesel_of


@pytest.mark.browser
def test_ballot_by_keyboard(demo_server, browser, demo_editions):
    context = browser.new_context()
    page = context.new_page()
    try:
        url = f"{demo_server.url}/gdansk/editions/{demo_editions[Phase.VOTING]}/vote"
        identity = {"identity-pesel": pesel_of(9101), "identity-first_name": "Klawiatura", "identity-last_name": "Tabulatorska"}
        receipt = vote_by_keyboard(page, url, identity, picks=(2, 1))
    finally:
        context.close()
    assert len(receipt.replace("-", "")) == 16


@pytest.mark.browser
def test_proposal_form_by_keyboard(demo_server, browser, signed_in, demo_editions):
    context = browser.new_context(storage_state=signed_in("resident@example.org"))
    page = context.new_page()
    try:
        page.goto(f"{demo_server.url}/gdansk/editions/{demo_editions[Phase.SUBMISSION]}/proposals/new")
        keyboard = Keyboard(page)
        keyboard.fill("#title", "Ławki z oparciem przy alei")
        pool = keyboard.tab_to("#pool_id")
        keyboard.tab_to("#category_id")
        category = keyboard.press("ArrowDown")
        assert category["value"], "the arrow key chose no category"
        # Back to the pool with Shift+Tab: its value is untouched.
        assert keyboard.tab_to("#pool_id", backwards=True)["value"] == pool["value"]
        keyboard.fill("#summary", "Dwadzieścia ławek z oparciem i podłokietnikami.")
        keyboard.fill("#description", "Seniorzy potrzebują miejsc do odpoczynku co 100 metrów.")
        keyboard.fill("#accessibility", "Ławki z podłokietnikami ułatwiają wstawanie.")
        keyboard.fill("#location", "Aleja Zwycięstwa")
        keyboard.fill("#cost_items-0-description", "Ławki z montażem")
        keyboard.fill("#cost_items-0-amount", "60000")
        keyboard.fill("#estimated_cost", "60000")
        keyboard.submit("#submit")
        assert "/edit" in page.url, page.url
        assert page.locator(".notice--success").count() == 1
        assert page.locator("#title").input_value() == "Ławki z oparciem przy alei"
    finally:
        context.close()
