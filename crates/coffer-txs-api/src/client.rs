//! coffer's client of a Safe Transaction Service (the official one, or `coffer serve`).
//!
//! - The base URL is the part before `/v1`: `https://api.safe.global/tx-service/eth/api`, or
//!   `http://127.0.0.1:8000/api` for `coffer serve`. A URL given without a trailing `/api` gets
//!   it appended (the official server and `coffer serve` both mount there), a trailing slash is
//!   dropped. With no URL but an API key, the hosted service of the chain is used
//!   ([`hosted_url`]).
//! - Every request sends `Accept: application/json`; with a key, `Authorization: Bearer KEY`.
//!   Paths keep the service's trailing slash; addresses are sent EIP-55 checksummed.
//! - A 429, a 5xx or a connection failure is retried with exponential backoff (honouring
//!   `Retry-After` up to 10 s). Proposing and confirming are idempotent on the service, so
//!   POSTs are retried too. A 4xx is returned at once as [`ClientError::Status`] carrying the
//!   service's own message ([`ApiErrorBody::message`]).
//! - Nothing read here is trusted: the caller recomputes every safeTxHash and verifies every
//!   signature (coffer-queue's `service` module does).

use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use reqwest::{Method, StatusCode, header};
use serde::{Serialize, de::DeserializeOwned};

use crate::types::{
    AboutResponse, ApiErrorBody, ConfirmationCreate, MultisigTransaction,
    MultisigTransactionCreate, Page, SafeInfoResponse,
};

/// Every error of the client. Each names the URL it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The service URL does not parse or is not http(s).
    #[error(
        "the Transaction Service URL {url:?} is not usable: {reason}; write e.g. http://127.0.0.1:8000/api"
    )]
    InvalidUrl {
        /// What was given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// No URL was given and the chain has no hosted service.
    #[error(
        "no hosted Safe Transaction Service is known for chain {chain_id}; pass --tx-service URL (e.g. a `coffer serve`)"
    )]
    NoHostedService {
        /// The chain.
        chain_id: u64,
    },
    /// The hosted service needs an API key.
    #[error(
        "the hosted Safe Transaction Service ({url}) needs an API key: pass --tx-service-key KEY or set COFFER_TX_SERVICE_KEY (keys: https://developer.safe.global)"
    )]
    KeyRequired {
        /// The hosted URL.
        url: String,
    },
    /// The service could not be reached (after the retries).
    #[error("cannot reach the Transaction Service at {url}: {reason} (tried {attempts} times)")]
    Transport {
        /// The request URL.
        url: String,
        /// The transport error.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The service answered with an error status; `message` is its own text.
    #[error("the Transaction Service answered {status} for {method} {url}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// Request method.
        method: String,
        /// Request URL.
        url: String,
        /// The service's message (or the status text when the body has none).
        message: String,
    },
    /// A success body that is not what the API specifies.
    #[error("the Transaction Service's answer to {url} is not valid: {reason}")]
    Decode {
        /// Request URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl ClientError {
    /// The HTTP status, for [`ClientError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the user's input is the cause (a bad URL, a missing key, a 4xx other than 429).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::InvalidUrl { .. } | Self::NoHostedService { .. } | Self::KeyRequired { .. } => {
                true
            }
            Self::Status { status, .. } => (400..500).contains(status) && *status != 429,
            Self::Transport { .. } | Self::Decode { .. } => false,
        }
    }
}

/// The short names of chains the hosted service covers, as api-kit 5's `utils/config.ts` maps them
/// (the subset listed in TX-SERVICE-API.md §7; other chains: pass the URL)
/// (`https://api.safe.global/tx-service/<shortName>/api`).
const HOSTED: &[(u64, &str)] = &[
    (1, "eth"),
    (10, "oeth"),
    (56, "bnb"),
    (100, "gno"),
    (137, "pol"),
    (8453, "base"),
    (42161, "arb1"),
    (84532, "basesep"),
    (11155111, "sep"),
];

/// The hosted service's base URL for `chain_id`, if Safe hosts one.
pub fn hosted_url(chain_id: u64) -> Option<String> {
    HOSTED
        .iter()
        .find(|(id, _)| *id == chain_id)
        .map(|(_, name)| format!("https://api.safe.global/tx-service/{name}/api"))
}

/// Normalises a user-given base URL: http(s) only, no query, no trailing slash, ending in
/// `/api`.
pub fn normalize_base_url(url: &str) -> Result<String, ClientError> {
    let bad = |reason: &str| ClientError::InvalidUrl { url: url.to_owned(), reason: reason.into() };
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http and https are supported"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("it must not have a query or a fragment"));
    }
    let mut base = parsed.as_str().trim_end_matches('/').to_owned();
    if !base.ends_with("/api") {
        base.push_str("/api");
    }
    Ok(base)
}

/// Retry policy: how often and how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in total (at least 1).
    pub attempts: u32,
    /// The first wait; each next wait doubles.
    pub first_delay: Duration,
    /// The longest wait (also the cap on `Retry-After`).
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// A Transaction Service client (cheap to clone).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
    retry: Retry,
}

impl Client {
    /// A client for `url` (normalised with [`normalize_base_url`]), or, with no URL, for the
    /// hosted service of `chain_id` (which needs `key`).
    pub fn new(url: Option<&str>, key: Option<&str>, chain_id: u64) -> Result<Self, ClientError> {
        let key = key.map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
        let base = match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => normalize_base_url(u)?,
            None => hosted_url(chain_id).ok_or(ClientError::NoHostedService { chain_id })?,
        };
        if key.is_none() && (base.contains("api.safe.global") || base.contains("api.5afe.dev")) {
            return Err(ClientError::KeyRequired { url: base });
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("coffer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::InvalidUrl { url: base.clone(), reason: e.to_string() })?;
        Ok(Self { http, base, key, retry: Retry::default() })
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The base URL (ending in `/api`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One request with retries; `Ok(None)` for a 404 when `not_found_ok`.
    async fn send<B: Serialize>(
        &self,
        method: Method,
        url: &str,
        body: Option<&B>,
        not_found_ok: bool,
    ) -> Result<Option<(StatusCode, Vec<u8>)>, ClientError> {
        let attempts = self.retry.attempts.max(1);
        let mut delay = self.retry.first_delay;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req =
                self.http.request(method.clone(), url).header(header::ACCEPT, "application/json");
            if let Some(key) = &self.key {
                req = req.header(header::AUTHORIZATION, format!("Bearer {key}"));
            }
            if let Some(body) = body {
                let json = serde_json::to_vec(body).map_err(|e| ClientError::Decode {
                    url: url.to_owned(),
                    reason: format!("cannot encode the request: {e}"),
                })?;
                req = req.header(header::CONTENT_TYPE, "application/json").body(json);
            }
            let outcome = req.send().await;
            let (retryable, wait_hint, err) = match outcome {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    if status.is_success() {
                        return Ok(Some((status, bytes)));
                    }
                    if status == StatusCode::NOT_FOUND && not_found_ok {
                        return Ok(None);
                    }
                    let err = status_error(&method, url, status, &bytes);
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    (retryable, retry_after, err)
                }
                Err(e) => {
                    let err = ClientError::Transport {
                        url: url.to_owned(),
                        reason: e.to_string(),
                        attempts: attempt,
                    };
                    (e.is_connect() || e.is_timeout() || e.is_request(), None, err)
                }
            };
            if !retryable || attempt >= attempts {
                return Err(err);
            }
            let wait = wait_hint.unwrap_or(delay).min(self.retry.max_delay);
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(self.retry.max_delay);
        }
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        not_found_ok: bool,
    ) -> Result<Option<T>, ClientError> {
        let url = self.url(path);
        let Some((_, body)) = self.send::<()>(Method::GET, &url, None, not_found_ok).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| ClientError::Decode { url, reason: e.to_string() })
    }

    pub(crate) async fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<(), ClientError> {
        let url = self.url(path);
        self.send(Method::POST, &url, Some(body), false).await.map(drop)
    }

    /// `GET /v1/about/`.
    pub async fn about(&self) -> Result<AboutResponse, ClientError> {
        self.get_json("/v1/about/", false).await?.ok_or_else(|| self.missing("/v1/about/"))
    }

    /// `GET /v1/safes/{safe}/`; `None` when the service does not know the Safe (404).
    pub async fn safe_info(&self, safe: Address) -> Result<Option<SafeInfoResponse>, ClientError> {
        self.get_json(&format!("/v1/safes/{}/", safe.to_checksum(None)), true).await
    }

    /// `GET /v2/multisig-transactions/{hash}/`; `None` when unknown (404).
    pub async fn transaction(
        &self,
        safe_tx_hash: B256,
    ) -> Result<Option<MultisigTransaction>, ClientError> {
        self.get_json(&format!("/v2/multisig-transactions/{safe_tx_hash:#x}/"), true).await
    }

    /// The not-executed transactions of `safe` with nonce ≥ `nonce_gte`, every page, lowest
    /// nonce first (`executed=false&nonce__gte=N&ordering=nonce`).
    pub async fn pending(
        &self,
        safe: Address,
        nonce_gte: U256,
    ) -> Result<Vec<MultisigTransaction>, ClientError> {
        self.all_pages(&format!(
            "/v2/safes/{}/multisig-transactions/?executed=false&nonce__gte={nonce_gte}&ordering=nonce",
            safe.to_checksum(None)
        ))
        .await
    }

    /// `GET query&limit=100&offset=N` for every page of a paginated list (`query` has its `?`), in the
    /// service's order: until a page has no `next`, is empty, or the count is reached.
    pub(crate) async fn all_pages<T: DeserializeOwned>(
        &self,
        query: &str,
    ) -> Result<Vec<T>, ClientError> {
        const LIMIT: usize = 100;
        let mut out = Vec::new();
        let mut offset = 0usize;
        loop {
            let path = format!("{query}&limit={LIMIT}&offset={offset}");
            let page: Page<T> =
                self.get_json(&path, false).await?.ok_or_else(|| self.missing(&path))?;
            let n = page.results.len();
            out.extend(page.results);
            offset += n;
            if page.next.is_none() || n == 0 || offset as u64 >= page.count {
                break;
            }
        }
        Ok(out)
    }

    /// `POST /v2/safes/{safe}/multisig-transactions/` (201, empty body). Idempotent on the
    /// service: proposing a known transaction adds the body's signatures as confirmations.
    pub async fn propose(
        &self,
        safe: Address,
        body: &MultisigTransactionCreate,
    ) -> Result<(), ClientError> {
        self.post(&format!("/v2/safes/{}/multisig-transactions/", safe.to_checksum(None)), body)
            .await
    }

    /// `POST /v1/multisig-transactions/{hash}/confirmations/` with one owner's signature.
    pub async fn confirm(&self, safe_tx_hash: B256, signature: Bytes) -> Result<(), ClientError> {
        self.post(
            &format!("/v1/multisig-transactions/{safe_tx_hash:#x}/confirmations/"),
            &ConfirmationCreate { signature },
        )
        .await
    }

    pub(crate) fn missing(&self, path: &str) -> ClientError {
        ClientError::Decode { url: self.url(path), reason: "the answer was empty".to_owned() }
    }
}

fn status_error(method: &Method, url: &str, status: StatusCode, body: &[u8]) -> ClientError {
    let message = serde_json::from_slice::<ApiErrorBody>(body)
        .ok()
        .and_then(|b| b.message())
        .or_else(|| {
            let text = String::from_utf8_lossy(body).trim().to_owned();
            (!text.is_empty() && text.len() <= 300 && !text.starts_with('<')).then_some(text)
        })
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
    ClientError::Status {
        status: status.as_u16(),
        method: method.to_string(),
        url: url.to_owned(),
        message,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8000").unwrap(),
            "http://127.0.0.1:8000/api"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8000/").unwrap(),
            "http://127.0.0.1:8000/api"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8000/api/").unwrap(),
            "http://127.0.0.1:8000/api"
        );
        assert_eq!(
            normalize_base_url("https://api.safe.global/tx-service/eth/api").unwrap(),
            "https://api.safe.global/tx-service/eth/api"
        );
        for bad in ["", "127.0.0.1:8000", "ftp://x/api", "http://x/api?a=1", "not a url"] {
            assert!(
                matches!(normalize_base_url(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn hosted_urls_need_a_key() {
        assert_eq!(hosted_url(1).unwrap(), "https://api.safe.global/tx-service/eth/api");
        assert_eq!(hosted_url(11155111).unwrap(), "https://api.safe.global/tx-service/sep/api");
        assert!(hosted_url(31337).is_none());
        assert!(matches!(Client::new(None, None, 1), Err(ClientError::KeyRequired { .. })));
        assert!(matches!(
            Client::new(None, Some("k"), 31337),
            Err(ClientError::NoHostedService { chain_id: 31337 })
        ));
        let c = Client::new(None, Some("k"), 8453).unwrap();
        assert_eq!(c.base_url(), "https://api.safe.global/tx-service/base/api");
        let c = Client::new(Some("http://127.0.0.1:9/"), None, 1).unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/api");
    }

    #[test]
    fn error_messages_are_the_services_own() {
        let body =
            br#"{"nonFieldErrors":["Signature does not match sender=0x1. Calculated owners=[]"]}"#;
        let e = status_error(&Method::POST, "u", StatusCode::UNPROCESSABLE_ENTITY, body);
        assert_eq!(e.status(), Some(422));
        assert!(e.is_bad_input());
        assert!(
            e.to_string().ends_with("Signature does not match sender=0x1. Calculated owners=[]")
        );
        let e = status_error(
            &Method::POST,
            "u",
            StatusCode::BAD_REQUEST,
            br#"{"signature":["Signer=0x2 is not an owner"]}"#,
        );
        assert!(e.to_string().ends_with("signature: Signer=0x2 is not an owner"), "{e}");
        let e = status_error(&Method::GET, "u", StatusCode::NOT_FOUND, b"");
        assert!(e.to_string().ends_with("Not Found"));
        let e = status_error(&Method::GET, "u", StatusCode::TOO_MANY_REQUESTS, b"");
        assert!(!e.is_bad_input());
    }
}
