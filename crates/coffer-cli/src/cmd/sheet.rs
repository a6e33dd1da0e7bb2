//! `coffer safe sheet` (the recovery sheet: JSON, Markdown or PDF) and `coffer safe rebuild`
//! (re-create the Safe at the same address on another chain from the sheet alone). The work is
//! in `coffer_chain::sheet` and `coffer_chain::sheet_render`.

use std::path::{Path, PathBuf};

use clap::Args;
use coffer_chain::{
    sheet::{OwnersFile, RecoverySheet, plan_rebuild, read_sheet, rebuild_safe},
    sheet_render::{render_markdown, render_pdf},
};
use coffer_signer::WalletOpts;
use serde_json::json;

use crate::{
    exit::bad_input,
    opts::{RpcOpts, sending_key},
    output::write_atomic,
    output::{print_json, with_spinner},
    parse,
};

/// Arguments of `coffer safe sheet`.
#[derive(Debug, Args)]
pub(crate) struct SheetArgs {
    /// The Safe's address.
    safe: String,
    /// Write the sheet to this file; its extension picks the format: `.pdf` (printable, with a QR
    /// code of the JSON), `.md` or `.json`. Without it, the JSON goes to stdout.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// The team's owners file (JSON: `{"owners": [{"address", "label", "kind", "path"}]}`, see
    /// docs/recovery-sheet.md); it must never hold a seed phrase.
    #[arg(long, value_name = "FILE")]
    owners_file: Option<PathBuf>,
    #[command(flatten)]
    rpc: RpcOpts,
}

/// Arguments of `coffer safe rebuild`.
#[derive(Debug, Args)]
pub(crate) struct RebuildArgs {
    /// The sheet's JSON (`coffer safe sheet -o sheet.json`, or the PDF's QR code).
    #[arg(long, value_name = "FILE")]
    sheet: PathBuf,
    /// Only check that the Safe can be re-created here, at the same address; send nothing.
    #[arg(long)]
    check: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

/// The output format, from the file's extension.
enum Format {
    Json,
    Markdown,
    Pdf,
}

fn format_of(path: &Path) -> eyre::Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("json") => Ok(Format::Json),
        Some("md") => Ok(Format::Markdown),
        Some("pdf") => Ok(Format::Pdf),
        _ => Err(bad_input(format!(
            "-o {}: the extension must be .pdf, .md or .json (it picks the format)",
            path.display()
        ))),
    }
}

fn read_text(flag: &str, path: &Path) -> eyre::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("{flag} {}: cannot read it: {e}", path.display())))
}

impl SheetArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let format = self.out.as_deref().map(format_of).transpose()?;
        let owners = match &self.owners_file {
            Some(p) => Some(OwnersFile::parse(&read_text("--owners-file", p)?)?),
            None => None,
        };
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let sheet = read_sheet(&provider, safe, owners.as_ref()).await?;
        let (Some(path), Some(format)) = (&self.out, format) else {
            println!("{}", sheet.to_pretty_json());
            return Ok(());
        };
        let bytes = match format {
            Format::Json => sheet.to_pretty_json().into_bytes(),
            Format::Markdown => render_markdown(&sheet).into_bytes(),
            Format::Pdf => render_pdf(&sheet)?,
        };
        write_atomic(path, &bytes)?;
        println!("{}", path.display());
        eprintln!(
            "recovery sheet of {} (chain {}, {}-of-{}) written; no seed phrase is on it",
            sheet.safe,
            sheet.chain_id,
            sheet.threshold,
            sheet.owners.len()
        );
        Ok(())
    }
}

impl RebuildArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let sheet = RecoverySheet::parse(&read_text("--sheet", &self.sheet)?)?;
        let summary = |tx: Option<String>, chain_id: u64| {
            json!({
                "address": sheet.safe,
                "chainId": chain_id,
                "originalChainId": sheet.chain_id,
                "owners": sheet.creation.initial_owners,
                "threshold": sheet.creation.initial_threshold,
                "factory": sheet.creation.factory,
                "singleton": sheet.creation.singleton,
                "saltNonce": sheet.creation.salt_nonce,
                "txHash": tx,
                "changedSinceCreation": sheet.changed_since_creation(),
            })
        };
        if self.check {
            let provider = self.rpc.provider()?;
            let plan = plan_rebuild(&provider, &sheet).await?;
            if self.json {
                let mut v = summary(None, plan.chain_id);
                v["deployed"] = json!(plan.exists);
                return print_json(&v);
            }
            println!("{}", plan.address);
            eprintln!(
                "chain {}: the factory gives {} ({}); nothing was sent",
                plan.chain_id,
                plan.address,
                if plan.exists { "a Safe already exists there" } else { "not deployed yet" }
            );
            return Ok(());
        }
        let signer = self.wallet.signer().await?;
        let key = sending_key(&signer)?;
        let from = key.address();
        let provider = self.rpc.signing_provider(key)?;
        let rebuilt = with_spinner(
            "re-creating the Safe, waiting for the receipt",
            rebuild_safe(&provider, from, &sheet),
        )
        .await?;
        if self.json {
            return print_json(&summary(Some(rebuilt.tx_hash.to_string()), rebuilt.plan.chain_id));
        }
        println!("{}", rebuilt.plan.address);
        eprintln!(
            "re-created the Safe {} on chain {} in transaction {}: the same address as on chain {}; owners, threshold and singleton verified",
            rebuilt.plan.address, rebuilt.plan.chain_id, rebuilt.tx_hash, sheet.chain_id
        );
        if sheet.changed_since_creation() {
            eprintln!(
                "note: the owners or threshold changed on chain {} since creation; replay those changes here (see the sheet)",
                sheet.chain_id
            );
        }
        Ok(())
    }
}
