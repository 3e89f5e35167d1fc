-- Every replica keeps what authentication reads (a key and its partner's status) in memory for a
-- few seconds. So that a revocation, a roll, a suspension or any other change acts on every
-- replica at once, each change is announced on one channel, which every replica LISTENs to on a
-- connection of its own (ApiKeyChangeListener), and the named entries are dropped.
--
-- Payloads (each far below NOTIFY's 8000-byte limit):
--   key:<key_hash>      one key changed or went away (its hash: the cache's own key)
--   partner:<id>        a partner changed or went away: every key of it
--   all                 a table was truncated: everything
-- A notification is delivered when the writing transaction commits, and not at all if it rolls
-- back; identical payloads in one transaction are delivered once.

/* [jooq ignore start] */
-- (Functions and triggers are PostgreSQL's alone: jOOQ's code generator, which replays these
-- scripts, skips them.)
CREATE FUNCTION api_keys_notify_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('payflow_api_key_changes', 'key:' || OLD.key_hash);
    IF TG_OP = 'UPDATE' AND NEW.key_hash IS DISTINCT FROM OLD.key_hash THEN
        PERFORM pg_notify('payflow_api_key_changes', 'key:' || NEW.key_hash);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_notify_change AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_notify_change();

-- Every update, not only of status: partners are written by operators, rarely, and whatever a
-- later version adds to authentication's read is then covered without another migration.
CREATE FUNCTION partners_notify_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('payflow_api_key_changes', 'partner:' || OLD.id);
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
        PERFORM pg_notify('payflow_api_key_changes', 'partner:' || NEW.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER partners_notify_change AFTER UPDATE OR DELETE ON partners
    FOR EACH ROW EXECUTE FUNCTION partners_notify_change();

CREATE FUNCTION api_key_tables_notify_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('payflow_api_key_changes', 'all');
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION api_key_tables_notify_truncate();
CREATE TRIGGER partners_notify_truncate AFTER TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION api_key_tables_notify_truncate();
/* [jooq ignore stop] */
