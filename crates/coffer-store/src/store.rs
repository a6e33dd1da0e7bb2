//! The proposal queue: an SQLite file holding proposals and their signatures, keyed by safeTxHash.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy_primitives::{Address, B256, U256};
use coffer_core::{Operation, SafeSignature, SafeTx, SafeTxContext, SafeVersion};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};

use crate::{
    Bundle, Error, ProposalMeta, Result,
    sigcodec::{self, signature_kind_name},
};

/// The store's file name inside the data directory.
pub const STORE_FILE: &str = "coffer.sqlite3";

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 7;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Schema migrations: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; 7] = [
    r#"
CREATE TABLE proposals (
    safe_tx_hash     TEXT PRIMARY KEY NOT NULL,
    chain_id         INTEGER NOT NULL,
    safe             TEXT NOT NULL,
    safe_version     TEXT NOT NULL,
    to_address       TEXT NOT NULL,
    value            TEXT NOT NULL,
    data             BLOB NOT NULL,
    operation        INTEGER NOT NULL CHECK (operation IN (0, 1)),
    safe_tx_gas      TEXT NOT NULL,
    base_gas         TEXT NOT NULL,
    gas_price        TEXT NOT NULL,
    gas_token        TEXT NOT NULL,
    refund_receiver  TEXT NOT NULL,
    nonce            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    label            TEXT,
    origin           TEXT,
    meta             TEXT,
    executed_tx_hash TEXT,
    executed_at      INTEGER
) STRICT;
CREATE INDEX proposals_by_safe ON proposals (chain_id, safe, length(nonce), nonce, created_at);
CREATE TABLE signatures (
    safe_tx_hash TEXT NOT NULL REFERENCES proposals (safe_tx_hash) ON DELETE CASCADE,
    owner        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('eip712', 'eth_sign', 'approved_hash', 'contract')),
    signature    BLOB NOT NULL,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (safe_tx_hash, owner)
) STRICT;
"#,
    crate::messages::MIGRATION_MESSAGES,
    crate::drills::MIGRATION_DRILLS,
    r#"
CREATE TABLE sends (
    purpose    TEXT NOT NULL,
    chain_id   INTEGER NOT NULL,
    tx_hash    TEXT NOT NULL,
    raw        BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (purpose, tx_hash)
) STRICT;
"#,
    r#"
CREATE TABLE relay_sends (
    chain_id     INTEGER NOT NULL,
    safe         TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    safe_tx_hash TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (chain_id, safe, nonce)
) STRICT;
"#,
    crate::safe_blocks::MIGRATION_SAFE_BLOCKS,
    crate::drills::MIGRATION_DRILL_TRANSFERS,
];

/// The platform's data directory for coffer: `$XDG_DATA_HOME/coffer` (or `~/.local/share/coffer`) on Linux,
/// `~/Library/Application Support/coffer` on macOS, `%APPDATA%\coffer` on Windows. The CLI uses it when neither
/// `--data-dir` nor `COFFER_HOME` is given.
pub fn default_data_dir() -> Result<PathBuf> {
    dirs::data_dir().map(|d| d.join("coffer")).ok_or(Error::NoDataDir)
}

/// Whether a proposal has been executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProposalStatus {
    /// Not yet executed (as far as this store knows).
    Pending,
    /// Executed in an Ethereum transaction.
    Executed {
        /// The Ethereum transaction hash.
        tx_hash: B256,
        /// When it was recorded, in milliseconds since the Unix epoch.
        at_ms: u64,
    },
}

/// A stored proposal: a Safe transaction with its context and metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The safeTxHash (recomputed from the fields on every read).
    pub hash: B256,
    /// Chain, Safe and version.
    pub ctx: SafeTxContext,
    /// The ten SafeTx fields.
    pub tx: SafeTx,
    /// Label, origin, batch rows, payout plan.
    pub meta: ProposalMeta,
    /// When it was first stored, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Pending or executed.
    pub status: ProposalStatus,
}

/// A signed Ethereum transaction recorded before it was broadcast ([`Store::record_send`]), so that a rerun
/// finds it by its hash and resubmits the same bytes instead of signing a new transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedSend {
    /// What it was for: the safeTxHash it executes (`0x…`), or another key the command chose.
    pub purpose: String,
    /// The chain.
    pub chain_id: u64,
    /// The transaction hash (keccak of `raw`).
    pub tx_hash: B256,
    /// The signed bytes.
    pub raw: Vec<u8>,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// What [`Store::salvage`] copied out of a damaged store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalvageReport {
    /// Proposals copied (each re-hashed from its fields).
    pub proposals: Vec<B256>,
    /// Signatures copied (each verified again).
    pub signatures: usize,
    /// What could not be read or did not check, one line each.
    pub lost: Vec<String>,
}

/// What [`Store::import_bundle`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The bundle's safeTxHash.
    pub hash: B256,
    /// True if the proposal itself was new to this store.
    pub proposal_created: bool,
    /// Owners whose signatures were added, in bundle order.
    pub added: Vec<Address>,
    /// Owners who had already signed in this store; their stored signature was kept.
    pub duplicates: Vec<Address>,
}

/// The proposal queue in `<dir>/coffer.sqlite3`.
///
/// Every write is one `BEGIN IMMEDIATE` transaction, the file is in WAL mode with a busy timeout of 30 s, so
/// several `coffer` processes (or threads, each with its own `Store`) may use one store at once. A `Store` is
/// `Send` but not `Sync`: open one per thread.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) fn hex_addr(a: Address) -> String {
    format!("{a:#x}")
}

pub(crate) fn hex_hash(h: B256) -> String {
    format!("{h:#x}")
}

/// A proposals row as SQLite holds it, before parsing.
struct RawProposal {
    hash: String,
    chain_id: i64,
    safe: String,
    version: String,
    to: String,
    value: String,
    data: Vec<u8>,
    operation: i64,
    safe_tx_gas: String,
    base_gas: String,
    gas_price: String,
    gas_token: String,
    refund_receiver: String,
    nonce: String,
    created_at: i64,
    label: Option<String>,
    origin: Option<String>,
    meta: Option<String>,
    executed_tx_hash: Option<String>,
    executed_at: Option<i64>,
}

const PROPOSAL_COLUMNS: &str = "safe_tx_hash, chain_id, safe, safe_version, to_address, value, data, \
     operation, safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver, nonce, created_at, label, origin, \
     meta, executed_tx_hash, executed_at";

impl RawProposal {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            hash: row.get(0)?,
            chain_id: row.get(1)?,
            safe: row.get(2)?,
            version: row.get(3)?,
            to: row.get(4)?,
            value: row.get(5)?,
            data: row.get(6)?,
            operation: row.get(7)?,
            safe_tx_gas: row.get(8)?,
            base_gas: row.get(9)?,
            gas_price: row.get(10)?,
            gas_token: row.get(11)?,
            refund_receiver: row.get(12)?,
            nonce: row.get(13)?,
            created_at: row.get(14)?,
            label: row.get(15)?,
            origin: row.get(16)?,
            meta: row.get(17)?,
            executed_tx_hash: row.get(18)?,
            executed_at: row.get(19)?,
        })
    }

    fn parse(self, path: &Path) -> Result<Proposal> {
        let key = B256::from_str(&self.hash).map_err(|e| Error::Corrupt {
            path: path.to_owned(),
            hash: B256::ZERO,
            detail: format!("the key {:?} is not a hash: {e}", self.hash),
        })?;
        let bad = |column: &str, value: &str, e: &dyn core::fmt::Display| Error::Corrupt {
            path: path.to_owned(),
            hash: key,
            detail: format!("column {column} = {value:?} does not parse: {e}"),
        };
        let addr = |column: &str, v: &str| Address::from_str(v).map_err(|e| bad(column, v, &e));
        let uint =
            |column: &str, v: &str| U256::from_str_radix(v, 10).map_err(|e| bad(column, v, &e));
        let chain_id = u64::try_from(self.chain_id)
            .map_err(|e| bad("chain_id", &self.chain_id.to_string(), &e))?;
        let version = SafeVersion::from_str(&self.version)
            .map_err(|e| bad("safe_version", &self.version, &e))?;
        let operation = u8::try_from(self.operation)
            .ok()
            .and_then(|o| Operation::try_from(o).ok())
            .ok_or_else(|| bad("operation", &self.operation.to_string(), &"not 0 or 1"))?;
        let ctx = SafeTxContext::new(chain_id, addr("safe", &self.safe)?, version);
        let tx = SafeTx {
            to: addr("to_address", &self.to)?,
            value: uint("value", &self.value)?,
            data: self.data.into(),
            operation,
            safe_tx_gas: uint("safe_tx_gas", &self.safe_tx_gas)?,
            base_gas: uint("base_gas", &self.base_gas)?,
            gas_price: uint("gas_price", &self.gas_price)?,
            gas_token: addr("gas_token", &self.gas_token)?,
            refund_receiver: addr("refund_receiver", &self.refund_receiver)?,
            nonce: uint("nonce", &self.nonce)?,
        };
        let hash = tx.safe_tx_hash(&ctx);
        if hash != key {
            return Err(Error::Corrupt {
                path: path.to_owned(),
                hash: key,
                detail: format!("its fields hash to {hash}"),
            });
        }
        let mut meta: ProposalMeta = match &self.meta {
            Some(json) => serde_json::from_str(json).map_err(|e| bad("meta", json, &e))?,
            None => ProposalMeta::default(),
        };
        meta.label = self.label;
        meta.origin = self.origin;
        let status = match (self.executed_tx_hash, self.executed_at) {
            (Some(t), at) => ProposalStatus::Executed {
                tx_hash: B256::from_str(&t).map_err(|e| bad("executed_tx_hash", &t, &e))?,
                at_ms: at.and_then(|a| u64::try_from(a).ok()).unwrap_or(0),
            },
            (None, _) => ProposalStatus::Pending,
        };
        Ok(Proposal {
            hash,
            ctx,
            tx,
            meta,
            created_at_ms: u64::try_from(self.created_at).unwrap_or(0),
            status,
        })
    }
}

impl Store {
    /// Opens (creating if needed) the store `<dir>/coffer.sqlite3`, creating `dir` too. Sets WAL mode and the
    /// busy timeout, and migrates the schema to [`SCHEMA_VERSION`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "could not create the data directory",
            path: dir.to_owned(),
            source,
        })?;
        Self::open_file(dir.join(STORE_FILE))
    }

    /// Opens (creating if needed) the store at exactly `path`. Its directory must exist.
    pub fn open_file(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let conn = Connection::open(&path).map_err(|e| sql_error(&path, "could not open", e))?;
        let store = Self { conn, path };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn err(&self, context: &'static str) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| sql_error(&self.path, context, e)
    }

    fn configure(&self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(self.err("could not set the busy timeout"))?;
        // Switching a fresh file to WAL needs a moment alone with it; SQLite answers "locked" at once (without
        // the busy handler) while another process is creating or migrating the same new store, so wait here.
        let started = std::time::Instant::now();
        let mode: String = loop {
            match self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    ) && started.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other.map_err(self.err("could not switch to WAL mode"))?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Sqlite {
                path: self.path.clone(),
                context: "could not switch to WAL mode",
                source: rusqlite::Error::InvalidQuery,
            });
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(self.err("could not configure the connection"))?;
        Ok(())
    }

    fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
    }

    fn migrate(&self) -> Result<()> {
        let current = Self::user_version(&self.conn)
            .map_err(self.err("could not read the schema version"))?;
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self.write_tx()?;
        // Read again under the write lock: another process may have migrated meanwhile.
        let current =
            Self::user_version(&tx).map_err(self.err("could not read the schema version"))?;
        if !(0..=SCHEMA_VERSION).contains(&current) {
            return Err(Error::SchemaTooNew {
                path: self.path.clone(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(self.err("could not migrate the schema"))?;
            tx.pragma_update(None, "user_version", from + 1)
                .map_err(self.err("could not record the schema version"))?;
        }
        tx.commit().map_err(self.err("could not commit the schema migration"))
    }

    pub(crate) fn write_tx(&self) -> Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(self.err("could not start a write transaction"))
    }

    pub(crate) fn read_tx(&self) -> Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(self.err("could not start a read transaction"))
    }

    fn unknown(&self, hash: B256) -> Error {
        Error::UnknownProposal { hash, path: self.path.clone() }
    }

    /// Stores a proposal and returns its safeTxHash, which it computes itself from `ctx` and `tx`.
    ///
    /// Idempotent: storing the same proposal again changes nothing (the first metadata is kept) and returns the
    /// same hash. A *different* proposal under the same hash is an [`Error::HashConflict`] (possible only for
    /// Safes before 1.3.0 on two chains, whose domain has no chain id, or for a contradicting Safe version).
    pub fn insert_proposal(
        &self,
        ctx: &SafeTxContext,
        tx: &SafeTx,
        meta: &ProposalMeta,
    ) -> Result<B256> {
        let hash = tx.safe_tx_hash(ctx);
        let wtx = self.write_tx()?;
        self.insert_in(&wtx, hash, ctx, tx, meta)?;
        wtx.commit().map_err(self.err("could not commit the proposal"))?;
        Ok(hash)
    }

    /// Inserts inside an open write transaction; returns true if the row is new.
    fn insert_in(
        &self,
        wtx: &Transaction<'_>,
        hash: B256,
        ctx: &SafeTxContext,
        tx: &SafeTx,
        meta: &ProposalMeta,
    ) -> Result<bool> {
        let chain_id = i64::try_from(ctx.chain_id)
            .map_err(|_| Error::ChainIdTooLarge { chain_id: ctx.chain_id })?;
        if let Some(existing) = self.get_in(wtx, hash)? {
            let detail = if existing.ctx != *ctx {
                Some(format!(
                    "stored for chain {} Safe {} version {}, now given chain {} Safe {} version {}",
                    existing.ctx.chain_id,
                    existing.ctx.safe,
                    existing.ctx.version,
                    ctx.chain_id,
                    ctx.safe,
                    ctx.version
                ))
            } else if existing.tx != *tx {
                Some("the transaction fields differ".to_owned())
            } else {
                None
            };
            return match detail {
                Some(detail) => Err(Error::HashConflict { hash, path: self.path.clone(), detail }),
                None => Ok(false),
            };
        }
        let rest = ProposalMeta { label: None, origin: None, ..meta.clone() };
        let meta_json = if rest.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(&rest)
                    .map_err(|source| Error::Serialize { what: "proposal metadata", source })?,
            )
        };
        wtx.execute(
            &format!(
                "INSERT INTO proposals ({PROPOSAL_COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, NULL, NULL)"
            ),
            params![
                hex_hash(hash),
                chain_id,
                hex_addr(ctx.safe),
                ctx.version.as_str(),
                hex_addr(tx.to),
                tx.value.to_string(),
                tx.data.as_ref(),
                i64::from(tx.operation.as_u8()),
                tx.safe_tx_gas.to_string(),
                tx.base_gas.to_string(),
                tx.gas_price.to_string(),
                hex_addr(tx.gas_token),
                hex_addr(tx.refund_receiver),
                tx.nonce.to_string(),
                now_ms(),
                meta.label,
                meta.origin,
                meta_json,
            ],
        )
        .map_err(self.err("could not insert the proposal"))?;
        Ok(true)
    }

    fn get_in(&self, conn: &Connection, hash: B256) -> Result<Option<Proposal>> {
        let raw = conn
            .query_row(
                &format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE safe_tx_hash = ?1"),
                [hex_hash(hash)],
                RawProposal::from_row,
            )
            .optional()
            .map_err(self.err("could not read the proposal"))?;
        raw.map(|r| r.parse(&self.path)).transpose()
    }

    /// The proposal with this safeTxHash, or [`Error::UnknownProposal`].
    pub fn proposal(&self, hash: B256) -> Result<Proposal> {
        self.get_in(&self.conn, hash)?.ok_or_else(|| self.unknown(hash))
    }

    /// True if a proposal with this safeTxHash is stored.
    pub fn contains(&self, hash: B256) -> Result<bool> {
        self.conn
            .query_row("SELECT 1 FROM proposals WHERE safe_tx_hash = ?1", [hex_hash(hash)], |_| {
                Ok(())
            })
            .optional()
            .map(|r| r.is_some())
            .map_err(self.err("could not read the proposal"))
    }

    /// Resolves what a user typed to a stored safeTxHash: a full hash, or a unique prefix of at least one hex
    /// digit (`0x` optional), like git's short hashes. Errors: [`Error::InvalidHash`],
    /// [`Error::UnknownProposal`], [`Error::AmbiguousPrefix`].
    pub fn resolve(&self, text: &str) -> Result<B256> {
        let t = text.trim();
        let digits = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::InvalidHash { given: text.to_owned() });
        }
        let digits = digits.to_ascii_lowercase();
        if digits.len() == 64 {
            let hash = B256::from_str(&digits)
                .map_err(|_| Error::InvalidHash { given: text.to_owned() })?;
            return if self.contains(hash)? { Ok(hash) } else { Err(self.unknown(hash)) };
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT safe_tx_hash FROM proposals WHERE substr(safe_tx_hash, 3, ?1) = ?2 LIMIT 6",
            )
            .map_err(self.err("could not search proposals"))?;
        let found: Vec<String> = stmt
            .query_map(params![i64::try_from(digits.len()).unwrap_or(64), digits], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not search proposals"))?;
        match found.as_slice() {
            [one] => B256::from_str(one).map_err(|e| Error::Corrupt {
                path: self.path.clone(),
                hash: B256::ZERO,
                detail: format!("the key {one:?} is not a hash: {e}"),
            }),
            [] => Err(Error::UnknownPrefix { prefix: text.to_owned(), path: self.path.clone() }),
            many => {
                let count: usize = self
                    .conn
                    .query_row(
                        "SELECT count(*) FROM proposals WHERE substr(safe_tx_hash, 3, ?1) = ?2",
                        params![i64::try_from(digits.len()).unwrap_or(64), digits],
                        |r| r.get::<_, i64>(0),
                    )
                    .map(|c| usize::try_from(c).unwrap_or(many.len()))
                    .map_err(self.err("could not search proposals"))?;
                Err(Error::AmbiguousPrefix {
                    prefix: text.to_owned(),
                    count,
                    examples: many.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                    path: self.path.clone(),
                })
            }
        }
    }

    fn query_proposals(
        &self,
        where_clause: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Proposal>> {
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(&format!(
                "SELECT {PROPOSAL_COLUMNS} FROM proposals {where_clause} \
                 ORDER BY chain_id, safe, length(nonce), nonce, created_at, rowid"
            ))
            .map_err(self.err("could not list proposals"))?;
        let raws: Vec<RawProposal> = stmt
            .query_map(params, RawProposal::from_row)
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not list proposals"))?;
        raws.into_iter().map(|r| r.parse(&self.path)).collect()
    }

    /// The proposals for one Safe on one chain, ordered by nonce, then by creation time, so same-nonce
    /// conflicts are adjacent. Executed proposals are included (see [`Proposal::status`]).
    pub fn proposals_for_safe(&self, chain_id: u64, safe: Address) -> Result<Vec<Proposal>> {
        let chain = i64::try_from(chain_id).map_err(|_| Error::ChainIdTooLarge { chain_id })?;
        self.query_proposals("WHERE chain_id = ?1 AND safe = ?2", &[&chain, &hex_addr(safe)])
    }

    /// Every stored proposal, ordered by chain, Safe, nonce and creation time.
    pub fn proposals(&self) -> Result<Vec<Proposal>> {
        self.query_proposals("", &[])
    }

    /// Claims Safe nonce `nonce` for a relay send of proposal `hash`, before it is sent: `true` if this call
    /// claimed it, `false` if a send for that nonce was claimed before (by this or another relay process on the
    /// same store, now or before a restart). The claim is durable once this returns, so a relay never sends the
    /// same nonce twice, even across restarts.
    pub fn claim_relay_nonce(
        &self,
        chain_id: u64,
        safe: Address,
        nonce: U256,
        hash: B256,
    ) -> Result<bool> {
        let wtx = self.write_tx()?;
        let n = wtx
            .execute(
                "INSERT INTO relay_sends (chain_id, safe, nonce, safe_tx_hash, sent_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![
                    i64::try_from(chain_id).unwrap_or(i64::MAX),
                    hex_addr(safe),
                    nonce.to_string(),
                    hex_hash(hash),
                    now_ms()
                ],
            )
            .map_err(self.err("could not record the relay send"))?;
        wtx.commit().map_err(self.err("could not commit the relay send"))?;
        Ok(n == 1)
    }

    /// The proposal a relay claimed Safe nonce `nonce` for ([`Store::claim_relay_nonce`]), if any.
    pub fn relay_claim(&self, chain_id: u64, safe: Address, nonce: U256) -> Result<Option<B256>> {
        let hash: Option<String> = self
            .conn
            .query_row(
                "SELECT safe_tx_hash FROM relay_sends WHERE chain_id = ?1 AND safe = ?2 AND nonce = ?3",
                params![i64::try_from(chain_id).unwrap_or(i64::MAX), hex_addr(safe), nonce.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("could not read the relay sends"))?;
        Ok(hash.and_then(|h| B256::from_str(&h).ok()))
    }

    /// The next nonce for a new proposal: one above the highest pending proposal at or above `chain_nonce`
    /// (the Safe's current on-chain nonce), or `chain_nonce` itself when none is queued.
    pub fn next_nonce(&self, chain_id: u64, safe: Address, chain_nonce: U256) -> Result<U256> {
        let next = self
            .proposals_for_safe(chain_id, safe)?
            .iter()
            .filter(|p| p.status == ProposalStatus::Pending && p.tx.nonce >= chain_nonce)
            .map(|p| p.tx.nonce.saturating_add(U256::from(1)))
            .max()
            .unwrap_or(chain_nonce);
        Ok(next)
    }

    /// Adds an owner's signature to a stored proposal, after checking that it verifies for the proposal's
    /// safeTxHash: an EIP-712 or eth_sign signature must be low-s and recover to `sig.owner`. Approved-hash
    /// (v = 1) and contract (v = 0) signatures are stored as given; checking them on chain is the caller's job.
    ///
    /// Errors: [`Error::InvalidSignature`], [`Error::UnknownProposal`], and [`Error::DuplicateSignature`] if
    /// this owner has already signed (whatever the signature).
    pub fn add_signature(&self, hash: B256, sig: &SafeSignature) -> Result<()> {
        sig.verify(hash).map_err(|source| Error::InvalidSignature {
            owner: sig.owner,
            hash,
            source,
        })?;
        let wtx = self.write_tx()?;
        if !self.exists_in(&wtx, hash)? {
            return Err(self.unknown(hash));
        }
        if !self.insert_signature_in(&wtx, hash, sig)? {
            return Err(Error::DuplicateSignature { owner: sig.owner, hash });
        }
        wtx.commit().map_err(self.err("could not commit the signature"))
    }

    fn exists_in(&self, conn: &Connection, hash: B256) -> Result<bool> {
        conn.query_row("SELECT 1 FROM proposals WHERE safe_tx_hash = ?1", [hex_hash(hash)], |_| {
            Ok(())
        })
        .optional()
        .map(|r| r.is_some())
        .map_err(self.err("could not read the proposal"))
    }

    /// Inserts a signature unless this owner already has one; returns true if it was inserted.
    fn insert_signature_in(
        &self,
        wtx: &Transaction<'_>,
        hash: B256,
        sig: &SafeSignature,
    ) -> Result<bool> {
        let changed = wtx
            .execute(
                "INSERT INTO signatures (safe_tx_hash, owner, kind, signature, added_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (safe_tx_hash, owner) DO NOTHING",
                params![
                    hex_hash(hash),
                    hex_addr(sig.owner),
                    signature_kind_name(&sig.kind),
                    sig.to_bytes().as_ref(),
                    now_ms(),
                ],
            )
            .map_err(self.err("could not insert the signature"))?;
        Ok(changed == 1)
    }

    /// The signatures of a proposal, in the order they were added. Each is decoded and verified again on
    /// reading, so a row edited outside coffer is reported as [`Error::Corrupt`].
    pub fn signatures(&self, hash: B256) -> Result<Vec<SafeSignature>> {
        let rtx = self.read_tx()?;
        if !self.exists_in(&rtx, hash)? {
            return Err(self.unknown(hash));
        }
        let mut stmt = rtx
            .prepare("SELECT owner, kind, signature FROM signatures WHERE safe_tx_hash = ?1 ORDER BY rowid")
            .map_err(self.err("could not read signatures"))?;
        let rows: Vec<(String, String, Vec<u8>)> = stmt
            .query_map([hex_hash(hash)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not read signatures"))?;
        rows.into_iter()
            .enumerate()
            .map(|(index, (owner, kind, bytes))| {
                let corrupt =
                    |detail: String| Error::Corrupt { path: self.path.clone(), hash, detail };
                let owner = Address::from_str(&owner).map_err(|e| {
                    corrupt(format!("signature owner {owner:?} does not parse: {e}"))
                })?;
                let sig = sigcodec::decode(index, owner, &kind, &bytes)
                    .map_err(|e| corrupt(format!("stored signature: {e}")))?;
                sig.verify(hash).map_err(|e| {
                    corrupt(format!("stored signature by {owner} does not verify: {e}"))
                })?;
                Ok(sig)
            })
            .collect()
    }

    /// Removes a proposal and its signatures.
    pub fn remove_proposal(&self, hash: B256) -> Result<()> {
        let wtx = self.write_tx()?;
        wtx.execute("DELETE FROM signatures WHERE safe_tx_hash = ?1", [hex_hash(hash)])
            .map_err(self.err("could not remove the signatures"))?;
        let n = wtx
            .execute("DELETE FROM proposals WHERE safe_tx_hash = ?1", [hex_hash(hash)])
            .map_err(self.err("could not remove the proposal"))?;
        if n == 0 {
            return Err(self.unknown(hash));
        }
        wtx.commit().map_err(self.err("could not commit the removal"))
    }

    /// Records that a proposal was executed in Ethereum transaction `tx_hash`. Recording the same transaction
    /// again is a no-op; a different one is [`Error::AlreadyExecuted`].
    pub fn mark_executed(&self, hash: B256, tx_hash: B256) -> Result<()> {
        let wtx = self.write_tx()?;
        let current: Option<Option<String>> = wtx
            .query_row(
                "SELECT executed_tx_hash FROM proposals WHERE safe_tx_hash = ?1",
                [hex_hash(hash)],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err("could not read the proposal"))?;
        match current {
            None => return Err(self.unknown(hash)),
            Some(Some(existing)) => {
                return if existing == hex_hash(tx_hash) {
                    Ok(())
                } else {
                    Err(Error::AlreadyExecuted {
                        hash,
                        tx_hash: B256::from_str(&existing).unwrap_or_default(),
                    })
                };
            }
            Some(None) => {}
        }
        wtx.execute(
            "UPDATE proposals SET executed_tx_hash = ?2, executed_at = ?3 WHERE safe_tx_hash = ?1",
            params![hex_hash(hash), hex_hash(tx_hash), now_ms()],
        )
        .map_err(self.err("could not record the execution"))?;
        wtx.commit().map_err(self.err("could not commit the execution"))
    }

    /// Forgets a recorded execution (the chain no longer has it, e.g. after a reorganisation): the proposal is
    /// pending again. Returns true if it had been recorded as executed.
    pub fn mark_pending(&self, hash: B256) -> Result<bool> {
        let wtx = self.write_tx()?;
        if !self.exists_in(&wtx, hash)? {
            return Err(self.unknown(hash));
        }
        let n = wtx
            .execute(
                "UPDATE proposals SET executed_tx_hash = NULL, executed_at = NULL \
                 WHERE safe_tx_hash = ?1 AND executed_tx_hash IS NOT NULL",
                [hex_hash(hash)],
            )
            .map_err(self.err("could not clear the execution"))?;
        wtx.commit().map_err(self.err("could not commit the change"))?;
        Ok(n == 1)
    }

    /// Records a signed transaction before it is broadcast. Recording the same one again is a no-op.
    pub fn record_send(
        &self,
        purpose: &str,
        chain_id: u64,
        tx_hash: B256,
        raw: &[u8],
    ) -> Result<()> {
        let chain = i64::try_from(chain_id).map_err(|_| Error::ChainIdTooLarge { chain_id })?;
        let wtx = self.write_tx()?;
        wtx.execute(
            "INSERT INTO sends (purpose, chain_id, tx_hash, raw, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (purpose, tx_hash) DO NOTHING",
            params![purpose, chain, hex_hash(tx_hash), raw, now_ms()],
        )
        .map_err(self.err("could not record the signed transaction"))?;
        wtx.commit().map_err(self.err("could not commit the signed transaction"))
    }

    /// The signed transactions recorded for `purpose` on `chain_id`, oldest first.
    pub fn recorded_sends(&self, purpose: &str, chain_id: u64) -> Result<Vec<RecordedSend>> {
        let chain = i64::try_from(chain_id).map_err(|_| Error::ChainIdTooLarge { chain_id })?;
        let rtx = self.read_tx()?;
        let mut stmt = rtx
            .prepare(
                "SELECT tx_hash, raw, created_at FROM sends WHERE purpose = ?1 AND chain_id = ?2 \
                 ORDER BY created_at, rowid",
            )
            .map_err(self.err("could not read the recorded transactions"))?;
        let rows: Vec<(String, Vec<u8>, i64)> = stmt
            .query_map(params![purpose, chain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.err("could not read the recorded transactions"))?;
        rows.into_iter()
            .map(|(h, raw, at)| {
                let tx_hash = B256::from_str(&h).map_err(|e| Error::Corrupt {
                    path: self.path.clone(),
                    hash: B256::ZERO,
                    detail: format!("recorded transaction hash {h:?} does not parse: {e}"),
                })?;
                Ok(RecordedSend {
                    purpose: purpose.to_owned(),
                    chain_id,
                    tx_hash,
                    raw,
                    created_at_ms: u64::try_from(at).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Forgets the signed transactions recorded for `purpose` (they are mined, or can never be).
    pub fn forget_sends(&self, purpose: &str) -> Result<()> {
        let wtx = self.write_tx()?;
        wtx.execute("DELETE FROM sends WHERE purpose = ?1", [purpose])
            .map_err(self.err("could not forget the recorded transactions"))?;
        wtx.commit().map_err(self.err("could not commit the change"))
    }

    /// Copies every proposal and signature that can still be read from the damaged store file `damaged`
    /// (opened read-only, row by row) into this store, each checked as on a normal read (the safeTxHash
    /// recomputed from the fields, each signature verified); a recorded execution is copied too. What cannot be
    /// read or does not check is listed in [`SalvageReport::lost`], never copied.
    pub fn salvage(&self, damaged: &Path) -> Result<SalvageReport> {
        let src = Connection::open_with_flags(
            damaged,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql_error(damaged, "could not open the damaged store", e))?;
        let mut report = SalvageReport::default();
        let keys: Vec<String> = match src
            .prepare("SELECT safe_tx_hash FROM proposals ORDER BY rowid")
        {
            Ok(mut stmt) => match stmt.query_map([], |r| r.get::<_, String>(0)) {
                Ok(rows) => rows
                    .filter_map(|r| match r {
                        Ok(k) => Some(k),
                        Err(e) => {
                            report.lost.push(format!("a proposal key: {e}"));
                            None
                        }
                    })
                    .collect(),
                Err(e) => return Err(sql_error(damaged, "could not list the damaged store", e)),
            },
            Err(e) => return Err(sql_error(damaged, "could not list the damaged store", e)),
        };
        let source = Store { conn: src, path: damaged.to_owned() };
        for key in keys {
            let Ok(hash) = B256::from_str(&key) else {
                report.lost.push(format!("proposal key {key:?} is not a hash"));
                continue;
            };
            let p = match source.get_in(&source.conn, hash) {
                Ok(Some(p)) => p,
                Ok(None) => continue,
                Err(e) => {
                    report.lost.push(format!("proposal {hash}: {e}"));
                    continue;
                }
            };
            if let Err(e) = self.insert_proposal(&p.ctx, &p.tx, &p.meta) {
                report.lost.push(format!("proposal {hash}: {e}"));
                continue;
            }
            report.proposals.push(hash);
            match source.signatures(hash) {
                Ok(sigs) => {
                    for sig in sigs {
                        match self.add_signature(hash, &sig) {
                            Ok(()) | Err(Error::DuplicateSignature { .. }) => {
                                report.signatures += 1
                            }
                            Err(e) => report
                                .lost
                                .push(format!("signature of {} on {hash}: {e}", sig.owner)),
                        }
                    }
                }
                Err(e) => report.lost.push(format!("the signatures of {hash}: {e}")),
            }
            if let ProposalStatus::Executed { tx_hash, .. } = p.status
                && let Err(e) = self.mark_executed(hash, tx_hash)
            {
                report.lost.push(format!("the execution record of {hash}: {e}"));
            }
        }
        Ok(report)
    }

    /// Whether the proposal has been recorded as executed.
    pub fn status(&self, hash: B256) -> Result<ProposalStatus> {
        Ok(self.proposal(hash)?.status)
    }

    /// A bundle of the proposal and all its signatures, for [`Bundle::write_atomic`].
    pub fn export_bundle(&self, hash: B256) -> Result<Bundle> {
        let proposal = self.proposal(hash)?;
        let signatures = self.signatures(hash)?;
        Bundle::from_proposal(&proposal, &signatures)
    }

    /// Merges a bundle into the store in one transaction: the proposal (if new, with the bundle's metadata)
    /// and each signature whose owner has not signed yet.
    ///
    /// First the whole bundle is checked with [`Bundle::verify`] (every stated hash against the fields, every
    /// signature against the safeTxHash, no owner twice), and, if `owners` is given (the Safe's current owners,
    /// read on chain by the caller), every signer must be one of them ([`Error::NotAnOwner`]). If any check
    /// fails, nothing is written. Owners who already signed in the store are reported in
    /// [`ImportReport::duplicates`] and their stored signature is kept.
    pub fn import_bundle(
        &self,
        bundle: &Bundle,
        owners: Option<&[Address]>,
    ) -> Result<ImportReport> {
        bundle.verify()?;
        let hash = bundle.hashes.safe_tx_hash;
        if let Some(owners) = owners
            && let Some(sig) = bundle.signatures.iter().find(|s| !owners.contains(&s.owner))
        {
            return Err(Error::NotAnOwner { owner: sig.owner, hash, safe: bundle.ctx.safe });
        }
        let wtx = self.write_tx()?;
        let meta = bundle.meta.clone().unwrap_or_default();
        let proposal_created = self.insert_in(&wtx, hash, &bundle.ctx, &bundle.tx, &meta)?;
        let mut report = ImportReport { hash, proposal_created, ..ImportReport::default() };
        for sig in &bundle.signatures {
            if self.insert_signature_in(&wtx, hash, sig)? {
                report.added.push(sig.owner);
            } else {
                report.duplicates.push(sig.owner);
            }
        }
        wtx.commit().map_err(self.err("could not commit the import"))?;
        Ok(report)
    }
}

fn sql_error(path: &Path, context: &'static str, e: rusqlite::Error) -> Error {
    if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
        return Error::NotADatabase { path: path.to_owned() };
    }
    if e.sqlite_error_code() == Some(ErrorCode::DatabaseCorrupt) {
        return Error::Damaged { path: path.to_owned(), detail: e.to_string() };
    }
    Error::Sqlite { path: path.to_owned(), context, source: e }
}
