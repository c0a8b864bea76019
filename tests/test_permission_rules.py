"""Object rules: written once by name, composed with | & ~, the same in views, services and templates."""
from __future__ import annotations

import pytest

from pb_service.core.permissions import RULES, Rule, named, rule


@rule
def is_even(actor, number, tenant) -> bool:
    return number % 2 == 0


@rule
def is_big(actor, number, tenant) -> bool:
    return number > 10


def test_rules_compose_like_boolean_expressions():
    assert [n for n in (3, 4, 12, 13) if (is_even | is_big)(None, n)] == [4, 12, 13]
    assert [n for n in (3, 4, 12, 13) if (is_even & is_big)(None, n)] == [12]
    assert [n for n in (3, 4, 12, 13) if (~is_even)(None, n)] == [3, 13]
    assert (is_even | is_big & ~is_even).name == "(is_even | (is_big & ~is_even))"


def test_a_name_is_given_once():
    with pytest.raises(ValueError, match="defined twice"):
        named("proposals.see", is_even)


def test_every_object_rule_has_one_name():
    import pb_service.hub.permissions  # noqa: F401
    import pb_service.proposals.permissions  # noqa: F401

    assert {"proposals.see", "proposals.see_private_parts", "hub.see", "hub.see_practice", "hub.answer",
            "hub.sees_officials_only"} <= set(RULES)
    assert all(isinstance(found, Rule) and found.name == name for name, found in RULES.items())
