-- Settlement statements (we are the CPO): what the settlement consumer needs beside the log.
-- Both are written in the same transaction as the consumer's processed-event row (and, for
-- the first, as the statement's append), under a lock of the CDR; the read model is the
-- projection statement_lines_v1, not these.

-- Which statement each listed CDR is on: a push outcome names only the CDR, and a credit
-- CDR is listed on the statement of the CDR it cancels.
CREATE TABLE IF NOT EXISTS settlement_cdr_statements (
    cdr_id       text PRIMARY KEY,
    statement_id text NOT NULL
);

-- Pushes delivered for CDRs not listed yet (evroam.roaming.events and evroam.cdr.events are
-- not ordered with each other): the CDR is listed SENT when it comes, and the row goes.
CREATE TABLE IF NOT EXISTS settlement_early_deliveries (
    cdr_id       text PRIMARY KEY,
    partner_id   text        NOT NULL,
    delivered_at timestamptz NOT NULL
);
