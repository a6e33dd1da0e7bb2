//! [`sign_safe_message`]: one wallet signs a Safe message (text, EIP-712 typed data or raw bytes). The function
//! `coffer message sign`, `tx sign --as-safe` and `coffer drill` share; its name and signature stay stable.

use coffer_core::{MessageContent, SafeSignature, SafeTxContext};

use crate::{PreviewSink, Result, SigningMode, WalletSigner};

/// Signs `content` as a Safe message of the Safe in `ctx` with `signer`.
///
/// The SafeMessage's `message` is recomputed from the content (the EIP-191 hash of a text, the EIP-712 hash of
/// typed data, or the raw bytes); the signer then previews it through `preview` (chain, Safe, version, domain
/// hash, message hash, Safe message hash, and a device's screens) before the key or device is asked, exactly as
/// for a transaction ([`WalletSigner::sign_safe_message`]). The signature returned recovers to the signer for
/// [`MessageContent::safe_message_hash`]: v is 27/28 (EIP-712) or 31/32 (eth_sign), s is low.
pub async fn sign_safe_message(
    signer: &WalletSigner,
    ctx: &SafeTxContext,
    content: &MessageContent,
    mode: SigningMode,
    preview: &mut dyn PreviewSink,
) -> Result<SafeSignature> {
    let message = content.message_bytes()?;
    let sig = signer.sign_safe_message(ctx, &message, mode, preview).await?;
    // Checked against the hash computed from the content, independently of the signer's own check.
    sig.verify(content.safe_message_hash(ctx)?)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, address};
    use coffer_core::{SafeVersion, SignatureKind};

    use super::*;
    use crate::{KeySigner, SigningPreview};

    struct Quiet(Vec<SigningPreview>);
    impl PreviewSink for Quiet {
        fn show(&mut self, p: &SigningPreview) -> std::io::Result<()> {
            self.0.push(p.clone());
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_key_signs_the_recomputed_safe_message_hash() {
        // anvil's first dev key.
        let key = KeySigner::from_private_key(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .unwrap();
        let me: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(key.address(), me);
        let signer = WalletSigner::Local(key);
        let ctx = SafeTxContext::new(31337, Address::repeat_byte(0x5a), SafeVersion::V1_4_1);
        let content = MessageContent::Text("gm".to_owned());
        for mode in [SigningMode::Eip712, SigningMode::EthSign] {
            let mut sink = Quiet(Vec::new());
            let sig = sign_safe_message(&signer, &ctx, &content, mode, &mut sink).await.unwrap();
            assert_eq!(sig.owner, me);
            let hash = content.safe_message_hash(&ctx).unwrap();
            sig.verify(hash).unwrap();
            assert_eq!(sink.0.len(), 1);
            assert_eq!(sink.0[0].safe_hash, hash);
            match (mode, &sig.kind) {
                (SigningMode::Eip712, SignatureKind::Eip712 { .. })
                | (SigningMode::EthSign, SignatureKind::EthSign { .. }) => {}
                other => panic!("unexpected kind {other:?}"),
            }
        }
    }
}
