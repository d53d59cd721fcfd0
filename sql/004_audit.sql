-- convtrack schema, version 4: the profile audit trail (issue 6).
--
-- One append-only row per change to a profile: created, attributes changed,
-- a session linked or moved, merged, unmerged, learned from a summary,
-- flagged as a shared device, erased.  Rows carry the event that caused the
-- change (NULL for an operator's action, whose database role is the actor)
-- and never personal values: detail holds kinds, ids and counts only.
--
-- Rows are never updated.  They are deleted only by erasure, which removes
-- an erased profile's rows and leaves one 'erased' row in their place; the
-- trigger below refuses any other UPDATE or DELETE.

CREATE TABLE profile_audit (
    id          bigserial PRIMARY KEY,
    profile_id  uuid NOT NULL,            -- no foreign key: outlives erasure
    kind        text NOT NULL,
    event_id    uuid,                     -- the causing event, if any
    actor       text NOT NULL DEFAULT 'worker',
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX profile_audit_profile_idx ON profile_audit (profile_id, at, id);

-- Erasure sets convtrack.erasing to 'on' for its transaction
-- (set_config('convtrack.erasing', 'on', true)); nothing else may change
-- the trail.
CREATE FUNCTION ct_profile_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('convtrack.erasing', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'profile_audit is append-only'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER profile_audit_append_only
    BEFORE UPDATE OR DELETE ON profile_audit
    FOR EACH ROW EXECUTE FUNCTION ct_profile_audit_append_only();
