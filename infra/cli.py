"""The `partyledger` command: serve, tenants, partner keys, demo data, development tokens, the
published SDL."""

from __future__ import annotations

import getpass
import signal
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any, NoReturn

import psycopg
import typer
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from rich.console import Console
from rich.progress import Progress

from partyledger.domain.errors import DomainError
from partyledger.graphql.unavailable import database_unavailable
from partyledger.infra import reachability
from partyledger.infra.api_keys import ApiKeyStore
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.preflight import StartupError, open_database
from partyledger.infra.provisioning import ServiceLoginError
from partyledger.infra.settings import SettingsError, load_settings
from partyledger.infra.tenants import (
    ProvisioningUnavailableError,
    TenantDirectory,
    TenantExistsError,
    TenantNotFoundError,
)
from partyledger.projections.follower import BATCH_SIZE
from partyledger.services.access import Actor, Role
from partyledger.services.api_keys import PartnerKeyBook

app = typer.Typer(no_args_is_help=True, help="PartyLedger: the register of party members.")
tenants_app = typer.Typer(no_args_is_help=True, help="Create and list tenants.")
app.add_typer(tenants_app, name="tenants")
keys_app = typer.Typer(no_args_is_help=True, help="Issue, list and revoke a tenant's partner keys.")
app.add_typer(keys_app, name="keys")
console = Console()

DEMO_TENANT = "demo"


def _directory() -> TenantDirectory:
    return open_database(load_settings())


@tenants_app.command("create")
def tenants_create(
    slug: str, name: str, shard: Annotated[str, typer.Option(help="Shard to place it on.")] = "main"
) -> None:
    """Create a tenant: its directory entry, schema, event store and projections."""
    try:
        tenant = _directory().create(slug, name, shard=shard)
    except (TenantExistsError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"created tenant [bold]{tenant.slug}[/bold] in schema {tenant.schema_name}")


@tenants_app.command("list")
def tenants_list() -> None:
    """List tenants with their shard and state."""
    for t in _directory().list():
        console.print(f"{t.slug}\t{t.name}\t{t.shard}\t{t.state}\t{t.created_at:%Y-%m-%d}")


def _key_book(tenant: str) -> tuple[PartnerKeyBook, Actor]:
    """The tenant's keys, and the operator acting as its administrator (recorded as such)."""
    settings = load_settings()
    directory = open_database(settings)
    try:
        directory.get(tenant)
    except TenantNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    store = ApiKeyStore(directory.pool(directory.control_shard), pepper=settings.partners.key_pepper)
    store.install()
    book = PartnerKeyBook(store, tenant, default_minimum_cell_size=settings.partners.minimum_cell_size)
    return book, Actor(f"cli:{getpass.getuser()}", tenant, frozenset({Role.TENANT_ADMIN}))


@keys_app.command("issue")
def keys_issue(tenant: str, label: str) -> None:
    """Issue a partner key (statistics and aggregates only); the key is printed once."""
    book, operator = _key_book(tenant)
    try:
        issued = book.issue_partner_key(operator, label=label)
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"issued [bold]{issued.key.prefix}[/bold] for {issued.key.label}; "
                  "send it as the X-Api-Key header. It is not shown again:")
    print(issued.secret, flush=True)  # plain print: rich would wrap it


@keys_app.command("list")
def keys_list(
    tenant: str, revoked: Annotated[bool, typer.Option(help="Include revoked keys.")] = False,
) -> None:
    """List a tenant's partner keys (never their secrets)."""
    book, operator = _key_book(tenant)
    for k in book.partner_keys(operator, include_revoked=revoked):
        state = f"revoked {k.revoked_at:%Y-%m-%d} by {k.revoked_by}" if k.revoked_at else "active"
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never used"
        console.print(f"{k.prefix}\t{k.label}\t{k.issued_at:%Y-%m-%d} by {k.issued_by}\t{used}\t{state}")


@keys_app.command("revoke")
def keys_revoke(tenant: str, key_id: str) -> None:
    """Revoke a partner key at once (its id, or its `pl_<id>` prefix)."""
    book, operator = _key_book(tenant)
    try:
        revoked = book.revoke_partner_key(operator, key_id=key_id.removeprefix("pl_"))
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"revoked [bold]{revoked.prefix}[/bold] ({revoked.label})")


@app.command()
def demo(  # noqa: PLR0913
    tenant: str = DEMO_TENANT, communes: int = 6, cells_per_commune: int = 6,
    members_per_cell: int = 10, seed: int = 2026,
    members: Annotated[int | None, typer.Option(
        help="Generate a whole province of this many member records in bulk, into a new tenant.")] = None,
) -> None:
    """Create a tenant filled with a synthetic province (skipped when it exists)."""
    if members is None:
        _ensure_demo(_directory(), tenant, communes, cells_per_commune, members_per_cell, seed)
    else:
        _bulk_demo(_directory(), tenant, members, seed)


def _bulk_demo(directory: TenantDirectory, slug: str, members: int, seed: int) -> None:
    import time  # noqa: PLC0415

    from partyledger.infra.province_generator import MIN_MEMBERS, generate_bulk_province  # noqa: PLC0415

    if members < MIN_MEMBERS:
        console.print(f"[red]--members: at least {MIN_MEMBERS}[/red]")
        raise typer.Exit(1)
    try:
        directory.create(slug, "Đảng bộ tỉnh Mẫu (dữ liệu tổng hợp)")
    except TenantExistsError:
        console.print(f"[red]tenant {slug} exists: generated history goes into a new tenant (--tenant)[/red]")
        raise typer.Exit(1) from None
    runtime, began = directory.runtime(slug), time.perf_counter()
    with Progress(console=console) as bar:
        task = bar.add_task(f"generating {members:,} members", total=members)
        done = generate_bulk_province(runtime.register, tenant=slug, members=members, seed=seed,
                                      progress=lambda n: bar.advance(task, n))
    took = time.perf_counter() - began
    console.print(f"tenant [bold]{slug}[/bold]: {done.members:,} members, {done.organizations:,}"
                  f" organisations, {done.events:,} events in {took:.1f} s"
                  f" ([bold]{done.events / took:,.0f} events/s[/bold])")
    console.print("statuses: " + ", ".join(f"{k} {v:,}" for k, v in done.statuses.most_common()))
    console.print(f"projections follow the log: `partyledger serve`, or `partyledger projections"
                  f" rebuild --tenant {slug}`")


def _ensure_demo(  # noqa: PLR0913
    directory: TenantDirectory, slug: str, communes: int = 6, cells_per_commune: int = 6,
    members_per_cell: int = 10, seed: int = 2026,
) -> None:
    from partyledger.infra.demo import generate_province  # noqa: PLC0415
    from partyledger.projections.follower import catch_up  # noqa: PLC0415

    try:
        directory.create(slug, "Đảng bộ tỉnh Mẫu (dữ liệu tổng hợp)")
    except TenantExistsError:
        console.print(f"tenant [bold]{slug}[/bold] exists: reusing its data")
        return
    runtime = directory.runtime(slug)
    total = communes * cells_per_commune * members_per_cell
    with Progress(console=console) as bar:
        task = bar.add_task("recording the demo province", total=total)
        generate_province(runtime.register, tenant=slug, communes=communes,
                          cells_per_commune=cells_per_commune, members_per_cell=members_per_cell,
                          seed=seed, progress=lambda n: bar.advance(task, n))
    for view in runtime.views:
        catch_up(runtime.register, view)
    console.print(f"tenant [bold]{slug}[/bold]: {total} synthetic members recorded")


@app.command()
def token(
    tenant: str = DEMO_TENANT,
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles.")] = [Role.TENANT_ADMIN],  # noqa: B006
    subject: str = "dev-admin",
    scope: Annotated[list[str], typer.Option(help="Organisation UUIDs an officer acts for.")] = [],  # noqa: B006
    ttl: int = 8 * 3600,
) -> None:
    """Mint a development token signed with the local key (never trusted in production)."""
    settings = load_settings()
    if settings.graphql.production:
        raise StartupError("development tokens are not accepted in production "
                           "(PARTYLEDGER_ENV=production): issue tokens with your identity provider")
    key = load_or_create_dev_key(settings.auth.dev_key_path)
    print(mint_token(key, settings.auth, tenant=tenant, subject=subject, roles=role,
                     organization_scope=[uuid.UUID(s) for s in scope], ttl_seconds=ttl))


@app.command()
def serve(
    host: str | None = None, port: int | None = None,
    with_demo: Annotated[bool | None, typer.Option(
        "--demo/--no-demo", show_default="--demo in development, --no-demo in production",
        help="Ensure the demo tenant and print a development token (development only).")] = None,
) -> None:
    """Run the GraphQL service; in development, create the demo tenant first and print a token.

    SIGTERM (what systemd and containers send) and SIGINT stop it cleanly, the embedded
    PostgreSQL included.
    """
    _exit_on_signals()
    settings = load_settings()
    production = settings.graphql.production
    if production and with_demo:
        raise StartupError("--demo is for development: production trusts no development token "
                           "(PARTYLEDGER_ENV=production)")
    if production and not settings.auth.public_keys_pem:
        raise StartupError("production verifies tokens with PARTYLEDGER_JWT_PUBLIC_KEYS, "
                           "and none is set")
    directory = open_database(settings)  # first: a wrong URL is told before the slow imports

    import uvicorn  # noqa: PLC0415

    from partyledger.infra.app import create_app  # noqa: PLC0415

    host, port = host or settings.host, port or settings.port
    demo = with_demo if with_demo is not None else not production
    if demo:
        _ensure_demo(directory, DEMO_TENANT)
        key = load_or_create_dev_key(settings.auth.dev_key_path)
        dev_token = mint_token(key, settings.auth, tenant=DEMO_TENANT, subject="dev-admin",
                               roles=[Role.TENANT_ADMIN])
        console.print(f"\nGraphQL: [bold]http://{host}:{port}/graphql[/bold]")
        console.print(f"Development token (tenant {DEMO_TENANT}, TENANT_ADMIN):")
        print(dev_token + "\n", flush=True)  # plain print: rich would wrap it
    uvicorn.run(create_app(settings, directory=directory), host=host, port=port, log_level="info")


def _exit_on_signals() -> None:
    """SIGTERM and SIGINT end the process as an exit does, so exit handlers run: the embedded
    PostgreSQL, started as a server of its own, is stopped by one. Left to their defaults a
    SIGTERM would kill the process without them (uvicorn, having drained its requests on
    either signal, raises it again to let the default act). A requested stop exits 0; an
    interrupt 130, as a shell reports one."""
    def exit_now(signum: int, _frame: Any) -> None:
        raise SystemExit(0 if signum == signal.SIGTERM else 128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, exit_now)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of printing.")] = None,
) -> None:
    """Print (or write) the GraphQL SDL that partners code against."""
    from partyledger.graphql.schema import build_schema  # noqa: PLC0415

    sdl = str(build_schema()) + "\n"
    if output:
        output.write_text(sdl)
    else:
        print(sdl, end="")


# -- projections -----------------------------------------------------------------------------

projections_app = typer.Typer(no_args_is_help=True, help="Rebuild projections; show their lag.")
app.add_typer(projections_app, name="projections")
TenantOption = Annotated[list[str], typer.Option("--tenant", help="Repeat for several; default all.")]


def _runtimes(directory: TenantDirectory, slugs: list[str]) -> list[Any]:
    try:
        return [directory.runtime(slug) for slug in slugs or [t.slug for t in directory.list()]]
    except TenantNotFoundError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None


@projections_app.command("rebuild")
def projections_rebuild(
    tenant: TenantOption = [],  # noqa: B006
    projection: Annotated[list[str], typer.Option(help="Only these views (repeat); default all.")] = [],  # noqa: B006
    batch_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = BATCH_SIZE,
) -> None:
    """Rebuild projections from the first event beside the live ones, which serve meanwhile and
    are replaced once the rebuild is complete; run again after an interruption to resume."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from partyledger.infra.rebuild import rebuild  # noqa: PLC0415

    reports = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:>9,.0f} events/s"), TimeElapsedColumn())
    for runtime in _runtimes(_directory(), tenant):
        slug = runtime.tenant.slug
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(f"rebuilding {slug}", total=None, rate=0.0)

            def show(done: int, total: int, task: Any = task, bar: Progress = bar) -> None:
                elapsed = bar.tasks[task].elapsed or 0.0
                bar.update(task, completed=done, total=total,
                           rate=done / elapsed if elapsed > 0 else 0.0)

            try:
                reports.append(rebuild(runtime, batch_size=batch_size, projections=projection,
                                       progress=show))
            except LookupError as error:
                console.print(f"[red]{slug}: {error}[/red]")
                raise typer.Exit(1) from None
    table = Table("tenant", "projections", "events", "seconds", "events/s", "position", "state")
    for r in reports:
        table.add_row(r.tenant, ", ".join(r.projections), f"{r.events:,}", f"{r.seconds:.1f}",
                      f"{r.events_per_second:,.0f}", str(r.position),
                      "resumed" if r.resumed else "")
    console.print(table)


@projections_app.command("status")
def projections_status(tenant: TenantOption = []) -> None:  # noqa: B006
    """Each projection's position, the log's head and the lag, per tenant; the events a
    projection could not apply and set aside, with the reason."""
    from rich.table import Table  # noqa: PLC0415

    from partyledger.infra.projector import probe  # noqa: PLC0415
    from partyledger.infra.rebuild import status  # noqa: PLC0415

    table = Table("tenant", "projection", "position", "head", "lag", "set aside", "state")
    aside = Table("tenant", "projection", "position", "topic", "reason", "set aside at",
                  title="Events set aside")
    for runtime in _runtimes(_directory(), tenant):
        for s in status(runtime):
            state = f"rebuild unfinished, at {s.rebuilt_to}" if s.rebuilding else ""
            table.add_row(runtime.tenant.slug, s.projection, str(s.position), str(s.head),
                          str(s.lag), str(s.set_aside), state)
        for event in probe(runtime, limit=50).first_set_aside:
            aside.add_row(runtime.tenant.slug, event.projection, str(event.position),
                          event.topic.rpartition(":")[2], event.reason,
                          f"{event.set_aside_at:%Y-%m-%d %H:%M:%S}")
    console.print(table)
    if aside.row_count:
        console.print(aside)


def main() -> None:
    """The command; a refusal to start, or a database that cannot be reached, is one line on
    stderr and exit status 1, never a traceback."""
    try:
        app()
    except (SettingsError, StartupError, ProvisioningUnavailableError, ServiceLoginError) as error:
        _fail(str(error))
    except (psycopg.OperationalError, PersistenceOperationalError) as error:
        if not database_unavailable(error):
            raise
        _fail(f"cannot use the database: {reachability.reason(error)}")


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)
