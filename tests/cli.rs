//! The terminal around the commands: completions, the man page, help, summaries.

use crate::sim_env::{SimEnv, days_ago, live};
use crate::util::*;

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = tempdir();
    for (shell, marker) in [
        ("bash", "_ponto2camt()"),
        ("zsh", "#compdef ponto2camt"),
        ("fish", "complete -c ponto2camt"),
    ] {
        let run = run(&["completions", shell], dir.path());
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(
            run.stdout.contains(marker),
            "{shell}: {}",
            &run.stdout[..run.stdout.len().min(300)]
        );
        assert!(
            run.stdout.contains("watch") && run.stdout.contains("check-config"),
            "{shell}"
        );
    }
    assert_eq!(
        super::util::run(&["completions", "tcsh"], dir.path()).code,
        2
    );
}

#[test]
fn the_man_page_is_roff_with_every_command_and_the_exit_codes() {
    let dir = tempdir();
    let run = run(&["man"], dir.path());
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.starts_with(".ie") || run.stdout.contains(".TH ponto2camt"),
        "{}",
        &run.stdout[..200]
    );
    for word in ["fetch", "watch", "status", "convert", "Exit codes", "78"] {
        assert!(
            run.stdout.contains(word),
            "{word} missing from the man page"
        );
    }
}

#[test]
fn help_lists_the_exit_codes() {
    let dir = tempdir();
    let run = run(&["--help"], dir.path());
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("Exit codes:") && run.stdout.contains("75"),
        "{}",
        run.stdout
    );
}

#[test]
fn fetch_says_in_one_line_what_it_did_even_when_nothing_is_new() {
    let env = SimEnv::start(5);
    let accounts: Vec<_> = env.accounts().into_iter().take(2).collect();
    env.write_config(&accounts, &days_ago(30), "");
    let first = live(&env, &["fetch"]);
    assert_eq!(first.code, 0, "{first:#?}");
    let last = first.stdout.lines().last().unwrap_or_default();
    assert!(last.contains("delivered for 2 account(s)"), "{first:#?}");
    let again = live(&env, &["fetch"]);
    assert_eq!(
        again.stdout.trim(),
        "nothing new for 2 account(s)",
        "{again:#?}"
    );
    let quiet = live(&env, &["-q", "fetch"]);
    assert_eq!(quiet.stdout.trim(), "", "cron mails whatever is printed");
}

#[test]
fn an_unknown_time_zone_is_a_usage_error_naming_the_option() {
    let dir = tempdir();
    let bundle = fixture("bundles/belgian-ordinary.json");
    let run = run(
        &[
            "convert",
            bundle.to_str().expect("path"),
            "--timezone",
            "Mars/Base",
            "-o",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("--timezone") && run.stderr.contains("Europe/Brussels"),
        "{run:#?}"
    );
}

#[test]
fn export_since_takes_days_as_people_type_them_or_says_the_format() {
    let dir = tempdir();
    let bad = run(&["export", "--since", "yesterday"], dir.path());
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(bad.stderr.contains("2026-11-01"), "{bad:#?}");
    // A good day gets past the argument check (and fails later for want of credentials).
    let good = run(&["export", "--since", "1.11.2026"], dir.path());
    assert_eq!(good.code, 78, "{good:#?}");
}
