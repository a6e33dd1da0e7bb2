//! Any `eth_signTypedData_v4` JSON (a social-recovery guardian's confirmation, with its `address[]`)
//! as the Trezor core firmware asks for it in the streaming `EthereumSignTypedData` flow
//! (HARDWARE-WALLETS.md): each struct's members with their field types, and each value by member
//! path (`[0, …]` the domain, `[1, …]` the message; a nested struct or an array element adds its
//! index), encoded as the firmware decodes it: an integer as big-endian bytes of its declared size,
//! an address as 20 bytes, a bool as one byte, a string as UTF-8, `bytes`/`bytesN` raw, and an array
//! first as its length in 2 bytes.

use alloy::primitives::{I256, U256};
use serde_json::Value;
use trezor_client::protos::{
    EthereumTypedDataStructAck,
    ethereum_typed_data_struct_ack::{EthereumDataType, EthereumFieldType, EthereumStructMember},
};

use crate::{Error, Result};

/// A field type as the firmware knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FieldType {
    Uint(u32),
    Int(u32),
    Address,
    Bool,
    String,
    Bytes,
    FixedBytes(u32),
    /// An array of the entry type; `Some(n)` for a fixed length `T[n]`.
    Array(Box<FieldType>, Option<u32>),
    Struct(String),
}

fn bad(what: String) -> Error {
    Error::LocalSign { reason: format!("the typed data cannot be streamed to the Trezor: {what}") }
}

/// The streaming flow's view of one typed-data document.
#[derive(Clone, Debug)]
pub(crate) struct JsonTypedData {
    /// `primaryType`.
    pub(crate) primary: String,
    /// Every struct: name → members (name, type), in declaration order.
    structs: Vec<(String, Vec<(String, FieldType)>)>,
    domain: Value,
    message: Value,
}

impl JsonTypedData {
    /// Reads `types`, `primaryType`, `domain` and `message` from the JSON.
    pub(crate) fn parse(json: &Value) -> Result<Self> {
        let types = json
            .get("types")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no \"types\" object".into()))?;
        let names: Vec<&String> = types.keys().collect();
        let mut structs = Vec::new();
        for (name, members) in types {
            let members = members
                .as_array()
                .ok_or_else(|| bad(format!("the members of {name} are not a list")))?;
            let mut out = Vec::new();
            for m in members {
                let field = m.get("name").and_then(Value::as_str);
                let ty = m.get("type").and_then(Value::as_str);
                let (Some(field), Some(ty)) = (field, ty) else {
                    return Err(bad(format!("a member of {name} has no name or type")));
                };
                out.push((field.to_owned(), parse_type(ty, &names)?));
            }
            structs.push((name.clone(), out));
        }
        let primary = json
            .get("primaryType")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no primaryType".into()))?
            .to_owned();
        let typed = Self {
            primary,
            structs,
            domain: json.get("domain").cloned().unwrap_or(Value::Null),
            message: json.get("message").cloned().unwrap_or(Value::Null),
        };
        for name in ["EIP712Domain", typed.primary.as_str()] {
            typed.members(name)?;
        }
        Ok(typed)
    }

    fn members(&self, name: &str) -> Result<&[(String, FieldType)]> {
        self.structs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_slice())
            .ok_or_else(|| bad(format!("the struct {name} is not defined in types")))
    }

    /// The answer to `EthereumTypedDataStructRequest{name}`.
    pub(crate) fn struct_ack(&self, name: &str) -> Option<EthereumTypedDataStructAck> {
        let mut ack = EthereumTypedDataStructAck::new();
        for (field, ty) in self.members(name).ok()? {
            let mut member = EthereumStructMember::new();
            member.set_name(field.clone());
            member.type_ = Some(self.field_type(ty)?).into();
            ack.members.push(member);
        }
        Some(ack)
    }

    fn field_type(&self, ty: &FieldType) -> Option<EthereumFieldType> {
        let mut t = EthereumFieldType::new();
        match ty {
            FieldType::Uint(bytes) => {
                t.set_data_type(EthereumDataType::UINT);
                t.set_size(*bytes);
            }
            FieldType::Int(bytes) => {
                t.set_data_type(EthereumDataType::INT);
                t.set_size(*bytes);
            }
            FieldType::Address => t.set_data_type(EthereumDataType::ADDRESS),
            FieldType::Bool => t.set_data_type(EthereumDataType::BOOL),
            FieldType::String => t.set_data_type(EthereumDataType::STRING),
            FieldType::Bytes => t.set_data_type(EthereumDataType::BYTES),
            FieldType::FixedBytes(n) => {
                t.set_data_type(EthereumDataType::BYTES);
                t.set_size(*n);
            }
            FieldType::Array(entry, len) => {
                t.set_data_type(EthereumDataType::ARRAY);
                if let Some(n) = len {
                    t.set_size(*n);
                }
                t.entry_type = Some(self.field_type(entry)?).into();
            }
            FieldType::Struct(name) => {
                t.set_data_type(EthereumDataType::STRUCT);
                t.set_struct_name(name.clone());
                t.set_size(u32::try_from(self.members(name).ok()?.len()).ok()?);
            }
        }
        Some(t)
    }

    /// The answer to `EthereumTypedDataValueRequest{member_path}`, or `None` when the path does not
    /// name a value of this document.
    pub(crate) fn value_at(&self, member_path: &[u32]) -> Option<Vec<u8>> {
        let (root, rest) = member_path.split_first()?;
        let (mut ty, mut value) = match root {
            0 => (FieldType::Struct("EIP712Domain".into()), &self.domain),
            1 => (FieldType::Struct(self.primary.clone()), &self.message),
            _ => return None,
        };
        for index in rest {
            let i = usize::try_from(*index).ok()?;
            (ty, value) = match ty {
                FieldType::Struct(name) => {
                    let (field, t) = self.members(&name).ok()?.get(i)?;
                    (t.clone(), value.get(field)?)
                }
                FieldType::Array(entry, _) => (*entry, value.as_array()?.get(i)?),
                _ => return None,
            };
        }
        encode(&ty, value)
    }
}

/// Parses a type name of `types` (`uint256`, `address[]`, `bytes32`, `Person[2]`, …).
fn parse_type(ty: &str, structs: &[&String]) -> Result<FieldType> {
    if let Some(inner) = ty.strip_suffix(']') {
        let open = inner.rfind('[').ok_or_else(|| bad(format!("type {ty:?}")))?;
        let len = &inner[open + 1..];
        let len = if len.is_empty() {
            None
        } else {
            Some(len.parse().map_err(|_| bad(format!("array length in {ty:?}")))?)
        };
        return Ok(FieldType::Array(Box::new(parse_type(&inner[..open], structs)?), len));
    }
    let bits = |rest: &str| -> Result<u32> {
        let b: u32 = if rest.is_empty() {
            256
        } else {
            rest.parse().map_err(|_| bad(format!("type {ty:?}")))?
        };
        if b == 0 || b > 256 || !b.is_multiple_of(8) {
            return Err(bad(format!("type {ty:?}")));
        }
        Ok(b / 8)
    };
    Ok(match ty {
        "address" => FieldType::Address,
        "bool" => FieldType::Bool,
        "string" => FieldType::String,
        "bytes" => FieldType::Bytes,
        _ if ty.starts_with("uint") => FieldType::Uint(bits(&ty[4..])?),
        _ if ty.starts_with("int") => FieldType::Int(bits(&ty[3..])?),
        _ if ty.starts_with("bytes") => {
            let n: u32 = ty[5..].parse().map_err(|_| bad(format!("type {ty:?}")))?;
            if !(1..=32).contains(&n) {
                return Err(bad(format!("type {ty:?}")));
            }
            FieldType::FixedBytes(n)
        }
        _ if structs.iter().any(|s| s.as_str() == ty) => FieldType::Struct(ty.to_owned()),
        _ => return Err(bad(format!("unknown type {ty:?}"))),
    })
}

fn number_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn hex_bytes(value: &Value) -> Option<Vec<u8>> {
    alloy::primitives::hex::decode(value.as_str()?).ok()
}

/// A value as the firmware decodes it (an array or a struct: its length / member count is not a
/// value; an array's length is asked at the array's own path).
fn encode(ty: &FieldType, value: &Value) -> Option<Vec<u8>> {
    Some(match ty {
        FieldType::Uint(bytes) => {
            let n: U256 = number_text(value)?.parse().ok()?;
            let full = n.to_be_bytes::<32>();
            let cut = 32 - *bytes as usize;
            if full[..cut].iter().any(|b| *b != 0) {
                return None;
            }
            full[cut..].to_vec()
        }
        FieldType::Int(bytes) => {
            let n: I256 = number_text(value)?.parse().ok()?;
            n.to_be_bytes::<32>()[32 - *bytes as usize..].to_vec()
        }
        FieldType::Address => {
            let a: alloy::primitives::Address = value.as_str()?.parse().ok()?;
            a.to_vec()
        }
        FieldType::Bool => vec![u8::from(value.as_bool()?)],
        FieldType::String => value.as_str()?.as_bytes().to_vec(),
        FieldType::Bytes => hex_bytes(value)?,
        FieldType::FixedBytes(n) => {
            let b = hex_bytes(value)?;
            if b.len() != *n as usize {
                return None;
            }
            b
        }
        FieldType::Array(_, _) => {
            let len = u16::try_from(value.as_array()?.len()).ok()?;
            len.to_be_bytes().to_vec()
        }
        FieldType::Struct(_) => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn recovery_message_values_as_the_firmware_reads_them() {
        let owners = [
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        ];
        let json = serde_json::json!({
            "types": {
                "EIP712Domain": [
                    { "name": "name", "type": "string" },
                    { "name": "chainId", "type": "uint256" },
                    { "name": "verifyingContract", "type": "address" }
                ],
                "ExecuteRecovery": [
                    { "name": "newOwners", "type": "address[]" },
                    { "name": "newThreshold", "type": "uint8" }
                ]
            },
            "primaryType": "ExecuteRecovery",
            "domain": { "name": "SocialRecoveryModule", "chainId": 31337, "verifyingContract": owners[0] },
            "message": { "newOwners": owners, "newThreshold": "2" }
        });
        let t = JsonTypedData::parse(&json).unwrap();
        assert_eq!(t.value_at(&[0, 0]).unwrap(), b"SocialRecoveryModule");
        let chain = t.value_at(&[0, 1]).unwrap();
        assert_eq!((chain.len(), U256::from_be_slice(&chain)), (32, U256::from(31337)));
        assert_eq!(t.value_at(&[1, 0]).unwrap(), vec![0, 2], "an array's length, 2 bytes");
        assert_eq!(t.value_at(&[1, 0, 1]).unwrap(), hex_bytes(&owners[1].into()).unwrap());
        assert_eq!(t.value_at(&[1, 1]).unwrap(), vec![2], "uint8: one byte");
        assert!(t.value_at(&[1, 0, 2]).is_none() && t.value_at(&[2]).is_none());
        let ack = t.struct_ack("ExecuteRecovery").unwrap();
        let arr = ack.members[0].type_.clone().unwrap();
        assert_eq!(arr.data_type(), EthereumDataType::ARRAY);
        assert_eq!(arr.entry_type.data_type(), EthereumDataType::ADDRESS);
        assert_eq!(ack.members[1].type_.size(), 1);
        assert!(t.struct_ack("Nope").is_none());
        let mut broken = json.clone();
        broken["types"]["ExecuteRecovery"][0]["type"] = "adress[]".into();
        assert!(JsonTypedData::parse(&broken).unwrap_err().to_string().contains("adress"));
    }
}
