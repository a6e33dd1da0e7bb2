//! [`WalletOpts`]: the wallet command-line options, resolved to one [`WalletSigner`].

use std::path::{Path, PathBuf};

use std::time::Duration;

use alloy::primitives::Address;
use clap::{ArgGroup, Args};

use crate::{
    DEFAULT_DEVICE_TIMEOUT, DerivationPath, DevicePrompt, Error, KeySigner, LedgerMode,
    LedgerSigner, PreviewSink, Result, Screen, SignerKind, TrezorSigner, WalletSigner,
};

/// The most accounts `--index A..B` lists at once.
pub const MAX_LISTED_ACCOUNTS: u32 = 100;

/// Account indexes to list: `N`, `A..B` (A to B − 1) or `A..=B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexRange {
    /// The first index.
    pub start: u32,
    /// The last index, included.
    pub last: u32,
}

impl core::str::FromStr for IndexRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidIndexRange {
            range: s.to_owned(),
            reason: reason.to_owned(),
        };
        let num = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| bad(&format!("{t:?} is not an index from 0 to 2^31 - 1")))
        };
        let (start, last) = if let Some((a, b)) = s.split_once("..=") {
            (num(a)?, num(b)?)
        } else if let Some((a, b)) = s.split_once("..") {
            let (a, b) = (num(a)?, num(b)?);
            if b <= a {
                return Err(bad("A..B lists A to B - 1, so B must be greater than A"));
            }
            (a, b - 1)
        } else {
            let n = num(s)?;
            (n, n)
        };
        if last < start {
            return Err(bad("the last index is before the first"));
        }
        if last >= 1 << 31 {
            return Err(bad("indexes must be below 2^31"));
        }
        if last - start >= MAX_LISTED_ACCOUNTS {
            return Err(bad(&format!("at most {MAX_LISTED_ACCOUNTS} accounts at once")));
        }
        Ok(Self { start, last })
    }
}

/// One account of a wallet: its derivation path (none for a raw key or a keystore) and address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletAccount {
    /// The derivation path, for a mnemonic, Ledger or Trezor.
    pub path: Option<DerivationPath>,
    /// The address.
    pub address: Address,
    /// True when the device showed the address and the user confirmed it.
    pub confirmed_on_device: bool,
}

/// The environment variables [`WalletOpts`] falls back to, in resolution order.
pub const ENV_PRIVATE_KEY: &str = "ETH_PRIVATE_KEY";
/// A mnemonic phrase, or the path of a file that holds one.
pub const ENV_MNEMONIC: &str = "ETH_MNEMONIC";
/// The path of an encrypted JSON keystore.
pub const ENV_KEYSTORE: &str = "ETH_KEYSTORE";
/// The keystore password.
pub const ENV_PASSWORD: &str = "ETH_PASSWORD";
/// A Speculos APDU URL, `tcp://host:port`.
pub const ENV_LEDGER_URL: &str = "COFFER_LEDGER_URL";
/// With `--trezor`: the UDP address (`host:port`) of a Trezor emulator to use instead of a device
/// on USB (trezor-user-env's emulator listens on `127.0.0.1:21324`).
pub const ENV_TREZOR_EMULATOR: &str = "COFFER_TREZOR_EMULATOR";

/// The wallet to sign with, as command-line options (flatten it into a clap command).
///
/// [`WalletOpts::signer`] resolves them in this fixed order, and the first one given wins:
///
/// 1. `--private-key`
/// 2. `--mnemonic` (with `--mnemonic-index` or `--hd-path`; default `m/44'/60'/0'/0/0`)
/// 3. `--keystore` (password from `--password-file`, else `ETH_PASSWORD`, else a terminal prompt)
/// 4. `--ledger` over USB (with `--mnemonic-index` for the Ledger Live account `m/44'/60'/N'/0/0`, plus
///    `--ledger-legacy` for the legacy `m/44'/60'/0'/N`, or any `--hd-path`)
/// 5. `--ledger-url tcp://HOST:PORT`: the same Ledger code over a Speculos emulator's APDU port
/// 6. `--trezor` (with `--mnemonic-index` for `m/44'/60'/0'/0/N`, or `--hd-path`)
///
/// The six are mutually exclusive on the command line. When none is given, the environment is read in the
/// same order: `ETH_PRIVATE_KEY`, `ETH_MNEMONIC`, `ETH_KEYSTORE`, `COFFER_LEDGER_URL`. An option on the
/// command line always wins over the environment. With nothing at all, [`Error::NoWallet`] lists the
/// options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "Wallet options")]
#[command(group(
    ArgGroup::new("wallet")
        .args(["private_key", "mnemonic", "keystore", "ledger", "ledger_url", "trezor"])
        .multiple(false)
))]
pub struct WalletOpts {
    /// Sign with this raw private key (64 hex digits). Visible to other users of this machine; prefer a
    /// keystore. [env: ETH_PRIVATE_KEY]
    #[arg(long, value_name = "HEX")]
    pub private_key: Option<String>,

    /// Sign with a key derived from this BIP-39 mnemonic, or from the phrase in this file.
    /// [env: ETH_MNEMONIC]
    #[arg(long, value_name = "PHRASE|FILE")]
    pub mnemonic: Option<String>,

    /// The account index for --mnemonic (m/44'/60'/0'/0/N), --ledger (Ledger Live m/44'/60'/N'/0/0, or
    /// legacy m/44'/60'/0'/N with --ledger-legacy) and --trezor (m/44'/60'/0'/0/N). Default 0.
    #[arg(long, value_name = "N", conflicts_with = "hd_path")]
    pub mnemonic_index: Option<u32>,

    /// The full derivation path for --mnemonic, --ledger or --trezor, e.g. m/44'/60'/0'/0/0.
    #[arg(long, value_name = "PATH")]
    pub hd_path: Option<String>,

    /// Use the legacy Ledger (MEW / MyCrypto) path m/44'/60'/0'/N instead of Ledger Live's m/44'/60'/N'/0/0.
    #[arg(long, conflicts_with_all = ["hd_path", "private_key", "mnemonic", "keystore", "trezor"])]
    pub ledger_legacy: bool,

    /// Sign with the key in this encrypted JSON keystore. [env: ETH_KEYSTORE]
    #[arg(long, value_name = "PATH")]
    pub keystore: Option<PathBuf>,

    /// Read the keystore password from this file (its first line). [env: ETH_PASSWORD holds the password
    /// itself]
    #[arg(long, value_name = "FILE", conflicts_with_all = ["private_key", "mnemonic", "ledger", "ledger_url", "trezor"])]
    pub password_file: Option<PathBuf>,

    /// Sign with a Ledger over USB (Ethereum app open; EIP-712 mode needs Blind signing on).
    #[arg(long)]
    pub ledger: bool,

    /// Sign with a Ledger emulated by Speculos, through its APDU port. [env: COFFER_LEDGER_URL]
    #[arg(long, value_name = "tcp://HOST:PORT")]
    pub ledger_url: Option<String>,

    /// Sign with a Trezor (over USB, or the emulator on UDP 21324; another emulator address with
    /// COFFER_TREZOR_EMULATOR=HOST:PORT).
    #[arg(long)]
    pub trezor: bool,

    /// How a Ledger signs Safe transactions and messages: `auto` (full EIP-712 when the app allows it and
    /// the data fits on the screen uncut, else hashed), `full` (the device shows every field), `hashed` (the
    /// device shows two hashes; needs Blind signing), `eth-sign` (the device signs the safeTxHash). Default
    /// auto.
    #[arg(long, value_enum, value_name = "MODE")]
    pub ledger_mode: Option<LedgerMode>,

    /// How long to wait for a confirmation on a Ledger or Trezor, in seconds (default 120). When nobody
    /// confirms in time, nothing is signed or stored.
    #[arg(long, value_name = "SECONDS")]
    pub device_timeout: Option<u64>,
}

/// The wallet chosen, with its value.
#[derive(Debug)]
enum Source {
    PrivateKey(String),
    Mnemonic(String),
    Keystore(PathBuf),
    Ledger,
    LedgerUrl(String),
    Trezor,
}

impl Source {
    fn flag(&self) -> &'static str {
        match self {
            Self::PrivateKey(_) => "--private-key",
            Self::Mnemonic(_) => "--mnemonic",
            Self::Keystore(_) => "--keystore",
            Self::Ledger => "--ledger",
            Self::LedgerUrl(_) => "--ledger-url",
            Self::Trezor => "--trezor",
        }
    }
}

impl WalletOpts {
    /// Resolves the options (then the environment) to one signer, in the documented order. Opens the device
    /// for a Ledger or Trezor and reads its address.
    pub async fn signer(&self) -> Result<WalletSigner> {
        self.signer_with_env(|name| std::env::var(name).ok().filter(|v| !v.is_empty())).await
    }

    /// [`WalletOpts::signer`] with the environment read through `env` (for embedding and tests).
    pub async fn signer_with_env(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<WalletSigner> {
        let source = self.source(&env)?;
        self.check_applicable(&source)?;
        match source {
            Source::PrivateKey(hex) => Ok(WalletSigner::Local(KeySigner::from_private_key(&hex)?)),
            Source::Mnemonic(value) => {
                let phrase = read_mnemonic(&value)?;
                let path = self.derivation_path(DerivationPath::bip44)?;
                Ok(WalletSigner::Local(KeySigner::from_mnemonic(&phrase, path)?))
            }
            Source::Keystore(path) => {
                let password = self.keystore_password(&path, &env)?;
                Ok(WalletSigner::Local(KeySigner::from_keystore(&path, &password)?))
            }
            Source::Ledger => {
                let path = self.ledger_path()?;
                Ok(WalletSigner::Ledger(self.ledger_options(LedgerSigner::open_usb(path).await?)?))
            }
            Source::LedgerUrl(url) => {
                let path = self.ledger_path()?;
                let ledger = LedgerSigner::connect_tcp(&url, path).await?;
                Ok(WalletSigner::Ledger(self.ledger_options(ledger)?))
            }
            Source::Trezor => {
                let path = self.derivation_path(DerivationPath::bip44)?;
                let trezor = match env(ENV_TREZOR_EMULATOR) {
                    Some(addr) => TrezorSigner::connect_emulator(&addr, path).await?,
                    None => TrezorSigner::connect(path).await?,
                };
                Ok(WalletSigner::Trezor(trezor.with_device_timeout(self.timeout()?)))
            }
        }
    }

    fn ledger_options(&self, ledger: LedgerSigner) -> Result<LedgerSigner> {
        Ok(ledger
            .with_mode(self.ledger_mode.unwrap_or_default())
            .with_device_timeout(self.timeout()?))
    }

    /// `--device-timeout`, else 120 s.
    fn timeout(&self) -> Result<Duration> {
        match self.device_timeout {
            None => Ok(DEFAULT_DEVICE_TIMEOUT),
            Some(0) => Err(Error::OptionNotApplicable {
                option: "--device-timeout 0",
                wallet: "a device",
                hint: "give the seconds to wait for a confirmation, at least 1",
            }),
            Some(s) => Ok(Duration::from_secs(s)),
        }
    }

    /// The addresses of the chosen wallet: one for a raw key or keystore; for a mnemonic, Ledger or Trezor,
    /// the account at `--mnemonic-index` / `--hd-path`, or each index of `range` in the wallet's layout
    /// (BIP-44 `m/44'/60'/0'/0/N` for a mnemonic and a Trezor, Ledger Live `m/44'/60'/N'/0/0` or legacy with
    /// `--ledger-legacy`). With `show_on_device`, a Ledger (GET_PUBLIC_KEY P1 01) or Trezor shows each
    /// address and the user confirms it; `sink` is told before each one.
    pub async fn addresses(
        &self,
        range: Option<IndexRange>,
        show_on_device: bool,
        sink: &mut dyn PreviewSink,
    ) -> Result<(SignerKind, Vec<WalletAccount>)> {
        self.addresses_with_env(range, show_on_device, sink, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
        .await
    }

    /// [`WalletOpts::addresses`] with the environment read through `env`.
    pub async fn addresses_with_env(
        &self,
        range: Option<IndexRange>,
        show_on_device: bool,
        sink: &mut dyn PreviewSink,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(SignerKind, Vec<WalletAccount>)> {
        let source = self.source(&env)?;
        let single = matches!(source, Source::PrivateKey(_) | Source::Keystore(_));
        let device = matches!(source, Source::Ledger | Source::LedgerUrl(_) | Source::Trezor);
        if range.is_some() && (self.hd_path.is_some() || self.mnemonic_index.is_some()) {
            return Err(Error::OptionNotApplicable {
                option: "--index",
                wallet: "--mnemonic-index or --hd-path",
                hint: "give either one account (--mnemonic-index N / --hd-path) or a range (--index A..B)",
            });
        }
        if single && range.is_some() {
            return Err(Error::InvalidIndexRange {
                range: format!(
                    "{}..={}",
                    range.map_or(0, |r| r.start),
                    range.map_or(0, |r| r.last)
                ),
                reason: format!(
                    "{} holds one key only; --index applies to --mnemonic, --ledger and --trezor",
                    source.flag()
                ),
            });
        }
        if show_on_device && !device {
            return Err(Error::OptionNotApplicable {
                option: "--show-on-device",
                wallet: source.flag(),
                hint: "it only applies to --ledger, --ledger-url and --trezor",
            });
        }
        let signer = self.signer_with_env(&env).await?;
        let kind = signer.kind();
        let layout: fn(u32) -> Result<DerivationPath> = match (&source, self.ledger_legacy) {
            (Source::Ledger | Source::LedgerUrl(_), true) => DerivationPath::ledger_legacy,
            (Source::Ledger | Source::LedgerUrl(_), false) => DerivationPath::ledger_live,
            _ => DerivationPath::bip44,
        };
        let paths: Vec<DerivationPath> = match (range, &signer) {
            (Some(r), _) => (r.start..=r.last).map(layout).collect::<Result<_>>()?,
            (None, WalletSigner::Local(k)) => match k.source() {
                crate::KeySource::Mnemonic { path } => vec![path.clone()],
                _ => Vec::new(),
            },
            (None, WalletSigner::Ledger(l)) => vec![l.path().clone()],
            (None, WalletSigner::Trezor(t)) => vec![t.path().clone()],
        };
        if paths.is_empty() {
            let address = signer.address();
            return Ok((
                kind,
                vec![WalletAccount { path: None, address, confirmed_on_device: false }],
            ));
        }
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            let address = match &signer {
                WalletSigner::Local(_) => {
                    let phrase = match &source {
                        Source::Mnemonic(value) => read_mnemonic(value)?,
                        _ => String::new(),
                    };
                    KeySigner::from_mnemonic(&phrase, path.clone())?.address()
                }
                WalletSigner::Ledger(l) => {
                    if show_on_device {
                        let shown = l.address_at(&path, false).await?;
                        sink.waiting(&address_prompt("Ledger", &path, shown, l.device_timeout()))
                            .map_err(|source| Error::Preview { source })?;
                    }
                    l.address_at(&path, show_on_device).await?
                }
                WalletSigner::Trezor(t) => {
                    if show_on_device {
                        let shown = t.address_at(&path, false).await?;
                        sink.waiting(&address_prompt("Trezor", &path, shown, t.device_timeout()))
                            .map_err(|source| Error::Preview { source })?;
                    }
                    t.address_at(&path, show_on_device).await?
                }
            };
            out.push(WalletAccount {
                path: Some(path),
                address,
                confirmed_on_device: show_on_device,
            });
        }
        Ok((kind, out))
    }

    /// The first wallet given on the command line, else in the environment.
    fn source(&self, env: &impl Fn(&str) -> Option<String>) -> Result<Source> {
        if let Some(k) = &self.private_key {
            return Ok(Source::PrivateKey(k.clone()));
        }
        if let Some(m) = &self.mnemonic {
            return Ok(Source::Mnemonic(m.clone()));
        }
        if let Some(k) = &self.keystore {
            return Ok(Source::Keystore(k.clone()));
        }
        if self.ledger {
            return Ok(Source::Ledger);
        }
        if let Some(u) = &self.ledger_url {
            return Ok(Source::LedgerUrl(u.clone()));
        }
        if self.trezor {
            return Ok(Source::Trezor);
        }
        if let Some(k) = env(ENV_PRIVATE_KEY) {
            return Ok(Source::PrivateKey(k));
        }
        if let Some(m) = env(ENV_MNEMONIC) {
            return Ok(Source::Mnemonic(m));
        }
        if let Some(k) = env(ENV_KEYSTORE) {
            return Ok(Source::Keystore(k.into()));
        }
        if let Some(u) = env(ENV_LEDGER_URL) {
            return Ok(Source::LedgerUrl(u));
        }
        Err(Error::NoWallet)
    }

    /// Refuses options the chosen wallet would silently ignore.
    fn check_applicable(&self, source: &Source) -> Result<()> {
        let derives = matches!(
            source,
            Source::Mnemonic(_) | Source::Ledger | Source::LedgerUrl(_) | Source::Trezor
        );
        let ledger = matches!(source, Source::Ledger | Source::LedgerUrl(_));
        let keystore = matches!(source, Source::Keystore(_));
        let na = |option| Error::OptionNotApplicable {
            option,
            wallet: source.flag(),
            hint: match option {
                "--ledger-legacy" => "it only applies to --ledger and --ledger-url",
                "--password-file" => "it only applies to --keystore",
                _ => "it only applies to --mnemonic, --ledger, --ledger-url and --trezor",
            },
        };
        if !derives && self.mnemonic_index.is_some() {
            return Err(na("--mnemonic-index"));
        }
        if !derives && self.hd_path.is_some() {
            return Err(na("--hd-path"));
        }
        if !ledger && self.ledger_legacy {
            return Err(na("--ledger-legacy"));
        }
        if !keystore && self.password_file.is_some() {
            return Err(na("--password-file"));
        }
        if !ledger && self.ledger_mode.is_some() {
            return Err(Error::OptionNotApplicable {
                option: "--ledger-mode",
                wallet: source.flag(),
                hint: "it only applies to --ledger and --ledger-url",
            });
        }
        let device = matches!(source, Source::Ledger | Source::LedgerUrl(_) | Source::Trezor);
        if !device && self.device_timeout.is_some() {
            return Err(Error::OptionNotApplicable {
                option: "--device-timeout",
                wallet: source.flag(),
                hint: "it only applies to --ledger, --ledger-url and --trezor",
            });
        }
        Ok(())
    }

    /// `--hd-path` if given, else `layout(--mnemonic-index or 0)`.
    fn derivation_path(&self, layout: fn(u32) -> Result<DerivationPath>) -> Result<DerivationPath> {
        match &self.hd_path {
            Some(p) => p.parse(),
            None => layout(self.mnemonic_index.unwrap_or(0)),
        }
    }

    fn ledger_path(&self) -> Result<DerivationPath> {
        if self.ledger_legacy {
            self.derivation_path(DerivationPath::ledger_legacy)
        } else {
            self.derivation_path(DerivationPath::ledger_live)
        }
    }

    fn keystore_password(
        &self,
        keystore: &Path,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<String> {
        if let Some(file) = &self.password_file {
            let text = std::fs::read_to_string(file)
                .map_err(|source| Error::PasswordFile { path: file.clone(), source })?;
            return Ok(text.lines().next().unwrap_or_default().to_owned());
        }
        if let Some(p) = env(ENV_PASSWORD) {
            return Ok(p);
        }
        if !keystore.is_file() {
            // Say the keystore is missing before asking for a password it cannot use.
            return Err(Error::KeystoreNotFound { path: keystore.to_owned() });
        }
        rpassword::prompt_password(format!("Password for keystore {}: ", keystore.display()))
            .map_err(|source| Error::PasswordPrompt { source })
    }
}

/// What a device shows when asked to display the address at `path`.
fn address_prompt(
    device: &'static str,
    path: &DerivationPath,
    address: Address,
    timeout: Duration,
) -> DevicePrompt {
    DevicePrompt {
        device,
        method: format!("address at {path}"),
        screens: vec![Screen::new("Address", address.to_string())],
        timeout_secs: timeout.as_secs(),
    }
}

/// A mnemonic value is a phrase, or the path of a file holding one.
fn read_mnemonic(value: &str) -> Result<String> {
    let path = Path::new(value.trim());
    if !value.trim().contains(' ') && path.is_file() {
        return std::fs::read_to_string(path).map_err(|e| Error::InvalidMnemonic {
            reason: format!("could not read {}: {e}", path.display()),
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        wallet: WalletOpts,
    }

    fn parse(args: &[&str]) -> core::result::Result<WalletOpts, clap::Error> {
        Cli::try_parse_from(std::iter::once("coffer").chain(args.iter().copied())).map(|c| c.wallet)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const PHRASE: &str = "test test test test test test test test test test test junk";

    #[test]
    fn wallet_sources_conflict() {
        let sources: [&[&str]; 6] = [
            &["--private-key", KEY0],
            &["--mnemonic", PHRASE],
            &["--keystore", "k.json"],
            &["--ledger"],
            &["--ledger-url", "tcp://127.0.0.1:9999"],
            &["--trezor"],
        ];
        for (i, a) in sources.iter().enumerate() {
            assert!(parse(a).is_ok(), "{a:?}");
            for b in &sources[i + 1..] {
                let args: Vec<&str> = a.iter().chain(b.iter()).copied().collect();
                let err = parse(&args).unwrap_err();
                assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict, "{args:?}");
            }
        }
    }

    #[test]
    fn option_conflicts() {
        for args in [
            &["--mnemonic", PHRASE, "--mnemonic-index", "1", "--hd-path", "m/44'/60'/0'/0/1"][..],
            &["--ledger", "--ledger-legacy", "--hd-path", "m/44'/60'/0'/0"],
            &["--trezor", "--ledger-legacy"],
            &["--private-key", KEY0, "--password-file", "p"],
            &["--ledger", "--password-file", "p"],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict, "{args:?}");
        }
        let ok = parse(&["--ledger", "--ledger-legacy", "--mnemonic-index", "3"]).unwrap();
        assert!(ok.ledger && ok.ledger_legacy && ok.mnemonic_index == Some(3));
        assert_eq!(ok.ledger_path().unwrap().to_string(), "m/44'/60'/0'/3");
        let live = parse(&["--ledger", "--mnemonic-index", "3"]).unwrap();
        assert_eq!(live.ledger_path().unwrap().to_string(), "m/44'/60'/3'/0/0");
        let custom =
            parse(&["--ledger-url", "tcp://h:1", "--hd-path", "m/44'/60'/9'/0/0"]).unwrap();
        assert_eq!(custom.ledger_path().unwrap().to_string(), "m/44'/60'/9'/0/0");
    }

    #[test]
    fn help_has_the_heading() {
        use clap::CommandFactory;
        let help = Cli::command().render_help().to_string();
        assert!(help.contains("Wallet options:"), "{help}");
        for flag in
            ["--private-key", "--mnemonic-index", "--ledger-url", "--trezor", "ETH_KEYSTORE"]
        {
            assert!(help.contains(flag), "{flag} missing from\n{help}");
        }
    }

    #[tokio::test]
    async fn none_given_lists_the_options() {
        let e = WalletOpts::default().signer_with_env(no_env).await.unwrap_err();
        assert!(matches!(e, Error::NoWallet));
        let text = e.to_string();
        for needle in [
            "--private-key",
            "ETH_PRIVATE_KEY",
            "--mnemonic",
            "--keystore",
            "--ledger",
            "--ledger-url",
            "--trezor",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }

    #[tokio::test]
    async fn resolution_order_and_env_fallback() {
        // Command line wins over the environment.
        let opts = parse(&["--mnemonic", PHRASE, "--mnemonic-index", "1"]).unwrap();
        let env = |k: &str| (k == ENV_PRIVATE_KEY).then(|| KEY0.to_owned());
        let s = opts.signer_with_env(env).await.unwrap();
        assert_eq!(s.kind(), crate::SignerKind::Mnemonic);
        assert_eq!(
            s.address(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                .parse::<alloy::primitives::Address>()
                .unwrap()
        );
        // Environment in order: private key before mnemonic.
        let env = |k: &str| match k {
            ENV_PRIVATE_KEY => Some(KEY0.to_owned()),
            ENV_MNEMONIC => Some(PHRASE.to_owned()),
            _ => None,
        };
        let s = WalletOpts::default().signer_with_env(env).await.unwrap();
        assert_eq!(s.kind(), crate::SignerKind::PrivateKey);
        let env = |k: &str| (k == ENV_MNEMONIC).then(|| PHRASE.to_owned());
        let s = parse(&["--mnemonic-index", "1"]).unwrap().signer_with_env(env).await.unwrap();
        assert_eq!(s.kind(), crate::SignerKind::Mnemonic);
        assert_eq!(
            s.address(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                .parse::<alloy::primitives::Address>()
                .unwrap()
        );
    }

    #[tokio::test]
    async fn inapplicable_options_are_refused() {
        let e = parse(&["--private-key", KEY0, "--mnemonic-index", "2"])
            .unwrap()
            .signer_with_env(no_env)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("--mnemonic-index does not apply to --private-key"), "{e}");
        let env = |k: &str| (k == ENV_KEYSTORE).then(|| "/nonexistent/k.json".to_owned());
        let e = parse(&["--hd-path", "m/44'/60'/0'/0/0"])
            .unwrap()
            .signer_with_env(env)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("--hd-path does not apply to --keystore"), "{e}");
        let e = parse(&["--ledger-legacy"]).unwrap().signer_with_env(no_env).await.unwrap_err();
        assert!(matches!(e, Error::NoWallet), "{e}");
    }

    #[tokio::test]
    async fn keystore_paths_and_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = rand_core_rng();
        let (key, _uuid) = alloy::signers::local::PrivateKeySigner::new_keystore(
            dir.path(),
            &mut rng,
            "correct horse",
            Some("k.json"),
        )
        .unwrap();
        let path = dir.path().join("k.json");
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "correct horse\n").unwrap();
        let opts =
            parse(&["--keystore", path.to_str().unwrap(), "--password-file", pw.to_str().unwrap()])
                .unwrap();
        let s = opts.signer_with_env(no_env).await.unwrap();
        assert_eq!((s.kind(), s.address()), (crate::SignerKind::Keystore, key.address()));
        // ETH_PASSWORD.
        let env = |k: &str| (k == ENV_PASSWORD).then(|| "correct horse".to_owned());
        let opts = parse(&["--keystore", path.to_str().unwrap()]).unwrap();
        assert_eq!(opts.signer_with_env(env).await.unwrap().address(), key.address());
        // Wrong password.
        let env = |k: &str| (k == ENV_PASSWORD).then(|| "wrong".to_owned());
        let e = opts.signer_with_env(env).await.unwrap_err().to_string();
        assert!(e.contains("could not decrypt keystore") && e.contains("password is wrong"), "{e}");
        // Missing keystore, missing password file.
        let e = parse(&["--keystore", "/nonexistent/k.json"])
            .unwrap()
            .signer_with_env(no_env)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/k.json does not exist"), "{e}");
        let e =
            parse(&["--keystore", path.to_str().unwrap(), "--password-file", "/nonexistent/pw"])
                .unwrap()
                .signer_with_env(no_env)
                .await
                .unwrap_err()
                .to_string();
        assert!(e.contains("could not read the password file /nonexistent/pw"), "{e}");
    }

    #[tokio::test]
    async fn mnemonic_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("phrase.txt");
        std::fs::write(&file, format!("{PHRASE}\n")).unwrap();
        let s = parse(&["--mnemonic", file.to_str().unwrap()])
            .unwrap()
            .signer_with_env(no_env)
            .await
            .unwrap();
        assert_eq!(
            s.address(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
                .parse::<alloy::primitives::Address>()
                .unwrap()
        );
    }

    #[tokio::test]
    async fn no_usb_is_an_error_not_a_panic() {
        // Without a USB bus (as on this build machine) opening HID must fail with a clear message, not panic.
        // With a bus, a plugged-in device may legitimately answer, so only the no-bus case is strict.
        if std::path::Path::new("/dev/bus/usb").exists() {
            return;
        }
        let e = parse(&["--ledger"]).unwrap().signer_with_env(no_env).await.unwrap_err();
        eprintln!("--ledger without USB: {e}");
        assert!(matches!(e, Error::LedgerNotFound { .. }), "{e}");
        assert!(e.to_string().contains("open the Ethereum app"), "{e}");
        let e = parse(&["--trezor"]).unwrap().signer_with_env(no_env).await.unwrap_err();
        eprintln!("--trezor without USB: {e}");
        assert!(matches!(e, Error::TrezorNotFound { .. }), "{e}");
    }

    #[tokio::test]
    async fn trezor_emulator_address_from_the_environment() {
        // COFFER_TREZOR_EMULATOR sends --trezor to that UDP address (nothing answers at this
        // one), and alone it does not choose a Trezor.
        let port = {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap().port()
        };
        let addr = format!("127.0.0.1:{port}");
        let env = |name: &str| (name == ENV_TREZOR_EMULATOR).then(|| addr.clone());
        let e = parse(&["--trezor"]).unwrap().signer_with_env(env).await.unwrap_err();
        assert!(matches!(e, Error::TrezorNotFound { .. }), "{e}");
        assert!(e.to_string().contains(&addr), "{e}");
        let e = parse(&[]).unwrap().signer_with_env(env).await.unwrap_err();
        assert!(matches!(e, Error::NoWallet), "{e}");
    }

    fn rand_core_rng() -> impl alloy::signers::k256::elliptic_curve::rand_core::CryptoRngCore {
        alloy::signers::k256::elliptic_curve::rand_core::OsRng
    }
}
