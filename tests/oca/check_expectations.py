#!/usr/bin/env python3
"""Compare what the OCA importer makes of our camt.053 output with what a bookkeeper
must see (fixtures/bundles/NAME.expect.json):

    python3 tests/oca/check_expectations.py EXPECT.json PARSED.json

PARSED.json is the output of oca_parse.py for all files converted from one bundle
("-" reads it from stdin). Transactions are matched by the Ponto id (hyphens removed),
which our output carries in TxDtls/Refs/AcctSvcrRef; OCA only exposes that inside the
line's narration. Statements: one statement is compared directly; several (daily
grouping) must chain (each opening = previous closing) from balance_start to balance_end.

Prints every mismatch as `file<TAB>ponto id<TAB>field<TAB>expected<TAB>got` and exits 1
if there is any, 0 otherwise. Exit 2 for unusable arguments or input.
"""

import json
import re
import sys
from decimal import Decimal, InvalidOperation

ACCT_SVCR_REF = re.compile(r"^Account Servicer Reference \(Refs/AcctSvcrRef\): (.*)$", re.M)
CENT = Decimal("0.01")


class Report:
    def __init__(self):
        self.mismatches = []

    def add(self, file, ponto_id, field, expected, got):
        self.mismatches.append((file, ponto_id, field, expected, got))

    def print(self, out):
        for row in self.mismatches:
            out.write("\t".join(show(v) for v in row) + "\n")


def show(value):
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)[1:-1]  # escapes newlines and tabs
    return json.dumps(value, ensure_ascii=False)


def money(text):
    try:
        return Decimal(str(text)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        return None


def same_money(expected, got):
    e, g = money(expected), money(got)
    return e is not None and e == g


def sanitize_account(text):
    """How Odoo compares account numbers (res.partner.bank.sanitized_acc_number)."""
    return re.sub(r"\W+", "", text).upper()


def text_matches(expected, got, sanitize=None):
    """expected: exact string, None (must be absent), or {"prefix", "max_chars"}."""
    norm = sanitize or (lambda s: s)
    if expected is None:
        return got is None or got == ""
    if got is None:
        return False
    if isinstance(expected, dict):
        ok = norm(got).startswith(norm(expected.get("prefix", "")))
        if "max_chars" in expected:
            ok = ok and len(got) <= expected["max_chars"]
        return ok
    return norm(got) == norm(expected)


def label_has(label, fragment):
    """A fragment may straddle a Ustrd split, which OCA joins with a newline."""
    return any(fragment in variant for variant in
               (label, label.replace("\n", " "), label.replace("\n", "")))


def ponto_id_of(transaction):
    found = ACCT_SVCR_REF.findall(transaction.get("narration") or "")
    return found[0].strip() if found else None


def check_transaction(report, file, pid, expected, got):
    if "amount" in expected and not same_money(expected["amount"], got.get("amount")):
        report.add(file, pid, "amount", expected["amount"], got.get("amount"))
    if "date" in expected and expected["date"] != got.get("date"):
        report.add(file, pid, "date", expected["date"], got.get("date"))
    if "partner_name" in expected and not text_matches(expected["partner_name"], got.get("partner_name")):
        report.add(file, pid, "partner_name", expected["partner_name"], got.get("partner_name"))
    if "account_number" in expected and not text_matches(
            expected["account_number"], got.get("account_number"), sanitize_account):
        report.add(file, pid, "account_number", expected["account_number"], got.get("account_number"))
    label = got.get("payment_ref") or ""
    for fragment in expected.get("label_contains", []):
        if not label_has(label, fragment):
            report.add(file, pid, "label_contains", fragment, label)
    if "label_not" in expected and label.strip() == expected["label_not"]:
        report.add(file, pid, "label_not", expected["label_not"], label)
    if "transaction_type" in expected and expected["transaction_type"] != got.get("transaction_type"):
        report.add(file, pid, "transaction_type", expected["transaction_type"], got.get("transaction_type"))
    if got.get("transaction_type") in expected.get("transaction_type_not", []):
        report.add(file, pid, "transaction_type_not", expected["transaction_type_not"], got.get("transaction_type"))


def check_statements(report, expect_file, want, statements):
    """statements: list of (file, statement) in file order."""
    if not statements:
        report.add(expect_file, "-", "statements", "at least one", 0)
        return
    if len(statements) == 1:
        file, s = statements[0]
        for field, key in (("balance_start", "balance_start"), ("balance_end", "balance_end_real")):
            if not same_money(want[field], s.get(key)):
                report.add(file, "-", field, want[field], s.get(key))
        return
    ordered = sorted(statements, key=lambda fs: fs[1].get("date") or "")
    first_file, first = ordered[0]
    last_file, last = ordered[-1]
    if not same_money(want["balance_start"], first.get("balance_start")):
        report.add(first_file, "-", "balance_start", want["balance_start"], first.get("balance_start"))
    if not same_money(want["balance_end"], last.get("balance_end_real")):
        report.add(last_file, "-", "balance_end", want["balance_end"], last.get("balance_end_real"))
    for (_, previous), (file, current) in zip(ordered, ordered[1:]):
        if not same_money(previous.get("balance_end_real"), current.get("balance_start")):
            report.add(file, "-", "balance_start (chain)", previous.get("balance_end_real"),
                       current.get("balance_start"))


def check(expect_file, expect, parsed):
    report = Report()
    want = expect["statement"]
    statements, seen = [], {}
    for result in parsed:
        file = result.get("file", "?")
        if "error" in result:
            report.add(file, "-", "parse", "accepted by OCA", result["error"])
            continue
        if want.get("currency") and result.get("currency") != want["currency"]:
            report.add(file, "-", "currency", want["currency"], result.get("currency"))
        if want.get("account") and not text_matches(want["account"], result.get("account_number"),
                                                    sanitize_account):
            report.add(file, "-", "account", want["account"], result.get("account_number"))
        for statement in result.get("statements", []):
            statements.append((file, statement))
            for t in statement.get("transactions", []):
                pid = ponto_id_of(t)
                if pid is None:
                    report.add(file, "?", "AcctSvcrRef", "Ponto id in narration", t.get("narration"))
                    continue
                seen.setdefault(pid, []).append((file, t))
    check_statements(report, expect_file, want, statements)
    for pid, expected in expect["transactions"].items():
        found = seen.get(pid, [])
        if not found:
            report.add(expect_file, pid, "transaction", "present", "missing")
            continue
        if len(found) > 1:
            report.add(found[1][0], pid, "transaction", "once", f"{len(found)} times")
        check_transaction(report, found[0][0], pid, expected, found[0][1])
    for pid, found in seen.items():
        if pid not in expect["transactions"]:
            report.add(found[0][0], pid, "transaction", "absent (not in the bundle)", "present")
    return report, len(expect["transactions"])


def load_json(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        expect, parsed = load_json(argv[0]), load_json(argv[1])
    except (OSError, ValueError) as e:
        print(f"check_expectations: {e}", file=sys.stderr)
        return 2
    if isinstance(parsed, dict):
        parsed = [parsed]
    report, count = check(argv[0], expect, parsed)
    report.print(sys.stdout)
    if report.mismatches:
        print(f"{argv[0]}: {len(report.mismatches)} mismatch(es) over {count} transactions",
              file=sys.stderr)
        return 1
    print(f"{argv[0]}: ok, {count} transactions as expected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
