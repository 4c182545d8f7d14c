-- Migration 3: remember that a statement's file was written and synced under its hidden
-- temporary name in the drop folder. Recovery needs it: an unpublished statement that is
-- staged and whose temporary file is gone was renamed into place already (and the ERP
-- may have taken it); one that is not staged was never visible and must be written.
ALTER TABLE statements ADD COLUMN staged_at TEXT;
