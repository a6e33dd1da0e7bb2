//! Ledger signing modes (`--ledger-mode auto|full|hashed|eth-sign`), the settings gates, the device timeout,
//! and `WalletOpts::addresses`, through coffer's real APDU code and coins-ledger's Speculos TCP transport
//! against the app model in `common/` (see there why a double).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::primitives::{Address, U256, address};
use clap::Parser;
use coffer_core::{SafeTx, SafeTxContext, SafeVersion, SignatureKind};
use coffer_signer::{Error, IndexRange, SignerKind, SigningMode, WalletOpts, WalletSigner};
use common::{Event, LedgerDouble, User, key_at};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    wallet: WalletOpts,
}

fn opts(args: &[&str]) -> WalletOpts {
    Cli::parse_from(std::iter::once("coffer").chain(args.iter().copied())).wallet
}

async fn ledger(double: &LedgerDouble, extra: &[&str]) -> Result<WalletSigner, Error> {
    let mut args = vec!["--ledger-url", double.url.as_str()];
    args.extend_from_slice(extra);
    opts(&args).signer_with_env(|_| None).await
}

fn ctx() -> SafeTxContext {
    SafeTxContext::new(
        31337,
        address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe"),
        SafeVersion::V1_4_1,
    )
}

/// An ERC-20 transfer(0x…c0ffee, 1000) from the Safe: 68 bytes of data, shown uncut.
fn erc20_tx() -> SafeTx {
    let mut data = alloy::primitives::hex::decode("a9059cbb").unwrap();
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(address!("0x00000000000000000000000000000000c0ffee01").as_slice());
    data.extend_from_slice(&U256::from(1000).to_be_bytes::<32>());
    let mut tx = SafeTx::call(
        address!("0x1111111111111111111111111111111111111111"),
        U256::ZERO,
        data,
        U256::from(42),
    );
    tx.safe_tx_gas = U256::from(1);
    tx.base_gas = U256::from(2);
    tx
}

fn apdus(events: &[Event]) -> Vec<(u8, u8, u8)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Apdu { ins, p1, p2 } => Some((*ins, *p1, *p2)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn full_mode_streams_every_field_in_order_and_the_screens_match_the_preview() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &["--ledger-mode", "full"]).await.unwrap();
    let before = double.device.events().len();
    let mut preview = double.preview_sink();
    let tx = erc20_tx();
    let sig = signer.sign_safe_tx(&ctx(), &tx, SigningMode::Eip712, &mut preview).await.unwrap();
    assert!(matches!(sig.kind, SignatureKind::Eip712 { v: 27 | 28, .. }), "{sig:?}");
    sig.verify(tx.safe_tx_hash(&ctx())).unwrap();

    // The APDUs, in the app's order: definitions of EIP712Domain (2 fields) and SafeTx (10), then the
    // implementations (each value in one APDU here), then SIGN_EIP712 P2 01.
    let events = double.device.events()[before..].to_vec();
    let mut expected = vec![(0x1A, 0, 0x00)];
    expected.extend([(0x1A, 0, 0xFF); 2]);
    expected.push((0x1A, 0, 0x00));
    expected.extend([(0x1A, 0, 0xFF); 10]);
    expected.push((0x1C, 0, 0x00));
    expected.extend([(0x1C, 0, 0xFF); 2]);
    expected.push((0x1C, 0, 0x00));
    expected.extend([(0x1C, 0, 0xFF); 10]);
    expected.push((0x0C, 0, 0x01));
    assert_eq!(apdus(&events), expected);
    // Preview, then the confirm line, then the first struct APDU.
    let pos = |p: &dyn Fn(&Event) -> bool| events.iter().position(p).unwrap();
    assert!(pos(&|e| *e == Event::Preview) < pos(&|e| *e == Event::Waiting));
    assert!(pos(&|e| *e == Event::Waiting) < pos(&|e| e.is(0x1A)));

    // The double hashed what it received on its own: the hashes the preview shows.
    let p = &preview.shown[0];
    let (d, m) = double.device.last_eip712.lock().unwrap().unwrap();
    assert_eq!((d, m), (p.domain_hash, p.message_hash));
    // Every screen the device showed is in the preview, in order and written the same way.
    let prompt = p.device.as_ref().unwrap();
    let previewed: Vec<(String, String)> =
        prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
    assert_eq!(double.device.shown(), previewed);
    assert!(previewed.contains(&("operation".to_owned(), "0".to_owned())));
    assert!(
        previewed
            .contains(&("to".to_owned(), "0x1111111111111111111111111111111111111111".to_owned()))
    );
    assert!(previewed.contains(&("nonce".to_owned(), "42".to_owned())));
    let text = p.to_string();
    assert!(text.contains("The Ledger will show, screen by screen (full EIP-712"), "{text}");
    assert!(text.contains("safeTxGas"), "{text}");
    assert!(text.contains("The device shows the fields listed below"), "{text}");
    assert!(!text.contains("must show exactly these two values"), "{text}");
    assert_eq!(preview.prompts.len(), 1);
    assert!(
        preview.prompts[0].confirm_line().starts_with("Confirm on your Ledger: it shows Review")
    );
}

#[tokio::test]
async fn long_values_are_cut_into_partial_apdus() {
    // A Safe message of 300 bytes: the value goes as length ‖ value in 255-byte APDUs (P1 FF, then P1 00).
    let double = LedgerDouble::spawn().await;
    let full = ledger(&double, &["--ledger-mode", "full"]).await.unwrap();
    let message = vec![0x61u8; 300];
    let mut preview = double.preview_sink();
    let before = double.device.events().len();
    let sig =
        full.sign_safe_message(&ctx(), &message, SigningMode::Eip712, &mut preview).await.unwrap();
    assert_eq!(sig.owner, full.address());
    let used = apdus(&double.device.events()[before..]);
    let values: Vec<(u8, u8, u8)> =
        used.iter().copied().filter(|a| a.0 == 0x1C && a.2 == 0xFF).collect();
    // chainId, verifyingContract, then the message in two chunks.
    assert_eq!(values, [(0x1C, 0, 0xFF), (0x1C, 0, 0xFF), (0x1C, 0x01, 0xFF), (0x1C, 0, 0xFF)]);
    // The screen cuts the message; the preview says so and adds the message hash.
    let prompt = preview.shown[0].device.as_ref().unwrap();
    let shown = double.device.shown();
    let cut = &shown.iter().find(|(l, _)| l == "message").unwrap().1;
    assert!(cut.ends_with("...") && cut.len() == 255, "{cut}");
    assert_eq!(prompt.screens.len(), shown.len() + 1);
    for (s, (label, value)) in prompt.screens.iter().zip(&shown) {
        assert_eq!((&s.label, &s.value), (label, value));
    }
    assert_eq!(prompt.screens.last().unwrap().label, "Message hash (Display hash on)");

    // auto picks hashed mode for it.
    let auto = ledger(&double, &[]).await.unwrap();
    let before = double.device.events().len();
    let sig =
        auto.sign_safe_message(&ctx(), &message, SigningMode::Eip712, &mut preview).await.unwrap();
    assert_eq!(sig.owner, auto.address());
    let used = apdus(&double.device.events()[before..]);
    assert!(used.contains(&(0x0C, 0, 0)) && !used.iter().any(|a| a.0 == 0x1A), "{used:?}");
}

#[tokio::test]
async fn auto_picks_full_for_short_data_and_hashed_for_long() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &[]).await.unwrap();
    let mut preview = double.preview_sink();
    signer.sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview).await.unwrap();
    assert!(double.device.events().contains(&Event::Apdu { ins: 0x0C, p1: 0, p2: 1 }));
    let long = SafeTx::call(ctx().safe, U256::ZERO, vec![0xcd; 127], U256::ZERO);
    signer.sign_safe_tx(&ctx(), &long, SigningMode::Eip712, &mut preview).await.unwrap();
    assert!(double.device.events().contains(&Event::Apdu { ins: 0x0C, p1: 0, p2: 0 }));
    let hashed = preview.shown[1].device.as_ref().unwrap();
    assert_eq!(hashed.screens[0].label, "Domain hash");
    let previewed: Vec<(String, String)> =
        hashed.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
    assert_eq!(double.device.shown(), previewed);
}

#[tokio::test]
async fn full_mode_needs_verbose_eip712_or_blind_signing() {
    let double = LedgerDouble::spawn().await;
    double.device.set(false, false);
    let signer = ledger(&double, &["--ledger-mode", "full"]).await.unwrap();
    let mut preview = double.preview_sink();
    let e = signer
        .sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::LedgerFullModeRefused), "{e}");
    assert!(e.to_string().contains("Verbose EIP-712"), "{e}");
    double.device.set(false, true);
    let sig = signer.sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview).await;
    assert_eq!(sig.unwrap().owner, signer.address());
}

#[tokio::test]
async fn eth_sign_mode_and_its_screens() {
    let double = LedgerDouble::spawn().await;
    let signer = ledger(&double, &["--ledger-mode", "eth-sign"]).await.unwrap();
    assert_eq!(signer.effective_mode(SigningMode::Eip712), SigningMode::EthSign);
    let mut preview = double.preview_sink();
    let sig = signer.sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview).await;
    assert!(matches!(sig.unwrap().kind, SignatureKind::EthSign { .. }));
    let prompt = preview.shown[0].device.as_ref().unwrap();
    let previewed: Vec<(String, String)> =
        prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
    assert_eq!(double.device.shown(), previewed);
}

#[tokio::test]
async fn a_rejection_on_the_device_signs_nothing() {
    for mode in ["full", "hashed", "eth-sign"] {
        let double = LedgerDouble::spawn().await;
        let signer = ledger(&double, &["--ledger-mode", mode]).await.unwrap();
        *double.device.user.lock().unwrap() = User::Reject;
        let mut preview = double.preview_sink();
        let e = signer
            .sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::LedgerRejected { status: 0x6985 }), "{mode}: {e}");
    }
}

#[tokio::test]
async fn nobody_confirms_within_the_device_timeout() {
    let double = LedgerDouble::spawn().await;
    let signer =
        ledger(&double, &["--device-timeout", "1", "--ledger-mode", "hashed"]).await.unwrap();
    *double.device.user.lock().unwrap() = User::Never;
    let mut preview = double.preview_sink();
    let started = std::time::Instant::now();
    let e = signer
        .sign_safe_tx(&ctx(), &erc20_tx(), SigningMode::Eip712, &mut preview)
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(e, Error::DeviceTimeout { device: "Ledger", seconds: 1 }), "{e}");
    let text = e.to_string();
    assert!(text.contains("within 1 s") && text.contains("nothing was signed"), "{text}");
    assert!(preview.prompts[0].confirm_line().contains("waiting up to 1 s"));
}

#[tokio::test]
async fn device_options_only_apply_to_devices() {
    let e = opts(&["--private-key", &format!("0x{}", "11".repeat(32)), "--ledger-mode", "full"])
        .signer_with_env(|_| None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--ledger-mode does not apply to --private-key"), "{e}");
    let e = opts(&["--mnemonic", common::SEED, "--device-timeout", "5"])
        .signer_with_env(|_| None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--device-timeout does not apply to --mnemonic"), "{e}");
}

#[tokio::test]
async fn addresses_of_a_ledger_over_a_range_and_on_screen() {
    let double = LedgerDouble::spawn().await;
    let range: IndexRange = "0..3".parse().unwrap();
    let mut sink = double.preview_sink();
    let (kind, accounts) = opts(&["--ledger-url", &double.url])
        .addresses_with_env(Some(range), false, &mut sink, |_| None)
        .await
        .unwrap();
    assert_eq!(kind, SignerKind::Ledger);
    let got: Vec<(String, Address)> =
        accounts.iter().map(|a| (a.path.as_ref().unwrap().to_string(), a.address)).collect();
    let want: Vec<(String, Address)> = (0..3)
        .map(|i| {
            let p = format!("m/44'/60'/{i}'/0/0");
            let a = key_at(&p).address();
            (p, a)
        })
        .collect();
    assert_eq!(got, want);
    assert!(!double.device.events().contains(&Event::Apdu { ins: 0x02, p1: 1, p2: 0 }));

    // On screen: GET_PUBLIC_KEY P1 01 after the confirm line; the legacy layout.
    let (_, accounts) = opts(&["--ledger-url", &double.url, "--ledger-legacy"])
        .addresses_with_env(Some("4..=4".parse().unwrap()), true, &mut sink, |_| None)
        .await
        .unwrap();
    assert_eq!(accounts[0].address, key_at("m/44'/60'/0'/4").address());
    assert!(accounts[0].confirmed_on_device);
    let events = double.device.events();
    let shown = events.iter().position(|e| *e == Event::Apdu { ins: 0x02, p1: 1, p2: 0 }).unwrap();
    assert_eq!(events[shown - 1], Event::Waiting);
    assert_eq!(
        double.device.shown(),
        [("Address".to_owned(), key_at("m/44'/60'/0'/4").address().to_checksum(None))]
    );
    assert!(sink.prompts.last().unwrap().confirm_line().contains("Confirm on your Ledger"));

    // Rejected on the device.
    *double.device.user.lock().unwrap() = User::Reject;
    let e = opts(&["--ledger-url", &double.url])
        .addresses_with_env(None, true, &mut sink, |_| None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::LedgerRejected { .. }), "{e}");
}

#[tokio::test]
async fn addresses_of_local_wallets() {
    let mut sink = Vec::new();
    let (kind, one) = opts(&["--mnemonic", common::SEED])
        .addresses_with_env(None, false, &mut sink, |_| None)
        .await
        .unwrap();
    assert_eq!((kind, one.len()), (SignerKind::Mnemonic, 1));
    assert_eq!(one[0].address, key_at("m/44'/60'/0'/0/0").address());
    let (_, many) = opts(&["--mnemonic", common::SEED])
        .addresses_with_env(Some("1..3".parse().unwrap()), false, &mut sink, |_| None)
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|a| a.address).collect::<Vec<_>>(),
        [key_at("m/44'/60'/0'/0/1").address(), key_at("m/44'/60'/0'/0/2").address()]
    );
    let key =
        format!("0x{}", alloy::primitives::hex::encode(key_at("m/44'/60'/0'/0/5").to_bytes()));
    let (kind, one) = opts(&["--private-key", &key])
        .addresses_with_env(None, false, &mut sink, |_| None)
        .await
        .unwrap();
    assert_eq!(
        (kind, one[0].path.clone(), one[0].address),
        (SignerKind::PrivateKey, None, key_at("m/44'/60'/0'/0/5").address())
    );
    let e = opts(&["--private-key", &key])
        .addresses_with_env(Some("0..2".parse().unwrap()), false, &mut sink, |_| None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("holds one key only"), "{e}");
    let e = opts(&["--private-key", &key])
        .addresses_with_env(None, true, &mut sink, |_| None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--show-on-device does not apply"), "{e}");
    for (bad, needle) in [
        ("3..1", "greater than A"),
        ("x", "not an index"),
        ("0..500", "at most 100"),
        ("2..=1", "before the first"),
    ] {
        let e = bad.parse::<IndexRange>().unwrap_err().to_string();
        assert!(e.contains(needle), "{bad}: {e}");
    }
}
