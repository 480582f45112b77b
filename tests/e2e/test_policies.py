"""Policies in Chromium, on the demo trust: Governor One has accepted nothing, so signing in lands on the policies
page, which works by keyboard and at phone width; the DPO reads the evidence in the console. Both pages pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e


def test_someone_who_owes_reads_and_accepts_each_policy_first(people):
    page = people.signed_in("governor1", width=390, height=844)
    page.goto("/search?q=trip")
    expect(page.get_by_role("heading", level=1, name="School policies")).to_be_visible()
    assert "/policies/" in page.url
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    for _ in range(3):  # data protection, social media, acceptable use
        button = page.get_by_role("button", name="I have read and accept").first
        button.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=trip$"))


def test_the_dpo_reads_the_evidence(people):
    page = people.signed_in("dpo", width=1280, height=900)
    page.goto("/compliance/policies/")
    expect(page.get_by_role("heading", level=1, name="Policies")).to_be_visible()
    expect(page.get_by_role("table", name="Data protection policy: by school and role")).to_be_visible()
    outstanding = page.get_by_role(
        "table", name="Data protection policy: people who have not accepted the current version"
    )
    expect(outstanding.get_by_role("rowheader", name="Office Staff One")).to_be_visible()
    expect(page.get_by_role("link", name="Publish a version")).to_have_count(0)
    expect(page.get_by_role("heading", name="Publish a version")).to_be_visible()
    assert serious_violations(page) == []
