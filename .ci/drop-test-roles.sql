-- Roles are cluster-wide: drop the roles a test database left once it is gone — its tenants'
-- roles, and the service's login (which the tests and `make run` provision). A role that still
-- owns or holds something in another database (a run still going, a `make run`) is left.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles
           WHERE rolname LIKE 'pl\_tenant\_t\_%' OR rolname LIKE 'pl\_test\_%'
              OR rolname = 'partyledger_service'
           ORDER BY rolname = 'partyledger_service' LOOP
    BEGIN
      EXECUTE format('DROP ROLE %I', r.rolname);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      NULL;  -- still owns or holds something in another database: leave it
    END;
  END LOOP;
END $$;
