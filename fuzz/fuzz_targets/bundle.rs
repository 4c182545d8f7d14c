//! The bundle reader and the converter behind `ponto2camt convert`: the input is a
//! bundle file (`{"account", "financialInstitution", "transactions"}`, as `export`
//! writes it). It is read alone (every transaction, to the end), then converted with
//! both groupings.
//!
//! Besides "no panic, no hang, bounded memory", what `convert` writes must keep the
//! project's promise (`tests/convert.rs`): every file reads back with our camt reader,
//! without a lint error, and holds exactly the transactions reported as converted; and
//! a converted bundle loses none (converted + skipped pending = transactions read).

#![no_main]

use std::io::BufReader;
use std::path::Path;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use pipeline::Grouping;
use pipeline::convert::bundle::{self, BundleError, BundleTransaction};
use pipeline::convert::{ConvertOptions, convert_all};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input.bundle.json");
    std::fs::write(&path, data).expect("write the input");

    let read = read_alone(&path);

    let now = Utc
        .with_ymd_and_hms(2026, 3, 9, 6, 0, 0)
        .single()
        .expect("a fixed clock");
    for grouping in [Grouping::Batch, Grouping::Daily] {
        let out_dir = dir.path().join(grouping.as_str());
        std::fs::create_dir(&out_dir).expect("out dir");
        let options = ConvertOptions {
            out_dir,
            stdout: false,
            grouping,
            time_zone: None,
            opening_balance: None,
            force: false,
            now,
        };
        let (done, failures) = convert_all(std::slice::from_ref(&path), &options);
        for failure in &failures {
            let _ = failure.kind();
            let _ = failure.to_string();
        }
        for converted in &done {
            let mut entries = 0u64;
            for file in &converted.files {
                let reader = BufReader::new(std::fs::File::open(file).expect("written file"));
                let document = camt053::read_document(reader).unwrap_or_else(|e| {
                    panic!("convert ({grouping:?}) wrote a file our reader refuses: {e}")
                });
                let errors: Vec<_> = camt053::lint(&document)
                    .into_iter()
                    .filter(|f| f.severity == camt053::Severity::Error)
                    .collect();
                assert!(
                    errors.is_empty(),
                    "convert ({grouping:?}) wrote a file with lint errors: {errors:?}"
                );
                entries += document
                    .statements
                    .iter()
                    .map(|s| s.entries.len() as u64)
                    .sum::<u64>();
            }
            assert_eq!(
                entries, converted.transactions,
                "convert ({grouping:?}): entries written vs transactions reported"
            );
            // A converted bundle was read whole: each of its transactions was converted
            // or skipped as pending, none lost.
            assert_eq!(
                Some(converted.transactions + converted.skipped_pending),
                read,
                "convert ({grouping:?}): converted + pending vs transactions in the bundle"
            );
        }
    }
});

/// The reader on its own: the head, then every transaction to the end of the array
/// (the converter stops at the first one it cannot map). The number of transactions
/// when the whole bundle reads. The one-pass reader (with its direct parser of Ponto's
/// usual shape) must read exactly what the scan-then-serde reader reads, and fail with
/// the same message.
fn read_alone(path: &Path) -> Option<u64> {
    let fast = read_with(path, bundle::open);
    let reference = read_with(path, bundle::open_reference);
    assert_eq!(fast, reference, "the one-pass reader differs from scan-then-serde");
    fast.ok().map(|transactions| transactions.len() as u64)
}

type Opened = Result<(bundle::BundleHead, bundle::Transactions), BundleError>;

/// Every transaction read (with its place), or the error's message.
fn read_with(
    path: &Path,
    open: fn(&Path) -> Opened,
) -> Result<Vec<(usize, ponto::Transaction)>, String> {
    let (head, transactions) = open(path).map_err(|e| e.to_string())?;
    let _ = head.account.account_meta();
    let mut read = Vec::new();
    transactions
        .for_each(|item: BundleTransaction| {
            assert_eq!(item.index, read.len(), "transactions come in file order");
            read.push((item.index, item.transaction));
            Ok::<(), BundleError>(())
        })
        .map_err(|e| e.to_string())?;
    Ok(read)
}
