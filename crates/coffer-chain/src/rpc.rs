//! The one RPC client every coffer provider is built on: [`client`] puts [`RpcLayer`] in front of the
//! HTTP transport, so that retries and the send journal live in one place.
//!
//! - **Reads** (a fixed list of methods that change nothing) are retried with exponential backoff on a
//!   dropped connection, an HTTP 429 or 5xx (a `Retry-After` is honoured, at most 10 s), a reply that is not
//!   JSON, and a JSON-RPC rate-limit error.
//! - **`eth_sendRawTransaction`** is retried the same way: resubmitting the same signed bytes cannot send a
//!   second transaction (same hash, same account nonce). Before the first attempt its hash and bytes are
//!   handed to the [`SendJournal`], if one is set, so that a rerun after a crash or a lost reply finds the
//!   transaction by its hash and resubmits the same bytes instead of signing a new one. When a resubmission is
//!   refused (the node already knows it, or it was mined), the layer asks `eth_getTransactionByHash`: if the
//!   node has it, the send succeeded. When every attempt lost its reply, the error says the transaction may
//!   have been sent and names its hash.
//! - **Anything else** (`eth_sendTransaction` signed by the node, `anvil_*` / `evm_*` calls) is sent once:
//!   a failure is returned as it is.

use std::{
    fmt,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use alloy::{
    primitives::{B256, Bytes, keccak256},
    rpc::{
        client::{ClientBuilder, RpcClient},
        json_rpc::{Id, Request, RequestPacket, Response, ResponsePacket, ResponsePayload},
    },
    transports::{RpcError, TransportError, TransportErrorKind, TransportFut, http::reqwest::Url},
};
use tower::{Layer, Service};

/// Methods that only read: retried on transient failures.
const READS: [&str; 27] = [
    "eth_chainId",
    "net_version",
    "eth_blockNumber",
    "eth_call",
    "eth_estimateGas",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getLogs",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_blobBaseFee",
    "eth_syncing",
    "eth_accounts",
    "eth_createAccessList",
    "eth_getProof",
    "eth_getBlockReceipts",
    "eth_simulateV1",
    "web3_clientVersion",
    "txpool_status",
    "txpool_content",
];

/// The method whose retries are idempotent because the bytes are signed.
const SEND_RAW: &str = "eth_sendRawTransaction";

/// Records a signed transaction before it is broadcast (see the [module](self) documentation).
pub trait SendJournal: Send + Sync + fmt::Debug {
    /// Called once per broadcast, before the first attempt, with the transaction's hash and signed bytes. An
    /// error stops the send: nothing is broadcast.
    fn record(&self, tx_hash: B256, raw: &Bytes) -> Result<(), String>;

    /// Whether a rerun of the command finds the recorded transaction (shapes the "may have been sent" text).
    fn rerun_finds_it(&self) -> bool {
        true
    }
}

/// How often and how long [`RpcLayer`] retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    /// The first backoff; doubled after each attempt.
    pub initial_backoff: Duration,
    /// The longest backoff (and the longest `Retry-After` honoured).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 6 retries from 100 ms, doubling, at most 10 s apart: a little over 6 s in all without `Retry-After`.
    fn default() -> Self {
        Self {
            retries: 6,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// The tower layer of [`client`].
#[derive(Clone, Debug, Default)]
pub struct RpcLayer {
    policy: RetryPolicy,
    journal: Option<Arc<dyn SendJournal>>,
}

impl RpcLayer {
    /// A layer with this retry policy and no journal.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy, journal: None }
    }

    /// Records every signed transaction in `journal` before it is broadcast.
    pub fn with_journal(mut self, journal: Arc<dyn SendJournal>) -> Self {
        self.journal = Some(journal);
        self
    }
}

impl<S> Layer<S> for RpcLayer {
    type Service = RpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcService { inner, policy: self.policy, journal: self.journal.clone() }
    }
}

/// The service [`RpcLayer`] wraps the transport in.
#[derive(Clone, Debug)]
pub struct RpcService<S> {
    inner: S,
    policy: RetryPolicy,
    journal: Option<Arc<dyn SendJournal>>,
}

/// An RPC client for `url` with [`RpcLayer`] (default [`RetryPolicy`]) and, if given, a journal of signed
/// transactions. Build a provider on it with `ProviderBuilder::new().connect_client(client)`.
pub fn client(url: Url, journal: Option<Arc<dyn SendJournal>>) -> RpcClient {
    let mut layer = RpcLayer::new(RetryPolicy::default());
    if let Some(j) = journal {
        layer = layer.with_journal(j);
    }
    ClientBuilder::default().layer(layer).http(url)
}

/// What a failure is, for the retry decision.
fn is_transient(e: &TransportError) -> bool {
    match e {
        RpcError::Transport(kind) => match kind {
            TransportErrorKind::HttpError(h) => h.status == 429 || h.status >= 500,
            TransportErrorKind::HttpErrorWithRetryAfter { error, .. } => {
                error.status == 429 || error.status >= 500
            }
            TransportErrorKind::Custom(_) | TransportErrorKind::BackendGone => true,
            _ => false,
        },
        RpcError::DeserError { .. } => true,
        RpcError::ErrorResp(p) => is_rate_limit(p.code, &p.message),
        _ => false,
    }
}

/// A rate limit, not a refusal of a query's size (some providers answer both with -32005): only the former is
/// retried as it is; `eth_getLogs` pages a refused range ([`crate::get_logs_paged`]).
fn is_rate_limit(code: i64, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    (code == 429 || code == -32005 || m.contains("rate limit") || m.contains("too many requests"))
        && !crate::is_range_refusal(message)
}

/// The wait before retry `attempt` (0-based): the server's `Retry-After` if it sent one, else the doubling
/// backoff; at most `max_backoff`.
fn backoff(policy: &RetryPolicy, attempt: u32, e: Option<&TransportError>) -> Duration {
    let exp = policy.initial_backoff.saturating_mul(1u32 << attempt.min(16));
    e.and_then(retry_after).unwrap_or(exp).min(policy.max_backoff)
}

fn retry_after(e: &TransportError) -> Option<Duration> {
    match e {
        RpcError::Transport(TransportErrorKind::HttpErrorWithRetryAfter {
            retry_after, ..
        }) => Some(*retry_after),
        _ => None,
    }
}

/// A JSON-RPC error answer that is a rate limit: retried like a transport failure.
fn response_rate_limited(r: &ResponsePacket) -> bool {
    r.iter_errors().any(|e| is_rate_limit(e.code, &e.message))
}

/// The signed bytes of an `eth_sendRawTransaction` request.
fn raw_of(request: &RequestPacket) -> Option<Bytes> {
    let single = request.as_single()?;
    let v: serde_json::Value = serde_json::from_str(single.serialized().get()).ok()?;
    let hex = v.get("params")?.get(0)?.as_str()?;
    hex.parse().ok()
}

impl<S> RpcService<S>
where
    S: Service<RequestPacket, Response = ResponsePacket, Error = TransportError>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    /// Whether the node knows `hash` (`eth_getTransactionByHash` is not null).
    async fn node_has(mut inner: S, hash: B256) -> bool {
        let Ok(req) = Request::new("eth_getTransactionByHash", Id::Number(0), [hash]).serialize()
        else {
            return false;
        };
        match inner.call(RequestPacket::Single(req)).await {
            Ok(ResponsePacket::Single(Response {
                payload: ResponsePayload::Success(v), ..
            })) => v.get() != "null",
            _ => false,
        }
    }

    fn sent_response(request: &RequestPacket, hash: B256) -> Option<ResponsePacket> {
        let id = request.as_single()?.id().clone();
        let value = serde_json::value::to_raw_value(&hash).ok()?;
        Some(ResponsePacket::Single(Response { id, payload: ResponsePayload::Success(value) }))
    }
}

impl<S> Service<RequestPacket> for RpcService<S>
where
    S: Service<RequestPacket, Response = ResponsePacket, Error = TransportError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let methods: Vec<String> = request.method_names().map(str::to_owned).collect();
            let send_raw = methods.iter().any(|m| m == SEND_RAW);
            let retryable = methods.iter().all(|m| m == SEND_RAW || READS.contains(&m.as_str()));
            let raw = if send_raw { raw_of(&request) } else { None };
            let hash = raw.as_ref().map(keccak256);
            if let (Some(journal), Some(raw), Some(hash)) = (&this.journal, &raw, hash) {
                journal.record(hash, raw).map_err(|e| {
                    TransportErrorKind::custom_str(&format!(
                        "could not record the signed transaction {hash} before sending it ({e}); nothing was sent"
                    ))
                })?;
            }
            let mut attempt = 0u32;
            let mut reply_lost = false;
            loop {
                let mut inner = this.inner.clone();
                let result = inner.call(request.clone()).await;
                match result {
                    Ok(resp)
                        if retryable
                            && attempt < this.policy.retries
                            && response_rate_limited(&resp) =>
                    {
                        tokio::time::sleep(backoff(&this.policy, attempt, None)).await;
                    }
                    Ok(resp) if reply_lost && resp.is_error() => {
                        // A resubmission the node refuses (already known, nonce too low): if the node has the
                        // transaction, the lost first attempt reached it.
                        if let Some(hash) = hash
                            && Self::node_has(this.inner.clone(), hash).await
                            && let Some(ok) = Self::sent_response(&request, hash)
                        {
                            return Ok(ok);
                        }
                        return Ok(resp);
                    }
                    Ok(resp) => return Ok(resp),
                    Err(e) if retryable && is_transient(&e) && attempt < this.policy.retries => {
                        reply_lost |= send_raw;
                        tokio::time::sleep(backoff(&this.policy, attempt, Some(&e))).await;
                    }
                    Err(e) if send_raw && is_transient(&e) => {
                        if let Some(hash) = hash
                            && Self::node_has(this.inner.clone(), hash).await
                            && let Some(ok) = Self::sent_response(&request, hash)
                        {
                            return Ok(ok);
                        }
                        let hash =
                            hash.map_or_else(|| "(unknown hash)".to_owned(), |h| h.to_string());
                        let advice = if this.journal.as_ref().is_some_and(|j| j.rerun_finds_it()) {
                            "run `coffer tx show` or rerun the same command to check: the signed transaction is \
                             recorded, and a rerun finds it by its hash and resubmits the same bytes, never a new \
                             transaction"
                        } else {
                            "check that hash on a block explorer or with the node before sending again"
                        };
                        return Err(TransportErrorKind::custom_str(&format!(
                            "the node's reply to eth_sendRawTransaction was lost after {} attempt(s) ({e}): \
                             transaction {hash} may have been sent; {advice}",
                            attempt + 1
                        )));
                    }
                    Err(e) => return Err(e),
                }
                attempt += 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        let http = |status| {
            RpcError::Transport(TransportErrorKind::HttpError(alloy::transports::HttpError {
                status,
                body: String::new(),
            }))
        };
        assert!(is_transient(&http(429)));
        assert!(is_transient(&http(502)));
        assert!(!is_transient(&http(400)));
        assert!(is_transient(&TransportErrorKind::custom_str("connection reset")));
        assert!(is_rate_limit(-32005, "limit exceeded"));
        assert!(!is_rate_limit(-32000, "nonce too low"));
        assert!(
            !is_rate_limit(-32005, "query returned more than 10000 results"),
            "paged, not retried"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(backoff(&p, 0, None), Duration::from_millis(100));
        assert_eq!(backoff(&p, 3, None), Duration::from_millis(800));
        assert_eq!(backoff(&p, 10, None), Duration::from_secs(10));
        let hinted = RpcError::Transport(TransportErrorKind::HttpErrorWithRetryAfter {
            error: alloy::transports::HttpError { status: 429, body: String::new() },
            retry_after: Duration::from_secs(2),
        });
        assert_eq!(backoff(&p, 0, Some(&hinted)), Duration::from_secs(2));
    }
}
