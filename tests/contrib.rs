//! What `contrib/` ships: the systemd units are what systemd accepts (`systemd-analyze
//! verify` finds no error and no warning; it exits 0 on warnings, so its output is checked
//! too) and agree with the Debian package; the man page is the program's own;
//! `odoo-upload.py` moves a file out of the drop folder only once Odoo accepted it.

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

#[test]
fn the_fetch_unit_is_hardened_and_both_units_get_the_secret_as_a_credential() {
    for unit in ["ponto2camt-watch.service", "ponto2camt-fetch.service"] {
        let text = std::fs::read_to_string(root().join("contrib").join(unit)).expect("unit");
        for line in [
            "DynamicUser=yes",
            "StateDirectory=ponto2camt",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/ponto2camt /srv/erp/drop",
            "NoNewPrivileges=yes",
            "UMask=0027",
            "LoadCredential=ponto_client_secret:/etc/ponto2camt/client_secret",
            // Where the Debian package installs the program (`[package.metadata.deb]`).
            "ExecStart=/usr/bin/ponto2camt ",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(line)),
                "{unit}: missing {line}"
            );
        }
    }
}

/// `[package.metadata.deb]` installs the program as `/usr/bin/ponto2camt`, as the units
/// expect, and every file it ships from the repository exists.
#[test]
fn the_debian_package_ships_what_the_units_expect() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("manifest");
    let deb = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("Cargo.toml has [package.metadata.deb]");
    let deb = deb.split("\n[").next().unwrap_or(deb);
    assert!(
        deb.contains(r#"["target/release/ponto2camt", "usr/bin/", "755"]"#),
        "the binary goes to /usr/bin:\n{deb}"
    );
    let sources: Vec<&str> = deb
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[\""))
        .filter_map(|l| l.split('"').next())
        .filter(|source| !source.starts_with("target/"))
        .collect();
    for wanted in [
        "contrib/ponto2camt-fetch.service",
        "contrib/ponto2camt-fetch.timer",
        "contrib/ponto2camt-watch.service",
        "contrib/ponto2camt.1",
        "contrib/odoo-upload.py",
        "ponto2camt.example.toml",
    ] {
        assert!(sources.contains(&wanted), "the package ships {wanted}");
    }
    for source in sources {
        assert!(root().join(source).is_file(), "{source} exists");
    }
}

/// cargo-deb ships `contrib/ponto2camt.1`: it must be what `ponto2camt man` prints.
#[test]
fn the_shipped_man_page_is_the_programs() {
    let run = run(&["man"], &root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shipped = std::fs::read_to_string(root().join("contrib/ponto2camt.1")).unwrap_or_default();
    assert!(
        shipped == run.stdout,
        "contrib/ponto2camt.1 differs from `ponto2camt man` (the command line changed): \
         regenerate it with `cargo run -- man > contrib/ponto2camt.1`"
    );
}

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some("python3")
    } else {
        missing_tool("python3");
        None
    }
}

#[test]
fn odoo_upload_compiles_and_explains_itself() {
    let Some(python) = python() else { return };
    let script = root().join("contrib/odoo-upload.py");
    let cache = tempdir();
    let compiled = Command::new(python)
        .args(["-m", "py_compile"])
        .arg(&script)
        .env("PYTHONPYCACHEPREFIX", cache.path())
        .output()
        .expect("python3 runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let help = Command::new(python)
        .arg(&script)
        .arg("--help")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.status.success(),
        "{}",
        String::from_utf8_lossy(&help.stderr)
    );
    for word in [
        "DROP_DIR",
        "ODOO_URL",
        "ODOO_API_KEY_FILE",
        "--journal",
        "--importer",
    ] {
        assert!(text.contains(word), "--help mentions {word}:\n{text}");
    }
}

/// `odoo-upload.py` against a fake Odoo (JSON-RPC on loopback, in `FAKE_ODOO`) with real
/// statements of two accounts: an accepted file moves to `done/`; a rejected one stays,
/// Odoo's message is printed, the account's later files wait and the exit status is 1;
/// "already imported" counts as accepted; hidden and temporary files are never sent; a
/// failed login, plain http to another host and a busy folder move nothing.
#[test]
fn odoo_upload_moves_only_what_odoo_accepted() {
    let Some(python) = python() else { return };
    let dir = tempdir();
    let drop = dir.path().join("drop");
    std::fs::create_dir(&drop).expect("drop");
    let converted = run(
        &[
            "convert",
            fixture("bundles/belgian-ordinary.json")
                .to_str()
                .expect("utf-8"),
            fixture("bundles/dutch-ordinary.json")
                .to_str()
                .expect("utf-8"),
            "--grouping",
            "daily",
            "-o",
            drop.to_str().expect("utf-8"),
        ],
        dir.path(),
    );
    assert_eq!(converted.code, 0, "{}", converted.stderr);
    let harness = dir.path().join("fake_odoo.py");
    std::fs::write(&harness, FAKE_ODOO).expect("harness");
    let output = Command::new(python)
        .arg(&harness)
        .arg(root().join("contrib/odoo-upload.py"))
        .arg(&drop)
        .args(["BE74734041234507", "NL20INGB0001234567"])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.ends_with("ok\n"),
        "{stdout}\n{stderr}"
    );
}

const FAKE_ODOO: &str = r##""""A fake Odoo JSON-RPC server and the scenarios contrib/odoo-upload.py must pass.

Usage: fake_odoo.py SCRIPT DROP_DIR IBAN_A IBAN_B  (DROP_DIR holds files of both accounts)
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

SCRIPT, DROP, IBAN_A, IBAN_B = sys.argv[1:5]
JOURNALS = {IBAN_A: 10, IBAN_B: 11}
KEY = "the-api-key"


class Odoo:
    def __init__(self):
        self.reset()

    def reset(self, reject=(), already=()):
        self.reject = set(reject)
        self.already = set(already)
        self.imported = []
        self.calls = []
        self.wizards = {}
        self.attachments = {}

    def rpc(self, params):
        service, method, args = params["service"], params["method"], params["args"]
        self.calls.append((service, method))
        if service == "common" and method == "authenticate":
            db, login, key, _ = args
            return 7 if (db, login, key) == ("testdb", "importer", KEY) else False
        assert service == "object" and method == "execute_kw", (service, method)
        db, uid, key, model, method, margs, kwargs = args
        if (db, uid, key) != ("testdb", 7, KEY):
            raise Fault("odoo.exceptions.AccessDenied", "Access Denied")
        context = kwargs.get("context", {})
        assert context.get("lang") == "en_US", context
        if (model, method) == ("account.journal", "search_read"):
            domain, fields = margs
            assert ["type", "=", "bank"] in domain, domain
            iban = [d[2] for d in domain if d[0] == "bank_account_id.sanitized_acc_number"][0]
            if iban not in JOURNALS:
                return []
            return [{"id": JOURNALS[iban], "name": f"Bank {iban[:2]}", "currency_id": False,
                     "company_id": [1, "Company"]}]
        if (model, method) == ("account.statement.import", "create"):
            (vals,) = margs
            wizard = len(self.wizards) + 1
            self.wizards[wizard] = vals
            return wizard
        if (model, method) == ("account.statement.import", "import_file_button"):
            ((wizard,),) = margs
            vals = self.wizards[wizard]
            return self.statement(vals["statement_filename"],
                                  base64.b64decode(vals["statement_file"]),
                                  context.get("journal_id"))
        if (model, method) == ("ir.attachment", "create"):
            (vals,) = margs
            attachment = len(self.attachments) + 100
            self.attachments[attachment] = vals
            return attachment
        if (model, method) == ("ir.attachment", "unlink"):
            for attachment in margs[0]:
                del self.attachments[attachment]
            return True
        if (model, method) == ("account.journal", "create_document_from_attachment"):
            (journal,), (attachment,) = margs
            vals = self.attachments[attachment]
            try:
                return self.statement(vals["name"], base64.b64decode(vals["datas"]), journal)
            except Fault as e:
                raise Fault(e.name, "The following files could not be imported:\n- "
                            f"{vals['name']}: {e.message}")
        raise Fault("builtins.AttributeError", f"no {model}.{method}")

    def statement(self, name, data, journal):
        iban = [i for i in JOURNALS if i.encode() in data][0]
        if journal != JOURNALS[iban]:
            raise Fault("odoo.exceptions.UserError", "The journal found for the file is "
                        "different from the selected journal.")
        if name in self.reject:
            raise Fault("odoo.exceptions.UserError", "The currency of the bank statement "
                        "(USD) is not the same as the currency of the journal 'Bank' (EUR).")
        if name in self.already:
            raise Fault("odoo.exceptions.UserError", "You have already imported this file, "
                        "or this file only contains already imported transactions.")
        self.imported.append(name)
        # An action dict with a None in it, as Odoo's may have: JSON carries it.
        return {"type": "ir.actions.act_window", "res_model": "account.bank.statement",
                "domain": [["id", "in", [len(self.imported)]]], "help": None}


class Fault(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name, self.message = name, message


ODOO = Odoo()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        assert self.path == "/jsonrpc", self.path
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {"jsonrpc": "2.0", "id": request["id"]}
        try:
            answer["result"] = ODOO.rpc(request["params"])
        except Fault as e:
            answer["error"] = {"code": 200, "message": "Odoo Server Error",
                               "data": {"name": e.name, "message": e.message,
                                        "debug": "Traceback...", "arguments": [e.message]}}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
URL = f"http://127.0.0.1:{server.server_address[1]}"


def upload(*args, key=KEY, url=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "CREDENTIALS"))}
    env.update(ODOO_URL=url or URL, ODOO_DB="testdb", ODOO_USER="importer", ODOO_API_KEY=key)
    run = subprocess.run([sys.executable, SCRIPT, *args, DROP], env=env,
                         capture_output=True, text=True, timeout=60)
    print(f"--- odoo-upload {' '.join(args)}: exit {run.returncode}\n{run.stdout}{run.stderr}")
    return run


def listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")


statements = sorted(n for n in os.listdir(DROP) if n.endswith(".xml"))
a = [n for n in statements if n.startswith(IBAN_A)]
b = [n for n in statements if n.startswith(IBAN_B)]
check(len(a) >= 3 and len(b) >= 1, f"files of both accounts: {statements}")
# Delivery order (mtime), interleaving the accounts; never by name.
order = [a[0], b[0], a[1], a[2]] + a[3:] + b[1:]
for i, name in enumerate(order):
    os.utime(os.path.join(DROP, name), ns=(1_700_000_000_000_000_000 + i * 10**9,) * 2)
others = [f".{a[0]}.part", "notes.txt", "half.xml.tmp", ".hidden.xml"]
for name in others:
    with open(os.path.join(DROP, name), "w") as f:
        f.write(f"<Document>{IBAN_A}</Document>")
done = os.path.join(DROP, "done")

# Odoo refuses nothing it is not asked: a wrong key is a failed login, every file stays.
run = upload(key="wrong")
check(run.returncode == 3 and "refused" in run.stderr, "wrong key: exit 3")
check(listing(DROP) == sorted(statements + others), "wrong key: every file stays")

# Plain http to a non-loopback address is refused before anything is sent.
run = upload(url="http://odoo.example.com")
check(run.returncode == 2 and "https" in run.stderr, "plain http refused: exit 2")

# Another run holds the drop folder: exit 75, nothing sent.
fd = os.open(DROP, os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
ODOO.reset()
run = upload()
os.close(fd)
check(run.returncode == 75 and ODOO.calls == [], "busy: exit 75, no call")

# Odoo rejects account A's second file: it stays with the error printed, A's later files
# wait behind it, account B's are imported in delivery order and moved to done/.
ODOO.reset(reject={a[1]})
run = upload()
check(run.returncode == 1, "a rejected file: exit 1")
check("The currency of the bank statement (USD)" in run.stderr, "Odoo's message printed")
check(f"{a[1]} rejected" in run.stderr and "ponto2camt inspect" in run.stderr, "how to look")
check(all(f"{n} waits" in run.stderr for n in a[2:]), "later files of the account wait")
expected = [n for n in order if n not in a[1:]]
check(ODOO.imported == expected, f"imported in delivery order: {ODOO.imported} != {expected}")
check(listing(DROP) == sorted(a[1:] + ["done"] + others), f"kept: {listing(DROP)}")
check(listing(done) == sorted(expected), f"done: {listing(done)}")
check(len(ODOO.wizards) == len(expected) + 1, "the waiting files were never sent")

# Next run: Odoo had in fact taken a[1] already (a run cut off after Odoo accepted it):
# "already imported" counts as accepted; the rest follows; only foreign files are left.
ODOO.reset(already={a[1]})
run = upload()
check(run.returncode == 0, "second run: exit 0")
check(f"{a[1]}: already in journal" in run.stdout, "already imported reported")
check(ODOO.imported == a[2:], f"second run imported {ODOO.imported}")
check(listing(DROP) == sorted(["done"] + others), f"left: {listing(DROP)}")
check(listing(done) == sorted(statements), "every statement in done/")

# Nothing waiting: exit 0 without asking Odoo anything.
ODOO.reset()
run = upload()
check(run.returncode == 0 and ODOO.calls == [], "nothing to do")

# Odoo Enterprise's import, one journal named, --delete: accepted files are deleted, a
# rejected one stays and its attachment is removed again.
for name in a[:2]:
    os.rename(os.path.join(done, name), os.path.join(DROP, name))
ODOO.reset(reject={a[1]})
run = upload("--importer", "enterprise", "--journal", str(JOURNALS[IBAN_A]), "--delete")
check(run.returncode == 1, "enterprise: rejected file exit 1")
check("could not be imported" in run.stderr, "enterprise: Odoo's message printed")
check(ODOO.imported == [a[0]], f"enterprise imported {ODOO.imported}")
check(listing(DROP) == sorted([a[1], "done"] + others), f"enterprise left {listing(DROP)}")
check(a[0] not in listing(done), "deleted, not moved")
check(ODOO.attachments.keys() == {100}, f"rejected attachment removed: {ODOO.attachments}")
print("ok")
"##;
