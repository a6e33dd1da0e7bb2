//! What each device shows, screen by screen, for an ETH transfer, an ERC-20 transfer and a 200-row batch, in
//! every mode: the screens the device doubles (`common/`, the firmware as HARDWARE-WALLETS.md describes it)
//! recorded must be the ones coffer's preview listed, and the signature must be the owner's. With
//! `--no-capture` the test prints the Markdown tables of `docs/hardware-wallets.md`:
//!
//! `cargo nextest run -p coffer-signer --test screens --no-capture`
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::primitives::{U256, address};
use clap::Parser;
use coffer_core::{
    MultiSendBatch, MultiSendEntry, SafeTx, SafeTxContext, SafeVersion, erc20_transfer_calldata,
};
use coffer_signer::{DerivationPath, SigningMode, TrezorSigner, WalletOpts, WalletSigner};
use common::{LedgerDouble, trezor::TrezorDouble};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    wallet: WalletOpts,
}

fn ctx() -> SafeTxContext {
    SafeTxContext::new(
        1,
        address!("0x5afe5afe5afe5afe5afe5afe5afe5afe5afe5afe"),
        SafeVersion::V1_4_1,
    )
}

const USDC: alloy::primitives::Address = address!("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
/// Canonical MultiSendCallOnly 1.4.1.
const MSCO: alloy::primitives::Address = address!("0x9641d764fc13c8B624c04430C7356C1C7C8102e2");

fn examples() -> Vec<(&'static str, SafeTx)> {
    let to = address!("0x00000000000000000000000000000000c0ffee01");
    let eth = SafeTx::call(to, U256::from(10u64.pow(18)), vec![], U256::from(7));
    let erc20 = SafeTx::call(
        USDC,
        U256::ZERO,
        erc20_transfer_calldata(to, U256::from(1_000_000_000u64)),
        U256::from(8),
    );
    let rows: Vec<MultiSendEntry> = (0..200u64)
        .map(|i| {
            let mut who = [0u8; 20];
            who[12..].copy_from_slice(&(0x1000 + i).to_be_bytes());
            MultiSendEntry::call(
                USDC,
                U256::ZERO,
                erc20_transfer_calldata(who.into(), U256::from(5_000_000u64)),
            )
        })
        .collect();
    let batch = MultiSendBatch::new(rows).into_safe_tx(MSCO, U256::from(9));
    vec![
        ("ETH transfer (1 ETH)", eth),
        ("ERC-20 transfer (1,000 USDC)", erc20),
        ("200-row batch (MultiSendCallOnly)", batch),
    ]
}

fn short(v: &str) -> String {
    if v.len() > 80 {
        format!("{}…{} ({} characters)", &v[..42], &v[v.len() - 8..], v.len())
    } else {
        v.to_owned()
    }
}

fn table(title: &str, screens: &[(String, String)]) {
    println!("\n**{title}**\n\n| # | screen | value |\n|---|---|---|");
    for (i, (l, v)) in screens.iter().enumerate() {
        println!("| {} | {l} | `{}` |", i + 1, short(v).replace('|', "\\|"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_screen_is_previewed() {
    for (name, tx) in examples() {
        println!("\n### {name}: {} bytes of data", tx.data.len());
        for mode in ["full", "hashed", "eth-sign", "auto"] {
            let double = LedgerDouble::spawn().await;
            let signer =
                Cli::parse_from(["coffer", "--ledger-url", &double.url, "--ledger-mode", mode])
                    .wallet
                    .signer_with_env(|_| None)
                    .await
                    .unwrap();
            let mut previews = Vec::new();
            let sig =
                signer.sign_safe_tx(&ctx(), &tx, SigningMode::Eip712, &mut previews).await.unwrap();
            sig.verify(tx.safe_tx_hash(&ctx())).unwrap();
            let prompt = previews[0].device.clone().unwrap();
            let previewed: Vec<(String, String)> =
                prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
            let shown = double.device.shown();
            // A cut value adds the "Display hash" screen to the preview; the rest must be identical.
            assert_eq!(previewed[..shown.len()], shown[..], "{name} / Ledger {mode}");
            table(&format!("Ledger, --ledger-mode {mode} ({})", prompt.method), &previewed);
        }
        for model in ["T", "1"] {
            let double = TrezorDouble::spawn_model(model);
            let signer = WalletSigner::Trezor(
                TrezorSigner::connect_emulator(&double.addr, DerivationPath::bip44(0).unwrap())
                    .await
                    .unwrap(),
            );
            for mode in [SigningMode::Eip712, SigningMode::EthSign] {
                let mut previews = Vec::new();
                let sig = signer.sign_safe_tx(&ctx(), &tx, mode, &mut previews).await.unwrap();
                sig.verify(tx.safe_tx_hash(&ctx())).unwrap();
                let prompt = previews[0].device.clone().unwrap();
                let previewed: Vec<(String, String)> =
                    prompt.screens.iter().map(|s| (s.label.clone(), s.value.clone())).collect();
                let shown = double.shown();
                let label = if model == "1" { "Trezor One" } else { "Trezor T / Safe 3 / Safe 5" };
                if mode == SigningMode::Eip712 {
                    assert_eq!(previewed, shown, "{name} / {label}");
                } else {
                    // The firmware pages the 32 message bytes as hex; coffer previews the safeTxHash.
                    assert_eq!(
                        previewed.last().unwrap().1,
                        shown.last().unwrap().1,
                        "{name} / {label}"
                    );
                }
                table(&format!("{label}, {mode} ({})", prompt.method), &previewed);
            }
        }
    }
}
