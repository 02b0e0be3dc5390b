"""Counts as each caller may read them: partner keys the published table only
(``projections/published_figures``), officers exact counts of their own subtrees only.

A partner's argument outside the published forms is refused with ``BAD_USER_INPUT`` (reason
``NOT_PUBLISHED``, naming what is published), never answered with a different figure.
"""

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import anyio.to_thread
from strawberry.types import Info

from partyledger.graphql.context import ledger
from partyledger.graphql.errors import BadInputError
from partyledger.graphql.security import minimum_cell_size
from partyledger.projections.published_figures import (
    REFERENCE_DATES,
    PublishedFigures,
    PublishedTable,
    is_reference_date,
)
from partyledger.projections.statistics_queries import StatisticsQueries
from partyledger.services.access import AccessDeniedError


class NotPublishedError(BadInputError):
    """A partner key asked for a figure in a form that is not published to partners."""

    def __init__(self, argument: str, published: str) -> None:
        super().__init__(f"{argument}: not published to partner keys; they read {published}")
        self.extensions = {"code": "BAD_USER_INPUT", "reason": "NOT_PUBLISHED"}


def reads_published_only(info: Info[Any, Any]) -> bool:
    """Partner keys: no personal data, and of counts only the published table."""
    return not ledger(info).actor.reads_personal_data


def reference_date(argument: str, day: datetime.date) -> datetime.date:
    if not is_reference_date(day, datetime.date.today()):
        raise NotPublishedError(argument, f"figures on {REFERENCE_DATES}")
    return day


T = TypeVar("T")


async def _once(info: Info[Any, Any], key: Any, make: Callable[[], Awaitable[T]]) -> T:
    """``make()`` once per request, however many fields ask for it at the same time."""
    kept: dict[Any, asyncio.Future[T]] = info.context.setdefault("counts_once", {})
    if key not in kept:
        kept[key] = asyncio.ensure_future(make())
    return await kept[key]


async def published_table(info: Info[Any, Any], on: datetime.date) -> PublishedTable:
    """The table of reference date ``on``, made once per request."""
    async def make() -> PublishedTable:
        minimum = await minimum_cell_size(info)
        figures = PublishedFigures(StatisticsQueries(ledger(info).roster.datastore))
        return await anyio.to_thread.run_sync(figures.table, on, minimum)
    return await _once(info, ("published", on), make)


async def check_count_reader(info: Info[Any, Any], organization: UUID) -> None:
    """Exact member counts of an organisation: whole-tenant readers anywhere, officers within
    their subtrees (as they stand today), as for ``statistics``; FORBIDDEN elsewhere."""
    actor = ledger(info).actor
    if actor.reads_whole_tenant or not actor.reads_personal_data:
        return
    async def subtrees() -> set[UUID]:
        return set(await anyio.to_thread.run_sync(
            ledger(info).org_tree.subtree, actor.organization_scope, datetime.date.today()))
    if organization not in await _once(info, "officer_subtrees", subtrees):
        raise AccessDeniedError("member counts of organisations outside your subtrees")
