//! A Ledger device double for the tests: a TCP server that speaks the Speculos APDU framing and answers like
//! the Ledger Ethereum app 1.22.0.
//!
//! It exists only because neither a Ledger device nor a Speculos emulator with the Ethereum app image can
//! run on the build machine (no USB bus; no app binaries can be downloaded). coffer's real APDU encoding and
//! the real coins-ledger `SpeculosTransport` talk to it over a real socket; only the device is replaced.
//!
//! Written from the app's published protocol (`/work/shared/docs/HARDWARE-WALLETS.md`, app-ethereum's
//! `doc/ethapp.adoc` and `commands_712.h`), independently of coffer's encoder. The app model lives in one place,
//! [`App`], and encodes these firmware facts:
//! - framing: request = 4-byte big-endian length ‖ APDU; reply = 4-byte big-endian length of the data
//!   (excluding the status word) ‖ data ‖ 2-byte status word; APDU: CLA 0xE0 ‖ INS ‖ P1 ‖ P2 ‖ Lc ‖ data;
//!   paths are count ‖ count × u32 BE;
//! - GET_APP_CONFIGURATION (0x06) → flags ‖ major ‖ minor ‖ patch; flag 0x01 = Blind signing on. The
//!   "Verbose EIP-712" setting exists but is not reported there;
//! - GET_PUBLIC_KEY (0x02) → 65 ‖ 04‖X‖Y ‖ 40 ‖ address as ASCII hex; with P1 01 the address is shown and the
//!   answer waits for the user (0x6985 when rejected);
//! - SIGN_EIP712 v0 (0x0C, P2 00) path ‖ domain ‖ message: refused with 0x6A80 unless Blind signing is on; the
//!   screens are "Domain hash" and "Message hash" as `0x` + uppercase hex; signs keccak(0x1901 ‖ domain ‖
//!   message);
//! - full EIP-712: 0x1A (P2 00 struct name, P2 FF one field: type byte with bit 7 array, bit 6 size, low
//!   nibble 0 struct 1 int 2 uint 3 address 4 bool 5 string 6 bytesN 7 bytes; then struct name or size; then
//!   the key), 0x1C (P2 00 root struct name, then P2 FF each value in declaration order as 2-byte length ‖
//!   value, cut into APDUs with P1 01 "partial, more follows" (HARDWARE-WALLETS.md, checked on the
//!   real app 1.22.0; any other P1 is 0x6A80) and P1 00 on the last one), domain first; then 0x0C P2 01 path, refused
//!   with 0x6A80 unless Blind signing or Verbose EIP-712 is on. Anything out of order is 0x6A80. The screens
//!   are every field by key, an integer in decimal, an address in EIP-55 form, bytes as `0x` + lowercase hex
//!   cut to 255 characters with "...";
//! - SIGN_PERSONAL_MESSAGE (0x08, P1 00 then 0x80) path ‖ len u32 BE ‖ bytes… → v ‖ r ‖ s over the EIP-191
//!   hash of the reassembled message; the "Message" screen shows it as `0x` + lowercase hex;
//! - SIGN_TRANSACTION (0x04, P1 00 then 0x80) path ‖ 0x02 ‖ RLP of an EIP-1559 transaction; contract data is
//!   refused with 0x6A80 unless Blind signing is on; v is the y-parity for a typed transaction;
//! - 0x6985 when the user rejects; nothing at all while nobody decides.
//!
//! Keys come from a BIP-39 seed (anvil's test mnemonic) derived at the requested path, like a device.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::panic)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use alloy::{
    consensus::{TxEip1559, transaction::RlpEcdsaDecodableTx},
    primitives::{Address, B256, U256, eip191_hash_message, keccak256},
    signers::{
        SignerSync,
        local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
    },
};
use coffer_signer::{DevicePrompt, PreviewSink, SigningPreview};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub mod trezor;

/// anvil's (and hardhat's) test mnemonic: account N is m/44'/60'/0'/0/N.
pub const SEED: &str = "test test test test test test test test test test test junk";

/// secp256k1 n.
const N: U256 = alloy::primitives::uint!(
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256
);

/// What happened, in order: APDUs the double received and what the signer reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An APDU with this INS, P1 and P2.
    Apdu { ins: u8, p1: u8, p2: u8 },
    /// A signing preview was shown.
    Preview,
    /// The "Confirm on your device" line was given.
    Waiting,
}

impl Event {
    /// Whether this is an APDU with `ins`.
    pub fn is(&self, ins: u8) -> bool {
        matches!(self, Self::Apdu { ins: i, .. } if *i == ins)
    }
}

/// How the double misbehaves when asked to sign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tamper {
    /// Answers like the app.
    #[default]
    None,
    /// Signs with the key of another path.
    WrongKey,
    /// Returns v as 0/1 instead of 27/28.
    ZeroOneV,
    /// Returns the high-s twin of the signature (s' = n − s, parity flipped).
    HighS,
    /// Claims an address in GET_PUBLIC_KEY that is not the public key's.
    LyingAddress,
    /// Drops the connection when asked to sign.
    Hangup,
}

/// What the person holding the device does when it asks for a confirmation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum User {
    /// Approves.
    #[default]
    Approve,
    /// Rejects (0x6985).
    Reject,
    /// Never decides: the device never answers.
    Never,
}

/// The Ethereum app's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// App settings > Blind signing.
    pub blind_signing: bool,
    /// App settings > Verbose EIP-712.
    pub verbose_eip712: bool,
}

/// A screen: (label, value).
pub type Screen = (String, String);

/// The double's state, shared with the test.
#[derive(Debug)]
pub struct Device {
    /// App version reported by GET_APP_CONFIGURATION.
    pub version: Mutex<[u8; 3]>,
    /// The app's settings.
    pub settings: Mutex<Settings>,
    /// What the user does at the next confirmations.
    pub user: Mutex<User>,
    /// Status word to answer instead, per INS.
    pub faults: Mutex<HashMap<u8, u16>>,
    /// Misbehaviour when signing.
    pub tamper: Mutex<Tamper>,
    /// Events, shared with [`LogPreview`].
    pub log: Arc<Mutex<Vec<Event>>>,
    /// The hashes of the last EIP-712 signature (domain, message), hashed or full mode.
    pub last_eip712: Mutex<Option<(B256, B256)>>,
    /// The last personal message signed.
    pub last_personal: Mutex<Option<Vec<u8>>>,
    /// The last transaction signed.
    pub last_tx: Mutex<Option<TxEip1559>>,
    /// The screens of the last confirmation the device asked for.
    pub screens: Mutex<Vec<Screen>>,
}

impl Device {
    /// Makes INS answer `status` instead of working.
    pub fn fail(&self, ins: u8, status: u16) {
        self.faults.lock().unwrap().insert(ins, status);
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.log.lock().unwrap().clone()
    }

    /// Sets the settings.
    pub fn set(&self, blind_signing: bool, verbose_eip712: bool) {
        *self.settings.lock().unwrap() = Settings { blind_signing, verbose_eip712 };
    }

    /// The last screens shown.
    pub fn shown(&self) -> Vec<Screen> {
        self.screens.lock().unwrap().clone()
    }
}

/// A running double.
pub struct LedgerDouble {
    /// `tcp://127.0.0.1:PORT`.
    pub url: String,
    /// Shared state.
    pub device: Arc<Device>,
}

/// The key a device seeded with [`SEED`] holds at `path` (e.g. `m/44'/60'/0'/0/0`).
pub fn key_at(path: &str) -> PrivateKeySigner {
    MnemonicBuilder::<English>::default()
        .phrase(SEED)
        .derivation_path(path)
        .unwrap()
        .build()
        .unwrap()
}

fn path_string(levels: &[u32]) -> String {
    let mut s = String::from("m");
    for l in levels {
        if l & 0x8000_0000 != 0 {
            s.push_str(&format!("/{}'", l & 0x7FFF_FFFF));
        } else {
            s.push_str(&format!("/{l}"));
        }
    }
    s
}

/// Reads `count ‖ count × u32 BE` and returns (path, rest).
fn read_path(data: &[u8]) -> Option<(String, &[u8])> {
    let count = usize::from(*data.first()?);
    if data.len() < 1 + 4 * count {
        return None;
    }
    let levels: Vec<u32> = (0..count)
        .map(|i| u32::from_be_bytes(data[1 + 4 * i..5 + 4 * i].try_into().unwrap()))
        .collect();
    Some((path_string(&levels), &data[1 + 4 * count..]))
}

fn sign(device: &Device, path: &str, hash: B256, typed_tx: bool) -> Vec<u8> {
    let tamper = *device.tamper.lock().unwrap();
    let key = if tamper == Tamper::WrongKey { key_at("m/44'/60'/0'/0/9") } else { key_at(path) };
    let sig = key.sign_hash_sync(&hash).unwrap();
    let (mut s, mut parity) = (sig.s(), sig.v());
    if tamper == Tamper::HighS {
        s = N - s;
        parity = !parity;
    }
    let v = u8::from(parity) + if tamper == Tamper::ZeroOneV || typed_tx { 0 } else { 27 };
    let mut out = vec![v];
    out.extend_from_slice(&sig.r().to_be_bytes::<32>());
    out.extend_from_slice(&s.to_be_bytes::<32>());
    out
}

/// The reply to one APDU.
enum Reply {
    /// Data and status word.
    Answer(Vec<u8>, u16),
    /// Close the connection.
    Hangup,
    /// Never answer.
    Silent,
}

fn sw(status: u16) -> Reply {
    Reply::Answer(Vec::new(), status)
}

/// One EIP-712 field definition as the app stores it.
#[derive(Clone, Debug)]
struct FieldDef {
    /// 0 struct, 1 int, 2 uint, 3 address, 4 bool, 5 string, 6 bytesN, 7 bytes.
    kind: u8,
    size: Option<u8>,
    struct_name: Option<String>,
    key: String,
}

impl FieldDef {
    fn type_name(&self) -> String {
        match (self.kind, self.size) {
            (0, _) => self.struct_name.clone().unwrap_or_default(),
            (1, Some(n)) => format!("int{}", u16::from(n) * 8),
            (2, Some(n)) => format!("uint{}", u16::from(n) * 8),
            (3, _) => "address".into(),
            (4, _) => "bool".into(),
            (5, _) => "string".into(),
            (6, Some(n)) => format!("bytes{n}"),
            _ => "bytes".into(),
        }
    }

    fn encode(&self, value: &[u8]) -> [u8; 32] {
        let mut word = [0u8; 32];
        match self.kind {
            5 | 7 => word = keccak256(value).0,
            6 => word[..value.len().min(32)].copy_from_slice(&value[..value.len().min(32)]),
            _ => {
                let n = value.len().min(32);
                word[32 - n..].copy_from_slice(&value[value.len() - n..]);
            }
        }
        word
    }

    fn display(&self, value: &[u8]) -> String {
        match self.kind {
            1 | 2 | 4 => U256::from_be_slice(value).to_string(),
            3 => Address::from_slice(&value[value.len().saturating_sub(20)..]).to_checksum(None),
            5 => String::from_utf8_lossy(value).into_owned(),
            _ => {
                let full = format!("0x{}", alloy::primitives::hex::encode(value));
                if full.len() > 255 { format!("{}...", &full[..252]) } else { full }
            }
        }
    }
}

/// The struct whose values are being received.
#[derive(Debug, Default)]
struct Implementation {
    name: String,
    /// Values received so far.
    values: Vec<Vec<u8>>,
    /// A value received in part: (declared length, bytes so far).
    partial: Option<(usize, Vec<u8>)>,
}

/// The app's state on one connection.
#[derive(Debug, Default)]
struct App {
    personal: Option<(String, usize, Vec<u8>)>,
    transaction: Option<(String, Vec<u8>)>,
    /// Struct definitions in the order received.
    defs: Vec<(String, Vec<FieldDef>)>,
    /// Completed implementations (struct name → values).
    done: Vec<(String, Vec<Vec<u8>>)>,
    current: Option<Implementation>,
}

/// The length of an EIP-1559 payload (0x02 ‖ RLP list) once its list header is in, if it is.
fn typed_tx_len(buf: &[u8]) -> Option<usize> {
    let (&ty, rest) = buf.split_first()?;
    if ty != 0x02 {
        return None;
    }
    let &b = rest.first()?;
    match b {
        0xc0..=0xf7 => Some(1 + 1 + usize::from(b - 0xc0)),
        0xf8..=0xff => {
            let ll = usize::from(b - 0xf7);
            let len = rest.get(1..1 + ll)?.iter().fold(0usize, |a, x| a << 8 | usize::from(*x));
            Some(1 + 1 + ll + len)
        }
        _ => None,
    }
}

impl App {
    fn defs_of(&self, name: &str) -> Option<&Vec<FieldDef>> {
        self.defs.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    fn hash_struct(&self, name: &str, values: &[Vec<u8>]) -> B256 {
        let fields = self.defs_of(name).unwrap();
        let members: Vec<String> =
            fields.iter().map(|f| format!("{} {}", f.type_name(), f.key)).collect();
        let mut buf = keccak256(format!("{name}({})", members.join(","))).to_vec();
        for (f, v) in fields.iter().zip(values) {
            buf.extend_from_slice(&f.encode(v));
        }
        keccak256(buf)
    }

    /// 0x1A: one struct name or one field definition.
    fn struct_def(&mut self, p2: u8, data: &[u8]) -> Option<()> {
        match p2 {
            0x00 => {
                self.defs.push((String::from_utf8(data.to_vec()).ok()?, Vec::new()));
                Some(())
            }
            0xFF => {
                let (_, fields) = self.defs.last_mut()?;
                let (&desc, mut rest) = data.split_first()?;
                if desc & 0x80 != 0 {
                    return None; // arrays: not used by a SafeTx, not modelled
                }
                let kind = desc & 0x0F;
                let mut struct_name = None;
                if kind == 0 {
                    let (&n, r) = rest.split_first()?;
                    struct_name = Some(String::from_utf8(r.get(..usize::from(n))?.to_vec()).ok()?);
                    rest = &r[usize::from(n)..];
                }
                let mut size = None;
                if desc & 0x40 != 0 {
                    let (&n, r) = rest.split_first()?;
                    size = Some(n);
                    rest = r;
                }
                let (&n, r) = rest.split_first()?;
                if r.len() != usize::from(n) {
                    return None;
                }
                let key = String::from_utf8(r.to_vec()).ok()?;
                fields.push(FieldDef { kind, size, struct_name, key });
                Some(())
            }
            _ => None,
        }
    }

    /// 0x1C: a root struct name, or (a chunk of) the next value in declaration order.
    fn struct_impl(&mut self, p1: u8, p2: u8, data: &[u8]) -> Option<()> {
        match p2 {
            0x00 => {
                let name = String::from_utf8(data.to_vec()).ok()?;
                self.defs_of(&name)?;
                // The domain comes first.
                if name != "EIP712Domain" && !self.done.iter().any(|(n, _)| n == "EIP712Domain") {
                    return None;
                }
                if self.current.as_ref().is_some_and(|c| c.partial.is_some()) {
                    return None;
                }
                self.current = Some(Implementation { name, ..Implementation::default() });
                Some(())
            }
            0xFF => {
                if p1 != 0x00 && p1 != 0x01 {
                    return None;
                }
                let expected = {
                    let cur = self.current.as_ref()?;
                    self.defs_of(&cur.name)?.len()
                };
                let cur = self.current.as_mut()?;
                let (declared, mut buf, chunk) = match cur.partial.take() {
                    Some((declared, buf)) => (declared, buf, data),
                    None => {
                        let len = u16::from_be_bytes(data.get(..2)?.try_into().ok()?);
                        (usize::from(len), Vec::new(), &data[2..])
                    }
                };
                buf.extend_from_slice(chunk);
                if p1 == 0x01 {
                    if buf.len() >= declared {
                        return None;
                    }
                    cur.partial = Some((declared, buf));
                    return Some(());
                }
                if buf.len() != declared {
                    return None;
                }
                cur.values.push(buf);
                if cur.values.len() > expected {
                    return None;
                }
                if cur.values.len() == expected {
                    let done = self.current.take()?;
                    self.done.push((done.name, done.values));
                }
                Some(())
            }
            _ => None,
        }
    }
}

/// Waits for the user; `Some(reply)` when the user does not approve.
fn user_decides(device: &Device, screens: Vec<Screen>) -> Option<Reply> {
    *device.screens.lock().unwrap() = screens;
    match *device.user.lock().unwrap() {
        User::Approve => None,
        User::Reject => Some(sw(0x6985)),
        User::Never => Some(Reply::Silent),
    }
}

/// Answers one APDU.
fn answer(device: &Device, apdu: &[u8], app: &mut App) -> Reply {
    let (cla, ins, p1, p2) = (apdu[0], apdu[1], apdu[2], apdu[3]);
    let data: &[u8] = if apdu.len() > 5 { &apdu[5..5 + usize::from(apdu[4])] } else { &[] };
    device.log.lock().unwrap().push(Event::Apdu { ins, p1, p2 });
    if cla != 0xE0 {
        return sw(0x6E00);
    }
    if let Some(status) = device.faults.lock().unwrap().get(&ins) {
        return sw(*status);
    }
    let tamper = *device.tamper.lock().unwrap();
    let settings = *device.settings.lock().unwrap();
    match ins {
        0x06 => {
            let [major, minor, patch] = *device.version.lock().unwrap();
            Reply::Answer(vec![u8::from(settings.blind_signing), major, minor, patch], 0x9000)
        }
        0x02 => {
            let Some((path, _)) = read_path(data) else { return sw(0x6A80) };
            let key = key_at(&path);
            if p1 == 0x01 {
                let screens = vec![("Address".to_owned(), key.address().to_checksum(None))];
                if let Some(r) = user_decides(device, screens) {
                    return r;
                }
            } else if p1 != 0x00 {
                return sw(0x6B00);
            }
            let point = key.credential().verifying_key().to_encoded_point(false);
            let mut out = vec![65];
            out.extend_from_slice(point.as_bytes());
            let address = if tamper == Tamper::LyingAddress {
                key_at("m/44'/60'/0'/0/8").address()
            } else {
                key.address()
            };
            let ascii = alloy::primitives::hex::encode(address.as_slice());
            out.push(ascii.len() as u8);
            out.extend_from_slice(ascii.as_bytes());
            Reply::Answer(out, 0x9000)
        }
        0x1A => match app.struct_def(p2, data) {
            Some(()) => sw(0x9000),
            None => sw(0x6A80),
        },
        0x1C => match app.struct_impl(p1, p2, data) {
            Some(()) => sw(0x9000),
            None => sw(0x6A80),
        },
        0x0C if p1 == 0x00 && p2 == 0x01 => {
            // Full mode: both structs implemented, and a setting that allows it without filters.
            let Some((path, rest)) = read_path(data) else { return sw(0x6A80) };
            let domain = app.done.iter().find(|(n, _)| n == "EIP712Domain").cloned();
            let root = app.done.iter().rfind(|(n, _)| n != "EIP712Domain").cloned();
            let (Some((_, dv)), Some((root_name, mv))) = (domain, root) else {
                return sw(0x6A80);
            };
            if !rest.is_empty() || !(settings.blind_signing || settings.verbose_eip712) {
                *app = App::default();
                return sw(0x6A80);
            }
            let mut screens = vec![("Review".to_owned(), "typed message".to_owned())];
            for (name, values) in [("EIP712Domain", &dv), (root_name.as_str(), &mv)] {
                for (f, v) in app.defs_of(name).unwrap().iter().zip(values) {
                    screens.push((f.key.clone(), f.display(v)));
                }
            }
            screens.push(("Sign".to_owned(), "typed message".to_owned()));
            let d = app.hash_struct("EIP712Domain", &dv);
            let m = app.hash_struct(&root_name, &mv);
            *app = App::default();
            if let Some(r) = user_decides(device, screens) {
                return r;
            }
            if tamper == Tamper::Hangup {
                return Reply::Hangup;
            }
            *device.last_eip712.lock().unwrap() = Some((d, m));
            let mut pre = vec![0x19, 0x01];
            pre.extend_from_slice(d.as_slice());
            pre.extend_from_slice(m.as_slice());
            Reply::Answer(sign(device, &path, keccak256(pre), false), 0x9000)
        }
        0x0C => {
            if p1 != 0x00 || p2 != 0x00 {
                return sw(0x6B00);
            }
            if !settings.blind_signing {
                return sw(0x6A80);
            }
            let Some((path, rest)) = read_path(data) else { return sw(0x6A80) };
            if rest.len() != 64 {
                return sw(0x6A80);
            }
            let domain = B256::from_slice(&rest[..32]);
            let message = B256::from_slice(&rest[32..]);
            let hex = |h: &B256| format!("0x{}", alloy::primitives::hex::encode_upper(h));
            let screens = vec![
                ("Domain hash".to_owned(), hex(&domain)),
                ("Message hash".to_owned(), hex(&message)),
            ];
            if let Some(r) = user_decides(device, screens) {
                return r;
            }
            if tamper == Tamper::Hangup {
                return Reply::Hangup;
            }
            *device.last_eip712.lock().unwrap() = Some((domain, message));
            let mut pre = vec![0x19, 0x01];
            pre.extend_from_slice(domain.as_slice());
            pre.extend_from_slice(message.as_slice());
            Reply::Answer(sign(device, &path, keccak256(pre), false), 0x9000)
        }
        0x08 => {
            match p1 {
                0x00 => {
                    let Some((path, rest)) = read_path(data) else { return sw(0x6A80) };
                    let total = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                    app.personal = Some((path, total, rest[4..].to_vec()));
                }
                0x80 => match &mut app.personal {
                    Some((_, _, buf)) => buf.extend_from_slice(data),
                    None => return sw(0x6A80),
                },
                _ => return sw(0x6B00),
            }
            let (path, total, buf) = app.personal.clone().unwrap();
            if buf.len() < total {
                return sw(0x9000);
            }
            app.personal = None;
            let screens = vec![
                ("Sign message".to_owned(), String::new()),
                ("Message".to_owned(), format!("0x{}", alloy::primitives::hex::encode(&buf))),
            ];
            if let Some(r) = user_decides(device, screens) {
                return r;
            }
            if tamper == Tamper::Hangup {
                return Reply::Hangup;
            }
            let out = sign(device, &path, eip191_hash_message(&buf), false);
            *device.last_personal.lock().unwrap() = Some(buf);
            Reply::Answer(out, 0x9000)
        }
        0x04 => {
            match p1 {
                0x00 => {
                    let Some((path, rest)) = read_path(data) else { return sw(0x6A80) };
                    app.transaction = Some((path, rest.to_vec()));
                }
                0x80 => match &mut app.transaction {
                    Some((_, buf)) => buf.extend_from_slice(data),
                    None => return sw(0x6A80),
                },
                _ => return sw(0x6B00),
            }
            let (path, buf) = app.transaction.clone().unwrap();
            let Some(total) = typed_tx_len(&buf) else { return sw(0x6A80) };
            if buf.len() < total {
                return sw(0x9000);
            }
            app.transaction = None;
            if buf.len() != total {
                return sw(0x6A80);
            }
            let Ok(tx) = TxEip1559::rlp_decode(&mut &buf[1..]) else { return sw(0x6A80) };
            if !tx.input.is_empty() && !settings.blind_signing {
                return sw(0x6A80);
            }
            let screens = vec![
                ("Amount".to_owned(), tx.value.to_string()),
                ("To".to_owned(), tx.to.to().map(|a| a.to_checksum(None)).unwrap_or_default()),
                ("Network".to_owned(), tx.chain_id.to_string()),
            ];
            if let Some(r) = user_decides(device, screens) {
                return r;
            }
            let out = sign(device, &path, keccak256(&buf), true);
            *device.last_tx.lock().unwrap() = Some(tx);
            Reply::Answer(out, 0x9000)
        }
        _ => sw(0x6D00),
    }
}

async fn serve(mut stream: TcpStream, device: Arc<Device>) {
    let mut app = App::default();
    loop {
        let mut len = [0u8; 4];
        if stream.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut apdu = vec![0u8; u32::from_be_bytes(len) as usize];
        if stream.read_exact(&mut apdu).await.is_err() {
            return;
        }
        let (data, status) = match answer(&device, &apdu, &mut app) {
            Reply::Answer(d, s) => (d, s),
            Reply::Hangup => return,
            Reply::Silent => {
                // The device waits for a person who never comes: keep the connection, answer nothing.
                let mut sink = [0u8; 64];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
        };
        let mut reply = (data.len() as u32).to_be_bytes().to_vec();
        reply.extend_from_slice(&data);
        reply.extend_from_slice(&status.to_be_bytes());
        if stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

impl LedgerDouble {
    /// Starts the double on a free loopback port: app 1.22.0, Blind signing on, Verbose EIP-712 off.
    pub async fn spawn() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let device = Arc::new(Device {
            version: Mutex::new([1, 22, 0]),
            settings: Mutex::new(Settings { blind_signing: true, verbose_eip712: false }),
            user: Mutex::new(User::Approve),
            faults: Mutex::new(HashMap::new()),
            tamper: Mutex::new(Tamper::None),
            log: Arc::new(Mutex::new(Vec::new())),
            last_eip712: Mutex::new(None),
            last_personal: Mutex::new(None),
            last_tx: Mutex::new(None),
            screens: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&device);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        Self { url: format!("tcp://{addr}"), device }
    }

    /// A preview sink that records into the device's event log.
    pub fn preview_sink(&self) -> LogPreview {
        LogPreview { log: Arc::clone(&self.device.log), shown: Vec::new(), prompts: Vec::new() }
    }
}

/// A [`PreviewSink`] that logs [`Event::Preview`] and [`Event::Waiting`] next to the device's APDUs and keeps
/// what it was given.
pub struct LogPreview {
    log: Arc<Mutex<Vec<Event>>>,
    /// The previews shown.
    pub shown: Vec<SigningPreview>,
    /// The device prompts.
    pub prompts: Vec<DevicePrompt>,
}

impl PreviewSink for LogPreview {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        self.log.lock().unwrap().push(Event::Preview);
        self.shown.push(preview.clone());
        Ok(())
    }

    fn waiting(&mut self, prompt: &DevicePrompt) -> std::io::Result<()> {
        self.log.lock().unwrap().push(Event::Waiting);
        self.prompts.push(prompt.clone());
        Ok(())
    }
}
