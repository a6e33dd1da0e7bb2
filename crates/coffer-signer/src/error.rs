//! The one error type of `coffer-signer`.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What to do when blind signing is off. Shared by the Ledger errors and the docs.
const BLIND_SIGNING_HELP: &str = "turn it on in the Ethereum app: on the Nano S+ under App settings > Blind \
signing (Settings > Blind signing on other models), or sign in eth_sign mode (`--eth-sign`, or \
`--ledger-mode eth-sign`), where the device signs the safeTxHash itself, or in full EIP-712 mode \
(`--ledger-mode full`, with App settings > Verbose EIP-712 on). With blind signing the Ledger shows only two \
hashes, `Domain hash` and `Message hash`. Compare both, character by character, with the ones coffer printed \
before the device was asked: that comparison is the only proof that the device signs this transaction and \
not another one (the Bybit loss in 2025 came from hashes signed without that check)";

/// Every error `coffer-signer` can return. Each says what went wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No wallet option and no wallet environment variable was given.
    #[error(
        "no wallet given: pass one of --private-key <HEX> (or ETH_PRIVATE_KEY), --mnemonic <PHRASE|FILE> \
         (or ETH_MNEMONIC), --keystore <PATH> (or ETH_KEYSTORE), --ledger, --ledger-url tcp://HOST:PORT \
         (or COFFER_LEDGER_URL) or --trezor"
    )]
    NoWallet,

    /// An option was given that the chosen wallet does not use.
    #[error("{option} does not apply to {wallet}: {hint}")]
    OptionNotApplicable {
        /// The option, e.g. `--mnemonic-index`.
        option: &'static str,
        /// The wallet that was chosen, e.g. `--private-key`.
        wallet: &'static str,
        /// Which wallets it applies to.
        hint: &'static str,
    },

    /// The private key is not 32 bytes of hex or not a valid secp256k1 scalar. The key itself is never echoed.
    #[error("invalid private key ({reason}): expected 64 hex digits, optionally 0x-prefixed")]
    InvalidPrivateKey {
        /// Why it was refused.
        reason: String,
    },

    /// The mnemonic phrase (or the file holding it) could not be turned into a key.
    #[error(
        "invalid mnemonic ({reason}): expected a BIP-39 English phrase, or the path of a file that holds one"
    )]
    InvalidMnemonic {
        /// Why it was refused.
        reason: String,
    },

    /// A BIP-32 derivation path that does not parse.
    #[error(
        "invalid derivation path {path:?} ({reason}): expected e.g. m/44'/60'/0'/0/0 (at most 10 levels, \
         ' or h marks a hardened level)"
    )]
    InvalidDerivationPath {
        /// The path as given.
        path: String,
        /// Why it was refused.
        reason: String,
    },

    /// An account index too large to derive (it must fit in 31 bits).
    #[error("account index {index} is too large: it must be below 2^31 (2147483648)")]
    IndexTooLarge {
        /// The index given.
        index: u32,
    },

    /// The keystore file does not exist.
    #[error("keystore {path} does not exist: check the path given with --keystore or ETH_KEYSTORE")]
    KeystoreNotFound {
        /// The path given.
        path: PathBuf,
    },

    /// The keystore could not be decrypted.
    #[error(
        "could not decrypt keystore {path} ({reason}): the password is wrong or the file is not an \
         Ethereum JSON keystore"
    )]
    Keystore {
        /// The keystore path.
        path: PathBuf,
        /// What failed.
        reason: String,
    },

    /// The password file could not be read.
    #[error("could not read the password file {path}: {source}")]
    PasswordFile {
        /// The file given with --password-file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// There is no terminal to ask the keystore password on.
    #[error(
        "cannot ask for the keystore password ({source}): no terminal; pass --password-file <FILE> or set \
         ETH_PASSWORD"
    )]
    PasswordPrompt {
        /// The I/O error from the prompt.
        source: std::io::Error,
    },

    /// A `--ledger-url` that is not `tcp://host:port`.
    #[error(
        "invalid Ledger URL {url:?} ({reason}): expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:9999 for Speculos"
    )]
    InvalidLedgerUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// No Ledger is reachable over USB (or USB itself is not available).
    #[error(
        "no Ledger found over USB ({reason}): plug it in, unlock it and open the Ethereum app. On Linux the \
         user also needs Ledger's udev rules (https://github.com/LedgerHQ/udev-rules). For the Speculos \
         emulator use --ledger-url tcp://HOST:PORT"
    )]
    LedgerNotFound {
        /// What the USB layer said.
        reason: String,
    },

    /// The Speculos TCP APDU port could not be reached.
    #[error(
        "could not connect to the Ledger emulator at {addr} ({source}): is Speculos running with --apdu-port?"
    )]
    LedgerConnect {
        /// The `host:port` given.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },

    /// Status 0x5515 (or 0x6804): the device is locked.
    #[error(
        "the Ledger is locked (status {status:#06x}): unlock it with its PIN, open the Ethereum app and retry"
    )]
    LedgerLocked {
        /// The status word.
        status: u16,
    },

    /// Status 0x6D00 / 0x6E00 (and relatives): the Ethereum app is not the open app.
    #[error(
        "the Ethereum app is not open on the Ledger (status {status:#06x}): open the Ethereum app on the \
         device and retry"
    )]
    LedgerAppNotOpen {
        /// The status word.
        status: u16,
    },

    /// Status 0x6985 (or 0x5501): the user rejected on the device.
    #[error("the request was rejected on the Ledger (status {status:#06x}): nothing was signed")]
    LedgerRejected {
        /// The status word.
        status: u16,
    },

    /// Status 0x6A80 on a hashed EIP-712 request: the Ethereum app's blind signing setting is off.
    #[error(
        "the Ledger refused to sign the EIP-712 hashes because Blind signing is off (status 0x6a80): {}",
        BLIND_SIGNING_HELP
    )]
    LedgerBlindSigningDisabled,

    /// The app configuration (GET_APP_CONFIGURATION) says Blind signing is off, so the request that needs it
    /// was not sent: nothing was shown on the device and nothing was signed.
    #[error(
        "the Ledger's Ethereum app has Blind signing off, and {what} needs it; coffer did not ask the device \
         and nothing was signed: {}",
        BLIND_SIGNING_HELP
    )]
    LedgerBlindSigningOff {
        /// What needed blind signing, e.g. "hashed EIP-712 signing".
        what: &'static str,
    },

    /// Full EIP-712 mode was refused (status 0x6A80): neither Blind signing nor Verbose EIP-712 is on.
    #[error(
        "the Ledger refused full EIP-712 mode (status 0x6a80): turn on App settings > Verbose EIP-712 (or Blind \
         signing) in the Ethereum app, or sign with `--ledger-mode eth-sign`; nothing was signed"
    )]
    LedgerFullModeRefused,

    /// Nobody confirmed on the device in time (`--device-timeout`).
    #[error(
        "no answer from the {device} within {seconds} s (--device-timeout): nobody confirmed on the device, so \
         nothing was signed and nothing was stored. Reject the request on the device if it still shows it, then \
         run the command again and confirm, or raise --device-timeout"
    )]
    DeviceTimeout {
        /// "Ledger" or "Trezor".
        device: &'static str,
        /// How long coffer waited.
        seconds: u64,
    },

    /// `--index` with a wallet that has one key only, or a range that does not parse.
    #[error("invalid account range {range:?}: {reason}")]
    InvalidIndexRange {
        /// The range as given.
        range: String,
        /// Why it was refused.
        reason: String,
    },

    /// The Ethereum app is too old for what was asked.
    #[error(
        "the Ledger Ethereum app is version {version}, but {feature} needs {needed} or newer: update the app \
         with Ledger Live{alternative}"
    )]
    LedgerAppTooOld {
        /// The version the app reported.
        version: String,
        /// What needs the newer version.
        feature: &'static str,
        /// The oldest version that has it.
        needed: &'static str,
        /// Another way, if there is one.
        alternative: &'static str,
    },

    /// Any other status word.
    #[error("the Ledger answered {description} (status {status:#06x}) to instruction {ins:#04x}")]
    LedgerStatus {
        /// The instruction byte sent.
        ins: u8,
        /// The status word.
        status: u16,
        /// What the status word means.
        description: String,
    },

    /// The device did not answer in time.
    #[error(
        "the Ledger did not answer within {seconds} s: check that it is unlocked with the Ethereum app open, \
         and that no other program (Ledger Live, a browser wallet) is using it"
    )]
    LedgerTimeout {
        /// How long coffer waited.
        seconds: u64,
    },

    /// The transport to the Ledger failed.
    #[error(
        "communication with the Ledger failed ({reason}): reconnect it, close other programs that use it \
         (Ledger Live, browser wallets) and retry"
    )]
    LedgerTransport {
        /// What failed.
        reason: String,
    },

    /// The Ledger answered something that does not follow the Ethereum app protocol.
    #[error(
        "unexpected answer from the Ledger to {what} ({reason}): is the Ethereum app the open app?"
    )]
    LedgerBadResponse {
        /// The command.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },

    /// No Trezor was found.
    #[error(
        "no Trezor found ({reason}): plug it in and unlock it, close Trezor Suite (only one program can use \
         it) and on Linux install Trezor's udev rules"
    )]
    TrezorNotFound {
        /// What the transport said.
        reason: String,
    },

    /// More than one Trezor is connected.
    #[error("more than one Trezor is connected: unplug all but the one to sign with")]
    TrezorNotUnique,

    /// The Trezor asks for its PIN on the matrix, which coffer cannot show.
    #[error(
        "the Trezor is locked and asks for its PIN on the host: unlock it (e.g. with Trezor Suite or \
         `trezorctl get-features`), close that program and retry"
    )]
    TrezorPinRequired,

    /// The user rejected on the Trezor.
    #[error("the request was rejected on the Trezor: nothing was signed")]
    TrezorRejected,

    /// The Trezor answered with a failure.
    #[error("the Trezor refused ({code}: {message}){hint}")]
    TrezorFailure {
        /// The failure code name.
        code: String,
        /// The failure message from the device.
        message: String,
        /// What to do about it.
        hint: &'static str,
    },

    /// The Trezor transport or protocol failed.
    #[error("communication with the Trezor failed ({reason}): reconnect it and retry")]
    TrezorTransport {
        /// What failed.
        reason: String,
    },

    /// The preview could not be shown, so nothing was sent to be signed.
    #[error("could not show the signing preview, so nothing was signed: {source}")]
    Preview {
        /// The error of the preview sink.
        source: std::io::Error,
    },

    /// A local key failed to sign.
    #[error("the local key could not sign: {reason}")]
    LocalSign {
        /// What failed.
        reason: String,
    },

    /// The signature returned does not recover to the signer's address: it is not returned.
    #[error(
        "the signature does not come from the expected owner {expected} (it recovers to {recovered} for \
         {hash}): the device signed with another key or another hash; check the account (--mnemonic-index, \
         --hd-path) and retry"
    )]
    WrongSigner {
        /// The signer's address.
        expected: Address,
        /// The address the signature recovers to.
        recovered: Address,
        /// The hash the signature was checked against.
        hash: B256,
    },

    /// A signature that coffer-core refuses (bad v, bad r/s, failed recovery).
    #[error("the signature returned is not valid: {0}")]
    Signature(#[from] coffer_core::Error),

    /// Two computations of the same hash disagree (an internal consistency check).
    #[error("internal check failed: {what} is {computed}, expected {expected}; nothing was signed")]
    HashMismatch {
        /// Which hash.
        what: &'static str,
        /// What was computed.
        computed: B256,
        /// What it should be.
        expected: B256,
    },

    /// A device task could not finish.
    #[error("the device task stopped unexpectedly: {reason}")]
    DeviceTask {
        /// What happened.
        reason: String,
    },
}
