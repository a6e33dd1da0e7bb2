//! What you sign is what you see: the preview every signer emits before a key or device is asked to sign.

use core::fmt;
use std::io::Write;

use alloy::primitives::{Address, B256, Bytes, U256};
use coffer_core::{DecodedCall, SafeTx, SafeVersion};

use crate::{Screen, SignerKind, SigningMode};

/// What is about to be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewSubject {
    /// A Safe transaction, with its calldata decoded.
    Transaction {
        /// The transaction.
        tx: Box<SafeTx>,
        /// What it does, with its risk flags (coffer-core's `decode_call`).
        action: DecodedCall,
    },
    /// A Safe message (EIP-1271 off-chain signature).
    Message {
        /// The message bytes.
        message: Bytes,
    },
}

/// Everything a signer should check before approving, emitted through a [`PreviewSink`] before any key or
/// device is asked to sign.
///
/// `Display` prints it for a terminal. The `Domain hash` and `Message hash` lines are written exactly as
/// the Ledger Ethereum app shows them when it signs hashed EIP-712 (`0x` followed by 64 uppercase hex
/// digits), so they can be compared character by character with the device screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningPreview {
    /// Who signs.
    pub signer: Address,
    /// With what.
    pub signer_kind: SignerKind,
    /// EIP-712 or eth_sign.
    pub mode: SigningMode,
    /// The chain id.
    pub chain_id: u64,
    /// The Safe (proxy) address: the EIP-712 `verifyingContract`.
    pub safe: Address,
    /// The Safe's version.
    pub version: SafeVersion,
    /// The EIP-712 domain separator (the device's "Domain hash").
    pub domain_hash: B256,
    /// The EIP-712 struct hash of the SafeTx or SafeMessage (the device's "Message hash").
    pub message_hash: B256,
    /// The safeTxHash (or the Safe message hash): `keccak256(0x1901 ‖ domain_hash ‖ message_hash)`.
    pub safe_hash: B256,
    /// The transaction or message.
    pub subject: PreviewSubject,
    /// For a Ledger or Trezor: what the device will show, screen by screen.
    pub device: Option<DevicePrompt>,
}

/// What a hardware wallet will show while it waits for the user, screen by screen, and how long coffer waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevicePrompt {
    /// `Ledger` or `Trezor`.
    pub device: &'static str,
    /// How the device is asked, e.g. `full EIP-712 (SIGN_EIP712 P2 01)`.
    pub method: String,
    /// The screens in order, each value written as the device writes it.
    pub screens: Vec<Screen>,
    /// How long coffer waits for the confirmation (`--device-timeout`), in seconds.
    pub timeout_secs: u64,
}

impl DevicePrompt {
    /// The one line printed while the device waits: `Confirm on your Ledger: …`.
    pub fn confirm_line(&self) -> String {
        let shown: Vec<String> = self
            .screens
            .iter()
            .map(|s| {
                if s.value.is_empty() {
                    s.label.clone()
                } else {
                    format!("{} {}", s.label, s.value)
                }
            })
            .collect();
        format!(
            "Confirm on your {}: it shows {} (waiting up to {} s)",
            self.device,
            shown.join(" | "),
            self.timeout_secs
        )
    }
}

impl SigningPreview {
    /// The Safe nonce, for a transaction.
    pub fn nonce(&self) -> Option<U256> {
        match &self.subject {
            PreviewSubject::Transaction { tx, .. } => Some(tx.nonce),
            PreviewSubject::Message { .. } => None,
        }
    }

    /// The decoded action, for a transaction.
    pub fn action(&self) -> Option<&DecodedCall> {
        match &self.subject {
            PreviewSubject::Transaction { action, .. } => Some(action),
            PreviewSubject::Message { .. } => None,
        }
    }
}

/// A hash written the way the Ledger Ethereum app writes it on screen: `0x` + uppercase hex.
pub(crate) fn device_hex(hash: &B256) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in hash.as_slice() {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

impl fmt::Display for SigningPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.subject {
            PreviewSubject::Transaction { .. } => "a Safe transaction",
            PreviewSubject::Message { .. } => "a Safe message",
        };
        writeln!(f, "Signing {what} with {} {} ({})", self.signer_kind, self.signer, self.mode)?;
        writeln!(f, "  chain          {}", self.chain_id)?;
        writeln!(f, "  Safe           {} (version {})", self.safe, self.version)?;
        match &self.subject {
            PreviewSubject::Transaction { tx, action } => {
                writeln!(f, "  nonce          {}", tx.nonce)?;
                let action_text = action.to_string();
                let mut lines = action_text.lines();
                writeln!(f, "  action         {}", lines.next().unwrap_or_default())?;
                for line in lines {
                    writeln!(f, "                 {line}")?;
                }
                let risks = action.all_risks();
                if risks.is_empty() {
                    writeln!(f, "  risks          none found")?;
                } else {
                    let names: Vec<String> = risks.iter().map(ToString::to_string).collect();
                    writeln!(
                        f,
                        "  RISKS          {}: check these before you sign",
                        names.join(", ")
                    )?;
                }
                if tx.gas_price.is_zero()
                    && tx.gas_token == Address::ZERO
                    && tx.refund_receiver == Address::ZERO
                {
                    writeln!(f, "  refund         none")?;
                } else {
                    writeln!(
                        f,
                        "  REFUND         the Safe pays gasPrice {} (gasToken {}, safeTxGas {}, baseGas {}) to {}",
                        tx.gas_price,
                        tx.gas_token,
                        tx.safe_tx_gas,
                        tx.base_gas,
                        if tx.refund_receiver == Address::ZERO {
                            "the executor (tx.origin)".to_owned()
                        } else {
                            tx.refund_receiver.to_string()
                        }
                    )?;
                }
                writeln!(f, "  safeTxHash     {}", self.safe_hash)?;
            }
            PreviewSubject::Message { message } => {
                // `{:?}` escapes control characters, so a message cannot rewrite the terminal.
                match core::str::from_utf8(message) {
                    Ok(text) => writeln!(f, "  message        {text:?}")?,
                    Err(_) => writeln!(f, "  message        {message}")?,
                }
                writeln!(f, "  message hash   {}", self.safe_hash)?;
            }
        }
        let shows_fields = self
            .device
            .as_ref()
            .is_some_and(|d| d.screens.first().is_some_and(|s| s.label != "Domain hash"));
        match (self.signer_kind, self.mode) {
            (SignerKind::Ledger | SignerKind::Trezor, SigningMode::Eip712) if shows_fields => {
                writeln!(
                    f,
                    "The device shows the fields listed below; reject on the device if any differs. The EIP-712 parts:"
                )?;
            }
            (SignerKind::Ledger, SigningMode::Eip712) => {
                writeln!(
                    f,
                    "The Ledger must show exactly these two values; reject on the device if not:"
                )?;
            }
            (SignerKind::Trezor, SigningMode::Eip712) => {
                writeln!(f, "The Trezor must show these two values; reject on the device if not:")?;
            }
            (SignerKind::Ledger | SignerKind::Trezor, SigningMode::EthSign) => {
                writeln!(
                    f,
                    "The device signs the 32 bytes of the hash above as a personal message; reject if it shows other data."
                )?;
                writeln!(f, "For reference, the EIP-712 parts:")?;
            }
            _ => writeln!(f, "EIP-712 parts:")?,
        }
        writeln!(f, "  Domain hash    {}", device_hex(&self.domain_hash))?;
        write!(f, "  Message hash   {}", device_hex(&self.message_hash))?;
        if let Some(prompt) = &self.device {
            write!(f, "\nThe {} will show, screen by screen ({}):", prompt.device, prompt.method)?;
            for (i, s) in prompt.screens.iter().enumerate() {
                write!(f, "\n  {:>2}. {:<18} {}", i + 1, s.label, s.value)?;
            }
        }
        Ok(())
    }
}

/// Where a signer sends its [`SigningPreview`] before it asks a key or device to sign.
///
/// The library never prints: the CLI passes a sink that writes to stderr ([`StderrPreview`]). An error from
/// [`PreviewSink::show`] aborts the signing before anything is signed, so a sink may also ask for a
/// confirmation and refuse.
pub trait PreviewSink: Send {
    /// Shows the preview. Called exactly once per signature, before the key or device is asked.
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()>;

    /// Called just before a hardware wallet is asked and starts waiting for its user, with what it will
    /// show. The default does nothing; [`StderrPreview`] prints [`DevicePrompt::confirm_line`].
    fn waiting(&mut self, prompt: &DevicePrompt) -> std::io::Result<()> {
        let _ = prompt;
        Ok(())
    }
}

/// A [`PreviewSink`] that writes the preview to stderr, followed by a blank line.
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrPreview;

impl PreviewSink for StderrPreview {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{preview}\n")?;
        err.flush()
    }

    fn waiting(&mut self, prompt: &DevicePrompt) -> std::io::Result<()> {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{}", prompt.confirm_line())?;
        err.flush()
    }
}

/// Collects previews in memory (for callers that render them themselves, and for tests).
impl PreviewSink for Vec<SigningPreview> {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        self.push(preview.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::b256;

    #[test]
    fn device_hex_is_0x_uppercase() {
        let h = b256!("0x00ff10abcdef0000000000000000000000000000000000000000000000000001");
        assert_eq!(
            device_hex(&h),
            "0x00FF10ABCDEF0000000000000000000000000000000000000000000000000001"
        );
    }
}
