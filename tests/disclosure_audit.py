"""What a reader of released counts can work out: the adversary of the disclosure tests.

Given every additive relation the reader knows (``total = Σ parts``) and the cells released, it
derives withheld cells two ways: by differences and sums (a relation with one unknown left gives
it, repeated until nothing more follows), and by linear programming (the least and greatest
value of each withheld cell under all relations, with released cells fixed and counts
non-negative). A cell is disclosed when either pins it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

Cell = Hashable
Relation = tuple[Cell, Sequence[Cell]]  # (total, parts)


def by_differences(released: Mapping[Cell, int], relations: Sequence[Relation]) -> dict[Cell, int]:
    """Every withheld cell that sums and differences of released ones give exactly."""
    known = dict(released)
    derived: dict[Cell, int] = {}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            unknown = [c for c in (total, *parts) if c not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            rest = sum(known[p] for p in parts if p != cell)
            known[cell] = derived[cell] = rest if cell == total else known[total] - rest
            changed = True
    return derived


def bounds(cells: Collection[Cell], released: Mapping[Cell, int], relations: Sequence[Relation],
           signed: Collection[Cell] = ()) -> dict[Cell, tuple[float, float]]:
    """The least and greatest value each withheld cell can take (``inf`` when unbounded)."""
    unknown = sorted((c for c in cells if c not in released), key=repr)
    index = {c: i for i, c in enumerate(unknown)}
    rows, rhs = [], []
    for total, parts in relations:
        row, constant = np.zeros(len(unknown)), 0.0
        for cell, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
            if cell in index:
                row[index[cell]] += sign
            else:
                constant -= sign * released[cell]
        if row.any():
            rows.append(row)
            rhs.append(constant)
    limits = [(None, None) if c in signed else (0, None) for c in unknown]
    found: dict[Cell, tuple[float, float]] = {}
    for cell, i in index.items():
        ends = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(unknown))
            objective[i] = direction
            result = linprog(objective, A_eq=np.array(rows) if rows else None,
                             b_eq=np.array(rhs) if rows else None, bounds=limits, method="highs")
            ends.append(direction * result.fun if result.status == 0 else -direction * np.inf)
        found[cell] = (ends[0], ends[1])
    return found


def disclosed(values: Mapping[Cell, int], released: Collection[Cell],
              relations: Sequence[Relation], minimum: int,
              signed: Collection[Cell] = ()) -> dict[Cell, int]:
    """Withheld cells below ``minimum`` whose exact value the released cells give away."""
    shown = {c: values[c] for c in released}
    found = {c: n for c, n in by_differences(shown, relations).items() if values[c] < minimum}
    for cell, (low, high) in bounds(values, shown, relations, signed).items():
        if values[cell] < minimum and high - low < 0.5:
            found[cell] = values[cell]
    return found
