//! `cargo bench --bench convert -- N...`: generates a bundle of N realistic Ponto
//! transactions, converts it with the release binary and reports wall time and peak RSS
//! (from the kernel's accounting of the child process). Default N: 100000 1000000.
//!
//! Not a pass/fail test: it prints numbers, the targets are in the README.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
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

fn generate(path: &Path, n: usize) -> std::io::Result<()> {
    let mut rng = Rng::new(42);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write!(
        out,
        r#"{{"account":{{"type":"account","id":"{}","attributes":{{"reference":"BE68539007547034","referenceType":"IBAN","currency":"EUR","currentBalance":1000000.00,"description":"Zichtrekening","holderName":"Bench BV"}}}},"financialInstitution":{{"type":"financialInstitution","id":"{}","attributes":{{"name":"BNP Paribas Fortis","bic":"GEBABEBB","timeZone":"Europe/Brussels"}}}},"transactions":["#,
        uuid(&mut rng),
        uuid(&mut rng)
    )?;
    let mut line = String::with_capacity(1024);
    for i in 0..n {
        line.clear();
        let cents = (rng.next_u64() % 500_000) as i64 - 250_000;
        let day = 1 + (n - i) * 365 / n.max(1);
        let date = chrono_date(day);
        let remittance = format!(
            "Factuur {} / klant {}",
            2_024_000 + i,
            rng.next_u64() % 10_000
        );
        let _ = write!(
            line,
            r#"{}{{"type":"transaction","id":"{}","attributes":{{"amount":{}.{:02},"currency":"EUR","executionDate":"{date}T00:00:00.000Z","valueDate":"{date}T00:00:00.000Z","description":"SEPA overschrijving","remittanceInformation":"{remittance}","remittanceInformationType":"unstructured","counterpartName":"{}","counterpartReference":"{}","bankTransactionCode":"{}","proprietaryBankTransactionCode":"0150","endToEndId":"E2E-{i}","mandateId":null,"creditorId":null,"purposeCode":null,"additionalInformation":null,"digest":"{:016x}","createdAt":"{date}T08:00:00.000Z"}},"relationships":{{"account":{{"data":{{"type":"account","id":"x"}}}}}}}}"#,
            if i == 0 { "" } else { "," },
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
        );
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"]}")?;
    // On disk before the clock starts: otherwise the generator's writeback competes
    // with the conversion's own fsync and the numbers measure the generator.
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Day `n` of 2024 as YYYY-MM-DD (no chrono needed for a benchmark).
fn chrono_date(day_of_year: usize) -> String {
    const DAYS: [usize; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut day = day_of_year.clamp(1, 366);
    for (month, days) in DAYS.iter().enumerate() {
        if day <= *days {
            return format!("2024-{:02}-{:02}", month + 1, day);
        }
        day -= days;
    }
    "2024-12-31".to_owned()
}

/// Runs per size: the disk of a virtual machine is noisy, so the median is reported
/// with every run.
const RUNS: usize = 3;

fn convert_once(bundle: &Path, out: &Path) -> f64 {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_ponto2camt"))
        .arg("convert")
        .arg(bundle)
        .arg("-o")
        .arg(out)
        .status()
        .expect("ponto2camt runs");
    assert!(status.success(), "conversion failed");
    start.elapsed().as_secs_f64()
}

fn peak_rss_kib_of_children() -> i64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    // BENCH_DIR keeps the bundles and outputs for a closer look (profiling).
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("BENCH_DIR")
        .map_or_else(|| temp.path().to_owned(), std::path::PathBuf::from);
    for n in sizes {
        let bundle = dir.join(format!("bundle-{n}.json"));
        generate(&bundle, n).expect("bundle generated");
        let size = std::fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0);
        let out = dir.join(format!("out-{n}"));
        let mut times = Vec::new();
        for _ in 0..RUNS {
            // A fresh output folder each run: the conversion never overwrites.
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).expect("out dir");
            times.push(convert_once(&bundle, &out));
        }
        times.sort_by(f64::total_cmp);
        // Children's peak RSS is the maximum over all children so far: sizes run in
        // increasing order, so each line reads its own runs' peak.
        let rss = peak_rss_kib_of_children();
        let all: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
        println!(
            "convert {n:>8} transactions ({:.0} MB bundle): median {:.2} s (runs: {} s), peak RSS {:.1} MB",
            size as f64 / 1e6,
            times[times.len() / 2],
            all.join(", "),
            rss as f64 / 1024.0
        );
    }
}
