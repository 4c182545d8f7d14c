//! Test harness: run the binary, temporary folders, and the outside checkers (xmllint with
//! the official XSD, the real OCA importer's parser). A checker that is missing fails the
//! test when `CI=true` and is skipped with a note otherwise.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The fixed clock for reproducible files.
pub const NOW: &str = "2024-03-08T06:00:00Z";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

pub fn schema() -> PathBuf {
    root().join("schemas/camt.053.001.02.xsd")
}

/// The team's shared folder beside the repository (reference bank files).
pub fn shared() -> PathBuf {
    root().join("../shared")
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A checker is missing: fail loudly in CI, otherwise say so and let the caller skip.
pub fn missing_tool(what: &str) -> bool {
    assert!(
        !in_ci(),
        "CI=true but {what} is not available: install it (see .ci/run)"
    );
    eprintln!("note: {what} not available, check skipped (it runs in CI)");
    false
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The binary, with no configuration or credentials from the machine running the tests.
pub fn ponto2camt() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ponto2camt"));
    cmd.env("PONTO2CAMT_NOW", NOW).stdin(Stdio::null());
    for var in [
        "PONTO_CLIENT_ID",
        "PONTO_CLIENT_SECRET",
        "PONTO_CLIENT_SECRET_FILE",
        "PONTO_API_URL",
        "PONTO2CAMT_CONFIG",
        "CREDENTIALS_DIRECTORY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` to its end.
pub fn output_of(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `ponto2camt convert BUNDLES... -o OUT EXTRA...`, run in `out`.
pub fn convert_into<P: AsRef<Path>>(bundles: &[P], out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = vec!["convert"];
    args.extend(
        bundles
            .iter()
            .map(|b| b.as_ref().to_str().expect("utf-8 path")),
    );
    args.extend(["-o", out.to_str().expect("utf-8 path")]);
    args.extend_from_slice(extra);
    run(&args, out)
}

pub fn run(args: &[&str], dir: &Path) -> Run {
    output_of(ponto2camt().args(args).current_dir(dir))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Files in `dir` ending in `.xml`, sorted.
pub fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

/// Everything in `dir`, including hidden files (to find leftovers).
pub fn all_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Validates every file against the official XSD; panics with xmllint's words on failure.
/// Returns false when xmllint is missing outside CI.
pub fn assert_xsd_valid(files: &[PathBuf]) -> bool {
    if files.is_empty() {
        return true;
    }
    let Ok(output) = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .args(files)
        .output()
    else {
        return missing_tool("xmllint (Debian libxml2-utils)");
    };
    assert!(
        output.status.success(),
        "XSD validation failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import lxml"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Parses files with the real OCA importer's parser; None when it cannot run outside CI.
pub fn oca_parse(files: &[PathBuf]) -> Option<serde_json::Value> {
    if !python_ready() {
        missing_tool("python3 with lxml");
        return None;
    }
    let output = Command::new("python3")
        .arg(root().join("tests/oca/oca_parse.py"))
        .args(files)
        .current_dir(root())
        .output()
        .expect("python3 runs");
    if output.status.code() == Some(2) {
        missing_tool(&format!(
            "the OCA parser ({})",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
        return None;
    }
    assert!(
        output.status.success(),
        "the OCA parser rejected a file:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("oca_parse.py prints JSON"))
}

/// Runs the expectation checker on an OCA parse; panics listing every mismatch.
pub fn assert_oca_expectations(expect: &Path, parsed: &serde_json::Value, scratch: &Path) {
    let parsed_file = scratch.join("oca-parsed.json");
    std::fs::write(&parsed_file, parsed.to_string()).expect("write parse");
    let output = Command::new("python3")
        .arg(root().join("tests/oca/check_expectations.py"))
        .arg(expect)
        .arg(&parsed_file)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "OCA import differs from {}:\n{}{}",
        expect.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
