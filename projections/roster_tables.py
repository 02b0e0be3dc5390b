"""The tables of the member read side (``RosterView``), in the tenant's schema.

``LAYOUT`` names the version of these tables; a view finding tables of another layout empties
them and rebuilds from the first event (``RosterView.create_table``).
"""

from partyledger.projections.set_aside import create_statement

LAYOUT = 4

SET_ASIDE_TABLE = "roster_set_aside"
ROSTER_TABLES = ("roster_members", "roster_organizations", "roster_counts", "roster_totals", "member_changes",
                 "member_versions", "member_count_deltas", "stat_ratings", "stat_rating_counts",
                 "stat_admissions", "stat_exits", "stat_screenings", SET_ASIDE_TABLE)

CREATE_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS {s}.roster_layout (layout int NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.roster_organizations ("
    " organization_id uuid PRIMARY KEY, name text NOT NULL, kind text NOT NULL,"
    " parent_id uuid, path uuid[] NOT NULL, founded_on date NOT NULL, position bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS roster_organizations_parent ON {s}.roster_organizations (parent_id)",
    "CREATE INDEX IF NOT EXISTS roster_organizations_by_path"
    " ON {s}.roster_organizations USING gin (path)",
    "CREATE TABLE IF NOT EXISTS {s}.roster_members ("
    " member_id uuid PRIMARY KEY, full_name text NOT NULL, folded_name text NOT NULL,"
    " birth_date date NOT NULL, organization_id uuid NOT NULL, organization_path uuid[] NOT NULL,"
    " status text NOT NULL, admitted_on date, ceremony_on date,"
    " recognized_on date, recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    # tables made by the first release required both dates
    "ALTER TABLE {s}.roster_members ALTER COLUMN admitted_on DROP NOT NULL,"
    " ALTER COLUMN ceremony_on DROP NOT NULL",
    "ALTER TABLE {s}.roster_members ADD COLUMN IF NOT EXISTS last_effective_on date,"
    " ADD COLUMN IF NOT EXISTS discipline_form text, ADD COLUMN IF NOT EXISTS disciplines text,"
    " DROP COLUMN IF EXISTS rating_year, DROP COLUMN IF EXISTS rating",
    "CREATE INDEX IF NOT EXISTS roster_members_by_name"
    " ON {s}.roster_members (folded_name, member_id)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_cell"
    " ON {s}.roster_members (organization_id, folded_name, member_id)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_path"
    " ON {s}.roster_members USING gin (organization_path)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_birth"
    " ON {s}.roster_members (birth_date, member_id)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_admission"
    " ON {s}.roster_members ((coalesce(admitted_on, 'infinity'::date)), member_id)",
    # changed members on their way into roster_members (written and emptied in one transaction)
    "CREATE UNLOGGED TABLE IF NOT EXISTS {s}.roster_members_changed"
    " (LIKE {s}.roster_members INCLUDING DEFAULTS)",
    "CREATE TABLE IF NOT EXISTS {s}.roster_counts ("
    " organization_id uuid NOT NULL, status text NOT NULL, n int NOT NULL,"
    " PRIMARY KEY (organization_id, status))",
    # the tenant's members by status: a whole-tenant total without summing every cell's count
    "CREATE TABLE IF NOT EXISTS {s}.roster_totals (status text PRIMARY KEY, n bigint NOT NULL)",
    # tables of layout 4 had no totals: made from the cells' counts (no-op once there)
    "INSERT INTO {s}.roster_totals SELECT status, sum(n) FROM {s}.roster_counts"
    " WHERE NOT EXISTS (SELECT FROM {s}.roster_totals) GROUP BY status",
    # one row per change a member event makes, for recomputing after a back-dated change
    "CREATE TABLE IF NOT EXISTS {s}.member_changes ("
    " member_id uuid NOT NULL, position bigint NOT NULL, effective_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, opens boolean NOT NULL, sets jsonb NOT NULL,"
    " PRIMARY KEY (member_id, position))",
    "CREATE TABLE IF NOT EXISTS {s}.member_versions ("
    " member_id uuid NOT NULL, position bigint NOT NULL, valid_from date NOT NULL,"
    " recorded_at timestamptz NOT NULL, full_name text NOT NULL, folded_name text NOT NULL,"
    " birth_date date NOT NULL, organization_id uuid NOT NULL, status text NOT NULL,"
    " admitted_on date, ceremony_on date, recognized_on date,"
    " PRIMARY KEY (member_id, position, valid_from))",
    "CREATE INDEX IF NOT EXISTS member_versions_by_cell ON {s}.member_versions (organization_id)",
    "CREATE TABLE IF NOT EXISTS {s}.member_count_deltas ("
    " organization_id uuid NOT NULL, status text NOT NULL, effective_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, delta smallint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS member_count_deltas_by_date ON {s}.member_count_deltas"
    " (effective_on) INCLUDE (organization_id, status, recorded_at, delta)",
    "CREATE TABLE IF NOT EXISTS {s}.stat_ratings ("
    " subject_id uuid NOT NULL, subject_kind text NOT NULL, year int NOT NULL, grade text NOT NULL,"
    " scheme text NOT NULL, organization_id uuid NOT NULL, effective_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, position bigint NOT NULL,"
    " current boolean NOT NULL DEFAULT true, PRIMARY KEY (subject_id, position))",
    "CREATE INDEX IF NOT EXISTS stat_ratings_by_year ON {s}.stat_ratings (year, subject_kind)",
    "CREATE INDEX IF NOT EXISTS stat_ratings_by_member ON {s}.stat_ratings (subject_id, year)"
    " WHERE current",
    "CREATE TABLE IF NOT EXISTS {s}.stat_rating_counts ("
    " year int NOT NULL, subject_kind text NOT NULL, organization_id uuid NOT NULL,"
    " grade text NOT NULL, n int NOT NULL,"
    " PRIMARY KEY (year, subject_kind, organization_id, grade))",
    "CREATE TABLE IF NOT EXISTS {s}.stat_admissions ("
    " member_id uuid NOT NULL, organization_id uuid NOT NULL, decided_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS stat_admissions_by_date ON {s}.stat_admissions (decided_on)",
    "CREATE TABLE IF NOT EXISTS {s}.stat_exits ("
    " member_id uuid NOT NULL, organization_id uuid NOT NULL, kind text NOT NULL,"
    " effective_on date NOT NULL, recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS stat_exits_by_date ON {s}.stat_exits (effective_on)",
    "CREATE TABLE IF NOT EXISTS {s}.stat_screenings ("
    " member_id uuid NOT NULL, organization_id uuid NOT NULL, campaign text NOT NULL,"
    " step text NOT NULL, outcome text, effective_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS stat_screenings_by_date ON {s}.stat_screenings (effective_on)",
    create_statement(SET_ASIDE_TABLE),
)

READ_INDEXES = ("roster_organizations_by_path", "roster_members_by_name", "roster_members_by_cell",
                "roster_members_by_path", "roster_members_by_birth", "roster_members_by_admission",
                "member_versions_by_cell", "member_count_deltas_by_date", "stat_ratings_by_year",
                "stat_admissions_by_date", "stat_exits_by_date", "stat_screenings_by_date")
"""Indexes only reads use: a rebuild drops them and makes them again at its end, which is much
faster than keeping them up to date row by row."""
