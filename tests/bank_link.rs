//! Consent and synchronization health (issue #10 §2): every run records what Ponto says
//! of each account's link to its bank, and `status` reports it — warnings for a consent
//! about to expire, problems (`status --check` exits 1) for the rest.

use crate::sim_env::*;
use chrono::{DateTime, Duration, Utc};

fn noon_today() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&noon(0))
        .expect("noon")
        .to_utc()
}

fn fetch_ok(env: &SimEnv) {
    let run = live(env, &["fetch"]);
    assert_eq!(run.code, 0, "fetch failed: {run:#?}");
}

fn kinds(env: &SimEnv, field: &str) -> Vec<String> {
    let run = live(env, &["status", "--json"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    value[0][field]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn status_reports_the_bank_link_as_the_last_run_saw_it() {
    let env = SimEnv::start(5);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    let now = noon_today();
    env.sim
        .set_synchronized_at(&account.id, now - Duration::hours(2));
    env.sim
        .set_authorization_expiry(&account.id, Some(now + Duration::days(5)));
    fetch_ok(&env);
    assert_eq!(kinds(&env, "warnings"), ["consent_expiring"]);
    assert!(kinds(&env, "problems").is_empty());
    let check = live(&env, &["status", "--check"]);
    assert_eq!(check.code, 0, "a warning is not a problem: {check:#?}");
    assert!(check.stdout.contains("consent_expiring"), "{check:#?}");
    let text = live(&env, &["status"]);
    assert!(text.stdout.contains("bank link"), "{text:#?}");

    env.sim
        .set_authorization_expiry(&account.id, Some(now - Duration::days(1)));
    env.sim.set_availability(&account.id, "unavailable");
    env.sim
        .set_latest_synchronization_error(&account.id, "authorizationExpired", "renew it");
    fetch_ok(&env);
    let problems = kinds(&env, "problems");
    for kind in ["consent_expired", "account_unavailable", "sync_failed"] {
        assert!(problems.iter().any(|k| k == kind), "{kind}: {problems:?}");
    }
    let check = live(&env, &["status", "--check"]);
    assert_eq!(check.code, 1, "{check:#?}");
    assert!(check.stdout.contains("consent_expired"), "{check:#?}");
}

#[test]
fn a_synchronization_older_than_stale_after_is_a_problem() {
    let env = SimEnv::start(5);
    let account = env.accounts()[0].clone();
    env.write_config(std::slice::from_ref(&account), &days_ago(30), "");
    env.sim
        .set_synchronized_at(&account.id, noon_today() - Duration::hours(40));
    fetch_ok(&env);
    assert_eq!(kinds(&env, "problems"), ["sync_stale"]);
    // the operator's thresholds are honoured
    env.write_config(
        std::slice::from_ref(&account),
        &days_ago(30),
        "stale_after = \"3d\"\nconsent_warn_days = 0",
    );
    assert!(kinds(&env, "problems").is_empty());
    let check = live(&env, &["status", "--check"]);
    assert_eq!(check.code, 0, "{check:#?}");
}
