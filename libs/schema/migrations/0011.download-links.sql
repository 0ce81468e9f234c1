-- Download links are single-use: a link's nonce is recorded when it is first used, and the
-- primary key refuses a second use, also when two requests race. Rows outlive the link's
-- expiry only until they are swept (an expired link is refused by its signature alone).
CREATE TABLE download_links (
    nonce       uuid        PRIMARY KEY,
    used_at     timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX download_links_expiry_idx ON download_links (expires_at);
GRANT SELECT, INSERT, DELETE ON download_links TO redub_app;
