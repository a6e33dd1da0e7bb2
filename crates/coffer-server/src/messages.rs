//! The Safe message routes of the Transaction Service (TX-SERVICE-API.md §3.11 and §4.3), under `/api/v1`:
//!
//! - `POST /v1/safes/{safe}/messages/`: a message (a text or EIP-712 typed data) with its first owner signature;
//!   201 with an empty body;
//! - `GET /v1/safes/{safe}/messages/`: the Safe's messages, paginated, `ordering` ∈ `created`, `modified` (or
//!   `-…`), newest first by default;
//! - `GET /v1/messages/{hash}/`: one message with its confirmations and the prepared signature;
//! - `POST /v1/messages/{hash}/signatures/`: one more owner signature; 201 with an empty body, 404 if unknown.
//!
//! The Safe message hash is computed here from `message` (coffer-core, as the service computes it); clients
//! never send it. Each request carries exactly one signature, whose signer must be a current owner (read from the
//! chain) and whose signature must count (coffer-chain `check_owner_message_signature`: recovery, approved hash,
//! EIP-1271 for contract owners). Errors are 400 in the service's shape with its texts; a Safe message is never
//! stored twice and an owner signs it once.
//!
//! A child module of `http` (declared there with `#[path]`) so that it shares the handlers' private helpers.

use super::{
    ApiError, ApiResult, QueryPairs, Shared, chain_error, context, corrupt, hex, json_body,
    page_links, paging, parse_addr, parse_bytes, path_address, path_hash, query_pairs,
};
use crate::{
    clock::now_iso,
    rules::{origin_value, python_type_name, signature_value, stored_origin},
};
use alloy::primitives::{Address, B256, Bytes};
use axum::{
    Json, Router,
    body::Bytes as BodyBytes,
    extract::{Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, Uri},
    response::IntoResponse,
    routing::{get, post},
};
use coffer_chain::{SignatureStatus, message::check_owner_message_signature};
use coffer_core::{
    MessageContent, SafeSignature, SafeTxContext, pack_signatures, parse_signatures,
};
use coffer_txs_api::ApiErrorBody;
use serde_json::{Map, Value, json};
use sqlx::{AnyPool, AssertSqlSafe, Row, any::AnyRow};

/// The message routes, added to `router` (v1 only, as the reference serves them).
pub(crate) fn routes(router: Router<Shared>) -> Router<Shared> {
    router
        .route("/api/v1/safes/{address}/messages", get(list_messages).post(create_message))
        .route("/api/v1/messages/{hash}", get(message_detail))
        .route("/api/v1/messages/{hash}/signatures", post(add_signature))
}

/// A stored Safe message.
#[derive(Clone, Debug)]
struct MessageRow {
    hash: String,
    safe: String,
    /// The `message` as sent, JSON text.
    message: String,
    proposed_by: String,
    safe_app_id: Option<i64>,
    origin: String,
    created: String,
    modified: String,
}

/// A stored owner signature of a Safe message.
#[derive(Clone, Debug)]
struct SignatureRow {
    hash: String,
    owner: String,
    signature: String,
    signature_type: String,
    created: String,
    modified: String,
}

const MESSAGE_COLUMNS: &str =
    "message_hash, safe, message, proposed_by, safe_app_id, origin, created, modified";
const SIGNATURE_COLUMNS: &str = "message_hash, owner, signature, signature_type, created, modified";

fn message_row(r: &AnyRow) -> crate::Result<MessageRow> {
    Ok(MessageRow {
        hash: r.try_get("message_hash")?,
        safe: r.try_get("safe")?,
        message: r.try_get("message")?,
        proposed_by: r.try_get("proposed_by")?,
        safe_app_id: r.try_get("safe_app_id")?,
        origin: r.try_get("origin")?,
        created: r.try_get("created")?,
        modified: r.try_get("modified")?,
    })
}

fn signature_row(r: &AnyRow) -> crate::Result<SignatureRow> {
    Ok(SignatureRow {
        hash: r.try_get("message_hash")?,
        owner: r.try_get("owner")?,
        signature: r.try_get("signature")?,
        signature_type: r.try_get("signature_type")?,
        created: r.try_get("created")?,
        modified: r.try_get("modified")?,
    })
}

const INSERT_SIGNATURE: &str = "INSERT INTO safe_message_confirmation \
    (message_hash, owner, signature, signature_type, created, modified) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (message_hash, owner) DO NOTHING";

fn insert_signature_query(
    s: &SignatureRow,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(INSERT_SIGNATURE)
        .bind(s.hash.clone())
        .bind(s.owner.clone())
        .bind(s.signature.clone())
        .bind(s.signature_type.clone())
        .bind(s.created.clone())
        .bind(s.modified.clone())
}

/// Stores a new message with its first signature, in one database transaction; `false` (nothing stored) when
/// the hash is already stored.
async fn insert_message(write: &AnyPool, m: &MessageRow, s: &SignatureRow) -> crate::Result<bool> {
    let mut dbtx = write.begin().await?;
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO safe_message ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (message_hash) DO NOTHING"
    )))
    .bind(m.hash.clone())
    .bind(m.safe.clone())
    .bind(m.message.clone())
    .bind(m.proposed_by.clone())
    .bind(m.safe_app_id)
    .bind(m.origin.clone())
    .bind(m.created.clone())
    .bind(m.modified.clone())
    .execute(&mut *dbtx)
    .await?
    .rows_affected();
    if inserted == 0 {
        dbtx.rollback().await?;
        return Ok(false);
    }
    insert_signature_query(s).execute(&mut *dbtx).await?;
    dbtx.commit().await?;
    Ok(true)
}

/// Stores one more signature; `false` when the owner already signed the message.
async fn insert_signature(write: &AnyPool, s: &SignatureRow) -> crate::Result<bool> {
    Ok(insert_signature_query(s).execute(write).await?.rows_affected() > 0)
}

async fn load_message(read: &AnyPool, hash: &str) -> crate::Result<Option<MessageRow>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM safe_message WHERE message_hash = $1"
    )))
    .bind(hash.to_owned())
    .fetch_optional(read)
    .await?;
    row.as_ref().map(message_row).transpose()
}

/// The signatures of the given messages, oldest first.
async fn load_signatures(read: &AnyPool, hashes: &[String]) -> crate::Result<Vec<SignatureRow>> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=hashes.len()).map(|i| format!("${i}")).collect();
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SIGNATURE_COLUMNS} FROM safe_message_confirmation WHERE message_hash IN ({}) \
         ORDER BY created, owner",
        placeholders.join(", ")
    )));
    for h in hashes {
        q = q.bind(h.clone());
    }
    q.fetch_all(read).await?.iter().map(signature_row).collect()
}

/// A page of a Safe's messages and the total; `order` is an already checked `ORDER BY` term.
async fn message_page(
    read: &AnyPool,
    safe: &str,
    order: &str,
    limit: i64,
    offset: i64,
) -> crate::Result<(u64, Vec<MessageRow>)> {
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM safe_message WHERE safe = $1")
        .bind(safe.to_owned())
        .fetch_one(read)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM safe_message WHERE safe = $1 ORDER BY {order}, message_hash \
         LIMIT $2 OFFSET $3"
    )))
    .bind(safe.to_owned())
    .bind(limit)
    .bind(offset)
    .fetch_all(read)
    .await?;
    Ok((count.max(0) as u64, rows.iter().map(message_row).collect::<crate::Result<_>>()?))
}

/// A 400 with the serializer's non-field error.
fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody::non_field(msg))
}

fn unknown_message() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ApiErrorBody::detail("No SafeMessage matches the given query."),
    )
}

/// The body as a JSON object, or the serializer's 400.
fn body_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        let got = python_type_name(body);
        bad(format!("Invalid data. Expected a dictionary, but got {got}."))
    })
}

/// The one signature of a request (`signature`, required, at least 65 bytes), or the field's error text.
fn signature_field(obj: &Map<String, Value>) -> Result<Bytes, String> {
    match signature_value(obj.get("signature")) {
        Ok(Some(b)) => Ok(b),
        Ok(None) if obj.contains_key("signature") => Err("This field may not be null.".to_owned()),
        Ok(None) => Err("This field is required.".to_owned()),
        Err(e) => Err(e),
    }
}

/// A create body whose fields passed the field checks.
struct CreateFields {
    message: Value,
    content: MessageContent,
    safe_app_id: Option<i64>,
    signature: Bytes,
    origin: Option<String>,
}

/// The create body's fields (every bad field reported at once, as DRF does).
fn create_fields(obj: &Map<String, Value>) -> Result<CreateFields, ApiError> {
    let mut errors = Map::new();
    let mut add = |field: &str, msg: String| {
        errors.insert(field.to_owned(), json!([msg]));
    };
    let message = match obj.get("message") {
        None => {
            add("message", "This field is required.".to_owned());
            None
        }
        Some(Value::Null) => {
            add("message", "This field may not be null.".to_owned());
            None
        }
        Some(v @ Value::String(_)) => {
            Some((v.clone(), MessageContent::from_service_json(v.clone())))
        }
        Some(v @ Value::Object(_)) => match MessageContent::from_service_json(v.clone()) {
            Ok(c) => Some((v.clone(), Ok(c))),
            Err(e) => {
                add(
                    "message",
                    format!("Provided dictionary is not a valid EIP712 message {v} ({e})"),
                );
                None
            }
        },
        Some(v) => {
            add("message", format!("Provided value is not a valid dict or str {v}"));
            None
        }
    };
    let safe_app_id = match obj.get("safeAppId").or_else(|| obj.get("safe_app_id")) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())) {
            Some(n) if n >= 0 => Some(n),
            Some(_) => {
                add("safeAppId", "Ensure this value is greater than or equal to 0.".to_owned());
                None
            }
            None => {
                add("safeAppId", "A valid integer is required.".to_owned());
                None
            }
        },
    };
    let signature = match signature_field(obj) {
        Ok(b) => Some(b),
        Err(e) => {
            add("signature", e);
            None
        }
    };
    let origin = match origin_value(obj.get("origin")) {
        Ok(o) => o,
        Err(e) => {
            add("origin", e);
            None
        }
    };
    match (message, signature) {
        (Some((message, Ok(content))), Some(signature)) if errors.is_empty() => {
            Ok(CreateFields { message, content, safe_app_id, signature, origin })
        }
        _ => Err(ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody(errors))),
    }
}

/// Checks the request's one signature of `content` for the Safe `ctx` describes, whose owners are `owners`
/// (read from the chain): exactly one signature, valid, by an owner. The official texts.
async fn owner_signature(
    state: &Shared,
    ctx: &SafeTxContext,
    owners: &[Address],
    content: &MessageContent,
    hash: B256,
    blob: &[u8],
) -> Result<SafeSignature, ApiError> {
    let sigs = parse_signatures(blob, hash).map_err(|e| bad(e.to_string()))?;
    if sigs.len() != 1 {
        return Err(bad(format!("1 owner signature was expected, {} received", sigs.len())));
    }
    let sig = sigs.into_iter().next().ok_or_else(|| bad("no signature"))?;
    match check_owner_message_signature(&state.chain.provider, ctx, content, &sig).await {
        Ok(SignatureStatus::Valid) => {}
        Ok(SignatureStatus::Rejected(_)) => {
            return Err(bad(format!(
                "Signature={} for owner={} is not valid",
                sig.to_bytes(),
                sig.owner
            )));
        }
        Err(e) => return Err(ApiError::rpc(e.to_string())),
    }
    if !owners.contains(&sig.owner) {
        return Err(bad(format!("{} is not an owner of the Safe", sig.owner)));
    }
    Ok(sig)
}

fn signature_row_of(hash: &str, sig: &SafeSignature, now: &str) -> SignatureRow {
    SignatureRow {
        hash: hash.to_owned(),
        owner: sig.owner.to_string(),
        signature: hex(&sig.to_bytes()),
        signature_type: sig.service_type().to_owned(),
        created: now.to_owned(),
        modified: now.to_owned(),
    }
}

async fn create_message(
    State(state): State<Shared>,
    Path(addr): Path<String>,
    body: Result<BodyBytes, BytesRejection>,
) -> ApiResult {
    let safe = path_address(&addr)?;
    let body = json_body(body)?;
    let fields = create_fields(body_object(&body)?)?;
    let info = state.chain.safe(safe).await.map_err(|e| chain_error(safe, e))?;
    let ctx = context(&state, &info)?;
    let hash = fields.content.safe_message_hash(&ctx).map_err(|e| bad(e.to_string()))?;
    let hash_text = format!("{hash:#x}");
    let (read, write) = state.db.pools();
    let exists =
        || bad(format!("Message with hash {hash_text} for safe {safe} already exists in DB"));
    if load_message(read, &hash_text).await?.is_some() {
        return Err(exists());
    }
    let sig = owner_signature(&state, &ctx, &info.owners, &fields.content, hash, &fields.signature)
        .await?;
    let now = now_iso();
    let row = MessageRow {
        hash: hash_text.clone(),
        safe: safe.to_string(),
        message: fields.message.to_string(),
        proposed_by: sig.owner.to_string(),
        safe_app_id: fields.safe_app_id,
        origin: stored_origin(fields.origin.as_deref()),
        created: now.clone(),
        modified: now.clone(),
    };
    if !insert_message(write, &row, &signature_row_of(&hash_text, &sig, &now)).await? {
        return Err(exists());
    }
    Ok(StatusCode::CREATED.into_response())
}

async fn add_signature(
    State(state): State<Shared>,
    Path(hash): Path<String>,
    body: Result<BodyBytes, BytesRejection>,
) -> ApiResult {
    let hash_text = path_hash(&hash)?;
    // As the reference: the body is parsed (broken JSON is a 400), then the message looked up (404), then the
    // fields checked.
    let body = json_body(body)?;
    let (read, write) = state.db.pools();
    let row = load_message(read, &hash_text).await?.ok_or_else(unknown_message)?;
    let obj = body_object(&body)?;
    let blob = signature_field(obj)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ApiErrorBody::field("signature", e)))?;
    let safe = parse_addr(&row.safe)?;
    let content = stored_content(&row)?;
    let info = state.chain.safe(safe).await.map_err(|e| chain_error(safe, e))?;
    let ctx = context(&state, &info)?;
    let hash = content.safe_message_hash(&ctx).map_err(|_| corrupt("message"))?;
    if format!("{hash:#x}") != hash_text {
        return Err(bad(format!(
            "Message with hash {hash_text} no longer hashes to it for Safe {safe} on chain {} (the Safe's version changed?)",
            ctx.chain_id
        )));
    }
    let sig = owner_signature(&state, &ctx, &info.owners, &content, hash, &blob).await?;
    let duplicate = || bad(format!("Signature for owner {} already exists", sig.owner));
    let owner = sig.owner.to_string();
    if load_signatures(read, std::slice::from_ref(&hash_text))
        .await?
        .iter()
        .any(|s| s.owner == owner)
    {
        return Err(duplicate());
    }
    if !insert_signature(write, &signature_row_of(&hash_text, &sig, &now_iso())).await? {
        return Err(duplicate());
    }
    Ok(StatusCode::CREATED.into_response())
}

/// The stored `message` as coffer-core content (it was checked when stored).
fn stored_content(row: &MessageRow) -> Result<MessageContent, ApiError> {
    let v: Value = serde_json::from_str(&row.message).map_err(|_| corrupt("message"))?;
    MessageContent::from_service_json(v).map_err(|_| corrupt("message"))
}

/// The SafeMessage object of §3.11: the confirmations oldest first, the prepared signature packed by owner
/// (contract signatures with their dynamic parts).
fn message_json(row: &MessageRow, sigs: &[SignatureRow]) -> Result<Value, ApiError> {
    let mine: Vec<&SignatureRow> = sigs.iter().filter(|s| s.hash == row.hash).collect();
    let hash = B256::from_slice(
        &alloy::primitives::hex::decode(&row.hash).map_err(|_| corrupt(&row.hash))?,
    );
    let mut parsed: Vec<SafeSignature> = Vec::with_capacity(mine.len());
    let mut confirmations = Vec::with_capacity(mine.len());
    for s in &mine {
        let owner = parse_addr(&s.owner)?;
        let bytes = parse_bytes(&s.signature)?;
        let sig = parse_signatures(&bytes, hash)
            .ok()
            .and_then(|v| v.into_iter().next())
            .filter(|sig| sig.owner == owner)
            .ok_or_else(|| corrupt(&s.signature))?;
        parsed.push(sig);
        confirmations.push(json!({
            "created": s.created,
            "modified": s.modified,
            "owner": owner.to_checksum(None),
            "signature": s.signature,
            "signatureType": s.signature_type,
        }));
    }
    let prepared = if parsed.is_empty() {
        Value::Null
    } else {
        json!(hex(&pack_signatures(&parsed).map_err(|e| corrupt(&e.to_string()))?))
    };
    let message: Value = serde_json::from_str(&row.message).map_err(|_| corrupt("message"))?;
    Ok(json!({
        "created": row.created,
        "modified": row.modified,
        "safe": parse_addr(&row.safe)?.to_checksum(None),
        "messageHash": row.hash,
        "message": message,
        "proposedBy": parse_addr(&row.proposed_by)?.to_checksum(None),
        "safeAppId": row.safe_app_id,
        "preparedSignature": prepared,
        "origin": row.origin,
        "confirmations": confirmations,
    }))
}

async fn message_detail(State(state): State<Shared>, Path(hash): Path<String>) -> ApiResult {
    let hash = path_hash(&hash)?;
    let (read, _) = state.db.pools();
    let row = load_message(read, &hash).await?.ok_or_else(unknown_message)?;
    let sigs = load_signatures(read, std::slice::from_ref(&hash)).await?;
    Ok(Json(message_json(&row, &sigs)?).into_response())
}

async fn list_messages(
    State(state): State<Shared>,
    Path(addr): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    q: QueryPairs,
) -> ApiResult {
    let safe = path_address(&addr)?;
    let pairs = query_pairs(q)?;
    let (limit, offset) = paging(&pairs);
    // DRF's OrderingFilter: the last `ordering` given, its first field allowed; anything else is the default.
    let order = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "ordering")
        .and_then(|(_, v)| match v.split(',').next().map(str::trim) {
            Some("created") => Some("created"),
            Some("-created") => Some("created DESC"),
            Some("modified") => Some("modified"),
            Some("-modified") => Some("modified DESC"),
            _ => None,
        })
        .unwrap_or("created DESC");
    let (read, _) = state.db.pools();
    let (count, rows) = message_page(read, &safe.to_string(), order, limit, offset).await?;
    let hashes: Vec<String> = rows.iter().map(|r| r.hash.clone()).collect();
    let sigs = load_signatures(read, &hashes).await?;
    let results = rows.iter().map(|r| message_json(r, &sigs)).collect::<Result<Vec<_>, _>>()?;
    let (next, previous) = page_links(&headers, &uri, &pairs, count, limit, offset);
    Ok(Json(json!({ "count": count, "next": next, "previous": previous, "results": results }))
        .into_response())
}

#[cfg(test)]
mod tests {
    use crate::{Db, SCHEMA_VERSION};

    /// A database made by a coffer serve of schema 1 (before Safe messages) is migrated to 2 at start: the
    /// message tables appear, the transactions stay.
    #[tokio::test]
    async fn a_schema_1_database_gains_the_message_tables() {
        let dir = std::env::temp_dir().join(format!("coffer-msg-migrate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("v1.sqlite3");
        let _ = std::fs::remove_file(&path);
        let url = format!("sqlite:{}", path.display());
        {
            // Schema 1 as the previous release wrote it, with one transaction row.
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&format!("{url}?mode=rwc")).await.expect("open");
            for sql in [
                "CREATE TABLE coffer_schema (version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)",
                "INSERT INTO coffer_schema VALUES (1, 'multisig transactions, confirmations, known Safes', 'then')",
                "CREATE TABLE multisig_tx (safe_tx_hash TEXT PRIMARY KEY, safe TEXT NOT NULL)",
                "INSERT INTO multisig_tx VALUES ('0x01', '0xSafe')",
                "CREATE TABLE known_safe (address TEXT PRIMARY KEY, created TEXT NOT NULL)",
            ] {
                sqlx::query(sql).execute(&pool).await.expect(sql);
            }
            pool.close().await;
        }
        let db = Db::connect(&url).await.expect("migrated");
        assert_eq!(db.schema_version().await.expect("version"), SCHEMA_VERSION);
        assert_eq!(SCHEMA_VERSION, 2);
        let (read, _) = db.pools();
        for table in ["safe_message", "safe_message_confirmation", "multisig_tx"] {
            let n: i64 =
                sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
                    .fetch_one(read)
                    .await
                    .and_then(|r| sqlx::Row::try_get(&r, "n"))
                    .expect(table);
            assert_eq!(n, i64::from(table == "multisig_tx"), "{table}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
