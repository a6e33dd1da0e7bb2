//! Safe messages in the store: the message (text, EIP-712 typed data or raw bytes) keyed by its Safe message
//! hash, and the owners' signatures of that hash. The hash is recomputed from the stored content on every read.

use std::str::FromStr;

use alloy_primitives::{Address, B256, Bytes};
use coffer_core::{MessageContent, SafeSignature, SafeTxContext, SafeVersion};
use rusqlite::{OptionalExtension, params};

use crate::{
    Error, Result, Store, sigcodec,
    store::{hex_addr, hex_hash, now_ms},
};

/// Schema migration 1 → 2: the `messages` and `message_signatures` tables.
pub(crate) const MIGRATION_MESSAGES: &str = r#"
CREATE TABLE messages (
    message_hash TEXT PRIMARY KEY NOT NULL,
    chain_id     INTEGER NOT NULL,
    safe         TEXT NOT NULL,
    safe_version TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('text', 'typed_data', 'raw')),
    content      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_safe ON messages (chain_id, safe, created_at);
CREATE TABLE message_signatures (
    message_hash TEXT NOT NULL REFERENCES messages (message_hash) ON DELETE CASCADE,
    owner        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('eip712', 'eth_sign', 'approved_hash', 'contract')),
    signature    BLOB NOT NULL,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (message_hash, owner)
) STRICT;
"#;

/// A Safe message read from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// The Safe message hash (recomputed from `ctx` and `content` when read).
    pub hash: B256,
    /// The chain, the Safe and its version.
    pub ctx: SafeTxContext,
    /// What the Safe signs.
    pub content: MessageContent,
    /// When it was first stored (ms since the epoch).
    pub created_at_ms: u64,
}

fn encode(content: &MessageContent) -> String {
    match content {
        MessageContent::Text(t) => t.clone(),
        MessageContent::TypedData(v) => v.to_string(),
        MessageContent::Raw(b) => b.to_string(),
    }
}

impl Store {
    fn corrupt_message(&self, hash: B256, detail: String) -> Error {
        Error::CorruptMessage { path: self.path().to_owned(), hash, detail }
    }

    fn unknown_message(&self, hash: B256) -> Error {
        Error::UnknownMessage { hash, path: self.path().to_owned() }
    }

    /// Stores a Safe message (nothing happens if it is already stored) and returns its Safe message hash.
    pub fn insert_message(&self, ctx: &SafeTxContext, content: &MessageContent) -> Result<B256> {
        let hash = content.safe_message_hash(ctx).map_err(|source| Error::InvalidSignature {
            owner: Address::ZERO,
            hash: B256::ZERO,
            source,
        })?;
        let wtx = self.write_tx()?;
        wtx.execute(
            "INSERT INTO messages (message_hash, chain_id, safe, safe_version, kind, content, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (message_hash) DO NOTHING",
            params![
                hex_hash(hash),
                i64::try_from(ctx.chain_id).unwrap_or(i64::MAX),
                hex_addr(ctx.safe),
                ctx.version.to_string(),
                content.kind_name(),
                encode(content),
                now_ms(),
            ],
        )
        .map_err(self.err("could not insert the message"))?;
        wtx.commit().map_err(self.err("could not commit the message"))?;
        Ok(hash)
    }

    fn parse_message(
        &self,
        row: (String, i64, String, String, String, String, i64),
    ) -> Result<StoredMessage> {
        let (key, chain_id, safe, version, kind, content, created_at) = row;
        let key = B256::from_str(&key).map_err(|e| {
            self.corrupt_message(B256::ZERO, format!("the key {key:?} is not a hash: {e}"))
        })?;
        let bad = |what: &str, e: &dyn core::fmt::Display| {
            self.corrupt_message(key, format!("{what} does not parse: {e}"))
        };
        let chain_id = u64::try_from(chain_id).map_err(|e| bad("chain_id", &e))?;
        let safe = Address::from_str(&safe).map_err(|e| bad("safe", &e))?;
        let version = SafeVersion::from_str(&version).map_err(|e| bad("safe_version", &e))?;
        let content = match kind.as_str() {
            "text" => MessageContent::Text(content),
            "typed_data" => serde_json::from_str(&content)
                .map_err(|e| bad("content", &e))
                .and_then(|v| MessageContent::typed_data(v).map_err(|e| bad("content", &e)))?,
            "raw" => {
                MessageContent::Raw(Bytes::from_str(&content).map_err(|e| bad("content", &e))?)
            }
            other => return Err(bad("kind", &other)),
        };
        let ctx = SafeTxContext::new(chain_id, safe, version);
        let hash = content.safe_message_hash(&ctx).map_err(|e| bad("content", &e))?;
        if hash != key {
            return Err(self.corrupt_message(key, format!("its content hashes to {hash}")));
        }
        Ok(StoredMessage {
            hash,
            ctx,
            content,
            created_at_ms: u64::try_from(created_at).unwrap_or(0),
        })
    }

    const MESSAGE_COLUMNS: &'static str =
        "message_hash, chain_id, safe, safe_version, kind, content, created_at";

    /// The stored Safe message with this Safe message hash. Errors: [`Error::UnknownMessage`].
    pub fn message(&self, hash: B256) -> Result<StoredMessage> {
        let rtx = self.read_tx()?;
        let row = rtx
            .query_row(
                &format!("SELECT {} FROM messages WHERE message_hash = ?1", Self::MESSAGE_COLUMNS),
                [hex_hash(hash)],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err("could not read the message"))?;
        drop(rtx);
        match row {
            Some(row) => self.parse_message(row),
            None => Err(self.unknown_message(hash)),
        }
    }

    /// The stored Safe messages of a Safe, oldest first.
    pub fn messages_for_safe(&self, chain_id: u64, safe: Address) -> Result<Vec<StoredMessage>> {
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(&format!(
                "SELECT {} FROM messages WHERE chain_id = ?1 AND safe = ?2 ORDER BY created_at, rowid",
                Self::MESSAGE_COLUMNS
            ))
            .map_err(self.err("could not read messages"))?;
        let rows: Vec<(String, i64, String, String, String, String, i64)> = stmt
            .query_map(params![i64::try_from(chain_id).unwrap_or(i64::MAX), hex_addr(safe)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not read messages"))?;
        drop(stmt);
        drop(rtx);
        rows.into_iter().map(|row| self.parse_message(row)).collect()
    }

    /// Adds an owner's signature of a stored message, after checking that it verifies for the Safe message
    /// hash (contract signatures are stored as given; checking them on chain is the caller's job).
    ///
    /// Errors: [`Error::InvalidSignature`], [`Error::UnknownMessage`], [`Error::DuplicateSignature`].
    pub fn add_message_signature(&self, hash: B256, sig: &SafeSignature) -> Result<()> {
        sig.verify(hash).map_err(|source| Error::InvalidSignature {
            owner: sig.owner,
            hash,
            source,
        })?;
        let wtx = self.write_tx()?;
        let known = wtx
            .query_row("SELECT 1 FROM messages WHERE message_hash = ?1", [hex_hash(hash)], |_| {
                Ok(())
            })
            .optional()
            .map_err(self.err("could not read the message"))?
            .is_some();
        if !known {
            return Err(self.unknown_message(hash));
        }
        let changed = wtx
            .execute(
                "INSERT INTO message_signatures (message_hash, owner, kind, signature, added_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (message_hash, owner) DO NOTHING",
                params![
                    hex_hash(hash),
                    hex_addr(sig.owner),
                    crate::signature_kind_name(&sig.kind),
                    sig.to_bytes().as_ref(),
                    now_ms(),
                ],
            )
            .map_err(self.err("could not insert the signature"))?;
        if changed != 1 {
            return Err(Error::DuplicateSignature { owner: sig.owner, hash });
        }
        wtx.commit().map_err(self.err("could not commit the signature"))
    }

    /// The signatures of a stored message, in the order they were added, each decoded and verified again.
    pub fn message_signatures(&self, hash: B256) -> Result<Vec<SafeSignature>> {
        // Unknown hashes are an error, not an empty list.
        self.message(hash)?;
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(
                "SELECT owner, kind, signature FROM message_signatures WHERE message_hash = ?1 ORDER BY rowid",
            )
            .map_err(self.err("could not read signatures"))?;
        let rows: Vec<(String, String, Vec<u8>)> = stmt
            .query_map([hex_hash(hash)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not read signatures"))?;
        rows.into_iter()
            .enumerate()
            .map(|(index, (owner, kind, bytes))| {
                let owner = Address::from_str(&owner).map_err(|e| {
                    self.corrupt_message(hash, format!("signature owner {owner:?}: {e}"))
                })?;
                let sig = sigcodec::decode(index, owner, &kind, &bytes)
                    .map_err(|e| self.corrupt_message(hash, format!("stored signature: {e}")))?;
                sig.verify(hash).map_err(|e| {
                    self.corrupt_message(hash, format!("signature by {owner} does not verify: {e}"))
                })?;
                Ok(sig)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use alloy_primitives::{address, keccak256};
    use coffer_core::SafeVersion;
    use k256::ecdsa::SigningKey;

    use super::*;

    #[test]
    fn messages_round_trip_and_signatures_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ctx = SafeTxContext::new(
            31337,
            address!("0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"),
            SafeVersion::V1_4_1,
        );
        let content = MessageContent::Text("gm".to_owned());
        let hash = store.insert_message(&ctx, &content).unwrap();
        assert_eq!(hash, content.safe_message_hash(&ctx).unwrap());
        // Idempotent.
        assert_eq!(store.insert_message(&ctx, &content).unwrap(), hash);
        let m = store.message(hash).unwrap();
        assert_eq!((m.ctx, &m.content), (ctx, &content));
        assert_eq!(store.messages_for_safe(31337, ctx.safe).unwrap().len(), 1);
        assert!(store.messages_for_safe(1, ctx.safe).unwrap().is_empty());
        assert!(matches!(store.message(keccak256("x")), Err(Error::UnknownMessage { .. })));

        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recid.to_byte());
        let parsed = coffer_core::parse_signatures(&bytes, hash).unwrap();
        let safe_sig = parsed[0].clone();
        store.add_message_signature(hash, &safe_sig).unwrap();
        assert!(matches!(
            store.add_message_signature(hash, &safe_sig),
            Err(Error::DuplicateSignature { .. })
        ));
        // A signature of another hash is refused.
        assert!(matches!(
            store.add_message_signature(keccak256("other"), &safe_sig),
            Err(Error::InvalidSignature { .. })
        ));
        assert_eq!(store.message_signatures(hash).unwrap(), vec![safe_sig]);
    }
}
