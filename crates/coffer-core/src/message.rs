//! Safe messages (off-chain EIP-1271 signatures of a Safe): what is signed, its hashes and how it is shown.
//!
//! A Safe signs a message through its owners: each owner signs the *Safe message hash*,
//! `keccak256(0x1901 ‖ domainSeparator ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message))))`, where
//! `message` is
//! - for a text, the EIP-191 hash of the text (`keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ text)`),
//! - for EIP-712 typed data, its EIP-712 signing hash,
//!
//! as Safe{Wallet} and the Transaction Service compute it; or, for raw bytes (the message a Safe that owns another
//! Safe signs for that Safe's transaction), the bytes themselves.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{B256, Bytes, eip191_hash_message};
use serde_json::Value;

use crate::{Error, Result, SafeTxContext, safe_message_hash};

/// What a Safe signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageContent {
    /// A text (signed as its EIP-191 hash).
    Text(String),
    /// EIP-712 typed data (signed as its EIP-712 hash), kept as given.
    TypedData(Value),
    /// Raw bytes, used as the SafeMessage's `message` directly.
    Raw(Bytes),
}

/// One line of a message's display: a label and its text.
pub type MessageLine = (String, String);

impl MessageContent {
    /// Parses EIP-712 typed data (the `eth_signTypedData_v4` JSON) and checks that it hashes.
    pub fn typed_data_from_str(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json).map_err(|e| Error::TypedData {
            reason: format!("not JSON ({e}); expected an eth_signTypedData_v4 object"),
        })?;
        Self::typed_data(value)
    }

    /// EIP-712 typed data from a JSON value, checked to hash.
    pub fn typed_data(value: Value) -> Result<Self> {
        let content = Self::TypedData(value);
        content.parsed_typed_data()?.map(|t| t.eip712_signing_hash()).transpose().map_err(|e| {
            Error::TypedData { reason: format!("the typed data does not hash: {e}") }
        })?;
        Ok(content)
    }

    /// The content as the Transaction Service stores it: a string for a text, the object for typed data.
    /// Raw bytes have no service form (`None`).
    pub fn service_json(&self) -> Option<Value> {
        match self {
            Self::Text(t) => Some(Value::String(t.clone())),
            Self::TypedData(v) => Some(v.clone()),
            Self::Raw(_) => None,
        }
    }

    /// The content of a Transaction Service message (`message`: a string or an object).
    pub fn from_service_json(value: Value) -> Result<Self> {
        match value {
            Value::String(s) => Ok(Self::Text(s)),
            v @ Value::Object(_) => Self::typed_data(v),
            other => Err(Error::TypedData {
                reason: format!("a message is a string or an EIP-712 object, not {other}"),
            }),
        }
    }

    /// `text`, `typed_data` or `raw`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::TypedData(_) => "typed_data",
            Self::Raw(_) => "raw",
        }
    }

    fn parsed_typed_data(&self) -> Result<Option<TypedData>> {
        match self {
            Self::TypedData(v) => serde_json::from_value::<TypedData>(v.clone())
                .map(Some)
                .map_err(|e| Error::TypedData { reason: format!("not EIP-712 typed data: {e}") }),
            _ => Ok(None),
        }
    }

    /// The SafeMessage's `message` bytes: the EIP-191 hash of a text, the EIP-712 hash of typed data, or the
    /// raw bytes.
    pub fn message_bytes(&self) -> Result<Bytes> {
        Ok(match self {
            Self::Text(t) => Bytes::copy_from_slice(eip191_hash_message(t.as_bytes()).as_slice()),
            Self::TypedData(_) => {
                let typed = self
                    .parsed_typed_data()?
                    .ok_or_else(|| Error::TypedData { reason: "typed data expected".to_owned() })?;
                let h = typed.eip712_signing_hash().map_err(|e| Error::TypedData {
                    reason: format!("the typed data does not hash: {e}"),
                })?;
                Bytes::copy_from_slice(h.as_slice())
            }
            Self::Raw(b) => b.clone(),
        })
    }

    /// The SafeMessage struct hash, `keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)))` (a device's
    /// "Message hash").
    pub fn struct_hash(&self) -> Result<B256> {
        let message = self.message_bytes()?;
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(crate::SAFE_MSG_TYPEHASH.as_slice());
        buf[32..].copy_from_slice(alloy_primitives::keccak256(&message).as_slice());
        Ok(alloy_primitives::keccak256(buf))
    }

    /// The Safe message hash for the Safe in `ctx` (what each owner signs and `getMessageHash` returns).
    pub fn safe_message_hash(&self, ctx: &SafeTxContext) -> Result<B256> {
        Ok(safe_message_hash(ctx, &self.message_bytes()?))
    }

    /// The content as a signer should read it: the text; or the typed data's domain, primary type, types and
    /// message; or the raw bytes. A typed-data domain for another chain or another contract than the Safe
    /// is pointed out (a signature for it could be replayed where that domain is valid).
    pub fn display_lines(&self, ctx: &SafeTxContext) -> Result<Vec<MessageLine>> {
        let mut out: Vec<MessageLine> = Vec::new();
        match self {
            Self::Text(t) => out.push(("text".to_owned(), t.clone())),
            Self::Raw(b) => out.push(("bytes".to_owned(), format!("{b} ({} bytes)", b.len()))),
            Self::TypedData(_) => {
                let typed = self
                    .parsed_typed_data()?
                    .ok_or_else(|| Error::TypedData { reason: "typed data expected".to_owned() })?;
                let d = &typed.domain;
                let mut domain = Vec::new();
                if let Some(n) = &d.name {
                    domain.push(format!("name {n}"));
                }
                if let Some(v) = &d.version {
                    domain.push(format!("version {v}"));
                }
                if let Some(c) = d.chain_id {
                    domain.push(format!("chainId {c}"));
                }
                if let Some(a) = d.verifying_contract {
                    domain.push(format!("verifyingContract {a}"));
                }
                if let Some(s) = d.salt {
                    domain.push(format!("salt {s}"));
                }
                out.push(("domain".to_owned(), domain.join(", ")));
                if let Some(c) = d.chain_id
                    && c != alloy_primitives::U256::from(ctx.chain_id)
                {
                    out.push((
                        "warning".to_owned(),
                        format!("the domain's chainId {c} is not this chain ({})", ctx.chain_id),
                    ));
                }
                out.push(("primary type".to_owned(), typed.primary_type.clone()));
                let types = typed.encode_type().map_err(|e| Error::TypedData {
                    reason: format!("the typed data's types do not encode: {e}"),
                })?;
                out.push(("types".to_owned(), types));
                let message = serde_json::to_string_pretty(&typed.message)
                    .unwrap_or_else(|_| typed.message.to_string());
                out.push(("message".to_owned(), message));
                let h = typed.eip712_signing_hash().map_err(|e| Error::TypedData {
                    reason: format!("the typed data does not hash: {e}"),
                })?;
                out.push(("EIP-712 hash".to_owned(), h.to_string()));
            }
        }
        if let Self::Text(t) = self {
            out.push(("EIP-191 hash".to_owned(), eip191_hash_message(t.as_bytes()).to_string()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256};
    use serde_json::json;

    use super::*;
    use crate::SafeVersion;

    fn ctx() -> SafeTxContext {
        SafeTxContext::new(
            11155111,
            address!("0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"),
            SafeVersion::V1_3_0,
        )
    }

    // The same vector as tests/golden.rs `sepolia_safe_message_hash` (pcaversaccio/safe-tx-hashes-util).
    #[test]
    fn text_matches_the_published_vector() {
        let text = "Welcome to OpenSea!\n\nClick to sign in and accept the OpenSea Terms of Service (https://opensea.io/tos) and Privacy Policy (https://opensea.io/privacy).\n\nThis request will not trigger a blockchain transaction or cost any gas fees.\n\nWallet address:\n0x657ff0d4ec65d82b2bc1247b0a558bcd2f80a0f1\n\nNonce:\nea499f2f-fdbc-4d04-92c4-b60aba887e06";
        let m = MessageContent::Text(text.to_owned());
        assert_eq!(
            m.safe_message_hash(&ctx()).unwrap(),
            b256!("0x1866b559f56261ada63528391b93a1fe8e2e33baf7cace94fc6b42202d16ea08")
        );
        assert_eq!(m.service_json(), Some(json!(text)));
    }

    fn mail() -> Value {
        // The EIP-712 specification's example (its signing hash is given in the EIP).
        json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
                ],
                "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
                "Mail": [
                    {"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                    {"name": "contents", "type": "string"}
                ]
            },
            "primaryType": "Mail",
            "domain": {
                "name": "Ether Mail", "version": "1", "chainId": 1,
                "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
            },
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        })
    }

    #[test]
    fn typed_data_is_signed_as_its_eip712_hash() {
        let m = MessageContent::typed_data(mail()).unwrap();
        // EIP-712's published signing hash of the Mail example.
        let eip712 = b256!("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
        assert_eq!(m.message_bytes().unwrap().as_ref(), eip712.as_slice());
        assert_eq!(
            m.safe_message_hash(&ctx()).unwrap(),
            safe_message_hash(&ctx(), eip712.as_slice())
        );
        let lines = m.display_lines(&ctx()).unwrap();
        let get = |l: &str| lines.iter().find(|(k, _)| k == l).map(|(_, v)| v.clone());
        assert_eq!(get("primary type").as_deref(), Some("Mail"));
        assert!(get("domain").unwrap().contains("name Ether Mail"));
        assert!(get("types").unwrap().starts_with("Mail(Person from,Person to,string contents)"));
        assert!(get("message").unwrap().contains("Hello, Bob!"));
        // chainId 1 is not Sepolia: pointed out.
        assert!(get("warning").unwrap().contains("chainId 1"));
    }

    #[test]
    fn bad_typed_data_is_refused() {
        assert!(MessageContent::typed_data_from_str("{not json").is_err());
        let mut v = mail();
        v["primaryType"] = json!("Nope");
        assert!(MessageContent::typed_data(v).is_err());
        assert!(MessageContent::from_service_json(json!(3)).is_err());
    }
}
