-- The local authorization cache (ARCHITECTURE section 5): the latest state of every token the
-- authorization service published (`token.registered` on evroam.authorization.events),
-- written by the consumer group `evroam.gateway.authorization-cache` in the same transaction
-- as its processed_events row. The gateway decides from it only when the authorization
-- service does not answer in time. A newer last_updated wins, so a redelivered old event
-- never brings back a token state that was replaced.
CREATE TABLE IF NOT EXISTS authorization_cache (
    country_code text        NOT NULL,
    party_id     text        NOT NULL,
    uid          text        NOT NULL,
    type         text        NOT NULL,
    contract_id  text        NOT NULL,
    group_id     text,
    valid        boolean     NOT NULL,
    whitelist    text        NOT NULL,
    last_updated timestamptz NOT NULL,
    PRIMARY KEY (country_code, party_id, uid, type)
);
CREATE INDEX IF NOT EXISTS authorization_cache_uid ON authorization_cache (uid);
