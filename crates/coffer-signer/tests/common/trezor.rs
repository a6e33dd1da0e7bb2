//! A Trezor device double: a UDP server that speaks the Trezor emulator's wire protocol (v1: 64-byte reports,
//! `?##` + message type u16 BE + length u32 BE + protobuf, continued in `?` reports; `PINGPING` → `PONGPONG`)
//! and answers like the firmware's Ethereum app.
//!
//! It exists only because no Trezor device or emulator image can run on the build machine. trezor-client's
//! real UDP transport and protocol code talk to it; only the device is replaced. Keys come from the same
//! BIP-39 seed as the Ledger double, derived at the requested path.

use std::{
    net::{SocketAddr, UdpSocket},
    sync::{Arc, Mutex},
};

use alloy::{
    primitives::{B256, eip191_hash_message, keccak256},
    signers::SignerSync,
};
use trezor_client::{
    TrezorMessage,
    protos::{
        ButtonRequest, EthereumAddress, EthereumGetAddress, EthereumMessageSignature,
        EthereumSignMessage, EthereumSignTypedHash, EthereumTypedDataSignature, Failure, Features,
        PinMatrixRequest, failure::FailureType,
    },
};

use super::key_at;

/// How the Trezor double answers a signing request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrezorFault {
    /// Asks for a button press, then signs.
    #[default]
    None,
    /// The user pressed "cancel".
    Cancelled,
    /// Old firmware: EthereumSignTypedHash is an unknown message.
    NoTypedHash,
    /// The device is locked and asks for its PIN on the host.
    PinMatrix,
}

/// Shared state.
#[derive(Debug, Default)]
pub struct TrezorState {
    /// The fault to play.
    pub fault: Mutex<TrezorFault>,
    /// Names of the messages received, in order.
    pub received: Mutex<Vec<String>>,
}

/// A running Trezor double.
pub struct TrezorDouble {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Shared state.
    pub state: Arc<TrezorState>,
}

fn type_id<M: TrezorMessage>() -> u16 {
    M::MESSAGE_TYPE as u16
}

fn decode<M: TrezorMessage>(payload: &[u8]) -> M {
    M::parse_from_bytes(payload).unwrap()
}

fn encode<M: TrezorMessage>(m: &M) -> (u16, Vec<u8>) {
    (type_id::<M>(), m.write_to_bytes().unwrap())
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

fn signature(path: &[u32], hash: B256) -> Vec<u8> {
    let sig = key_at(&path_string(path)).sign_hash_sync(&hash).unwrap();
    let mut out = sig.r().to_be_bytes::<32>().to_vec();
    out.extend_from_slice(&sig.s().to_be_bytes::<32>());
    out.push(27 + u8::from(sig.v()));
    out
}

fn failure(code: FailureType, message: &str) -> (u16, Vec<u8>) {
    let mut f = Failure::new();
    f.set_code(code);
    f.set_message(message.to_owned());
    encode(&f)
}

/// The answer to one message; `pending` holds the signature owed after a ButtonAck.
fn answer(
    state: &TrezorState,
    kind: u16,
    payload: &[u8],
    pending: &mut Option<(u16, Vec<u8>)>,
) -> (u16, Vec<u8>) {
    let fault = *state.fault.lock().unwrap();
    let name = |n: &str| state.received.lock().unwrap().push(n.to_owned());
    if kind == 0 {
        name("Initialize");
        let mut f = Features::new();
        f.set_vendor("trezor.io".to_owned());
        f.set_major_version(2);
        f.set_minor_version(8);
        f.set_patch_version(1);
        return encode(&f);
    }
    if kind == type_id::<trezor_client::protos::ButtonAck>() {
        name("ButtonAck");
        return pending
            .take()
            .unwrap_or_else(|| failure(FailureType::Failure_UnexpectedMessage, "no button"));
    }
    if kind == type_id::<EthereumGetAddress>() {
        name("EthereumGetAddress");
        let req: EthereumGetAddress = decode(payload);
        let mut a = EthereumAddress::new();
        a.set_address(key_at(&path_string(&req.address_n)).address().to_checksum(None));
        return encode(&a);
    }
    let signed = if kind == type_id::<EthereumSignTypedHash>() {
        name("EthereumSignTypedHash");
        if fault == TrezorFault::NoTypedHash {
            return failure(FailureType::Failure_UnexpectedMessage, "Unknown message");
        }
        let req: EthereumSignTypedHash = decode(payload);
        let mut pre = vec![0x19, 0x01];
        pre.extend_from_slice(req.domain_separator_hash());
        pre.extend_from_slice(req.message_hash());
        let mut out = EthereumTypedDataSignature::new();
        out.set_signature(signature(&req.address_n, keccak256(pre)));
        out.set_address(key_at(&path_string(&req.address_n)).address().to_checksum(None));
        encode(&out)
    } else if kind == type_id::<EthereumSignMessage>() {
        name("EthereumSignMessage");
        let req: EthereumSignMessage = decode(payload);
        let mut out = EthereumMessageSignature::new();
        out.set_signature(signature(&req.address_n, eip191_hash_message(req.message())));
        out.set_address(key_at(&path_string(&req.address_n)).address().to_checksum(None));
        encode(&out)
    } else {
        name("unknown");
        return failure(FailureType::Failure_UnexpectedMessage, "Unknown message");
    };
    match fault {
        TrezorFault::PinMatrix => encode(&PinMatrixRequest::new()),
        TrezorFault::Cancelled => {
            *pending = Some(failure(FailureType::Failure_ActionCancelled, "Cancelled"));
            encode(&ButtonRequest::new())
        }
        _ => {
            *pending = Some(signed);
            encode(&ButtonRequest::new())
        }
    }
}

fn send(socket: &UdpSocket, to: SocketAddr, kind: u16, payload: &[u8]) {
    let mut data = vec![0x23, 0x23];
    data.extend_from_slice(&kind.to_be_bytes());
    data.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    data.extend_from_slice(payload);
    for chunk in data.chunks(63) {
        let mut report = vec![0x3f];
        report.extend_from_slice(chunk);
        report.resize(64, 0);
        socket.send_to(&report, to).unwrap();
    }
}

impl TrezorDouble {
    /// Starts the double on a free loopback UDP port (a thread; the device is blocking like the real one).
    pub fn spawn() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap().to_string();
        let state = Arc::new(TrezorState::default());
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let mut message: Option<(u16, usize, Vec<u8>)> = None;
            let mut pending = None;
            let mut buf = [0u8; 64];
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                if &buf[..n] == b"PINGPING" {
                    socket.send_to(b"PONGPONG", from).unwrap();
                    continue;
                }
                if n != 64 || buf[0] != 0x3f {
                    continue;
                }
                match &mut message {
                    None if buf[1] == 0x23 && buf[2] == 0x23 => {
                        let kind = u16::from_be_bytes([buf[3], buf[4]]);
                        let len = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) as usize;
                        message = Some((kind, len, buf[9..].to_vec()));
                    }
                    Some((_, _, data)) => data.extend_from_slice(&buf[1..]),
                    None => continue,
                }
                if let Some((kind, len, data)) = &message
                    && data.len() >= *len
                {
                    let (out_kind, out) = answer(&shared, *kind, &data[..*len], &mut pending);
                    send(&socket, from, out_kind, &out);
                    message = None;
                }
            }
        });
        Self { addr, state }
    }

    /// The messages received so far.
    pub fn received(&self) -> Vec<String> {
        self.state.received.lock().unwrap().clone()
    }
}
