//! The HTTP layer: routes under `/api/v1` and `/api/v2` (with or without a trailing slash), handlers, the
//! service's error shapes, the optional bearer token and CORS.

use crate::{
    chain::{ChainView, ReadError},
    clock::{iso_from_unix, now_iso},
    db::{ConfirmationRow, Db, ExecutionRow, TxFilter, TxRow},
    rules::{
        Refusal, propose_fields, python_list, signature_value, stored_origin, verified_signatures,
    },
};
use alloy::primitives::{Address, B256, Bytes, U256};
use axum::{
    Json, Router,
    body::Bytes as BodyBytes,
    extract::{Path, Query, Request, State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use coffer_chain::{SafeInfo, find_executions};
use coffer_core::{SafeTx, SafeTxContext};
use coffer_txs_api::{
    AboutResponse, ApiErrorBody, Confirmation, MultisigTransaction, OwnerSafes, Page,
    SafeInfoResponse,
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Arc, Mutex},
};

// The Safe message routes: a child module (its file is `src/messages.rs`) that shares the helpers below.
#[path = "messages.rs"]
mod messages;

/// The largest request body accepted (Django's default `DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 2_621_440;

/// Shared state of the handlers.
pub(crate) struct AppState {
    pub(crate) db: Db,
    pub(crate) chain: ChainView,
    pub(crate) api_token: Option<String>,
    /// Per Safe, the chain nonce up to which executions were recorded.
    pub(crate) synced: Mutex<HashMap<Address, i64>>,
    /// Stored transactions a confirmation may refer to, so that a confirmation does not read its row back.
    pub(crate) pending: PendingTxs,
}

/// What a confirmation needs of a stored transaction, kept for the transactions that are trusted and not
/// executed: the fields never change for a safeTxHash, `trusted` never goes back to false, and whether the
/// transaction was executed since is decided each time from the chain's nonce (a nonce not yet used cannot have
/// been executed; a used one sends the confirmation back to the database).
#[derive(Default)]
pub(crate) struct PendingTxs(Mutex<HashMap<String, Arc<PendingTx>>>);

pub(crate) struct PendingTx {
    safe: Address,
    tx: SafeTx,
}

/// Entries kept at most; past it the map starts over (a miss only costs one row read).
const PENDING_CACHE_MAX: usize = 100_000;

impl PendingTxs {
    fn get(&self, hash: &str) -> Option<Arc<PendingTx>> {
        self.0.lock().ok()?.get(hash).cloned()
    }
    fn put(&self, hash: &str, entry: Arc<PendingTx>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= PENDING_CACHE_MAX {
                m.clear();
            }
            m.insert(hash.to_owned(), entry);
        }
    }
    fn forget(&self, hash: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(hash);
        }
    }
}

type Shared = Arc<AppState>;

/// An answer other than success: a status and the service's JSON body (or none).
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, body: ApiErrorBody) -> Self {
        Self { status, body: Some(Value::Object(body.0)) }
    }
    fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ApiErrorBody::detail("Not found."))
    }
    fn unprocessable(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, ApiErrorBody::non_field(msg))
    }
    fn signature(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ApiErrorBody::field("signature", msg))
    }
    /// 503 as the official service answers RPC failures.
    fn rpc(trace: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: Some(
                json!({"exception": "Problem connecting to Ethereum network", "trace": trace.into()}),
            ),
        }
    }
    /// A storage failure: not the client's fault.
    fn internal(e: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiErrorBody::detail(format!("storage error: {e}")),
        )
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        Self::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.body {
            Some(b) => (self.status, Json(b)).into_response(),
            None => self.status.into_response(),
        }
    }
}

type ApiResult = Result<Response, ApiError>;

/// A path address: not `0x` + 40 hex is "not found" (the official URL pattern does not match); a wrong
/// checksum is 422 code 1.
fn path_address(s: &str) -> Result<Address, ApiError> {
    let hex = s.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found());
    }
    Address::parse_checksummed(s, None).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorBody::code(
                1,
                "Checksum address validation failed",
                vec![Value::String(s.to_owned())],
            ),
        )
    })
}

/// A path safeTxHash (`0x` + 64 hex, any case), lowercased.
fn path_hash(s: &str) -> Result<String, ApiError> {
    let hex = s.strip_prefix("0x").unwrap_or("");
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found());
    }
    Ok(format!("0x{}", hex.to_ascii_lowercase()))
}

/// The JSON body, or the service's 400 / 413.
fn json_body(body: Result<BodyBytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        let status = e.status();
        let status = if status.is_client_error() { status } else { StatusCode::BAD_REQUEST };
        ApiError::new(
            status,
            ApiErrorBody::detail(format!("Request body rejected: {}", e.body_text())),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ApiErrorBody::detail(format!("JSON parse error - {e}")),
        )
    })
}

fn chain_error(safe: Address, e: ReadError) -> ApiError {
    match e {
        ReadError::NotASafe(reason) => ApiError::unprocessable(format!(
            "Could not get Safe {safe} owners from blockchain, check contract exists on network ({reason})"
        )),
        ReadError::Rpc(trace) => ApiError::rpc(trace),
    }
}

fn context(state: &AppState, info: &SafeInfo) -> Result<SafeTxContext, ApiError> {
    let version = info.version.ok_or_else(|| {
        ApiError::unprocessable(format!(
            "Safe {} has version {:?}, which coffer serve does not support",
            info.address, info.version_string
        ))
    })?;
    Ok(SafeTxContext::new(state.chain.chain_id, info.address, version))
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", alloy::primitives::hex::encode(b))
}

fn corrupt(what: &str) -> ApiError {
    ApiError::internal(crate::Error::Corrupt(what.to_owned()))
}

fn parse_addr(s: &str) -> Result<Address, ApiError> {
    Address::from_str(s).map_err(|_| corrupt(s))
}

fn parse_u256(s: &str) -> Result<U256, ApiError> {
    U256::from_str_radix(s, 10).map_err(|_| corrupt(s))
}

fn parse_b256(s: &str) -> Result<B256, ApiError> {
    B256::from_str(s).map_err(|_| corrupt(s))
}

fn parse_bytes(s: &str) -> Result<Bytes, ApiError> {
    Bytes::from_str(s).map_err(|_| corrupt(s))
}

/// The SafeTx a stored row describes.
fn row_tx(row: &TxRow) -> Result<SafeTx, ApiError> {
    Ok(SafeTx {
        to: parse_addr(&row.to)?,
        value: parse_u256(&row.value)?,
        data: row.data.as_deref().map(parse_bytes).transpose()?.unwrap_or_default(),
        operation: u8::try_from(row.operation)
            .ok()
            .and_then(|o| o.try_into().ok())
            .ok_or_else(|| corrupt("operation"))?,
        safe_tx_gas: parse_u256(&row.safe_tx_gas)?,
        base_gas: parse_u256(&row.base_gas)?,
        gas_price: parse_u256(&row.gas_price)?,
        gas_token: parse_addr(&row.gas_token)?,
        refund_receiver: parse_addr(&row.refund_receiver)?,
        nonce: U256::from(row.nonce.max(0) as u64),
    })
}

fn confirmation_json(c: &ConfirmationRow) -> Result<Confirmation, ApiError> {
    Ok(Confirmation {
        owner: parse_addr(&c.owner)?,
        submission_date: c.created.clone(),
        transaction_hash: None,
        signature: parse_bytes(&c.signature)?,
        signature_type: c.signature_type.clone(),
    })
}

/// The v2 object (§5.1); `v1` turns `nonce`, `safeTxGas` and `baseGas` into numbers as the v1 endpoints do.
fn tx_json(
    row: &TxRow,
    confirmations: &[ConfirmationRow],
    threshold: u64,
    v1: bool,
) -> Result<Value, ApiError> {
    let tx = row_tx(row)?;
    let t = MultisigTransaction {
        safe: parse_addr(&row.safe)?,
        to: tx.to,
        value: tx.value,
        data: (!tx.data.is_empty()).then_some(tx.data.clone()),
        operation: tx.operation.as_u8(),
        gas_token: Some(tx.gas_token),
        safe_tx_gas: tx.safe_tx_gas,
        base_gas: tx.base_gas,
        gas_price: tx.gas_price,
        refund_receiver: Some(tx.refund_receiver),
        nonce: tx.nonce,
        execution_date: row.execution_date.clone(),
        submission_date: row.created.clone(),
        modified: row.modified.clone(),
        block_number: row.block_number.map(|b| b.max(0) as u64),
        transaction_hash: row.executed_tx_hash.as_deref().map(parse_b256).transpose()?,
        safe_tx_hash: parse_b256(&row.safe_tx_hash)?,
        proposer: Some(parse_addr(&row.proposer)?),
        proposed_by_delegate: None,
        executor: row.executor.as_deref().map(parse_addr).transpose()?,
        is_executed: row.executed_tx_hash.is_some(),
        is_successful: row.is_successful,
        eth_gas_price: None,
        max_fee_per_gas: None,
        max_priority_fee_per_gas: None,
        gas_used: None,
        fee: None,
        payment: row.payment.as_deref().map(parse_u256).transpose()?,
        origin: row.origin.clone(),
        data_decoded: None,
        confirmations_required: threshold,
        confirmations: confirmations
            .iter()
            .filter(|c| c.safe_tx_hash == row.safe_tx_hash)
            .map(confirmation_json)
            .collect::<Result<_, _>>()?,
        trusted: row.trusted,
        signatures: None,
    };
    let mut v = serde_json::to_value(&t).map_err(ApiError::internal)?;
    if v1 {
        for key in ["nonce", "safeTxGas", "baseGas"] {
            if let Some(n) = v.get(key).and_then(Value::as_str).and_then(|s| s.parse::<u64>().ok())
            {
                v[key] = json!(n);
            }
        }
    }
    Ok(v)
}

impl AppState {
    /// Records executions the chain has done since the last look: every unexecuted stored transaction of the
    /// Safe with a nonce below the chain's is looked up in the Safe's `ExecutionSuccess`/`ExecutionFailure`
    /// logs. Those found are marked executed; the others were replaced (their nonce is used).
    async fn sync_executions(&self, info: &SafeInfo) -> Result<(), ApiError> {
        let nonce = i64::try_from(info.nonce).unwrap_or(i64::MAX);
        let done = self.synced.lock().ok().and_then(|m| m.get(&info.address).copied());
        if done == Some(nonce) {
            return Ok(());
        }
        let safe = info.address.to_string();
        let stale = self.db.stale_pending(&safe, nonce).await?;
        if !stale.is_empty() {
            let from = self.chain.history_start(info.address).await;
            let records = find_executions(&self.chain.provider, info.address, from)
                .await
                .map_err(|e| ApiError::rpc(e.to_string()))?;
            for r in records {
                let h = r.safe_tx_hash.to_string();
                if !stale.contains(&h) {
                    continue;
                }
                let Some(tx_hash) = r.tx_hash else { continue };
                let (executor, time) = self.chain.execution_details(tx_hash, r.block_number).await;
                let e = ExecutionRow {
                    tx_hash: tx_hash.to_string(),
                    date: time.map(|t| iso_from_unix(t, 0)).unwrap_or_else(now_iso),
                    block_number: r.block_number.and_then(|b| i64::try_from(b).ok()),
                    success: r.success,
                    executor: executor.map(|a| a.to_string()),
                    payment: r.payment.to_string(),
                };
                self.db.record_execution(&h, &e).await?;
            }
        }
        if let Ok(mut m) = self.synced.lock() {
            m.insert(info.address, nonce);
        }
        Ok(())
    }
}

async fn about(State(state): State<Shared>, headers: HeaderMap) -> Json<AboutResponse> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    Json(AboutResponse {
        name: "coffer".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: "v1".to_owned(),
        secure: false,
        host,
        headers: Vec::new(),
        settings: serde_json::Map::new(),
        chain_id: Some(state.chain.chain_id),
    })
}

async fn safe_info(State(state): State<Shared>, Path(addr): Path<String>) -> ApiResult {
    let safe = path_address(&addr)?;
    let info = match state.chain.fresh(safe).await {
        Ok(info) => info,
        // The official service answers 404 with an empty body for a Safe it does not know.
        Err(ReadError::NotASafe(_)) => return Ok(StatusCode::NOT_FOUND.into_response()),
        Err(ReadError::Rpc(_)) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiErrorBody::code(50, "Cannot get Safe info from blockchain", vec![json!(addr)]),
            ));
        }
    };
    state.db.remember_safe(&safe.to_string()).await?;
    Ok(Json(SafeInfoResponse {
        address: info.address,
        nonce: info.nonce,
        threshold: info.threshold,
        owners: info.owners.clone(),
        master_copy: info.singleton,
        modules: info.modules.clone(),
        fallback_handler: info.fallback_handler,
        guard: info.guard,
        module_guard: Address::ZERO,
        version: Some(info.version_string.clone()),
    })
    .into_response())
}

/// Query pairs; a bad query string is a 400 in the official shape.
type QueryPairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

fn query_pairs(q: QueryPairs) -> Result<Vec<(String, String)>, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody::detail(e.body_text())))
}

fn lenient_bool(field: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ApiErrorBody::field(
                field,
                "Select a valid choice. That choice is not one of the available choices.",
            ),
        )),
    }
}

fn int_filter(field: &str, v: &str) -> Result<i64, ApiError> {
    v.trim().parse::<i64>().map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody::field(field, "Enter a number."))
    })
}

/// `limit` (default 100, at most 200) and `offset` (default 0); invalid values fall back to the defaults,
/// as DRF does.
fn paging(pairs: &[(String, String)]) -> (i64, i64) {
    let get = |k: &str| {
        pairs.iter().rev().find(|(key, _)| key == k).and_then(|(_, v)| v.parse::<i64>().ok())
    };
    let limit = get("limit").filter(|l| *l > 0).map_or(100, |l| l.min(200));
    let offset = get("offset").filter(|o| *o >= 0).unwrap_or(0);
    (limit, offset)
}

/// Absolute URLs of the neighbouring pages, the request's query with `limit`/`offset` replaced.
fn page_links(
    headers: &HeaderMap,
    uri: &Uri,
    pairs: &[(String, String)],
    count: u64,
    limit: i64,
    offset: i64,
) -> (Option<String>, Option<String>) {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let base = format!("http://{host}{}/", uri.path().trim_end_matches('/'));
    let link = |off: i64| {
        let mut q: Vec<(String, String)> =
            pairs.iter().filter(|(k, _)| k != "limit" && k != "offset").cloned().collect();
        q.push(("limit".into(), limit.to_string()));
        if off > 0 {
            q.push(("offset".into(), off.to_string()));
        }
        let qs: Vec<String> =
            q.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        format!("{base}?{}", qs.join("&"))
    };
    let next = (offset + limit < count as i64).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link((offset - limit).max(0)));
    (next, previous)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

async fn list_txs(
    state: Shared,
    addr: String,
    headers: HeaderMap,
    uri: Uri,
    q: QueryPairs,
    v1: bool,
) -> ApiResult {
    let safe = path_address(&addr)?;
    let pairs = query_pairs(q)?;
    let (limit, offset) = paging(&pairs);
    let mut f = TxFilter { trusted: Some(true), limit, offset, ..TxFilter::default() };
    f.ordering = vec![("nonce", true), ("created", true)];
    for (k, v) in &pairs {
        match k.as_str() {
            "executed" => f.executed = Some(lenient_bool(k, v)?),
            "trusted" => f.trusted = Some(lenient_bool(k, v)?),
            "has_confirmations" => f.has_confirmations = Some(lenient_bool(k, v)?),
            "nonce" => f.nonce_eq = Some(int_filter(k, v)?),
            "nonce__lt" => f.nonce_lt = Some(int_filter(k, v)?),
            "nonce__gt" => f.nonce_gt = Some(int_filter(k, v)?),
            "nonce__lte" => f.nonce_lte = Some(int_filter(k, v)?),
            "nonce__gte" => f.nonce_gte = Some(int_filter(k, v)?),
            "safe_tx_hash" => {
                f.safe_tx_hash = Some(path_hash(v).map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        ApiErrorBody::field(k, "Enter a valid hash."),
                    )
                })?)
            }
            "to" => {
                let a = crate::rules::checksummed_address(v).map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody::field(k, e))
                })?;
                f.to = Some(a.to_string());
            }
            "ordering" => {
                let (desc, field) = match v.strip_prefix('-') {
                    Some(f) => (true, f),
                    None => (false, v.as_str()),
                };
                let col = match field {
                    "nonce" => Some("nonce"),
                    "created" => Some("created"),
                    "modified" => Some("modified"),
                    _ => None,
                };
                if let Some(col) = col {
                    f.ordering = vec![(col, desc)];
                }
            }
            _ => {}
        }
    }
    let info = state.chain.safe(safe).await;
    let threshold = match &info {
        Ok(info) => {
            state.sync_executions(info).await?;
            info.threshold
        }
        // An address with no Safe has no transactions: an empty page, as the service answers.
        Err(ReadError::NotASafe(_)) => 0,
        Err(ReadError::Rpc(t)) => return Err(ApiError::rpc(t.clone())),
    };
    let (count, unique, rows) = state.db.list(&safe.to_string(), &f).await?;
    let hashes: Vec<String> = rows.iter().map(|r| r.safe_tx_hash.clone()).collect();
    let confirmations = state.db.confirmations(&hashes).await?;
    let results = rows
        .iter()
        .map(|r| tx_json(r, &confirmations, threshold, v1))
        .collect::<Result<Vec<_>, _>>()?;
    let (next, previous) = page_links(&headers, &uri, &pairs, count, limit, offset);
    Ok(Json(Page { count, next, previous, count_unique_nonce: Some(unique), results })
        .into_response())
}

async fn propose(
    state: Shared,
    addr: String,
    body: Result<BodyBytes, BytesRejection>,
) -> ApiResult {
    let safe = path_address(&addr)?;
    let body = json_body(body)?;
    let fields =
        propose_fields(&body).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    let info = state.chain.safe(safe).await.map_err(|e| chain_error(safe, e))?;
    let ctx = context(&state, &info)?;
    let hash = fields.tx.safe_tx_hash(&ctx);
    if hash != fields.contract_transaction_hash {
        return Err(ApiError::unprocessable(format!(
            "Contract-transaction-hash={hash} does not match provided contract-tx-hash={}",
            fields.contract_transaction_hash
        )));
    }
    let hash_text = hash.to_string();
    if fields.tx.nonce < info.nonce {
        let existing = state.db.tx(&hash_text).await?;
        return Err(ApiError::unprocessable(match existing.and_then(|r| r.executed_tx_hash) {
            Some(done) => format!(
                "Tx with safe-tx-hash={hash} for safe={safe} was already executed in tx-hash={done}"
            ),
            None => format!(
                "Tx with nonce={} for safe={safe} already executed in tx-hash=unknown (the Safe's nonce on chain is {})",
                fields.tx.nonce, info.nonce
            ),
        }));
    }
    if !info.owners.contains(&fields.sender) {
        return Err(ApiError::unprocessable(format!(
            "Sender={} is not an owner or delegate. Current owners={}. Delegates=[]",
            fields.sender,
            python_list(&info.owners)
        )));
    }
    // Without a signature the official service stores the proposal untrusted (hidden from the default lists,
    // no confirmation); a later signed proposal or confirmation makes it trusted.
    let sigs = match &fields.signature {
        None => Vec::new(),
        Some(blob) => {
            let sigs = verified_signatures(
                &state.chain.provider,
                &info,
                &ctx,
                &fields.tx,
                hash,
                blob,
            )
            .await
            .map_err(|r| match r {
                Refusal::Malformed(m) => ApiError::unprocessable(m),
                Refusal::NotOwner(o) => ApiError::unprocessable(format!(
                    "Signer={o} is not an owner or delegate. Current owners={}. Delegates=[]",
                    python_list(&info.owners)
                )),
                Refusal::Invalid { signature, owner } => ApiError::unprocessable(format!(
                    "Signature={signature} for owner={owner} is not valid"
                )),
                Refusal::Duplicate(o) => {
                    ApiError::unprocessable(format!("Signature for owner={o} is duplicated"))
                }
                Refusal::Rpc(t) => ApiError::rpc(t),
            })?;
            if !sigs.iter().any(|s| s.owner == fields.sender) {
                let owners: Vec<Address> = sigs.iter().map(|s| s.owner).collect();
                return Err(ApiError::unprocessable(format!(
                    "Signature does not match sender={}. Calculated owners={}",
                    fields.sender,
                    python_list(&owners)
                )));
            }
            sigs
        }
    };
    let now = now_iso();
    let tx = &fields.tx;
    let row = TxRow {
        safe_tx_hash: hash_text.clone(),
        safe: safe.to_string(),
        to: tx.to.to_string(),
        value: tx.value.to_string(),
        data: (!tx.data.is_empty()).then(|| hex(&tx.data)),
        operation: i64::from(tx.operation.as_u8()),
        safe_tx_gas: tx.safe_tx_gas.to_string(),
        base_gas: tx.base_gas.to_string(),
        gas_price: tx.gas_price.to_string(),
        gas_token: tx.gas_token.to_string(),
        refund_receiver: tx.refund_receiver.to_string(),
        nonce: i64::try_from(tx.nonce).unwrap_or(i64::MAX),
        proposer: fields.sender.to_string(),
        origin: stored_origin(fields.origin.as_deref()),
        trusted: !sigs.is_empty(),
        created: now.clone(),
        modified: now.clone(),
        executed_tx_hash: None,
        execution_date: None,
        block_number: None,
        is_successful: None,
        executor: None,
        payment: None,
    };
    let confirmations: Vec<ConfirmationRow> = sigs
        .iter()
        .map(|s| ConfirmationRow {
            safe_tx_hash: hash_text.clone(),
            owner: s.owner.to_string(),
            signature: hex(&s.to_bytes()),
            signature_type: s.service_type().to_owned(),
            created: now.clone(),
        })
        .collect();
    state.db.propose(&row, &confirmations).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn tx_detail(state: Shared, hash: String, v1: bool) -> ApiResult {
    let hash = path_hash(&hash)?;
    let missing = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ApiErrorBody::detail("No MultisigTransaction matches the given query."),
        )
    };
    let mut row = state.db.tx(&hash).await?.ok_or_else(missing)?;
    let safe = parse_addr(&row.safe)?;
    let threshold = match state.chain.safe(safe).await {
        Ok(info) => {
            if row.executed_tx_hash.is_none() && U256::from(row.nonce.max(0) as u64) < info.nonce {
                state.sync_executions(&info).await?;
                row = state.db.tx(&hash).await?.ok_or_else(missing)?;
            }
            info.threshold
        }
        Err(ReadError::NotASafe(m) | ReadError::Rpc(m)) => return Err(ApiError::rpc(m)),
    };
    let confirmations = state.db.confirmations(std::slice::from_ref(&hash)).await?;
    Ok(Json(tx_json(&row, &confirmations, threshold, v1)?).into_response())
}

async fn confirmations_list(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    q: QueryPairs,
) -> ApiResult {
    let hash = path_hash(&hash)?;
    let pairs = query_pairs(q)?;
    let (limit, offset) = paging(&pairs);
    let (count, rows) = state.db.confirmation_page(&hash, limit, offset).await?;
    let results = rows.iter().map(confirmation_json).collect::<Result<Vec<_>, _>>()?;
    let (next, previous) = page_links(&headers, &uri, &pairs, count, limit, offset);
    Ok(Json(Page { count, next, previous, count_unique_nonce: None, results }).into_response())
}

async fn confirm(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    body: Result<BodyBytes, BytesRejection>,
) -> ApiResult {
    let hash = path_hash(&hash)?;
    let body = json_body(body)?;
    let Some(obj) = body.as_object() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ApiErrorBody::non_field("Invalid data. Expected a dictionary."),
        ));
    };
    let blob = match signature_value(obj.get("signature")) {
        Ok(Some(b)) => b,
        Ok(None) if obj.contains_key("signature") => {
            return Err(ApiError::signature("This field may not be null."));
        }
        Ok(None) => return Err(ApiError::signature("This field is required.")),
        Err(e) => return Err(ApiError::signature(e)),
    };
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ApiErrorBody::detail(format!(
                "Multisig transaction with safe-tx-hash={hash} was not found"
            )),
        )
    };
    // A trusted, unexecuted transaction seen before: its fields, without reading the row again.
    let known = match state.pending.get(&hash) {
        Some(p) => {
            let info = state.chain.safe(p.safe).await.map_err(|e| chain_error(p.safe, e))?;
            if p.tx.nonce < info.nonce {
                // The nonce is used now: executed or replaced, the database decides below.
                state.pending.forget(&hash);
                None
            } else {
                Some((p.tx.clone(), info, true))
            }
        }
        None => None,
    };
    let (tx, info, trusted) = match known {
        Some(k) => k,
        None => {
            let mut row = state.db.tx(&hash).await?.ok_or_else(not_found)?;
            let safe = parse_addr(&row.safe)?;
            let info = state.chain.safe(safe).await.map_err(|e| chain_error(safe, e))?;
            if row.executed_tx_hash.is_none() && U256::from(row.nonce.max(0) as u64) < info.nonce {
                state.sync_executions(&info).await?;
                row = state.db.tx(&hash).await?.ok_or_else(not_found)?;
            }
            if row.executed_tx_hash.is_some() {
                return Err(ApiError::signature(format!(
                    "Transaction with safe-tx-hash={hash} was already executed"
                )));
            }
            let tx = row_tx(&row)?;
            if row.trusted {
                state.pending.put(&hash, Arc::new(PendingTx { safe, tx: tx.clone() }));
            }
            (tx, info, row.trusted)
        }
    };
    let ctx = context(&state, &info)?;
    let computed = tx.safe_tx_hash(&ctx);
    if computed.to_string() != hash {
        return Err(ApiError::signature(format!(
            "Transaction with safe-tx-hash={hash} no longer hashes to it on chain {} (the Safe's version changed?)",
            ctx.chain_id
        )));
    }
    let sigs = verified_signatures(&state.chain.provider, &info, &ctx, &tx, computed, &blob)
        .await
        .map_err(|r| match r {
            Refusal::Malformed(m) => ApiError::signature(m),
            Refusal::NotOwner(o) => ApiError::signature(format!(
                "Signer={o} is not an owner. Current owners={}",
                python_list(&info.owners)
            )),
            Refusal::Invalid { signature, owner } => {
                ApiError::signature(format!("Signature={signature} for owner={owner} is not valid"))
            }
            Refusal::Duplicate(o) => {
                ApiError::signature(format!("Signature for owner={o} is duplicated"))
            }
            Refusal::Rpc(t) => ApiError::rpc(t),
        })?;
    let now = now_iso();
    let rows: Vec<ConfirmationRow> = sigs
        .iter()
        .map(|s| ConfirmationRow {
            safe_tx_hash: hash.clone(),
            owner: s.owner.to_string(),
            signature: hex(&s.to_bytes()),
            signature_type: s.service_type().to_owned(),
            created: now.clone(),
        })
        .collect();
    state.db.confirm(&rows, !trusted).await?;
    // `{"signature": "0x…"}` written directly (hex needs no escaping): the hot path builds no JSON value.
    let body = format!("{{\"signature\":\"{}\"}}", hex(&blob));
    Ok((StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn owner_safes(State(state): State<Shared>, Path(addr): Path<String>) -> ApiResult {
    let owner = path_address(&addr)?;
    let mut safes = Vec::new();
    for s in state.db.known_safes().await? {
        let Ok(safe) = Address::from_str(&s) else { continue };
        if let Ok(info) = state.chain.safe(safe).await
            && info.owners.contains(&owner)
        {
            safes.push(safe);
            if safes.len() == 200 {
                break;
            }
        }
    }
    Ok(Json(OwnerSafes { safes }).into_response())
}

async fn delegates() -> Json<Page<Value>> {
    Json(Page {
        count: 0,
        next: None,
        previous: None,
        count_unique_nonce: None,
        results: Vec::new(),
    })
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiErrorBody::detail(format!("Method \"{method}\" not allowed.")),
    )
}

/// With `--api-token`, every request must carry `Authorization: Bearer <token>` (401 otherwise).
async fn require_token(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let Some(token) = &state.api_token else { return next.run(req).await };
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let ok = given
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("Token ")))
        .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), token.as_bytes()));
    if ok {
        return next.run(req).await;
    }
    let detail = if given.is_none() {
        "Authentication credentials were not provided."
    } else {
        "Invalid token."
    };
    let mut resp =
        ApiError::new(StatusCode::UNAUTHORIZED, ApiErrorBody::detail(detail)).into_response();
    resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Folds repeated slashes (api-kit with a `txServiceUrl` ending in `/` sends `//v1/…`) and drops the trailing
/// slash, so that every route answers with and without it.
pub(crate) fn normalize_path(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    if !path.contains("//") && (path.len() <= 1 || !path.ends_with('/')) {
        return req;
    }
    let mut folded = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && folded.ends_with('/') {
            continue;
        }
        folded.push(c);
    }
    while folded.len() > 1 && folded.ends_with('/') {
        folded.pop();
    }
    let pq = match uri.query() {
        Some(q) => format!("{folded}?{q}"),
        None => folded,
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(p) = pq.parse() {
        parts.path_and_query = Some(p);
        if let Ok(u) = Uri::from_parts(parts) {
            *req.uri_mut() = u;
        }
    }
    req
}

/// The router with every route, the token check and CORS.
pub(crate) fn router(state: Shared) -> Router {
    use axum::extract::DefaultBodyLimit;
    let mut r = Router::new();
    for v in ["v1", "v2"] {
        let v1 = v == "v1";
        r = r
            .route(&format!("/api/{v}/about"), get(about))
            .route(&format!("/api/{v}/safes/{{address}}"), get(safe_info))
            .route(
                &format!("/api/{v}/safes/{{address}}/multisig-transactions"),
                get(
                    move |State(s): State<Shared>,
                          Path(a): Path<String>,
                          h: HeaderMap,
                          u: Uri,
                          q: QueryPairs| { list_txs(s, a, h, u, q, v1) },
                )
                .post(
                    |State(s): State<Shared>,
                     Path(a): Path<String>,
                     b: Result<BodyBytes, BytesRejection>| { propose(s, a, b) },
                ),
            )
            .route(
                &format!("/api/{v}/multisig-transactions/{{hash}}"),
                get(move |State(s): State<Shared>, Path(h): Path<String>| tx_detail(s, h, v1)),
            )
            .route(
                &format!("/api/{v}/multisig-transactions/{{hash}}/confirmations"),
                get(confirmations_list).post(confirm),
            )
            .route(&format!("/api/{v}/owners/{{address}}/safes"), get(owner_safes))
            .route(&format!("/api/{v}/delegates"), get(delegates));
    }
    r = messages::routes(r);
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([
            Method::DELETE,
            Method::GET,
            Method::OPTIONS,
            Method::PATCH,
            Method::POST,
            Method::PUT,
        ])
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::USER_AGENT,
            header::HeaderName::from_static("x-csrftoken"),
            header::HeaderName::from_static("x-requested-with"),
            header::IF_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_NONE_MATCH,
        ])
        .max_age(std::time::Duration::from_secs(86_400));
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors)
        .with_state(state)
}
