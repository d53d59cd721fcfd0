-- convtrack schema, version 16: merging sealed runs of the message-id
-- registry (issue 18, docs/history-cost.md).
--
-- Every sealed run costs each new message id one check of its filter, so
-- the number of runs must not grow with history.  When there are more
-- than registry.max_runs, a worker merges the smallest four into one new
-- run (size-tiered: an id is rewritten a few times in its life):
--
--   1. ct_registry_merge_begin() opens the new run, marked merging: no
--      batch reads it, and no batch writes into it;
--   2. the worker copies the old runs' ids into it, one old run per
--      transaction, each holding the merge lock (below);
--   3. ct_registry_index_run() builds its unique index, at fillfactor 100;
--   4. the worker builds its filter;
--   5. ct_registry_merge_finish() seals it and retires the old runs in one
--      step, under the registry's lock (no batch is between its checks and
--      its inserts), and increases the generation;
--   6. ct_registry_drop_retired() drops the tables of retired runs and of
--      merges that a stopped worker left behind.
--
-- Erasure deletes ids from every run.  An erasure that committed while
-- step 2 read an old run would leave its ids in the new one: each copy
-- (one old run per transaction) takes the merge lock exclusively, and
-- erasure (ct_erasure_delete_sessions, sql/015) takes it shared in a
-- statement before its DELETE, whose snapshot then sees the copy.

ALTER TABLE message_id_runs ADD COLUMN merging boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN message_id_runs.merging IS
'A run being built from others (sql/016_registry_merge.sql): not read by batches.';

-- Step 1: a new run, empty, without index, marked merging.  Its table is
-- a partition already, so that erasure reaches the ids copied into it.
CREATE FUNCTION ct_registry_merge_begin() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    nxt integer;
BEGIN
    PERFORM pg_advisory_xact_lock(1668442223, 1);
    -- the next number after every run there is, as ct_registry_seal takes
    SELECT max(run) + 1 INTO nxt FROM message_id_runs;
    EXECUTE pg_catalog.format('CREATE TABLE message_ids_r%s (run integer NOT NULL'
                              ' CHECK (run = %s), message_id uuid NOT NULL,'
                              ' session_id uuid NOT NULL)', nxt, nxt);
    EXECUTE pg_catalog.format('ALTER TABLE message_ids ATTACH PARTITION'
                              ' message_ids_r%s FOR VALUES IN (%s)', nxt, nxt);
    INSERT INTO message_id_runs (run, merging) VALUES (nxt, true);
    RETURN nxt;
END;
$$;

-- Step 3: the unique index of a merging run (which also proves that the
-- runs it was made from held no id twice).
CREATE FUNCTION ct_registry_index_run(r integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM message_id_runs WHERE run = r AND merging) THEN
        RAISE EXCEPTION 'message-id run % is not being merged', r;
    END IF;
    EXECUTE pg_catalog.format('CREATE UNIQUE INDEX IF NOT EXISTS message_ids_r%s_id'
                              ' ON message_ids_r%s (message_id)'
                              ' WITH (fillfactor = 100)', r, r);
END;
$$;

-- Step 5: the merged run takes the place of the runs it was made from.
-- False (nothing done) when one of them is no longer a sealed run or the
-- new one has no filter.
CREATE FUNCTION ct_registry_merge_finish(r integer, olds integer[]) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_advisory_xact_lock(1668442223, 1);
    SELECT count(*) INTO n FROM (SELECT 1 FROM message_id_runs
         WHERE run = ANY (olds) AND sealed_at IS NOT NULL AND NOT merging
         FOR UPDATE) o;
    IF n <> cardinality(olds) THEN
        RETURN false;
    END IF;
    UPDATE message_id_runs SET merging = false, sealed_at = now()
     WHERE run = r AND merging AND filter IS NOT NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM message_id_runs WHERE run = ANY (olds);
    UPDATE message_id_registry SET generation = generation + 1;
    RETURN true;
END;
$$;

-- Step 6: drops the tables of runs that message_id_runs no longer lists
-- (retired by a merge) and of merges left behind (merging while no merge
-- runs: only the holder of the merger lock may call it).  A table whose
-- drop would wait is left for the next time.  Returns how many.
CREATE FUNCTION ct_registry_drop_retired() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t record;
    n integer := 0;
BEGIN
    -- only the merger: the session that holds the merger lock gets it again
    IF NOT pg_try_advisory_xact_lock(1668442225, 1) THEN
        RETURN 0;
    END IF;
    DELETE FROM message_id_runs WHERE merging;
    FOR t IN
        SELECT c.relname FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'message_ids'::regclass
           AND NOT EXISTS (SELECT 1 FROM message_id_runs r
                            WHERE c.relname = 'message_ids_r' || r.run)
    LOOP
        -- dropping a partition locks message_ids: never wait for it, and
        -- so never hold up the batches queued behind; next time instead
        BEGIN
            PERFORM set_config('lock_timeout', '100ms', true);
            EXECUTE pg_catalog.format('DROP TABLE %I', t.relname);
            n := n + 1;
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
    END LOOP;
    RETURN n;
END;
$$;

REVOKE EXECUTE ON FUNCTION ct_registry_merge_begin(), ct_registry_index_run(integer),
    ct_registry_merge_finish(integer, integer[]), ct_registry_drop_retired()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_registry_merge_begin(), ct_registry_index_run(integer),
    ct_registry_merge_finish(integer, integer[]), ct_registry_drop_retired()
    TO convtrack_worker, convtrack_operator;
