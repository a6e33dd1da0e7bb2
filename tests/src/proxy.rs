//! A fault-injecting JSON-RPC proxy on loopback, between the `coffer` binary and anvil.
//!
//! No packaged tool does per-JSON-RPC-method faults over plain HTTP (toxiproxy works on TCP streams, below the
//! method), so this is a small one: it reads each HTTP/1.1 request, looks at the JSON-RPC `method`, and
//! applies the first matching [`Rule`] that still has uses left: drop the connection before forwarding, drop
//! it after forwarding (the node acted, the reply is lost), delay, answer an HTTP status (429, 502, …)
//! without forwarding, or forward and return a truncated (broken JSON) body. Everything else is forwarded
//! unchanged to the real node. Each reply closes the connection, so the client reconnects for the next call.

use std::{
    io::{Read, Write},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

/// What to do to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without forwarding (the node never sees it).
    DropBefore,
    /// Forward, then close without replying (the node acted; the reply is lost).
    DropAfter,
    /// Wait this long, then forward.
    Delay(Duration),
    /// Answer this HTTP status with a short text body, without forwarding.
    Status(u16),
    /// Forward, then return only the first half of the node's body (not JSON).
    BrokenJson,
    /// For `eth_getLogs`: refuse a query over more than this many blocks with a JSON-RPC error, as providers
    /// do (`-32005`, "query exceeds max block range N"); forward smaller ones. Every query's range is kept
    /// ([`FaultProxy::log_ranges`]).
    LogRangeLimit(u64),
    /// A node without state overrides (older geth, some hosted RPCs), for rules on `eth_estimateGas` and
    /// `eth_call`: a request carrying a third parameter (the overrides) gets geth's JSON-RPC error for extra
    /// arguments; the others are forwarded.
    RefuseStateOverrides,
}

/// A fault for requests whose method is `method` (or any, for `"*"`), `times` times.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The JSON-RPC method, or `"*"`.
    pub method: String,
    /// The fault.
    pub fault: Fault,
    /// Uses left.
    pub times: usize,
}

/// Each request's method and the fault it met.
type Log = Vec<(String, Option<Fault>)>;

/// One `eth_getLogs` query seen by a [`Fault::LogRangeLimit`] rule: its first and last block, and whether
/// it was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogRange {
    /// The first block.
    pub from: u64,
    /// The last block.
    pub to: u64,
    /// Refused as too large.
    pub refused: bool,
}

/// A running proxy (a listener thread; it lives as long as the test process).
#[derive(Clone, Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    rules: Arc<Mutex<Vec<Rule>>>,
    log: Arc<Mutex<Log>>,
    ranges: Arc<Mutex<Vec<LogRange>>>,
}

impl FaultProxy {
    /// A proxy to the node at `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Self {
        let target = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| crate::fail(&format!("bind the fault proxy: {e}")));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| crate::fail(&format!("the fault proxy's address: {e}")));
        let rules: Arc<Mutex<Vec<Rule>>> = Arc::default();
        let log: Arc<Mutex<Log>> = Arc::default();
        let ranges: Arc<Mutex<Vec<LogRange>>> = Arc::default();
        let (r, l, g) = (rules.clone(), log.clone(), ranges.clone());
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (r, l, g, t) = (r.clone(), l.clone(), g.clone(), target.clone());
                thread::spawn(move || {
                    let _ = serve(conn, &t, &r, &l, &g);
                });
            }
        });
        Self { addr, rules, log, ranges }
    }

    /// The proxy's URL, for `--rpc-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a rule (rules are tried in the order added).
    pub fn add(&self, method: &str, fault: Fault, times: usize) {
        lock(&self.rules).push(Rule { method: method.to_owned(), fault, times });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// The `eth_getLogs` queries a [`Fault::LogRangeLimit`] rule saw, in order.
    pub fn log_ranges(&self) -> Vec<LogRange> {
        lock(&self.ranges).clone()
    }

    /// How many requests for `method` arrived, and how many of them met a fault.
    pub fn count(&self, method: &str) -> (usize, usize) {
        let log = lock(&self.log);
        let all = log.iter().filter(|(m, _)| m == method).count();
        let faulted = log.iter().filter(|(m, f)| m == method && f.is_some()).count();
        (all, faulted)
    }
}

/// A poisoned lock still holds usable rules: a panicking connection thread must not stop the proxy.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read_request(conn: &mut TcpStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((head, buf[head_end..].to_vec()))
}

fn forward(target: &str, body: &[u8]) -> std::io::Result<(String, Vec<u8>)> {
    let mut up = TcpStream::connect(target)?;
    write!(
        up,
        "POST / HTTP/1.1\r\nHost: {target}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    let end = resp.windows(4).position(|w| w == b"\r\n\r\n").map_or(resp.len(), |i| i + 4);
    let status_line = String::from_utf8_lossy(&resp[..end]).lines().next().unwrap_or("").to_owned();
    // anvil answers with Content-Length; chunked bodies are not expected from it.
    Ok((status_line, resp[end..].to_vec()))
}

fn reply(conn: &mut TcpStream, status: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    conn.write_all(body)?;
    conn.flush()
}

/// A block number or tag of an `eth_getLogs` filter, `latest` (or absent) resolved by asking the node.
fn block_of(v: Option<&serde_json::Value>, target: &str) -> std::io::Result<u64> {
    let tag = v.and_then(|v| v.as_str()).unwrap_or("latest");
    let hex = match tag {
        "earliest" => return Ok(0),
        "latest" | "safe" | "finalized" | "pending" => {
            let (_, body) = forward(
                target,
                br#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#,
            )?;
            let v: serde_json::Value =
                serde_json::from_slice(&body).map_err(std::io::Error::other)?;
            v["result"].as_str().unwrap_or("0x0").to_owned()
        }
        other => other.to_owned(),
    };
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(std::io::Error::other)
}

fn serve(
    mut conn: TcpStream,
    target: &str,
    rules: &Mutex<Vec<Rule>>,
    log: &Mutex<Log>,
    ranges: &Mutex<Vec<LogRange>>,
) -> std::io::Result<()> {
    let (_, body) = read_request(&mut conn)?;
    let parsed = serde_json::from_slice::<serde_json::Value>(&body).ok();
    let method = parsed
        .as_ref()
        .and_then(|v| v.get("method").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "(batch)".to_owned());
    let fault = {
        let mut rules = lock(rules);
        rules.iter_mut().find(|r| r.times > 0 && (r.method == "*" || r.method == method)).map(|r| {
            r.times -= 1;
            r.fault
        })
    };
    lock(log).push((method, fault));
    match fault {
        Some(Fault::DropBefore) => conn.shutdown(Shutdown::Both),
        Some(Fault::DropAfter) => {
            forward(target, &body)?;
            conn.shutdown(Shutdown::Both)
        }
        Some(Fault::Status(code)) => {
            let text = match code {
                429 => "429 Too Many Requests",
                502 => "502 Bad Gateway",
                503 => "503 Service Unavailable",
                _ => "500 Internal Server Error",
            };
            reply(&mut conn, text, b"upstream trouble (fault proxy)")
        }
        Some(Fault::RefuseStateOverrides) => {
            let params = parsed.as_ref().and_then(|v| v.get("params")).and_then(|p| p.as_array());
            if params.is_some_and(|p| p.len() >= 3) {
                let id = parsed.as_ref().and_then(|v| v.get("id")).cloned().unwrap_or_default();
                let err = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {
                    "code": -32602, "message": "too many arguments, want at most 2"}});
                reply(&mut conn, "200 OK", err.to_string().as_bytes())
            } else {
                let (status, resp) = forward(target, &body)?;
                let status = status.strip_prefix("HTTP/1.1 ").unwrap_or("200 OK").to_owned();
                reply(&mut conn, &status, &resp)
            }
        }
        Some(Fault::BrokenJson) => {
            let (_, resp) = forward(target, &body)?;
            reply(&mut conn, "200 OK", &resp[..resp.len() / 2])
        }
        Some(Fault::LogRangeLimit(limit)) => {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let filter = &v["params"][0];
            let from = block_of(filter.get("fromBlock"), target)?;
            let to = block_of(filter.get("toBlock"), target)?;
            let refused = to.saturating_sub(from).saturating_add(1) > limit;
            lock(ranges).push(LogRange { from, to, refused });
            if refused {
                let answer = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": v["id"],
                    "error": { "code": -32005, "message": format!("query exceeds max block range {limit}") },
                });
                return reply(&mut conn, "200 OK", answer.to_string().as_bytes());
            }
            let (status, resp) = forward(target, &body)?;
            let status = status.strip_prefix("HTTP/1.1 ").unwrap_or("200 OK").to_owned();
            reply(&mut conn, &status, &resp)
        }
        Some(Fault::Delay(d)) => {
            thread::sleep(d);
            let (_, resp) = forward(target, &body)?;
            reply(&mut conn, "200 OK", &resp)
        }
        None => {
            let (status, resp) = forward(target, &body)?;
            let status = status.strip_prefix("HTTP/1.1 ").unwrap_or("200 OK").to_owned();
            reply(&mut conn, &status, &resp)
        }
    }
}
