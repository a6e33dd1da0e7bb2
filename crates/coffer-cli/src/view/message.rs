//! How a Safe message is shown before it is signed (`message sign`, `tx propose … sign-message`,
//! `drill sign`): the Safe, the message as decoded, its hashes.

use coffer_core::{MessageContent, SafeTxContext, domain_separator};

use crate::{
    exit::bad_input,
    output::{Fields, device_hex},
};

/// The lines a signer reads before signing: the Safe, the message as decoded, and its hashes.
pub(crate) fn message_fields(
    ctx: &SafeTxContext,
    content: &MessageContent,
) -> eyre::Result<Fields> {
    let mut f = Fields::default();
    f.add("chain", ctx.chain_id).add("safe", format!("{} (version {})", ctx.safe, ctx.version));
    for (label, text) in content.display_lines(ctx).map_err(|e| bad_input(e.to_string()))? {
        f.add(&label, text);
    }
    f.add("domain hash", device_hex(&domain_separator(ctx)))
        .add("message hash", device_hex(&content.struct_hash()?))
        .add("safe message hash", content.safe_message_hash(ctx)?);
    Ok(f)
}
