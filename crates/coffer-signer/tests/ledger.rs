//! The Ledger code path (coffer's APDU encoding + coins-ledger's real Speculos TCP transport) against the device
//! double in `common/` (see there why a double: no device and no app image can run here).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::primitives::{Address, B256, Signature, U256, address};
use clap::Parser;
use coffer_core::{SafeTx, SafeTxContext, SafeVersion, SignatureKind, safe_message_hash};
use coffer_signer::{Error, SignerKind, SigningMode, SigningPreview, WalletOpts, WalletSigner};
use common::{Event, LedgerDouble, Tamper, key_at};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    wallet: WalletOpts,
}

fn opts(args: &[&str]) -> WalletOpts {
    Cli::parse_from(std::iter::once("coffer").chain(args.iter().copied())).wallet
}

fn no_env(_: &str) -> Option<String> {
    None
}

async fn ledger(double: &LedgerDouble, extra: &[&str]) -> Result<WalletSigner, Error> {
    let mut args = vec!["--ledger-url", double.url.as_str()];
    args.extend_from_slice(extra);
    opts(&args).signer_with_env(no_env).await
}

fn ctx() -> SafeTxContext {
    SafeTxContext::new(
        31337,
        address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe"),
        SafeVersion::V1_4_1,
    )
}

fn tx() -> SafeTx {
    // addOwnerWithThreshold(0x…01, 2) to the Safe itself: the preview must flag OWNER CHANGE.
    let mut data = alloy::primitives::hex::decode("0d582f13").unwrap();
    data.extend_from_slice(&[0u8; 31]);
    data.push(1);
    data.extend_from_slice(&U256::from(2).to_be_bytes::<32>());
    SafeTx::call(ctx().safe, U256::ZERO, data, U256::from(7))
}

fn first_index(events: &[Event], pred: impl Fn(&Event) -> bool) -> usize {
    events.iter().position(pred).unwrap_or_else(|| panic!("event missing in {events:?}"))
}

#[tokio::test]
async fn eip712_hashed_over_tcp_previews_then_signs() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &["--ledger-mode", "hashed"]).await.unwrap();
    // Ledger Live account 0 is m/44'/60'/0'/0/0: anvil's account 0.
    assert_eq!(signer.address(), key_at("m/44'/60'/0'/0/0").address());
    assert_eq!(signer.kind(), SignerKind::Ledger);

    let mut preview = double.preview_sink();
    let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut preview).await.unwrap();
    let hash = tx().safe_tx_hash(&ctx());
    assert!(matches!(sig.kind, SignatureKind::Eip712 { v: 27 | 28, .. }), "{sig:?}");
    assert_eq!(sig.owner, signer.address());
    assert_eq!(sig.recover_owner(hash).unwrap(), signer.address());

    // The preview came before the device was asked to sign, after it was read.
    let events = double.device.events();
    let shown = first_index(&events, |e| *e == Event::Preview);
    let signed = first_index(&events, |e| matches!(e, Event::Apdu { ins: 0x0C, .. }));
    assert!(shown < signed, "{events:?}");
    assert!(events[..shown].contains(&Event::Apdu { ins: 0x02, p1: 0, p2: 0 }), "{events:?}");
    // The "Confirm on your Ledger" line came after the preview, before the signing APDU.
    let waiting = first_index(&events, |e| *e == Event::Waiting);
    assert!(shown < waiting && waiting < signed, "{events:?}");

    // The device received exactly the two hashes the preview shows.
    let p: &SigningPreview = &preview.shown[0];
    let (domain, message) = double.device.last_eip712.lock().unwrap().unwrap();
    assert_eq!((p.domain_hash, p.message_hash, p.safe_hash), (domain, message, hash));
    assert_eq!(p.nonce(), Some(U256::from(7)));
    let text = p.to_string();
    let upper = |h: B256| format!("0x{}", alloy::primitives::hex::encode_upper(h));
    assert!(text.contains(&format!("Domain hash    {}", upper(domain))), "{text}");
    assert!(text.contains(&format!("Message hash   {}", upper(message))), "{text}");
    assert!(text.contains(&format!("safeTxHash     {hash}")), "{text}");
    assert!(text.contains("OWNER CHANGE"), "{text}");
    assert!(text.contains("The Ledger must show exactly these two values"), "{text}");
}

#[tokio::test]
async fn eth_sign_fallback_over_tcp() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    let mut preview = double.preview_sink();
    let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::EthSign, &mut preview).await.unwrap();
    let hash = tx().safe_tx_hash(&ctx());
    assert!(matches!(sig.kind, SignatureKind::EthSign { v: 31 | 32, .. }), "{sig:?}");
    assert_eq!(sig.recover_owner(hash).unwrap(), signer.address());
    // The device signed the 32 bytes of the safeTxHash as a personal message.
    assert_eq!(double.device.last_personal.lock().unwrap().as_deref(), Some(hash.as_slice()));
    let events = double.device.events();
    assert!(
        first_index(&events, |e| *e == Event::Preview)
            < first_index(&events, |e| matches!(e, Event::Apdu { ins: 0x08, .. }))
    );
}

#[tokio::test]
async fn safe_messages_in_both_modes() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    let hash = safe_message_hash(&ctx(), b"coffer: I approve the payout plan");
    for mode in [SigningMode::Eip712, SigningMode::EthSign] {
        let mut preview = double.preview_sink();
        let sig = signer
            .sign_safe_message(&ctx(), b"coffer: I approve the payout plan", mode, &mut preview)
            .await
            .unwrap();
        sig.verify(hash).unwrap();
        assert_eq!(sig.owner, signer.address());
        assert_eq!(preview.shown[0].nonce(), None);
        assert!(preview.shown[0].to_string().contains("I approve the payout plan"));
    }
}

#[tokio::test]
async fn derivation_paths() {
    let double = LedgerDouble::spawn().await;
    for (args, path) in [
        (&["--mnemonic-index", "2"][..], "m/44'/60'/2'/0/0"),
        (&["--ledger-legacy", "--mnemonic-index", "1"], "m/44'/60'/0'/1"),
        (&["--hd-path", "m/44'/60'/0'/0/3"], "m/44'/60'/0'/0/3"),
    ] {
        let signer = ledger(&double, args).await.unwrap();
        assert_eq!(signer.address(), key_at(path).address(), "{args:?}");
        let WalletSigner::Ledger(l) = &signer else { panic!("not a Ledger") };
        assert_eq!(l.path().to_string(), path);
        // And it signs with that key.
        let mut preview = double.preview_sink();
        let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut preview).await;
        assert_eq!(sig.unwrap().owner, key_at(path).address());
    }
}

#[tokio::test]
async fn long_personal_message_is_chunked() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    let WalletSigner::Ledger(l) = &signer else { panic!("not a Ledger") };
    let message: Vec<u8> = (0..700u32).map(|i| (i * 7 % 256) as u8).collect();
    let rsv = l.sign_personal_message(&message).await.unwrap();
    let sig = Signature::new(rsv.r, rsv.s, rsv.v == 28);
    assert_eq!(sig.recover_address_from_msg(&message).unwrap(), l.address());
    let p1s: Vec<u8> = double
        .device
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::Apdu { ins: 0x08, p1, .. } => Some(*p1),
            _ => None,
        })
        .collect();
    assert_eq!(p1s, [0x00, 0x80, 0x80]);
}

#[tokio::test]
async fn device_quirks_are_normalised() {
    for tamper in [Tamper::ZeroOneV, Tamper::HighS] {
        let double = LedgerDouble::spawn().await;
        let signer = ledger(&double, &[]).await.unwrap();
        *double.device.tamper.lock().unwrap() = tamper;
        for mode in [SigningMode::Eip712, SigningMode::EthSign] {
            let mut preview = double.preview_sink();
            let sig = signer.sign_safe_tx(&ctx(), &tx(), mode, &mut preview).await.unwrap();
            sig.verify(tx().safe_tx_hash(&ctx())).unwrap();
            match (mode, sig.kind) {
                (SigningMode::Eip712, SignatureKind::Eip712 { v: 27 | 28, s, .. })
                | (SigningMode::EthSign, SignatureKind::EthSign { v: 31 | 32, s, .. }) => {
                    assert!(s <= coffer_core::SECP256K1N_HALF, "{tamper:?}: high s kept");
                }
                other => panic!("{tamper:?}: {other:?}"),
            }
        }
    }
}

/// Connects, makes the double answer `status` to `ins`, and returns the error of connecting or signing.
async fn failure(ins: u8, status: u16, mode: SigningMode) -> (Error, Vec<Event>) {
    let double = LedgerDouble::spawn().await;
    if ins == 0x06 || ins == 0x02 {
        double.device.fail(ins, status);
        let e = ledger(&double, &[]).await.unwrap_err();
        return (e, double.device.events());
    }
    let signer = ledger(&double, &["--ledger-mode", "hashed"]).await.unwrap();
    double.device.fail(ins, status);
    let mut preview = double.preview_sink();
    let e = signer.sign_safe_tx(&ctx(), &tx(), mode, &mut preview).await.unwrap_err();
    (e, double.device.events())
}

fn assert_message(e: &Error, needles: &[&str]) {
    let text = e.to_string();
    for n in needles {
        assert!(text.contains(n), "{n:?} not in: {text}");
    }
}

#[tokio::test]
async fn blind_signing_off_is_refused_before_the_device_is_asked() {
    for extra in [&["--ledger-mode", "hashed"][..], &[]] {
        let double = LedgerDouble::spawn().await;
        double.device.set(false, false);
        let signer = ledger(&double, extra).await.unwrap();
        let before = double.device.events().len();
        let mut preview = double.preview_sink();
        // In auto mode a data too long for the screen needs hashed mode.
        let long = SafeTx::call(ctx().safe, U256::ZERO, vec![0xab; 200], U256::from(7));
        let e = signer
            .sign_safe_tx(&ctx(), &long, SigningMode::Eip712, &mut preview)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::LedgerBlindSigningOff { .. }), "{extra:?}: {e}");
        assert_message(
            &e,
            &[
                "Blind signing off",
                "App settings > Blind signing",
                "did not ask the device",
                "--eth-sign",
                "--ledger-mode full",
            ],
        );
        // Only GET_APP_CONFIGURATION was sent: no preview, no signing APDU, no struct APDU.
        let after = double.device.events()[before..].to_vec();
        assert_eq!(after, [Event::Apdu { ins: 0x06, p1: 0, p2: 0 }], "{extra:?}");
        assert!(preview.shown.is_empty());
        // eth_sign needs no setting.
        let sig = signer.sign_safe_tx(&ctx(), &long, SigningMode::EthSign, &mut preview).await;
        assert_eq!(sig.unwrap().owner, signer.address());
    }
}

#[tokio::test]
async fn blind_signing_refused_by_the_device_anyway() {
    // If the setting changes between the check and the request, the device's 0x6A80 is still explained.
    let (e, events) = failure(0x0C, 0x6A80, SigningMode::Eip712).await;
    assert!(matches!(e, Error::LedgerBlindSigningDisabled), "{e}");
    assert_message(
        &e,
        &["Blind signing is off", "App settings > Blind signing", "character by character"],
    );
    assert!(events.contains(&Event::Preview));
}

#[tokio::test]
async fn user_rejected() {
    for (ins, mode) in [(0x0C, SigningMode::Eip712), (0x08, SigningMode::EthSign)] {
        let (e, _) = failure(ins, 0x6985, mode).await;
        assert!(matches!(e, Error::LedgerRejected { status: 0x6985 }), "{e}");
        assert_message(&e, &["rejected on the Ledger", "nothing was signed"]);
    }
}

#[tokio::test]
async fn ethereum_app_not_open() {
    for status in [0x6D00, 0x6E00] {
        let (e, _) = failure(0x06, status, SigningMode::Eip712).await;
        assert!(matches!(e, Error::LedgerAppNotOpen { .. }), "{e}");
        assert_message(&e, &["Ethereum app is not open", "open the Ethereum app"]);
    }
}

#[tokio::test]
async fn device_locked() {
    let (e, _) = failure(0x06, 0x5515, SigningMode::Eip712).await;
    assert!(matches!(e, Error::LedgerLocked { status: 0x5515 }), "{e}");
    assert_message(&e, &["Ledger is locked", "unlock it"]);
    // Locked while the request waits.
    let (e, _) = failure(0x0C, 0x5515, SigningMode::Eip712).await;
    assert!(matches!(e, Error::LedgerLocked { .. }), "{e}");
}

#[tokio::test]
async fn other_status_words_are_named() {
    let (e, _) = failure(0x0C, 0x6A86, SigningMode::Eip712).await;
    assert!(matches!(e, Error::LedgerStatus { ins: 0x0C, status: 0x6A86, .. }), "{e}");
    assert_message(&e, &["0x6a86", "0x0c"]);
    // 0x6A80 outside EIP-712 is not the blind signing message.
    let (e, _) = failure(0x08, 0x6A80, SigningMode::EthSign).await;
    assert!(matches!(e, Error::LedgerStatus { status: 0x6A80, .. }), "{e}");
}

#[tokio::test]
async fn app_too_old_for_eip712_hashed() {
    let double = LedgerDouble::spawn().await;
    *double.device.version.lock().unwrap() = [1, 4, 9];
    let signer = ledger(&double, &[]).await.unwrap();
    let mut preview = double.preview_sink();
    let e =
        signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut preview).await.unwrap_err();
    assert!(matches!(e, Error::LedgerAppTooOld { .. }), "{e}");
    assert_message(&e, &["version 1.4.9", "needs 1.5.0", "update the app", "eth_sign mode"]);
    assert!(!double.device.events().iter().any(|e| e.is(0x0C)));
    // eth_sign still works on that version.
    let sig = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::EthSign, &mut preview).await.unwrap();
    assert_eq!(sig.owner, signer.address());
}

#[tokio::test]
async fn signature_from_another_key_is_refused() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    *double.device.tamper.lock().unwrap() = Tamper::WrongKey;
    for mode in [SigningMode::Eip712, SigningMode::EthSign] {
        let mut preview = double.preview_sink();
        let e = signer.sign_safe_tx(&ctx(), &tx(), mode, &mut preview).await.unwrap_err();
        match e {
            Error::WrongSigner { expected, recovered, .. } => {
                assert_eq!(expected, signer.address());
                assert_eq!(recovered, key_at("m/44'/60'/0'/0/9").address());
            }
            other => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn address_that_is_not_the_public_keys_is_refused() {
    let double = LedgerDouble::spawn().await;
    *double.device.tamper.lock().unwrap() = Tamper::LyingAddress;
    let e = ledger(&double, &[]).await.unwrap_err();
    assert!(matches!(e, Error::LedgerBadResponse { what: "GET_PUBLIC_KEY", .. }), "{e}");
    assert_message(&e, &["does not belong to the public key"]);
}

#[tokio::test]
async fn connection_problems() {
    // Nothing listens: bind a port, then free it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("tcp://127.0.0.1:{port}");
    let e = opts(&["--ledger-url", &url]).signer_with_env(no_env).await.unwrap_err();
    assert!(matches!(e, Error::LedgerConnect { .. }), "{e}");
    assert_message(&e, &["could not connect to the Ledger emulator", "Speculos"]);

    // A bad URL.
    let e = opts(&["--ledger-url", "127.0.0.1:9999"]).signer_with_env(no_env).await.unwrap_err();
    assert_message(&e, &["invalid Ledger URL", "tcp://HOST:PORT"]);

    // The device goes away while asked to sign.
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    *double.device.tamper.lock().unwrap() = Tamper::Hangup;
    let mut preview = double.preview_sink();
    let e =
        signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut preview).await.unwrap_err();
    assert!(matches!(e, Error::LedgerTransport { .. }), "{e}");
    assert_message(&e, &["communication with the Ledger failed"]);
}

#[tokio::test]
async fn env_url_and_preview_failure() {
    let double = LedgerDouble::spawn().await;
    let url = double.url.clone();
    let env = move |k: &str| (k == coffer_signer::ENV_LEDGER_URL).then(|| url.clone());
    let signer = WalletOpts::default().signer_with_env(env).await.unwrap();
    assert_eq!(signer.kind(), SignerKind::Ledger);

    // A preview that cannot be shown stops everything before the device is asked.
    struct Broken;
    impl coffer_signer::PreviewSink for Broken {
        fn show(&mut self, _: &SigningPreview) -> std::io::Result<()> {
            Err(std::io::Error::other("stderr closed"))
        }
    }
    let e = signer.sign_safe_tx(&ctx(), &tx(), SigningMode::Eip712, &mut Broken).await.unwrap_err();
    assert!(matches!(e, Error::Preview { .. }), "{e}");
    assert_message(&e, &["nothing was signed", "stderr closed"]);
    assert!(
        !double.device.events().iter().any(|e| matches!(e, Event::Apdu { ins: 0x0C | 0x08, .. })),
        "the device was asked to sign without a preview"
    );
    let _: Address = signer.address();
}
