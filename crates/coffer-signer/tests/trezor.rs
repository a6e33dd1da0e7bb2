//! The Trezor code path (coffer's messages and interaction loops + trezor-client's real UDP emulator transport)
//! against the Trezor double in `common/trezor.rs`, whose firmware model follows HARDWARE-WALLETS.md (no
//! device or emulator image can run here).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::primitives::{B256, U256, address};
use coffer_core::{SafeTx, SafeTxContext, SafeVersion, SignatureKind};
use coffer_signer::{DerivationPath, Error, SigningMode, TrezorSigner, WalletSigner};
use common::{
    User, key_at,
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
        vec![0xa9, 0x05, 0x9c, 0xbb, 1, 2, 3],
        U256::from(3),
    )
}

async fn trezor(double: &TrezorDouble, index: u32, timeout: u64) -> WalletSigner {
    let path = DerivationPath::bip44(index).unwrap();
    let t = TrezorSigner::connect_emulator(&double.addr, path).await.unwrap();
    WalletSigner::Trezor(t.with_device_timeout(std::time::Duration::from_secs(timeout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_models_sign_through_the_streaming_flow() {
    for model in ["T", "Safe 3", "Safe 5"] {
        let double = TrezorDouble::spawn_model(model);
        let signer = trezor(&double, 4, 30).await;
        assert_eq!(signer.address(), key_at("m/44'/60'/0'/0/4").address());
        let hash = tx().safe_tx_hash(&ctx());

        let mut previews = Vec::new();
        let sig =
            signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut previews).await.unwrap();
        assert!(matches!(sig.kind, SignatureKind::Eip712 { .. }));
        sig.verify(hash).unwrap();
        // The device led: both structs, the domain screen, 2 domain values, the message screen, 10 values,
        // the message-hash screen, each screen acknowledged.
        let mut expected = vec!["Initialize", "EthereumGetAddress", "EthereumSignTypedData"];
        expected.extend(["EthereumTypedDataStructAck"; 2]);
        expected.push("ButtonAck");
        expected.extend(["EthereumTypedDataValueAck"; 2]);
        expected.push("ButtonAck");
        expected.extend(["EthereumTypedDataValueAck"; 10]);
        expected.push("ButtonAck");
        assert_eq!(double.received(), expected, "{model}");
        // What the device showed is what the preview listed.
        let prompt = previews[0].device.as_ref().unwrap();
        let previewed: Vec<(String, String)> =
            prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
        assert_eq!(double.shown(), previewed, "{model}");
        assert!(previewed.contains(&("Message hash".to_owned(), tx().struct_hash().to_string())));
        assert!(previews[0].to_string().contains("The Trezor will show, screen by screen"));

        // eth_sign still works.
        let sig =
            signer.sign_safe_tx(&ctx(), &tx(), SigningMode::EthSign, &mut previews).await.unwrap();
        assert!(matches!(sig.kind, SignatureKind::EthSign { v: 31 | 32, .. }));
        sig.verify(hash).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_models_refuse_the_typed_hash_message() {
    let double = TrezorDouble::spawn();
    let WalletSigner::Trezor(t) = trezor(&double, 0, 30).await else { panic!() };
    assert!(!t.is_trezor_one());
    let e = t.sign_typed_hash(B256::ZERO, B256::ZERO).await.unwrap_err();
    match &e {
        Error::TrezorFailure { code, message, .. } => {
            assert_eq!(
                (code.as_str(), message.as_str()),
                ("Failure_UnexpectedMessage", "Unexpected message")
            );
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("only the Trezor One"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trezor_one_signs_the_typed_hash() {
    let double = TrezorDouble::spawn_model("1");
    let signer = trezor(&double, 1, 30).await;
    let mut previews = Vec::new();
    let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut previews).await.unwrap();
    sig.verify(tx().safe_tx_hash(&ctx())).unwrap();
    assert_eq!(
        double.received(),
        ["Initialize", "EthereumGetAddress", "EthereumSignTypedHash", "ButtonAck"]
    );
    let prompt = previews[0].device.as_ref().unwrap();
    let previewed: Vec<(String, String)> =
        prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
    assert_eq!(double.shown(), previewed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_errors_are_clear() {
    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 0, 30).await;
    *double.state.user.lock().unwrap() = User::Reject;
    let e = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut Vec::new()).await;
    let e = e.unwrap_err();
    assert!(matches!(e, Error::TrezorRejected), "{e}");
    assert!(e.to_string().contains("rejected on the Trezor"), "{e}");

    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 0, 30).await;
    *double.state.fault.lock().unwrap() = TrezorFault::PinMatrix;
    let e = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::EthSign, &mut Vec::new()).await;
    let e = e.unwrap_err();
    assert!(matches!(e, Error::TrezorPinRequired), "{e}");
    assert!(e.to_string().contains("unlock it"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_confirms_within_the_device_timeout() {
    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 0, 1).await;
    *double.state.user.lock().unwrap() = User::Never;
    let mut previews = Vec::new();
    let started = std::time::Instant::now();
    let e =
        signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut previews).await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(e, Error::DeviceTimeout { device: "Trezor", seconds: 1 }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_on_screen() {
    let double = TrezorDouble::spawn();
    let WalletSigner::Trezor(t) = trezor(&double, 0, 30).await else { panic!() };
    let path = DerivationPath::bip44(3).unwrap();
    assert_eq!(t.address_at(&path, true).await.unwrap(), key_at("m/44'/60'/0'/0/3").address());
    assert_eq!(double.received().last().unwrap(), "ButtonAck");
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

/// A social-recovery guardian's confirmation (typed data with an `address[]`): a core model
/// streams it field by field, the array as its length then each element, and shows the message
/// hash; the Trezor One signs the two hashes. Both signatures recover to the guardian over the
/// module's digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_confirmation_on_each_model() {
    use coffer_core::recovery::{RecoveryMessage, recovery_domain_separator};
    let module = address!("0x000000000000000000000000000000000000dEaD");
    let owners = [key_at("m/44'/60'/0'/0/7").address(), key_at("m/44'/60'/0'/0/8").address()];
    let msg = RecoveryMessage {
        wallet: ctx().safe,
        new_owners: owners.to_vec(),
        new_threshold: U256::from(2),
        nonce: U256::from(4),
    };
    let json = msg.typed_data_json(31337, module);
    let (domain, hash) = (recovery_domain_separator(31337, module), msg.struct_hash());
    let digest = msg.digest(31337, module);
    for model in ["T", "Safe 5", "1"] {
        let double = TrezorDouble::spawn_model(model);
        let signer = trezor(&double, 5, 30).await;
        let sig = signer.sign_typed_digest(&json, domain, hash, digest).await.unwrap();
        let recovered = alloy::primitives::Signature::from_raw(&sig.bytes)
            .unwrap()
            .recover_address_from_prehash(&digest)
            .unwrap();
        assert_eq!(recovered, key_at("m/44'/60'/0'/0/5").address(), "{model}");
        let received = double.received();
        let shown = double.shown();
        if model == "1" {
            assert!(received.contains(&"EthereumSignTypedHash".to_owned()), "{received:?}");
            assert!(sig.device_method.contains("EthereumSignTypedHash"));
            continue;
        }
        // Structs, domain screen, 4 domain values, message screen, wallet, the array's length and
        // its 2 elements, threshold and nonce, the message-hash screen.
        let mut expected = vec!["Initialize", "EthereumGetAddress", "EthereumSignTypedData"];
        expected.extend(["EthereumTypedDataStructAck"; 2]);
        expected.push("ButtonAck");
        expected.extend(["EthereumTypedDataValueAck"; 4]);
        expected.push("ButtonAck");
        expected.extend(["EthereumTypedDataValueAck"; 6]);
        expected.push("ButtonAck");
        assert_eq!(received, expected, "{model}");
        assert!(sig.device_method.contains("EthereumSignTypedData"));
        for screen in [
            ("name".to_owned(), coffer_core::recovery::RECOVERY_DOMAIN_NAME.to_owned()),
            ("chainId".to_owned(), "31337".to_owned()),
            ("newOwners".to_owned(), "array of 2".to_owned()),
            ("newOwners[1]".to_owned(), owners[1].to_checksum(None)),
            ("newThreshold".to_owned(), "2".to_owned()),
            ("Message hash".to_owned(), hash.to_string()),
        ] {
            assert!(shown.contains(&screen), "{model}: no {screen:?} in {shown:?}");
        }
    }

    // A message whose stated hash is not the typed data's: refused before the device is asked.
    let double = TrezorDouble::spawn();
    let signer = trezor(&double, 5, 30).await;
    let e = signer.sign_typed_digest(&json, domain, B256::ZERO, digest).await.unwrap_err();
    assert!(matches!(e, Error::HashMismatch { .. }), "{e}");
    assert!(!double.received().contains(&"EthereumSignTypedData".to_owned()));
}
