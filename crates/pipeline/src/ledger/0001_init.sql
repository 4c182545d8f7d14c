-- Migration 1: the initial ledger schema.
-- Amounts are exact decimals written as TEXT (rust_decimal), times are RFC 3339 UTC TEXT.

-- One row per exported account, keyed by a stable key ("IBAN/CCY").
CREATE TABLE accounts (
    key               TEXT PRIMARY KEY NOT NULL,
    iban              TEXT NOT NULL,
    currency          TEXT NOT NULL,
    ponto_account_id  TEXT,
    -- sequence number of the last recorded statement (0 = none yet)
    statement_count   INTEGER NOT NULL DEFAULT 0 CHECK (statement_count >= 0),
    last_closing      TEXT,
    last_statement_id TEXT,
    -- when the first statement was recorded: from then on the chain is fixed
    opened_at         TEXT,
    -- the newest Ponto transaction id seen (for the stop rule)
    cursor            TEXT,
    cursor_at         TEXT,
    created_at        TEXT NOT NULL
) STRICT;

-- The outbox and the history of every statement: recorded (with its rendered XML)
-- before it is moved into the drop folder, published_at set once it is there.
CREATE TABLE statements (
    statement_id      TEXT PRIMARY KEY NOT NULL,
    account_key       TEXT NOT NULL REFERENCES accounts (key),
    seq               INTEGER NOT NULL CHECK (seq > 0),
    file_name         TEXT NOT NULL,
    drop_dir          TEXT NOT NULL,
    xml               BLOB NOT NULL,
    opening           TEXT NOT NULL,
    closing           TEXT NOT NULL,
    transaction_count INTEGER NOT NULL CHECK (transaction_count > 0),
    created_at        TEXT NOT NULL,
    published_at      TEXT,
    UNIQUE (account_key, seq),
    UNIQUE (drop_dir, file_name)
) STRICT;

CREATE INDEX statements_unpublished ON statements (account_key, seq) WHERE published_at IS NULL;

-- The exactly-once guard: a Ponto transaction id goes into one statement, ever.
-- summary: what the transaction looked like when exported (set by the program), to
-- tell later what Ponto changed.
CREATE TABLE exported_transactions (
    account_key  TEXT NOT NULL REFERENCES accounts (key),
    ponto_id     TEXT NOT NULL,
    statement_id TEXT NOT NULL REFERENCES statements (statement_id),
    summary      TEXT,
    PRIMARY KEY (account_key, ponto_id)
) STRICT, WITHOUT ROWID;

-- Transactions Ponto changed after they were exported: logged, never re-exported.
CREATE TABLE changed_transactions (
    id           INTEGER PRIMARY KEY,
    account_key  TEXT NOT NULL REFERENCES accounts (key),
    ponto_id     TEXT NOT NULL,
    detected_at  TEXT NOT NULL,
    changes      TEXT NOT NULL
) STRICT;

-- One row per account per run of fetch.
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    account_key  TEXT NOT NULL REFERENCES accounts (key),
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    message      TEXT,
    statements   INTEGER NOT NULL DEFAULT 0,
    transactions INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX runs_by_account ON runs (account_key, id);

-- Our balance chain compared with Ponto's currentBalance.
CREATE TABLE balance_checks (
    id                   INTEGER PRIMARY KEY,
    account_key          TEXT NOT NULL REFERENCES accounts (key),
    checked_at           TEXT NOT NULL,
    chain_balance        TEXT NOT NULL,
    ponto_balance        TEXT NOT NULL,
    ponto_reference_date TEXT,
    difference           TEXT NOT NULL
) STRICT;

CREATE INDEX balance_checks_by_account ON balance_checks (account_key, id);
