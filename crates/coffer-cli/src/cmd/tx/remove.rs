//! `coffer tx remove HASH`: drop a proposal and its signatures from the local store.

use clap::Args;
use serde_json::json;

use crate::{opts::StoreOpts, output::print_json};

/// Arguments of `coffer tx remove`.
#[derive(Debug, Args)]
pub(crate) struct RemoveArgs {
    /// The safeTxHash (or a unique prefix of it).
    hash: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreOpts,
}

impl RemoveArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let store = self.store.open()?;
        let hash = store.resolve(&self.hash)?;
        store.remove_proposal(hash)?;
        if self.json {
            return print_json(&json!({ "removed": hash }));
        }
        println!("{hash}");
        eprintln!("removed {hash} and its signatures from {}", store.path().display());
        Ok(())
    }
}
