-- Where each location is, as the gateway registered it: the tariff service needs the time
-- zone to evaluate time restrictions for price previews. Fed by the consumer
-- evroam.tariff.locations in the same transaction as its processed-event rows.
CREATE TABLE IF NOT EXISTS locations (
    location_id text PRIMARY KEY,
    time_zone   text NOT NULL,
    country_code text NOT NULL,
    party_id    text NOT NULL
);
