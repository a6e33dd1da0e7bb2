//! `coffer payout split`: split a total pro rata over contributor shares (a mining-pool or grant
//! payout) into a CSV Airdrop file, or straight into proposals.

use std::path::PathBuf;

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand};
use coffer_chain::read_safe;
use coffer_core::{PayoutRow, format_units, parse_units, split_pro_rata};

mod plan;

use crate::{
    batch::{self, BatchRequest, Source},
    exit::bad_input,
    opts::{RpcOpts, StoreOpts, SuiteOpts},
    parse,
};

/// `coffer payout …`
#[derive(Debug, Subcommand)]
pub(crate) enum PayoutCmd {
    /// Split a total over shares, exactly (the parts sum to the total to the last base unit).
    Split(Box<SplitArgs>),
    /// Payout plans: one approval Safe tx for any number of payouts (`plan`, `enable-module`,
    /// `run`, `status`).
    #[command(flatten)]
    Plans(plan::PlanCmd),
}

impl PayoutCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Split(a) => a.run().await,
            Self::Plans(c) => c.run().await,
        }
    }
}

/// Arguments of `coffer payout split`.
#[derive(Debug, Args)]
pub(crate) struct SplitArgs {
    /// The total to split, in token units (e.g. 1000 or 12.5).
    #[arg(long, allow_hyphen_values = true)]
    total: String,
    /// The ERC-20 token (its decimals are read on chain). Without it, the total is ETH.
    #[arg(long)]
    token: Option<String>,
    /// The shares: a CSV file with columns `address` (or `receiver`) and `shares` (non-negative
    /// decimal numbers; only their proportions matter).
    #[arg(long, value_name = "FILE")]
    shares: PathBuf,
    /// Write the payouts as a CSV Airdrop file here (default: stdout, unless --propose).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Propose the payouts to this Safe right away (chunked like `tx propose SAFE batch`).
    #[arg(long, value_name = "SAFE")]
    propose: Option<String>,
    /// With --propose: the most gas one Safe transaction may use.
    #[arg(long, requires = "propose")]
    max_gas: Option<String>,
    /// With --propose: print the plan and store nothing.
    #[arg(long, requires = "propose")]
    dry_run: bool,
    /// With --propose: a label for the proposals.
    #[arg(long, requires = "propose")]
    label: Option<String>,
    /// Print JSON (with --propose).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    suite: SuiteOpts,
}

/// Reads `address,shares` rows; errors name the line.
fn read_shares(path: &PathBuf) -> eyre::Result<Vec<(usize, Address, U256)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("cannot read the shares file {}: {e}", path.display())))?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad_input(format!("{}: unreadable header: {e}", path.display())))?
        .clone();
    let col = |names: &[&str]| {
        headers.iter().position(|h| names.contains(&h.to_ascii_lowercase().as_str()))
    };
    let (Some(a), Some(s)) = (col(&["address", "receiver"]), col(&["shares", "share"])) else {
        return Err(bad_input(format!(
            "{}: the header must name the columns `address` and `shares` (found {:?})",
            path.display(),
            headers.iter().collect::<Vec<_>>()
        )));
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line =
            record.as_ref().ok().and_then(|r| r.position()).map_or(i + 2, |p| p.line() as usize);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let addr =
            parse::address(&format!("line {line}, address"), record.get(a).unwrap_or_default());
        let share = parse_units(record.get(s).unwrap_or_default(), 18)
            .map_err(|e| format!("line {line}, shares: {e}"));
        match (addr, share) {
            (Ok(addr), Ok(share)) => out.push((line, addr, share)),
            (Err(e), _) => errors.push(e.to_string()),
            (_, Err(e)) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(bad_input(format!(
            "{} has bad rows:\n  {}",
            path.display(),
            errors.join("\n  ")
        )));
    }
    if out.is_empty() {
        return Err(bad_input(format!("{} has no share rows", path.display())));
    }
    Ok(out)
}

impl SplitArgs {
    async fn run(self) -> eyre::Result<()> {
        let shares = read_shares(&self.shares)?;
        let token = self.token.as_deref().map(|t| parse::address("--token", t)).transpose()?;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        let decimals = match token {
            Some(t) => batch::decimals(&provider, t).await?,
            None => 18,
        };
        let total =
            parse_units(&self.total, decimals).map_err(|e| bad_input(format!("--total: {e}")))?;
        if total.is_zero() {
            return Err(bad_input("--total: zero; give a positive amount"));
        }
        let parts =
            split_pro_rata(total, &shares.iter().map(|(_, a, s)| (*a, *s)).collect::<Vec<_>>())?;
        let sum = parts.iter().fold(U256::ZERO, |a, (_, p)| a + *p);
        if sum != total {
            return Err(eyre::eyre!("internal: the parts sum to {sum}, not {total}"));
        }
        let mut rows = Vec::new();
        for ((line, _, _), (receiver, part)) in shares.iter().zip(&parts) {
            if part.is_zero() {
                eprintln!("note: {receiver} (line {line}) gets nothing: its share rounds to zero");
                continue;
            }
            rows.push(PayoutRow {
                line: *line,
                token,
                receiver: *receiver,
                amount: format_units(*part, decimals),
            });
        }
        eprintln!(
            "split {} over {} shares into {} payouts; they sum to the total exactly",
            format_units(total, decimals),
            shares.len(),
            rows.len()
        );
        let mut csv = String::from("token_type,token_address,receiver,amount,id\n");
        for r in &rows {
            let (kind, t) = match r.token {
                Some(t) => ("erc20", t.to_checksum(None)),
                None => ("native", String::new()),
            };
            csv.push_str(&format!("{kind},{t},{},{},\n", r.receiver.to_checksum(None), r.amount));
        }
        match (&self.output, &self.propose) {
            (Some(path), _) => {
                std::fs::write(path, &csv)
                    .map_err(|e| eyre::eyre!("cannot write {}: {e}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            (None, None) => print!("{csv}"),
            (None, Some(_)) => {}
        }
        let Some(safe) = &self.propose else { return Ok(()) };
        let safe = parse::address("--propose", safe)?;
        let store = self.store.open()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let nonce = store.next_nonce(chain_id, safe, info.nonce)?;
        let libs = self.suite.for_safe(&provider, safe).await?;
        let source = self.shares.file_name().map_or_else(
            || self.shares.display().to_string(),
            |n| format!("split of {}", n.to_string_lossy()),
        );
        let req = BatchRequest {
            source: Source::Rows(rows, source),
            max_gas: self.max_gas.as_deref(),
            dry_run: self.dry_run,
            label: self.label.as_deref(),
            json: self.json,
            publish: None,
        };
        batch::run(&provider, &store, &libs, &info, &ctx, nonce, req).await
    }
}
