"""Complementary cell suppression: which cells of a published table to withhold so that no count
below the minimum cell size can be worked out from the cells released, alone or combined.

A table is a set of cells (counts) and additive relations among them, each ``total = Σ parts``
(a parent and its children, a denominator and its categories). Every cell lies in at most two
relations, so the relations form a network: a relation is a node, a cell an edge between the two
relations it lies in (or between one and the outside, the "ground"). Whatever a reader can infer
from released cells is then exactly what a network can carry: a withheld cell can change, with
every released cell fixed and every count non-negative, if and only if a cycle of withheld cells
passes through it along which the cells to be lowered are above zero. A withheld cell on no such
cycle is pinned: its value follows from the released cells (a difference, a sum, a chain of
them, or a sum that can only be zero).

``withheld`` suppresses every cell below the minimum (zero included) and every hidden cell, then
adds complements, smallest first, until (1) no relation has exactly one withheld cell, or a
released total with withheld parts adding up to less than the minimum, and (2) no withheld cell
below the minimum is pinned. It always ends: with every cell withheld, nothing is pinned but a
total of nothing (a tenant without organisations), whose zero the tree itself tells.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Cell = Hashable
_GROUND = -1


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts``."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def withheld(values: Mapping[Cell, int], relations: Sequence[Relation], minimum: int, *,
             hidden: Collection[Cell] = (), signed: Collection[Cell] = ()) -> frozenset[Cell]:
    """The cells to withhold. ``hidden`` cells are never released (they still protect others);
    ``signed`` cells may be negative (a difference of two counts), so no bound holds them."""
    table = _Suppression(values, relations, minimum, signed)
    small = sorted({c for c, n in values.items() if n < minimum} | set(hidden), key=table.order)
    for cell in small:
        table.withhold(cell)
    table.settle(range(len(relations)))
    for cell in small:  # withholding more only adds cycles: a cell once free stays free
        while values[cell] < minimum and table.pinned(cell):
            added = table.complement(table.relations_of(cell))
            if added is None:  # pinned by the relations alone (a total of nothing): not by us
                break
            table.withhold(added)
            table.settle(table.relations_of(added))
    return frozenset(table.out)


class _Suppression:
    """Relations as nodes, cells as directed edges (signs made consistent), and the arcs along
    which the withheld cells may move: up always, down while above zero."""

    def __init__(self, values: Mapping[Cell, int], relations: Sequence[Relation], minimum: int,
                 signed: Collection[Cell]) -> None:
        self.values, self.relations, self.minimum, self.signed = values, relations, minimum, signed
        where: dict[Cell, list[tuple[int, int]]] = defaultdict(list)  # cell → (relation, sign)
        for i, relation in enumerate(relations):
            for cell in relation.cells:
                where[cell].append((i, 1 if cell == relation.total else -1))
        flip = _orientation(len(relations), where)
        self.edges: dict[Cell, tuple[int, int]] = {}
        for cell, places in where.items():
            oriented = [(i, s * flip[i]) for i, s in places]
            self.edges[cell] = (next((i for i, s in oriented if s < 0), _GROUND),
                                next((i for i, s in oriented if s > 0), _GROUND))
        self.out: set[Cell] = set()
        self.arcs: dict[int, list[tuple[int, Cell]]] = defaultdict(list)

    def order(self, cell: Cell) -> tuple[int, str]:
        return self.values[cell], repr(cell)

    def relations_of(self, cell: Cell) -> list[int]:
        return [i for i in self.edges.get(cell, ()) if i != _GROUND]

    def withhold(self, cell: Cell) -> None:
        if cell in self.out:
            return
        self.out.add(cell)
        if cell in self.edges:
            tail, head = self.edges[cell]
            self.arcs[tail].append((head, cell))  # it may always rise
            if self.values[cell] > 0 or cell in self.signed:
                self.arcs[head].append((tail, cell))  # it may fall

    def settle(self, touched: Iterable[int]) -> None:
        """Withhold complements until no relation lets its withheld cells be told apart: a
        single withheld cell, or withheld parts of a released total adding up to too little."""
        queue = deque(touched)
        while queue:
            i = queue.popleft()
            relation = self.relations[i]
            if not relation.parts:  # a total of nothing (a tenant without organisations)
                continue
            parts = [p for p in relation.parts if p in self.out]
            count = len(parts) + (relation.total in self.out)
            small = relation.total not in self.out and 0 < len(parts) and \
                sum(self.values[p] for p in parts) < self.minimum
            if count == 1 or small:
                cell = self.complement([i])
                assert cell is not None  # a relation with a released cell has one to give
                self.withhold(cell)
                queue.extend(self.relations_of(cell))

    def complement(self, start: list[int]) -> Cell | None:
        """The released cell to withhold next: the smallest part, else the total, of the nearest
        relation that still has one (relations linked by withheld cells, nearest first)."""
        seen, queue = set(start), deque(start)
        while queue:
            relation = self.relations[queue.popleft()]
            parts = sorted((p for p in relation.parts if p not in self.out), key=self.order)
            if parts or relation.total not in self.out:
                return parts[0] if parts else relation.total
            for cell in relation.cells:
                for i in self.relations_of(cell):
                    if i not in seen:
                        seen.add(i)
                        queue.append(i)
        return None

    def pinned(self, cell: Cell) -> bool:
        """Whether ``cell`` can neither rise nor fall with the released cells fixed."""
        if cell not in self.edges:
            return False  # in no relation: nothing tells it
        tail, head = self.edges[cell]
        can_fall = self.values[cell] > 0 or cell in self.signed
        return not self._reaches(head, tail, cell) and not (
            can_fall and self._reaches(tail, head, cell))

    def _reaches(self, start: int, goal: int, without: Cell) -> bool:
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for nxt, cell in self.arcs.get(node, ()):
                if cell != without and nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return False


def _orientation(count: int, where: Mapping[Cell, list[tuple[int, int]]]) -> list[int]:
    """A sign per relation such that a cell in two relations enters one and leaves the other."""
    links: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for cell, places in where.items():
        if len(places) > 2:
            raise ValueError(f"{cell!r} lies in more than two relations")
        if len(places) == 2:
            (a, sa), (b, sb) = places
            links[a].append((b, sa * sb))
            links[b].append((a, sa * sb))
    flip = [0] * count
    for start in range(count):
        if flip[start]:
            continue
        flip[start], queue = 1, deque([start])
        while queue:
            node = queue.popleft()
            for other, product in links[node]:
                wanted = -flip[node] * product
                if flip[other] == 0:
                    flip[other] = wanted
                    queue.append(other)
                elif flip[other] != wanted:
                    raise ValueError("relations that cannot be read as one network")
    return flip
