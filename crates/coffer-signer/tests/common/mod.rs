//! A Ledger device double for the tests: a TCP server that speaks the Speculos APDU framing and answers like
//! the Ledger Ethereum app.
//!
//! It exists only because neither a Ledger device nor a Speculos emulator with the Ethereum app image can
//! run on the build machine (no USB bus; no app binaries can be downloaded). coffer's real APDU encoding and
//! the real coins-ledger `SpeculosTransport` talk to it over a real socket; only the device is replaced.
//!
//! Written from the app's published protocol, independently of coffer's encoder:
//! - framing: request = 4-byte big-endian length ‖ APDU; reply = 4-byte big-endian length of the data
//!   (excluding the status word) ‖ data ‖ 2-byte status word;
//! - APDU: CLA 0xE0 ‖ INS ‖ P1 ‖ P2 ‖ Lc ‖ data; paths are count ‖ count × u32 BE;
//! - GET_APP_CONFIGURATION (0x06) → flags ‖ major ‖ minor ‖ patch;
//! - GET_PUBLIC_KEY (0x02) → 65 ‖ 04‖X‖Y ‖ 40 ‖ address as ASCII hex;
//! - SIGN_EIP712 v0 (0x0C, P2 0x00) path ‖ domain ‖ message → v ‖ r ‖ s over keccak(0x1901 ‖ domain ‖ message);
//! - SIGN_PERSONAL_MESSAGE (0x08, P1 0x00 then 0x80) path ‖ len u32 BE ‖ bytes… → v ‖ r ‖ s over the EIP-191
//!   hash of the reassembled message.
//!
//! Keys come from a BIP-39 seed (anvil's test mnemonic) derived at the requested path, like a device.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::panic)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use alloy::{
    primitives::{B256, U256, eip191_hash_message, keccak256},
    signers::{
        SignerSync,
        local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
    },
};
use coffer_signer::{PreviewSink, SigningPreview};
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

/// What happened, in order: APDUs the double received and previews the signer emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An APDU with this INS and P1.
    Apdu { ins: u8, p1: u8 },
    /// A signing preview was shown.
    Preview,
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

/// The double's state, shared with the test.
#[derive(Debug)]
pub struct Device {
    /// App version reported by GET_APP_CONFIGURATION.
    pub version: Mutex<[u8; 3]>,
    /// Status word to answer instead, per INS.
    pub faults: Mutex<HashMap<u8, u16>>,
    /// Misbehaviour when signing.
    pub tamper: Mutex<Tamper>,
    /// Events, shared with [`LogPreview`].
    pub log: Arc<Mutex<Vec<Event>>>,
    /// The hashes of the last SIGN_EIP712 (domain, message).
    pub last_eip712: Mutex<Option<(B256, B256)>>,
    /// The last personal message signed.
    pub last_personal: Mutex<Option<Vec<u8>>>,
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
fn read_path(data: &[u8]) -> (String, &[u8]) {
    let count = usize::from(data[0]);
    let levels: Vec<u32> = (0..count)
        .map(|i| u32::from_be_bytes(data[1 + 4 * i..5 + 4 * i].try_into().unwrap()))
        .collect();
    (path_string(&levels), &data[1 + 4 * count..])
}

fn sign(device: &Device, path: &str, hash: B256) -> Vec<u8> {
    let tamper = *device.tamper.lock().unwrap();
    let key = if tamper == Tamper::WrongKey { key_at("m/44'/60'/0'/0/9") } else { key_at(path) };
    let sig = key.sign_hash_sync(&hash).unwrap();
    let (mut s, mut parity) = (sig.s(), sig.v());
    if tamper == Tamper::HighS {
        s = N - s;
        parity = !parity;
    }
    let v = u8::from(parity) + if tamper == Tamper::ZeroOneV { 0 } else { 27 };
    let mut out = vec![v];
    out.extend_from_slice(&sig.r().to_be_bytes::<32>());
    out.extend_from_slice(&s.to_be_bytes::<32>());
    out
}

/// Answers one APDU: `(data, status word)`, or `None` to hang up.
fn answer(
    device: &Device,
    apdu: &[u8],
    personal: &mut Option<(String, usize, Vec<u8>)>,
) -> Option<(Vec<u8>, u16)> {
    let (cla, ins, p1, p2) = (apdu[0], apdu[1], apdu[2], apdu[3]);
    let data: &[u8] = if apdu.len() > 5 { &apdu[5..5 + usize::from(apdu[4])] } else { &[] };
    device.log.lock().unwrap().push(Event::Apdu { ins, p1 });
    if cla != 0xE0 {
        return Some((vec![], 0x6E00));
    }
    if let Some(sw) = device.faults.lock().unwrap().get(&ins) {
        return Some((vec![], *sw));
    }
    let tamper = *device.tamper.lock().unwrap();
    match ins {
        0x06 => {
            let [major, minor, patch] = *device.version.lock().unwrap();
            Some((vec![0x01, major, minor, patch], 0x9000))
        }
        0x02 => {
            let (path, _) = read_path(data);
            let key = key_at(&path);
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
            Some((out, 0x9000))
        }
        0x0C => {
            if p1 != 0x00 || p2 != 0x00 {
                return Some((vec![], 0x6B00));
            }
            if tamper == Tamper::Hangup {
                return None;
            }
            let (path, rest) = read_path(data);
            if rest.len() != 64 {
                return Some((vec![], 0x6A80));
            }
            let domain = B256::from_slice(&rest[..32]);
            let message = B256::from_slice(&rest[32..]);
            *device.last_eip712.lock().unwrap() = Some((domain, message));
            let mut pre = vec![0x19, 0x01];
            pre.extend_from_slice(domain.as_slice());
            pre.extend_from_slice(message.as_slice());
            Some((sign(device, &path, keccak256(pre)), 0x9000))
        }
        0x08 => {
            if tamper == Tamper::Hangup {
                return None;
            }
            match p1 {
                0x00 => {
                    let (path, rest) = read_path(data);
                    let total = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
                    *personal = Some((path, total, rest[4..].to_vec()));
                }
                0x80 => match personal {
                    Some((_, _, buf)) => buf.extend_from_slice(data),
                    None => return Some((vec![], 0x6A80)),
                },
                _ => return Some((vec![], 0x6B00)),
            }
            let (path, total, buf) = personal.as_ref().unwrap();
            if buf.len() < *total {
                return Some((vec![], 0x9000));
            }
            let out = sign(device, path, eip191_hash_message(buf));
            *device.last_personal.lock().unwrap() = Some(buf.clone());
            *personal = None;
            Some((out, 0x9000))
        }
        _ => Some((vec![], 0x6D00)),
    }
}

async fn serve(mut stream: TcpStream, device: Arc<Device>) {
    let mut personal = None;
    loop {
        let mut len = [0u8; 4];
        if stream.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut apdu = vec![0u8; u32::from_be_bytes(len) as usize];
        if stream.read_exact(&mut apdu).await.is_err() {
            return;
        }
        let Some((data, sw)) = answer(&device, &apdu, &mut personal) else {
            return;
        };
        let mut reply = (data.len() as u32).to_be_bytes().to_vec();
        reply.extend_from_slice(&data);
        reply.extend_from_slice(&sw.to_be_bytes());
        if stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

impl LedgerDouble {
    /// Starts the double on a free loopback port, reporting app version 1.10.3.
    pub async fn spawn() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let device = Arc::new(Device {
            version: Mutex::new([1, 10, 3]),
            faults: Mutex::new(HashMap::new()),
            tamper: Mutex::new(Tamper::None),
            log: Arc::new(Mutex::new(Vec::new())),
            last_eip712: Mutex::new(None),
            last_personal: Mutex::new(None),
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
        LogPreview { log: Arc::clone(&self.device.log), shown: Vec::new() }
    }
}

/// A [`PreviewSink`] that logs [`Event::Preview`] next to the device's APDUs and keeps the previews.
pub struct LogPreview {
    log: Arc<Mutex<Vec<Event>>>,
    /// The previews shown.
    pub shown: Vec<SigningPreview>,
}

impl PreviewSink for LogPreview {
    fn show(&mut self, preview: &SigningPreview) -> std::io::Result<()> {
        self.log.lock().unwrap().push(Event::Preview);
        self.shown.push(preview.clone());
        Ok(())
    }
}
