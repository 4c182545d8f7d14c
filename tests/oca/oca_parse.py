#!/usr/bin/env python3
"""Parse camt files with the REAL OCA camt parser (Odoo 18 module
`account_statement_import_camt`, PyPI wheel odoo-addon-account-statement-import-camt
18.0.1.0.1.1) and print what Odoo would import, as one JSON document:

    python3 tests/oca/oca_parse.py FILE...

    [{"file": ..., "currency": ..., "account_number": ...,
      "statements": [{"name", "balance_start", "balance_end_real", "date",
                      "transactions": [{"date", "amount", "payment_ref", "partner_name",
                                        "account_number", "ref", "transaction_type",
                                        "narration"}]}]}]

Amounts are strings holding repr() of the parser's float. A file the parser rejects gives
{"file": ..., "error": ...} and exit code 1 (after printing everything). Exit 2 when lxml
or the wheel cannot be had.

The wheel is not installed: the parser module's source is read from it with zipfile and
executed against a minimal stand-in for the `odoo` package (`models.AbstractModel` and
`self.env._`). Where the wheel comes from: $OCA_CAMT_WHEEL (a .whl path), else
tests/.cache/*.whl, else `pip download` into tests/.cache.
"""

import glob
import json
import os
import subprocess
import sys
import types
import zipfile
from types import SimpleNamespace

PACKAGE = "odoo-addon-account-statement-import-camt"
VERSION = "18.0.1.0.1.1"
MODULE_PATH = "odoo/addons/account_statement_import_camt/models/account_statement_import_camt_parser.py"
CACHE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".cache")

EXIT_REJECTED = 1
EXIT_UNAVAILABLE = 2


class Unavailable(Exception):
    """lxml or the wheel cannot be had: the check cannot run at all."""


def find_wheel() -> str:
    explicit = os.environ.get("OCA_CAMT_WHEEL")
    if explicit:
        if not os.path.isfile(explicit):
            raise Unavailable(f"OCA_CAMT_WHEEL={explicit} is not a file")
        return explicit
    pattern = os.path.join(CACHE, f"odoo_addon_account_statement_import_camt-{VERSION}-*.whl")
    found = sorted(glob.glob(pattern))
    if found:
        return found[0]
    return download_wheel(pattern)


def download_wheel(pattern: str) -> str:
    os.makedirs(CACHE, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", CACHE,
               f"{PACKAGE}=={VERSION}"]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found = sorted(glob.glob(pattern))
    if done.returncode != 0 or not found:
        tail = "\n".join(done.stdout.strip().splitlines()[-5:])
        raise Unavailable(f"cannot download the OCA wheel ({' '.join(command)}):\n{tail}\n"
                          f"set OCA_CAMT_WHEEL to a downloaded {PACKAGE}-{VERSION} wheel")
    return found[0]


def parser_source(wheel: str) -> str:
    try:
        with zipfile.ZipFile(wheel) as z:
            return z.read(MODULE_PATH).decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise Unavailable(f"{wheel}: cannot read {MODULE_PATH}: {e}") from e


def install_fake_odoo():
    """Just enough of `odoo` for the parser module: `from odoo import models`."""

    class AbstractModel:
        _name = None
        _description = None

        def __init__(self, env=None):
            self.env = env

    odoo = types.ModuleType("odoo")
    models = types.ModuleType("odoo.models")
    models.AbstractModel = AbstractModel
    odoo.models = models
    sys.modules.setdefault("odoo", odoo)
    sys.modules.setdefault("odoo.models", models)


def load_parser():
    try:
        import lxml.etree  # noqa: F401  (the parser imports it; fail here with a clear message)
    except ImportError as e:
        raise Unavailable("python module lxml is missing: `pip install lxml` or "
                          "`apt-get install python3-lxml`") from e
    wheel = find_wheel()
    install_fake_odoo()
    namespace = {"__name__": "oca_camt_parser"}
    exec(compile(parser_source(wheel), f"{wheel}!{MODULE_PATH}", "exec"), namespace)
    cls = namespace["AccountStatementImportCamtParser"]
    return cls(env=SimpleNamespace(_=lambda s: s))


def amount(value):
    return None if value is None else repr(float(value))


def transaction_view(t):
    return {
        "date": t.get("date"),
        "amount": amount(t.get("amount")),
        "payment_ref": t.get("payment_ref"),
        "partner_name": t.get("partner_name"),
        "account_number": t.get("account_number"),
        "ref": t.get("ref"),
        "transaction_type": t.get("transaction_type"),
        "narration": t.get("narration"),
    }


def statement_view(s):
    return {
        "name": s.get("name"),
        "balance_start": amount(s.get("balance_start")),
        "balance_end_real": amount(s.get("balance_end_real")),
        "date": s.get("date"),
        "transactions": [transaction_view(t) for t in s.get("transactions", [])],
    }


def parse_file(parser, path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return {"file": path, "error": f"cannot read: {e}"}
    try:
        currency, account_number, statements = parser.parse(data)
    except Exception as e:  # whatever the importer raises is a rejection by Odoo
        return {"file": path, "error": f"{type(e).__name__}: {e}"}
    if not statements:
        # The import wizard raises "You have already imported this file, or this file only
        # contains already imported transactions." for a file without lines.
        return {"file": path, "error": "no statement with transactions (Odoo rejects the file)"}
    return {
        "file": path,
        "currency": currency,
        "account_number": account_number,
        "statements": [statement_view(s) for s in statements],
    }


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 0 if argv else 64
    try:
        parser = load_parser()
    except Unavailable as e:
        print(f"oca_parse: cannot run the OCA parser: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    results = [parse_file(parser, path) for path in argv]
    json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_REJECTED if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
