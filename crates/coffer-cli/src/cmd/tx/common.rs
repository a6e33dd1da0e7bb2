//! What several `coffer tx` commands share: the owner snapshot kept with a proposal, chain and
//! delegatecall checks, and how a proposal is shown.

use alloy::primitives::Address;
use coffer_chain::{OwnerSnapshot, SafeInfo};
use coffer_core::{
    DecodedCall, Operation, SafeSignature, SafeTx, SafeTxContext, decode_call, domain_separator,
};
use coffer_store::{Proposal, ProposalMeta, ProposalStatus, signature_kind_name};
use serde_json::{Value, json};

use crate::{
    exit::bad_input,
    opts::known_delegatecall_targets,
    output::{Fields, device_hex},
};

/// What `origin` coffer's own proposals carry.
pub(crate) const ORIGIN: &str = "coffer-cli";

/// The `extra` metadata kept with a proposal: the owners and threshold when it was proposed, so a
/// signer without RPC (an offline bundle) can tell an owner from a stranger, and execution can
/// tell "the owners changed" from "too few signatures".
pub(crate) fn snapshot_extra(info: &SafeInfo) -> Value {
    json!({ "proposedAgainst": { "owners": info.owners, "threshold": info.threshold } })
}

/// The snapshot kept by [`snapshot_extra`], if the proposal has one.
pub(crate) fn snapshot_of(meta: Option<&ProposalMeta>) -> Option<OwnerSnapshot> {
    let v = meta?.extra.as_ref()?.get("proposedAgainst")?;
    let owners: Vec<Address> = serde_json::from_value(v.get("owners")?.clone()).ok()?;
    let threshold = v.get("threshold")?.as_u64()?;
    Some(OwnerSnapshot { owners, threshold })
}

/// Refuses to work on a proposal for another chain than the RPC node's.
pub(crate) fn check_chain(expected: u64, actual: u64) -> eyre::Result<()> {
    if expected != actual {
        return Err(coffer_chain::Error::ChainIdMismatch { expected, actual }.into());
    }
    Ok(())
}

/// Refuses a DELEGATECALL to anything but a known MultiSendCallOnly or SignMessageLib unless the
/// user allowed it explicitly.
pub(crate) fn check_delegatecall(tx: &SafeTx, allowed: bool) -> eyre::Result<()> {
    if tx.operation != Operation::DelegateCall || allowed {
        return Ok(());
    }
    if known_delegatecall_targets().iter().any(|(a, _)| *a == tx.to) {
        return Ok(());
    }
    Err(bad_input(format!(
        "refusing a DELEGATECALL to {}: it is not a known MultiSendCallOnly or SignMessageLib, and a \
         delegatecall runs the target's code with the Safe's storage and funds. Pass \
         --allow-delegatecall only if you have audited that contract",
        tx.to
    )))
}

/// The decoded action as text, with at most `max_entries` batch entries listed.
pub(crate) fn action_text(action: &DecodedCall, max_entries: usize) -> String {
    let text = action.to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max_entries.saturating_add(1) {
        return text;
    }
    let mut out = lines[..=max_entries].join("\n");
    out.push_str(&format!(
        "\n  … and {} more (see `coffer tx show`)",
        lines.len() - 1 - max_entries
    ));
    out
}

/// The risk flags as text: `none found` or the list.
pub(crate) fn risks_text(action: &DecodedCall) -> String {
    let risks = action.all_risks();
    if risks.is_empty() {
        "none found".to_owned()
    } else {
        risks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// Adds the transaction and its three hashes (domain and message hash as devices show them).
pub(crate) fn add_tx_fields(f: &mut Fields, ctx: &SafeTxContext, tx: &SafeTx, max_entries: usize) {
    let action = decode_call(tx.to, tx.value, &tx.data, tx.operation);
    f.add("chain", ctx.chain_id)
        .add("safe", format!("{} (version {})", ctx.safe, ctx.version))
        .add("nonce", tx.nonce)
        .add("to", tx.to)
        .add("value", format!("{} wei", tx.value))
        .add("operation", tx.operation)
        .add("data", format!("{} bytes", tx.data.len()))
        .add("action", action_text(&action, max_entries))
        .add("risks", risks_text(&action));
    if tx.operation == Operation::DelegateCall
        && let Some((_, name)) = known_delegatecall_targets().into_iter().find(|(a, _)| *a == tx.to)
    {
        f.add("", format!("(the delegatecall goes to {name}, a known library)"));
    }
    if !(tx.safe_tx_gas.is_zero() && tx.base_gas.is_zero() && tx.gas_price.is_zero()) {
        f.add(
            "refund",
            format!(
                "safeTxGas {} baseGas {} gasPrice {} gasToken {} refundReceiver {}",
                tx.safe_tx_gas, tx.base_gas, tx.gas_price, tx.gas_token, tx.refund_receiver
            ),
        );
    }
    f.add("domain hash", device_hex(&domain_separator(ctx)))
        .add("message hash", device_hex(&tx.struct_hash()))
        .add("safeTxHash", tx.safe_tx_hash(ctx));
}

/// The JSON of a transaction with its context, decoded action and hashes.
pub(crate) fn tx_json(ctx: &SafeTxContext, tx: &SafeTx) -> Value {
    let action = decode_call(tx.to, tx.value, &tx.data, tx.operation);
    json!({
        "safeTxHash": tx.safe_tx_hash(ctx),
        "domainHash": domain_separator(ctx),
        "messageHash": tx.struct_hash(),
        "chainId": ctx.chain_id,
        "safe": ctx.safe,
        "version": ctx.version,
        "tx": tx,
        "action": action.to_string(),
        "risks": action.all_risks().iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// The JSON of one signature.
pub(crate) fn signature_json(sig: &SafeSignature) -> Value {
    json!({
        "owner": sig.owner,
        "kind": signature_kind_name(&sig.kind),
        "signature": sig.to_bytes(),
    })
}

/// `pending` or `executed`, with the transaction.
pub(crate) fn status_json(p: &Proposal) -> Value {
    match p.status {
        ProposalStatus::Pending => json!({ "state": "pending" }),
        ProposalStatus::Executed { tx_hash, .. } => {
            json!({ "state": "executed", "txHash": tx_hash })
        }
    }
}
