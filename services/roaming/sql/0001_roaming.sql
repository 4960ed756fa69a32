-- CDRs our partners may pull from the OCPI 2.2.1 CDRs Sender interface (section 3.3).
-- A read model of `cdr.issued` events from the cdr service, written by the consumer group
-- `evroam.roaming.cdrs` in the same transaction as its processed_events row. `cdr` is the
-- contract's JSON (decimals as strings); the OCPI form is rendered when served.
-- Keys are CiStrings, stored upper case; last_updated is truncated to milliseconds, exactly
-- as partners read it, so that date_from/date_to compare what they see.
CREATE TABLE IF NOT EXISTS ocpi_cdrs (
    country_code       text        NOT NULL,
    party_id           text        NOT NULL,
    id                 text        NOT NULL,
    token_country_code text        NOT NULL,
    token_party_id     text        NOT NULL,
    last_updated       timestamptz NOT NULL,
    cdr                jsonb       NOT NULL,
    PRIMARY KEY (country_code, party_id, id)
);
-- A partner only ever reads the CDRs of its own tokens, oldest first.
CREATE INDEX IF NOT EXISTS ocpi_cdrs_by_token_owner
    ON ocpi_cdrs (token_country_code, token_party_id, last_updated, id);
