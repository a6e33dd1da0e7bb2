//! Serde types for the Transaction Service's request and response objects.
//!
//! Field names, casing and number formats follow the official service (v6.10): requests and responses are
//! camelCase, except [`AboutResponse`] whose keys are snake_case. Big integers are decimal strings in responses
//! and are read from either a decimal string or a JSON number.

use alloy_primitives::{Address, B256, Bytes, U256};
use coffer_core::{Operation, SafeTx};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A wire object could not be turned into a coffer value (the message names the field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(pub String);

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WireError {}

/// Serde for `U256` as a decimal string; reads a decimal string or a JSON number (not hex, like DRF's
/// `IntegerField`).
pub mod dec_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal string.
    pub fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal string or a non-negative JSON integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        super::uint_from_json(&v).map_err(serde::de::Error::custom)
    }
}

/// Serde for an `Address` written EIP-55 checksummed (alloy writes lowercase); read in any case.
pub mod checksummed {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the EIP-55 form.
    pub fn serialize<S: Serializer>(v: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_checksum(None))
    }

    /// Reads an address in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        Address::deserialize(d)
    }
}

/// Serde for an `Option<Address>` written checksummed.
pub mod opt_checksummed {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the EIP-55 form or `null`.
    pub fn serialize<S: Serializer>(v: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(a) => s.serialize_str(&a.to_checksum(None)),
            None => s.serialize_none(),
        }
    }

    /// Reads an address in any case, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Address>, D::Error> {
        Option::<Address>::deserialize(d)
    }
}

/// Serde for a `Vec<Address>` written checksummed.
pub mod vec_checksummed {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    /// Writes each address in the EIP-55 form.
    pub fn serialize<S: Serializer>(v: &[Address], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for a in v {
            seq.serialize_element(&a.to_checksum(None))?;
        }
        seq.end()
    }

    /// Reads addresses in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Address>, D::Error> {
        Vec::<Address>::deserialize(d)
    }
}

/// Serde for `Option<U256>` as an optional decimal string.
pub mod opt_dec_u256 {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal string or `null`.
    pub fn serialize<S: Serializer>(v: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string, a JSON integer or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<U256>, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        if v.is_null() {
            return Ok(None);
        }
        super::uint_from_json(&v).map(Some).map_err(serde::de::Error::custom)
    }
}

/// Reads a non-negative integer the way the service's `IntegerField` does: a JSON integer or a decimal string
/// (surrounding spaces allowed). The error text is the service's own ("A valid integer is required.").
pub fn uint_from_json(v: &Value) -> Result<U256, String> {
    let invalid = || "A valid integer is required.".to_owned();
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(n) => Ok(U256::from(n)),
            None if n.as_i64().is_some() => {
                Err("Ensure this value is greater than or equal to 0.".to_owned())
            }
            // A JSON number above u64 (serde_json keeps its digits with arbitrary_precision off only as f64).
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .and_then(|_| U256::from_str_radix(&n.to_string(), 10).ok())
                .ok_or_else(invalid),
        },
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()) {
                return Err("Ensure this value is greater than or equal to 0.".to_owned());
            }
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            U256::from_str_radix(t, 10).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// Serde for the nonce in a create body: written as a JSON number when it fits (api-kit sends a number), read
/// from a number or a decimal string.
mod nonce_num {
    use alloy_primitives::U256;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(*v) {
            Ok(n) => s.serialize_u64(n),
            Err(_) => s.serialize_str(&v.to_string()),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        super::dec_u256::deserialize(d)
    }
}

/// Serde for `data`: `null` or `"0x"` both mean empty; written as the hex string.
mod data_bytes {
    use alloy_primitives::Bytes;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        Ok(Option::<Bytes>::deserialize(d)?.filter(|b| !b.is_empty()))
    }
}

/// The body of `POST /api/v2/safes/{safe}/multisig-transactions/` (propose), as api-kit 5 sends it: the ten
/// SafeTx fields, then `contractTransactionHash` (the safeTxHash), `sender`, `signature` and an optional `origin`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultisigTransactionCreate {
    /// Target of the call.
    #[serde(with = "checksummed")]
    pub to: Address,
    /// Wei sent (decimal string).
    #[serde(with = "dec_u256")]
    pub value: U256,
    /// Calldata; `None` when empty (read from `null` or `"0x"`).
    #[serde(with = "data_bytes", default)]
    pub data: Option<Bytes>,
    /// 0 = call, 1 = delegatecall.
    pub operation: u8,
    /// safeTxGas (decimal string).
    #[serde(with = "dec_u256")]
    pub safe_tx_gas: U256,
    /// baseGas (decimal string).
    #[serde(with = "dec_u256")]
    pub base_gas: U256,
    /// gasPrice (decimal string).
    #[serde(with = "dec_u256")]
    pub gas_price: U256,
    /// Refund token; zero or `null` for ETH.
    #[serde(with = "opt_checksummed", default)]
    pub gas_token: Option<Address>,
    /// Refund receiver; zero or `null` for `tx.origin`.
    #[serde(with = "opt_checksummed", default)]
    pub refund_receiver: Option<Address>,
    /// Safe nonce (a JSON number, as api-kit sends it).
    #[serde(with = "nonce_num")]
    pub nonce: U256,
    /// The safeTxHash the proposer computed; the server recomputes it.
    pub contract_transaction_hash: B256,
    /// The proposing owner (checksummed).
    #[serde(with = "checksummed")]
    pub sender: Address,
    /// The sender's signature (and possibly others), packed; `None` is accepted by the official service but
    /// makes an untrusted transaction.
    #[serde(default)]
    pub signature: Option<Bytes>,
    /// Free text (often JSON) naming the app; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl MultisigTransactionCreate {
    /// The body for proposing `tx` with hash `safe_tx_hash`, sent by `sender` with `signature`.
    pub fn new(
        tx: &SafeTx,
        safe_tx_hash: B256,
        sender: Address,
        signature: Option<Bytes>,
        origin: Option<String>,
    ) -> Self {
        Self {
            to: tx.to,
            value: tx.value,
            data: (!tx.data.is_empty()).then(|| tx.data.clone()),
            operation: tx.operation.as_u8(),
            safe_tx_gas: tx.safe_tx_gas,
            base_gas: tx.base_gas,
            gas_price: tx.gas_price,
            gas_token: Some(tx.gas_token),
            refund_receiver: Some(tx.refund_receiver),
            nonce: tx.nonce,
            contract_transaction_hash: safe_tx_hash,
            sender,
            signature,
            origin,
        }
    }

    /// The Safe transaction this body describes (its hash must still be recomputed by the reader).
    pub fn safe_tx(&self) -> Result<SafeTx, WireError> {
        Ok(SafeTx {
            to: self.to,
            value: self.value,
            data: self.data.clone().unwrap_or_default(),
            operation: operation(self.operation)?,
            safe_tx_gas: self.safe_tx_gas,
            base_gas: self.base_gas,
            gas_price: self.gas_price,
            gas_token: self.gas_token.unwrap_or_default(),
            refund_receiver: self.refund_receiver.unwrap_or_default(),
            nonce: self.nonce,
        })
    }
}

fn operation(op: u8) -> Result<Operation, WireError> {
    match op {
        2 => Err(WireError("Operation CREATE not supported. Please use Safe CreateLib".to_owned())),
        op => Operation::try_from(op)
            .map_err(|_| WireError(format!("\"{op}\" is not a valid choice."))),
    }
}

/// The body of `POST /api/v1/multisig-transactions/{safeTxHash}/confirmations/`, and its 201 answer: one or
/// more packed signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationCreate {
    /// Packed signature bytes (lowercase hex on the wire).
    pub signature: Bytes,
}

/// One owner's confirmation of a multisig transaction. Exactly these five keys (api-kit compares them deeply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    /// The confirming owner (checksummed).
    #[serde(with = "checksummed")]
    pub owner: Address,
    /// When the service stored it (ISO-8601 UTC, `Z`).
    pub submission_date: String,
    /// The on-chain approval transaction, for approved-hash confirmations seen on chain; else `None`.
    pub transaction_hash: Option<B256>,
    /// The owner's signature as stored (65 bytes, or a contract signature with its dynamic part at offset 65).
    pub signature: Bytes,
    /// `EOA`, `ETH_SIGN`, `APPROVED_HASH` or `CONTRACT_SIGNATURE`.
    pub signature_type: String,
}

/// A multisig transaction as the v2 endpoints return it (`SafeMultisigTransactionResponseSerializerV2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultisigTransaction {
    /// The Safe.
    #[serde(with = "checksummed")]
    pub safe: Address,
    /// Target.
    #[serde(with = "checksummed")]
    pub to: Address,
    /// Wei (decimal string).
    #[serde(with = "dec_u256")]
    pub value: U256,
    /// Calldata; `null` when empty.
    #[serde(with = "data_bytes", default)]
    pub data: Option<Bytes>,
    /// 0 call, 1 delegatecall.
    pub operation: u8,
    /// Refund token (zero address for ETH).
    #[serde(with = "opt_checksummed")]
    pub gas_token: Option<Address>,
    /// safeTxGas (decimal string).
    #[serde(with = "dec_u256")]
    pub safe_tx_gas: U256,
    /// baseGas (decimal string).
    #[serde(with = "dec_u256")]
    pub base_gas: U256,
    /// gasPrice (decimal string).
    #[serde(with = "dec_u256")]
    pub gas_price: U256,
    /// Refund receiver.
    #[serde(with = "opt_checksummed")]
    pub refund_receiver: Option<Address>,
    /// Safe nonce (decimal string).
    #[serde(with = "dec_u256")]
    pub nonce: U256,
    /// When it was executed, if known.
    pub execution_date: Option<String>,
    /// When it was first proposed.
    pub submission_date: String,
    /// Last change.
    pub modified: String,
    /// Block of the execution.
    pub block_number: Option<u64>,
    /// The execution transaction.
    pub transaction_hash: Option<B256>,
    /// The safeTxHash.
    pub safe_tx_hash: B256,
    /// The proposing owner (or the delegator).
    #[serde(with = "opt_checksummed")]
    pub proposer: Option<Address>,
    /// The delegate that proposed, if any.
    #[serde(with = "opt_checksummed")]
    pub proposed_by_delegate: Option<Address>,
    /// The account that executed it.
    #[serde(with = "opt_checksummed")]
    pub executor: Option<Address>,
    /// Whether it has been executed on chain (always present: protocol-kit relies on it).
    pub is_executed: bool,
    /// Whether the execution succeeded (`ExecutionSuccess`), if executed.
    pub is_successful: Option<bool>,
    /// Gas price of the execution.
    #[serde(with = "opt_dec_u256", default)]
    pub eth_gas_price: Option<U256>,
    /// EIP-1559 max fee of the execution.
    #[serde(with = "opt_dec_u256", default)]
    pub max_fee_per_gas: Option<U256>,
    /// EIP-1559 priority fee of the execution.
    #[serde(with = "opt_dec_u256", default)]
    pub max_priority_fee_per_gas: Option<U256>,
    /// Gas used by the execution.
    pub gas_used: Option<u64>,
    /// Fee paid by the execution.
    #[serde(with = "opt_dec_u256", default)]
    pub fee: Option<U256>,
    /// Refund paid by the Safe.
    #[serde(with = "opt_dec_u256", default)]
    pub payment: Option<U256>,
    /// The proposer's origin text (`"{}"` when none).
    pub origin: String,
    /// Decoded calldata (coffer serves `null`).
    #[serde(default)]
    pub data_decoded: Option<Value>,
    /// The threshold that applies (the Safe's current threshold).
    pub confirmations_required: u64,
    /// Confirmations, oldest first.
    pub confirmations: Vec<Confirmation>,
    /// Whether an owner signed it.
    pub trusted: bool,
    /// The packed signatures of the execution, for executed transactions.
    pub signatures: Option<Bytes>,
}

impl MultisigTransaction {
    /// The Safe transaction these fields describe (its hash must still be recomputed by the reader).
    pub fn safe_tx(&self) -> Result<SafeTx, WireError> {
        Ok(SafeTx {
            to: self.to,
            value: self.value,
            data: self.data.clone().unwrap_or_default(),
            operation: operation(self.operation)?,
            safe_tx_gas: self.safe_tx_gas,
            base_gas: self.base_gas,
            gas_price: self.gas_price,
            gas_token: self.gas_token.unwrap_or_default(),
            refund_receiver: self.refund_receiver.unwrap_or_default(),
            nonce: self.nonce,
        })
    }
}

/// `GET /api/v1/safes/{safe}/`: the Safe read from the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeInfoResponse {
    /// The Safe.
    #[serde(with = "checksummed")]
    pub address: Address,
    /// Current nonce (decimal string).
    #[serde(with = "dec_u256")]
    pub nonce: U256,
    /// Current threshold.
    pub threshold: u64,
    /// Owners in contract order.
    #[serde(with = "vec_checksummed")]
    pub owners: Vec<Address>,
    /// The singleton (api-kit renames it `singleton`).
    #[serde(with = "checksummed", alias = "singleton")]
    pub master_copy: Address,
    /// Enabled modules.
    #[serde(with = "vec_checksummed")]
    pub modules: Vec<Address>,
    /// Fallback handler (zero if none).
    #[serde(with = "checksummed")]
    pub fallback_handler: Address,
    /// Guard (zero if none).
    #[serde(with = "checksummed")]
    pub guard: Address,
    /// Module guard (zero if none).
    #[serde(with = "checksummed", default)]
    pub module_guard: Address,
    /// `VERSION()`, e.g. `"1.4.1"`.
    pub version: Option<String>,
}

/// `GET /api/v1/about/`. Keys are snake_case (the official view uses the plain JSON renderer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AboutResponse {
    /// Service name.
    pub name: String,
    /// Service version.
    pub version: String,
    /// Always `"v1"`.
    pub api_version: String,
    /// Whether the request came over HTTPS.
    pub secure: bool,
    /// The Host the request named.
    pub host: String,
    /// Headers (the official service lists request headers it was configured to show).
    pub headers: Vec<String>,
    /// Settings (uppercase keys).
    pub settings: Map<String, Value>,
    /// The chain the service serves (a coffer addition; api-kit ignores it).
    #[serde(default, rename = "chainId", skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
}

/// A DRF `LimitOffsetPagination` page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Total matching rows.
    pub count: u64,
    /// Absolute URL of the next page.
    pub next: Option<String>,
    /// Absolute URL of the previous page.
    pub previous: Option<String>,
    /// The multisig list's count of distinct nonces (absent on other lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_unique_nonce: Option<u64>,
    /// This page's rows.
    pub results: Vec<T>,
}

/// `GET /api/v1/owners/{owner}/safes/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSafes {
    /// Safes the address owns.
    #[serde(with = "vec_checksummed")]
    pub safes: Vec<Address>,
}

/// An error body of the service. It takes one of three shapes: field errors (`{"field": ["msg"]}`,
/// `nonFieldErrors` for the object), a code error (`{"code", "message", "arguments"}`), or `{"detail"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiErrorBody(pub Map<String, Value>);

impl ApiErrorBody {
    /// `{"<field>": [msg]}`.
    pub fn field(field: &str, msg: impl Into<String>) -> Self {
        let mut m = Map::new();
        m.insert(field.to_owned(), Value::Array(vec![Value::String(msg.into())]));
        Self(m)
    }

    /// `{"nonFieldErrors": [msg]}`.
    pub fn non_field(msg: impl Into<String>) -> Self {
        Self::field("nonFieldErrors", msg)
    }

    /// `{"detail": msg}`.
    pub fn detail(msg: impl Into<String>) -> Self {
        let mut m = Map::new();
        m.insert("detail".to_owned(), Value::String(msg.into()));
        Self(m)
    }

    /// `{"code": code, "message": msg, "arguments": [args]}`.
    pub fn code(code: i64, msg: impl Into<String>, arguments: Vec<Value>) -> Self {
        let mut m = Map::new();
        m.insert("code".to_owned(), Value::from(code));
        m.insert("message".to_owned(), Value::String(msg.into()));
        m.insert("arguments".to_owned(), Value::Array(arguments));
        Self(m)
    }

    /// The message a person should see, in api-kit's order (`data`, `detail`, `message`, `nonFieldErrors`,
    /// `delegate`, `safe`, `delegator`), then the first field error as `field: msg`.
    pub fn message(&self) -> Option<String> {
        fn text(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Array(a) => a.iter().find_map(text),
                Value::Null => None,
                other => Some(other.to_string()),
            }
        }
        for key in ["data", "detail", "message", "nonFieldErrors", "delegate", "safe", "delegator"]
        {
            if let Some(t) = self.0.get(key).and_then(text) {
                return Some(t);
            }
        }
        self.0.iter().find_map(|(k, v)| text(v).map(|t| format!("{k}: {t}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::{SafeTxContext, SafeVersion};

    /// The propose body exactly as api-kit 5.0.3 sends it (key order and JSON types as observed by the probe in
    /// TX-SERVICE-API.md §3.3: value/safeTxGas/baseGas/gasPrice strings, nonce and operation numbers).
    const API_KIT_PROPOSE: &str = r#"{"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"1000000000000000","data":"0x","operation":0,"safeTxGas":"0","baseGas":"0","gasPrice":"0","gasToken":"0x0000000000000000000000000000000000000000","refundReceiver":"0x0000000000000000000000000000000000000000","nonce":3,"contractTransactionHash":"0x0000000000000000000000000000000000000000000000000000000000000000","sender":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","signature":"0x1111111111111111111111111111111111111111111111111111111111111111222222222222222222222222222222222222222222222222222222222222222220","origin":"{\"url\":\"http://localhost\",\"name\":\"coffer test\"}"}"#;

    #[test]
    fn propose_body_round_trips_api_kit_json() {
        let body: MultisigTransactionCreate =
            serde_json::from_str(API_KIT_PROPOSE).expect("api-kit body parses");
        assert_eq!(body.value, U256::from(1_000_000_000_000_000u64));
        assert_eq!(body.nonce, U256::from(3));
        assert_eq!(body.data, None, "\"0x\" is empty data");
        let tx = body.safe_tx().expect("operation 0");
        let ctx = SafeTxContext::new(31337, Address::repeat_byte(0x42), SafeVersion::V1_4_1);
        // Rebuilding the body from the SafeTx gives the same JSON (data `null` instead of "0x", nonce a number).
        let again = MultisigTransactionCreate::new(
            &tx,
            body.contract_transaction_hash,
            body.sender,
            body.signature.clone(),
            body.origin.clone(),
        );
        let v = serde_json::to_value(&again).expect("serializes");
        assert_eq!(v["nonce"], serde_json::json!(3));
        assert_eq!(v["value"], serde_json::json!("1000000000000000"));
        assert_eq!(v["sender"], serde_json::json!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        let back: MultisigTransactionCreate = serde_json::from_value(v).expect("parses back");
        assert_eq!(back, body);
        assert_eq!(back.safe_tx().expect("ok").safe_tx_hash(&ctx), tx.safe_tx_hash(&ctx));
    }

    #[test]
    fn integers_read_like_drf_integer_field() {
        assert_eq!(uint_from_json(&serde_json::json!(" 12 ")), Ok(U256::from(12)));
        assert_eq!(uint_from_json(&serde_json::json!(7)), Ok(U256::from(7)));
        assert!(uint_from_json(&serde_json::json!("0x10")).is_err());
        assert_eq!(
            uint_from_json(&serde_json::json!(-1)),
            Err("Ensure this value is greater than or equal to 0.".to_owned())
        );
        assert!(uint_from_json(&serde_json::json!(null)).is_err());
        let big = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(uint_from_json(&serde_json::json!(big)), Ok(U256::MAX));
    }

    #[test]
    fn operation_create_is_refused_with_the_service_text() {
        let mut body: MultisigTransactionCreate =
            serde_json::from_str(API_KIT_PROPOSE).expect("parses");
        body.operation = 2;
        assert_eq!(
            body.safe_tx().expect_err("CREATE").0,
            "Operation CREATE not supported. Please use Safe CreateLib"
        );
    }

    /// A v2 transaction as the official service serves it for a pending proposal (§5.1).
    const SERVICE_TX: &str = r#"{"safe":"0x5FbDB2315678afecb367f032d93F642f64180aa3","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"1000000000000000","data":null,"operation":0,"gasToken":"0x0000000000000000000000000000000000000000","safeTxGas":"0","baseGas":"0","gasPrice":"0","refundReceiver":"0x0000000000000000000000000000000000000000","nonce":"3","executionDate":null,"submissionDate":"2024-01-24T15:22:07.408155Z","modified":"2024-01-24T15:22:07.408155Z","blockNumber":null,"transactionHash":null,"safeTxHash":"0x6c4b5a9d4bb1c1d3a5c9fb6e1c1c5f0e0c4b7b0b8e8f1a5e0f0e6d7c8b9a0f1e","proposer":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","proposedByDelegate":null,"executor":null,"isExecuted":false,"isSuccessful":null,"ethGasPrice":null,"maxFeePerGas":null,"maxPriorityFeePerGas":null,"gasUsed":null,"fee":null,"payment":null,"origin":"{}","dataDecoded":null,"confirmationsRequired":2,"confirmations":[{"owner":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","submissionDate":"2024-01-24T15:22:07.408155Z","transactionHash":null,"signature":"0x1111111111111111111111111111111111111111111111111111111111111111222222222222222222222222222222222222222222222222222222222222222220","signatureType":"EOA"}],"trusted":true,"signatures":null}"#;

    #[test]
    fn transaction_response_round_trips_byte_for_byte() {
        let tx: MultisigTransaction = serde_json::from_str(SERVICE_TX).expect("parses");
        assert_eq!(tx.nonce, U256::from(3));
        assert!(!tx.is_executed);
        assert_eq!(tx.confirmations[0].signature_type, "EOA");
        assert_eq!(serde_json::to_string(&tx).expect("serializes"), SERVICE_TX);
    }

    #[test]
    fn safe_info_accepts_api_kit_singleton_rename_and_pages_parse() {
        let info = r#"{"address":"0x5FbDB2315678afecb367f032d93F642f64180aa3","nonce":"5","threshold":2,"owners":["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],"masterCopy":"0x41675C099F32341bf84BFc5382aF534df5C7461a","modules":[],"fallbackHandler":"0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99","guard":"0x0000000000000000000000000000000000000000","moduleGuard":"0x0000000000000000000000000000000000000000","version":"1.4.1"}"#;
        let parsed: SafeInfoResponse = serde_json::from_str(info).expect("parses");
        assert_eq!(serde_json::to_string(&parsed).expect("ser"), info);
        let page = r#"{"count":0,"next":null,"previous":null,"countUniqueNonce":0,"results":[]}"#;
        let p: Page<MultisigTransaction> = serde_json::from_str(page).expect("page");
        assert_eq!(serde_json::to_string(&p).expect("ser"), page);
    }

    #[test]
    fn error_message_follows_api_kit_order() {
        let e: ApiErrorBody = serde_json::from_str(
            r#"{"code":1,"message":"Checksum address validation failed","arguments":["0xabc"]}"#,
        )
        .expect("parses");
        assert_eq!(e.message().as_deref(), Some("Checksum address validation failed"));
        assert_eq!(
            ApiErrorBody::non_field("Sender=0x1 is not an owner").message().as_deref(),
            Some("Sender=0x1 is not an owner")
        );
        assert_eq!(
            ApiErrorBody::field("signature", "This field is required.").message().as_deref(),
            Some("signature: This field is required.")
        );
    }
}
