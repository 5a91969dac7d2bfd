"""Escape closes a source card (WCAG 1.4.13), in headless Chromium on the real book.

The card of a number shows on hover and on keyboard focus (test_cards.py); Escape hides
it while the focus stays on the number, and focusing the number anew shows it again.
"""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_escape_hides_a_focused_card_and_keeps_the_focus(built_real_book, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((built_real_book.html / "exports.html").as_uri())
        number = page.locator(".chinaev-num").first
        card = number.locator(".chinaev-card")
        page.mouse.move(0, 0)
        number.focus()
        card.wait_for(state="visible", timeout=5000)
        page.keyboard.press("Escape")
        card.wait_for(state="hidden", timeout=5000)
        assert number.evaluate("n => document.activeElement === n")  # focus stays
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # back to the number: shown again
        assert number.evaluate("n => document.activeElement === n")
        card.wait_for(state="visible", timeout=5000)
        # Hover too: Escape hides the card under the pointer.
        page.keyboard.press("Escape")
        card.wait_for(state="hidden", timeout=5000)
        other = page.locator(".chinaev-num").nth(1)
        other.focus()
        other.hover()
        other_card = other.locator(".chinaev-card")
        other_card.wait_for(state="visible", timeout=5000)
        page.keyboard.press("Escape")
        other_card.wait_for(state="hidden", timeout=5000)
        assert errors == []
    finally:
        page.close()
