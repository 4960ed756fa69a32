-- Everything lives in the event log; the read tables belong to projections (see projections/).
SELECT 1;
