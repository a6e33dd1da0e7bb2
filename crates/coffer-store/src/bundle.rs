//! Offline bundles: one proposal and its signatures in a self-contained, versioned JSON file.

use std::{
    collections::HashSet,
    io::Write,
    path::{Path, PathBuf},
};

use alloy_primitives::{Address, B256, Bytes};
use coffer_core::{
    CallKind, DecodedCall, MultiSendEntry, Operation, PayoutRow, SafeSignature, SafeTx,
    SafeTxContext, SafeVersion, decode_call, domain_separator, rows_to_entries,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Error, Proposal, ProposalMeta, Result,
    meta::checksummed,
    sigcodec::{self, signature_kind_name},
};

/// The value of a bundle's `"format"` field.
pub const BUNDLE_FORMAT: &str = "coffer-bundle";

/// The bundle version this build reads and writes (the `"version"` field).
pub const BUNDLE_VERSION: u64 = 1;

/// The ten SafeTx field names, as a bundle's `"tx"` object must hold them.
const TX_FIELDS: [&str; 10] = [
    "to",
    "value",
    "data",
    "operation",
    "safeTxGas",
    "baseGas",
    "gasPrice",
    "gasToken",
    "refundReceiver",
    "nonce",
];

/// The three hashes a bundle states, so a signer can compare them with what a hardware wallet shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundleHashes {
    /// The Safe's EIP-712 domain separator.
    pub domain_separator: B256,
    /// The EIP-712 struct hash of the SafeTx (`SafeTx::struct_hash_for` the Safe's version).
    pub safe_tx_struct_hash: B256,
    /// `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ safeTxStructHash)`: the hash owners sign.
    pub safe_tx_hash: B256,
}

impl BundleHashes {
    /// The hashes of `tx` for the Safe in `ctx`.
    pub fn compute(ctx: &SafeTxContext, tx: &SafeTx) -> Self {
        Self {
            domain_separator: domain_separator(ctx),
            safe_tx_struct_hash: tx.struct_hash_for(ctx.version),
            safe_tx_hash: tx.safe_tx_hash(ctx),
        }
    }
}

/// One proposal with its signatures, for carrying to another machine (including an air-gapped one) and back.
///
/// The JSON shape is documented in this crate's README. Reading ([`Bundle::read`]) checks the structure only;
/// call [`Bundle::verify`] before trusting or signing anything in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Chain, Safe and version.
    pub ctx: SafeTxContext,
    /// The ten SafeTx fields.
    pub tx: SafeTx,
    /// The hashes as stated in the bundle (equal to the computed ones for a bundle built here).
    pub hashes: BundleHashes,
    /// The signatures so far, in the order they were added.
    pub signatures: Vec<SafeSignature>,
    /// Display-only metadata (label, origin, batch rows, payout plan).
    pub meta: Option<ProposalMeta>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BundleJson {
    format: String,
    version: u64,
    chain_id: u64,
    #[serde(with = "checksummed")]
    safe: Address,
    safe_version: SafeVersion,
    tx: serde_json::Map<String, Value>,
    hashes: BundleHashes,
    signatures: Vec<SignatureJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta: Option<ProposalMeta>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    #[serde(with = "checksummed")]
    owner: Address,
    kind: String,
    signature: Bytes,
}

/// `" at line L, column C"` for a serde_json error, or empty when it has no position.
fn location(e: &serde_json::Error) -> String {
    if e.line() == 0 {
        String::new()
    } else {
        format!(" at line {}, column {}", e.line(), e.column())
    }
}

/// serde_json's message without its trailing `" at line L column C"`.
fn reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

impl Bundle {
    /// A bundle of `tx` for the Safe in `ctx`, with its hashes computed here. Every signature is checked as by
    /// [`Bundle::add_signature`].
    pub fn new(
        ctx: SafeTxContext,
        tx: SafeTx,
        signatures: &[SafeSignature],
        meta: Option<ProposalMeta>,
    ) -> Result<Self> {
        let hashes = BundleHashes::compute(&ctx, &tx);
        let mut bundle = Self { ctx, tx, hashes, signatures: Vec::new(), meta };
        for sig in signatures {
            bundle.add_signature(sig.clone())?;
        }
        Ok(bundle)
    }

    /// A bundle of a stored proposal and its signatures (empty metadata is left out).
    pub fn from_proposal(proposal: &Proposal, signatures: &[SafeSignature]) -> Result<Self> {
        let meta = (!proposal.meta.is_empty()).then(|| proposal.meta.clone());
        Self::new(proposal.ctx, proposal.tx.clone(), signatures, meta)
    }

    /// The safeTxHash recomputed from the fields (not the stated one).
    pub fn safe_tx_hash(&self) -> B256 {
        self.tx.safe_tx_hash(&self.ctx)
    }

    /// Reads a bundle file. Parsing is strict: the file must be JSON (a syntax error or a truncated file is
    /// reported with its line and column), `"format"` must be `"coffer-bundle"` and `"version"` must be
    /// [`BUNDLE_VERSION`], every field must be present with the right type, and unknown fields are refused.
    /// Nothing is verified yet: call [`Bundle::verify`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "could not read bundle",
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Parses a bundle from JSON text, as [`Bundle::read`] does; `path` is only used in error messages.
    pub fn from_json(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let eof = e.classify() == serde_json::error::Category::Eof;
            Error::BundleJson {
                path: path.to_owned(),
                line: e.line(),
                column: e.column(),
                reason: if eof { "the file ends early".to_owned() } else { reason(&e) },
                hint: if eof {
                    "; the bundle looks truncated: copy the whole file again"
                } else {
                    ""
                },
            }
        })?;
        let Value::Object(obj) = &value else {
            return Err(Error::BundleFormat {
                path: path.to_owned(),
                found: format!("missing (the file holds a JSON {})", json_type(&value)),
            });
        };
        match obj.get("format") {
            Some(Value::String(f)) if f == BUNDLE_FORMAT => {}
            other => {
                return Err(Error::BundleFormat {
                    path: path.to_owned(),
                    found: other.map_or_else(|| "missing".to_owned(), Value::to_string),
                });
            }
        }
        match obj.get("version") {
            Some(Value::Number(n)) if n.as_u64() == Some(BUNDLE_VERSION) => {}
            other => {
                return Err(Error::BundleVersion {
                    path: path.to_owned(),
                    found: other.map_or_else(|| "missing".to_owned(), Value::to_string),
                    supported: BUNDLE_VERSION,
                });
            }
        }
        let field_error = |reason: String, location: String| Error::BundleField {
            path: path.to_owned(),
            reason,
            location,
        };
        let json: BundleJson =
            serde_json::from_str(text).map_err(|e| field_error(reason(&e), location(&e)))?;
        for key in json.tx.keys() {
            if !TX_FIELDS.contains(&key.as_str()) {
                return Err(field_error(
                    format!("unknown field `tx.{key}`, expected one of {}", TX_FIELDS.join(", ")),
                    String::new(),
                ));
            }
        }
        if let Some(missing) = TX_FIELDS.iter().find(|f| !json.tx.contains_key(**f)) {
            return Err(field_error(format!("missing field `tx.{missing}`"), String::new()));
        }
        let tx: SafeTx = serde_json::from_value(Value::Object(json.tx))
            .map_err(|e| field_error(format!("field `tx`: {}", reason(&e)), String::new()))?;
        let signatures = json
            .signatures
            .iter()
            .enumerate()
            .map(|(i, s)| {
                sigcodec::decode(i, s.owner, &s.kind, &s.signature)
                    .map_err(|e| field_error(e.to_string(), String::new()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            ctx: SafeTxContext::new(json.chain_id, json.safe, json.safe_version),
            tx,
            hashes: json.hashes,
            signatures,
            meta: json.meta,
        })
    }

    /// The bundle as pretty-printed JSON, ending with a newline.
    pub fn to_json(&self) -> Result<String> {
        let mut tx = match serde_json::to_value(&self.tx) {
            Ok(Value::Object(map)) => map,
            Ok(_) => serde_json::Map::new(),
            Err(source) => return Err(Error::Serialize { what: "the transaction", source }),
        };
        for (field, address) in [
            ("to", self.tx.to),
            ("gasToken", self.tx.gas_token),
            ("refundReceiver", self.tx.refund_receiver),
        ] {
            tx.insert(field.to_owned(), Value::String(address.to_checksum(None)));
        }
        let json = BundleJson {
            format: BUNDLE_FORMAT.to_owned(),
            version: BUNDLE_VERSION,
            chain_id: self.ctx.chain_id,
            safe: self.ctx.safe,
            safe_version: self.ctx.version,
            tx,
            hashes: self.hashes,
            signatures: self
                .signatures
                .iter()
                .map(|s| SignatureJson {
                    owner: s.owner,
                    kind: signature_kind_name(&s.kind).to_owned(),
                    signature: s.to_bytes(),
                })
                .collect(),
            meta: self.meta.clone(),
        };
        let mut text = serde_json::to_string_pretty(&json)
            .map_err(|source| Error::Serialize { what: "the bundle", source })?;
        text.push('\n');
        Ok(text)
    }

    /// Checks that each stated hash equals the hash recomputed from the fields, in this order:
    /// `domainSeparator` (chainId, safe, safeVersion), `safeTxStructHash` (the tx fields), `safeTxHash`.
    pub fn check_hashes(&self) -> Result<()> {
        let computed = BundleHashes::compute(&self.ctx, &self.tx);
        let checks = [
            (
                "domainSeparator",
                self.hashes.domain_separator,
                computed.domain_separator,
                "chainId, safe or safeVersion was edited",
            ),
            (
                "safeTxStructHash",
                self.hashes.safe_tx_struct_hash,
                computed.safe_tx_struct_hash,
                "a field of tx was edited",
            ),
            (
                "safeTxHash",
                self.hashes.safe_tx_hash,
                computed.safe_tx_hash,
                "the stated safeTxHash was edited",
            ),
        ];
        for (which, stated, computed, hint) in checks {
            if stated != computed {
                return Err(Error::BundleHashMismatch { which, stated, computed, hint });
            }
        }
        Ok(())
    }

    /// Verifies the whole bundle: [`Bundle::check_hashes`], then that no owner appears twice, then that every
    /// signature verifies for the safeTxHash (EIP-712 and eth_sign signatures must be low-s and recover to their
    /// stated owner; approved-hash and contract signatures are checked on chain by the caller).
    pub fn verify(&self) -> Result<()> {
        self.check_hashes()?;
        let hash = self.safe_tx_hash();
        let mut seen = HashSet::with_capacity(self.signatures.len());
        for sig in &self.signatures {
            if !seen.insert(sig.owner) {
                return Err(Error::DuplicateSignature { owner: sig.owner, hash });
            }
            sig.verify(hash).map_err(|source| Error::InvalidSignature {
                owner: sig.owner,
                hash,
                source,
            })?;
        }
        Ok(())
    }

    /// Adds a signature after checking the stated hashes ([`Bundle::check_hashes`]), that its owner has not
    /// signed yet ([`Error::DuplicateSignature`]) and that it verifies for the safeTxHash
    /// ([`Error::InvalidSignature`]).
    pub fn add_signature(&mut self, sig: SafeSignature) -> Result<()> {
        self.check_hashes()?;
        let hash = self.safe_tx_hash();
        if self.signatures.iter().any(|s| s.owner == sig.owner) {
            return Err(Error::DuplicateSignature { owner: sig.owner, hash });
        }
        sig.verify(hash).map_err(|source| Error::InvalidSignature {
            owner: sig.owner,
            hash,
            source,
        })?;
        self.signatures.push(sig);
        Ok(())
    }

    /// Checks the display metadata against the calldata, so a label or batch rows cannot show a signer
    /// something the transaction does not do ([`Error::MetaMismatch`]):
    ///
    /// - batch rows: one per call of the transaction (the entries of a `multiSend`, or the call itself), each
    ///   paying exactly its receiver its amount (a plain ETH send, or an ERC-20 `transfer` on its token with
    ///   the amount converted with `decimals(token)`, which the caller reads on chain; 18 for the native coin);
    /// - the batch position: `chunk` below `chunks`, and a label's "chunk I of N" or trailing "(I of N)"
    ///   equal to it;
    /// - counts a label states the way coffer writes them: "payout of N rows", "batch of N transactions" (the
    ///   number of calls), "N payouts in M chunks" (M = the approved plan's chunk count), "lines A-B" (the
    ///   rows' first and last line);
    /// - a payout-plan reference: its root is approved or revoked by the calldata, with the same chunk count.
    ///
    /// A free-form label that states none of these is not checked: it is only a name.
    pub fn check_meta(&self, decimals: impl Fn(Address) -> Option<u8>) -> Result<()> {
        let Some(meta) = &self.meta else { return Ok(()) };
        let mismatch = |reason: String| Err(Error::MetaMismatch { reason });
        let action = decode_call(self.tx.to, self.tx.value, &self.tx.data, self.tx.operation);
        let calls: Vec<&DecodedCall> = match &action.kind {
            CallKind::MultiSend { entries } => entries.iter().collect(),
            _ => vec![&action],
        };
        let mut plans: Vec<(alloy_primitives::B256, Option<u32>)> = Vec::new();
        for c in std::iter::once(&action).chain(calls.iter().copied()) {
            match &c.kind {
                CallKind::ApprovePayoutPlan { root, chunk_count, .. } => {
                    plans.push((*root, Some(*chunk_count)));
                }
                CallKind::RevokePayoutPlan { root } => plans.push((*root, None)),
                _ => {}
            }
        }
        if let Some(batch) = &meta.batch {
            if batch.chunks == 0 || batch.chunk >= batch.chunks {
                return mismatch(format!(
                    "the batch says chunk {} of {}, which does not exist",
                    batch.chunk + 1,
                    batch.chunks
                ));
            }
            if !batch.rows.is_empty() {
                if batch.rows.len() != calls.len() {
                    return mismatch(format!(
                        "the batch lists {} row(s) but the calldata makes {} call(s)",
                        batch.rows.len(),
                        calls.len()
                    ));
                }
                let rows: Vec<PayoutRow> = batch
                    .rows
                    .iter()
                    .map(|r| PayoutRow {
                        line: r.line,
                        token: r.token,
                        receiver: r.receiver,
                        amount: r.amount.clone(),
                    })
                    .collect();
                let expected = rows_to_entries(&rows, |t| match t {
                    None => Some(18),
                    Some(t) => decimals(t),
                })
                .map_err(|e| Error::MetaMismatch {
                    reason: format!("the batch rows cannot be turned into calls: {e}"),
                })?;
                for (k, ((row, want), got)) in
                    batch.rows.iter().zip(&expected).zip(&calls).enumerate()
                {
                    if !same_call(want, got) {
                        return mismatch(format!(
                            "row {} (line {}) says it pays {} {} to {}, but call #{} is: {}",
                            row.index,
                            row.line,
                            row.amount,
                            row.token.map_or_else(|| "ETH".to_owned(), |t| t.to_checksum(None)),
                            row.receiver,
                            k,
                            got.to_string().lines().next().unwrap_or_default()
                        ));
                    }
                }
            }
        }
        if let Some(plan) = &meta.payout_plan {
            match plans.iter().find(|(root, _)| *root == plan.root) {
                None => {
                    return mismatch(format!(
                        "it names payout plan {:#x}, which the calldata neither approves nor revokes",
                        plan.root
                    ));
                }
                Some((_, Some(count))) if plan.chunks.is_some_and(|c| c != u64::from(*count)) => {
                    return mismatch(format!(
                        "it says payout plan {:#x} has {} chunks, the calldata approves {count}",
                        plan.root,
                        plan.chunks.unwrap_or_default()
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(label) = &meta.label {
            check_label(label, meta, calls.len(), &plans)?;
        }
        Ok(())
    }

    /// Writes the bundle to `path` atomically: the JSON goes to a temporary file in the same directory, which
    /// is flushed to disk (fsync) and then renamed over `path`, and the directory is synced. A reader sees the
    /// old file or the new one, never a partial one, and a failure leaves no temporary file behind. The file is
    /// created with mode 0600 on Unix.
    pub fn write_atomic(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json()?;
        let dir: PathBuf = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let io = |action: &'static str, p: &Path| {
            let p = p.to_owned();
            move |source| Error::Io { action, path: p, source }
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".coffer-bundle-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io("could not create a temporary file in", &dir))?;
        tmp.write_all(text.as_bytes()).map_err(io("could not write bundle", path))?;
        tmp.as_file().sync_all().map_err(io("could not flush bundle", path))?;
        tmp.persist(path).map_err(|e| Error::Io {
            action: "could not replace bundle",
            path: path.to_owned(),
            source: e.error,
        })?;
        #[cfg(unix)]
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io("could not sync directory", &dir))?;
        Ok(())
    }
}

/// Whether a decoded call does exactly what a payout entry built from a row does.
fn same_call(want: &MultiSendEntry, got: &DecodedCall) -> bool {
    let data = match &got.kind {
        CallKind::NativeTransfer => Vec::new(),
        CallKind::Erc20Transfer { to, amount } => {
            coffer_core::erc20_transfer_calldata(*to, *amount).to_vec()
        }
        _ => return false,
    };
    got.operation == Operation::Call
        && want.operation == Operation::Call
        && got.to == want.to
        && got.value == want.value
        && data == want.data.to_vec()
}

/// The numbers in `text` right after each occurrence of `before` and right before `after`, e.g.
/// `claims("payout of 12 rows", "payout of ", " rows") == [12]`.
fn claims(text: &str, before: &str, after: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(before) {
        let rest = &text[i + before.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty()
            && rest[digits.len()..].starts_with(after)
            && let Ok(n) = digits.parse()
        {
            out.push(n);
        }
    }
    out
}

/// `(I, N)` for each "I of N" after `before` (e.g. "chunk 2 of 5").
fn positions(text: &str, before: &str) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(before) {
        let rest = &text[i + before.len()..];
        let a: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Some(tail) = rest[a.len()..].strip_prefix(" of ") else { continue };
        let b: String = tail.chars().take_while(char::is_ascii_digit).collect();
        if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
            out.push((a, b));
        }
    }
    out
}

/// The label checks of [`Bundle::check_meta`].
fn check_label(
    label: &str,
    meta: &ProposalMeta,
    calls: usize,
    plans: &[(alloy_primitives::B256, Option<u32>)],
) -> Result<()> {
    let mismatch = |reason: String| Err(Error::MetaMismatch { reason });
    for (before, after) in [("payout of ", " rows"), ("batch of ", " transactions")] {
        for n in claims(label, before, after) {
            if n != calls as u64 {
                return mismatch(format!(
                    "the label {label:?} says {n} but the calldata makes {calls} call(s)"
                ));
            }
        }
    }
    for m in claims(label, " payouts in ", " chunks") {
        if !plans.iter().any(|(_, c)| c.is_some_and(|c| u64::from(c) == m)) {
            return mismatch(format!(
                "the label {label:?} says {m} chunks but the calldata approves no plan of {m} chunks"
            ));
        }
    }
    if let Some(batch) = &meta.batch {
        let mut stated = positions(label, "chunk ");
        if let Some(open) = label.rfind('(')
            && label.ends_with(')')
        {
            let inner = format!("({}", &label[open + 1..label.len() - 1]);
            stated.extend(positions(&inner, "("));
        }
        for (i, n) in stated {
            if i != batch.chunk as u64 + 1 || n != batch.chunks as u64 {
                return mismatch(format!(
                    "the label {label:?} says chunk {i} of {n} but the batch is chunk {} of {}",
                    batch.chunk + 1,
                    batch.chunks
                ));
            }
        }
        if let (Some(first), Some(last)) = (batch.rows.first(), batch.rows.last()) {
            for (i, _) in label.match_indices("lines ") {
                let rest = &label[i + 6..];
                let a: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let Some(tail) = rest[a.len()..].strip_prefix('-') else { continue };
                let b: String = tail.chars().take_while(char::is_ascii_digit).collect();
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>())
                    && (a != first.line || b != last.line)
                {
                    return mismatch(format!(
                        "the label {label:?} says lines {a}-{b} but the rows are lines {}-{}",
                        first.line, last.line
                    ));
                }
            }
        }
    }
    Ok(())
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
