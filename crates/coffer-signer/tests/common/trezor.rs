//! A Trezor device double: a UDP server that speaks the Trezor emulator's wire protocol (v1: 64-byte reports,
//! `?##` + message type u16 BE + length u32 BE + protobuf, continued in `?` reports; `PINGPING` → `PONGPONG`)
//! and answers like the firmware's Ethereum app.
//!
//! It exists only because no Trezor device or emulator image can run on the build machine. trezor-client's
//! real UDP transport and protocol code talk to it; only the device is replaced. Keys come from the same
//! BIP-39 seed as the Ledger double, derived at the requested path.
//!
//! The firmware facts it encodes (`/work/shared/docs/HARDWARE-WALLETS.md`, as seen on core 2.12.4 emulators),
//! all in [`Firmware`]:
//! - `Initialize` → `Features` with the model: `1` (Trezor One, legacy firmware), `T`, `Safe 3`, `Safe 5` (core);
//! - `EthereumSignTypedHash` exists only on the Trezor One; a core model answers `Failure` (UnexpectedMessage,
//!   "Unexpected message"), and the Trezor One refuses the streaming flow the same way;
//! - core `EthereumSignTypedData{address_n, primary_type, metamask_v4_compat, show_message_hash}`: the device
//!   leads. It asks `EthereumTypedDataStructRequest{name}` for `EIP712Domain`, then for the primary type (the
//!   host answers the members' names and types in declaration order); shows the domain (a `ButtonRequest`)
//!   and asks each domain value with `EthereumTypedDataValueRequest{member_path = [0, i]}`; shows the message
//!   (a `ButtonRequest`) and asks each message value `[1, i]`; each value must be encoded as the firmware
//!   decodes it (an integer as big-endian bytes of its declared size, an address as 20 bytes, `bytes` raw,
//!   a string as UTF-8; an array first as its length in 2 bytes at the array's path, then each element at
//!   `[.., j]`), else `Failure` DataError (the screen labels `name[j]` / `array of N` are the double's
//!   record of what the device pages, not the firmware's wording). With `show_message_hash`, the hash must
//!   equal the one it computed (else DataError "Message hash mismatch") and it is shown (a `ButtonRequest`); then `EthereumTypedDataSignature`;
//! - each confirmation screen is a `ButtonRequest` the host must acknowledge with `ButtonAck`; cancelling is
//!   `Failure` ActionCancelled; nobody deciding means no answer at all;
//! - `EthereumSignMessage` (eth_sign) and `EthereumSignTxEIP1559` (v = y-parity) on every model.

use std::{
    net::{SocketAddr, UdpSocket},
    sync::{Arc, Mutex},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559},
    primitives::{Address, B256, Bytes, TxKind, U256, eip191_hash_message, keccak256},
    signers::SignerSync,
};
use trezor_client::{
    TrezorMessage,
    protos::{
        ButtonAck, ButtonRequest, EthereumAddress, EthereumGetAddress, EthereumMessageSignature,
        EthereumSignMessage, EthereumSignTxEIP1559, EthereumSignTypedData, EthereumSignTypedHash,
        EthereumTxRequest, EthereumTypedDataSignature, EthereumTypedDataStructAck,
        EthereumTypedDataStructRequest, EthereumTypedDataValueAck, EthereumTypedDataValueRequest,
        Failure, Features, PinMatrixRequest, ethereum_typed_data_struct_ack::EthereumDataType,
        failure::FailureType,
    },
};

use super::{User, key_at};

/// How the Trezor double answers a signing request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrezorFault {
    /// Works.
    #[default]
    None,
    /// The device is locked and asks for its PIN on the host.
    PinMatrix,
}

/// Shared state.
#[derive(Debug)]
pub struct TrezorState {
    /// The model `Features` reports.
    pub model: Mutex<String>,
    /// What the user does at each confirmation.
    pub user: Mutex<User>,
    /// The fault to play.
    pub fault: Mutex<TrezorFault>,
    /// Names of the messages received, in order.
    pub received: Mutex<Vec<String>>,
    /// The screens shown during the last signing: (label, value).
    pub screens: Mutex<Vec<(String, String)>>,
    /// The last transaction signed.
    pub last_tx: Mutex<Option<TxEip1559>>,
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

/// A member as the host declared it: (name, type, size, an array's entry type and size).
type Member = (String, EthereumDataType, Option<u32>, Option<(EthereumDataType, Option<u32>)>);

/// Where the streaming typed-data flow stands.
#[derive(Debug, Clone)]
enum Step {
    /// Waiting for the struct definition of `EIP712Domain` (0) or the primary type (1).
    Struct(usize),
    /// The domain is about to be shown; then its values.
    ShowDomain,
    /// Waiting for value `[part, index]` (an array's length, for an array member).
    Value(u32, usize),
    /// Waiting for element `[part, index, j]` of an array of `len` elements.
    Elem(u32, usize, usize, usize),
    /// The message is about to be shown.
    ShowMessage,
    /// The message hash is about to be shown.
    ShowHash,
    /// The signature comes next.
    Sign,
}

#[derive(Debug, Clone)]
struct TypedFlow {
    path: Vec<u32>,
    primary: String,
    show_hash: Option<Vec<u8>>,
    structs: Vec<(String, Vec<Member>)>,
    /// Per member, its value (one) or an array's elements.
    values: [Vec<Vec<Vec<u8>>>; 2],
    step: Step,
}

/// The device's session: what it owes after the next `ButtonAck`, and the typed-data flow in progress.
#[derive(Default)]
struct Firmware {
    /// The answer owed after the next ButtonAck.
    pending: Option<(u16, Vec<u8>)>,
    flow: Option<TypedFlow>,
    silent: bool,
}

fn member_word(ty: EthereumDataType, size: Option<u32>, value: &[u8]) -> [u8; 32] {
    let mut word = [0u8; 32];
    if ty == EthereumDataType::BYTES && size.is_some() {
        // bytesN: left-aligned.
        word[..value.len()].copy_from_slice(value);
        return word;
    }
    if ty == EthereumDataType::BYTES || ty == EthereumDataType::STRING {
        return keccak256(value).0;
    }
    word[32 - value.len()..].copy_from_slice(value);
    word
}

/// A member's word in the struct's encoding: an array's is the keccak of its elements' words.
fn encode_member(member: &Member, values: &[Vec<u8>]) -> [u8; 32] {
    let (_, ty, size, entry) = member;
    match (ty, entry) {
        (&EthereumDataType::ARRAY, Some((et, es))) => {
            let mut buf = Vec::new();
            for v in values {
                buf.extend_from_slice(&member_word(*et, *es, v));
            }
            keccak256(buf).0
        }
        _ => member_word(*ty, *size, &values[0]),
    }
}

fn type_name(ty: EthereumDataType, size: Option<u32>) -> String {
    match ty {
        EthereumDataType::UINT => format!("uint{}", size.unwrap_or(32) * 8),
        EthereumDataType::INT => format!("int{}", size.unwrap_or(32) * 8),
        EthereumDataType::ADDRESS => "address".into(),
        EthereumDataType::BOOL => "bool".into(),
        EthereumDataType::STRING => "string".into(),
        EthereumDataType::BYTES => size.map_or_else(|| "bytes".into(), |n| format!("bytes{n}")),
        _ => "bytes".into(),
    }
}

fn member_type_name(member: &Member) -> String {
    match member {
        (_, EthereumDataType::ARRAY, _, Some((et, es))) => format!("{}[]", type_name(*et, *es)),
        (_, t, s, _) => type_name(*t, *s),
    }
}

fn show(ty: EthereumDataType, value: &[u8]) -> String {
    match ty {
        EthereumDataType::UINT | EthereumDataType::INT => U256::from_be_slice(value).to_string(),
        EthereumDataType::ADDRESS => Address::from_slice(value).to_checksum(None),
        EthereumDataType::STRING => String::from_utf8_lossy(value).into_owned(),
        _ => format!("0x{}", alloy::primitives::hex::encode(value)),
    }
}

impl TypedFlow {
    fn hash(&self, part: usize) -> B256 {
        let (name, members) = &self.structs[part];
        let decl: Vec<String> =
            members.iter().map(|m| format!("{} {}", member_type_name(m), m.0)).collect();
        let mut buf = keccak256(format!("{name}({})", decl.join(","))).to_vec();
        for (m, v) in members.iter().zip(&self.values[part]) {
            buf.extend_from_slice(&encode_member(m, v));
        }
        keccak256(buf)
    }

    /// The next request of the device.
    fn next(&mut self, state: &TrezorState) -> (u16, Vec<u8>) {
        match self.step.clone() {
            Step::Struct(i) => {
                let mut r = EthereumTypedDataStructRequest::new();
                r.set_name(if i == 0 { "EIP712Domain".into() } else { self.primary.clone() });
                encode(&r)
            }
            Step::ShowDomain | Step::ShowMessage | Step::ShowHash => {
                let label = match self.step {
                    Step::ShowDomain => ("Confirm EIP712Domain".to_owned(), String::new()),
                    Step::ShowMessage => (format!("Confirm {}", self.primary), String::new()),
                    _ => ("Message hash".to_owned(), format!("{}", self.hash(1))),
                };
                state.screens.lock().unwrap().push(label);
                encode(&ButtonRequest::new())
            }
            Step::Value(part, index) => {
                let mut r = EthereumTypedDataValueRequest::new();
                r.member_path = vec![part, index as u32];
                encode(&r)
            }
            Step::Elem(part, index, j, _) => {
                let mut r = EthereumTypedDataValueRequest::new();
                r.member_path = vec![part, index as u32, j as u32];
                encode(&r)
            }
            Step::Sign => {
                let (d, m) = (self.hash(0), self.hash(1));
                let mut pre = vec![0x19, 0x01];
                pre.extend_from_slice(d.as_slice());
                pre.extend_from_slice(m.as_slice());
                let mut out = EthereumTypedDataSignature::new();
                out.set_signature(signature(&self.path, keccak256(pre)));
                out.set_address(key_at(&path_string(&self.path)).address().to_checksum(None));
                encode(&out)
            }
        }
    }

    /// Moves on after the current step was answered (or acknowledged).
    fn advance(&mut self) {
        let count = |part: usize| self.structs[part].1.len();
        self.step = match self.step {
            Step::Struct(0) => Step::Struct(1),
            Step::Struct(_) => Step::ShowDomain,
            Step::ShowDomain => Step::Value(0, 0),
            Step::Value(0, i) if i + 1 < count(0) => Step::Value(0, i + 1),
            Step::Value(0, _) => Step::ShowMessage,
            Step::ShowMessage => Step::Value(1, 0),
            Step::Value(_, i) if i + 1 < count(1) => Step::Value(1, i + 1),
            Step::Value(..) => {
                if self.show_hash.is_some() {
                    Step::ShowHash
                } else {
                    Step::Sign
                }
            }
            Step::ShowHash | Step::Sign | Step::Elem(..) => Step::Sign,
        };
    }
}

/// The answer to one message, or `None` to stay silent.
fn answer(
    state: &TrezorState,
    kind: u16,
    payload: &[u8],
    fw: &mut Firmware,
) -> Option<(u16, Vec<u8>)> {
    let fault = *state.fault.lock().unwrap();
    let user = *state.user.lock().unwrap();
    let model = state.model.lock().unwrap().clone();
    let core = model != "1";
    let name = |n: &str| state.received.lock().unwrap().push(n.to_owned());
    let unexpected = || failure(FailureType::Failure_UnexpectedMessage, "Unexpected message");
    // A confirmation screen: the user decides when the host acknowledges it.
    let confirm = |fw: &mut Firmware, then: (u16, Vec<u8>)| -> Option<(u16, Vec<u8>)> {
        fw.pending = Some(then);
        Some(encode(&ButtonRequest::new()))
    };
    if kind == 0 {
        name("Initialize");
        fw.flow = None;
        let mut f = Features::new();
        f.set_vendor("trezor.io".to_owned());
        f.set_model(model.clone());
        let (major, minor, patch) = if core { (2, 12, 4) } else { (1, 12, 1) };
        f.set_major_version(major);
        f.set_minor_version(minor);
        f.set_patch_version(patch);
        return Some(encode(&f));
    }
    if kind == type_id::<ButtonAck>() {
        name("ButtonAck");
        match user {
            User::Approve => {}
            User::Reject => {
                fw.pending = None;
                fw.flow = None;
                return Some(failure(FailureType::Failure_ActionCancelled, "Cancelled"));
            }
            User::Never => {
                fw.silent = true;
                return None;
            }
        }
        if let Some(p) = fw.pending.take() {
            return Some(p);
        }
        if let Some(flow) = fw.flow.as_mut() {
            flow.advance();
            let out = flow.next(state);
            if matches!(flow.step, Step::Sign) {
                fw.flow = None;
            }
            return Some(out);
        }
        return Some(unexpected());
    }
    if kind == type_id::<EthereumGetAddress>() {
        name("EthereumGetAddress");
        let req: EthereumGetAddress = decode(payload);
        let mut a = EthereumAddress::new();
        let address = key_at(&path_string(&req.address_n)).address();
        a.set_address(address.to_checksum(None));
        if req.show_display() {
            *state.screens.lock().unwrap() = vec![("Address".into(), address.to_checksum(None))];
            return confirm(fw, encode(&a));
        }
        return Some(encode(&a));
    }
    if fault == TrezorFault::PinMatrix
        && (kind == type_id::<EthereumSignMessage>()
            || kind == type_id::<EthereumSignTypedData>()
            || kind == type_id::<EthereumSignTypedHash>())
    {
        return Some(encode(&PinMatrixRequest::new()));
    }
    if kind == type_id::<EthereumSignTypedHash>() {
        name("EthereumSignTypedHash");
        if core {
            return Some(unexpected());
        }
        let req: EthereumSignTypedHash = decode(payload);
        let mut pre = vec![0x19, 0x01];
        pre.extend_from_slice(req.domain_separator_hash());
        pre.extend_from_slice(req.message_hash());
        *state.screens.lock().unwrap() = vec![
            (
                "Domain hash".into(),
                format!("0x{}", alloy::primitives::hex::encode_upper(req.domain_separator_hash())),
            ),
            (
                "Message hash".into(),
                format!("0x{}", alloy::primitives::hex::encode_upper(req.message_hash())),
            ),
        ];
        let mut out = EthereumTypedDataSignature::new();
        out.set_signature(signature(&req.address_n, keccak256(pre)));
        out.set_address(key_at(&path_string(&req.address_n)).address().to_checksum(None));
        return confirm(fw, encode(&out));
    }
    if kind == type_id::<EthereumSignTypedData>() {
        name("EthereumSignTypedData");
        if !core {
            return Some(unexpected());
        }
        let req: EthereumSignTypedData = decode(payload);
        state.screens.lock().unwrap().clear();
        let mut flow = TypedFlow {
            path: req.address_n.clone(),
            primary: req.primary_type().to_owned(),
            show_hash: req.show_message_hash.clone(),
            structs: Vec::new(),
            values: [Vec::new(), Vec::new()],
            step: Step::Struct(0),
        };
        let out = flow.next(state);
        fw.flow = Some(flow);
        return Some(out);
    }
    if kind == type_id::<EthereumTypedDataStructAck>() {
        name("EthereumTypedDataStructAck");
        let Some(flow) = fw.flow.as_mut() else { return Some(unexpected()) };
        let Step::Struct(i) = flow.step else { return Some(unexpected()) };
        let ack: EthereumTypedDataStructAck = decode(payload);
        let members: Vec<Member> = ack
            .members
            .iter()
            .map(|m| {
                let entry = m.type_.entry_type.as_ref().map(|e| (e.data_type(), e.size));
                (m.name().to_owned(), m.type_.data_type(), m.type_.size, entry)
            })
            .collect();
        let name = if i == 0 { "EIP712Domain".to_owned() } else { flow.primary.clone() };
        flow.structs.push((name, members));
        flow.advance();
        return Some(flow.next(state));
    }
    if kind == type_id::<EthereumTypedDataValueAck>() {
        name("EthereumTypedDataValueAck");
        let Some(flow) = fw.flow.as_mut() else { return Some(unexpected()) };
        let ack: EthereumTypedDataValueAck = decode(payload);
        let value = ack.value().to_vec();
        let (part, index, elem) = match flow.step {
            Step::Value(part, index) => (part, index, None),
            Step::Elem(part, index, j, len) => (part, index, Some((j, len))),
            _ => return Some(unexpected()),
        };
        let (member, ty, size, entry) = flow.structs[part as usize].1[index].clone();
        // An array is asked first as its length (a uint16), then element by element.
        let (ty, size) = match (ty, elem, entry) {
            (EthereumDataType::ARRAY, None, _) => (EthereumDataType::UINT, Some(2)),
            (EthereumDataType::ARRAY, Some(_), Some((et, es))) => (et, es),
            (EthereumDataType::ARRAY, Some(_), None) => return Some(unexpected()),
            other => (other.0, size),
        };
        let ok = match ty {
            EthereumDataType::UINT | EthereumDataType::INT => {
                size.is_some_and(|s| value.len() == s as usize)
            }
            EthereumDataType::ADDRESS => value.len() == 20,
            EthereumDataType::BOOL => value.len() == 1,
            EthereumDataType::BYTES => size.is_none_or(|s| value.len() == s as usize),
            _ => true,
        };
        if !ok {
            fw.flow = None;
            return Some(failure(FailureType::Failure_DataError, "Invalid length"));
        }
        let values = &mut flow.values[part as usize];
        match elem {
            None if flow.structs[part as usize].1[index].1 == EthereumDataType::ARRAY => {
                let len = usize::from(u16::from_be_bytes([value[0], value[1]]));
                state.screens.lock().unwrap().push((member, format!("array of {len}")));
                values.push(Vec::new());
                if len > 0 {
                    flow.step = Step::Elem(part, index, 0, len);
                } else {
                    flow.advance();
                }
            }
            None => {
                state.screens.lock().unwrap().push((member, show(ty, &value)));
                values.push(vec![value]);
                flow.advance();
            }
            Some((j, len)) => {
                state.screens.lock().unwrap().push((format!("{member}[{j}]"), show(ty, &value)));
                if let Some(last) = values.last_mut() {
                    last.push(value);
                }
                if j + 1 < len {
                    flow.step = Step::Elem(part, index, j + 1, len);
                } else {
                    flow.step = Step::Value(part, index);
                    flow.advance();
                }
            }
        }
        if matches!(flow.step, Step::ShowHash) {
            let computed = flow.hash(1);
            if flow.show_hash.as_deref() != Some(computed.as_slice()) {
                fw.flow = None;
                return Some(failure(FailureType::Failure_DataError, "Message hash mismatch"));
            }
        }
        let out = flow.next(state);
        if matches!(flow.step, Step::Sign) {
            fw.flow = None;
        }
        return Some(out);
    }
    if kind == type_id::<EthereumSignMessage>() {
        name("EthereumSignMessage");
        let req: EthereumSignMessage = decode(payload);
        *state.screens.lock().unwrap() = vec![(
            "Message".into(),
            format!("0x{}", alloy::primitives::hex::encode(req.message())),
        )];
        let mut out = EthereumMessageSignature::new();
        out.set_signature(signature(&req.address_n, eip191_hash_message(req.message())));
        out.set_address(key_at(&path_string(&req.address_n)).address().to_checksum(None));
        return confirm(fw, encode(&out));
    }
    if kind == type_id::<EthereumSignTxEIP1559>() {
        name("EthereumSignTxEIP1559");
        let req: EthereumSignTxEIP1559 = decode(payload);
        if req.data_length() as usize != req.data_initial_chunk().len() {
            // Data past the first 1024 bytes would be asked with EthereumTxRequest; not modelled.
            return Some(failure(FailureType::Failure_DataError, "data chunks not modelled"));
        }
        let int = |b: &[u8]| U256::from_be_slice(b);
        let tx = TxEip1559 {
            chain_id: req.chain_id(),
            nonce: int(req.nonce()).to::<u64>(),
            gas_limit: int(req.gas_limit()).to::<u64>(),
            max_fee_per_gas: int(req.max_gas_fee()).to::<u128>(),
            max_priority_fee_per_gas: int(req.max_priority_fee()).to::<u128>(),
            to: match req.to().parse::<Address>() {
                Ok(a) => TxKind::Call(a),
                Err(_) => TxKind::Create,
            },
            value: int(req.value()),
            access_list: Default::default(),
            input: Bytes::copy_from_slice(req.data_initial_chunk()),
        };
        let key = key_at(&path_string(&req.address_n));
        let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        *state.last_tx.lock().unwrap() = Some(tx);
        let mut out = EthereumTxRequest::new();
        out.set_signature_v(u32::from(sig.v()));
        out.set_signature_r(sig.r().to_be_bytes::<32>().to_vec());
        out.set_signature_s(sig.s().to_be_bytes::<32>().to_vec());
        return confirm(fw, encode(&out));
    }
    name("unknown");
    Some(unexpected())
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
    /// Starts a Trezor Model T (core firmware 2.12.4) double on a free loopback UDP port.
    pub fn spawn() -> Self {
        Self::spawn_model("T")
    }

    /// Starts a double reporting `model` (`1` is the Trezor One; `T`, `Safe 3`, `Safe 5` are core models).
    pub fn spawn_model(model: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        // A long value (a 200-row batch's 30 kB `data`) reaches the device as ~500 UDP reports in
        // one burst, and UDP has no retransmission: with the default 208 KiB receive queue, a
        // burst that arrives while this thread is descheduled (a loaded 2-core CI machine) is
        // dropped and the host waits for an answer that never comes. Ask for a 4 MiB queue
        // (capped by net.core.rmem_max) so the double loses nothing the emulator would read.
        let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20);
        let addr = socket.local_addr().unwrap().to_string();
        let state = Arc::new(TrezorState {
            model: Mutex::new(model.to_owned()),
            user: Mutex::new(User::Approve),
            fault: Mutex::new(TrezorFault::None),
            received: Mutex::new(Vec::new()),
            screens: Mutex::new(Vec::new()),
            last_tx: Mutex::new(None),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let mut message: Option<(u16, usize, Vec<u8>)> = None;
            let mut fw = Firmware::default();
            let mut buf = [0u8; 64];
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                if &buf[..n] == b"PINGPING" {
                    socket.send_to(b"PONGPONG", from).unwrap();
                    continue;
                }
                if n != 64 || buf[0] != 0x3f || fw.silent {
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
                    if let Some((out_kind, out)) = answer(&shared, *kind, &data[..*len], &mut fw) {
                        send(&socket, from, out_kind, &out);
                    }
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

    /// The screens of the last signing.
    pub fn shown(&self) -> Vec<(String, String)> {
        self.state.screens.lock().unwrap().clone()
    }
}
