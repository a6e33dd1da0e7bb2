//! Storage: one query layer (sqlx `Any`) over SQLite or PostgreSQL, with versioned migrations.
//!
//! Every value is stored as text or a 64-bit integer so that the same SQL runs on both: addresses checksummed,
//! hashes and bytes as lowercase `0x` hex, uint256 as decimal text, the nonce as `BIGINT` (for ordering).
//! Uniqueness is the database's job: a transaction is keyed by its safeTxHash and a confirmation by
//! (safeTxHash, owner), and every insert is `ON CONFLICT DO NOTHING`, so several servers sharing one PostgreSQL
//! database, or a retried request, never store anything twice.

use crate::{Error, Result};
use sqlx::{
    AnyPool, AssertSqlSafe, Row,
    any::{AnyPoolOptions, AnyRow},
};
use std::time::Duration;

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 2;

/// The migrations, in order: (version, description, statements). Each statement is valid SQLite and
/// PostgreSQL.
const MIGRATIONS: &[(i64, &str, &[&str])] = &[
    (
        1,
        "multisig transactions, confirmations, known Safes",
        &[
            "CREATE TABLE multisig_tx (
            safe_tx_hash TEXT PRIMARY KEY,
            safe TEXT NOT NULL,
            to_address TEXT NOT NULL,
            value TEXT NOT NULL,
            data TEXT,
            operation BIGINT NOT NULL,
            safe_tx_gas TEXT NOT NULL,
            base_gas TEXT NOT NULL,
            gas_price TEXT NOT NULL,
            gas_token TEXT NOT NULL,
            refund_receiver TEXT NOT NULL,
            nonce BIGINT NOT NULL,
            proposer TEXT NOT NULL,
            origin TEXT NOT NULL,
            trusted BIGINT NOT NULL,
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            executed_tx_hash TEXT,
            execution_date TEXT,
            block_number BIGINT,
            is_successful BIGINT,
            executor TEXT,
            payment TEXT
        )",
            "CREATE INDEX multisig_tx_safe_nonce ON multisig_tx (safe, nonce)",
            "CREATE TABLE confirmation (
            safe_tx_hash TEXT NOT NULL REFERENCES multisig_tx (safe_tx_hash),
            owner TEXT NOT NULL,
            signature TEXT NOT NULL,
            signature_type TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (safe_tx_hash, owner)
        )",
            "CREATE TABLE known_safe (address TEXT PRIMARY KEY, created TEXT NOT NULL)",
        ],
    ),
    (
        2,
        "Safe messages and their signatures",
        &[
            "CREATE TABLE safe_message (
            message_hash TEXT PRIMARY KEY,
            safe TEXT NOT NULL,
            message TEXT NOT NULL,
            proposed_by TEXT NOT NULL,
            safe_app_id BIGINT,
            origin TEXT NOT NULL,
            created TEXT NOT NULL,
            modified TEXT NOT NULL
        )",
            "CREATE INDEX safe_message_safe ON safe_message (safe, created)",
            "CREATE TABLE safe_message_confirmation (
            message_hash TEXT NOT NULL REFERENCES safe_message (message_hash),
            owner TEXT NOT NULL,
            signature TEXT NOT NULL,
            signature_type TEXT NOT NULL,
            created TEXT NOT NULL,
            modified TEXT NOT NULL,
            PRIMARY KEY (message_hash, owner)
        )",
        ],
    ),
];

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (WAL, one writer connection, several readers).
    Sqlite,
    /// A PostgreSQL server (one pool; several servers may share the database).
    Postgres,
}

/// The database: a reader pool and a writer pool (the same pool on PostgreSQL), and the confirmation writer.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    confirmations: tokio::sync::mpsc::Sender<PendingWrite>,
}

/// A confirmation waiting for the writer, and where to say that it is committed.
type PendingWrite = (ConfirmationRow, tokio::sync::oneshot::Sender<Result<()>>);

/// Rows per `INSERT` statement of a group commit (5 parameters each).
const ROWS_PER_INSERT: usize = 64;
/// Confirmations per group commit at most.
const MAX_GROUP: usize = 512;

/// The confirmation writer (group commit): takes every confirmation waiting, inserts them with one multi-row
/// `INSERT … ON CONFLICT DO NOTHING` per [`ROWS_PER_INSERT`] rows, each committing as it runs, and only then
/// answers each waiter. One commit (one WAL append, one PostgreSQL fsync) serves many requests, and a request is
/// answered only once its row is durable. If the group fails, each row is retried on its own, so one bad row fails only its own request.
async fn confirmation_writer(pool: AnyPool, mut rx: tokio::sync::mpsc::Receiver<PendingWrite>) {
    let mut group: Vec<PendingWrite> = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let rows: Vec<&ConfirmationRow> = group.iter().map(|(r, _)| r).collect();
        match insert_group(&pool, &rows).await {
            Ok(()) => {
                for (_, done) in group.drain(..) {
                    let _ = done.send(Ok(()));
                }
            }
            Err(_) => {
                for (row, done) in group.drain(..) {
                    let one = insert_group(&pool, &[&row]).await;
                    let _ = done.send(one);
                }
            }
        }
    }
}

/// How often the SQLite checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Checkpoints the SQLite WAL from its own connection (its own thread in sqlx), `PASSIVE`: it copies what no
/// reader still needs and fsyncs, without ever blocking the writer, which keeps committing meanwhile. The writer
/// has automatic checkpoints off, so its commits never wait for an fsync (with `synchronous = NORMAL` a WAL commit
/// is a write, not an fsync); the WAL is rewound by the writer once a checkpoint has copied all of it.
async fn checkpointer(pool: AnyPool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // A failed checkpoint (e.g. the disk is full) is tried again at the next tick; the WAL keeps every
        // commit meanwhile.
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_all(&pool).await;
    }
}

/// Inserts a group of confirmations. No explicit transaction: each statement (up to [`ROWS_PER_INSERT`] rows)
/// commits on its own, so a group costs one round trip to the database connection and one commit, where
/// `BEGIN` + `INSERT` + `COMMIT` cost three (on a loaded machine each round trip waits for the database thread to
/// be scheduled, and the group commit took milliseconds). A waiter is answered only after every statement of
/// its group has committed. A group larger than one statement is not atomic, and need not be: each row stands
/// alone, and storing a row again changes nothing (`ON CONFLICT DO NOTHING`).
async fn insert_group(pool: &AnyPool, rows: &[&ConfirmationRow]) -> Result<()> {
    let mut conn = pool.acquire().await?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!("(${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO confirmation (safe_tx_hash, owner, signature, signature_type, created) VALUES {} \
             ON CONFLICT (safe_tx_hash, owner) DO NOTHING",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in chunk {
            q = q
                .bind(c.safe_tx_hash.clone())
                .bind(c.owner.clone())
                .bind(c.signature.clone())
                .bind(c.signature_type.clone())
                .bind(c.created.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A stored multisig transaction row.
#[derive(Clone, Debug)]
pub(crate) struct TxRow {
    pub(crate) safe_tx_hash: String,
    pub(crate) safe: String,
    pub(crate) to: String,
    pub(crate) value: String,
    pub(crate) data: Option<String>,
    pub(crate) operation: i64,
    pub(crate) safe_tx_gas: String,
    pub(crate) base_gas: String,
    pub(crate) gas_price: String,
    pub(crate) gas_token: String,
    pub(crate) refund_receiver: String,
    pub(crate) nonce: i64,
    pub(crate) proposer: String,
    pub(crate) origin: String,
    pub(crate) trusted: bool,
    pub(crate) created: String,
    pub(crate) modified: String,
    pub(crate) executed_tx_hash: Option<String>,
    pub(crate) execution_date: Option<String>,
    pub(crate) block_number: Option<i64>,
    pub(crate) is_successful: Option<bool>,
    pub(crate) executor: Option<String>,
    pub(crate) payment: Option<String>,
}

/// A stored confirmation row.
#[derive(Clone, Debug)]
pub(crate) struct ConfirmationRow {
    pub(crate) safe_tx_hash: String,
    pub(crate) owner: String,
    pub(crate) signature: String,
    pub(crate) signature_type: String,
    pub(crate) created: String,
}

/// A recorded execution.
#[derive(Clone, Debug)]
pub(crate) struct ExecutionRow {
    pub(crate) tx_hash: String,
    pub(crate) date: String,
    pub(crate) block_number: Option<i64>,
    pub(crate) success: bool,
    pub(crate) executor: Option<String>,
    pub(crate) payment: String,
}

/// Filters and paging of the multisig-transaction list.
#[derive(Clone, Debug, Default)]
pub(crate) struct TxFilter {
    pub(crate) executed: Option<bool>,
    pub(crate) trusted: Option<bool>,
    pub(crate) has_confirmations: Option<bool>,
    pub(crate) nonce_eq: Option<i64>,
    pub(crate) nonce_lt: Option<i64>,
    pub(crate) nonce_gt: Option<i64>,
    pub(crate) nonce_lte: Option<i64>,
    pub(crate) nonce_gte: Option<i64>,
    pub(crate) safe_tx_hash: Option<String>,
    pub(crate) to: Option<String>,
    /// `ORDER BY` terms, already checked against the allowed fields.
    pub(crate) ordering: Vec<(&'static str, bool)>,
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

const TX_COLUMNS: &str = "safe_tx_hash, safe, to_address, value, data, operation, safe_tx_gas, base_gas, \
    gas_price, gas_token, refund_receiver, nonce, proposer, origin, trusted, created, modified, \
    executed_tx_hash, execution_date, block_number, is_successful, executor, payment";

fn tx_row(r: &AnyRow) -> Result<TxRow> {
    Ok(TxRow {
        safe_tx_hash: r.try_get("safe_tx_hash")?,
        safe: r.try_get("safe")?,
        to: r.try_get("to_address")?,
        value: r.try_get("value")?,
        data: r.try_get("data")?,
        operation: r.try_get("operation")?,
        safe_tx_gas: r.try_get("safe_tx_gas")?,
        base_gas: r.try_get("base_gas")?,
        gas_price: r.try_get("gas_price")?,
        gas_token: r.try_get("gas_token")?,
        refund_receiver: r.try_get("refund_receiver")?,
        nonce: r.try_get("nonce")?,
        proposer: r.try_get("proposer")?,
        origin: r.try_get("origin")?,
        trusted: r.try_get::<i64, _>("trusted")? != 0,
        created: r.try_get("created")?,
        modified: r.try_get("modified")?,
        executed_tx_hash: r.try_get("executed_tx_hash")?,
        execution_date: r.try_get("execution_date")?,
        block_number: r.try_get("block_number")?,
        is_successful: r.try_get::<Option<i64>, _>("is_successful")?.map(|v| v != 0),
        executor: r.try_get("executor")?,
        payment: r.try_get("payment")?,
    })
}

fn confirmation_row(r: &AnyRow) -> Result<ConfirmationRow> {
    Ok(ConfirmationRow {
        safe_tx_hash: r.try_get("safe_tx_hash")?,
        owner: r.try_get("owner")?,
        signature: r.try_get("signature")?,
        signature_type: r.try_get("signature_type")?,
        created: r.try_get("created")?,
    })
}

/// A `WHERE` clause under construction, with its `$n` parameters (sqlx `Any` passes `$n` to both backends).
#[derive(Default)]
struct Where {
    sql: String,
    texts: Vec<(usize, String)>,
    ints: Vec<(usize, i64)>,
    n: usize,
}

impl Where {
    fn text(&mut self, cond: &str, v: String) {
        self.n += 1;
        self.push(&cond.replace('?', &format!("${}", self.n)));
        self.texts.push((self.n, v));
    }
    fn int(&mut self, cond: &str, v: i64) {
        self.n += 1;
        self.push(&cond.replace('?', &format!("${}", self.n)));
        self.ints.push((self.n, v));
    }
    fn push(&mut self, cond: &str) {
        self.sql.push_str(if self.sql.is_empty() { " WHERE " } else { " AND " });
        self.sql.push_str(cond);
    }
    /// The parameters in `$n` order.
    fn params(&self) -> Vec<Param> {
        let mut out: Vec<(usize, Param)> = self
            .texts
            .iter()
            .map(|(i, v)| (*i, Param::Text(v.clone())))
            .chain(self.ints.iter().map(|(i, v)| (*i, Param::Int(*v))))
            .collect();
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, p)| p).collect()
    }
}

enum Param {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for p in params {
        q = match p {
            Param::Text(v) => q.bind(v),
            Param::Int(v) => q.bind(v),
        };
    }
    q
}

impl Db {
    /// Connects to `url` (`sqlite:PATH`, created if missing, or `postgres://…`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            if path.is_empty() {
                return Err(Error::DatabaseUrl { url: url.to_owned(), reason: "no path".into() });
            }
            let url = if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(Error::DatabaseUrl {
                url: url.to_owned(),
                reason: "unknown scheme".into(),
            });
        };
        let options = |max: u32, writer: bool| {
            AnyPoolOptions::new()
                .max_connections(max)
                // A local SQLite file needs no liveness ping (a round trip to the connection's thread) before
                // each use; a PostgreSQL connection may have been dropped by the server.
                .test_before_acquire(backend == Backend::Postgres)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps every
                            // committed transaction across a crash of the process (the WAL is written before the
                            // commit returns); only an OS crash can lose the last commits.
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = NORMAL",
                                "PRAGMA busy_timeout = 10000",
                                "PRAGMA foreign_keys = ON",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            if writer {
                                // The writer never checkpoints: an automatic checkpoint runs inside the commit
                                // that crosses the threshold and fsyncs the WAL and the database file, which
                                // holds up that commit and every request queued behind it. The checkpointer
                                // connection does it in the background instead (see `checkpointer`).
                                sqlx::query("PRAGMA wal_autocheckpoint = 0")
                                    .execute(&mut *conn)
                                    .await?;
                            }
                        }
                        Ok(())
                    })
                })
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                // One writer: SQLite serialises writes anyway, and a single connection avoids busy waits.
                let write = options(1, true).connect(&url).await?;
                let read = options(4, false).connect(&url).await?;
                let checkpoints = options(1, false).connect(&url).await?;
                tokio::spawn(checkpointer(checkpoints));
                (read, write)
            }
            Backend::Postgres => {
                let pool = options(16, false).connect(&url).await?;
                (pool.clone(), pool)
            }
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(confirmation_writer(write.clone(), rx));
        let db = Self { read, write, backend, confirmations: tx };
        db.migrate().await?;
        Ok(db)
    }

    /// The reader and the writer pool (the same pool on PostgreSQL), for the Safe message storage
    /// (`http::messages`).
    pub(crate) fn pools(&self) -> (&AnyPool, &AnyPool) {
        (&self.read, &self.write)
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The schema version now in the database.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM coffer_schema")
            .fetch_one(&self.read)
            .await?
            .try_get("v")?;
        Ok(v.unwrap_or(0))
    }

    /// Applies the migrations this database lacks, each in its own transaction. On PostgreSQL an advisory lock
    /// makes servers that start together apply them once.
    async fn migrate(&self) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7364827)").execute(&mut *tx).await?;
        }
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS coffer_schema (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, applied TEXT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let current: i64 = sqlx::query("SELECT MAX(version) AS v FROM coffer_schema")
            .fetch_one(&mut *tx)
            .await?
            .try_get::<Option<i64>, _>("v")?
            .unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew { found: current, known: SCHEMA_VERSION });
        }
        for (version, description, statements) in MIGRATIONS {
            if *version <= current {
                continue;
            }
            for statement in *statements {
                sqlx::query(*statement).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO coffer_schema (version, description, applied) VALUES ($1, $2, $3)",
            )
            .bind(*version)
            .bind(*description)
            .bind(crate::clock::now_iso())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that the service knows `safe`.
    pub(crate) async fn remember_safe(&self, safe: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO known_safe (address, created) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING",
        )
        .bind(safe.to_owned())
        .bind(crate::clock::now_iso())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Every Safe the service knows, oldest first.
    pub(crate) async fn known_safes(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT address FROM known_safe ORDER BY created, address")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>("address")?)).collect()
    }

    /// Stores a proposal (if its hash is new) and the given confirmations (those not stored yet), in one
    /// database transaction. An existing untrusted row becomes trusted and takes the new origin.
    pub(crate) async fn propose(
        &self,
        tx: &TxRow,
        confirmations: &[ConfirmationRow],
    ) -> Result<()> {
        let mut dbtx = self.write.begin().await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO multisig_tx ({TX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, NULL, NULL, NULL, NULL, NULL, NULL) ON CONFLICT (safe_tx_hash) DO NOTHING"
        )))
        .bind(tx.safe_tx_hash.clone())
        .bind(tx.safe.clone())
        .bind(tx.to.clone())
        .bind(tx.value.clone())
        .bind(tx.data.clone())
        .bind(tx.operation)
        .bind(tx.safe_tx_gas.clone())
        .bind(tx.base_gas.clone())
        .bind(tx.gas_price.clone())
        .bind(tx.gas_token.clone())
        .bind(tx.refund_receiver.clone())
        .bind(tx.nonce)
        .bind(tx.proposer.clone())
        .bind(tx.origin.clone())
        .bind(i64::from(tx.trusted))
        .bind(tx.created.clone())
        .bind(tx.modified.clone())
        .execute(&mut *dbtx)
        .await?;
        if tx.trusted {
            sqlx::query(
                "UPDATE multisig_tx SET trusted = 1, origin = $2, modified = $3 \
                 WHERE safe_tx_hash = $1 AND trusted = 0",
            )
            .bind(tx.safe_tx_hash.clone())
            .bind(tx.origin.clone())
            .bind(tx.modified.clone())
            .execute(&mut *dbtx)
            .await?;
        }
        for c in confirmations {
            insert_confirmation(&mut dbtx, c).await?;
        }
        sqlx::query(
            "INSERT INTO known_safe (address, created) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING",
        )
        .bind(tx.safe.clone())
        .bind(tx.created.clone())
        .execute(&mut *dbtx)
        .await?;
        dbtx.commit().await?;
        Ok(())
    }

    /// Stores confirmations of an existing transaction (each at most once) and marks it trusted; returns once
    /// they are committed.
    pub(crate) async fn confirm(
        &self,
        confirmations: &[ConfirmationRow],
        mark_trusted: bool,
    ) -> Result<()> {
        if confirmations.len() == 1 && !mark_trusted {
            // The common case: through the group-commit writer, answered once committed.
            let (done, committed) = tokio::sync::oneshot::channel();
            self.confirmations
                .send((confirmations[0].clone(), done))
                .await
                .map_err(|_| Error::Write("the confirmation writer stopped".into()))?;
            return committed
                .await
                .map_err(|_| Error::Write("the confirmation writer stopped".into()))?;
        }
        let mut dbtx = self.write.begin().await?;
        for c in confirmations {
            insert_confirmation(&mut dbtx, c).await?;
        }
        if mark_trusted && let Some(c) = confirmations.first() {
            sqlx::query(
                "UPDATE multisig_tx SET trusted = 1, modified = $2 WHERE safe_tx_hash = $1",
            )
            .bind(c.safe_tx_hash.clone())
            .bind(c.created.clone())
            .execute(&mut *dbtx)
            .await?;
        }
        dbtx.commit().await?;
        Ok(())
    }

    /// One transaction by hash.
    pub(crate) async fn tx(&self, safe_tx_hash: &str) -> Result<Option<TxRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TX_COLUMNS} FROM multisig_tx WHERE safe_tx_hash = $1"
        )))
        .bind(safe_tx_hash.to_owned())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(tx_row).transpose()
    }

    /// Confirmations of the given transactions, oldest first.
    pub(crate) async fn confirmations(&self, hashes: &[String]) -> Result<Vec<ConfirmationRow>> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=hashes.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT safe_tx_hash, owner, signature, signature_type, created FROM confirmation \
             WHERE safe_tx_hash IN ({}) ORDER BY created, owner",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for h in hashes {
            q = q.bind(h.clone());
        }
        q.fetch_all(&self.read).await?.iter().map(confirmation_row).collect()
    }

    /// A page of one transaction's confirmations and the total.
    pub(crate) async fn confirmation_page(
        &self,
        safe_tx_hash: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(u64, Vec<ConfirmationRow>)> {
        let count: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM confirmation WHERE safe_tx_hash = $1")
                .bind(safe_tx_hash.to_owned())
                .fetch_one(&self.read)
                .await?
                .try_get("n")?;
        let rows = sqlx::query(
            "SELECT safe_tx_hash, owner, signature, signature_type, created FROM confirmation \
             WHERE safe_tx_hash = $1 ORDER BY created, owner LIMIT $2 OFFSET $3",
        )
        .bind(safe_tx_hash.to_owned())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.read)
        .await?;
        Ok((count.max(0) as u64, rows.iter().map(confirmation_row).collect::<Result<_>>()?))
    }

    /// A page of a Safe's transactions: (count, distinct nonces, rows).
    pub(crate) async fn list(&self, safe: &str, f: &TxFilter) -> Result<(u64, u64, Vec<TxRow>)> {
        let mut w = Where::default();
        w.text("safe = ?", safe.to_owned());
        match f.executed {
            Some(true) => w.push("executed_tx_hash IS NOT NULL"),
            Some(false) => w.push("executed_tx_hash IS NULL"),
            None => {}
        }
        if let Some(t) = f.trusted {
            w.int("trusted = ?", i64::from(t));
        }
        match f.has_confirmations {
            Some(true) => w.push(
                "EXISTS (SELECT 1 FROM confirmation c WHERE c.safe_tx_hash = multisig_tx.safe_tx_hash)",
            ),
            Some(false) => w.push(
                "NOT EXISTS (SELECT 1 FROM confirmation c WHERE c.safe_tx_hash = multisig_tx.safe_tx_hash)",
            ),
            None => {}
        }
        for (cond, v) in [
            ("nonce = ?", f.nonce_eq),
            ("nonce < ?", f.nonce_lt),
            ("nonce > ?", f.nonce_gt),
            ("nonce <= ?", f.nonce_lte),
            ("nonce >= ?", f.nonce_gte),
        ] {
            if let Some(v) = v {
                w.int(cond, v);
            }
        }
        if let Some(h) = &f.safe_tx_hash {
            w.text("safe_tx_hash = ?", h.clone());
        }
        if let Some(to) = &f.to {
            w.text("to_address = ?", to.clone());
        }
        let counts = bind_all(
            sqlx::query(AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n, COUNT(DISTINCT nonce) AS u FROM multisig_tx{}",
                w.sql
            ))),
            w.params(),
        )
        .fetch_one(&self.read)
        .await?;
        let count: i64 = counts.try_get("n")?;
        let unique: i64 = counts.try_get("u")?;
        let order: Vec<String> = f
            .ordering
            .iter()
            .map(|(col, desc)| format!("{col}{}", if *desc { " DESC" } else { "" }))
            .chain(["safe_tx_hash".to_owned()])
            .collect();
        let n = w.n;
        let sql = format!(
            "SELECT {TX_COLUMNS} FROM multisig_tx{} ORDER BY {} LIMIT ${} OFFSET ${}",
            w.sql,
            order.join(", "),
            n + 1,
            n + 2
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), w.params())
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.read)
            .await?;
        Ok((
            count.max(0) as u64,
            unique.max(0) as u64,
            rows.iter().map(tx_row).collect::<Result<_>>()?,
        ))
    }

    /// Hashes of the Safe's unexecuted transactions with a nonce below `nonce` (the chain has moved past them).
    pub(crate) async fn stale_pending(&self, safe: &str, nonce: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT safe_tx_hash FROM multisig_tx WHERE safe = $1 AND executed_tx_hash IS NULL AND nonce < $2",
        )
        .bind(safe.to_owned())
        .bind(nonce)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>("safe_tx_hash")?)).collect()
    }

    /// Records the execution of a transaction (once; a second recording changes nothing).
    pub(crate) async fn record_execution(
        &self,
        safe_tx_hash: &str,
        e: &ExecutionRow,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE multisig_tx SET executed_tx_hash = $2, execution_date = $3, block_number = $4, \
             is_successful = $5, executor = $6, payment = $7, modified = $3 \
             WHERE safe_tx_hash = $1 AND executed_tx_hash IS NULL",
        )
        .bind(safe_tx_hash.to_owned())
        .bind(e.tx_hash.clone())
        .bind(e.date.clone())
        .bind(e.block_number)
        .bind(i64::from(e.success))
        .bind(e.executor.clone())
        .bind(e.payment.clone())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Counts (transactions, confirmations) stored: for tests and the benchmark's checks.
    pub async fn counts(&self) -> Result<(u64, u64)> {
        let t: i64 = sqlx::query("SELECT COUNT(*) AS n FROM multisig_tx")
            .fetch_one(&self.read)
            .await?
            .try_get("n")?;
        let c: i64 = sqlx::query("SELECT COUNT(*) AS n FROM confirmation")
            .fetch_one(&self.read)
            .await?
            .try_get("n")?;
        Ok((t.max(0) as u64, c.max(0) as u64))
    }
}

const INSERT_CONFIRMATION: &str = "INSERT INTO confirmation (safe_tx_hash, owner, signature, signature_type, created) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (safe_tx_hash, owner) DO NOTHING";

async fn insert_confirmation(
    dbtx: &mut sqlx::Transaction<'static, sqlx::Any>,
    c: &ConfirmationRow,
) -> Result<u64> {
    Ok(sqlx::query(INSERT_CONFIRMATION)
        .bind(c.safe_tx_hash.clone())
        .bind(c.owner.clone())
        .bind(c.signature.clone())
        .bind(c.signature_type.clone())
        .bind(c.created.clone())
        .execute(&mut **dbtx)
        .await?
        .rows_affected())
}
