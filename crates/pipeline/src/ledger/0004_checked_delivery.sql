-- Migration 4: what delivery needs to check before it trusts the outbox.
--
-- xml_sha256: the SHA-256 of the statement's XML, stored with it. Delivery compares it
-- with the XML before writing and with the written file before the rename, so bytes
-- damaged in the ledger never reach the drop folder. Statements recorded before this
-- migration have none (NULL): their XML may already be damaged, so no checksum is made
-- up for them here; delivery checks such a statement by reading it as camt.053 instead.
ALTER TABLE statements ADD COLUMN xml_sha256 BLOB;

-- renaming_at: set just before the hidden file is renamed into place, cleared when the
-- rename is known to have failed. Recovery needs it: a statement whose rename was never
-- started and whose hidden file is gone was never delivered (write it again); one whose
-- rename was started, with neither file left, was renamed and taken by the ERP.
ALTER TABLE statements ADD COLUMN renaming_at TEXT;

-- Under the earlier protocol a staged statement was renamed right after being staged:
-- keep that reading for the statements an interrupted run of it left behind.
UPDATE statements SET renaming_at = staged_at
    WHERE published_at IS NULL AND staged_at IS NOT NULL;
