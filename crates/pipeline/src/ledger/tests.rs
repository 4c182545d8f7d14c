use super::*;
use chrono::TimeZone;
use std::collections::HashMap;

const KEY: &str = "BE68539007547034/EUR";

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn info(key: &str) -> AccountInfo {
    let (iban, currency) = key.split_once('/').unwrap();
    AccountInfo {
        key: key.to_owned(),
        iban: iban.to_owned(),
        currency: currency.to_owned(),
        ponto_account_id: Some("acc-1".to_owned()),
    }
}

fn open_with_account(dir: &Path) -> Ledger {
    let ledger = Ledger::open(dir).unwrap();
    ledger.ensure_account(&info(KEY), at(0)).unwrap();
    ledger
}

fn planned(seq: u64, opening: &str, closing: &str, ids: &[&str]) -> PlannedStatement {
    PlannedStatement {
        id: format!("STMT-{seq}"),
        seq,
        file_name: format!("stmt-{seq}.xml"),
        drop_dir: PathBuf::from("/srv/drop"),
        xml: format!("<Document>{seq}</Document>").into_bytes(),
        opening: dec(opening),
        closing: dec(closing),
        transaction_ids: ids.iter().map(|s| s.to_string()).collect(),
        summaries: HashMap::new(),
        match_keys: HashMap::new(),
        ponto_account_id: None,
    }
}

fn kind(result: Result<impl std::fmt::Debug, LedgerError>) -> ErrorKind {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.into_kind(),
    }
}

#[test]
fn open_creates_the_folder_and_a_wal_database_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nested/state");
    let ledger = Ledger::open(&state).unwrap();
    assert!(state.join(FILE_NAME).is_file());
    assert_eq!(ledger.path(), state.join(FILE_NAME));
    assert_eq!(ledger.schema_version().unwrap(), migrations::LATEST);
    let conn = ledger.lock();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(fk, 1);
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[test]
fn ensure_account_registers_once_and_learns_the_ponto_id() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    let mut account = info(KEY);
    account.ponto_account_id = None;
    let state = ledger.ensure_account(&account, at(0)).unwrap();
    assert_eq!(state.statement_count, 0);
    assert_eq!(state.last_closing, None);
    assert!(!state.is_opened());
    assert_eq!(ledger.next_sequence(KEY).unwrap(), 1);
    let state = ledger.ensure_account(&info(KEY), at(1)).unwrap();
    assert_eq!(state.ponto_account_id.as_deref(), Some("acc-1"));
    assert_eq!(ledger.accounts().unwrap().len(), 1);
    let mut other = info(KEY);
    other.currency = "USD".to_owned();
    assert!(matches!(
        kind(ledger.ensure_account(&other, at(1))),
        ErrorKind::AccountMismatch { .. }
    ));
}

#[test]
fn recording_a_statement_advances_the_account_and_fills_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    let mut first = planned(1, "100.00", "150.25", &["t1", "t2"]);
    first
        .summaries
        .insert("t1".to_owned(), "amount=50.25".to_owned());
    ledger.record_statement(KEY, &first, at(1)).unwrap();

    let state = ledger.account(KEY).unwrap().unwrap();
    assert_eq!(state.statement_count, 1);
    assert_eq!(state.last_closing, Some(dec("150.25")));
    assert_eq!(state.last_statement_id.as_deref(), Some("STMT-1"));
    assert_eq!(state.opened_at, Some(at(1)));
    assert_eq!(ledger.next_sequence(KEY).unwrap(), 2);
    assert_eq!(ledger.last_closing(KEY).unwrap(), Some(dec("150.25")));
    assert!(ledger.is_exported(KEY, "t1").unwrap());
    assert!(!ledger.is_exported(KEY, "t3").unwrap());
    assert!(!ledger.is_exported("NL91ABNA0417164300/EUR", "t1").unwrap());
    assert_eq!(
        ledger.exported_in(KEY, "t2").unwrap().as_deref(),
        Some("STMT-1")
    );
    assert_eq!(
        ledger.exported_summary(KEY, "t1").unwrap().as_deref(),
        Some("amount=50.25")
    );
    assert_eq!(ledger.exported_summary(KEY, "t2").unwrap(), None);

    let outbox = ledger.unpublished().unwrap();
    assert_eq!(outbox.len(), 1);
    let item = &outbox[0];
    assert_eq!(item.statement_id, "STMT-1");
    assert_eq!(item.account_key, KEY);
    assert_eq!(item.seq, 1);
    assert_eq!(item.file_name, "stmt-1.xml");
    assert_eq!(item.drop_dir, Path::new("/srv/drop"));
    assert_eq!(item.xml, first.xml);
    assert_eq!((item.opening, item.closing), (dec("100.00"), dec("150.25")));
    assert_eq!(item.transaction_count, 2);
    assert_eq!(item.created_at, at(1));

    // the second statement opens where the first closed and is kept in order
    ledger
        .record_statement(KEY, &planned(2, "150.25", "90", &["t3"]), at(2))
        .unwrap();
    let seqs: Vec<u64> = ledger
        .unpublished_for(KEY)
        .unwrap()
        .iter()
        .map(|i| i.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(
        ledger.account(KEY).unwrap().unwrap().opened_at,
        Some(at(1)),
        "opened once"
    );
}

#[test]
fn an_already_exported_transaction_fails_the_whole_statement() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    ledger
        .record_statement(KEY, &planned(1, "0", "10", &["t1"]), at(1))
        .unwrap();
    let err = ledger
        .record_statement(KEY, &planned(2, "10", "30", &["t2", "t1"]), at(2))
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::AlreadyExported { ponto_id, statement_id, .. } if ponto_id == "t1" && statement_id == "STMT-1"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&ledger.path().display().to_string()),
        "{err}"
    );
    // nothing of the failed statement was written
    assert!(!ledger.is_exported(KEY, "t2").unwrap());
    assert_eq!(ledger.next_sequence(KEY).unwrap(), 2);
    assert_eq!(ledger.last_closing(KEY).unwrap(), Some(dec("10")));
    assert!(ledger.statement("STMT-2").unwrap().is_none());
}

#[test]
fn impossible_statements_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    ledger
        .record_statement(KEY, &planned(1, "0", "10", &["t1"]), at(1))
        .unwrap();

    let wrong_seq = planned(3, "10", "20", &["t2"]);
    assert!(matches!(
        kind(ledger.record_statement(KEY, &wrong_seq, at(2))),
        ErrorKind::SequenceMismatch {
            expected: 2,
            given: 3,
            ..
        }
    ));
    let broken = planned(2, "10.01", "20", &["t2"]);
    assert!(matches!(
        kind(ledger.record_statement(KEY, &broken, at(2))),
        ErrorKind::BrokenChain { .. }
    ));
    let empty = planned(2, "10", "10", &[]);
    assert!(matches!(
        kind(ledger.record_statement(KEY, &empty, at(2))),
        ErrorKind::EmptyStatement(_)
    ));
    let twice = planned(2, "10", "20", &["t2", "t2"]);
    assert!(matches!(
        kind(ledger.record_statement(KEY, &twice, at(2))),
        ErrorKind::DuplicateInStatement { .. }
    ));
    let mut same_id = planned(2, "10", "20", &["t2"]);
    same_id.id = "STMT-1".to_owned();
    assert!(matches!(
        kind(ledger.record_statement(KEY, &same_id, at(2))),
        ErrorKind::DuplicateStatementId(_)
    ));
    let mut same_name = planned(2, "10", "20", &["t2"]);
    same_name.file_name = "stmt-1.xml".to_owned();
    assert!(matches!(
        kind(ledger.record_statement(KEY, &same_name, at(2))),
        ErrorKind::DuplicateFileName { .. }
    ));
    assert!(matches!(
        kind(ledger.record_statement("XX/EUR", &planned(1, "0", "1", &["t9"]), at(2))),
        ErrorKind::UnknownAccount(_)
    ));

    assert_eq!(ledger.next_sequence(KEY).unwrap(), 2);
    assert!(!ledger.is_exported(KEY, "t2").unwrap());
    assert_eq!(ledger.unpublished().unwrap().len(), 1);
    // a valid one still goes through afterwards: 10.00 equals 10
    ledger
        .record_statement(KEY, &planned(2, "10.00", "20", &["t2"]), at(2))
        .unwrap();
}

#[test]
fn the_same_ponto_id_may_exist_on_two_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    let other = "NL91ABNA0417164300/EUR";
    ledger.ensure_account(&info(other), at(0)).unwrap();
    ledger
        .record_statement(KEY, &planned(1, "0", "1", &["t1"]), at(1))
        .unwrap();
    let mut second = planned(1, "0", "1", &["t1"]);
    second.id = "OTHER-1".to_owned();
    second.file_name = "other-1.xml".to_owned();
    ledger.record_statement(other, &second, at(1)).unwrap();
    assert_eq!(ledger.exported_ids(other).unwrap().len(), 1);
}

#[test]
fn decimals_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    let big = "12345678901234567.89";
    ledger
        .record_statement(KEY, &planned(1, "-0.01", big, &["t1"]), at(1))
        .unwrap();
    let closing = ledger.last_closing(KEY).unwrap().unwrap();
    assert_eq!(closing.to_string(), big);
    assert_eq!(
        ledger.unpublished().unwrap()[0].opening.to_string(),
        "-0.01"
    );
}

#[test]
fn publish_and_pickup_times_are_kept_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    ledger
        .record_statement(KEY, &planned(1, "0", "1", &["t1"]), at(1))
        .unwrap();
    ledger
        .record_statement(KEY, &planned(2, "1", "3", &["t2", "t3"]), at(2))
        .unwrap();
    assert!(matches!(
        kind(ledger.mark_picked_up("STMT-1", at(3))),
        ErrorKind::NotPublished(_)
    ));
    ledger.mark_published("STMT-1", at(3)).unwrap();
    ledger.mark_published("STMT-1", at(4)).unwrap(); // again: keeps the first time
    assert!(matches!(
        kind(ledger.mark_published("NOPE", at(4))),
        ErrorKind::UnknownStatement(_)
    ));

    let outbox = ledger.unpublished().unwrap();
    assert_eq!(
        outbox
            .iter()
            .map(|i| i.statement_id.as_str())
            .collect::<Vec<_>>(),
        ["STMT-2"]
    );
    let waiting = ledger.awaiting_pickup().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].published_at, at(3));
    assert_eq!(waiting[0].file_name, "stmt-1.xml");

    let status = &ledger.status().unwrap()[0];
    assert_eq!(status.statements_exported, 2);
    assert_eq!(status.transactions_exported, 3);
    assert_eq!(status.unpublished, 1);
    assert_eq!(status.waiting_files, 1);
    assert_eq!(status.waiting_since, Some(at(3)));

    ledger.mark_published("STMT-2", at(5)).unwrap();
    ledger.mark_picked_up("STMT-1", at(6)).unwrap();
    let waiting = ledger.awaiting_pickup().unwrap();
    assert_eq!(
        waiting
            .iter()
            .map(|w| w.statement_id.as_str())
            .collect::<Vec<_>>(),
        ["STMT-2"]
    );
    let status = &ledger.status().unwrap()[0];
    assert_eq!(
        (
            status.unpublished,
            status.waiting_files,
            status.waiting_since
        ),
        (0, 1, Some(at(5)))
    );
    assert!(matches!(
        kind(ledger.mark_picked_up("NOPE", at(6))),
        ErrorKind::UnknownStatement(_)
    ));
}

#[test]
fn exported_ids_returns_a_large_set() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    let ids: Vec<String> = (0..100_000)
        .map(|i| format!("{i:08x}-0000-4000-8000-000000000000"))
        .collect();
    let mut statement = planned(1, "0", "1", &[]);
    statement.transaction_ids = ids.clone();
    ledger.record_statement(KEY, &statement, at(1)).unwrap();
    let exported = ledger.exported_ids(KEY).unwrap();
    assert_eq!(exported.len(), 100_000);
    assert!(ids.iter().all(|id| exported.contains(id)));
    assert_eq!(ledger.status().unwrap()[0].transactions_exported, 100_000);
}

#[test]
fn cursor_is_kept_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    assert_eq!(ledger.cursor(KEY).unwrap(), None);
    ledger.set_cursor(KEY, Some("newest"), at(1)).unwrap();
    assert_eq!(ledger.cursor(KEY).unwrap().as_deref(), Some("newest"));
    assert!(matches!(
        kind(ledger.set_cursor("XX/EUR", Some("x"), at(1))),
        ErrorKind::UnknownAccount(_)
    ));
    assert!(matches!(
        kind(ledger.cursor("XX/EUR")),
        ErrorKind::UnknownAccount(_)
    ));
}

#[test]
fn runs_balance_checks_and_changes_show_in_status() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    ledger
        .record_statement(KEY, &planned(1, "0", "100.00", &["t1"]), at(1))
        .unwrap();
    let run = |hour, outcome, message: Option<&str>| RunRecord {
        account_key: KEY.to_owned(),
        started_at: at(hour),
        finished_at: at(hour + 1),
        outcome,
        message: message.map(str::to_owned),
        statements: 1,
        transactions: 1,
    };
    ledger.record_run(&run(1, RunOutcome::Ok, None)).unwrap();
    ledger
        .record_run(&run(3, RunOutcome::Temporary, Some("Ponto answered 503")))
        .unwrap();
    let check = BalanceCheck {
        account_key: KEY.to_owned(),
        checked_at: at(4),
        chain_balance: dec("100.00"),
        ponto_balance: dec("99.99"),
        ponto_reference_date: Some(at(3)),
    };
    assert_eq!(check.difference(), dec("-0.01"));
    ledger.record_balance_check(&check).unwrap();
    ledger
        .record_change(KEY, "t1", "amount 10 -> 11", Some("amount=11"), at(5))
        .unwrap();
    assert!(matches!(
        kind(ledger.record_change(KEY, "t9", "x", None, at(5))),
        ErrorKind::NotExported { .. }
    ));
    let mut bad_run = run(1, RunOutcome::Ok, None);
    bad_run.account_key = "XX/EUR".to_owned();
    assert!(matches!(
        kind(ledger.record_run(&bad_run)),
        ErrorKind::UnknownAccount(_)
    ));

    let status = &ledger.status().unwrap()[0];
    assert_eq!(status.account.key, KEY);
    let last = status.last_run.as_ref().unwrap();
    assert_eq!(last.outcome, RunOutcome::Temporary);
    assert_eq!(last.message.as_deref(), Some("Ponto answered 503"));
    assert_eq!(last.started_at, at(3));
    assert_eq!(status.last_ok_at, Some(at(2)));
    let balance = status.balance.as_ref().unwrap();
    assert_eq!(balance.difference(), dec("-0.01"));
    assert_eq!(balance.ponto_reference_date, Some(at(3)));
    assert_eq!(status.changed_transactions, 1);
    assert_eq!(status.account.last_closing, Some(dec("100.00")));
    assert_eq!(
        ledger.exported_summary(KEY, "t1").unwrap().as_deref(),
        Some("amount=11")
    );
    let changes = ledger.changed_transactions(KEY).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].changes, "amount 10 -> 11");
    assert_eq!(changes[0].detected_at, at(5));
}

#[test]
fn the_ledger_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ledger = open_with_account(dir.path());
        ledger
            .record_statement(KEY, &planned(1, "0", "5", &["t1"]), at(1))
            .unwrap();
        ledger.set_cursor(KEY, Some("t1"), at(1)).unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    assert!(ledger.is_exported(KEY, "t1").unwrap());
    assert_eq!(ledger.cursor(KEY).unwrap().as_deref(), Some("t1"));
    assert_eq!(ledger.unpublished().unwrap().len(), 1);
}

#[test]
fn a_version_1_database_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let v1 = Ledger::open_with(dir.path(), 1, BUSY_TIMEOUT).unwrap();
        assert_eq!(v1.schema_version().unwrap(), 1);
        v1.ensure_account(&info(KEY), at(0)).unwrap();
        // written as the version-1 program did: no picked_up_at column yet
        let conn = v1.lock();
        let has_column: bool = conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('statements') WHERE name = 'picked_up_at'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .unwrap();
        assert!(!has_column);
        conn.execute_batch(
            "INSERT INTO statements (statement_id, account_key, seq, file_name, drop_dir, xml, opening, closing,
                                     transaction_count, created_at, published_at)
             VALUES ('STMT-1', 'BE68539007547034/EUR', 1, 'stmt-1.xml', '/srv/drop', x'3c442f3e', '0', '42.10', 1,
                     '2026-03-01T01:00:00.000000Z', '2026-03-01T02:00:00.000000Z');
             INSERT INTO exported_transactions (account_key, ponto_id, statement_id) VALUES
                 ('BE68539007547034/EUR', 't1', 'STMT-1');
             UPDATE accounts SET statement_count = 1, last_closing = '42.10', last_statement_id = 'STMT-1',
                                 opened_at = '2026-03-01T01:00:00.000000Z'
             WHERE key = 'BE68539007547034/EUR';",
        )
        .unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), migrations::LATEST);
    assert!(ledger.is_exported(KEY, "t1").unwrap());
    assert_eq!(ledger.last_closing(KEY).unwrap(), Some(dec("42.10")));
    assert_eq!(ledger.next_sequence(KEY).unwrap(), 2);
    assert_eq!(ledger.statement("STMT-1").unwrap().unwrap().xml, b"<D/>");
    let waiting = ledger.awaiting_pickup().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].published_at, at(2));
    ledger.mark_picked_up("STMT-1", at(3)).unwrap();
    assert!(ledger.awaiting_pickup().unwrap().is_empty());
}

#[test]
fn a_database_from_a_newer_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Ledger::open(dir.path()).unwrap());
    let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Ledger::open(dir.path()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TooNew { found: 99, .. }),
        "{err}"
    );
    assert!(!err.is_temporary());
}

#[test]
fn a_lock_held_elsewhere_is_a_temporary_error_naming_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let ledger =
        Ledger::open_with(dir.path(), migrations::LATEST, Duration::from_millis(20)).unwrap();
    ledger.ensure_account(&info(KEY), at(0)).unwrap();
    let other = Connection::open(dir.path().join(FILE_NAME)).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = ledger
        .record_statement(KEY, &planned(1, "0", "1", &["t1"]), at(1))
        .unwrap_err();
    assert!(err.is_temporary(), "{err}");
    assert!(matches!(err.kind(), ErrorKind::Busy(_)));
    assert!(err.to_string().contains(FILE_NAME), "{err}");
    other.execute_batch("ROLLBACK").unwrap();
    ledger
        .record_statement(KEY, &planned(1, "0", "1", &["t1"]), at(1))
        .unwrap();
}

#[test]
fn two_connections_racing_for_the_same_statement_export_it_once() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_with_account(dir.path()));
    let results: Vec<Result<(), LedgerError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|n| {
                let path = dir.path().to_path_buf();
                scope.spawn(move || {
                    let ledger = Ledger::open(&path)?;
                    let mut statement = planned(1, "0", "1", &["t1", "t2"]);
                    statement.id = format!("RACE-{n}");
                    statement.file_name = format!("race-{n}.xml");
                    ledger.record_statement(KEY, &statement, at(1))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.exported_ids(KEY).unwrap().len(), 2);
    assert_eq!(ledger.unpublished().unwrap().len(), 1);
}

#[test]
fn the_ledger_can_be_shared_between_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Ledger>();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path()).unwrap();
    let keys = ["BE68539007547034/EUR", "NL91ABNA0417164300/EUR"];
    std::thread::scope(|scope| {
        for key in keys {
            let ledger = &ledger;
            scope.spawn(move || {
                ledger.ensure_account(&info(key), at(0)).unwrap();
                let mut statement = planned(1, "0", "1", &["t1"]);
                statement.id = format!("{key}-1");
                statement.file_name = format!("{}.xml", key.replace('/', "-"));
                ledger.record_statement(key, &statement, at(1)).unwrap();
            });
        }
    });
    assert_eq!(ledger.status().unwrap().len(), 2);
}

#[test]
fn account_key_joins_iban_and_currency() {
    assert_eq!(
        account_key("BE68539007547034", "EUR"),
        "BE68539007547034/EUR"
    );
}

#[test]
fn a_new_state_folder_is_0700_and_a_new_ledger_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    drop(Ledger::open(&state).unwrap());
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join(FILE_NAME)), 0o600);
}

#[test]
fn statements_are_recorded_with_the_sha256_of_their_xml() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    let statement = planned(1, "0", "1", &["t1"]);
    ledger.record_statement(KEY, &statement, at(1)).unwrap();
    let item = ledger.statement("STMT-1").unwrap().unwrap();
    assert_eq!(item.xml_sha256, Some(sha256(&statement.xml)));
    assert!(!item.renaming);
    ledger.mark_renaming("STMT-1", at(2)).unwrap();
    assert!(ledger.statement("STMT-1").unwrap().unwrap().renaming);
    ledger.clear_renaming("STMT-1").unwrap();
    assert!(!ledger.statement("STMT-1").unwrap().unwrap().renaming);
}

#[test]
fn migration_4_keeps_the_old_reading_of_staged_statements_and_invents_no_checksum() {
    let dir = tempfile::tempdir().unwrap();
    {
        let v3 = Ledger::open_with(dir.path(), 3, BUSY_TIMEOUT).unwrap();
        v3.ensure_account(&info(KEY), at(0)).unwrap();
        let conn = v3.lock();
        conn.execute_batch(
            "INSERT INTO statements (statement_id, account_key, seq, file_name, drop_dir, xml, opening, closing,
                                     transaction_count, created_at, staged_at)
             VALUES ('STMT-1', 'BE68539007547034/EUR', 1, 'stmt-1.xml', '/srv/drop', x'3c442f3e', '0', '1', 1,
                     '2026-03-01T01:00:00.000000Z', '2026-03-01T01:00:01.000000Z'),
                    ('STMT-2', 'BE68539007547034/EUR', 2, 'stmt-2.xml', '/srv/drop', x'3c442f3e', '1', '2', 1,
                     '2026-03-01T01:00:00.000000Z', NULL);",
        )
        .unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    let items = ledger.unpublished().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items[0].staged && items[0].renaming,
        "staged then meant renamed next"
    );
    assert!(!items[1].staged && !items[1].renaming);
    assert!(items.iter().all(|item| item.xml_sha256.is_none()));
}

#[test]
fn a_read_only_ledger_never_creates_migrates_or_writes() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(Ledger::open_read_only(&missing).is_err());
    assert!(!missing.exists(), "nothing was created");

    {
        let v3 = Ledger::open_with(dir.path(), 3, BUSY_TIMEOUT).unwrap();
        v3.ensure_account(&info(KEY), at(0)).unwrap();
    }
    let ledger = Ledger::open_read_only(dir.path()).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), 3, "not migrated");
    assert_eq!(ledger.status().unwrap().len(), 1);
    assert!(ledger.set_cursor(KEY, Some("t1"), at(1)).is_err());
    assert_eq!(ledger.cursor(KEY).unwrap(), None);
}

#[test]
fn a_side_file_sqlite_cannot_use_is_named() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_with_account(dir.path()));
    let wal = dir.path().join(format!("{FILE_NAME}-wal"));
    std::fs::create_dir(&wal).unwrap();
    let err = Ledger::open(dir.path()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::SideFile { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("{FILE_NAME}-wal")),
        "{err}"
    );
}

#[test]
fn version_5_knows_which_ponto_account_each_delivered_transaction_came_from() {
    let dir = tempfile::tempdir().unwrap();
    {
        let v4 = Ledger::open_with(dir.path(), 4, BUSY_TIMEOUT).unwrap();
        v4.ensure_account(&info(KEY), at(0)).unwrap();
        // as the version-4 program wrote them
        v4.with_conn(|conn| {
            conn.execute_batch(
                "INSERT INTO statements (statement_id, account_key, seq, file_name, drop_dir, xml,
                     opening, closing, transaction_count, created_at)
                 VALUES ('STMT-1', 'BE68539007547034/EUR', 1, 's.xml', '/srv/drop', x'00', '0', '3', 2, 't');
                 INSERT INTO exported_transactions (account_key, ponto_id, statement_id)
                 VALUES ('BE68539007547034/EUR', 't1', 'STMT-1'), ('BE68539007547034/EUR', 't2', 'STMT-1');",
            )?;
            Ok(())
        })
        .unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), migrations::LATEST);
    assert!(ledger.old_exports(KEY, "acc-1").unwrap().is_empty());
    let old = ledger.old_exports(KEY, "acc-2").unwrap();
    assert_eq!(old.len(), 2, "{old:?}");
    assert!(old.iter().all(|o| o.ponto_account_id == "acc-1"));
    // a re-listing is known from then on, in the same statement, and matches no more
    ledger
        .record_relisted(KEY, "n1", "acc-2", "t1", "{}", "{}")
        .unwrap();
    assert_eq!(
        ledger.exported_in(KEY, "n1").unwrap().as_deref(),
        Some("STMT-1")
    );
    let left: Vec<String> = ledger
        .old_exports(KEY, "acc-2")
        .unwrap()
        .into_iter()
        .map(|o| o.ponto_id)
        .collect();
    assert_eq!(left, ["t2"]);
}

#[test]
fn held_transactions_are_known_until_decided_and_a_decision_is_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_with_account(dir.path());
    ledger
        .hold_for_review(KEY, "h1", "acc-2", "might be t1", "{\"id\":\"h1\"}", at(1))
        .unwrap();
    ledger
        .record_delivered_elsewhere(KEY, &["e1".to_owned()])
        .unwrap();
    let known = ledger.exported_ids(KEY).unwrap();
    assert!(known.contains("h1") && known.contains("e1"), "{known:?}");
    assert_eq!(ledger.status().unwrap()[0].review_holds.len(), 1);
    assert_eq!(
        ledger
            .decide_review("h1", ReviewDecision::Accepted, at(2))
            .unwrap()
            .as_deref(),
        Some(KEY)
    );
    assert_eq!(
        ledger
            .decide_review("h1", ReviewDecision::Dismissed, at(3))
            .unwrap(),
        None,
        "decided already"
    );
    assert!(ledger.status().unwrap()[0].review_holds.is_empty());
    assert_eq!(ledger.accepted_holds(KEY).unwrap().len(), 1);
}
