//! `coffer store salvage FILE`: the way out of a damaged store. Every proposal and signature that can still be
//! read from FILE is copied into the store of `--data-dir` (each checked again: safeTxHash from the fields,
//! signatures verified); what was lost is listed. The chain is the truth for executions: `tx show` / `tx list`
//! heal the statuses afterwards.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::{exit::bad_input, opts::StoreOpts, output::print_json};

/// `coffer store …`: the local store itself.
#[derive(Debug, Subcommand)]
pub(crate) enum StoreCmd {
    /// Copy what can still be read from a damaged store file into the store (a new one when the data
    /// directory has none): move the damaged `coffer.sqlite3` aside first.
    Salvage(SalvageArgs),
}

/// Arguments of `coffer store salvage`.
#[derive(Debug, Args)]
pub(crate) struct SalvageArgs {
    /// The damaged store file (moved aside, e.g. `coffer.sqlite3.damaged`).
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreOpts,
}

impl StoreCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Salvage(args) => args.run(),
        }
    }
}

impl SalvageArgs {
    fn run(self) -> eyre::Result<()> {
        if !self.file.is_file() {
            return Err(bad_input(format!("{} is not a file", self.file.display())));
        }
        let store = self.store.open()?;
        if store.path().canonicalize().ok() == self.file.canonicalize().ok() {
            return Err(bad_input(format!(
                "{} is the store itself: move the damaged file aside first",
                self.file.display()
            )));
        }
        let report = store.salvage(&self.file)?;
        if self.json {
            return print_json(&json!({
                "store": store.path(),
                "proposals": report.proposals,
                "signatures": report.signatures,
                "lost": report.lost,
            }));
        }
        eprintln!(
            "copied {} proposal(s) and {} signature(s) into {}",
            report.proposals.len(),
            report.signatures,
            store.path().display()
        );
        for l in &report.lost {
            eprintln!("lost: {l}");
        }
        if !report.lost.is_empty() {
            eprintln!(
                "what was lost can be imported again from bundles (`coffer tx import`) or a Transaction Service (`coffer tx sync`)"
            );
        }
        Ok(())
    }
}
