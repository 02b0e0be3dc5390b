"""Complementary suppression against the adversary: on random organisation trees with small
cells, nothing withheld below the minimum can be worked out from what is released."""

from __future__ import annotations

import random

from disclosure_audit import disclosed
from hypothesis import given, settings
from hypothesis import strategies as st

from partyledger.projections.cell_suppression import Relation, withheld

MINIMUM = 5


def random_tree(seed: int) -> tuple[dict[str, int], list[Relation], set[str]]:
    """A tenant over a random tree: leaves hold members, some parents hold a few directly."""
    rng = random.Random(seed)
    children: dict[str, list[str]] = {"tenant": []}
    nodes = ["tenant"]
    for i in range(rng.randint(1, 14)):
        parent = rng.choice(nodes)
        children[parent].append(f"o{i}")
        children[f"o{i}"] = []
        nodes.append(f"o{i}")
    values: dict[str, int] = {}
    relations: list[Relation] = []
    hidden: set[str] = set()

    def count(node: str) -> int:
        if not children[node]:
            values[node] = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30])
            return values[node]
        parts = list(children[node])
        direct = rng.choice([0, 0, 0, 1, 3, 7])
        if direct:
            values[f"{node}/direct"] = direct
            hidden.add(f"{node}/direct")
            parts.append(f"{node}/direct")
        values[node] = sum(count(c) for c in children[node]) + direct
        relations.append(Relation(node, tuple(parts)))
        return values[node]

    count("tenant")
    return values, relations, hidden


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_no_withheld_small_count_can_be_worked_out_on_any_tree(seed: int) -> None:
    values, relations, hidden = random_tree(seed)
    out = withheld(values, relations, MINIMUM, hidden=hidden)
    assert hidden <= out and {c for c, n in values.items() if n < MINIMUM} <= out
    released = set(values) - out
    assert disclosed(values, released, [(r.total, r.parts) for r in relations], MINIMUM) == {}


def test_a_parent_less_its_shown_children_no_longer_gives_the_one_small_child() -> None:
    values = {"A": 30, "A1": 14, "A2": 8, "A3": 8 - 5, "A4": 5}
    values["A"] = values["A1"] + values["A2"] + values["A3"] + values["A4"]
    relations = [Relation("A", ("A1", "A2", "A3", "A4"))]
    primary_only = set(values) - {"A3"}
    audit = [(r.total, r.parts) for r in relations]
    assert disclosed(values, primary_only, audit, MINIMUM) == {"A3": 3}  # the attack on primaries
    out = withheld(values, relations, MINIMUM)
    assert out == {"A3", "A4"}  # the smallest released child joins it, and 3 + 5 ≥ 5
    assert disclosed(values, set(values) - out, audit, MINIMUM) == {}


def test_zeros_withheld_together_are_not_pinned_by_their_sum() -> None:
    values = {"P": 12, "a": 12, "b": 0, "c": 0}
    relations = [Relation("P", ("a", "b", "c"))]
    out = withheld(values, relations, MINIMUM)
    assert "a" in out or "P" in out  # b + c = 0 would pin both at zero
    audit = [(r.total, r.parts) for r in relations]
    assert disclosed(values, set(values) - out, audit, MINIMUM) == {}


def test_a_total_below_the_minimum_is_not_left_alone_with_a_released_breakdown() -> None:
    values = {"T": 4, "x": 4, "y": 0}
    relations = [Relation("T", ("x", "y")), Relation("x", ("x1", "x2"))]
    values.update({"x1": 2, "x2": 2})
    out = withheld(values, relations, MINIMUM)
    assert out == set(values)


def test_a_tenant_without_organisations_has_its_zero_withheld_and_nothing_else() -> None:
    assert withheld({"tenant": 0}, [Relation("tenant", ())], MINIMUM) == {"tenant"}
