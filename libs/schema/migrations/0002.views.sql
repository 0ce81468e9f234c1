-- Progress views: projections of job_events, rebuilt by `redub replay`.
CREATE TABLE jobs (
    job_id        uuid        PRIMARY KEY,
    user_id       uuid,
    status        text        NOT NULL,
    version       integer     NOT NULL,
    position      bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    view          jsonb       NOT NULL
);
CREATE INDEX jobs_user_idx ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_status_idx ON jobs (status, completed_at);

CREATE TABLE job_tasks (
    job_id          uuid        NOT NULL,
    language        text        NOT NULL,
    status          text        NOT NULL,
    translated_at   timestamptz,
    synthesized_at  timestamptz,
    mixed_at        timestamptz,
    failed_at       timestamptz,
    failure_stage   text,
    failure_reason  text,
    PRIMARY KEY (job_id, language)
);

CREATE TABLE artifacts (
    job_id        uuid        NOT NULL,
    key           text        NOT NULL,
    language      text,
    kind          text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    content_type  text        NOT NULL,
    created_at    timestamptz NOT NULL,
    purged_at     timestamptz,
    PRIMARY KEY (job_id, key)
);

-- Upload metadata: what the gateway received before any job refers to it.
CREATE TABLE uploads (
    upload_id     uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL,
    key           text        NOT NULL,
    filename      text,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    content_type  text        NOT NULL,
    duration_s    double precision NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_user_idx ON uploads (user_id, created_at);
