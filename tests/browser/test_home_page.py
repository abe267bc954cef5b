from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_renders_in_chromium_and_passes_axe(page) -> None:
    page.goto("/")
    assert page.locator("h1").first.inner_text().strip() != ""
    assert_accessible(page)
