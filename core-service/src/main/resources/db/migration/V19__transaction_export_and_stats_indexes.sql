-- A partner's export reads its transactions of one mode by creation time, a window at a time
-- (GET /api/v1/exports/transactions): a range scan of this index, never the whole table.
CREATE INDEX transactions_partner_created ON transactions (partner_id, livemode, created_at);

-- The operators' dashboard counts the last 24 hours and sums the last 14 days of all partners
-- (GET /api/admin/system/stats): a range scan of this index instead of the whole ledger.
CREATE INDEX transactions_created ON transactions (created_at);
