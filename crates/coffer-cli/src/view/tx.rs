//! How a Safe transaction is shown, for every command that proposes, signs, approves or executes
//! one: its fields and hashes, the signing gate's findings (and the preview sinks that put them
//! before the signer's own preview), the JSON shapes of a proposal, a signature and a status.

use std::io::Write;

use coffer_chain::gate::{Review, known_library};
use coffer_core::{
    DecodedCall, Operation, SafeSignature, SafeTx, SafeTxContext, decode_call, domain_separator,
};
use coffer_signer::{PreviewSink, SigningPreview, StderrPreview};
use coffer_store::{Proposal, ProposalStatus, signature_kind_name};
use serde_json::{Value, json};

use crate::output::{Fields, device_hex};

/// Adds the signing gate's findings (delegatecall targets and their code check, messages the
/// Safe signs, what could not be checked offline).
pub(crate) fn add_review_fields(f: &mut Fields, review: &Review) {
    for (label, text) in review.lines() {
        f.add(label, text);
    }
}

/// The full preview of a transaction as the gate reviewed it: the fields of [`add_tx_fields`]
/// followed by the gate's findings.
pub(crate) fn review_text(review: &Review, tx: &SafeTx, max_entries: usize) -> String {
    let mut f = Fields::default();
    add_tx_fields(&mut f, &review.ctx, tx, max_entries);
    add_review_fields(&mut f, review);
    f.render()
}

/// A preview sink that writes the signing gate's findings to stderr and then hands the signer's
/// preview to [`StderrPreview`] (whatever it adds, such as a device prompt, stays last), so both
/// are on screen before a key or device is asked.
pub(crate) struct GatedPreview<'a>(pub(crate) &'a Review);

impl PreviewSink for GatedPreview<'_> {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        let mut f = Fields::default();
        add_review_fields(&mut f, self.0);
        let findings = f.render();
        if !findings.is_empty() {
            let mut err = std::io::stderr().lock();
            writeln!(err, "Checked by coffer's signing gate:")?;
            write!(err, "{findings}")?;
            err.flush()?;
        }
        StderrPreview.show(preview)
    }

    fn waiting(&mut self, prompt: &coffer_signer::DevicePrompt) -> std::io::Result<()> {
        StderrPreview.waiting(prompt)
    }
}

/// The [`coffer_queue::flow::ReviewSink`] of the CLI: the signing gate's findings on stderr, then
/// the signer's preview through [`StderrPreview`] ([`GatedPreview`]'s output, for the library flow).
pub(crate) struct StderrReview;

impl coffer_queue::flow::ReviewSink for StderrReview {
    fn show(&mut self, review: &Review, preview: &SigningPreview) -> std::io::Result<()> {
        GatedPreview(review).show(preview)
    }

    fn waiting(&mut self, prompt: &coffer_signer::DevicePrompt) -> std::io::Result<()> {
        StderrPreview.waiting(prompt)
    }
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
    if tx.operation == Operation::DelegateCall {
        f.add(
            "",
            match known_library(ctx.chain_id, tx.to) {
                Some(library) => format!("(the delegatecall goes to the address of {library})"),
                None => {
                    "(the delegatecall goes to a contract that is NOT a known library)".to_owned()
                }
            },
        );
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
        .add("message hash", device_hex(&tx.struct_hash_for(ctx.version)))
        .add("safeTxHash", tx.safe_tx_hash(ctx));
}

/// The JSON of a transaction with its context, decoded action and hashes.
pub(crate) fn tx_json(ctx: &SafeTxContext, tx: &SafeTx) -> Value {
    let action = decode_call(tx.to, tx.value, &tx.data, tx.operation);
    json!({
        "safeTxHash": tx.safe_tx_hash(ctx),
        "domainHash": domain_separator(ctx),
        "messageHash": tx.struct_hash_for(ctx.version),
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
