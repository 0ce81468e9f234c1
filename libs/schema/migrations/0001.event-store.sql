-- The system of record: one append-only stream of events per job.
-- `position` is assigned by the writer as max + 1 while it holds the append lock, so
-- positions commit in order and a reader polling "position > last seen" skips nothing.
CREATE TABLE job_events (
    position        bigint      PRIMARY KEY CHECK (position >= 1),
    event_id        uuid        NOT NULL UNIQUE,
    job_id          uuid        NOT NULL,
    seq             integer     NOT NULL CHECK (seq >= 1),
    type            text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version >= 1),
    payload         jsonb       NOT NULL,
    causation_id    uuid,
    correlation_id  uuid        NOT NULL,
    user_id         uuid,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_events_stream_seq UNIQUE (job_id, seq)
);
CREATE INDEX job_events_type_idx ON job_events (type);
CREATE INDEX job_events_user_idx ON job_events (user_id, position);

-- History is never edited: the database refuses UPDATE, DELETE and TRUNCATE itself,
-- whatever the application code tries.
CREATE FUNCTION job_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'job_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER job_events_no_update_delete
    BEFORE UPDATE OR DELETE ON job_events
    FOR EACH ROW EXECUTE FUNCTION job_events_refuse_change();
CREATE TRIGGER job_events_no_truncate
    BEFORE TRUNCATE ON job_events
    FOR EACH STATEMENT EXECUTE FUNCTION job_events_refuse_change();

-- Transactional outbox: a row per committed event that JetStream has not yet confirmed.
CREATE TABLE outbox (
    position    bigint      PRIMARY KEY REFERENCES job_events (position),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Idempotency: "(consumer, causing event, work item) handled", written in the same
-- transaction as the consumer's output, so a redelivery appends nothing.
CREATE TABLE handled (
    consumer    text        NOT NULL,
    key         text        NOT NULL,
    handled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, key)
);
