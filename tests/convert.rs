//! `ponto2camt convert`: golden files, the official XSD, the real OCA importer, bad input.

use crate::util::*;
use std::path::{Path, PathBuf};

fn bundles() -> Vec<PathBuf> {
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(fixture("bundles"))
        .expect("fixtures/bundles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".json") && !name.ends_with(".expect.json")
        })
        .collect();
    bundles.sort();
    bundles
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn there_are_enough_fixture_bundles() {
    assert!(
        bundles().len() >= 8,
        "issue 2 asks for at least 8 fixture bundles"
    );
}

#[test]
fn golden_files() {
    for bundle in bundles() {
        let out = tempdir();
        let result = convert_into(&[&bundle], out.path(), &[]);
        assert_eq!(result.code, 0, "{}: {}", bundle.display(), result.stderr);
        let files = xml_files(out.path());
        assert_eq!(
            files.len(),
            1,
            "{}: one statement per bundle",
            bundle.display()
        );
        for file in &files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let xml = std::fs::read_to_string(file).expect("utf-8 output");
            insta::assert_snapshot!(
                format!("convert__{}", stem(&bundle)),
                format!("{name}\n{xml}")
            );
        }
    }
}

#[test]
fn every_output_validates_against_the_xsd_and_our_lint() {
    let out = tempdir();
    for bundle in bundles() {
        for grouping in ["per-file", "daily"] {
            let dir = out.path().join(format!("{}-{grouping}", stem(&bundle)));
            std::fs::create_dir_all(&dir).expect("dir");
            let result = convert_into(&[&bundle], &dir, &["--grouping", grouping]);
            assert_eq!(result.code, 0, "{}: {}", bundle.display(), result.stderr);
            let files = xml_files(&dir);
            assert!(!files.is_empty());
            assert_xsd_valid(&files);
            let paths: Vec<&str> = files.iter().map(|f| f.to_str().expect("utf-8")).collect();
            let mut args = vec!["inspect", "--strict"];
            args.extend(paths);
            let inspected = run(&args, &dir);
            assert_eq!(
                inspected.code,
                0,
                "lint errors in {}:\n{}{}",
                bundle.display(),
                inspected.stdout,
                inspected.stderr
            );
        }
    }
}

#[test]
fn the_oca_importer_reads_what_a_bookkeeper_expects() {
    for bundle in bundles() {
        let expect = bundle.with_file_name(format!("{}.expect.json", stem(&bundle)));
        let out = tempdir();
        let result = convert_into(&[&bundle], out.path(), &[]);
        assert_eq!(result.code, 0, "{}: {}", bundle.display(), result.stderr);
        let Some(parsed) = oca_parse(&xml_files(out.path())) else {
            return;
        };
        if expect.exists() {
            assert_oca_expectations(&expect, &parsed, out.path());
        }
        let labels = parsed[0]["statements"][0]["transactions"]
            .as_array()
            .expect("transactions");
        assert!(!labels.is_empty());
    }
}

#[test]
fn daily_statements_chain_their_balances() {
    let bundle = fixture("bundles/mixed-50.json");
    if !bundle.exists() {
        return;
    }
    let out = tempdir();
    let result = convert_into(&[&bundle], out.path(), &["--grouping", "daily"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let files = xml_files(out.path());
    assert!(
        files.len() > 1,
        "several booking days give several statements"
    );
    let Some(parsed) = oca_parse(&files) else {
        return;
    };
    let mut previous_end: Option<f64> = None;
    for file in parsed.as_array().expect("list") {
        let statement = &file["statements"][0];
        let start: f64 = statement["balance_start"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("start");
        let end: f64 = statement["balance_end_real"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("end");
        if let Some(previous) = previous_end {
            assert!(
                (previous - start).abs() < 0.005,
                "{}: starts at {start}, previous ended at {previous}",
                file["file"]
            );
        }
        previous_end = Some(end);
    }
}

#[test]
fn existing_files_are_never_overwritten_without_force() {
    let bundle = &bundles()[0];
    let out = tempdir();
    assert_eq!(convert_into(&[bundle], out.path(), &[]).code, 0);
    let again = convert_into(&[bundle], out.path(), &[]);
    assert_eq!(again.code, 74, "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(convert_into(&[bundle], out.path(), &["--force"]).code, 0);
    assert_eq!(
        all_files(out.path()).len(),
        1,
        "no leftovers: {:?}",
        all_files(out.path())
    );
}

#[test]
fn stdout_and_opening_balance() {
    let bundle = &bundles()[0];
    let out = tempdir();
    let result = run(
        &[
            "convert",
            bundle.to_str().expect("utf-8"),
            "--stdout",
            "--opening-balance",
            "-100.00",
        ],
        out.path(),
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stdout.starts_with("<?xml"),
        "{}",
        &result.stdout[..result.stdout.len().min(200)]
    );
    assert!(result.stdout.contains("<Cd>OPBD</Cd>"));
    assert!(
        result.stdout.contains("<Amt Ccy=\"EUR\">100.00</Amt>"),
        "opening written unsigned"
    );
    assert!(all_files(out.path()).is_empty());
}

/// `fixtures/bad/README.md` lines look like: ``- `file.json` → `json.path` — why``.
fn bad_cases() -> Vec<(PathBuf, String)> {
    let readme = std::fs::read_to_string(fixture("bad/README.md")).expect("fixtures/bad/README.md");
    readme
        .lines()
        .filter_map(|line| {
            let (file, rest) = line.split_once('→')?;
            let file = file
                .trim()
                .trim_start_matches(['-', '*', ' '])
                .trim_matches('`')
                .trim();
            let path = rest.split('`').nth(1)?;
            let path = path.strip_prefix("(JSON syntax) ").unwrap_or(path);
            file.ends_with(".json")
                .then(|| (fixture("bad").join(file), path.to_owned()))
        })
        .collect()
}

#[test]
fn bad_bundles_exit_65_name_the_place_and_write_nothing() {
    let cases = bad_cases();
    assert!(cases.len() >= 6, "bad cases: {cases:?}");
    for (bundle, path) in cases {
        let out = tempdir();
        let result = convert_into(&[&bundle], out.path(), &[]);
        assert_eq!(result.code, 65, "{}: {}", bundle.display(), result.stderr);
        let file_name = bundle
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            result.stderr.contains(&file_name),
            "names the file: {}",
            result.stderr
        );
        assert!(
            result.stderr.contains(&path),
            "names {path}: {}",
            result.stderr
        );
        assert!(
            all_files(out.path()).is_empty(),
            "nothing written: {:?}",
            all_files(out.path())
        );
    }
}

#[test]
fn a_bad_bundle_does_not_stop_the_good_ones() {
    let (bad, _) = bad_cases().into_iter().next().expect("a bad case");
    let good = &bundles()[0];
    let out = tempdir();
    let result = run(
        &[
            "convert",
            bad.to_str().expect("utf-8"),
            good.to_str().expect("utf-8"),
            "-o",
            out.path().to_str().expect("utf-8"),
        ],
        out.path(),
    );
    assert_eq!(result.code, 65, "{}", result.stderr);
    assert_eq!(xml_files(out.path()).len(), 1);
}

// ---- issue 12: the order of a bundle does not matter ---------------------------------

/// `bundle` with its transactions in another order: Ponto's own (newest created first),
/// oldest created first, or shuffled (a fixed shuffle).
fn reordered(bundle: &serde_json::Value, order: &str) -> serde_json::Value {
    let mut bundle = bundle.clone();
    let transactions = bundle["transactions"].as_array_mut().expect("transactions");
    let created = |t: &serde_json::Value| {
        t["attributes"]["createdAt"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    match order {
        "ponto" => transactions.sort_by_key(|t| std::cmp::Reverse(created(t))),
        "oldest-first" => transactions.sort_by_key(created),
        _ => {
            let mut state = 0x2545_f491_4f6c_dd1d_u64;
            for i in (1..transactions.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                transactions.swap(i, (state % (i as u64 + 1)) as usize);
            }
        }
    }
    bundle
}

/// Files by name, with their bytes.
type Files = Vec<(String, Vec<u8>)>;

/// The files a conversion wrote: names and bytes.
fn written(dir: &Path) -> Files {
    xml_files(dir)
        .iter()
        .map(|file| {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                std::fs::read(file).expect("written"),
            )
        })
        .collect()
}

#[test]
fn the_same_transactions_in_any_order_give_byte_identical_files() {
    let scratch = tempdir();
    for bundle in bundles() {
        let original: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&bundle).expect("fixture")).expect("JSON");
        // mixed-50 has bookings at the same instant; it also goes through a sort buffer
        // of a few entries, so that its entries are merged from many runs on disk.
        let budgets: &[Option<&str>] = if stem(&bundle) == "mixed-50" {
            &[None, Some("3000")]
        } else {
            &[None]
        };
        for grouping in ["per-file", "daily"] {
            let mut first: Option<(String, Files)> = None;
            for order in ["ponto", "shuffled", "oldest-first"] {
                for budget in budgets {
                    let name = format!(
                        "{}-{grouping}-{order}-{}",
                        stem(&bundle),
                        budget.unwrap_or("default")
                    );
                    let path = scratch.path().join(format!("{name}.json"));
                    let json = serde_json::to_vec(&reordered(&original, order)).expect("JSON");
                    std::fs::write(&path, json).expect("bundle");
                    let out = scratch.path().join(&name);
                    std::fs::create_dir_all(&out).expect("out");
                    let mut command = ponto2camt();
                    command
                        .args(["convert", "--grouping", grouping, "-o"])
                        .arg(&out)
                        .arg(&path);
                    if let Some(budget) = budget {
                        command.env("PONTO2CAMT_SORT_BUDGET", budget);
                    }
                    let output = command.output().expect("runs");
                    assert!(
                        output.status.success(),
                        "{name}: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    assert_xsd_valid(&xml_files(&out));
                    let files = written(&out);
                    assert!(!files.is_empty(), "{name}");
                    match &first {
                        None => first = Some((name, files)),
                        Some((first_name, expected)) => {
                            let names = |f: &Files| -> Vec<String> {
                                f.iter().map(|(n, _)| n.clone()).collect()
                            };
                            assert_eq!(names(&files), names(expected), "{name} vs {first_name}");
                            for ((file, bytes), (_, expected)) in files.iter().zip(expected) {
                                assert!(
                                    bytes == expected,
                                    "{name}: {file} differs from {first_name}'s"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Several bundles in one call are converted side by side, with what converting them
/// one after the other gives: the same files, messages in the order given, and a
/// statement given twice written once (the second is refused, as it would have been).
#[test]
fn several_bundles_in_one_call_give_what_one_at_a_time_gives() {
    let all = bundles();
    let alone = tempdir();
    for bundle in &all {
        assert_eq!(convert_into(&[bundle], alone.path(), &[]).code, 0);
    }
    let together = tempdir();
    let mut args = vec!["convert", "-o", together.path().to_str().expect("utf-8")];
    args.extend(all.iter().map(|b| b.to_str().expect("utf-8")));
    let result = run(&args, together.path());
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(written(together.path()), written(alone.path()));
    let reported: Vec<&str> = result
        .stderr
        .lines()
        .filter(|line| line.contains(" transactions in "))
        .filter_map(|line| line.split(": ").next())
        .collect();
    let expected: Vec<String> = all.iter().map(|b| b.display().to_string()).collect();
    assert_eq!(
        reported, expected,
        "one line per bundle, in the order given"
    );

    // The same statement twice: the first bundle given writes it, every time.
    let scratch = tempdir();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("bundles/mixed-50.json")).expect("fixture"))
            .expect("JSON");
    let (a, b) = (scratch.path().join("a.json"), scratch.path().join("b.json"));
    std::fs::write(
        &a,
        serde_json::to_vec(&reordered(&original, "ponto")).expect("JSON"),
    )
    .expect("a");
    std::fs::write(
        &b,
        serde_json::to_vec(&reordered(&original, "shuffled")).expect("JSON"),
    )
    .expect("b");
    for (first, second) in [(&a, &b), (&b, &a), (&a, &b)] {
        let out = scratch.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).expect("out");
        let (first, second) = (
            first.to_str().expect("utf-8"),
            second.to_str().expect("utf-8"),
        );
        let result = run(
            &["convert", first, second, "-o", out.to_str().expect("utf-8")],
            &out,
        );
        assert_eq!(result.code, 74, "{}", result.stderr);
        assert!(
            result.stderr.contains(&format!("{first}: 50 transactions")),
            "{}",
            result.stderr
        );
        assert!(
            !result
                .stderr
                .contains(&format!("{second}: 50 transactions")),
            "{}",
            result.stderr
        );
        assert!(
            result.stderr.contains("exists already"),
            "{}",
            result.stderr
        );
        assert_eq!(xml_files(&out).len(), 1);
        assert_eq!(
            all_files(&out).len(),
            1,
            "no leftovers: {:?}",
            all_files(&out)
        );
        let forced = run(
            &[
                "convert",
                first,
                second,
                "-o",
                out.to_str().expect("utf-8"),
                "--force",
            ],
            &out,
        );
        assert_eq!(forced.code, 0, "{}", forced.stderr);
        assert_eq!(all_files(&out).len(), 1, "{:?}", all_files(&out));
    }
}

// ---- the mappers work side by side; what is reported is what reading in order gives ---

/// A bundle of `count` transactions made from `fixture`'s, each with an id of its own,
/// with `defects` applied: (index, JSON pointer inside the transaction, value).
fn many_transactions(count: usize, defects: &[(usize, &str, serde_json::Value)]) -> Vec<u8> {
    let mut bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("bundles/mixed-50.json")).expect("fixture"))
            .expect("JSON");
    let model = bundle["transactions"]
        .as_array()
        .expect("transactions")
        .clone();
    let transactions: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let mut t = model[i % model.len()].clone();
            t["id"] = format!("tx-{i:06}").into();
            for (at, pointer, value) in defects {
                if *at == i {
                    *t.pointer_mut(pointer).expect("pointer") = value.clone();
                }
            }
            t
        })
        .collect();
    bundle["transactions"] = transactions.into();
    serde_json::to_vec(&bundle).expect("JSON")
}

/// Several thousand transactions go through several batches and both mapping threads;
/// whichever finishes first, the error reported is the first in the file, and a parse
/// error only wins when it comes first.
#[test]
fn the_first_bad_transaction_in_the_file_is_the_one_reported() {
    let usd = || serde_json::Value::from("USD");
    let letters = || serde_json::Value::from("twelve euro");
    let cases = [
        // Two mapping errors in different batches.
        (
            vec![
                (1300, "/attributes/currency", usd()),
                (2900, "/attributes/currency", usd()),
            ],
            "transactions[1300].attributes.currency",
        ),
        // A mapping error before a parse error.
        (
            vec![
                (700, "/attributes/currency", usd()),
                (2100, "/attributes/amount", letters()),
            ],
            "transactions[700].attributes.currency",
        ),
        // A parse error before a mapping error.
        (
            vec![
                (700, "/attributes/amount", letters()),
                (2100, "/attributes/currency", usd()),
            ],
            "transactions[700].attributes.amount",
        ),
    ];
    let scratch = tempdir();
    for (n, (defects, expected)) in cases.iter().enumerate() {
        let bundle = scratch.path().join(format!("bundle-{n}.json"));
        std::fs::write(&bundle, many_transactions(3000, defects)).expect("bundle");
        for round in 0..6 {
            let out = scratch.path().join(format!("out-{n}-{round}"));
            std::fs::create_dir_all(&out).expect("out");
            let result = convert_into(&[&bundle], &out, &[]);
            assert_eq!(
                result.code, 65,
                "case {n}, round {round}: {}",
                result.stderr
            );
            assert!(
                result.stderr.contains(expected),
                "case {n}, round {round}: expected {expected}: {}",
                result.stderr
            );
            assert!(all_files(&out).is_empty(), "case {n}: nothing written");
        }
    }
}
