-- Takes the append lock and returns the last position in one round trip, so a writer holds
-- the lock for as short a time as possible. Every append takes it (see postgres_store.py):
-- positions are assigned as max + 1 under it and commit in order.
CREATE FUNCTION redub_append_lock() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(90457452659200);
    RETURN (SELECT coalesce(max(position), 0) FROM job_events);
END;
$$;
