//! The Safe{Wallet} Transaction Builder batch file: model, checksum, calldata, export.
//!
//! The checksum is the one the app writes in `meta.checksum` and checks on import: keccak-256 of a canonical
//! serialization of the file without `meta.checksum` and with `meta.name` replaced by `null`. Every object is written as `{`, the JSON of its sorted
//! key array, each value in key order followed by `,`, then `}`; arrays as `[a,b]`; everything else as
//! `JSON.stringify` writes it, with `undefined` as `null`.

use alloy_dyn_abi::{DynSolType, DynSolValue, JsonAbiExt, Specifier};
use alloy_json_abi::{Function, Param, StateMutability};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Error, MultiSendEntry, Operation, Result, types::dec_u256};

/// The `txBuilderVersion` coffer writes in exported files.
pub const TX_BUILDER_VERSION: &str = "1.18.0";

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or set (`Some(Some(v))`), so that a file
/// is written back exactly as it was read and its checksum still matches.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> core::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A Transaction Builder batch file (`version` "1.0").
///
/// Optional fields are `Option<Option<T>>`: `None` when the key is absent, `Some(None)` when it is `null`.
/// Unknown keys are kept in `extra` and written back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxBuilderBatch {
    /// File format version, `"1.0"`.
    pub version: String,
    /// The chain id as a decimal string.
    pub chain_id: String,
    /// Creation time in milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Name, description, creator and checksum.
    pub meta: TxBuilderMeta,
    /// The transactions, in order.
    pub transactions: Vec<TxBuilderTransaction>,
    /// Keys this model does not know, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `meta` object of a batch file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxBuilderMeta {
    /// Batch name.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub name: Option<Option<String>>,
    /// Description.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    /// Version of the app that wrote the file.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub tx_builder_version: Option<Option<String>>,
    /// The Safe the batch was made for.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub created_from_safe_address: Option<Option<String>>,
    /// The owner who made it.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub created_from_owner_address: Option<Option<String>>,
    /// `0x` + keccak-256 of the file without this field.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Option<String>>,
    /// Keys this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One transaction of a batch file: either raw `data`, or `contractMethod` + `contractInputsValues`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxBuilderTransaction {
    /// Target address (as written in the file).
    pub to: String,
    /// Wei, as a decimal string.
    pub value: String,
    /// Raw calldata (`0x…`), or null when a contract method is given.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub data: Option<Option<String>>,
    /// The ABI of the called function.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub contract_method: Option<Option<ContractMethod>>,
    /// The argument values by input name, as the app's form strings.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub contract_inputs_values: Option<Option<Map<String, Value>>>,
    /// Keys this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `contractMethod`: the function's name, inputs and payability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContractMethod {
    /// The inputs, as in a JSON ABI.
    pub inputs: Vec<ContractInput>,
    /// The function name.
    pub name: String,
    /// Whether the function is payable.
    #[serde(default)]
    pub payable: bool,
    /// Keys this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One input of a `contractMethod`, as in a JSON ABI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContractInput {
    /// Solidity's internal type, e.g. `address payable` or `struct Foo.Bar`.
    #[serde(rename = "internalType", default, skip_serializing_if = "Option::is_none")]
    pub internal_type: Option<String>,
    /// The input name (the key into `contractInputsValues`).
    pub name: String,
    /// The ABI type, e.g. `uint256`, `address[]`, `tuple`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Tuple components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<ContractInput>>,
    /// Keys this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn js_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

fn js_sort_keys(keys: &mut [&String]) {
    // JavaScript's default sort compares UTF-16 code units.
    keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
}

fn serialize_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, el) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                serialize_canonical(el, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            js_sort_keys(&mut keys);
            out.push('{');
            out.push_str(
                &Value::from(keys.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string(),
            );
            for k in keys {
                serialize_canonical(&map[k.as_str()], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Number(n) => out.push_str(&js_number(n)),
        other => out.push_str(&other.to_string()),
    }
}

/// The canonical serialization the app hashes (see the module docs). Exposed for tests and tooling.
pub fn canonical_serialization(v: &Value) -> String {
    let mut out = String::new();
    serialize_canonical(v, &mut out);
    out
}

/// The checksum of a batch file given as JSON, as the current app computes it: keccak-256 of the canonical
/// serialization of the file with `meta.checksum` removed and `meta.name` set to `null` (so that renaming a
/// batch keeps its checksum).
pub fn checksum_of_json(file: &Value) -> B256 {
    let mut v = file.clone();
    if let Some(obj) = v.as_object_mut() {
        let meta = obj.entry("meta").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Some(meta) = meta.as_object_mut() {
            meta.shift_remove("checksum");
            meta.insert("name".to_owned(), Value::Null);
        }
    }
    keccak256(canonical_serialization(&v).as_bytes())
}

/// Checks the `meta.checksum` of a batch file given as JSON text, exactly as the app does on import.
pub fn verify_checksum_json(text: &str) -> Result<()> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Error::TxBuilderFormat { reason: format!("not valid JSON: {e}") })?;
    let expected = match v.get("meta").and_then(|m| m.get("checksum")) {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(Error::ChecksumMissing),
    };
    let computed = checksum_of_json(&v);
    if expected.eq_ignore_ascii_case(&computed.to_string()) {
        Ok(())
    } else {
        Err(Error::ChecksumMismatch { expected, computed })
    }
}

impl TxBuilderBatch {
    /// Parses a batch file from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::TxBuilderFormat { reason: e.to_string() })
    }

    /// The file as pretty JSON text (two-space indentation, like the app).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::TxBuilderFormat { reason: e.to_string() })
    }

    fn to_value(&self) -> Result<Value> {
        serde_json::to_value(self).map_err(|e| Error::TxBuilderFormat { reason: e.to_string() })
    }

    /// The checksum of this batch, computed as the app does (over everything but `meta.checksum`).
    pub fn checksum(&self) -> Result<B256> {
        Ok(checksum_of_json(&self.to_value()?))
    }

    /// Checks `meta.checksum` against the content.
    pub fn verify_checksum(&self) -> Result<()> {
        let expected = match &self.meta.checksum {
            Some(Some(s)) => s.clone(),
            _ => return Err(Error::ChecksumMissing),
        };
        let computed = self.checksum()?;
        if expected.eq_ignore_ascii_case(&computed.to_string()) {
            Ok(())
        } else {
            Err(Error::ChecksumMismatch { expected, computed })
        }
    }

    /// Sets `meta.checksum` to the checksum of the content.
    pub fn with_checksum(mut self) -> Result<Self> {
        self.meta.checksum = None;
        let c = self.checksum()?;
        self.meta.checksum = Some(Some(c.to_string()));
        Ok(self)
    }

    /// The chain id as a number.
    pub fn chain_id(&self) -> Result<u64> {
        self.chain_id.trim().parse().map_err(|_| Error::TxBuilderFormat {
            reason: format!("chainId {:?} is not a decimal chain id", self.chain_id),
        })
    }

    /// The batch as MultiSend call entries, read as the app reads them: a non-empty `data` string when present,
    /// else `contractMethod` + `contractInputsValues` encoded with the dynamic ABI, else empty calldata (a plain
    /// transfer). Errors name
    /// the transaction index and the field or input.
    pub fn to_calls(&self) -> Result<Vec<MultiSendEntry>> {
        self.transactions.iter().enumerate().map(|(i, tx)| tx.to_call(i)).collect()
    }

    /// A batch file of the given call entries, with `createdAt` = `created_at_ms`, raw `data` for every
    /// transaction, and the checksum set. Delegatecall entries cannot be expressed in the format and are an
    /// error naming the entry index.
    pub fn from_entries(
        chain_id: u64,
        safe: Option<Address>,
        name: &str,
        description: &str,
        created_at_ms: u64,
        entries: &[MultiSendEntry],
    ) -> Result<Self> {
        let mut transactions = Vec::with_capacity(entries.len());
        for (index, e) in entries.iter().enumerate() {
            if e.operation == Operation::DelegateCall {
                return Err(Error::DelegateCallNotExportable { index, to: e.to });
            }
            transactions.push(TxBuilderTransaction {
                to: e.to.to_checksum(None),
                value: e.value.to_string(),
                data: Some(Some(e.data.to_string())),
                contract_method: Some(None),
                contract_inputs_values: Some(None),
                extra: Map::new(),
            });
        }
        Self {
            version: "1.0".to_owned(),
            chain_id: chain_id.to_string(),
            created_at: created_at_ms,
            meta: TxBuilderMeta {
                name: Some(Some(name.to_owned())),
                description: Some(Some(description.to_owned())),
                tx_builder_version: Some(Some(TX_BUILDER_VERSION.to_owned())),
                created_from_safe_address: Some(Some(
                    safe.map(|s| s.to_checksum(None)).unwrap_or_default(),
                )),
                created_from_owner_address: Some(Some(String::new())),
                checksum: None,
                extra: Map::new(),
            },
            transactions,
            extra: Map::new(),
        }
        .with_checksum()
    }
}

fn tx_err(index: usize, field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::TxBuilderTx { index, field: field.into(), reason: reason.into() }
}

fn strip_internal_types(v: &mut Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.shift_remove("internalType");
        if let Some(Value::Array(components)) = obj.get_mut("components") {
            components.iter_mut().for_each(strip_internal_types);
        }
    }
}

impl ContractInput {
    /// The input as an alloy [`Param`]. `internalType` is dropped: it only names Solidity types for display,
    /// and without it structs are plain tuples, which is how their values are written in the file.
    fn to_param(&self) -> core::result::Result<Param, String> {
        let mut v = serde_json::to_value(self).map_err(|e| e.to_string())?;
        strip_internal_types(&mut v);
        serde_json::from_value(v).map_err(|e| format!("invalid ABI input: {e}"))
    }
}

impl ContractMethod {
    /// The method as an alloy [`Function`].
    pub fn to_function(&self) -> core::result::Result<Function, String> {
        let inputs =
            self.inputs.iter().map(ContractInput::to_param).collect::<Result<Vec<_>, _>>()?;
        Ok(Function {
            name: self.name.clone(),
            inputs,
            outputs: Vec::new(),
            state_mutability: if self.payable {
                StateMutability::Payable
            } else {
                StateMutability::NonPayable
            },
        })
    }
}

fn coerce_value(ty: &DynSolType, raw: &Value) -> core::result::Result<DynSolValue, String> {
    match raw {
        Value::String(s) => {
            let nested = matches!(
                ty,
                DynSolType::Array(_) | DynSolType::FixedArray(..) | DynSolType::Tuple(_)
            );
            if nested
                && let Ok(json) = serde_json::from_str::<Value>(s)
                && let Ok(v) = ty.coerce_json(&json)
            {
                return Ok(v);
            }
            ty.coerce_str(s.trim()).map_err(|e| format!("{s:?} is not a valid {ty}: {e}"))
        }
        other => ty.coerce_json(other).map_err(|e| format!("{other} is not a valid {ty}: {e}")),
    }
}

impl TxBuilderTransaction {
    fn to_call(&self, index: usize) -> Result<MultiSendEntry> {
        let to: Address =
            self.to.trim().parse().map_err(|e| {
                tx_err(index, "to", format!("{:?} is not an address: {e}", self.to))
            })?;
        let value = dec_u256::parse(&self.value).map_err(|e| tx_err(index, "value", e))?;
        // As the app does: a non-empty `data` string wins (even "0x"), else the contract method is encoded.
        let raw_data = match &self.data {
            Some(Some(d)) if !d.is_empty() => Some(d.trim()),
            _ => None,
        };
        let data: Bytes = if let Some(d) = raw_data {
            d.parse().map_err(|e| tx_err(index, "data", format!("not hex calldata: {e}")))?
        } else if let Some(Some(method)) = &self.contract_method {
            encode_method(
                index,
                method,
                self.contract_inputs_values.as_ref().and_then(Option::as_ref),
            )?
        } else {
            Bytes::new()
        };
        Ok(MultiSendEntry { operation: Operation::Call, to, value, data })
    }
}

fn encode_method(
    index: usize,
    method: &ContractMethod,
    values: Option<&Map<String, Value>>,
) -> Result<Bytes> {
    let function = method.to_function().map_err(|e| tx_err(index, "contractMethod", e))?;
    let mut args = Vec::with_capacity(function.inputs.len());
    for (i, param) in function.inputs.iter().enumerate() {
        let field = if param.name.is_empty() { format!("#{i}") } else { param.name.clone() };
        let ty: DynSolType = param.resolve().map_err(|e| {
            tx_err(index, field.clone(), format!("unknown ABI type {}: {e}", param.ty))
        })?;
        let raw = values
            .and_then(|m| m.get(&param.name))
            .ok_or_else(|| tx_err(index, field.clone(), "no value in contractInputsValues"))?;
        args.push(coerce_value(&ty, raw).map_err(|e| tx_err(index, field.clone(), e))?);
    }
    let data = function
        .abi_encode_input(&args)
        .map_err(|e| tx_err(index, "contractMethod", format!("could not encode: {e}")))?;
    Ok(data.into())
}
