//! Offline files for Safe messages (`coffer-message/1`, `coffer_chain::message_file`):
//! `message export HASH -o FILE` (from the store), `message sign --bundle FILE [--offline]` (an
//! air-gapped owner: no node, no store; the message and its hash recomputed from the file and
//! shown, the signature appended atomically), `message import FILE` (online: the hash recomputed,
//! each signer checked to be a current owner on chain, the valid signatures stored, the others
//! named and refused).

use std::path::{Path, PathBuf};

use clap::Args;
use coffer_chain::{message_file::MessageFile, read_safe};
use coffer_core::SignatureKind;
use coffer_signer::{SigningMode, StderrPreview, WalletOpts, sign_safe_message};
use coffer_store::signature_kind_name;
use serde_json::json;

use crate::{
    exit::bad_input,
    opts::{RpcOpts, StoreOpts},
    output::{print_json, write_atomic},
    view::message::message_fields,
};

/// Reads and checks a message file for signing; exit 2 when it cannot be read or does not check.
fn read_file(path: &Path, strict: bool) -> eyre::Result<MessageFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad_input(format!("message file {}: cannot read it ({e})", path.display())))?;
    Ok(if strict { MessageFile::from_json(&text)? } else { MessageFile::parse(&text)? })
}

/// Arguments of `coffer message export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The Safe message hash of a stored message.
    hash: String,
    /// The message file to write (refused if it exists, unless --force).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// Replace FILE if it exists (atomically).
    #[arg(long)]
    force: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreOpts,
}

impl ExportArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let hash = super::parse_hash(&self.hash)?;
        let store = self.store.open()?;
        let m = store.message(hash)?;
        let mut file = MessageFile::new(&m.ctx, &m.content)?;
        let mut left_out = 0usize;
        for sig in store.message_signatures(hash)? {
            if matches!(sig.kind, SignatureKind::Eip712 { .. } | SignatureKind::EthSign { .. }) {
                file.add_signature(&sig, None, None)?;
            } else {
                left_out += 1;
                eprintln!(
                    "note: the {} signature by {} stays in the store: it cannot be checked offline",
                    signature_kind_name(&sig.kind),
                    sig.owner
                );
            }
        }
        if self.output.exists() && !self.force {
            return Err(bad_input(format!(
                "{} exists; choose another file or pass --force to replace it",
                self.output.display()
            )));
        }
        write_atomic(&self.output, file.to_json()?.as_bytes())?;
        if self.json {
            return print_json(&json!({
                "file": self.output,
                "safe": m.ctx.safe,
                "chainId": m.ctx.chain_id,
                "safeMessageHash": hash,
                "signatures": file.signatures.len(),
                "leftOut": left_out,
            }));
        }
        println!("{}", self.output.display());
        eprintln!(
            "wrote the Safe message {hash} with {} signature(s) to {}; sign it offline with `coffer message sign --bundle {}`",
            file.signatures.len(),
            self.output.display(),
            self.output.display()
        );
        Ok(())
    }
}

/// `message sign --bundle FILE`: nothing touches the chain or the store. The message comes from the
/// file, is recomputed and shown, signed through `sign_safe_message`, and appended to the file.
pub(crate) async fn sign_offline(
    safe: Option<String>,
    input: PathBuf,
    output: Option<PathBuf>,
    wallet: &WalletOpts,
    eth_sign: bool,
    json_out: bool,
) -> eyre::Result<()> {
    let mut file = read_file(&input, true)?;
    let ctx = file.ctx;
    if let Some(s) = safe {
        let safe = crate::parse::address("SAFE", &s)?;
        if safe != ctx.safe {
            return Err(bad_input(format!(
                "the message file is for Safe {}, not {safe}",
                ctx.safe
            )));
        }
    }
    let content = file.content()?;
    let signer = wallet.signer().await?;
    let me = signer.address();
    if file.signatures.iter().any(|s| s.owner == me) {
        return Err(bad_input(format!(
            "{me} has already signed the Safe message {} in {}; a Safe counts each owner once",
            file.safe_message_hash,
            input.display()
        )));
    }
    eprintln!("Safe message (recomputed from the file's message, Safe and chain):");
    eprint!("{}", message_fields(&ctx, &content)?.render());
    eprintln!(
        "offline: not checked against the chain: whether {me} is an owner of {}, its threshold, and that chain {} and version {} are the Safe's (`message import` checks them)",
        ctx.safe, ctx.chain_id, ctx.version
    );
    let mode = if eth_sign { SigningMode::EthSign } else { SigningMode::Eip712 };
    let sig = sign_safe_message(&signer, &ctx, &content, mode, &mut StderrPreview).await?;
    let kind = signer.kind().to_string();
    file.add_signature(&sig, Some(kind.clone()), signer.derivation_path())?;
    let out = output.unwrap_or(input);
    write_atomic(&out, file.to_json()?.as_bytes())?;
    if json_out {
        return print_json(&json!({
            "safe": ctx.safe,
            "chainId": ctx.chain_id,
            "safeMessageHash": file.safe_message_hash,
            "owner": me,
            "signerKind": kind,
            "signature": sig.to_bytes(),
            "signatures": file.signatures.len(),
            "file": out,
            "offline": true,
        }));
    }
    println!("{}", sig.to_bytes());
    eprintln!(
        "{me} ({kind}) signed the Safe message {} into {} ({} signature(s) in the file); carry it back and run `coffer message import {}`",
        file.safe_message_hash,
        out.display(),
        file.signatures.len(),
        out.display()
    );
    Ok(())
}

/// Arguments of `coffer message import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The message file (from `coffer message export`, signed with `coffer message sign --bundle`).
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

impl ImportArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let file = read_file(&self.file, false)?;
        let safe = file.ctx.safe;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        if chain_id != file.ctx.chain_id {
            return Err(bad_input(format!(
                "the message file is for chain {}, but the node is on chain {chain_id}; import it against a node of chain {}",
                file.ctx.chain_id, file.ctx.chain_id
            )));
        }
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        if ctx != file.ctx {
            return Err(bad_input(format!(
                "the message file is for Safe {safe} version {}, but the chain says version {}",
                file.ctx.version, ctx.version
            )));
        }
        // Recomputed here from the file's message and the chain's context, not taken from the file.
        let content = file.content()?;
        let (checked, mut refused) = file.sorted_signatures()?;
        let mut valid = Vec::new();
        for sig in checked {
            if info.is_owner(sig.owner) {
                valid.push(sig);
            } else {
                refused.push((sig.owner, format!("{} is not an owner of Safe {safe}", sig.owner)));
            }
        }
        for (owner, why) in &refused {
            eprintln!("refused: the signature by {owner}: {why}");
        }
        if valid.is_empty() {
            return Err(bad_input(format!(
                "no valid owner signature in {}: nothing imported",
                self.file.display()
            )));
        }
        let store = self.store.open()?;
        let hash = store.insert_message(&ctx, &content)?;
        let mut added = Vec::new();
        for sig in &valid {
            match store.add_message_signature(hash, sig) {
                Ok(()) => added.push(sig.owner),
                Err(coffer_store::Error::DuplicateSignature { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let total = store.message_signatures(hash)?.len();
        if self.json {
            return print_json(&json!({
                "safe": safe,
                "chainId": ctx.chain_id,
                "safeMessageHash": hash,
                "imported": added,
                "valid": valid.iter().map(|s| s.owner).collect::<Vec<_>>(),
                "refused": refused.iter().map(|(o, why)| json!({ "owner": o, "reason": why })).collect::<Vec<_>>(),
                "signatures": total,
                "threshold": info.threshold,
            }));
        }
        println!("{hash}");
        eprintln!(
            "imported {} new signature(s) of the Safe message {hash} ({} refused): {total} signature(s) of {} required",
            added.len(),
            refused.len(),
            info.threshold
        );
        Ok(())
    }
}
