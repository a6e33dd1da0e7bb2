//! Offline files for Safe messages (issue 15): `coffer-message/1`, a Safe message of any kind (text,
//! EIP-712 typed data, raw bytes) with its Safe's context, its stated Safe message hash and any number
//! of owner signatures, carried to air-gapped owners and back (`message export`, `message sign
//! --bundle`, `message import`). Nothing in a file is trusted: on reading, the hash is recomputed
//! from the content and every signature must recover to its stated owner for that hash. A key
//! drill's `coffer-drill/1` file ([`crate::drill::DrillFile`]) reads as a message file too.

use crate::{Error, Result, drill::DrillFile};
use alloy::primitives::{Address, B256, Bytes};
use coffer_core::{MessageContent, SafeSignature, SafeTxContext, SignatureKind, parse_signatures};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The value of a message file's `"format"` field.
pub const MESSAGE_FILE_FORMAT: &str = "coffer-message/1";

/// A signature refused: its stated owner and why.
pub type Refusal = (Address, String);

/// One owner's signature in a message file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSignature {
    /// The owner who signed, as stated (checked against the signature's recovery).
    pub owner: Address,
    /// The owner's 65-byte signature of the Safe message hash (EIP-712 or eth_sign).
    pub signature: Bytes,
    /// The kind of signer that signed (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_kind: Option<String>,
    /// The derivation path of the signing key, when it has one (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A Safe message carried between machines. Read it with [`MessageFile::from_json`], which checks
/// it; the fields are public for writing, not for trusting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageFile {
    /// Always [`MESSAGE_FILE_FORMAT`].
    pub format: String,
    /// The Safe, its chain and version.
    #[serde(flatten)]
    pub ctx: SafeTxContext,
    /// `text`, `typed_data` or `raw` (see [`MessageContent::kind_name`]).
    pub kind: String,
    /// The message: a string (text), the EIP-712 object (typed data) or 0x-hex (raw).
    pub message: Value,
    /// The Safe message hash, as stated (recomputed on reading).
    pub safe_message_hash: B256,
    /// The owners' signatures collected so far.
    #[serde(default)]
    pub signatures: Vec<FileSignature>,
}

fn bad(text: impl Into<String>) -> Error {
    Error::MessageFile(text.into())
}

/// Checks that `blob` is exactly one EOA signature (EIP-712 or eth_sign) of `hash` by `owner`
/// (recovered, low-s). Shared by message files and drill files.
pub fn check_file_signature(
    hash: B256,
    owner: Option<Address>,
    blob: &Bytes,
) -> Result<SafeSignature> {
    let mut sigs = parse_signatures(blob, hash)
        .map_err(|e| bad(format!("a signature in the file is not valid: {e}")))?;
    if sigs.len() != 1 {
        return Err(bad(format!(
            "a signature entry holds {} signatures; each entry carries exactly one",
            sigs.len()
        )));
    }
    let sig = sigs.remove(0);
    if !matches!(sig.kind, SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. }) {
        return Err(bad(format!(
            "the signature by {} is a {} signature, which cannot be checked offline; collect it online with `coffer message sign`",
            sig.owner,
            sig.service_type()
        )));
    }
    sig.verify(hash).map_err(|e| bad(format!("a signature in the file does not check: {e}")))?;
    if owner != Some(sig.owner) {
        return Err(bad(format!(
            "a signature in the file is by {}, not by the stated owner {}; the file was altered",
            sig.owner,
            owner.map_or_else(|| "(none)".to_owned(), |o| o.to_string())
        )));
    }
    Ok(sig)
}

fn content_of(kind: &str, message: &Value) -> Result<MessageContent> {
    match (kind, message) {
        ("text", Value::String(t)) => Ok(MessageContent::Text(t.clone())),
        ("typed_data", v @ Value::Object(_)) => Ok(MessageContent::typed_data(v.clone())?),
        ("raw", Value::String(h)) => h
            .parse::<Bytes>()
            .map(MessageContent::Raw)
            .map_err(|e| bad(format!("the raw message in the file is not 0x-hex: {e}"))),
        (k @ ("text" | "typed_data" | "raw"), _) => {
            Err(bad(format!("the message in the file does not have the form of a {k} message")))
        }
        (k, _) => Err(bad(format!("message kind {k:?} is not text, typed_data or raw"))),
    }
}

fn message_value(content: &MessageContent) -> Value {
    match content {
        MessageContent::Text(t) => Value::String(t.clone()),
        MessageContent::TypedData(v) => v.clone(),
        MessageContent::Raw(b) => Value::String(b.to_string()),
    }
}

impl MessageFile {
    /// An unsigned message file for `content` of the Safe in `ctx`.
    pub fn new(ctx: &SafeTxContext, content: &MessageContent) -> Result<Self> {
        Ok(Self {
            format: MESSAGE_FILE_FORMAT.to_owned(),
            ctx: *ctx,
            kind: content.kind_name().to_owned(),
            message: message_value(content),
            safe_message_hash: content.safe_message_hash(ctx)?,
            signatures: Vec::new(),
        })
    }

    /// Reads a message file's JSON (or a key drill's `coffer-drill/1` file) and checks it: the
    /// format, the stated hash against the one recomputed from the message, and every signature
    /// against its stated owner (one signature per owner).
    pub fn from_json(text: &str) -> Result<Self> {
        let f = Self::parse(text)?;
        f.signed()?;
        Ok(f)
    }

    /// Reads a message file's JSON (or a key drill's file) and checks the format and the stated
    /// hash against the one recomputed from the message, but not the signatures: for a reader
    /// that names and refuses the bad ones one by one ([`MessageFile::sorted_signatures`]).
    pub fn parse(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a coffer message file: not JSON ({e})")))?;
        if value.get("format").and_then(Value::as_str) == Some(crate::drill::DRILL_FILE_FORMAT) {
            return Self::from_drill(&DrillFile::from_json(text)?);
        }
        let f: Self = serde_json::from_value(value).map_err(|e| {
            bad(format!(
                "not a coffer message file ({e}); write one with `coffer message export HASH -o FILE`"
            ))
        })?;
        if f.format != MESSAGE_FILE_FORMAT {
            return Err(bad(format!(
                "message file format {:?} is not {MESSAGE_FILE_FORMAT:?}",
                f.format
            )));
        }
        let hash = f.content()?.safe_message_hash(&f.ctx)?;
        if hash != f.safe_message_hash {
            return Err(bad(format!(
                "the message file states Safe message hash {} but its message hashes to {hash} for Safe {} on chain {}; the file was altered",
                f.safe_message_hash, f.ctx.safe, f.ctx.chain_id
            )));
        }
        Ok(f)
    }

    /// The file's signatures sorted into those that check (recovered for the recomputed hash to
    /// their stated owner, the first per owner) and those that do not, each with the reason.
    pub fn sorted_signatures(&self) -> Result<(Vec<SafeSignature>, Vec<Refusal>)> {
        let hash = self.content()?.safe_message_hash(&self.ctx)?;
        let (mut good, mut refused): (Vec<SafeSignature>, Vec<(Address, String)>) =
            (vec![], vec![]);
        for s in &self.signatures {
            match check_file_signature(hash, Some(s.owner), &s.signature) {
                Ok(sig) if good.iter().any(|o| o.owner == sig.owner) => {
                    refused.push((s.owner, "a second signature by the same owner".to_owned()))
                }
                Ok(sig) => good.push(sig),
                Err(e) => refused.push((s.owner, e.to_string())),
            }
        }
        Ok((good, refused))
    }

    /// A key drill's file as a message file (its challenge text and its one signature, if any).
    pub fn from_drill(drill: &DrillFile) -> Result<Self> {
        let mut f = Self::new(&drill.ctx, &drill.content())?;
        if let Some(signature) = &drill.signature {
            drill.signed()?;
            f.signatures.push(FileSignature {
                owner: drill.owner.unwrap_or_default(),
                signature: signature.clone(),
                signer_kind: drill.signer_kind.clone(),
                path: drill.path.clone(),
            });
        }
        Ok(f)
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| bad(format!("could not write the message file: {e}")))
    }

    /// The message, parsed from the file's `kind` and `message`.
    pub fn content(&self) -> Result<MessageContent> {
        content_of(&self.kind, &self.message)
    }

    /// Every signature, each recovered for the recomputed hash and checked against its stated
    /// owner; an error names the first that does not check or an owner who signed twice.
    pub fn signed(&self) -> Result<Vec<SafeSignature>> {
        let hash = self.content()?.safe_message_hash(&self.ctx)?;
        let mut out: Vec<SafeSignature> = Vec::with_capacity(self.signatures.len());
        for s in &self.signatures {
            let sig = check_file_signature(hash, Some(s.owner), &s.signature)?;
            if out.iter().any(|o| o.owner == sig.owner) {
                return Err(bad(format!(
                    "the message file holds two signatures by {}; a Safe counts each owner once",
                    sig.owner
                )));
            }
            out.push(sig);
        }
        Ok(out)
    }

    /// Appends `sig` (checked for this file's hash; refused when its owner already signed).
    pub fn add_signature(
        &mut self,
        sig: &SafeSignature,
        signer_kind: Option<String>,
        path: Option<String>,
    ) -> Result<()> {
        if self.signatures.iter().any(|s| s.owner == sig.owner) {
            return Err(bad(format!(
                "{} has already signed the Safe message {} in this file; a Safe counts each owner once",
                sig.owner, self.safe_message_hash
            )));
        }
        let hash = self.content()?.safe_message_hash(&self.ctx)?;
        check_file_signature(hash, Some(sig.owner), &sig.to_bytes())?;
        self.signatures.push(FileSignature {
            owner: sig.owner,
            signature: sig.to_bytes(),
            signer_kind,
            path,
        });
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use alloy::signers::{SignerSync, local::PrivateKeySigner};
    use coffer_core::SafeVersion;

    fn ctx() -> SafeTxContext {
        SafeTxContext {
            chain_id: 31337,
            safe: Address::repeat_byte(0x5a),
            version: SafeVersion::V1_4_1,
        }
    }

    fn signed_by(key: &PrivateKeySigner, hash: B256) -> SafeSignature {
        let sig = key.sign_hash_sync(&hash).unwrap();
        let mut raw = sig.as_bytes();
        if raw[64] < 27 {
            raw[64] += 27;
        }
        parse_signatures(&raw, hash).unwrap().remove(0)
    }

    #[test]
    fn round_trip_and_refusals() {
        let typed = serde_json::json!({
            "types": {"EIP712Domain": [{"name": "name", "type": "string"}], "Mail": [{"name": "body", "type": "string"}]},
            "primaryType": "Mail",
            "domain": {"name": "coffer"},
            "message": {"body": "hello"}
        });
        for content in [
            MessageContent::Text("hello\nworld".to_owned()),
            MessageContent::typed_data(typed).unwrap(),
            MessageContent::Raw(Bytes::from(vec![1, 2, 3])),
        ] {
            let mut f = MessageFile::new(&ctx(), &content).unwrap();
            let a = PrivateKeySigner::random();
            let b = PrivateKeySigner::random();
            let sa = signed_by(&a, f.safe_message_hash);
            f.add_signature(&sa, Some("key".to_owned()), None).unwrap();
            assert!(f.add_signature(&sa, None, None).is_err(), "an owner twice");
            f.add_signature(&signed_by(&b, f.safe_message_hash), None, None).unwrap();
            let back = MessageFile::from_json(&f.to_json().unwrap()).unwrap();
            assert_eq!(back, f);
            assert_eq!(back.content().unwrap(), content);
            assert_eq!(back.signed().unwrap().len(), 2);

            // another chain: the stated hash no longer matches
            let mut other = f.clone();
            other.ctx.chain_id = 1;
            let e = MessageFile::from_json(&other.to_json().unwrap()).unwrap_err();
            assert!(e.to_string().contains("the file was altered"), "{e}");
            // a signature claimed for someone else
            let mut forged = f.clone();
            forged.signatures[1].owner = Address::repeat_byte(7);
            let e = MessageFile::from_json(&forged.to_json().unwrap()).unwrap_err();
            assert!(e.to_string().contains("not by the stated owner"), "{e}");
            let lenient = MessageFile::parse(&forged.to_json().unwrap()).unwrap();
            let (good, refused) = lenient.sorted_signatures().unwrap();
            assert_eq!(good.len(), 1);
            assert_eq!(good[0].owner, a.address());
            assert_eq!(refused.len(), 1);
            assert_eq!(refused[0].0, Address::repeat_byte(7));
        }
        let mut f = MessageFile::new(&ctx(), &MessageContent::Text("a".to_owned())).unwrap();
        f.message = Value::String("b".to_owned());
        let e = MessageFile::from_json(&f.to_json().unwrap()).unwrap_err();
        assert!(e.to_string().contains("the file was altered"), "{e}");
        assert!(MessageFile::from_json("{}").is_err());
    }

    #[test]
    fn a_drill_file_reads_as_a_message_file() {
        let c = ctx();
        let text = format!("coffer key drill\nSafe: {}\nChain: {}\nnonce 1\n", c.safe, c.chain_id);
        let content = MessageContent::Text(text);
        let mut d = DrillFile::new(&c, &content).unwrap();
        let key = PrivateKeySigner::random();
        d.owner = Some(key.address());
        d.signature = Some(signed_by(&key, d.safe_message_hash).to_bytes());
        let f = MessageFile::from_json(&d.to_json().unwrap()).unwrap();
        assert_eq!(f.content().unwrap(), content);
        assert_eq!(f.safe_message_hash, d.safe_message_hash);
        assert_eq!(f.signed().unwrap()[0].owner, key.address());
    }
}
