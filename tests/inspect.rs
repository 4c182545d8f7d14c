//! `ponto2camt inspect` on our files and on real banks' files.

use crate::util::*;

#[test]
fn reads_the_real_bank_files() {
    let dir = shared().join("reference-camt");
    if !dir.is_dir() {
        missing_tool("../shared/reference-camt");
        return;
    }
    let files = xml_files(&dir);
    assert!(files.len() >= 7);
    for file in files {
        let result = run(&["inspect", file.to_str().expect("utf-8")], &root());
        assert_eq!(result.code, 0, "{}: {}", file.display(), result.stderr);
        assert!(result.stdout.contains("statement "), "{}", result.stdout);
        assert!(result.stdout.contains("balance"), "{}", result.stdout);
        let json = run(
            &["inspect", "--json", file.to_str().expect("utf-8")],
            &root(),
        );
        let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        assert!(
            !value[0]["statements"]
                .as_array()
                .expect("statements")
                .is_empty()
        );
    }
}

#[test]
fn the_multi_statement_file_gets_a_finding() {
    let file = shared().join("reference-camt/genkgo-nl-multi-stmt.camt053.xml");
    if !file.exists() {
        missing_tool("../shared/reference-camt");
        return;
    }
    let result = run(
        &["inspect", "--strict", file.to_str().expect("utf-8")],
        &root(),
    );
    assert_eq!(result.code, 65, "{}", result.stdout);
    assert!(result.stdout.contains("lint:"));
}

#[test]
fn shows_entries_of_our_own_output() {
    let out = tempdir();
    let bundle = fixture("bundles/german-ordinary.json");
    let result = run(
        &[
            "convert",
            bundle.to_str().expect("utf-8"),
            "-o",
            out.path().to_str().expect("utf-8"),
        ],
        out.path(),
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let file = xml_files(out.path()).remove(0);
    let shown = run(&["inspect", file.to_str().expect("utf-8")], out.path());
    assert_eq!(shown.code, 0);
    assert!(
        shown.stdout.contains("OPBD") && shown.stdout.contains("CLBD"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("lint: no findings"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_file_that_is_not_camt_exits_65() {
    let out = tempdir();
    let file = out.path().join("not.xml");
    std::fs::write(&file, "<html><body>hello</body></html>").expect("write");
    let result = run(&["inspect", file.to_str().expect("utf-8")], out.path());
    assert_eq!(result.code, 65, "{}", result.stderr);
    assert!(result.stderr.contains("not.xml"));
}
