//! A Ledger signer over coins-ledger 0.17: one code path, generic over the transport, for USB HID and the
//! Speculos TCP APDU port.
//!
//! Protocol (Ledger Ethereum app, CLA `0xE0`; paths are `count(1) ‖ count × u32 big-endian`):
//!
//! | command | INS | P1 / P2 | data | answer |
//! |---|---|---|---|---|
//! | GET_PUBLIC_KEY | `0x02` | `00` / `00` (no display, no chain code) | path | `65 ‖ pubkey(65) ‖ 40 ‖ address as ASCII hex` |
//! | GET_APP_CONFIGURATION | `0x06` | `00` / `00` | none | `flags ‖ major ‖ minor ‖ patch` |
//! | SIGN_PERSONAL_MESSAGE | `0x08` | `00` first chunk, `80` next / `00` | path ‖ length u32 BE ‖ bytes, then bytes | `v ‖ r ‖ s` |
//! | SIGN_EIP712 v0 (hashed) | `0x0C` | `00` / `00` | path ‖ domainSeparator(32) ‖ structHash(32) | `v ‖ r ‖ s` |
//! | EIP712 SEND STRUCT DEFINITION | `0x1A` | `00` / `00` name, `FF` field | name, or type descriptor ‖ [size] ‖ key | none |
//! | EIP712 SEND STRUCT IMPLEMENTATION | `0x1C` | `00` complete, `01` partial / `00` root name, `FF` value | name, or (length u16 BE ‖ value) in chunks | none |
//! | SIGN_EIP712 full | `0x0C` | `00` / `01` | path | `v ‖ r ‖ s` |
//! | SIGN_TRANSACTION | `0x04` | `00` first chunk, `80` next / `00` | path ‖ tx type ‖ RLP, in chunks | `v ‖ r ‖ s` |
//! | GET_PUBLIC_KEY, shown | `0x02` | `01` / `00` | path | as above, after the user confirms |

use std::{sync::Arc, time::Duration};

use alloy::primitives::{Address, B256, U256, keccak256};
use coffer_core::Rsv;
use coins_ledger::{
    CommandBuilder, Ledger, LedgerError, Model, StatusWord,
    transports::{DeviceIdentity, HidTransport, LedgerTransport, SpeculosError, SpeculosTransport},
};
use tokio::sync::Mutex;

use crate::{
    DerivationPath, Error, Result, TypedMessage,
    path::MAX_DEPTH,
    typed::{Eip712Struct, Eip712Type},
};

/// The Ledger Ethereum app's class byte.
const CLA: u8 = 0xE0;
const INS_GET_PUBLIC_KEY: u8 = 0x02;
const INS_GET_APP_CONFIGURATION: u8 = 0x06;
const INS_SIGN_PERSONAL_MESSAGE: u8 = 0x08;
const INS_SIGN_EIP712: u8 = 0x0C;
const INS_SIGN_TRANSACTION: u8 = 0x04;
const INS_EIP712_STRUCT_DEF: u8 = 0x1A;
const INS_EIP712_STRUCT_IMPL: u8 = 0x1C;
/// P1 of a SIGN_PERSONAL_MESSAGE or SIGN_TRANSACTION chunk after the first.
const P1_MORE: u8 = 0x80;
/// P1 of an EIP712 STRUCT IMPLEMENTATION value chunk that more chunks follow ("partial, more
/// follows", HARDWARE-WALLETS.md, as seen on the real app 1.22.0); the last chunk has P1 `0x00`.
const P1_PARTIAL: u8 = 0x01;
/// P2 of a struct name (0x1A and 0x1C).
const P2_NAME: u8 = 0x00;
/// P2 of a struct field definition (0x1A) or value (0x1C).
const P2_FIELD: u8 = 0xFF;
/// P2 of SIGN_EIP712 in full mode (after the struct APDUs).
const P2_FULL: u8 = 0x01;
/// P1 of GET_PUBLIC_KEY that shows the address on the device for confirmation.
const P1_SHOW: u8 = 0x01;
/// The default time to wait for the user to confirm on a device (`--device-timeout`).
pub const DEFAULT_DEVICE_TIMEOUT: Duration = Duration::from_secs(120);
/// The most data bytes in one short APDU.
const MAX_APDU_DATA: usize = 255;

/// How long coffer waits for answers that need no user action (address, app configuration).
const INFO_TIMEOUT: Duration = Duration::from_secs(30);
/// How long coffer waits for the Speculos TCP port to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The oldest Ethereum app with SIGN_EIP712 v0 (hashed).
const EIP712_HASHED_SINCE: (u8, u8, u8) = (1, 5, 0);
/// The oldest Ethereum app coffer uses full EIP-712 mode with (struct definitions and implementations on
/// every device model, including the Nano S+).
const EIP712_FULL_SINCE: (u8, u8, u8) = (1, 10, 0);

/// How a Ledger signs a Safe transaction or message (`--ledger-mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum LedgerMode {
    /// Full mode when the app allows it and every value fits on the screen uncut, hashed mode otherwise.
    #[default]
    Auto,
    /// Full EIP-712: the device shows `to`, `value`, `data`, `operation`, the gas fields and `nonce`
    /// (needs Blind signing or Verbose EIP-712 on).
    Full,
    /// Hashed EIP-712 (SIGN_EIP712 v0): the device shows the domain and message hashes (needs Blind signing).
    Hashed,
    /// eth_sign: the device signs the safeTxHash as a personal message (no setting needed; v + 4).
    EthSign,
}

impl core::fmt::Display for LedgerMode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Full => "full",
            Self::Hashed => "hashed",
            Self::EthSign => "eth-sign",
        })
    }
}

/// What GET_APP_CONFIGURATION returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerAppConfig {
    /// Bit 0: blind signing ("arbitrary data signature") is on.
    pub flags: u8,
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Patch version.
    pub patch: u8,
}

impl LedgerAppConfig {
    /// True if the app's blind signing setting is on (flag bit 0).
    pub fn blind_signing_enabled(&self) -> bool {
        self.flags & 0x01 != 0
    }

    /// True if the app has hashed EIP-712 signing (1.5.0 and newer).
    pub fn supports_eip712_hashed(&self) -> bool {
        (self.major, self.minor, self.patch) >= EIP712_HASHED_SINCE
    }

    /// True if coffer uses the app's full EIP-712 mode (1.10.0 and newer).
    pub fn supports_eip712_full(&self) -> bool {
        (self.major, self.minor, self.patch) >= EIP712_FULL_SINCE
    }

    /// The version as `major.minor.patch`.
    pub fn version(&self) -> String {
        format!("{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The transports coffer opens: USB HID or the Speculos TCP APDU port. Both go through the same
/// [`LedgerSigner`] code.
#[derive(Debug)]
#[non_exhaustive]
pub enum LedgerConnection {
    /// A device over USB HID.
    Hid(HidTransport),
    /// A Speculos emulator's APDU port over TCP.
    Speculos(SpeculosTransport),
}

impl LedgerTransport for LedgerConnection {
    fn identity(&self) -> Option<DeviceIdentity<'_>> {
        match self {
            Self::Hid(t) => t.identity(),
            Self::Speculos(t) => t.identity(),
        }
    }

    async fn exchange(
        &mut self,
        packet: coins_ledger::ApduCommand,
        timeout: Option<Duration>,
    ) -> Result<coins_ledger::ApduAnswer, LedgerError> {
        match self {
            Self::Hid(t) => t.exchange(packet, timeout).await,
            Self::Speculos(t) => t.exchange(packet, timeout).await,
        }
    }
}

/// Parses `tcp://host:port` into `host:port`.
pub(crate) fn parse_ledger_url(url: &str) -> Result<String> {
    let bad = |reason| Error::InvalidLedgerUrl { url: url.to_owned(), reason };
    let rest = url.trim().strip_prefix("tcp://").ok_or_else(|| bad("it must start with tcp://"))?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("it has no :PORT"))?;
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    if host.contains('/') || port.contains('/') {
        return Err(bad("it must not have a path"));
    }
    port.parse::<u16>().map_err(|_| bad("the port is not a number from 0 to 65535"))?;
    Ok(rest.to_owned())
}

/// The BIP-32 path as the Ethereum app reads it: a level count, then each level as big-endian u32.
pub(crate) fn encode_path(path: &DerivationPath) -> Result<Vec<u8>> {
    let levels = path.components();
    if levels.len() > MAX_DEPTH || levels.is_empty() {
        return Err(Error::InvalidDerivationPath {
            path: path.to_string(),
            reason: format!("the Ledger takes 1 to {MAX_DEPTH} levels"),
        });
    }
    let mut out = Vec::with_capacity(1 + 4 * levels.len());
    // Fits: at most MAX_DEPTH (10) levels.
    out.push(levels.len() as u8);
    for level in levels {
        out.extend_from_slice(&level.to_be_bytes());
    }
    Ok(out)
}

/// The data of SIGN_EIP712 v0: path ‖ domainSeparator ‖ structHash.
pub(crate) fn eip712_hashed_data(
    path: &DerivationPath,
    domain: B256,
    message: B256,
) -> Result<Vec<u8>> {
    let mut data = encode_path(path)?;
    data.extend_from_slice(domain.as_slice());
    data.extend_from_slice(message.as_slice());
    Ok(data)
}

/// The (P1, data) chunks of SIGN_PERSONAL_MESSAGE: the first carries path ‖ total length (u32 BE) ‖ the start
/// of the message, each next one (P1 = 0x80) up to 255 more bytes.
pub(crate) fn personal_message_chunks(
    path: &DerivationPath,
    message: &[u8],
) -> Result<Vec<(u8, Vec<u8>)>> {
    let len = u32::try_from(message.len()).map_err(|_| Error::LedgerBadResponse {
        what: "SIGN_PERSONAL_MESSAGE",
        reason: "the message is longer than 4 GiB".to_owned(),
    })?;
    let mut first = encode_path(path)?;
    first.extend_from_slice(&len.to_be_bytes());
    Ok(continued_chunks(first, message))
}

/// The (P1, data) chunks of SIGN_TRANSACTION: the first carries path ‖ the start of the unsigned
/// transaction (type byte ‖ RLP for a typed transaction), each next one (P1 = 0x80) up to 255 more bytes.
pub(crate) fn transaction_chunks(
    path: &DerivationPath,
    unsigned: &[u8],
) -> Result<Vec<(u8, Vec<u8>)>> {
    Ok(continued_chunks(encode_path(path)?, unsigned))
}

/// `first` ‖ as much of `message` as fits, then the rest in 255-byte chunks with P1 = 0x80.
fn continued_chunks(mut first: Vec<u8>, message: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let room = MAX_APDU_DATA - first.len();
    let (head, mut rest) = message.split_at(room.min(message.len()));
    first.extend_from_slice(head);
    let mut chunks = vec![(0x00, first)];
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(MAX_APDU_DATA.min(rest.len()));
        chunks.push((P1_MORE, chunk.to_vec()));
        rest = tail;
    }
    chunks
}

/// One APDU of the full EIP-712 sequence: (INS, P1, P2, data).
pub(crate) type Apdu = (u8, u8, u8, Vec<u8>);

/// The 0x1A field descriptor of a member: type byte (bit 6 = a size follows; low nibble 1 int, 2 uint,
/// 3 address, 7 bytes), the size in bytes for `uintN`, then the key name with its length.
fn field_definition(name: &str, ty: Eip712Type) -> Vec<u8> {
    let mut out = match ty {
        Eip712Type::Uint { bytes } => vec![0x40 | 0x02, bytes],
        Eip712Type::Address => vec![0x03],
        Eip712Type::Bytes => vec![0x07],
    };
    // Member names are short Safe field names (at most 17 bytes).
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    out
}

/// The 0x1C APDUs of one value: `length u16 BE ‖ value`, cut into 255-byte chunks; every chunk but the last
/// has P1 = 0x01 ("partial").
fn value_apdus(value: &[u8]) -> Result<Vec<Apdu>> {
    let len = u16::try_from(value.len()).map_err(|_| Error::LedgerTransport {
        reason: format!(
            "a value of {} bytes is longer than full EIP-712 mode can send (65535): use --ledger-mode hashed",
            value.len()
        ),
    })?;
    let mut all = len.to_be_bytes().to_vec();
    all.extend_from_slice(value);
    let chunks: Vec<&[u8]> = all.chunks(MAX_APDU_DATA).collect();
    let last = chunks.len() - 1;
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            (
                INS_EIP712_STRUCT_IMPL,
                if i == last { 0x00 } else { P1_PARTIAL },
                P2_FIELD,
                c.to_vec(),
            )
        })
        .collect())
}

fn definition_apdus(s: &Eip712Struct, out: &mut Vec<Apdu>) {
    out.push((INS_EIP712_STRUCT_DEF, 0x00, P2_NAME, s.name.as_bytes().to_vec()));
    for m in &s.members {
        out.push((INS_EIP712_STRUCT_DEF, 0x00, P2_FIELD, field_definition(m.name, m.ty)));
    }
}

fn implementation_apdus(s: &Eip712Struct, out: &mut Vec<Apdu>) -> Result<()> {
    out.push((INS_EIP712_STRUCT_IMPL, 0x00, P2_NAME, s.name.as_bytes().to_vec()));
    for v in &s.values {
        out.extend(value_apdus(v)?);
    }
    Ok(())
}

/// Every APDU of full EIP-712 mode, in the order the app requires: the struct definitions (0x1A) of
/// `EIP712Domain` and of the primary struct, their values (0x1C), then SIGN_EIP712 P2 01 with the path.
pub(crate) fn eip712_full_apdus(path: &DerivationPath, typed: &TypedMessage) -> Result<Vec<Apdu>> {
    let mut out = Vec::new();
    definition_apdus(&typed.domain, &mut out);
    definition_apdus(&typed.message, &mut out);
    implementation_apdus(&typed.domain, &mut out)?;
    implementation_apdus(&typed.message, &mut out)?;
    out.push((INS_SIGN_EIP712, 0x00, P2_FULL, encode_path(path)?));
    Ok(out)
}

fn parse_app_config(data: &[u8]) -> Result<LedgerAppConfig> {
    match data {
        [flags, major, minor, patch, ..] => {
            Ok(LedgerAppConfig { flags: *flags, major: *major, minor: *minor, patch: *patch })
        }
        _ => Err(Error::LedgerBadResponse {
            what: "GET_APP_CONFIGURATION",
            reason: format!("expected at least 4 bytes, got {}", data.len()),
        }),
    }
}

/// Parses GET_PUBLIC_KEY's answer and checks that the address the app wrote is the one of the public key.
fn parse_public_key(data: &[u8]) -> Result<Address> {
    let bad = |reason: String| Error::LedgerBadResponse { what: "GET_PUBLIC_KEY", reason };
    let (&pk_len, rest) = data.split_first().ok_or_else(|| bad("empty answer".to_owned()))?;
    let pk_len = usize::from(pk_len);
    if pk_len != 65 || rest.len() < pk_len + 1 {
        return Err(bad(format!(
            "public key of {pk_len} bytes in an answer of {} bytes",
            data.len()
        )));
    }
    let (pubkey, rest) = rest.split_at(pk_len);
    if pubkey[0] != 0x04 {
        return Err(bad("the public key is not uncompressed (0x04…)".to_owned()));
    }
    let from_key = Address::from_slice(&keccak256(&pubkey[1..])[12..]);
    let addr_len = usize::from(rest[0]);
    let ascii = rest.get(1..1 + addr_len).ok_or_else(|| bad("truncated address".to_owned()))?;
    let text =
        core::str::from_utf8(ascii).map_err(|_| bad("the address is not ASCII".to_owned()))?;
    let stated: Address = text
        .trim_start_matches("0x")
        .parse()
        .map_err(|_| bad(format!("the address {text:?} is not 40 hex digits")))?;
    if stated != from_key {
        return Err(bad(format!(
            "the address {stated} does not belong to the public key (which gives {from_key})"
        )));
    }
    Ok(from_key)
}

/// Parses `v ‖ r ‖ s`. The app returns v = 27 + y-parity (+2 when r ≥ n, which Ethereum cannot use).
fn parse_signature(what: &'static str, data: &[u8]) -> Result<Rsv> {
    if data.len() < 65 {
        return Err(Error::LedgerBadResponse {
            what,
            reason: format!("expected 65 bytes (v ‖ r ‖ s), got {}", data.len()),
        });
    }
    let v = data[0];
    if !matches!(v, 0 | 1 | 27 | 28) {
        return Err(Error::LedgerBadResponse {
            what,
            reason: format!("v = {v} is not a y-parity (0, 1, 27 or 28)"),
        });
    }
    Ok(Rsv { r: U256::from_be_slice(&data[1..33]), s: U256::from_be_slice(&data[33..65]), v })
}

/// Turns a status word into the error a person can act on.
fn status_error(ins: u8, status: u16) -> Error {
    match status {
        0x5515 | 0x6804 => Error::LedgerLocked { status },
        0x6985 | 0x5501 => Error::LedgerRejected { status },
        // INS or CLA not supported (0x6D00 / 0x6E00 and the newer 0x6D02 / 0x6E01 / 0x6511): another app,
        // or the dashboard, is open.
        0x6D00 | 0x6E00 | 0x6D02 | 0x6E01 | 0x6511 => Error::LedgerAppNotOpen { status },
        0x6A80 if ins == INS_SIGN_EIP712 => Error::LedgerBlindSigningDisabled,
        0x6A80 if ins == INS_EIP712_STRUCT_DEF || ins == INS_EIP712_STRUCT_IMPL => {
            Error::LedgerFullModeRefused
        }
        _ => Error::LedgerStatus {
            ins,
            status,
            description: StatusWord::new(status).description().to_owned(),
        },
    }
}

/// How long an exchange may take: an answer that needs no user, or one that waits for a confirmation.
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// No user action: [`INFO_TIMEOUT`].
    Info,
    /// The user confirms on the device: `--device-timeout`.
    Confirm(Duration),
}

fn ledger_error(ins: u8, err: LedgerError, wait: Wait) -> Error {
    match err {
        LedgerError::BadRetcode(sw) => status_error(ins, sw.raw()),
        LedgerError::Timeout(d) => match wait {
            Wait::Info => Error::LedgerTimeout { seconds: d.as_secs() },
            Wait::Confirm(_) => Error::DeviceTimeout { device: "Ledger", seconds: d.as_secs() },
        },
        other => Error::LedgerTransport { reason: other.to_string() },
    }
}

/// Sends one APDU and returns the answer's data (the status word was 0x9000).
async fn exchange<T: LedgerTransport>(
    ledger: &mut Ledger<T>,
    (ins, p1, p2): (u8, u8, u8),
    data: &[u8],
    wait: Wait,
) -> Result<Vec<u8>> {
    let command = CommandBuilder::new()
        .cla(CLA)
        .ins(ins)
        .p1(p1)
        .p2(p2)
        .data(data)
        .build()
        .map_err(|e| Error::LedgerTransport { reason: e.to_string() })?;
    ledger.set_timeout(Some(match wait {
        Wait::Info => INFO_TIMEOUT,
        Wait::Confirm(d) => d,
    }));
    let answer = ledger.exchange(command).await.map_err(|e| ledger_error(ins, e, wait))?;
    Ok(answer.data().to_vec())
}

/// A Ledger running the Ethereum app, at one derivation path.
///
/// Generic over the coins-ledger transport: [`LedgerConnection`] (USB HID or Speculos TCP) by default, and
/// any [`LedgerTransport`]. Every command goes through the same code whatever the transport.
#[derive(Debug)]
pub struct LedgerSigner<T = LedgerConnection> {
    ledger: Arc<Mutex<Ledger<T>>>,
    path: DerivationPath,
    address: Address,
    app: LedgerAppConfig,
    mode: LedgerMode,
    device_timeout: Duration,
}

impl<T> Clone for LedgerSigner<T> {
    /// Another handle on the same device connection (commands are serialised).
    fn clone(&self) -> Self {
        Self {
            ledger: Arc::clone(&self.ledger),
            path: self.path.clone(),
            address: self.address,
            app: self.app,
            mode: self.mode,
            device_timeout: self.device_timeout,
        }
    }
}

impl LedgerSigner<LedgerConnection> {
    /// Opens the first Ledger found over USB HID, then reads the app configuration and the address at
    /// `path`. Returns [`Error::LedgerNotFound`] when there is no device or no USB at all; never panics.
    pub async fn open_usb(path: DerivationPath) -> Result<Self> {
        // hidapi may panic on platforms without USB access; make that an error too.
        let opened = std::panic::catch_unwind(HidTransport::open_first).map_err(|_| {
            Error::LedgerNotFound { reason: "the USB HID layer failed to start".to_owned() }
        })?;
        let transport = opened.map_err(|e| Error::LedgerNotFound { reason: e.to_string() })?;
        Self::new(Ledger::from_transport(LedgerConnection::Hid(transport)), path).await
    }

    /// Connects to a Speculos emulator's APDU port at `tcp://host:port`, then reads the app configuration
    /// and the address at `path`.
    pub async fn connect_tcp(url: &str, path: DerivationPath) -> Result<Self> {
        let addr = parse_ledger_url(url)?;
        let connecting = SpeculosTransport::connect(addr.as_str(), Model::NanoSPlus);
        let transport = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Err(_) => {
                return Err(Error::LedgerConnect {
                    addr,
                    source: std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                    ),
                });
            }
            Ok(Err(SpeculosError::Io(source))) => {
                return Err(Error::LedgerConnect { addr, source });
            }
            Ok(Err(other)) => return Err(Error::LedgerTransport { reason: other.to_string() }),
            Ok(Ok(t)) => t,
        };
        Self::new(Ledger::from_transport(LedgerConnection::Speculos(transport)), path).await
    }
}

impl<T: LedgerTransport + Send> LedgerSigner<T> {
    /// Wraps an open Ledger: reads GET_APP_CONFIGURATION and the address at `path` (GET_PUBLIC_KEY without
    /// on-screen confirmation).
    pub async fn new(mut ledger: Ledger<T>, path: DerivationPath) -> Result<Self> {
        let config =
            exchange(&mut ledger, (INS_GET_APP_CONFIGURATION, 0, 0), &[], Wait::Info).await?;
        let app = parse_app_config(&config)?;
        let path_data = encode_path(&path)?;
        let answer =
            exchange(&mut ledger, (INS_GET_PUBLIC_KEY, 0, 0), &path_data, Wait::Info).await?;
        let address = parse_public_key(&answer)?;
        Ok(Self {
            ledger: Arc::new(Mutex::new(ledger)),
            path,
            address,
            app,
            mode: LedgerMode::Auto,
            device_timeout: DEFAULT_DEVICE_TIMEOUT,
        })
    }

    /// Sets how Safe transactions and messages are signed (`--ledger-mode`).
    pub fn with_mode(mut self, mode: LedgerMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets how long to wait for the user to confirm on the device (`--device-timeout`).
    pub fn with_device_timeout(mut self, timeout: Duration) -> Self {
        self.device_timeout = timeout;
        self
    }

    /// The signing mode asked for.
    pub fn mode(&self) -> LedgerMode {
        self.mode
    }

    /// How long coffer waits for a confirmation on the device.
    pub fn device_timeout(&self) -> Duration {
        self.device_timeout
    }

    /// Reads GET_APP_CONFIGURATION again (the user may have changed a setting since the signer was opened).
    pub async fn read_app_config(&self) -> Result<LedgerAppConfig> {
        let mut ledger = self.ledger.lock().await;
        let config =
            exchange(&mut ledger, (INS_GET_APP_CONFIGURATION, 0, 0), &[], Wait::Info).await?;
        parse_app_config(&config)
    }

    /// The address at `path` (GET_PUBLIC_KEY). With `show`, the device shows it and coffer waits up to the
    /// device timeout for the user to confirm it (P1 01); a rejection is [`Error::LedgerRejected`].
    pub async fn address_at(&self, path: &DerivationPath, show: bool) -> Result<Address> {
        let data = encode_path(path)?;
        let (p1, wait) =
            if show { (P1_SHOW, Wait::Confirm(self.device_timeout)) } else { (0, Wait::Info) };
        let mut ledger = self.ledger.lock().await;
        let answer = exchange(&mut ledger, (INS_GET_PUBLIC_KEY, p1, 0), &data, wait).await?;
        parse_public_key(&answer)
    }

    /// Refuses, before anything is sent that needs it, when the app's Blind signing setting is off.
    pub async fn ensure_blind_signing(&self, what: &'static str) -> Result<LedgerAppConfig> {
        let config = self.read_app_config().await?;
        if !config.blind_signing_enabled() {
            return Err(Error::LedgerBlindSigningOff { what });
        }
        Ok(config)
    }

    /// The address at the signer's path.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The derivation path.
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    /// The Ethereum app's configuration, read when the signer was opened.
    pub fn app_config(&self) -> LedgerAppConfig {
        self.app
    }

    /// SIGN_EIP712 v0: the device shows `Domain hash` and `Message hash` and signs
    /// `keccak256(0x19 ‖ 0x01 ‖ domain ‖ message)`. Needs app 1.5.0+ and Blind signing on. Returns `r`, `s`
    /// and `v` as the device gave them (unchecked: [`crate::WalletSigner`] checks the signer).
    pub async fn sign_eip712_hashed(&self, domain: B256, message: B256) -> Result<Rsv> {
        if !self.app.supports_eip712_hashed() {
            return Err(Error::LedgerAppTooOld {
                version: self.app.version(),
                feature: "EIP-712 hashed signing",
                needed: "1.5.0",
                alternative: ", or sign in eth_sign mode",
            });
        }
        let data = eip712_hashed_data(&self.path, domain, message)?;
        let wait = Wait::Confirm(self.device_timeout);
        let mut ledger = self.ledger.lock().await;
        let answer = exchange(&mut ledger, (INS_SIGN_EIP712, 0, 0), &data, wait).await?;
        parse_signature("SIGN_EIP712", &answer)
    }

    /// Full EIP-712 mode: sends the struct definitions (0x1A) and values (0x1C) of `typed`, then SIGN_EIP712
    /// P2 01. The device shows each field (see [`TypedMessage::ledger_screens`]) and signs
    /// `keccak256(0x19 ‖ 0x01 ‖ hashStruct(domain) ‖ hashStruct(message))`. Returns `r`, `s`, `v` unchecked.
    pub async fn sign_eip712_full(&self, typed: &TypedMessage) -> Result<Rsv> {
        if !self.app.supports_eip712_full() {
            return Err(Error::LedgerAppTooOld {
                version: self.app.version(),
                feature: "full EIP-712 signing",
                needed: "1.10.0",
                alternative: ", or use --ledger-mode hashed or eth-sign",
            });
        }
        let apdus = eip712_full_apdus(&self.path, typed)?;
        let wait = Wait::Confirm(self.device_timeout);
        let mut ledger = self.ledger.lock().await;
        let mut answer = Vec::new();
        for (ins, p1, p2, data) in &apdus {
            answer =
                exchange(&mut ledger, (*ins, *p1, *p2), data, wait).await.map_err(|e| match e {
                    // 0x6A80 to the final SIGN_EIP712 P2 01: neither Blind signing nor Verbose EIP-712 is on.
                    Error::LedgerBlindSigningDisabled => Error::LedgerFullModeRefused,
                    other => other,
                })?;
        }
        parse_signature("SIGN_EIP712", &answer)
    }

    /// SIGN_TRANSACTION: sends `unsigned` (for EIP-1559, `0x02 ‖ rlp([chainId, nonce, …, accessList])`, the
    /// bytes whose keccak256 is signed) in chunks. The device shows the amount, the recipient, the fees and the
    /// network and signs; for a typed transaction it returns v as the y-parity. Unchecked: the caller recovers.
    pub async fn sign_transaction(&self, unsigned: &[u8]) -> Result<Rsv> {
        let chunks = transaction_chunks(&self.path, unsigned)?;
        let wait = Wait::Confirm(self.device_timeout);
        let mut ledger = self.ledger.lock().await;
        let mut answer = Vec::new();
        for (p1, data) in &chunks {
            answer = exchange(&mut ledger, (INS_SIGN_TRANSACTION, *p1, 0), data, wait).await?;
        }
        parse_signature("SIGN_TRANSACTION", &answer)
    }

    /// SIGN_PERSONAL_MESSAGE: signs `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`, sending
    /// the message in chunks of at most 255 bytes. Returns `r`, `s` and `v` as the device gave them.
    pub async fn sign_personal_message(&self, message: &[u8]) -> Result<Rsv> {
        let chunks = personal_message_chunks(&self.path, message)?;
        let wait = Wait::Confirm(self.device_timeout);
        let mut ledger = self.ledger.lock().await;
        let mut answer = Vec::new();
        for (p1, data) in &chunks {
            answer = exchange(&mut ledger, (INS_SIGN_PERSONAL_MESSAGE, *p1, 0), data, wait).await?;
        }
        parse_signature("SIGN_PERSONAL_MESSAGE", &answer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::primitives::b256;

    #[test]
    fn path_encoding() {
        let p = DerivationPath::ledger_live(1).unwrap();
        assert_eq!(
            encode_path(&p).unwrap(),
            [5, 0x80, 0, 0, 44, 0x80, 0, 0, 60, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn eip712_encoding_is_path_domain_message() {
        let p = DerivationPath::ledger_legacy(0).unwrap();
        let d = b256!("0x1111111111111111111111111111111111111111111111111111111111111111");
        let m = b256!("0x2222222222222222222222222222222222222222222222222222222222222222");
        let data = eip712_hashed_data(&p, d, m).unwrap();
        assert_eq!(data.len(), 1 + 16 + 64);
        assert_eq!(&data[..17], &encode_path(&p).unwrap()[..]);
        assert_eq!(&data[17..49], d.as_slice());
        assert_eq!(&data[49..], m.as_slice());
    }

    #[test]
    fn full_mode_apdus_golden() {
        use coffer_core::{SafeTx, SafeTxContext, SafeVersion};
        let ctx = SafeTxContext::new(1, Address::repeat_byte(0x5a), SafeVersion::V1_4_1);
        let tx =
            SafeTx::call(Address::repeat_byte(0x11), U256::from(5), vec![0xee; 300], U256::from(2));
        let p = DerivationPath::ledger_live(0).unwrap();
        let apdus = eip712_full_apdus(&p, &TypedMessage::safe_tx(&ctx, &tx)).unwrap();
        // Definitions: names with P2 00, fields with P2 FF: type byte, [size], key length, key.
        assert_eq!(apdus[0], (0x1A, 0, 0x00, b"EIP712Domain".to_vec()));
        assert_eq!(apdus[1], (0x1A, 0, 0xFF, [&[0x42, 32, 7][..], b"chainId"].concat()));
        assert_eq!(apdus[2], (0x1A, 0, 0xFF, [&[0x03, 17][..], b"verifyingContract"].concat()));
        assert_eq!(apdus[3], (0x1A, 0, 0x00, b"SafeTx".to_vec()));
        assert_eq!(apdus[4], (0x1A, 0, 0xFF, [&[0x03, 2][..], b"to"].concat()));
        assert_eq!(apdus[6], (0x1A, 0, 0xFF, [&[0x07, 4][..], b"data"].concat()));
        assert_eq!(apdus[7], (0x1A, 0, 0xFF, [&[0x42, 1, 9][..], b"operation"].concat()));
        assert_eq!(apdus[14], (0x1C, 0, 0x00, b"EIP712Domain".to_vec()));
        // Values: 2-byte length ‖ value; chainId as 32 bytes.
        let mut chain_id = vec![0, 32];
        chain_id.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
        assert_eq!(apdus[15], (0x1C, 0, 0xFF, chain_id));
        assert_eq!(apdus[16], (0x1C, 0, 0xFF, [&[0, 20][..], &[0x5a; 20]].concat()));
        assert_eq!(apdus[17], (0x1C, 0, 0x00, b"SafeTx".to_vec()));
        // data: 302 bytes (2 + 300) in two chunks, the first "partial".
        assert_eq!(apdus[20].1, P1_PARTIAL);
        assert_eq!(&apdus[20].3[..2], &[0x01, 0x2C]);
        assert_eq!(apdus[20].3.len(), 255);
        assert_eq!((apdus[21].1, apdus[21].3.len()), (0x00, 47));
        assert_eq!(apdus[22].3, vec![0, 1, 0]); // operation: uint8 0
        let last = apdus.last().unwrap();
        assert_eq!(last, &(0x0C, 0, 0x01, encode_path(&p).unwrap()));
        assert_eq!(apdus.len(), 3 + 11 + 3 + 12 + 1);
    }

    #[test]
    fn personal_message_chunking() {
        let p = DerivationPath::ledger_live(0).unwrap();
        // A 32-byte hash fits in one APDU.
        let short = personal_message_chunks(&p, &[7u8; 32]).unwrap();
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].0, 0x00);
        assert_eq!(&short[0].1[21..25], &32u32.to_be_bytes());
        assert_eq!(&short[0].1[25..], &[7u8; 32]);
        // 600 bytes: 255 - 21 - 4 = 230 in the first, then 255, then 115.
        let msg: Vec<u8> = (0..600u32).map(|i| (i % 251) as u8).collect();
        let chunks = personal_message_chunks(&p, &msg).unwrap();
        let sizes: Vec<(u8, usize)> = chunks.iter().map(|(p1, d)| (*p1, d.len())).collect();
        assert_eq!(sizes, [(0x00, 255), (0x80, 255), (0x80, 115)]);
        let mut joined = chunks[0].1[25..].to_vec();
        joined.extend(chunks[1..].iter().flat_map(|(_, d)| d.iter().copied()));
        assert_eq!(joined, msg);
    }

    #[test]
    fn ledger_url_parsing() {
        assert_eq!(parse_ledger_url("tcp://127.0.0.1:9999").unwrap(), "127.0.0.1:9999");
        assert_eq!(parse_ledger_url("tcp://localhost:40000").unwrap(), "localhost:40000");
        for (url, needle) in [
            ("http://127.0.0.1:9999", "must start with tcp://"),
            ("tcp://127.0.0.1", "no :PORT"),
            ("tcp://:9999", "no host"),
            ("tcp://host:99999", "port is not a number"),
            ("tcp://host:1/x", "path"),
        ] {
            let e = parse_ledger_url(url).unwrap_err().to_string();
            assert!(e.contains(needle), "{url}: {e}");
        }
    }

    #[test]
    fn bad_answers_are_errors() {
        assert!(parse_app_config(&[1, 1, 9]).is_err());
        assert!(parse_public_key(&[]).is_err());
        assert!(parse_public_key(&[33; 40]).is_err());
        assert!(parse_signature("x", &[27; 64]).is_err());
        let mut sig = [0u8; 65];
        sig[0] = 29;
        let e = parse_signature("x", &sig).unwrap_err().to_string();
        assert!(e.contains("v = 29"), "{e}");
    }

    #[test]
    fn status_words_map_to_actions() {
        assert!(matches!(status_error(0x0C, 0x6A80), Error::LedgerBlindSigningDisabled));
        assert!(matches!(status_error(0x08, 0x6A80), Error::LedgerStatus { status: 0x6A80, .. }));
        assert!(matches!(status_error(0x02, 0x6985), Error::LedgerRejected { .. }));
        assert!(matches!(status_error(0x06, 0x6D00), Error::LedgerAppNotOpen { .. }));
        assert!(matches!(status_error(0x06, 0x6E00), Error::LedgerAppNotOpen { .. }));
        assert!(matches!(status_error(0x06, 0x5515), Error::LedgerLocked { .. }));
    }
}
