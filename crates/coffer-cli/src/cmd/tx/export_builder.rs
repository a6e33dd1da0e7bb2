//! `coffer tx export-builder HASH [-o FILE]`: a proposal as a Safe{Wallet} Transaction Builder
//! file, with a valid checksum. Importing it back (`tx propose SAFE batch --tx-builder FILE`)
//! gives the same calldata.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use clap::Args;
use coffer_core::{MULTISEND_SELECTOR, MultiSendBatch, MultiSendEntry, Operation, TxBuilderBatch};
use serde_json::json;

use crate::{exit::bad_input, opts::StoreOpts, output::print_json};

/// Arguments of `coffer tx export-builder`.
#[derive(Debug, Args)]
pub(crate) struct ExportBuilderArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// The file to write (default: stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print JSON (the file's path and checksum) instead of the path.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreOpts,
}

impl ExportBuilderArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let hash = store.resolve(&self.hash)?;
        let p = store.proposal(hash)?;
        let tx = &p.tx;
        let entries = match tx.operation {
            Operation::Call => vec![MultiSendEntry::call(tx.to, tx.value, tx.data.clone())],
            Operation::DelegateCall if tx.data.starts_with(&MULTISEND_SELECTOR) => {
                MultiSendBatch::decode_call(&tx.data)?.entries
            }
            Operation::DelegateCall => {
                return Err(bad_input(format!(
                    "{hash} is a DELEGATECALL to {}, which the Transaction Builder format cannot express",
                    tx.to
                )));
            }
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let name = p.meta.label.clone().unwrap_or_else(|| format!("coffer {hash:#x}"));
        let batch = TxBuilderBatch::from_entries(
            p.ctx.chain_id,
            Some(p.ctx.safe),
            &name,
            &format!("exported by coffer from safeTxHash {hash:#x} (nonce {})", tx.nonce),
            now,
            &entries,
        )?;
        let checksum = batch.checksum()?;
        let text = batch.to_json()?;
        match &self.output {
            None => {
                println!("{text}");
                return Ok(());
            }
            Some(path) => {
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, format!("{text}\n"))
                    .and_then(|()| std::fs::rename(&tmp, path))
                    .map_err(|e| eyre::eyre!("cannot write {}: {e}", path.display()))?;
            }
        }
        let path = self.output.unwrap_or_default();
        if self.json {
            return print_json(&json!({
                "file": path,
                "safeTxHash": hash,
                "transactions": entries.len(),
                "checksum": checksum,
            }));
        }
        println!("{}", path.display());
        eprintln!(
            "wrote {} transaction(s) of {hash} as a Transaction Builder file (checksum {checksum})",
            entries.len()
        );
        Ok(())
    }
}
