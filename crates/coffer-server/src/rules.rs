//! The service's validation rules for proposals and confirmations, with the official error texts
//! (TX-SERVICE-API.md §4). Field parsing is pure; the signature checks go through coffer-core (parsing, recovery)
//! and coffer-chain (`verify_parsed_signatures`: approved hashes and EIP-1271 by `eth_call`).

use alloy::primitives::{Address, B256, Bytes, U256};
use coffer_chain::{OwnerCheck, SafeInfo, verify_parsed_signatures};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext, parse_signatures_for};
use coffer_txs_api::{ApiErrorBody, types::uint_from_json};
use serde_json::{Map, Value};

/// The largest signature blob accepted, in bytes (the official `SIGNATURE_LENGTH`).
pub(crate) const MAX_SIGNATURE_BYTES: usize = 5000;
/// The longest `origin` accepted.
const MAX_ORIGIN_CHARS: usize = 200;

/// A proposal body whose fields passed the field checks.
#[derive(Clone, Debug)]
pub(crate) struct ProposeFields {
    pub(crate) tx: SafeTx,
    pub(crate) contract_transaction_hash: B256,
    pub(crate) sender: Address,
    pub(crate) signature: Option<Bytes>,
    pub(crate) origin: Option<String>,
}

/// Collects DRF-style field errors.
#[derive(Default)]
struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0.insert(field.to_owned(), Value::Array(vec![Value::String(msg.into())]));
    }
}

/// `Some(text)` of a string field, `None` for null or absent; an error for another JSON type.
fn string_field(v: Option<&Value>) -> Result<Option<&str>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err("Not a valid string.".to_owned()),
    }
}

/// A checksummed address, as the service's `EthereumAddressField` reads it.
pub(crate) fn checksummed_address(s: &str) -> Result<Address, String> {
    let t = s.trim();
    match Address::parse_checksummed(t, None) {
        Ok(a) => Ok(a),
        Err(_) if t.parse::<Address>().is_ok() => Err(format!("Address {t} is not checksumed")),
        Err(_) => Err(format!("Address {t} is not valid")),
    }
}

/// Hex as the service's `HexadecimalField` reads it: trimmed, `0x` optional, any case.
pub(crate) fn hex_value(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    alloy::primitives::hex::decode(t)
        .map_err(|_| format!("{s:?} is not a valid hexadecimal value."))
}

/// A signature blob: at least 65 bytes, at most [`MAX_SIGNATURE_BYTES`].
pub(crate) fn signature_value(v: Option<&Value>) -> Result<Option<Bytes>, String> {
    let Some(s) = string_field(v)? else { return Ok(None) };
    if s.trim().is_empty() || s.trim() == "0x" {
        return Err("This field may not be blank.".to_owned());
    }
    let bytes = hex_value(s)?;
    if bytes.len() < 65 {
        return Err(
            "Ensure this field has at least 65 hexadecimal chars (not counting 0x).".to_owned()
        );
    }
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(format!(
            "Ensure this field has no more than {MAX_SIGNATURE_BYTES} hexadecimal chars (not counting 0x)."
        ));
    }
    Ok(Some(bytes.into()))
}

/// The Python type name the reference's serializer gives a JSON body that is not an object ("Expected a
/// dictionary, but got …").
pub(crate) fn python_type_name(body: &Value) -> &'static str {
    match body {
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Number(_) => "int",
        Value::Bool(_) => "bool",
        Value::Null | Value::Object(_) => "NoneType",
    }
}

/// Reads the propose body's fields (rule 1 of §4.1). Every bad field is reported at once, as DRF does.
pub(crate) fn propose_fields(body: &Value) -> Result<ProposeFields, ApiErrorBody> {
    let Some(obj) = body.as_object() else {
        let got = python_type_name(body);
        return Err(ApiErrorBody::non_field(format!(
            "Invalid data. Expected a dictionary, but got {got}."
        )));
    };
    let mut errors = FieldErrors::default();
    let get = |k: &str, snake: &str| obj.get(k).or_else(|| obj.get(snake));

    let address = |errors: &mut FieldErrors, key: &str, snake: &str, required: bool, zero: bool| {
        match string_field(get(key, snake)) {
            Ok(None) if required => {
                let msg = if get(key, snake).is_some() {
                    "This field may not be null."
                } else {
                    "This field is required."
                };
                errors.add(key, msg);
                None
            }
            Ok(None) => Some(Address::ZERO),
            Ok(Some(s)) => match checksummed_address(s) {
                Ok(a) if a == Address::ZERO && !zero => {
                    errors.add(key, format!("Address {a} is not allowed"));
                    None
                }
                Ok(a) => Some(a),
                Err(e) => {
                    errors.add(key, e);
                    None
                }
            },
            Err(e) => {
                errors.add(key, e);
                None
            }
        }
    };
    let to = address(&mut errors, "to", "to", true, true);
    let gas_token = address(&mut errors, "gasToken", "gas_token", false, true);
    let refund_receiver = address(&mut errors, "refundReceiver", "refund_receiver", false, true);
    let sender = address(&mut errors, "sender", "sender", true, false);

    let uint = |errors: &mut FieldErrors, key: &str, snake: &str| match get(key, snake) {
        None => {
            errors.add(key, "This field is required.");
            None
        }
        Some(Value::Null) => {
            errors.add(key, "This field may not be null.");
            None
        }
        Some(v) => match uint_from_json(v) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.add(key, e);
                None
            }
        },
    };
    let value = uint(&mut errors, "value", "value");
    let safe_tx_gas = uint(&mut errors, "safeTxGas", "safe_tx_gas");
    let base_gas = uint(&mut errors, "baseGas", "base_gas");
    let gas_price = uint(&mut errors, "gasPrice", "gas_price");
    let nonce = uint(&mut errors, "nonce", "nonce");
    if let Some(n) = nonce
        && n > U256::from(i64::MAX)
    {
        errors.add("nonce", format!("Ensure this value is less than or equal to {}.", i64::MAX));
    }
    let operation = match uint(&mut errors, "operation", "operation") {
        Some(op) if op == U256::from(2) => {
            errors.add("operation", "Operation CREATE not supported. Please use Safe CreateLib");
            None
        }
        Some(op) if op <= U256::from(1) => Some(op.to::<u8>()),
        Some(op) => {
            errors.add("operation", format!("\"{op}\" is not a valid choice."));
            None
        }
        None => None,
    };
    let data = match string_field(get("data", "data")) {
        Ok(None) => Some(Bytes::new()),
        Ok(Some(s)) => match hex_value(s) {
            Ok(b) => Some(Bytes::from(b)),
            Err(e) => {
                errors.add("data", e);
                None
            }
        },
        Err(e) => {
            errors.add("data", e);
            None
        }
    };
    let hash = match string_field(get("contractTransactionHash", "contract_transaction_hash")) {
        Ok(None) => {
            errors.add("contractTransactionHash", "This field is required.");
            None
        }
        Ok(Some(s)) => match hex_value(s) {
            Ok(b) if b.len() == 32 => Some(B256::from_slice(&b)),
            Ok(_) => {
                errors.add(
                    "contractTransactionHash",
                    "Ensure this field has exactly 64 hexadecimal chars (not counting 0x).",
                );
                None
            }
            Err(e) => {
                errors.add("contractTransactionHash", e);
                None
            }
        },
        Err(e) => {
            errors.add("contractTransactionHash", e);
            None
        }
    };
    let signature = match signature_value(get("signature", "signature")) {
        Ok(s) => s,
        Err(e) => {
            errors.add("signature", e);
            None
        }
    };
    let origin = match origin_value(get("origin", "origin")) {
        Ok(o) => o,
        Err(e) => {
            errors.add("origin", e);
            None
        }
    };
    match (to, value, data, operation, safe_tx_gas, base_gas, gas_price, nonce, hash, sender) {
        (
            Some(to),
            Some(value),
            Some(data),
            Some(operation),
            Some(safe_tx_gas),
            Some(base_gas),
            Some(gas_price),
            Some(nonce),
            Some(hash),
            Some(sender),
        ) if errors.0.is_empty() => Ok(ProposeFields {
            tx: SafeTx {
                to,
                value,
                data,
                operation: operation.try_into().map_err(|_| {
                    ApiErrorBody::field(
                        "operation",
                        format!("\"{operation}\" is not a valid choice."),
                    )
                })?,
                safe_tx_gas,
                base_gas,
                gas_price,
                gas_token: gas_token.unwrap_or_default(),
                refund_receiver: refund_receiver.unwrap_or_default(),
                nonce,
            },
            contract_transaction_hash: hash,
            sender,
            signature,
            origin,
        }),
        _ => Err(ApiErrorBody(errors.0)),
    }
}

/// The service's rendering of an address list: a Python list of strings, `['0x…', '0x…']`.
pub(crate) fn python_list(addrs: &[Address]) -> String {
    let items: Vec<String> = addrs.iter().map(|a| format!("'{a}'")).collect();
    format!("[{}]", items.join(", "))
}

/// The `origin` field of a request body (absent, null, a string of at most `MAX_ORIGIN_CHARS` characters, or a
/// number, kept as its text); `Err` is the reference's message for that field.
pub(crate) fn origin_value(v: Option<&Value>) -> Result<Option<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_ORIGIN_CHARS => {
            Err(format!("Ensure this field has no more than {MAX_ORIGIN_CHARS} characters."))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err("Not a valid string.".to_owned()),
    }
}

/// `origin` as the service returns it: JSON text re-dumped with Python's separators, other text as given,
/// `"{}"` when absent.
pub(crate) fn stored_origin(origin: Option<&str>) -> String {
    fn dump(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push_str(": ");
                    dump(v, out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    dump(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    match origin {
        None => "{}".to_owned(),
        Some(s) => match serde_json::from_str::<Value>(s) {
            Ok(v @ (Value::Object(_) | Value::Array(_))) => {
                let mut out = String::new();
                dump(&v, &mut out);
                out
            }
            _ => s.to_owned(),
        },
    }
}

/// Why a signature blob was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// It does not parse as Safe signatures (coffer-core's reason).
    Malformed(String),
    /// The signer is not a current owner.
    NotOwner(Address),
    /// The signature does not verify (approved hash missing, EIP-1271 refused, …).
    Invalid { signature: Bytes, owner: Address },
    /// Two signatures for one owner in the request.
    Duplicate(Address),
    /// The node failed while checking.
    Rpc(String),
}

/// Parses `blob` for `tx` and checks every signature: the signer must be one of `info.owners` (read from the
/// chain moments ago), appear once, and verify through coffer-chain (recovery and low-s, `approvedHashes`,
/// EIP-1271 by `eth_call`). `hash` is `tx.safe_tx_hash(ctx)`, which the caller has just computed.
pub(crate) async fn verified_signatures<P: alloy::providers::Provider>(
    provider: &P,
    info: &SafeInfo,
    ctx: &SafeTxContext,
    tx: &SafeTx,
    hash: B256,
    blob: &[u8],
) -> Result<Vec<SafeSignature>, Refusal> {
    let parsed = parse_signatures_for(blob, hash).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let mut seen: Vec<Address> = Vec::with_capacity(parsed.signatures().len());
    for sig in parsed.signatures() {
        if !info.owners.contains(&sig.owner) {
            return Err(Refusal::NotOwner(sig.owner));
        }
        if seen.contains(&sig.owner) {
            return Err(Refusal::Duplicate(sig.owner));
        }
        seen.push(sig.owner);
    }
    // The owners were recovered over `hash` just above; the verifier does not recover them again.
    let checks = verify_parsed_signatures(
        provider,
        info,
        ctx,
        tx,
        &parsed,
        None,
        OwnerCheck::Listed(&info.owners),
    )
    .await
    .map_err(|e| Refusal::Rpc(e.to_string()))?;
    if let Some(bad) = checks.iter().find(|c| !c.is_valid()) {
        return Err(Refusal::Invalid {
            signature: bad.signature.to_bytes(),
            owner: bad.signature.owner,
        });
    }
    Ok(parsed.into_signatures())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","value":"1","data":"0x","operation":0,
            "safeTxGas":"0","baseGas":"0","gasPrice":"0","gasToken":"0x0000000000000000000000000000000000000000",
            "refundReceiver":"0x0000000000000000000000000000000000000000","nonce":0,
            "contractTransactionHash":"0x1111111111111111111111111111111111111111111111111111111111111111",
            "sender":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"})
    }

    #[test]
    fn a_good_body_parses() {
        let f = propose_fields(&body()).expect("valid");
        assert_eq!(f.tx.value, U256::from(1));
        assert!(f.tx.data.is_empty());
        assert!(f.signature.is_none());
    }

    #[test]
    fn every_bad_field_is_named_with_the_service_text() {
        let mut b = body();
        b["to"] = json!("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        b["value"] = json!("0x10");
        b["operation"] = json!(2);
        b["signature"] = json!("0x");
        b.as_object_mut().expect("object").remove("nonce");
        let e = propose_fields(&b).expect_err("refused").0;
        assert_eq!(
            e["to"],
            json!(["Address 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 is not checksumed"])
        );
        assert_eq!(e["value"], json!(["A valid integer is required."]));
        assert_eq!(
            e["operation"],
            json!(["Operation CREATE not supported. Please use Safe CreateLib"])
        );
        assert_eq!(e["signature"], json!(["This field may not be blank."]));
        assert_eq!(e["nonce"], json!(["This field is required."]));
        assert_eq!(e.len(), 5);
    }

    #[test]
    fn not_an_object_and_zero_sender() {
        let e = propose_fields(&json!([1])).expect_err("list").0;
        assert_eq!(
            e["nonFieldErrors"],
            json!(["Invalid data. Expected a dictionary, but got list."])
        );
        let mut b = body();
        b["sender"] = json!("0x0000000000000000000000000000000000000000");
        assert!(propose_fields(&b).expect_err("zero").0.contains_key("sender"));
    }

    #[test]
    fn origin_is_dumped_like_python() {
        assert_eq!(
            stored_origin(Some(r#"{"url":"x","name":"y"}"#)),
            r#"{"url": "x", "name": "y"}"#
        );
        assert_eq!(stored_origin(Some("Safe-CLI")), "Safe-CLI");
        assert_eq!(stored_origin(None), "{}");
        assert_eq!(
            python_list(&[Address::repeat_byte(0xab)]),
            "['0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB']"
        );
    }

    #[test]
    fn origin_values_as_the_reference_takes_them() {
        assert_eq!(origin_value(None), Ok(None));
        assert_eq!(origin_value(Some(&Value::Null)), Ok(None));
        assert_eq!(origin_value(Some(&json!("app"))), Ok(Some("app".to_owned())));
        assert_eq!(origin_value(Some(&json!(7))), Ok(Some("7".to_owned())));
        assert_eq!(origin_value(Some(&json!("é".repeat(200)))), Ok(Some("é".repeat(200))));
        assert_eq!(
            origin_value(Some(&json!("x".repeat(201)))),
            Err("Ensure this field has no more than 200 characters.".to_owned())
        );
        assert_eq!(origin_value(Some(&json!([1]))), Err("Not a valid string.".to_owned()));
    }

    #[test]
    fn bodies_that_are_not_objects_are_named_as_python_does() {
        let names: Vec<&str> = [json!([1]), json!("x"), json!(1.5), json!(true), Value::Null]
            .iter()
            .map(python_type_name)
            .collect();
        assert_eq!(names, ["list", "str", "int", "bool", "NoneType"]);
    }
}
