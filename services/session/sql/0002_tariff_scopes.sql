-- Assignments narrowed to an EVSE, a connector, a tariff type or an eMSP party, and
-- retirements (evroam_pricing.assignment decides which one applies). Rows are appended as the
-- tariff events arrive; `sequence` (the event's recorded time, in microseconds) breaks ties
-- between equally specific assignments the same way the tariff service does.
ALTER TABLE tariff_assignments DROP CONSTRAINT IF EXISTS tariff_assignments_pkey;
ALTER TABLE tariff_assignments
    ADD COLUMN IF NOT EXISTS sequence          bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS evse_uid          text,
    ADD COLUMN IF NOT EXISTS connector_id      text,
    ADD COLUMN IF NOT EXISTS tariff_type       text,
    ADD COLUMN IF NOT EXISTS emsp_country_code text,
    ADD COLUMN IF NOT EXISTS emsp_party_id     text;
CREATE INDEX IF NOT EXISTS tariff_assignments_location ON tariff_assignments (location_id);

CREATE TABLE IF NOT EXISTS tariff_retirements (
    tariff_id    text PRIMARY KEY,
    retired_from timestamptz NOT NULL
);
