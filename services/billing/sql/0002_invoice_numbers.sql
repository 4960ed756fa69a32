-- Driver invoices (ADR 0021). The invoices themselves live in the event log; this is the
-- write side's one table of its own: the gapless number sequence of each issuer and year,
-- incremented in the transaction that appends the billing.invoice_issued (or
-- billing.credit_note_issued) event carrying the number.
CREATE TABLE IF NOT EXISTS invoice_number_sequences (
    issuer        text    NOT NULL,
    year          integer NOT NULL,
    last_sequence integer NOT NULL CHECK (last_sequence >= 1),
    PRIMARY KEY (issuer, year)
);

-- Belt and braces: a number is never on two documents, even if the sequence row were lost
-- (the append fails instead of reusing a number).
CREATE UNIQUE INDEX IF NOT EXISTS events_billing_document_number
    ON events ((payload ->> 'number'))
    WHERE type IN ('billing.invoice_issued', 'billing.credit_note_issued');

-- Closing a period looks up its open invoices in the log.
CREATE INDEX IF NOT EXISTS events_billing_invoice_period
    ON events ((payload ->> 'billing_period'))
    WHERE type = 'billing.invoice_opened';
CREATE INDEX IF NOT EXISTS events_billing_invoice_issued
    ON events ((payload ->> 'invoice_id'))
    WHERE type = 'billing.invoice_issued';
-- Every CDR reads the closed periods.
CREATE INDEX IF NOT EXISTS events_billing_period_closed
    ON events ((payload ->> 'period'))
    WHERE type = 'billing.invoicing_period_closed';
