//! The Trezor code path (coffer's messages and interaction loop + trezor-client's real UDP emulator transport)
//! against the Trezor double in `common/trezor.rs` (no device or emulator image can run here).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::primitives::{U256, address};
use coffer_core::{SafeTx, SafeTxContext, SafeVersion, SignatureKind};
use coffer_signer::{DerivationPath, Error, SigningMode, TrezorSigner, WalletSigner};
use common::{
    key_at,
    trezor::{TrezorDouble, TrezorFault},
};

fn ctx() -> SafeTxContext {
    SafeTxContext::new(
        1,
        address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe"),
        SafeVersion::V1_3_0,
    )
}

fn tx() -> SafeTx {
    SafeTx::call(
        address!("0x00000000000000000000000000000000000000b0"),
        U256::from(5),
        vec![],
        U256::from(3),
    )
}

async fn trezor(double: &TrezorDouble, index: u32) -> WalletSigner {
    let path = DerivationPath::bip44(index).unwrap();
    WalletSigner::Trezor(TrezorSigner::connect_emulator(&double.addr, path).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_hash_and_message_signatures() {
    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 4).await;
    assert_eq!(signer.address(), key_at("m/44'/60'/0'/0/4").address());
    let hash = tx().safe_tx_hash(&ctx());

    let mut previews = Vec::new();
    let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut previews).await.unwrap();
    assert!(matches!(sig.kind, SignatureKind::Eip712 { .. }));
    sig.verify(hash).unwrap();
    let sig =
        signer.sign_safe_tx(&ctx(), &tx(), SigningMode::EthSign, &mut previews).await.unwrap();
    assert!(matches!(sig.kind, SignatureKind::EthSign { v: 31 | 32, .. }));
    sig.verify(hash).unwrap();
    assert_eq!(previews.len(), 2);
    assert!(previews[0].to_string().contains("The Trezor must show these two values"));
    // Each signature went through the device's button confirmation.
    assert_eq!(
        double.received(),
        [
            "Initialize",
            "EthereumGetAddress",
            "EthereumSignTypedHash",
            "ButtonAck",
            "EthereumSignMessage",
            "ButtonAck"
        ]
    );
}

async fn failing(fault: TrezorFault, mode: SigningMode) -> Error {
    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 0).await;
    *double.state.fault.lock().unwrap() = fault;
    signer.sign_safe_tx(&ctx(), &tx(), mode, &mut Vec::new()).await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_errors_are_clear() {
    let e = failing(TrezorFault::Cancelled, SigningMode::Eip712).await;
    assert!(matches!(e, Error::TrezorRejected), "{e}");
    assert!(e.to_string().contains("rejected on the Trezor"), "{e}");

    let e = failing(TrezorFault::NoTypedHash, SigningMode::Eip712).await;
    assert!(matches!(e, Error::TrezorFailure { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("cannot sign EIP-712 hashes") && text.contains("eth_sign mode"),
        "{text}"
    );

    let e = failing(TrezorFault::PinMatrix, SigningMode::EthSign).await;
    assert!(matches!(e, Error::TrezorPinRequired), "{e}");
    assert!(e.to_string().contains("unlock it"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_emulator() {
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let e = TrezorSigner::connect_emulator(
        &format!("127.0.0.1:{port}"),
        DerivationPath::bip44(0).unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::TrezorNotFound { .. }), "{e}");
    let e = TrezorSigner::connect_emulator("localhost", DerivationPath::bip44(0).unwrap())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not HOST:PORT"), "{e}");
}
