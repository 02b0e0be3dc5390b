-- Roles are cluster-wide: drop the tenant roles a test database left once it is gone.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'pl\_tenant\_t\_%' LOOP
    BEGIN
      EXECUTE format('DROP ROLE %I', r.rolname);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      NULL;  -- still owns something in another database: leave it
    END;
  END LOOP;
END $$;
