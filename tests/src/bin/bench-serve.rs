//! Benchmark 4 (`script/bench-serve`): confirmations per second through `coffer serve` with full signature
//! verification, on loopback, against a real anvil. Prints throughput, p50/p99 latency and the server's peak
//! RSS, for SQLite and for a PostgreSQL server it starts itself; then (`--kill`) the SIGKILL-under-load check at
//! the same scale.
//!
//! Also prints the CPU time per confirmation (user + system, from `/proc/PID/stat`) of the server, of this
//! client and of anvil during the run: unlike wall-clock figures, it does not depend on what else the machine
//! is doing.
//!
//! Options: `--confirmations N` (20000), `--concurrency C` (64), `--owners-per-safe M` (501: 40 Safes of 501
//! owners give 20,000 confirmations by distinct owners), `--backend sqlite|postgres|both` (both), `--kill`,
//! `--chain-cache-ms MS` (passed to `coffer serve`; its default otherwise), `--timeline` (the slowest answer in
//! each 250 ms of the run, to tell stalls from steady queueing).

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::{collections::HashSet, sync::Arc, time::Duration};

use coffer_chain::test_utils::{Implementation, TestChain};
use coffer_e2e::{
    load,
    serve::{Postgres, Serve},
};

struct Opts {
    confirmations: usize,
    concurrency: usize,
    owners_per_safe: usize,
    backends: Vec<String>,
    kill: bool,
    timeline: bool,
    chain_cache_ms: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts {
        confirmations: 20_000,
        concurrency: 64,
        owners_per_safe: 501,
        backends: vec!["sqlite".into(), "postgres".into()],
        kill: false,
        timeline: false,
        chain_cache_ms: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let val = |i: usize| {
            args.get(i + 1).cloned().unwrap_or_else(|| panic!("{} needs a value", args[i]))
        };
        match args[i].as_str() {
            "--confirmations" => o.confirmations = val(i).parse().expect("--confirmations N"),
            "--concurrency" => o.concurrency = val(i).parse().expect("--concurrency C"),
            "--owners-per-safe" => o.owners_per_safe = val(i).parse().expect("--owners-per-safe M"),
            "--backend" => {
                o.backends = match val(i).as_str() {
                    "both" => vec!["sqlite".into(), "postgres".into()],
                    b @ ("sqlite" | "postgres") => vec![b.to_owned()],
                    b => panic!("--backend {b}: sqlite, postgres or both"),
                }
            }
            "--kill" => {
                o.kill = true;
                i += 1;
                continue;
            }
            "--timeline" => {
                o.timeline = true;
                i += 1;
                continue;
            }
            "--chain-cache-ms" => o.chain_cache_ms = Some(val(i)),
            a => panic!("unknown option {a}"),
        }
        i += 2;
    }
    o
}

#[tokio::main]
async fn main() {
    let o = opts();
    let safes = o.confirmations.div_ceil(o.owners_per_safe - 1);
    eprintln!(
        "bench-serve: {} confirmations ({safes} Safes x {} owners), {} clients",
        o.confirmations,
        o.owners_per_safe - 1,
        o.concurrency
    );
    let chain = TestChain::builder().block_gas_limit(1_000_000_000).spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let rpc = chain.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let mut salt = 0;
    let anvil = load::children_named("anvil").first().copied();
    println!(
        "| backend | confirmations | clients | throughput (/s) | p50 (ms) | p99 (ms) | peak RSS (MiB) | errors | server CPU/conf (µs) | client CPU/conf (µs) | anvil CPU/conf (µs) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for backend in &o.backends {
        let pg = (backend == "postgres").then(Postgres::start);
        let db = match &pg {
            Some(pg) => pg.url(),
            None => format!("sqlite:{}", dir.path().join("bench.sqlite3").display()),
        };
        let extra: Vec<&str> = match &o.chain_cache_ms {
            Some(ms) => vec!["--chain-cache-ms", ms],
            None => Vec::new(),
        };
        let server = Serve::start(&rpc, &db, &extra);
        let work =
            load::prepare(&chain, &suite, &server.api(), safes, o.owners_per_safe, salt).await;
        salt += safes as u64;
        let mut jobs = work.jobs.clone();
        jobs.truncate(o.confirmations);
        let jobs = Arc::new(jobs);
        // Steady state, as under continuous use: signing the load took seconds, so each Safe's cached chain
        // state has expired; read each Safe once through the server (`GET /safes/{address}/`, a fresh read
        // that refills the cache) right before the clock starts. The reads and the verification are the same.
        let http = alloy::transports::http::reqwest::Client::new();
        for (safe, _) in &work.txs {
            let url = format!("{}/v1/safes/{safe}/", server.api());
            let status = http.get(&url).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
            assert_eq!(status, 200, "GET {url}");
        }
        let me = std::process::id();
        let cpu = |pid: Option<u32>| pid.and_then(load::cpu_seconds).unwrap_or(f64::NAN);
        let before = [cpu(Some(server.pid())), cpu(Some(me)), cpu(anvil)];
        let report = load::run(&server.api(), jobs.clone(), o.concurrency).await;
        let after = [cpu(Some(server.pid())), cpu(Some(me)), cpu(anvil)];
        let per_conf = |i: usize| (after[i] - before[i]) * 1e6 / jobs.len().max(1) as f64;
        let rss = load::peak_rss_mib(server.pid()).unwrap_or(f64::NAN);
        let mut stored = 0;
        for (_, hash) in &work.txs {
            let owners = load::listed_owners(&server.api(), *hash).await;
            assert_eq!(
                owners.iter().collect::<HashSet<_>>().len(),
                owners.len(),
                "duplicates stored"
            );
            stored += owners.len() - 1; // minus the proposer's
        }
        assert_eq!(stored, report.created.len(), "stored confirmations != answered 201");
        println!(
            "| {backend} | {} | {} | {:.0} | {:.2} | {:.2} | {:.0} | {} | {:.0} | {:.0} | {:.0} |",
            jobs.len(),
            o.concurrency,
            report.throughput(),
            report.latency_ms(0.50),
            report.latency_ms(0.99),
            rss,
            report.failed.len(),
            per_conf(0),
            per_conf(1),
            per_conf(2)
        );
        if o.timeline {
            let worst: Vec<String> = report
                .worst_by_window_ms(Duration::from_millis(250))
                .iter()
                .map(|ms| format!("{ms:.0}"))
                .collect();
            eprintln!("{backend}: slowest answer (ms) per 250 ms of the run: {}", worst.join(" "));
        }
        drop(server);
        drop(pg);
    }
    if o.kill {
        let db = format!("sqlite:{}", dir.path().join("kill.sqlite3").display());
        let mut server = Serve::start(&rpc, &db, &[]);
        let work =
            load::prepare(&chain, &suite, &server.api(), safes, o.owners_per_safe, salt).await;
        let jobs = Arc::new(work.jobs.clone());
        let running = {
            let (api, jobs) = (server.api(), jobs.clone());
            tokio::spawn(async move { load::run(&api, jobs, o.concurrency).await })
        };
        // SIGKILL at about a third of the expected run.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        server.signal("-KILL");
        let report = running.await.unwrap();
        let server = Serve::start(&rpc, &db, &[]);
        let mut stored = HashSet::new();
        let mut duplicates = 0;
        for (_, hash) in &work.txs {
            let owners = load::listed_owners(&server.api(), *hash).await;
            let n = owners.len();
            let unique: HashSet<_> = owners.into_iter().map(|o| (*hash, o)).collect();
            duplicates += n - unique.len();
            stored.extend(unique);
        }
        let lost = report
            .created
            .iter()
            .filter(|i| !stored.contains(&(jobs[**i].safe_tx_hash, jobs[**i].owner)))
            .count();
        println!(
            "\nkill test (SQLite, SIGKILL after 1 s of load): answered 201 before the kill: {}; stored after restart: {}; lost: {lost}; stored twice: {duplicates}",
            report.created.len(),
            stored.len() - work.txs.len()
        );
        assert_eq!(lost, 0);
        assert_eq!(duplicates, 0);
    }
}
