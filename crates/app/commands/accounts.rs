//! `ponto2camt accounts`: what the integration can read, with warnings a bookkeeper must
//! act on (consent expiring or expired, data not synchronized, a replaced account).

use crate::cli::AccountsArgs;
use crate::error::CliError;
use crate::output;
use pipeline::accounts::{self, AccountView};
use serde_json::{Value, json};
use std::path::Path;

pub fn run(config: Option<&Path>, args: &AccountsArgs) -> Result<(), CliError> {
    let (accesses, limits) = pipeline::connect::accesses_and_limits(config, &super::env)?;
    let views = accounts::list(&accesses, limits, pipeline::clock::now())?;
    if args.json {
        output::line(serde_json::to_string_pretty(&render_json(&views)).unwrap_or_default());
    } else {
        output::print(&render_text(&views));
    }
    Ok(())
}

/// Amounts with the currency's minor units (`57546.40`, JPY `1200`); times in UTC and
/// saying so (`2026-12-01 09:30 UTC`); the consent's last day as a date (UTC).
fn render_text(views: &[AccountView]) -> String {
    let mut out = format!(
        "{:<34}  {:<3}  {:>15}  {:<24}  {:<20}  {}\n",
        "account", "ccy", "balance", "bank", "synchronized", "consent until"
    );
    for v in views {
        out.push_str(&format!(
            "{:<34}  {:<3}  {:>15}  {:<24}  {:<20}  {}\n",
            v.reference,
            v.currency,
            v.current_balance.as_deref().unwrap_or("-"),
            v.bank.as_deref().unwrap_or("-"),
            v.synchronized_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "-".into()),
            v.consent_expires
                .map(|t| t.date_naive().to_string())
                .unwrap_or_else(|| "-".into()),
        ));
        for w in &v.warnings {
            out.push_str(&format!("  warning: {w}\n"));
        }
    }
    out
}

fn render_json(views: &[AccountView]) -> Value {
    Value::Array(
        views
            .iter()
            .map(|v| {
                json!({
                    "organization": v.organization,
                    "id": v.id,
                    "reference": v.reference,
                    "currency": v.currency,
                    "current_balance": v.current_balance,
                    "bank": v.bank,
                    "synchronized_at": v.synchronized_at.map(|t| t.to_rfc3339()),
                    "consent_expires": v.consent_expires.map(|t| t.to_rfc3339()),
                    "warnings": v.warnings,
                })
            })
            .collect(),
    )
}
