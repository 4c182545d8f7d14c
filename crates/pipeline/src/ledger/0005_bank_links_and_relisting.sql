-- Migration 5: what the ledger needs for Ponto as it really is (issue 10).

-- The last thing Ponto said about each account's link to its bank (consent, its
-- synchronization, availability, deprecation), recorded by every fetch so that `status`
-- can judge it later with the clock of its own run.
CREATE TABLE bank_links (
    account_key        TEXT PRIMARY KEY NOT NULL REFERENCES accounts (key),
    observed_at        TEXT NOT NULL,
    ponto_account_id   TEXT NOT NULL,
    consent_expires_at TEXT,
    synchronized_at    TEXT,
    availability       TEXT,
    deprecated         INTEGER NOT NULL DEFAULT 0,
    sync_status        TEXT,
    sync_errors        TEXT
) STRICT;

-- Which Ponto account an exported transaction was read from, and what identifies it
-- across a re-authorization (Ponto lists the history again under new ids): rows from
-- before this migration came from the account id the ledger knows for them.
ALTER TABLE exported_transactions ADD COLUMN ponto_account_id TEXT;
ALTER TABLE exported_transactions ADD COLUMN match_key TEXT;
-- Set on a transaction of a replacing account that is a re-listing of one already
-- delivered from the replaced account: the row records it as known, the file has it.
ALTER TABLE exported_transactions ADD COLUMN relisted_from TEXT;
UPDATE exported_transactions SET ponto_account_id =
    (SELECT ponto_account_id FROM accounts WHERE accounts.key = exported_transactions.account_key);
CREATE INDEX exported_relisted ON exported_transactions (account_key, relisted_from)
    WHERE relisted_from IS NOT NULL;

-- Transactions that might be re-listings of delivered ones (or not): held back until
-- an operator decides (`fetch --accept ID` delivers, `fetch --dismiss ID` does not).
-- The transaction is kept as read, so that accepting it needs no new read.
CREATE TABLE review_holds (
    account_key      TEXT NOT NULL REFERENCES accounts (key),
    ponto_id         TEXT NOT NULL,
    ponto_account_id TEXT,
    held_at          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    transaction_json TEXT NOT NULL,
    decision         TEXT CHECK (decision IN ('accepted', 'dismissed')),
    decided_at       TEXT,
    PRIMARY KEY (account_key, ponto_id)
) STRICT;

-- Transactions another program delivered before this one took over (migration from
-- Odoo's Ponto module, `start_after_id`): known, so never delivered, but in no file.
CREATE TABLE delivered_elsewhere (
    account_key TEXT NOT NULL REFERENCES accounts (key),
    ponto_id    TEXT NOT NULL,
    PRIMARY KEY (account_key, ponto_id)
) STRICT, WITHOUT ROWID;
