-- Handled keys are dropped once older than a horizon (REDUB_HANDLED_HORIZON_DAYS, default
-- 30), far past any redelivery of their message. The janitor's sweep deletes by age; keys
-- are inserted in time order, so a BRIN index finds old rows at almost no write cost.
CREATE INDEX handled_age_idx ON handled USING brin (handled_at);
