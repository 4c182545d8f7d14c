//! The systemd units in `contrib/` are what systemd accepts: `systemd-analyze verify`
//! finds no error and no warning (it exits 0 on warnings, so its output is checked too).

use crate::util::*;
use std::process::Command;

const UNITS: &[&str] = &[
    "ponto2camt-watch.service",
    "ponto2camt-fetch.service",
    "ponto2camt-fetch.timer",
];

#[test]
fn systemd_accepts_the_shipped_units() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        missing_tool("systemd-analyze (Debian package systemd)");
        return;
    }
    let dir = tempdir();
    let binary = env!("CARGO_BIN_EXE_ponto2camt");
    let mut paths = Vec::new();
    for unit in UNITS {
        let text = std::fs::read_to_string(root().join("contrib").join(unit)).expect("unit");
        // verify checks that ExecStart's program exists: point it at the one just built.
        let text = text.replace("/usr/bin/ponto2camt", binary);
        let path = dir.path().join(unit);
        std::fs::write(&path, text).expect("copy");
        paths.push(path);
    }
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .args(&paths)
        .current_dir(dir.path())
        .output()
        .expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let findings: Vec<&str> = stderr
        .lines()
        .filter(|line| UNITS.iter().any(|unit| line.contains(unit)))
        .collect();
    assert!(findings.is_empty(), "systemd-analyze found: {findings:#?}");
}

#[test]
fn the_daemon_unit_is_hardened_and_reloads_with_sighup() {
    let text =
        std::fs::read_to_string(root().join("contrib/ponto2camt-watch.service")).expect("unit");
    for line in [
        "Type=notify",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "UMask=0027",
        "StateDirectory=ponto2camt",
        "WatchdogSec=",
    ] {
        assert!(text.lines().any(|l| l.starts_with(line)), "missing {line}");
    }
    assert!(
        text.contains("ReadWritePaths=/var/lib/ponto2camt"),
        "state folder writable"
    );
}
