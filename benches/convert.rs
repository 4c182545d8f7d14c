//! `cargo bench --bench convert -- [quick] [N...]`: generates bundles of N realistic Ponto
//! transactions in three orders — Ponto's own (newest created first), shuffled, oldest
//! first — converts each with the release binary, and measures in the same run the floor:
//! reading the bundle and writing as many bytes as the conversion wrote, with the same
//! early writeback and fsync. Reports per size and order the median wall time of three
//! runs (runs alternate between floor and orders, so a noisy moment hits all of them),
//! the ratio to the floor and the peak RSS of the conversion (median of the three runs,
//! each from the kernel's accounting of that child alone). Checks that the three orders
//! give byte-identical files.
//!
//! Default N: 100000 1000000; `quick` (or `BENCH_QUICK=1`) runs 100000 only.
//! `BENCH_DIR=DIR` keeps the bundles (for profiling). Not a pass/fail test: it prints
//! numbers, the targets are in the README.

use std::fmt::Write as _;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const NAMES: &[&str] = &[
    "Muster GmbH",
    "Brouwerij De Koninck NV",
    "Albert Heijn B.V.",
    "Jan Janssens",
    "Stadtwerke München GmbH",
    "Proximus SA",
    "Vattenfall Energy Trading",
    "Marie Dupont",
    "Kantoorartikelen Jansen",
    "Deutsche Bahn AG",
    "Bol.com B.V.",
    "Colruyt Group",
];
const IBANS: &[&str] = &[
    "DE89370400440532013000",
    "BE71096123456769",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "DE02120300000000202051",
    "NL20INGB0001234567",
];
const CODES: &[&str] = &[
    "PMNT-RCDT-ESCT",
    "PMNT-ICDT-ESCT",
    "PMNT-RDDT-ESDD",
    "PMNT-CCRD-POSD",
];

use ponto_sim::Rng;

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// The order of the transactions in a bundle.
#[derive(Clone, Copy, PartialEq)]
enum Order {
    /// Newest created first, as Ponto lists them.
    Ponto,
    Shuffled,
    OldestFirst,
}

impl Order {
    const ALL: [Order; 3] = [Order::Ponto, Order::Shuffled, Order::OldestFirst];

    fn name(self) -> &'static str {
        match self {
            Order::Ponto => "ponto",
            Order::Shuffled => "shuffled",
            Order::OldestFirst => "oldest-first",
        }
    }

    /// The transactions' numbers in bundle order; number 0 is the newest.
    fn permutation(self, n: usize) -> Vec<u32> {
        let mut order: Vec<u32> = (0..n as u32).collect();
        match self {
            Order::Ponto => {}
            Order::OldestFirst => order.reverse(),
            Order::Shuffled => {
                let mut rng = Rng::new(7);
                for i in (1..n).rev() {
                    order.swap(i, rng.below(i as u64 + 1) as usize);
                }
            }
        }
        order
    }
}

/// Transaction number `i` of `n` (0 the newest), the same whatever the order: a
/// date-only bank (every booking at midnight), created through 2024 in steps of a few
/// seconds, booked on the day it was created.
fn transaction(line: &mut String, i: usize, n: usize) {
    let mut rng = Rng::new(42 ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let year = 366 * 86_400 - 1;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a date")
        .and_utc();
    let created = start + chrono::Duration::seconds(((n - i) * year / n.max(1)) as i64);
    let date = created.format("%Y-%m-%d");
    let cents = (rng.next_u64() % 500_000) as i64 - 250_000;
    let remittance = format!(
        "Factuur {} / klant {}",
        2_024_000 + n - i,
        rng.next_u64() % 10_000
    );
    let _ = write!(
        line,
        r#"{{"type":"transaction","id":"{}","attributes":{{"amount":{}.{:02},"currency":"EUR","executionDate":"{date}T00:00:00.000Z","valueDate":"{date}T00:00:00.000Z","description":"SEPA overschrijving","remittanceInformation":"{remittance}","remittanceInformationType":"unstructured","counterpartName":"{}","counterpartReference":"{}","bankTransactionCode":"{}","proprietaryBankTransactionCode":"0150","endToEndId":"E2E-{i}","mandateId":null,"creditorId":null,"purposeCode":null,"additionalInformation":null,"digest":"{:016x}","createdAt":"{}"}},"relationships":{{"account":{{"data":{{"type":"account","id":"x"}}}}}}}}"#,
        uuid(&mut rng),
        if cents < 0 {
            format!("-{}", -cents / 100)
        } else {
            (cents / 100).to_string()
        },
        cents.abs() % 100,
        *rng.pick(NAMES),
        *rng.pick(IBANS),
        *rng.pick(CODES),
        rng.next_u64(),
        created.format("%Y-%m-%dT%H:%M:%S.000Z"),
    );
}

fn generate(path: &Path, n: usize, order: Order) -> std::io::Result<()> {
    let mut rng = Rng::new(42);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write!(
        out,
        r#"{{"account":{{"type":"account","id":"{}","attributes":{{"reference":"BE68539007547034","referenceType":"IBAN","currency":"EUR","currentBalance":1000000.00,"description":"Zichtrekening","holderName":"Bench BV"}}}},"financialInstitution":{{"type":"financialInstitution","id":"{}","attributes":{{"name":"BNP Paribas Fortis","bic":"GEBABEBB","timeZone":"Europe/Brussels"}}}},"transactions":["#,
        uuid(&mut rng),
        uuid(&mut rng)
    )?;
    let mut line = String::with_capacity(1024);
    for (position, i) in order.permutation(n).into_iter().enumerate() {
        line.clear();
        if position > 0 {
            line.push(',');
        }
        transaction(&mut line, i as usize, n);
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"]}")?;
    // On disk before the clock starts: otherwise the generator's writeback competes
    // with the conversion's own fsync and the numbers measure the generator.
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Runs per size and order: the disk of a virtual machine is noisy, so the median is
/// reported with every run.
const RUNS: usize = 3;

/// One conversion: wall time and the peak RSS (KiB) of that child alone.
// The child is reaped by `wait4` (which also gives its own resource usage).
#[allow(clippy::zombie_processes)]
fn convert_once(bundle: &Path, out: &Path) -> (f64, i64) {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_ponto2camt"))
        .arg("convert")
        .arg(bundle)
        .arg("-o")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ponto2camt runs");
    let mut status = 0;
    // SAFETY: wait4 only writes into the two locals we pass; the child is ours and is
    // reaped here (std's Child is never waited on afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_secs_f64();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "conversion failed"
    );
    (elapsed, usage.ru_maxrss)
}

/// The floor: read the bundle and write `bytes` bytes into `out`, 1 MB at a time, with
/// the conversion's early writeback (each 8 MB) and its fsyncs (file, then folder).
fn floor_once(bundle: &Path, out: &Path, bytes: u64) -> f64 {
    use std::os::fd::AsRawFd;
    let start = Instant::now();
    let mut input = std::fs::File::open(bundle).expect("bundle");
    let target = out.join("floor.xml");
    let mut output = std::fs::File::create(&target).expect("floor file");
    let mut buf = vec![0u8; 1 << 20];
    let (mut written, mut started) = (0u64, 0u64);
    let mut write = |output: &mut std::fs::File, chunk: &[u8]| {
        output.write_all(chunk).expect("floor write");
        written += chunk.len() as u64;
        if written - started >= 8 << 20 {
            // SAFETY: a plain syscall on our own descriptor.
            unsafe {
                libc::sync_file_range(
                    output.as_raw_fd(),
                    started as libc::off64_t,
                    (written - started) as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
            started = written;
        }
    };
    let mut left = bytes;
    loop {
        let read = input.read(&mut buf).expect("bundle read");
        if read == 0 {
            break;
        }
        let take = (read as u64).min(left) as usize;
        write(&mut output, &buf[..take]);
        left -= take as u64;
    }
    while left > 0 {
        let take = (buf.len() as u64).min(left) as usize;
        write(&mut output, &buf[..take]);
        left -= take as u64;
    }
    output.sync_all().expect("fsync");
    std::fs::File::open(out)
        .and_then(|d| d.sync_all())
        .expect("folder fsync");
    start.elapsed().as_secs_f64()
}

fn fresh(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("out dir");
}

/// The files of a conversion, by name, with their bytes' total.
fn outputs(dir: &Path) -> (Vec<PathBuf>, u64) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("out dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let size = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    (files, size)
}

/// Whether two conversions wrote the same files, byte for byte but for the creation
/// time (`CreDtTm`, the clock when the conversion ran).
fn same_files(a: &Path, b: &Path) -> bool {
    use std::io::BufRead;
    let lines = |path: &Path| {
        let file = std::fs::File::open(path).expect("output");
        std::io::BufReader::with_capacity(1 << 20, file)
            .split(b'\n')
            .map(|line| line.expect("output read"))
            .filter(|line| !line.windows(9).any(|w| w == b"<CreDtTm>"))
    };
    let ((fa, _), (fb, _)) = (outputs(a), outputs(b));
    fa.len() == fb.len()
        && fa
            .iter()
            .zip(&fb)
            .all(|(x, y)| x.file_name() == y.file_name() && lines(x).eq(lines(y)))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "quick")
        || std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = match (sizes.is_empty(), quick) {
        (false, _) => sizes,
        (true, true) => vec![100_000],
        (true, false) => vec![100_000, 1_000_000],
    };
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("BENCH_DIR").map_or_else(|| temp.path().to_owned(), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("bench dir");
    println!(
        "| transactions | order | bundle | output | wall time (median, runs) | × floor | peak RSS (median) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let bundles: Vec<PathBuf> = Order::ALL
            .iter()
            .map(|order| {
                let bundle = dir.join(format!("bundle-{n}-{}.json", order.name()));
                generate(&bundle, n, *order).expect("bundle generated");
                bundle
            })
            .collect();
        let size = std::fs::metadata(&bundles[0]).map(|m| m.len()).unwrap_or(0);
        // One conversion first: the floor writes as many bytes as it does.
        let first = dir.join(format!("out-{n}-{}", Order::Ponto.name()));
        fresh(&first);
        convert_once(&bundles[0], &first);
        let (_, output) = outputs(&first);
        let mut times = vec![Vec::new(); Order::ALL.len()];
        let mut rss = vec![Vec::new(); Order::ALL.len()];
        let mut floor = Vec::new();
        let floor_dir = dir.join(format!("out-{n}-floor"));
        for _ in 0..RUNS {
            fresh(&floor_dir);
            floor.push(floor_once(&bundles[0], &floor_dir, output));
            for (k, order) in Order::ALL.iter().enumerate() {
                // A fresh output folder each run: the conversion never overwrites.
                let out = dir.join(format!("out-{n}-{}", order.name()));
                fresh(&out);
                let (time, peak) = convert_once(&bundles[k], &out);
                times[k].push(time);
                rss[k].push(peak as f64 / 1024.0);
            }
        }
        let _ = std::fs::remove_dir_all(&floor_dir);
        let base = dir.join(format!("out-{n}-{}", Order::Ponto.name()));
        for order in &Order::ALL[1..] {
            let other = dir.join(format!("out-{n}-{}", order.name()));
            assert!(
                same_files(&base, &other),
                "{n}: the {} bundle gives other files than Ponto's order",
                order.name()
            );
        }
        let floor_all: Vec<String> = floor.iter().map(|t| format!("{t:.2}")).collect();
        let floor_median = median(&mut floor);
        println!(
            "| {n} | floor (read + write + fsync) | {:.0} MB | {:.0} MB | {floor_median:.2} s ({}) | 1.00 | – |",
            size as f64 / 1e6,
            output as f64 / 1e6,
            floor_all.join(", "),
        );
        for (k, order) in Order::ALL.iter().enumerate() {
            let all: Vec<String> = times[k].iter().map(|t| format!("{t:.2}")).collect();
            let time = median(&mut times[k]);
            println!(
                "| {n} | {} | {:.0} MB | {:.0} MB | {time:.2} s ({}) | {:.2} | {:.1} MB |",
                order.name(),
                size as f64 / 1e6,
                output as f64 / 1e6,
                all.join(", "),
                time / floor_median,
                median(&mut rss[k]),
            );
        }
        if std::env::var_os("BENCH_DIR").is_some() {
            for order in Order::ALL {
                let _ = std::fs::remove_dir_all(dir.join(format!("out-{n}-{}", order.name())));
            }
        }
    }
}
