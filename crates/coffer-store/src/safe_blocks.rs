//! A cache of where each Safe's history starts: its creation block, found once by binary search on
//! `eth_getCode` (`coffer_chain::sheet::creation_block`), so that status lookups read the Safe's execution logs
//! from there instead of from block 0.

use alloy_primitives::Address;
use rusqlite::{OptionalExtension, params};

use crate::{
    Error, Result, Store,
    store::{hex_addr, now_ms},
};

/// Schema migration 5 → 6: the `safe_blocks` table.
pub(crate) const MIGRATION_SAFE_BLOCKS: &str = r#"
CREATE TABLE safe_blocks (
    chain_id       INTEGER NOT NULL,
    safe           TEXT NOT NULL,
    creation_block INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL,
    PRIMARY KEY (chain_id, safe)
) STRICT;
"#;

impl Store {
    /// The creation block recorded for `safe` on `chain_id`, if any.
    pub fn safe_creation_block(&self, chain_id: u64, safe: Address) -> Result<Option<u64>> {
        let chain = i64::try_from(chain_id).map_err(|_| Error::ChainIdTooLarge { chain_id })?;
        let rtx = self.read_tx()?;
        let block: Option<i64> = rtx
            .query_row(
                "SELECT creation_block FROM safe_blocks WHERE chain_id = ?1 AND safe = ?2",
                params![chain, hex_addr(safe)],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("could not read the Safe's creation block"))?;
        Ok(block.and_then(|b| u64::try_from(b).ok()))
    }

    /// Records (or replaces) the creation block of `safe` on `chain_id`.
    pub fn record_safe_creation_block(
        &self,
        chain_id: u64,
        safe: Address,
        block: u64,
    ) -> Result<()> {
        let chain = i64::try_from(chain_id).map_err(|_| Error::ChainIdTooLarge { chain_id })?;
        let block = i64::try_from(block).unwrap_or(i64::MAX);
        let wtx = self.write_tx()?;
        wtx.execute(
            "INSERT INTO safe_blocks (chain_id, safe, creation_block, recorded_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (chain_id, safe) DO UPDATE SET creation_block = excluded.creation_block, \
             recorded_at = excluded.recorded_at",
            params![chain, hex_addr(safe), block, now_ms()],
        )
        .map_err(self.err("could not record the Safe's creation block"))?;
        wtx.commit().map_err(self.err("could not commit the Safe's creation block"))
    }
}
