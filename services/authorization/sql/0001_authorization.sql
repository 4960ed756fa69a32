-- Everything lives in the event log; projections own their read tables.
SELECT 1;
