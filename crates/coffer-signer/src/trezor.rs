//! A Trezor signer over the `trezor-client` crate (USB, or the emulator's UDP port 21324).
//!
//! Messages used: `EthereumGetAddress` → `EthereumAddress`; `EthereumSignTypedHash` (domain separator hash +
//! message hash, the device shows both) → `EthereumTypedDataSignature`; `EthereumSignMessage` (the eth_sign
//! fallback) → `EthereumMessageSignature`. Signatures are `r ‖ s ‖ v` with v = 27/28.
//!
//! trezor-client is blocking; every device call runs on tokio's blocking pool.

use std::sync::{Arc, Mutex};

use alloy::primitives::{Address, B256, U256};
use coffer_core::Rsv;
use trezor_client::{
    Trezor, TrezorMessage, TrezorResponse,
    protos::{
        self, EthereumAddress, EthereumGetAddress, EthereumMessageSignature, EthereumSignMessage,
        EthereumSignTypedHash, EthereumTypedDataSignature, failure::FailureType,
    },
    transport::udp::UdpTransport,
};

use crate::{DerivationPath, Error, Result};

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
                    ": this firmware cannot sign EIP-712 hashes; update it with Trezor Suite, or sign in \
                     eth_sign mode"
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

/// Runs a blocking device call on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::DeviceTask { reason: e.to_string() })?
}

fn lock(client: &Mutex<Trezor>) -> Result<std::sync::MutexGuard<'_, Trezor>> {
    client.lock().map_err(|_| Error::DeviceTask {
        reason: "an earlier Trezor call failed midway; reconnect the device".to_owned(),
    })
}

/// A Trezor at one derivation path.
pub struct TrezorSigner {
    client: Arc<Mutex<Trezor>>,
    path: DerivationPath,
    address: Address,
}

impl core::fmt::Debug for TrezorSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrezorSigner")
            .field("path", &self.path)
            .field("address", &self.address)
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
        let (client, address) = blocking(move || {
            let mut trezor = find()?;
            trezor.init_device(None).map_err(|e| client_error(e, "Initialize"))?;
            let answer: EthereumAddress = call(&mut trezor, request, "EthereumGetAddress")?;
            let text = answer.address();
            let address: Address = text.parse().map_err(|_| Error::TrezorTransport {
                reason: format!("EthereumGetAddress: {text:?} is not an address"),
            })?;
            Ok((trezor, address))
        })
        .await?;
        Ok(Self { client: Arc::new(Mutex::new(client)), path, address })
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
        let client = Arc::clone(&self.client);
        blocking(move || {
            let mut trezor = lock(&client)?;
            let answer: EthereumTypedDataSignature =
                call(&mut trezor, req, "EthereumSignTypedHash")?;
            parse_signature("EthereumSignTypedHash", answer.signature())
        })
        .await
    }

    /// `EthereumSignMessage`: signs `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`.
    pub async fn sign_personal_message(&self, message: &[u8]) -> Result<Rsv> {
        let req = sign_message_request(&self.path, message);
        let client = Arc::clone(&self.client);
        blocking(move || {
            let mut trezor = lock(&client)?;
            let answer: EthereumMessageSignature = call(&mut trezor, req, "EthereumSignMessage")?;
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
