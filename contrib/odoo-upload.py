#!/usr/bin/env python3
"""Import the camt.053 files ponto2camt delivers into Odoo bank journals.

Odoo does not watch a folder. Run this from cron or a systemd timer on a machine that
can read and write the drop folder. For each statement file in DROP_DIR (oldest first;
hidden and temporary files are skipped) it calls Odoo's statement import through the
external API (JSON-RPC, /jsonrpc), and only once Odoo has accepted the file moves it
into DROP_DIR/done/ (or deletes it, --delete). A file Odoo rejects stays where it is,
the error is printed, later files of the same account wait, and the exit status is 1.

Importers (--importer):
  oca         Odoo Community + OCA account_statement_import_file and
              account_statement_import_camt (16.0-18.0): the account.statement.import
              wizard (statement_file, import_file_button).
  enterprise  Odoo Enterprise account_bank_statement_import_camt (17.0/18.0): an
              ir.attachment handed to account.journal.create_document_from_attachment,
              as the journal's Upload button does.

The journal is looked up by the statement's IBAN (Stmt/Acct/Id/IBAN) and currency among
the bank journals, unless --journal names one (then every file must belong to it).

A file Odoo reports as already imported (every transaction in it is there already:
a previous run was cut off after Odoo accepted it) counts as accepted.

Configuration (arguments override the environment):
  ODOO_URL           https://odoo.example.com (plain http only to a loopback address)
  ODOO_DB            the database name
  ODOO_USER          the login of the user importing (needs the Accounting user rights)
  ODOO_API_KEY       an API key of that user (Preferences > Account Security), or
  ODOO_API_KEY_FILE  a file holding it (default: $CREDENTIALS_DIRECTORY/odoo_api_key
                     when that exists, for systemd's LoadCredential=)
  ODOO_JOURNAL_ID    optional: the journal's database id
  ODOO_IMPORTER      oca (default) or enterprise

Exit status: 0 every file imported (or none waiting); 1 Odoo rejected a file (it was
kept); 2 usage or configuration error; 3 Odoo could not be reached or the login failed
(files kept; a file being sent when the connection broke may have been imported: the
next run finds it "already imported" and moves it); 75 another run holds DROP_DIR.

Python 3.8+, standard library only.
"""

import argparse
import base64
import fcntl
import ipaddress
import itertools
import json
import os
import re
import socket
import ssl
import stat
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_BUSY = 75

# The English texts of "nothing new in this file" (OCA 16-18; Enterprise 17/18). Odoo is
# asked for English messages (context lang en_US) so that these match.
ALREADY_IMPORTED = re.compile(r"already (?:have )?imported (?:this|that) file", re.IGNORECASE)

TEMPORARY_SUFFIXES = (".part", ".tmp", "~")
# What is read at most: a statement file (Odoo's import takes far less in one request)
# and an answer of Odoo's.
MAX_STATEMENT_BYTES = 128 * 1024 * 1024
MAX_ANSWER_BYTES = 16 * 1024 * 1024


class Rejected(Exception):
    """Odoo (or this script, before sending) refused a file; the message says why."""


class Unreachable(Exception):
    """Odoo did not answer, or answered something that is not JSON-RPC."""


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = Settings(args)
    except ValueError as e:
        print(f"odoo-upload: {e}", file=sys.stderr)
        return EXIT_USAGE

    try:
        lock = hold_lock(settings.drop_dir)
    except BlockingIOError:
        print(f"odoo-upload: another run is uploading from {settings.drop_dir}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as e:
        print(f"odoo-upload: cannot open {settings.drop_dir}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return upload_all(settings)
    finally:
        os.close(lock)


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="odoo-upload.py",
        description="Import the camt.053 files in DROP_DIR into Odoo bank journals, "
        "oldest first; a file leaves DROP_DIR (to done/) only after Odoo accepted it.",
        epilog="Environment: ODOO_URL, ODOO_DB, ODOO_USER, ODOO_API_KEY or "
        "ODOO_API_KEY_FILE, ODOO_JOURNAL_ID, ODOO_IMPORTER. Exit status: 0 ok, "
        "1 a file was rejected (kept), 2 usage, 3 Odoo unreachable or login failed, "
        "75 another run is busy.",
    )
    parser.add_argument("drop_dir", metavar="DROP_DIR", help="the folder ponto2camt delivers into")
    parser.add_argument("--url", default=env("ODOO_URL"), help="Odoo's address [ODOO_URL]")
    parser.add_argument("--db", default=env("ODOO_DB"), help="database name [ODOO_DB]")
    parser.add_argument("--user", default=env("ODOO_USER"), help="login [ODOO_USER]")
    parser.add_argument(
        "--api-key-file",
        default=env("ODOO_API_KEY_FILE"),
        help="file holding the user's API key [ODOO_API_KEY_FILE; or ODOO_API_KEY itself]",
    )
    parser.add_argument(
        "--journal",
        type=int,
        default=env("ODOO_JOURNAL_ID"),
        help="the bank journal's id; default: found by each file's IBAN [ODOO_JOURNAL_ID]",
    )
    parser.add_argument(
        "--importer",
        choices=["oca", "enterprise"],
        default=env("ODOO_IMPORTER", "oca"),
        help="which Odoo statement import is installed [ODOO_IMPORTER, default oca]",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--done-dir",
        help="where accepted files go (default DROP_DIR/done; same file system)",
    )
    where.add_argument("--delete", action="store_true", help="delete accepted files instead")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only problems (for cron)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for Odoo per call (300)"
    )
    return parser.parse_args(argv)


class Settings:
    def __init__(self, args):
        missing = [
            name
            for name, value in (("--url/ODOO_URL", args.url), ("--db/ODOO_DB", args.db),
                                ("--user/ODOO_USER", args.user))
            if not value
        ]
        if missing:
            raise ValueError("missing " + ", ".join(missing))
        self.url = check_url(args.url)
        self.db = args.db
        self.user = args.user
        self.api_key = read_api_key(args.api_key_file)
        self.journal = int(args.journal) if args.journal not in (None, "") else None
        if args.importer not in ("oca", "enterprise"):
            raise ValueError(f"ODOO_IMPORTER must be oca or enterprise, not {args.importer!r}")
        self.importer = args.importer
        self.drop_dir = args.drop_dir
        if not os.path.isdir(self.drop_dir):
            raise ValueError(f"{self.drop_dir} is not a folder")
        self.delete = args.delete
        self.done_dir = args.done_dir or os.path.join(self.drop_dir, "done")
        self.timeout = args.timeout
        self.quiet = args.quiet


def check_url(url):
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"ODOO_URL must be an http(s) address, not {url!r}")
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise ValueError("ODOO_URL must use https (the API key would travel in clear text); "
                         "plain http is accepted only for a loopback address")
    return url.rstrip("/")


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_api_key(path):
    if not path and not os.environ.get("ODOO_API_KEY"):
        credentials = os.environ.get("CREDENTIALS_DIRECTORY")
        candidate = credentials and os.path.join(credentials, "odoo_api_key")
        if candidate and os.path.exists(candidate):
            path = candidate
    if path:
        try:
            with open(path, "rb") as f:
                key = f.read(4097)
        except OSError as e:
            raise ValueError(f"cannot read the API key file {path}: {e.strerror}") from None
        if len(key) > 4096:
            raise ValueError(f"the API key file {path} is larger than 4 KiB")
        key = key.decode("utf-8", "replace").strip()
    else:
        key = (os.environ.get("ODOO_API_KEY") or "").strip()
    if not key:
        raise ValueError("no API key: set ODOO_API_KEY or ODOO_API_KEY_FILE (--api-key-file)")
    return key


def hold_lock(folder):
    """An exclusive lock on the drop folder itself: one run at a time."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def waiting_files(folder):
    """Statement files in `folder`, oldest first: regular *.xml files, not hidden, not
    temporary (ponto2camt writes `.NAME.xml.part` and renames it when complete)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.endswith(TEMPORARY_SUFFIXES):
                continue
            if not name.lower().endswith(".xml"):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((info.st_mtime_ns, name))
    return [os.path.join(folder, name) for _, name in sorted(found)]


def statement_account(data):
    """(account, currency) of a camt.053 statement: Stmt/Acct/Id/IBAN (or Othr/Id) and
    Stmt/Acct/Ccy (or the first balance's currency)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise Rejected(f"not an XML document ({e})") from None
    statement = child(root, "BkToCstmrStmt", "Stmt")
    account = child(statement, "Acct")
    number = child(account, "Id", "IBAN")
    if number is None:
        number = child(account, "Id", "Othr", "Id")
    if number is None or not (number.text or "").strip():
        raise Rejected("no account (BkToCstmrStmt/Stmt/Acct/Id) in it: not a camt.053 file?")
    currency = child(account, "Ccy")
    if currency is not None and (currency.text or "").strip():
        currency = currency.text.strip()
    else:
        amount = child(statement, "Bal", "Amt")
        currency = amount.get("Ccy") if amount is not None else None
    return number.text.strip(), currency


def child(element, *path):
    """The first element along `path` (local names, any namespace), or None."""
    for tag in path:
        if element is None:
            return None
        element = next((c for c in element if c.tag.rsplit("}", 1)[-1] == tag), None)
    return element


class Odoo:
    def __init__(self, settings):
        self.settings = settings
        self.ids = itertools.count(1)
        self.context = {"lang": "en_US"}
        self.ssl = ssl.create_default_context()
        self.uid = self.call("common", "authenticate",
                             settings.db, settings.user, settings.api_key, {})
        if not self.uid:
            raise Unreachable(f"login as {settings.user!r} to database {settings.db!r} "
                              "refused: check ODOO_USER, ODOO_DB and the API key")

    def call(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self.ids),
            "params": {"service": service, "method": method, "args": list(args)},
        }
        request = urllib.request.Request(
            self.settings.url + "/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout,
                                        context=self.ssl) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
                if len(body) > MAX_ANSWER_BYTES:
                    raise Unreachable(f"{self.settings.url}/jsonrpc answered more than "
                                      f"{MAX_ANSWER_BYTES} bytes")
                answer = json.loads(body)
        except urllib.error.HTTPError as e:
            raise Unreachable(f"{self.settings.url} answered HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, socket.timeout, ConnectionError) as e:
            reason = getattr(e, "reason", e)
            raise Unreachable(f"cannot reach {self.settings.url}: {reason}") from None
        except ValueError:
            raise Unreachable(f"{self.settings.url}/jsonrpc did not answer JSON: "
                              "is this an Odoo server?") from None
        if not isinstance(answer, dict):
            raise Unreachable(f"{self.settings.url}/jsonrpc answered {answer!r}")
        if "error" in answer:
            error = answer["error"] or {}
            data = error.get("data") or {}
            name = data.get("name") or ""
            message = data.get("message") or error.get("message") or "unknown error"
            if name.endswith(("AccessDenied", "SessionExpiredException")):
                raise Unreachable(f"Odoo refused the login: {message}")
            kind = name.rsplit(".", 1)[-1] or "error"
            raise Rejected(f"{kind}: {message}")
        return answer.get("result")

    def execute(self, model, method, args, context=None):
        kwargs = {"context": dict(self.context, **(context or {}))}
        return self.call("object", "execute_kw", self.settings.db, self.uid,
                         self.settings.api_key, model, method, args, kwargs)

    def journal_for(self, account, currency):
        """The bank journal whose bank account is `account` (and, with several, whose
        currency is `currency`)."""
        sanitized = re.sub(r"[^A-Za-z0-9]", "", account).upper()
        journals = self.execute(
            "account.journal", "search_read",
            [[("type", "=", "bank"), ("bank_account_id.sanitized_acc_number", "=", sanitized)],
             ["id", "name", "currency_id", "company_id"]],
        )
        if len(journals) > 1 and currency:
            journals = [j for j in journals if journal_currency(self, j) == currency]
        if len(journals) == 1:
            return journals[0]["id"], journals[0]["name"]
        if not journals:
            raise Rejected(f"no bank journal in Odoo has the bank account {account}"
                           + (f" in {currency}" if currency else "")
                           + ": set it as the journal's Bank Account (or pass --journal)")
        names = ", ".join(f"{j['name']} (id {j['id']})" for j in journals)
        raise Rejected(f"several bank journals have the bank account {account}: {names}; "
                       "pass --journal")

    def import_file(self, journal, name, data):
        encoded = base64.b64encode(data).decode("ascii")
        if self.settings.importer == "oca":
            # The OCA wizard finds the journal by the file's account; with journal_id in
            # the context it also refuses a file that belongs to another journal.
            context = {"journal_id": journal}
            wizard = self.execute(
                "account.statement.import", "create",
                [{"statement_file": encoded, "statement_filename": name}], context)
            self.execute("account.statement.import", "import_file_button", [[wizard]], context)
            return
        attachment = self.execute(
            "ir.attachment", "create",
            [{"name": name, "datas": encoded, "mimetype": "application/xml"}])
        try:
            self.execute("account.journal", "create_document_from_attachment",
                         [[journal], [attachment]])
        except Rejected:
            try:
                self.execute("ir.attachment", "unlink", [[attachment]])
            except (Rejected, Unreachable):
                pass
            raise


def journal_currency(odoo, journal):
    if journal.get("currency_id"):
        return journal["currency_id"][1]
    company = journal.get("company_id")
    if not company:
        return None
    rows = odoo.execute("res.company", "read", [[company[0]], ["currency_id"]])
    return rows[0]["currency_id"][1] if rows and rows[0].get("currency_id") else None


def put_away(settings, path):
    """Take an accepted file out of the drop folder: into done/ (never replacing a file
    there), or deleted with --delete. Synced, so a crash cannot bring it back."""
    folder = os.path.dirname(path)
    if settings.delete:
        os.unlink(path)
    else:
        os.makedirs(settings.done_dir, mode=0o750, exist_ok=True)
        target = os.path.join(settings.done_dir, os.path.basename(path))
        if os.path.lexists(target):
            stem, ext = os.path.splitext(target)
            target = next(f"{stem}.{n}{ext}" for n in itertools.count(1)
                          if not os.path.lexists(f"{stem}.{n}{ext}"))
        os.rename(path, target)
        fsync_dir(settings.done_dir)
    fsync_dir(folder)


def fsync_dir(folder):
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def upload_all(settings):
    files = waiting_files(settings.drop_dir)
    if not files:
        return EXIT_OK
    try:
        odoo = Odoo(settings)
    except (Unreachable, Rejected) as e:
        print(f"odoo-upload: {e}", file=sys.stderr)
        return EXIT_UNREACHABLE

    status = EXIT_OK
    blocked = {}  # account -> the rejected file later files of that account wait for
    journals = {}
    for path in files:
        name = os.path.basename(path)
        account = None
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_STATEMENT_BYTES + 1)
        except FileNotFoundError:
            continue  # taken away meanwhile
        try:
            if len(data) > MAX_STATEMENT_BYTES:
                raise Rejected(f"larger than {MAX_STATEMENT_BYTES} bytes: too large to upload "
                               "in one request (split it with a daily grouping)")
            account = statement_account(data)
            if account in blocked:
                print(f"odoo-upload: {name} waits: {blocked[account]} of the same account "
                      "was rejected", file=sys.stderr)
                continue
            if settings.journal is not None:
                journal = (settings.journal, f"id {settings.journal}")
            else:
                if account not in journals:
                    journals[account] = odoo.journal_for(*account)
                journal = journals[account]
            try:
                odoo.import_file(journal[0], name, data)
                outcome = f"imported into journal {journal[1]}"
            except Rejected as e:
                if not ALREADY_IMPORTED.search(str(e)):
                    raise
                outcome = f"already in journal {journal[1]} (an earlier upload)"
        except Rejected as e:
            print(f"odoo-upload: {name} rejected: {e}\n"
                  f"  the file stays in {settings.drop_dir}; check it with "
                  f"`ponto2camt inspect {path}`", file=sys.stderr)
            blocked.setdefault(account or name, name)
            status = EXIT_REJECTED
            continue
        except Unreachable as e:
            print(f"odoo-upload: {name}: {e}; the file stays (the next run tries again)",
                  file=sys.stderr)
            return EXIT_UNREACHABLE
        try:
            put_away(settings, path)
        except OSError as e:
            print(f"odoo-upload: {name} {outcome}, but cannot move it away: {e}; "
                  "the next run finds it already imported", file=sys.stderr)
            status = max(status, EXIT_REJECTED)
            continue
        if not settings.quiet:
            where = "deleted" if settings.delete else f"moved to {settings.done_dir}"
            print(f"{name}: {outcome}; {where}")
    return status


if __name__ == "__main__":
    sys.exit(main())
