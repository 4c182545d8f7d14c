#!/usr/bin/env python3
"""Self-test of the fixtures and the harness, independent of the Rust converter:
writes each fixture bundle as camt.053 with a deliberately small Python rendering of the
DESIGN.md mapping rules, validates it with xmllint (when installed), parses it with the
real OCA parser (oca_parse.py) and checks NAME.expect.json (check_expectations.py).

    python3 tests/oca/selftest.py [OUT_DIR]

Passing shows that the expectations are satisfiable by a converter that follows
DESIGN.md and that both scripts work; it says nothing about the Rust converter.
Exit 0 all good, 1 a mismatch, 2 a tool missing (lxml, the wheel).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "fixtures", "bundles"))
from fixturelib import (  # noqa: E402
    DEFAULT_ZONE, MINOR_UNITS, booking_date, clean, iban_is_valid,
)

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
KNOWN_CODES = {  # the few ISO combinations the fixtures use; the product ships the full list
    "PMNT-RCDT-ESCT", "PMNT-ICDT-ESCT", "PMNT-ICDT-STDO", "PMNT-RCDT-SALA", "PMNT-RCDT-XBCT",
    "PMNT-ICDT-XBCT", "PMNT-RDDT-ESDD", "PMNT-RDDT-BBDD", "PMNT-RDDT-UPDD", "PMNT-IDDT-ESDD",
    "PMNT-IDDT-UPDD", "PMNT-CCRD-POSD", "PMNT-CCRD-CWDL", "PMNT-CNTR-CDPT", "ACMT-MDOP-CHRG",
    "PMNT-RCDT-DMCT", "PMNT-ICDT-DMCT",
}


def el(parent, tag, text=None, **attrs):
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def cut(text, n):
    return text[:n] if text else text


def chunks(text, n):
    return [text[i:i + n] for i in range(0, len(text), n)]


def money(value, currency):
    places = MINOR_UNITS.get(currency, 2)
    return str(abs(Decimal(str(value))).quantize(Decimal(1).scaleb(-places)))


def balance(stmt, code, value, currency, day):
    bal = el(stmt, "Bal")
    el(el(el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    el(bal, "Amt", money(value, currency), Ccy=currency)
    el(bal, "CdtDbtInd", "CRDT" if value >= 0 else "DBIT")
    el(el(bal, "Dt"), "Dt", day)


def bank_code(entry, a):
    code = (a.get("bankTransactionCode") or "").upper()
    proprietary = clean(a.get("proprietaryBankTransactionCode"))
    bk = el(entry, "BkTxCd")
    if code not in KNOWN_CODES and not proprietary:
        code = "PMNT-NTAV-NTAV"
    if code in KNOWN_CODES or code == "PMNT-NTAV-NTAV":
        domain, family, sub = code.split("-")
        d = el(bk, "Domn")
        el(d, "Cd", domain)
        f = el(d, "Fmly")
        el(f, "Cd", family)
        el(f, "SubFmlyCd", sub)
    if proprietary:
        el(el(bk, "Prtry"), "Cd", cut(proprietary, 35))


def party(details, a, credit):
    name = cut(clean(a.get("counterpartName")), 140)
    ref = clean(a.get("counterpartReference"))
    if not name and not ref:
        return
    side = "Dbtr" if credit else "Cdtr"
    parties = el(details, "RltdPties")
    if name:
        el(el(parties, side), "Nm", name)
    if ref:
        ident = el(el(parties, f"{side}Acct"), "Id")
        if iban_is_valid(ref):
            el(ident, "IBAN", re.sub(r"\s+", "", ref).upper())
        else:
            el(el(ident, "Othr"), "Id", cut(ref, 34))


def entry(stmt, t, currency, zone):
    a = t["attributes"]
    amount = Decimal(str(a["amount"]))
    credit = amount > 0
    ref = t["id"].replace("-", "")
    ntry = el(stmt, "Ntry")
    el(ntry, "Amt", money(amount, currency), Ccy=currency)
    el(ntry, "CdtDbtInd", "CRDT" if credit else "DBIT")
    el(ntry, "Sts", "BOOK")
    el(el(ntry, "BookgDt"), "Dt", booking_date(a["executionDate"], zone))
    if a.get("valueDate"):
        el(el(ntry, "ValDt"), "Dt", booking_date(a["valueDate"], zone))
    el(ntry, "AcctSvcrRef", ref)
    bank_code(ntry, a)
    details = el(el(ntry, "NtryDtls"), "TxDtls")
    refs = el(details, "Refs")
    el(refs, "AcctSvcrRef", ref)
    if clean(a.get("endToEndId")):
        el(refs, "EndToEndId", cut(clean(a["endToEndId"]), 35))
    if clean(a.get("mandateId")):
        el(refs, "MndtId", cut(clean(a["mandateId"]), 35))
    party(details, a, credit)
    remittance = clean(a.get("remittanceInformation"))
    structured = remittance if a.get("remittanceInformationType") == "structured" else None
    unstructured = None if structured else remittance
    if remittance:
        rmt = el(details, "RmtInf")
        for part in chunks(unstructured or "", 140):
            el(rmt, "Ustrd", part)
        if structured:
            cri = el(el(rmt, "Strd"), "CdtrRefInf")
            el(el(el(cri, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            el(cri, "Ref", cut(structured, 35))
    if not unstructured:
        label = structured or " ".join(
            x for x in (clean(a.get("description")), clean(a.get("counterpartName"))) if x)
        if label:
            el(details, "AddtlTxInf", cut(label, 500))
    if clean(a.get("description")):
        el(ntry, "AddtlNtryInf", cut(clean(a["description"]), 500))


def render(bundle):
    acc = bundle["account"]["attributes"]
    currency = acc["currency"]
    fi = (bundle.get("financialInstitution") or {}).get("attributes", {})
    zone = fi.get("timeZone") or DEFAULT_ZONE
    txs = sorted(bundle["transactions"], key=lambda t: t["attributes"]["executionDate"])
    end = Decimal(str(acc["currentBalance"]))
    start = end - sum(Decimal(str(t["attributes"]["amount"])) for t in txs)
    first = booking_date(txs[0]["attributes"]["executionDate"], zone)
    last = booking_date(txs[-1]["attributes"]["executionDate"], zone)
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    top = el(root, "BkToCstmrStmt")
    header = el(top, "GrpHdr")
    el(header, "MsgId", "SELFTEST-" + bundle["account"]["id"].replace("-", "")[:20])
    el(header, "CreDtTm", "2025-01-01T00:00:00Z")
    stmt = el(top, "Stmt")
    el(stmt, "Id", "SELFTEST-" + bundle["account"]["id"].replace("-", "")[:20])
    el(stmt, "ElctrncSeqNb", "1")
    el(stmt, "CreDtTm", "2025-01-01T00:00:00Z")
    account = el(stmt, "Acct")
    el(el(account, "Id"), "IBAN", acc["reference"])
    el(account, "Ccy", currency)
    balance(stmt, "OPBD", start, currency, first)
    balance(stmt, "CLBD", end, currency, last)
    for t in txs:
        entry(stmt, t, currency, zone)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def main(argv):
    out = argv[0] if argv else tempfile.mkdtemp(prefix="oca-selftest-")
    os.makedirs(out, exist_ok=True)
    xsd = os.path.join(ROOT, "schemas", "camt.053.001.02.xsd")
    xmllint = shutil.which("xmllint") if os.path.exists(xsd) else None
    failures = 0
    for bundle_path in sorted(glob.glob(os.path.join(ROOT, "fixtures", "bundles", "*.json"))):
        if bundle_path.endswith(".expect.json"):
            continue
        name = os.path.basename(bundle_path)[:-len(".json")]
        with open(bundle_path, encoding="utf-8") as f:
            bundle = json.load(f)
        xml_path = os.path.join(out, f"{name}.xml")
        with open(xml_path, "wb") as f:
            f.write(render(bundle))
        if xmllint:
            v = subprocess.run([xmllint, "--noout", "--schema", xsd, xml_path],
                               capture_output=True, text=True)
            if v.returncode != 0:
                failures += 1
                print(f"{name}: XSD invalid\n{v.stderr}")
        parsed_path = os.path.join(out, f"{name}.oca.json")
        with open(parsed_path, "w", encoding="utf-8") as f:
            p = subprocess.run([sys.executable, os.path.join(HERE, "oca_parse.py"), xml_path],
                               stdout=f)
        if p.returncode == 2:
            return 2
        c = subprocess.run([sys.executable, os.path.join(HERE, "check_expectations.py"),
                            bundle_path[:-len(".json")] + ".expect.json", parsed_path])
        failures += c.returncode != 0
    print(f"selftest: {failures} failing bundle(s); outputs in {out}"
          + ("" if xmllint else " (xmllint or schema missing: XSD not checked)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
