//! Inputs the fuzz target `camt` (fuzz/fuzz_targets/camt.rs) found, kept in
//! fuzz/regressions/camt/: each must read, lint and go through the writer the way the
//! target checks, without a panic.

use camt053::*;
use std::path::PathBuf;

fn reproducer(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/camt")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the fuzz target does with one input: read, lint, write, read again, write
/// again; the second write must give the same bytes as the first.
fn read_lint_write_fixed_point(input: &[u8]) {
    let Ok(document) = read_document(input) else {
        return;
    };
    let _ = lint(&document);
    let Ok(xml) = write_document(Vec::new(), &document) else {
        return;
    };
    let again = read_document(xml.as_slice()).expect("the writer's output reads back");
    assert_eq!(
        again
            .statements
            .iter()
            .map(|s| &s.header.summary)
            .collect::<Vec<_>>(),
        document
            .statements
            .iter()
            .map(|s| &s.header.summary)
            .collect::<Vec<_>>(),
        "TxsSummry changes through the writer"
    );
    let xml_again = write_document(Vec::new(), &again).expect("writes again");
    assert_eq!(
        String::from_utf8_lossy(&xml_again),
        String::from_utf8_lossy(&xml),
        "write(read(·)) is not a fixed point"
    );
}

/// A bank file whose `TtlDbtNtries` says `<NbOfNtries>0</NbOfNtries>` with a non-zero
/// `<Sum>` (an inconsistent summary the reader accepts). The writer leaves a block with a
/// zero count out (`writer.rs`, `write_summary`: `if summary.debit_count > 0`) but still
/// adds its sum into `TtlNtries/Sum` and `TtlNetNtryAmt`: the file it writes is
/// inconsistent in itself (TtlNtries/Sum 5.00 with no credit or debit block), and reading
/// it back loses the sum, so a second write differs. Found by the fuzzer as
/// `crash-4506e83d…` (a fixture statement whose TtlDbtNtries count was mutated to 0);
/// `write-drops-summary-sum-of-zero-count.xml` is the minimal form. Fixed: the block is written whenever its count or its sum is not zero.
#[test]
fn write_keeps_a_summary_sum_whose_count_is_zero() {
    read_lint_write_fixed_point(&reproducer("write-drops-summary-sum-of-zero-count.xml"));
    read_lint_write_fixed_point(&reproducer(
        "crash-4506e83d0add10a24d6bc1baac33d8d8a21057b2.xml",
    ));
}
