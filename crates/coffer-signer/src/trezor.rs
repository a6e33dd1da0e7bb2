//! A Trezor signer over the `trezor-client` crate (USB, or the emulator's UDP port 21324).
//!
//! Messages used: `EthereumGetAddress` → `EthereumAddress`; on the core models (T, Safe 3, Safe 5) the
//! streaming `EthereumSignTypedData` flow (the device asks each struct with `EthereumTypedDataStructRequest`
//! and each value with `EthereumTypedDataValueRequest`, then shows the message hash it was given in
//! `show_message_hash`) → `EthereumTypedDataSignature`; on the Trezor One only, `EthereumSignTypedHash`
//! (domain separator hash + message hash; the core firmware refuses it as an unexpected message);
//! `EthereumSignMessage` (the eth_sign fallback) → `EthereumMessageSignature`. Signatures are `r ‖ s ‖ v`
//! with v = 27/28. The model is read from `Features` when the session starts.
//!
//! trezor-client is blocking; every device call runs on a thread of its own, awaited with the device timeout.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{Address, B256, U256};
use coffer_core::Rsv;
use trezor_client::{
    Trezor, TrezorMessage, TrezorResponse,
    protos::{
        self, ButtonAck, EthereumAddress, EthereumGetAddress, EthereumMessageSignature,
        EthereumSignMessage, EthereumSignTypedData, EthereumSignTypedHash,
        EthereumTypedDataSignature, EthereumTypedDataStructAck, EthereumTypedDataStructRequest,
        EthereumTypedDataValueAck, EthereumTypedDataValueRequest, MessageType, PassphraseAck,
        ethereum_typed_data_struct_ack::{
            EthereumDataType, EthereumFieldType, EthereumStructMember,
        },
        failure::FailureType,
    },
    transport::{ProtoMessage, udp::UdpTransport},
};

use crate::{
    DerivationPath, Error, Result, TypedMessage,
    ledger::DEFAULT_DEVICE_TIMEOUT,
    trezor_json::JsonTypedData,
    typed::{Eip712Struct, Eip712Type},
};

/// `EthereumSignTypedData` for `path`: primary type, MetaMask v4 compatibility, and the message hash the
/// device checks and shows (`show_message_hash`).
pub(crate) fn typed_data_request(
    path: &DerivationPath,
    typed: &TypedMessage,
    message_hash: B256,
) -> EthereumSignTypedData {
    typed_data_request_for(path, typed.message.name, message_hash)
}

/// `EthereumSignTypedData` for `path` with any primary type.
fn typed_data_request_for(
    path: &DerivationPath,
    primary_type: &str,
    message_hash: B256,
) -> EthereumSignTypedData {
    let mut req = EthereumSignTypedData::new();
    req.address_n = path.components().to_vec();
    req.set_primary_type(primary_type.to_owned());
    req.set_metamask_v4_compat(true);
    req.set_show_message_hash(message_hash.to_vec());
    req
}

/// The answer to `EthereumTypedDataStructRequest{name}`: the members' names and field types in declaration
/// order (`uintN` as UINT with its size in bytes, ADDRESS, dynamic BYTES).
pub(crate) fn struct_ack(s: &Eip712Struct) -> EthereumTypedDataStructAck {
    let mut ack = EthereumTypedDataStructAck::new();
    for m in &s.members {
        let mut ty = EthereumFieldType::new();
        match m.ty {
            Eip712Type::Uint { bytes } => {
                ty.set_data_type(EthereumDataType::UINT);
                ty.set_size(u32::from(bytes));
            }
            Eip712Type::Address => ty.set_data_type(EthereumDataType::ADDRESS),
            Eip712Type::Bytes => ty.set_data_type(EthereumDataType::BYTES),
        }
        let mut member = EthereumStructMember::new();
        member.set_name(m.name.to_owned());
        member.type_ = Some(ty).into();
        ack.members.push(member);
    }
    ack
}

/// The value at `member_path` (`[0, i]` for the domain, `[1, i]` for the message).
pub(crate) fn value_at<'a>(typed: &'a TypedMessage, member_path: &[u32]) -> Option<&'a [u8]> {
    let s = match member_path.first()? {
        0 => &typed.domain,
        1 => &typed.message,
        _ => return None,
    };
    match member_path {
        [_, i] => s.values.get(usize::try_from(*i).ok()?).map(|v| &v[..]),
        _ => None,
    }
}

/// What the streaming flow answers the device with: a Safe tx / message ([`TypedMessage`]) or any
/// other typed data ([`JsonTypedData`]).
trait TypedSource {
    /// The answer to `EthereumTypedDataStructRequest{name}`.
    fn ack_struct(&self, name: &str) -> Option<EthereumTypedDataStructAck>;
    /// The answer to `EthereumTypedDataValueRequest{member_path}`.
    fn value(&self, member_path: &[u32]) -> Option<Vec<u8>>;
}

impl TypedSource for TypedMessage {
    fn ack_struct(&self, name: &str) -> Option<EthereumTypedDataStructAck> {
        [&self.domain, &self.message].into_iter().find(|s| s.name == name).map(struct_ack)
    }

    fn value(&self, member_path: &[u32]) -> Option<Vec<u8>> {
        value_at(self, member_path).map(<[u8]>::to_vec)
    }
}

impl TypedSource for JsonTypedData {
    fn ack_struct(&self, name: &str) -> Option<EthereumTypedDataStructAck> {
        self.struct_ack(name)
    }

    fn value(&self, member_path: &[u32]) -> Option<Vec<u8>> {
        self.value_at(member_path)
    }
}

fn decode<M: TrezorMessage>(resp: &ProtoMessage) -> Result<M> {
    M::parse_from_bytes(resp.payload()).map_err(|e| protocol_error(&e.to_string()))
}

fn protocol_error(what: &str) -> Error {
    Error::TrezorTransport { reason: format!("EthereumSignTypedData: {what}") }
}

/// The streaming typed-data flow: answers every struct, value, button and passphrase request until the
/// device returns the signature.
fn typed_data_flow(
    trezor: &mut Trezor,
    req: EthereumSignTypedData,
    typed: &impl TypedSource,
) -> Result<Rsv> {
    const WHAT: &str = "EthereumSignTypedData";
    let mut resp = trezor.call_raw(req).map_err(|e| client_error(e, WHAT))?;
    loop {
        resp = match resp.message_type() {
            MessageType::MessageType_EthereumTypedDataStructRequest => {
                let r: EthereumTypedDataStructRequest = decode(&resp)?;
                let ack = typed.ack_struct(r.name()).ok_or_else(|| {
                    protocol_error(&format!(
                        "the device asked for an unknown struct {:?}",
                        r.name()
                    ))
                })?;
                trezor.call_raw(ack).map_err(|e| client_error(e, WHAT))?
            }
            MessageType::MessageType_EthereumTypedDataValueRequest => {
                let r: EthereumTypedDataValueRequest = decode(&resp)?;
                let value = typed.value(&r.member_path).ok_or_else(|| {
                    protocol_error(&format!(
                        "the device asked for an unknown member {:?}",
                        r.member_path
                    ))
                })?;
                let mut ack = EthereumTypedDataValueAck::new();
                ack.set_value(value);
                trezor.call_raw(ack).map_err(|e| client_error(e, WHAT))?
            }
            MessageType::MessageType_ButtonRequest => {
                trezor.call_raw(ButtonAck::new()).map_err(|e| client_error(e, WHAT))?
            }
            MessageType::MessageType_PassphraseRequest => {
                let mut ack = PassphraseAck::new();
                ack.set_on_device(true);
                trezor.call_raw(ack).map_err(|e| client_error(e, WHAT))?
            }
            MessageType::MessageType_PinMatrixRequest => return Err(Error::TrezorPinRequired),
            MessageType::MessageType_Failure => {
                let f: protos::Failure = decode(&resp)?;
                return Err(failure_error(&f, WHAT));
            }
            MessageType::MessageType_EthereumTypedDataSignature => {
                let sig: EthereumTypedDataSignature = decode(&resp)?;
                return parse_signature(WHAT, sig.signature());
            }
            other => return Err(protocol_error(&format!("unexpected answer {other:?}"))),
        };
    }
}

/// `EthereumGetAddress` for `path`, without showing it on the device.
pub(crate) fn get_address_request(path: &DerivationPath) -> EthereumGetAddress {
    let mut req = EthereumGetAddress::new();
    req.address_n = path.components().to_vec();
    req.set_show_display(false);
    req
}

/// `EthereumSignTypedHash` for `path` with the EIP-712 domain separator and struct hash.
pub(crate) fn typed_hash_request(
    path: &DerivationPath,
    domain: B256,
    message: B256,
) -> EthereumSignTypedHash {
    let mut req = EthereumSignTypedHash::new();
    req.address_n = path.components().to_vec();
    req.set_domain_separator_hash(domain.to_vec());
    req.set_message_hash(message.to_vec());
    req
}

/// `EthereumSignMessage` for `path`: the device signs the EIP-191 personal-message hash of `message`.
pub(crate) fn sign_message_request(path: &DerivationPath, message: &[u8]) -> EthereumSignMessage {
    let mut req = EthereumSignMessage::new();
    req.address_n = path.components().to_vec();
    req.set_message(message.to_vec());
    req
}

/// Reads `r ‖ s ‖ v` from a Trezor signature.
pub(crate) fn parse_signature(what: &'static str, sig: &[u8]) -> Result<Rsv> {
    if sig.len() != 65 {
        return Err(Error::TrezorTransport {
            reason: format!("{what}: expected a 65-byte signature, got {} bytes", sig.len()),
        });
    }
    let v = sig[64];
    if !matches!(v, 0 | 1 | 27 | 28) {
        return Err(Error::TrezorTransport {
            reason: format!("{what}: v = {v} is not a y-parity (0, 1, 27 or 28)"),
        });
    }
    Ok(Rsv { r: U256::from_be_slice(&sig[..32]), s: U256::from_be_slice(&sig[32..64]), v })
}

fn failure_error(failure: &protos::Failure, what: &'static str) -> Error {
    match failure.code() {
        FailureType::Failure_ActionCancelled | FailureType::Failure_PinCancelled => {
            Error::TrezorRejected
        }
        FailureType::Failure_PinExpected | FailureType::Failure_PinInvalid => {
            Error::TrezorPinRequired
        }
        code => Error::TrezorFailure {
            code: format!("{code:?}"),
            message: failure.message().to_owned(),
            hint: match (code, what) {
                (FailureType::Failure_UnexpectedMessage, "EthereumSignTypedHash") => {
                    ": only the Trezor One signs EIP-712 hashes (EthereumSignTypedHash); this device should \
                     be asked with the streaming typed-data flow, which coffer picks from the model it \
                     reports. Sign in eth_sign mode (--eth-sign) meanwhile"
                }
                (FailureType::Failure_DataError, _) => {
                    ": check the derivation path (--hd-path / --mnemonic-index); non-standard paths need \
                     Safety checks set to prompt"
                }
                _ => ": check the device screen, unlock it and retry",
            },
        },
    }
}

fn client_error(err: trezor_client::Error, what: &'static str) -> Error {
    match err {
        trezor_client::Error::NoDeviceFound => {
            Error::TrezorNotFound { reason: "no device on USB or on the emulator port".to_owned() }
        }
        trezor_client::Error::DeviceNotUnique => Error::TrezorNotUnique,
        trezor_client::Error::FailureResponse(f) => failure_error(&f, what),
        other => Error::TrezorTransport { reason: format!("{what}: {other}") },
    }
}

/// Sends `req` and answers the device's button and passphrase requests until it returns `R`.
fn call<S: TrezorMessage, R: TrezorMessage>(
    trezor: &mut Trezor,
    req: S,
    what: &'static str,
) -> Result<R> {
    let mut resp = trezor
        .call::<R, S, R>(req, Box::new(|_, m: R| Ok(m)))
        .map_err(|e| client_error(e, what))?;
    loop {
        resp = match resp {
            TrezorResponse::Ok(m) => return Ok(m),
            TrezorResponse::Failure(f) => return Err(failure_error(&f, what)),
            TrezorResponse::PinMatrixRequest(_) => return Err(Error::TrezorPinRequired),
            // The user confirms on the device; the host acknowledges.
            TrezorResponse::ButtonRequest(b) => b.ack().map_err(|e| client_error(e, what))?,
            TrezorResponse::PassphraseRequest(p) => {
                // Ask for the passphrase on the device when it can take it there.
                let host_cannot_enter = !p.on_device();
                p.ack(host_cannot_enter).map_err(|e| client_error(e, what))?
            }
        };
    }
}

/// Runs a blocking device call on its own thread.
///
/// A detached thread, not tokio's blocking pool: a device that never answers keeps its thread waiting, and
/// the runtime must still be able to shut down when coffer gives up (`--device-timeout`).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("coffer-trezor".to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| Error::DeviceTask { reason: e.to_string() })?;
    rx.await.map_err(|_| Error::DeviceTask { reason: "the device thread stopped".to_owned() })?
}

fn lock(client: &Mutex<Trezor>) -> Result<std::sync::MutexGuard<'_, Trezor>> {
    client.lock().map_err(|_| Error::DeviceTask {
        reason: "an earlier Trezor call failed midway; reconnect the device".to_owned(),
    })
}

/// A Trezor at one derivation path. Clones share the device connection.
#[derive(Clone)]
pub struct TrezorSigner {
    client: Arc<Mutex<Trezor>>,
    path: DerivationPath,
    address: Address,
    model: String,
    device_timeout: Duration,
}

impl core::fmt::Debug for TrezorSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrezorSigner")
            .field("path", &self.path)
            .field("address", &self.address)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl TrezorSigner {
    /// Connects to the one Trezor plugged in (or the emulator on UDP 21324), initialises the session and
    /// reads the address at `path`.
    pub async fn connect(path: DerivationPath) -> Result<Self> {
        Self::open(path, || trezor_client::unique(false).map_err(|e| client_error(e, "connect")))
            .await
    }

    /// Connects to a Trezor emulator listening on UDP at `addr` (`host:port`; trezor-user-env uses
    /// `127.0.0.1:21324`), then as [`TrezorSigner::connect`].
    pub async fn connect_emulator(addr: &str, path: DerivationPath) -> Result<Self> {
        let addr = addr.to_owned();
        Self::open(path, move || {
            let not_found = |reason: String| Error::TrezorNotFound { reason };
            // trezor-client panics on an address without a port; check it first.
            if !addr
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                return Err(not_found(format!("{addr:?} is not HOST:PORT")));
            }
            let mut found = UdpTransport::find_devices(false, Some(&addr))
                .map_err(|e| not_found(format!("no emulator answers at {addr}: {e}")))?;
            let device = found.pop().ok_or_else(|| not_found(format!("no emulator at {addr}")))?;
            device.connect().map_err(|e| client_error(e, "connect"))
        })
        .await
    }

    async fn open(
        path: DerivationPath,
        find: impl FnOnce() -> Result<Trezor> + Send + 'static,
    ) -> Result<Self> {
        let request = get_address_request(&path);
        let (client, address, model) = blocking(move || {
            let mut trezor = find()?;
            trezor.init_device(None).map_err(|e| client_error(e, "Initialize"))?;
            let model = trezor.features().map(|f| f.model().to_owned()).unwrap_or_default();
            let answer: EthereumAddress = call(&mut trezor, request, "EthereumGetAddress")?;
            let text = answer.address();
            let address: Address = text.parse().map_err(|_| Error::TrezorTransport {
                reason: format!("EthereumGetAddress: {text:?} is not an address"),
            })?;
            Ok((trezor, address, model))
        })
        .await?;
        Ok(Self {
            client: Arc::new(Mutex::new(client)),
            path,
            address,
            model,
            device_timeout: DEFAULT_DEVICE_TIMEOUT,
        })
    }

    /// Sets how long to wait for the user to confirm on the device (`--device-timeout`).
    pub fn with_device_timeout(mut self, timeout: Duration) -> Self {
        self.device_timeout = timeout;
        self
    }

    /// How long coffer waits for a confirmation on the device.
    pub fn device_timeout(&self) -> Duration {
        self.device_timeout
    }

    /// The model from `Features` (`1` for the Trezor One, `T`, `Safe 3`, `Safe 5`).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// True for the Trezor One: the only model with `EthereumSignTypedHash`, and without the streaming flow's
    /// message-hash screen.
    pub fn is_trezor_one(&self) -> bool {
        self.model == "1"
    }

    /// Runs `f` on the device, giving up after the device timeout.
    async fn confirm<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Trezor) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let client = Arc::clone(&self.client);
        let timeout = self.device_timeout;
        let task = blocking(move || {
            let mut trezor = lock(&client)?;
            f(&mut trezor)
        });
        tokio::time::timeout(timeout, task)
            .await
            .map_err(|_| Error::DeviceTimeout { device: "Trezor", seconds: timeout.as_secs() })?
    }

    /// The address at `path`; with `show`, the device shows it and the user confirms it.
    pub async fn address_at(&self, path: &DerivationPath, show: bool) -> Result<Address> {
        let mut req = get_address_request(path);
        req.set_show_display(show);
        let text = self
            .confirm(move |t| {
                let answer: EthereumAddress = call(t, req, "EthereumGetAddress")?;
                Ok(answer.address().to_owned())
            })
            .await?;
        text.parse().map_err(|_| Error::TrezorTransport {
            reason: format!("EthereumGetAddress: {text:?} is not an address"),
        })
    }

    /// The streaming `EthereumSignTypedData` flow (core models): the device asks for each struct and value of
    /// `typed`, shows them and `message_hash`, and signs `keccak256(0x19 ‖ 0x01 ‖ domain ‖ message)`.
    pub async fn sign_typed_data(&self, typed: &TypedMessage, message_hash: B256) -> Result<Rsv> {
        let req = typed_data_request(&self.path, typed, message_hash);
        let typed = typed.clone();
        self.confirm(move |t| typed_data_flow(t, req, &typed)).await
    }

    /// The streaming `EthereumSignTypedData` flow for any typed data (core models): `typed` as read
    /// from its `eth_signTypedData_v4` JSON; the device shows each value and `message_hash` (the
    /// struct hash of the primary type) and signs `keccak256(0x19 ‖ 0x01 ‖ domain ‖ message)`.
    pub(crate) async fn sign_json_typed_data(
        &self,
        typed: JsonTypedData,
        message_hash: B256,
    ) -> Result<Rsv> {
        let req = typed_data_request_for(&self.path, &typed.primary, message_hash);
        self.confirm(move |t| typed_data_flow(t, req, &typed)).await
    }

    /// The address at the signer's path.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The derivation path.
    pub fn path(&self) -> &DerivationPath {
        &self.path
    }

    /// `EthereumSignTypedHash`: the device shows the domain and message hashes and signs
    /// `keccak256(0x19 ‖ 0x01 ‖ domain ‖ message)`.
    pub async fn sign_typed_hash(&self, domain: B256, message: B256) -> Result<Rsv> {
        let req = typed_hash_request(&self.path, domain, message);
        self.confirm(move |t| {
            let answer: EthereumTypedDataSignature = call(t, req, "EthereumSignTypedHash")?;
            parse_signature("EthereumSignTypedHash", answer.signature())
        })
        .await
    }

    /// `EthereumSignTxEIP1559`: the device shows the transaction and signs it; returns `r`, `s` and the
    /// y-parity as v (27/28 form is not used for typed transactions; the caller recovers and checks).
    pub(crate) async fn sign_eip1559(&self, tx: &crate::send::TxFields) -> Result<Rsv> {
        let path = self.path.components().to_vec();
        let tx = tx.clone();
        let be = |v: U256| {
            let bytes = v.to_be_bytes_trimmed_vec();
            if bytes.is_empty() { vec![0] } else { bytes }
        };
        self.confirm(move |t| {
            let to = tx.to.map(|a| a.to_checksum(None)).unwrap_or_default();
            let sig = t
                .ethereum_sign_eip1559_tx(
                    path,
                    be(U256::from(tx.nonce)),
                    be(U256::from(tx.gas_limit)),
                    to,
                    be(tx.value),
                    tx.data.clone(),
                    tx.chain_id,
                    be(U256::from(tx.max_fee_per_gas)),
                    be(U256::from(tx.max_priority_fee_per_gas)),
                    Vec::new(),
                )
                .map_err(|e| client_error(e, "EthereumSignTxEIP1559"))?;
            // trezor-client adds 35 + 2 × chainId to the device's parity; the caller recovers with both
            // parities and keeps the one that gives the sender's address.
            Ok(Rsv { r: U256::from_be_bytes(sig.r), s: U256::from_be_bytes(sig.s), v: 0 })
        })
        .await
    }

    /// `EthereumSignMessage`: signs `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`.
    pub async fn sign_personal_message(&self, message: &[u8]) -> Result<Rsv> {
        let req = sign_message_request(&self.path, message);
        self.confirm(move |t| {
            let answer: EthereumMessageSignature = call(t, req, "EthereumSignMessage")?;
            parse_signature("EthereumSignMessage", answer.signature())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloy::primitives::b256;

    /// Protobuf wire encoding, written out by hand from hw.trezor.messages.ethereum: `address_n` is field 1
    /// (repeated uint32, not packed: tag 0x08 + varint each), the hashes are fields 2 and 3 (tag 0x12 / 0x1a,
    /// length 32).
    fn varint(mut v: u32, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn encode<M: TrezorMessage>(m: &M) -> Vec<u8> {
        m.write_to_bytes().unwrap()
    }

    fn decode<M: TrezorMessage>(wire: &[u8]) -> M {
        M::parse_from_bytes(wire).unwrap()
    }

    fn expected_path_bytes(path: &DerivationPath) -> Vec<u8> {
        let mut out = Vec::new();
        for c in path.components() {
            out.push(0x08);
            varint(*c, &mut out);
        }
        out
    }

    #[test]
    fn sign_typed_hash_encoding() {
        let path = DerivationPath::bip44(0).unwrap();
        let d = b256!("0x1111111111111111111111111111111111111111111111111111111111111111");
        let m = b256!("0x2222222222222222222222222222222222222222222222222222222222222222");
        let req = typed_hash_request(&path, d, m);
        let mut expected = expected_path_bytes(&path);
        // m/44'/60'/0'/0/0: 44' = 0x8000002c → varint ac 80 80 80 08.
        assert_eq!(&expected[..6], &[0x08, 0xac, 0x80, 0x80, 0x80, 0x08]);
        expected.extend_from_slice(&[0x12, 32]);
        expected.extend_from_slice(d.as_slice());
        expected.extend_from_slice(&[0x1a, 32]);
        expected.extend_from_slice(m.as_slice());
        assert_eq!(encode(&req), expected);
        assert_eq!(
            <EthereumSignTypedHash as TrezorMessage>::MESSAGE_TYPE,
            protos::MessageType::MessageType_EthereumSignTypedHash
        );
    }

    #[test]
    fn sign_message_and_get_address_encoding() {
        let path = DerivationPath::bip44(7).unwrap();
        let hash = [0xabu8; 32];
        let mut expected = expected_path_bytes(&path);
        expected.extend_from_slice(&[0x12, 32]);
        expected.extend_from_slice(&hash);
        assert_eq!(encode(&sign_message_request(&path, &hash)), expected);

        // show_display is field 2 (bool): 0x10 0x00.
        let mut expected = expected_path_bytes(&path);
        expected.extend_from_slice(&[0x10, 0x00]);
        assert_eq!(encode(&get_address_request(&path)), expected);
    }

    #[test]
    fn typed_data_signature_decoding() {
        // EthereumTypedDataSignature: signature = field 1 (bytes), address = field 2 (string).
        let mut sig = vec![0x11u8; 32];
        sig.extend_from_slice(&[0x22; 32]);
        sig.push(28);
        let addr = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        let mut wire = vec![0x0a, 65];
        wire.extend_from_slice(&sig);
        wire.push(0x12);
        wire.push(addr.len() as u8);
        wire.extend_from_slice(addr.as_bytes());
        let msg: EthereumTypedDataSignature = decode(&wire);
        let rsv = parse_signature("t", msg.signature()).unwrap();
        assert_eq!(rsv.v, 28);
        assert_eq!(rsv.r, U256::from_be_slice(&[0x11; 32]));
        assert_eq!(rsv.s, U256::from_be_slice(&[0x22; 32]));
        assert_eq!(msg.address(), addr);
        assert!(parse_signature("t", &sig[..64]).is_err());
    }

    #[test]
    fn typed_data_messages() {
        use coffer_core::{SafeTx, SafeTxContext, SafeVersion};
        let ctx = SafeTxContext::new(5, Address::repeat_byte(0x5a), SafeVersion::V1_3_0);
        let tx = SafeTx::call(Address::repeat_byte(1), U256::from(9), vec![1, 2, 3], U256::from(4));
        let typed = TypedMessage::safe_tx(&ctx, &tx);
        let path = DerivationPath::bip44(0).unwrap();
        let req = typed_data_request(&path, &typed, tx.struct_hash());
        assert_eq!(req.primary_type(), "SafeTx");
        assert!(req.metamask_v4_compat());
        assert_eq!(req.show_message_hash(), tx.struct_hash().as_slice());
        let ack = struct_ack(&typed.message);
        let members: Vec<(&str, EthereumDataType, Option<u32>)> =
            ack.members.iter().map(|m| (m.name(), m.type_.data_type(), m.type_.size)).collect();
        assert_eq!(members.len(), 10);
        assert_eq!(members[0], ("to", EthereumDataType::ADDRESS, None));
        assert_eq!(members[1], ("value", EthereumDataType::UINT, Some(32)));
        assert_eq!(members[2], ("data", EthereumDataType::BYTES, None));
        assert_eq!(members[3], ("operation", EthereumDataType::UINT, Some(1)));
        assert_eq!(members[9], ("nonce", EthereumDataType::UINT, Some(32)));
        let domain = struct_ack(&typed.domain);
        assert_eq!(domain.members[0].name(), "chainId");
        assert_eq!(domain.members[1].name(), "verifyingContract");
        // Values by member path: 0 = domain, 1 = message.
        assert_eq!(value_at(&typed, &[0, 0]), Some(&U256::from(5).to_be_bytes::<32>()[..]));
        assert_eq!(value_at(&typed, &[0, 1]), Some(&[0x5a; 20][..]));
        assert_eq!(value_at(&typed, &[1, 2]), Some(&[1, 2, 3][..]));
        assert_eq!(value_at(&typed, &[1, 3]), Some(&[0][..]));
        assert_eq!(value_at(&typed, &[1, 10]), None);
        assert_eq!(value_at(&typed, &[2, 0]), None);
        assert_eq!(value_at(&typed, &[1]), None);
    }

    #[test]
    fn failures_map_to_actions() {
        let mut f = protos::Failure::new();
        f.set_code(FailureType::Failure_ActionCancelled);
        assert!(matches!(failure_error(&f, "EthereumSignTypedHash"), Error::TrezorRejected));
        f.set_code(FailureType::Failure_UnexpectedMessage);
        f.set_message("Unknown message".to_owned());
        let e = failure_error(&f, "EthereumSignTypedHash").to_string();
        assert!(e.contains("Unknown message") && e.contains("eth_sign mode"), "{e}");
    }
}
