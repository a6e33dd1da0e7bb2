//! Key drills in the store (issue 18): each drill's challenge (a Safe message kept in `messages`),
//! and a history per owner of who proved their key, when, with which kind of signer and path.

use std::str::FromStr;

use alloy_primitives::{Address, B256, U256};
use rusqlite::params;

use crate::{
    Error, Result, Store,
    store::{hex_addr, hex_hash, now_ms},
};

/// Schema migration 2 → 3: the `drills` and `drill_signatures` tables.
pub(crate) const MIGRATION_DRILLS: &str = r#"
CREATE TABLE drills (
    message_hash TEXT PRIMARY KEY NOT NULL REFERENCES messages (message_hash),
    chain_id     INTEGER NOT NULL,
    safe         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX drills_by_safe ON drills (chain_id, safe, created_at);
CREATE TABLE drill_signatures (
    message_hash TEXT NOT NULL REFERENCES drills (message_hash),
    owner        TEXT NOT NULL,
    signer_kind  TEXT NOT NULL,
    path         TEXT,
    signed_at    INTEGER NOT NULL,
    PRIMARY KEY (message_hash, owner)
) STRICT;
"#;

/// Schema migration 5 → 6: `drill_transfers`, the drills' verified round trips
/// (`coffer drill start --with-transfer`).
pub(crate) const MIGRATION_DRILL_TRANSFERS: &str = r#"
CREATE TABLE drill_transfers (
    message_hash   TEXT NOT NULL REFERENCES drills (message_hash),
    safe_tx_hash   TEXT NOT NULL,
    owner          TEXT NOT NULL,
    amount         TEXT NOT NULL,
    out_tx_hash    TEXT NOT NULL,
    back_tx_hash   TEXT NOT NULL,
    owner_gas_paid TEXT NOT NULL,
    verified_at    INTEGER NOT NULL,
    PRIMARY KEY (message_hash, safe_tx_hash)
) STRICT;
"#;

/// A drill's verified round trip: the Safe's transfer to an owner and the owner's transfer back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillTransfer {
    /// The drill's challenge (its Safe message hash).
    pub message_hash: B256,
    /// The first leg's safeTxHash.
    pub safe_tx_hash: B256,
    /// The owner who received and sent back.
    pub owner: Address,
    /// The amount, in wei.
    pub amount: U256,
    /// The transaction that executed the first leg.
    pub out_tx_hash: B256,
    /// The owner's transfer back.
    pub back_tx_hash: B256,
    /// What the owner paid for gas over both legs, in wei.
    pub owner_gas_paid: U256,
    /// When it was verified (ms since the epoch; set by the store when recorded).
    pub verified_at_ms: u64,
}

/// One owner's proof in a drill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillRecord {
    /// The drill's challenge (its Safe message hash).
    pub message_hash: B256,
    /// The owner who signed it.
    pub owner: Address,
    /// The kind of signer (`Ledger`, `Trezor`, `keystore key`, ...).
    pub signer_kind: String,
    /// The derivation path, for a device or a mnemonic.
    pub path: Option<String>,
    /// When (ms since the epoch).
    pub signed_at_ms: u64,
}

impl Store {
    /// Runs one write statement in a transaction of its own and commits it; `failed` says what could not be
    /// stored, then what could not be committed.
    fn write_one(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        failed: [&'static str; 2],
    ) -> Result<()> {
        let wtx = self.write_tx()?;
        wtx.execute(sql, params).map_err(self.err(failed[0]))?;
        wtx.commit().map_err(self.err(failed[1]))
    }

    /// Records a new drill of the Safe whose challenge is the stored message `message_hash`.
    pub fn insert_drill(&self, chain_id: u64, safe: Address, message_hash: B256) -> Result<()> {
        self.write_one(
            "INSERT INTO drills (message_hash, chain_id, safe, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (message_hash) DO NOTHING",
            params![
                hex_hash(message_hash),
                i64::try_from(chain_id).unwrap_or(i64::MAX),
                hex_addr(safe),
                now_ms()
            ],
            ["could not store the drill", "could not commit the drill"],
        )
    }

    /// The challenge of the Safe's latest drill, if there is one.
    pub fn latest_drill(&self, chain_id: u64, safe: Address) -> Result<Option<B256>> {
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(
                "SELECT message_hash FROM drills WHERE chain_id = ?1 AND safe = ?2 \
                 ORDER BY created_at DESC, rowid DESC LIMIT 1",
            )
            .map_err(self.err("could not read the drills"))?;
        let mut rows = stmt
            .query(params![i64::try_from(chain_id).unwrap_or(i64::MAX), hex_addr(safe)])
            .map_err(self.err("could not read the drills"))?;
        let Some(row) = rows.next().map_err(self.err("could not read the drills"))? else {
            return Ok(None);
        };
        let text: String = row.get(0).map_err(self.err("could not read the drills"))?;
        B256::from_str(&text).map(Some).map_err(|e| Error::CorruptMessage {
            path: self.path().to_owned(),
            hash: B256::ZERO,
            detail: format!("drill hash {text:?}: {e}"),
        })
    }

    /// Records that `owner` signed the drill `message_hash` (a later proof of the same owner in
    /// the same drill replaces the earlier one).
    pub fn record_drill_signature(
        &self,
        message_hash: B256,
        owner: Address,
        signer_kind: &str,
        path: Option<&str>,
    ) -> Result<()> {
        self.write_one(
            "INSERT INTO drill_signatures (message_hash, owner, signer_kind, path, signed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (message_hash, owner) DO UPDATE SET \
             signer_kind = excluded.signer_kind, path = excluded.path, signed_at = excluded.signed_at",
            params![hex_hash(message_hash), hex_addr(owner), signer_kind, path, now_ms()],
            ["could not store the drill signature", "could not commit the drill signature"],
        )
    }

    /// Every owner proof in the Safe's drills, newest first.
    pub fn drill_history(&self, chain_id: u64, safe: Address) -> Result<Vec<DrillRecord>> {
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(
                "SELECT s.message_hash, s.owner, s.signer_kind, s.path, s.signed_at \
                 FROM drill_signatures s JOIN drills d ON d.message_hash = s.message_hash \
                 WHERE d.chain_id = ?1 AND d.safe = ?2 ORDER BY s.signed_at DESC",
            )
            .map_err(self.err("could not read the drill history"))?;
        let rows = stmt
            .query_map(params![i64::try_from(chain_id).unwrap_or(i64::MAX), hex_addr(safe)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(self.err("could not read the drill history"))?;
        let mut out = Vec::new();
        for row in rows {
            let (hash, owner, kind, path, at) =
                row.map_err(self.err("could not read the drill history"))?;
            let corrupt = |detail: String| Error::CorruptMessage {
                path: self.path().to_owned(),
                hash: B256::ZERO,
                detail,
            };
            out.push(DrillRecord {
                message_hash: B256::from_str(&hash).map_err(|e| corrupt(format!("{hash}: {e}")))?,
                owner: Address::from_str(&owner).map_err(|e| corrupt(format!("{owner}: {e}")))?,
                signer_kind: kind,
                path,
                signed_at_ms: u64::try_from(at).unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// Records a drill's verified round trip (again for the same leg: replaced).
    pub fn record_drill_transfer(&self, t: &DrillTransfer) -> Result<()> {
        self.write_one(
            "INSERT INTO drill_transfers (message_hash, safe_tx_hash, owner, amount, out_tx_hash, back_tx_hash, \
             owner_gas_paid, verified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (message_hash, safe_tx_hash) DO UPDATE SET owner = excluded.owner, \
             amount = excluded.amount, out_tx_hash = excluded.out_tx_hash, back_tx_hash = excluded.back_tx_hash, \
             owner_gas_paid = excluded.owner_gas_paid, verified_at = excluded.verified_at",
            params![
                hex_hash(t.message_hash),
                hex_hash(t.safe_tx_hash),
                hex_addr(t.owner),
                t.amount.to_string(),
                hex_hash(t.out_tx_hash),
                hex_hash(t.back_tx_hash),
                t.owner_gas_paid.to_string(),
                now_ms()
            ],
            ["could not store the drill transfer", "could not commit the drill transfer"],
        )
    }

    /// The Safe's drills' verified round trips, newest first.
    pub fn drill_transfers(&self, chain_id: u64, safe: Address) -> Result<Vec<DrillTransfer>> {
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(
                "SELECT t.message_hash, t.safe_tx_hash, t.owner, t.amount, t.out_tx_hash, t.back_tx_hash, \
                 t.owner_gas_paid, t.verified_at FROM drill_transfers t \
                 JOIN drills d ON d.message_hash = t.message_hash \
                 WHERE d.chain_id = ?1 AND d.safe = ?2 ORDER BY t.verified_at DESC",
            )
            .map_err(self.err("could not read the drill transfers"))?;
        let rows = stmt
            .query_map(params![i64::try_from(chain_id).unwrap_or(i64::MAX), hex_addr(safe)], |r| {
                Ok((
                    [
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ],
                    r.get::<_, i64>(7)?,
                ))
            })
            .map_err(self.err("could not read the drill transfers"))?;
        let mut out = Vec::new();
        for row in rows {
            let ([m, h, o, a, out_tx, back, gas], at) =
                row.map_err(self.err("could not read the drill transfers"))?;
            let corrupt = |text: &str, e: String| Error::CorruptMessage {
                path: self.path().to_owned(),
                hash: B256::ZERO,
                detail: format!("drill transfer {text:?}: {e}"),
            };
            let hash = |t: &str| B256::from_str(t).map_err(|e| corrupt(t, e.to_string()));
            let uint = |t: &str| U256::from_str(t).map_err(|e| corrupt(t, e.to_string()));
            out.push(DrillTransfer {
                message_hash: hash(&m)?,
                safe_tx_hash: hash(&h)?,
                owner: Address::from_str(&o).map_err(|e| corrupt(&o, e.to_string()))?,
                amount: uint(&a)?,
                out_tx_hash: hash(&out_tx)?,
                back_tx_hash: hash(&back)?,
                owner_gas_paid: uint(&gas)?,
                verified_at_ms: u64::try_from(at).unwrap_or(0),
            });
        }
        Ok(out)
    }
}
