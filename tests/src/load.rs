//! A confirmation load against `coffer serve`, shared by the kill test (`tests/serve_kill.rs`) and the
//! benchmark (`script/bench-serve`, binary `bench-serve`).
//!
//! Setup: `safes` Safes, each with `owners_per_safe` fresh random owners (threshold 1), one proposal each (by its
//! first owner, through the server), and one EIP-712 confirmation prepared for every other owner, signed before
//! the clock starts. The load: `concurrency` clients, each with its own keep-alive connection, POST the
//! confirmations (interleaved across the Safes) as fast as the server answers.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256},
    signers::local::PrivateKeySigner,
    transports::http::reqwest,
};
use coffer_chain::{
    SafeConfig, SuiteAddresses, create_safe,
    test_utils::{TestChain, sign_hash},
};
use coffer_core::SafeTx;
use coffer_txs_api::MultisigTransactionCreate;

use crate::fail;

/// One confirmation to send.
#[derive(Clone, Debug)]
pub struct Job {
    /// The transaction.
    pub safe_tx_hash: B256,
    /// The confirming owner.
    pub owner: Address,
    /// `{"signature": "0x…"}`.
    pub body: String,
}

/// The prepared load.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The Safes and their proposal's hash.
    pub txs: Vec<(Address, B256)>,
    /// The confirmations, interleaved across the Safes.
    pub jobs: Vec<Job>,
}

/// Creates the Safes, proposes through `api` (`http://HOST:PORT/api`) and signs every confirmation.
pub async fn prepare(
    chain: &TestChain,
    suite: &SuiteAddresses,
    api: &str,
    safes: usize,
    owners_per_safe: usize,
    salt_base: u64,
) -> Workload {
    let client = reqwest::Client::new();
    let mut txs = Vec::new();
    let mut per_safe: Vec<Vec<Job>> = Vec::new();
    for i in 0..safes {
        let keys: Vec<PrivateKeySigner> =
            (0..owners_per_safe).map(|_| PrivateKeySigner::random()).collect();
        let config = SafeConfig::new(keys.iter().map(PrivateKeySigner::address).collect(), 1)
            .with_salt_nonce(U256::from(salt_base + i as u64));
        let created = create_safe(chain.provider(), chain.deployer(), suite, &config)
            .await
            .unwrap_or_else(|e| fail(&format!("creating Safe {i}: {e}")));
        let safe = created.plan.address;
        let ctx = created.info.context().unwrap_or_else(|e| fail(&format!("context: {e}")));
        let tx = SafeTx::call(safe, U256::ZERO, Vec::<u8>::new(), U256::ZERO);
        let hash = tx.safe_tx_hash(&ctx);
        let sig = sign_hash(&keys[0], hash).unwrap_or_else(|e| fail(&format!("sign: {e}")));
        let body = MultisigTransactionCreate::new(
            &tx,
            hash,
            keys[0].address(),
            Some(sig.to_bytes()),
            None,
        );
        let url = format!("{api}/v2/safes/{safe}/multisig-transactions/");
        let resp = client
            .post(&url)
            .header("content-type", "application/json")
            .body(serde_json::to_string(&body).unwrap_or_default())
            .send()
            .await
            .unwrap_or_else(|e| fail(&format!("propose to {url}: {e}")));
        let status = resp.status().as_u16();
        if status != 201 {
            let text = resp.text().await.unwrap_or_default();
            fail(&format!("propose answered {status}: {text}"));
        }
        txs.push((safe, hash));
        per_safe.push(
            keys[1..]
                .iter()
                .map(|k| {
                    let sig = sign_hash(k, hash).unwrap_or_else(|e| fail(&format!("sign: {e}")));
                    Job {
                        safe_tx_hash: hash,
                        owner: k.address(),
                        body: serde_json::json!({ "signature": sig.to_bytes() }).to_string(),
                    }
                })
                .collect(),
        );
    }
    let mut jobs = Vec::new();
    for round in 0..owners_per_safe.saturating_sub(1) {
        for list in &per_safe {
            if let Some(j) = list.get(round) {
                jobs.push(j.clone());
            }
        }
    }
    Workload { txs, jobs }
}

/// What a load run saw.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Indices (into the jobs) answered 201.
    pub created: Vec<usize>,
    /// Answers other than 201 (status, or 0 for a connection error), with their job index.
    pub failed: Vec<(usize, u16)>,
    /// Latency of every request answered 201, in microseconds.
    pub latencies_us: Vec<u64>,
    /// When each of those requests was sent, in microseconds from the start of the run (same order).
    pub sent_us: Vec<u64>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl LoadReport {
    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn latency_ms(&self, q: f64) -> f64 {
        let mut v = self.latencies_us.clone();
        if v.is_empty() {
            return 0.0;
        }
        v.sort_unstable();
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i.min(v.len() - 1)] as f64 / 1000.0
    }

    /// The slowest answer among the requests sent in each `window` of the run, in milliseconds: shows whether
    /// the tail comes from stalls (a few windows) or from steady queueing (all of them).
    pub fn worst_by_window_ms(&self, window: Duration) -> Vec<f64> {
        let w = window.as_micros().max(1) as u64;
        let mut out: Vec<f64> = Vec::new();
        for (sent, lat) in self.sent_us.iter().zip(&self.latencies_us) {
            let i = (sent / w) as usize;
            if out.len() <= i {
                out.resize(i + 1, 0.0);
            }
            out[i] = out[i].max(*lat as f64 / 1000.0);
        }
        out
    }

    /// Confirmations answered 201 per second.
    pub fn throughput(&self) -> f64 {
        self.created.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends every job to `api` from `concurrency` clients at once. A client stops early (its remaining jobs
/// unsent) after 20 failed answers in a row, e.g. once the server is gone.
///
/// The client is kept as cheap as it can be, because it shares the machine's cores with the server it measures:
/// every request's bytes (request line, headers, body) are built before the clock starts, each client writes them
/// on its own keep-alive TCP connection and reads the answer's status line, headers and `Content-Length` body
/// (HTTP/1.1 as the server speaks it), and nothing more is parsed. A connection the server closed or broke is
/// opened again for the next request.
pub async fn run(api: &str, jobs: Arc<Vec<Job>>, concurrency: usize) -> LoadReport {
    let (host, prefix) = split_api(api);
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        jobs.iter()
            .map(|job| {
                let mut r = format!(
                    "POST {prefix}/v1/multisig-transactions/{}/confirmations/ HTTP/1.1\r\nhost: {host}\r\n\
                     content-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    job.safe_tx_hash,
                    job.body.len()
                )
                .into_bytes();
                r.extend_from_slice(job.body.as_bytes());
                r
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let requests = requests.clone();
        let next = next.clone();
        let host = host.clone();
        handles.push(tokio::spawn(async move {
            let mut conn: Option<Conn> = None;
            let mut out = LoadReport::default();
            let mut failures_in_a_row = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = requests.get(i) else { break };
                let t0 = Instant::now();
                let status = match tokio::time::timeout(
                    Duration::from_secs(30),
                    exchange(&mut conn, &host, request),
                )
                .await
                {
                    Ok(Ok(status)) => status,
                    Ok(Err(_)) | Err(_) => {
                        conn = None;
                        0
                    }
                };
                if status == 201 {
                    out.latencies_us.push(t0.elapsed().as_micros() as u64);
                    out.sent_us.push(t0.duration_since(start).as_micros() as u64);
                    out.created.push(i);
                    failures_in_a_row = 0;
                } else {
                    out.failed.push((i, status));
                    failures_in_a_row += 1;
                    if failures_in_a_row >= 20 {
                        break;
                    }
                }
            }
            out
        }));
    }
    let mut total = LoadReport::default();
    for h in handles {
        if let Ok(r) = h.await {
            total.created.extend(r.created);
            total.failed.extend(r.failed);
            total.latencies_us.extend(r.latencies_us);
            total.sent_us.extend(r.sent_us);
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// `http://HOST:PORT/PREFIX` → (`HOST:PORT`, `/PREFIX`).
fn split_api(api: &str) -> (String, String) {
    let rest = api.strip_prefix("http://").unwrap_or_else(|| fail(&format!("{api}: not http://")));
    match rest.find('/') {
        Some(i) => (rest[..i].to_owned(), rest[i..].trim_end_matches('/').to_owned()),
        None => (rest.to_owned(), String::new()),
    }
}

/// A keep-alive connection and what was read past the last answer.
struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

/// Sends one request on `conn` (connecting first if there is none) and reads the answer; returns its status.
async fn exchange(conn: &mut Option<Conn>, host: &str, request: &[u8]) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let c = match conn {
        Some(c) => c,
        None => {
            let stream = tokio::net::TcpStream::connect(host).await?;
            stream.set_nodelay(true)?;
            conn.insert(Conn { stream, buf: Vec::with_capacity(1024) })
        }
    };
    c.stream.write_all(request).await?;
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    // The head: up to the blank line.
    let head_end = loop {
        if let Some(p) = c.buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let mut chunk = [0u8; 1024];
        let n = c.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("connection closed before the answer"));
        }
        c.buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&c.buf[..head_end]).map_err(|_| bad("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|l| l.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no HTTP/1.1 status line"))?;
    let mut length = None;
    let mut close = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.trim().eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(bad("chunked answers are not expected"));
            }
        }
    }
    let length = length.ok_or_else(|| bad("no content-length"))?;
    while c.buf.len() < head_end + length {
        let mut chunk = [0u8; 1024];
        let n = c.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("connection closed in the body"));
        }
        c.buf.extend_from_slice(&chunk[..n]);
    }
    c.buf.drain(..head_end + length);
    if close {
        *conn = None;
    }
    Ok(status)
}

/// Every confirmation `api` lists for `hash` (following the pages): the owners, in order.
pub async fn listed_owners(api: &str, hash: B256) -> Vec<Address> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    let mut url = Some(format!("{api}/v1/multisig-transactions/{hash}/confirmations/?limit=200"));
    while let Some(u) = url {
        let resp = client.get(&u).send().await.unwrap_or_else(|e| fail(&format!("GET {u}: {e}")));
        let page: serde_json::Value =
            resp.json().await.unwrap_or_else(|e| fail(&format!("{u}: {e}")));
        for r in page["results"].as_array().cloned().unwrap_or_default() {
            if let Some(o) = r["owner"].as_str().and_then(|s| s.parse().ok()) {
                out.push(o);
            }
        }
        url = page["next"].as_str().map(str::to_owned);
    }
    out
}

/// Peak resident set size of process `pid` (`VmHWM`), in MiB.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user + system) process `pid` has used so far, in seconds, from `/proc/PID/stat` (`utime` and
/// `stime`, in the kernel's fixed 100 Hz `USER_HZ` ticks). Independent of how busy the machine is, unlike wall
/// time.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The pids of the direct children of this process whose command name is `comm` (e.g. `anvil`).
pub fn children_named(comm: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                return false;
            };
            let name = &stat[open + 1..close];
            let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse().ok());
            name == comm && ppid == Some(me)
        })
        .collect()
}
