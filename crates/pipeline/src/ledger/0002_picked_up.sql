-- Migration 2: remember when the ERP took a published file away from the drop folder,
-- so that `status` can show the files still waiting and since when.
ALTER TABLE statements ADD COLUMN picked_up_at TEXT;

CREATE INDEX statements_waiting ON statements (account_key)
    WHERE published_at IS NOT NULL AND picked_up_at IS NULL;
