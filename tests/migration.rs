//! Switching from Odoo's Ponto module (issue #10 §4): `start_after_id` (Odoo's "Ponto
//! Last Identifier") marks what Odoo imported already, `opening_balance` (Odoo's last
//! closing balance) opens the first statement.

use crate::sim_env::*;
use crate::util::*;
use ponto_sim::ListingOrder;

fn with_migration(env: &SimEnv, account: &ponto_sim::SimAccount, keys: &str) {
    env.write_config(std::slice::from_ref(account), &days_ago(60), "");
    let mut text = std::fs::read_to_string(env.config_path()).expect("config");
    text.push_str(keys);
    std::fs::write(env.config_path(), text).expect("config written");
}

fn opening_of_first_statement(env: &SimEnv) -> String {
    let files = env.published_files();
    let reader = std::io::BufReader::new(std::fs::File::open(&files[0]).expect("open"));
    let document = camt053::read_document(reader).expect("camt");
    let statement = &document.statements[0];
    let opening = statement
        .header
        .balances
        .iter()
        .find(|b| b.kind == camt053::BalanceType::OpeningBooked)
        .expect("an opening balance");
    opening.amount.to_string()
}

#[test]
fn start_after_id_delivers_only_what_ponto_lists_before_it_in_either_order() {
    for order in [ListingOrder::Created, ListingOrder::Execution] {
        let env = SimEnv::start(50);
        env.sim.set_listing_order(order);
        let account = env.accounts()[0].clone();
        let listed = env.sim.booked_transaction_ids(&account.id);
        let last_in_odoo = listed[10].clone();
        with_migration(
            &env,
            &account,
            &format!("start_after_id = \"{last_in_odoo}\"\nopening_balance = \"1000.00\"\n"),
        );
        let preview = live(&env, &["fetch", "--dry-run"]);
        assert_eq!(preview.code, 0, "{preview:#?}");
        assert!(
            env.published_files().is_empty(),
            "a dry run delivers nothing"
        );
        let run = live(&env, &["fetch"]);
        assert_eq!(run.code, 0, "{order:?}: {run:#?}");
        let expected: Vec<String> = listed[..10].iter().map(|id| id.replace('-', "")).collect();
        assert_exactly_once(&env.delivered_counts(), &expected);
        assert_eq!(opening_of_first_statement(&env), "1000.00", "{order:?}");
        assert_xsd_valid(&env.published_files());
        // a late booking is delivered; what Odoo had stays out, look-back or not
        let late = env.sim.add_backdated_transaction(&account.id, 2);
        let run = live(&env, &["fetch"]);
        assert_eq!(run.code, 0, "{order:?}: {run:#?}");
        let mut expected = expected;
        expected.push(late.replace('-', ""));
        assert_exactly_once(&env.delivered_counts(), &expected);
    }
}

#[test]
fn an_unknown_start_after_id_delivers_nothing_and_names_the_key() {
    let env = SimEnv::start(20);
    let account = env.accounts()[0].clone();
    with_migration(&env, &account, "start_after_id = \"no-such-transaction\"\n");
    let run = live(&env, &["fetch"]);
    assert_eq!(run.code, 78, "{run:#?}");
    assert!(
        run.stderr.contains("accounts[0].start_after_id"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("start_date"),
        "the hint says what to check: {run:#?}"
    );
    assert!(env.published_files().is_empty());
}
