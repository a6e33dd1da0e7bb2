//! Signatures from every signer kind, accepted by real Safes on anvil (coffer's suite and the canonical Safe
//! 1.4.1 bytecode), in both modes. The Ledger signs through coffer's real Ledger code over TCP and the Trezor
//! through trezor-client's UDP transport, against the device doubles of `common/` (no device or app image
//! can run here). Needs `script/bootstrap` (anvil and the npm Safe artifacts in `.tools`).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolCall,
};
use clap::Parser;
use coffer_chain::{
    ExecutionRequest, SafeConfig, create_safe, execute, safe_nonce,
    test_utils::{ETHER, Implementation, TestChain},
};
use coffer_core::{SafeSignature, SafeTx, SafeTxContext, SignatureKind};
use coffer_signer::{
    DerivationPath, SigningMode, StderrPreview, TrezorSigner, WalletOpts, WalletSigner,
};
use common::{LedgerDouble, SEED, key_at, trezor::TrezorDouble};

sol! {
    function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4);
}

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    wallet: WalletOpts,
}

async fn signer(args: &[&str]) -> WalletSigner {
    Cli::parse_from(std::iter::once("coffer").chain(args.iter().copied()))
        .wallet
        .signer_with_env(|_| None)
        .await
        .unwrap()
}

/// A keystore file for `key`, with its password in a file.
struct Keystore {
    _dir: tempfile::TempDir,
    path: String,
    password_file: String,
}

fn keystore(key: &PrivateKeySigner) -> Keystore {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = alloy::signers::k256::elliptic_curve::rand_core::OsRng;
    PrivateKeySigner::encrypt_keystore(
        dir.path(),
        &mut rng,
        key.to_bytes(),
        "s3cret",
        Some("key.json"),
    )
    .unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "s3cret\n").unwrap();
    Keystore {
        path: dir.path().join("key.json").to_str().unwrap().to_owned(),
        password_file: pw.to_str().unwrap().to_owned(),
        _dir: dir,
    }
}

const RECIPIENT: Address = address!("0x00000000000000000000000000000000c0ffee01");

/// Signs a 1000-wei transfer with each (signer, mode), executes it from account 0, and checks the effect.
async fn sign_and_execute(
    chain: &TestChain,
    ctx: &SafeTxContext,
    signers: &[(&WalletSigner, SigningMode)],
) {
    let provider = chain.provider();
    let nonce = safe_nonce(provider, ctx.safe).await.unwrap();
    let before = provider.get_balance(RECIPIENT).await.unwrap();
    let tx = SafeTx::call(RECIPIENT, U256::from(1000), Bytes::new(), nonce);
    let mut sigs = Vec::new();
    for (s, mode) in signers {
        let sig = s.sign_safe_tx(ctx, &tx, *mode, &mut StderrPreview).await.unwrap();
        match (mode, &sig.kind) {
            (SigningMode::Eip712, SignatureKind::Eip712 { .. })
            | (SigningMode::EthSign, SignatureKind::EthSign { .. }) => {}
            other => panic!("{:?} returned {other:?}", s.kind()),
        }
        sigs.push(sig);
    }
    let report =
        execute(provider, &ExecutionRequest::new(*ctx, tx, sigs), chain.deployer()).await.unwrap();
    assert!(report.success, "{report:?}");
    assert_eq!(provider.get_balance(RECIPIENT).await.unwrap(), before + U256::from(1000));
    assert_eq!(safe_nonce(provider, ctx.safe).await.unwrap(), nonce + U256::from(1));
}

/// The Safe's fallback handler accepts the packed `sigs` for the 32-byte `data_hash` (EIP-1271,
/// `isValidSignature(bytes32, bytes)` returns 0x1626ba7e); it checks them against the threshold.
async fn accepted_by_eip1271(
    chain: &TestChain,
    safe: Address,
    data_hash: B256,
    sigs: &[SafeSignature],
) {
    let call = isValidSignatureCall {
        hash: data_hash,
        signature: coffer_core::pack_signatures(sigs).unwrap(),
    };
    let out = chain
        .provider()
        .call(TransactionRequest::default().to(safe).input(call.abi_encode().into()))
        .await
        .unwrap();
    assert_eq!(&out[..4], &[0x16, 0x26, 0xba, 0x7e], "isValidSignature refused {sigs:?}");
}

async fn local_keys_scenario(imp: Implementation) {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(imp).await.unwrap();
    let safe = chain.create_test_safe(&suite, 3, 2).await.unwrap();
    chain.fund(safe.address, ETHER).await.unwrap();

    let k1 = format!("{}", chain.signer(1).to_bytes());
    let pk = signer(&["--private-key", &k1]).await;
    let mn = signer(&["--mnemonic", SEED, "--mnemonic-index", "2"]).await;
    let ks = keystore(chain.signer(3));
    let ks = signer(&["--keystore", &ks.path, "--password-file", &ks.password_file]).await;
    assert_eq!(
        [pk.address(), mn.address(), ks.address()],
        [chain.address(1), chain.address(2), chain.address(3)]
    );

    // Every kind in both modes, two by two.
    use SigningMode::{Eip712, EthSign};
    sign_and_execute(&chain, &safe.ctx, &[(&pk, Eip712), (&mn, EthSign)]).await;
    sign_and_execute(&chain, &safe.ctx, &[(&pk, EthSign), (&ks, Eip712)]).await;
    sign_and_execute(&chain, &safe.ctx, &[(&mn, Eip712), (&ks, EthSign)]).await;

    // Safe messages: the fallback handler accepts 2 of 3 owners' signatures, in both modes.
    let data_hash = B256::repeat_byte(0x5a);
    let mut sigs = Vec::new();
    for (s, mode) in [(&pk, Eip712), (&ks, EthSign)] {
        let sig = s
            .sign_safe_message(&safe.ctx, data_hash.as_slice(), mode, &mut StderrPreview)
            .await
            .unwrap();
        sigs.push(sig);
    }
    accepted_by_eip1271(&chain, safe.address, data_hash, &sigs).await;
}

/// The done-when: a Safe tx executed with 2-of-3 signatures from two different signer kinds, one
/// through the Ledger code path over TCP.
async fn ledger_scenario(imp: Implementation) {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(imp).await.unwrap();
    let double = LedgerDouble::spawn().await;
    // The Ledger account is Ledger Live #1 (m/44'/60'/1'/0/0): not an anvil account, and it needs no ETH.
    let ledger = signer(&["--ledger-url", &double.url, "--mnemonic-index", "1"]).await;
    assert_eq!(ledger.address(), key_at("m/44'/60'/1'/0/0").address());
    let mn = signer(&["--mnemonic", SEED, "--mnemonic-index", "2"]).await;
    let ks = keystore(chain.signer(3));
    let ks = signer(&["--keystore", &ks.path, "--password-file", &ks.password_file]).await;

    let config = SafeConfig::new(vec![ledger.address(), mn.address(), ks.address()], 2);
    let created = create_safe(chain.provider(), chain.deployer(), &suite, &config).await.unwrap();
    let ctx = created.info.context().unwrap();
    chain.fund(ctx.safe, ETHER).await.unwrap();

    use SigningMode::{Eip712, EthSign};
    // Ledger EIP-712 in auto mode (full: struct definitions and values, SIGN_EIP712 P2 01) + keystore eth_sign.
    sign_and_execute(&chain, &ctx, &[(&ledger, Eip712), (&ks, EthSign)]).await;
    assert!(double.device.events().contains(&common::Event::Apdu { ins: 0x0C, p1: 0, p2: 1 }));
    // Ledger hashed EIP-712 (SIGN_EIP712 v0) + mnemonic EIP-712.
    let hashed =
        signer(&["--ledger-url", &double.url, "--mnemonic-index", "1", "--ledger-mode", "hashed"])
            .await;
    sign_and_execute(&chain, &ctx, &[(&hashed, Eip712), (&mn, Eip712)]).await;
    assert!(double.device.events().contains(&common::Event::Apdu { ins: 0x0C, p1: 0, p2: 0 }));
    // Ledger eth_sign (SIGN_PERSONAL_MESSAGE of the safeTxHash) + mnemonic EIP-712.
    sign_and_execute(&chain, &ctx, &[(&ledger, EthSign), (&mn, Eip712)]).await;
    // The Trezor code path (over trezor-client's UDP emulator transport, against the Trezor double) on the
    // same Safe: the Trezor holds the seed of owner #2.
    let trezor_double = TrezorDouble::spawn();
    let path = DerivationPath::bip44(2).unwrap();
    let trezor = WalletSigner::Trezor(
        TrezorSigner::connect_emulator(&trezor_double.addr, path).await.unwrap(),
    );
    assert_eq!(trezor.address(), mn.address());
    sign_and_execute(&chain, &ctx, &[(&trezor, Eip712), (&ledger, EthSign)]).await;
    sign_and_execute(&chain, &ctx, &[(&trezor, EthSign), (&ks, Eip712)]).await;
    // A Ledger Safe-message signature is accepted by the fallback handler.
    let data_hash = B256::repeat_byte(0x1e);
    let sig = ledger
        .sign_safe_message(&ctx, data_hash.as_slice(), Eip712, &mut StderrPreview)
        .await
        .unwrap();
    let other =
        mn.sign_safe_message(&ctx, data_hash.as_slice(), Eip712, &mut StderrPreview).await.unwrap();
    accepted_by_eip1271(&chain, ctx.safe, data_hash, &[sig, other]).await;
}

/// The executor is a device: `execTransaction` is an EIP-1559 transaction signed through the Ledger double's
/// SIGN_TRANSACTION (the double decodes the RLP) or the Trezor double's `EthereumSignTxEIP1559`, sent by alloy's
/// provider through [`TxSender`], and it executes on anvil. The Safe tx itself is signed in full EIP-712 mode
/// on the Ledger and with the streaming flow on the Trezor.
async fn sent_from_a_device_scenario(imp: Implementation) {
    use alloy::{consensus::Transaction, network::TransactionBuilder, providers::ProviderBuilder};
    use coffer_signer::{LedgerMode, TxSender};

    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(imp).await.unwrap();
    let double = LedgerDouble::spawn().await;
    let ledger = signer(&["--ledger-url", &double.url, "--mnemonic-index", "1"]).await;
    let WalletSigner::Ledger(l) = &ledger else { panic!("not a Ledger") };
    assert_eq!(l.mode(), LedgerMode::Auto);
    let trezor_double = TrezorDouble::spawn();
    let trezor = WalletSigner::Trezor(
        TrezorSigner::connect_emulator(&trezor_double.addr, DerivationPath::bip44(7).unwrap())
            .await
            .unwrap(),
    );
    let mn = signer(&["--mnemonic", SEED, "--mnemonic-index", "2"]).await;
    let config = SafeConfig::new(vec![ledger.address(), trezor.address(), mn.address()], 2);
    let created = create_safe(chain.provider(), chain.deployer(), &suite, &config).await.unwrap();
    let ctx = created.info.context().unwrap();
    chain.fund(ctx.safe, ETHER).await.unwrap();
    // The devices pay gas.
    chain.fund(ledger.address(), ETHER).await.unwrap();
    chain.fund(trezor.address(), ETHER).await.unwrap();

    for (executor, other) in [(&ledger, &trezor), (&trezor, &ledger)] {
        let provider = chain.provider();
        let nonce = safe_nonce(provider, ctx.safe).await.unwrap();
        let before = provider.get_balance(RECIPIENT).await.unwrap();
        let tx = SafeTx::call(RECIPIENT, U256::from(777), Bytes::new(), nonce);
        let mut sigs = Vec::new();
        for s in [executor, other] {
            sigs.push(
                s.sign_safe_tx(&ctx, &tx, SigningMode::Eip712, &mut StderrPreview).await.unwrap(),
            );
        }
        let sending = ProviderBuilder::new()
            .wallet(TxSender::new(executor.clone()).into_ethereum_wallet())
            .connect_http(chain.endpoint().parse().unwrap());
        let report =
            execute(&sending, &ExecutionRequest::new(ctx, tx.clone(), sigs), executor.address())
                .await
                .unwrap();
        assert!(report.success, "{report:?}");
        assert_eq!(provider.get_balance(RECIPIENT).await.unwrap(), before + U256::from(777));
        // The transaction the device signed (decoded from what it received) is the one that was mined.
        let sent = match executor {
            WalletSigner::Ledger(_) => double.device.last_tx.lock().unwrap().clone().unwrap(),
            _ => trezor_double.state.last_tx.lock().unwrap().clone().unwrap(),
        };
        let mined = provider.get_transaction_by_hash(report.tx_hash).await.unwrap().unwrap();
        assert_eq!(mined.inner.signer(), executor.address());
        assert_eq!(sent.to.to().copied(), Some(ctx.safe));
        assert_eq!(sent.input, *mined.input());
        assert_eq!(sent.chain_id, chain.chain_id());
        assert_eq!(sent.nonce, mined.nonce());
        assert_eq!(&sent.input[..4], &[0x6a, 0x76, 0x12, 0x02], "execTransaction selector");
    }
    // A plain ETH transfer from the Ledger needs no Blind signing.
    double.device.set(false, false);
    let sending = ProviderBuilder::new()
        .wallet(TxSender::new(ledger.clone()).into_ethereum_wallet())
        .connect_http(chain.endpoint().parse().unwrap());
    let request = TransactionRequest::default()
        .with_from(ledger.address())
        .with_to(RECIPIENT)
        .with_value(U256::from(5));
    let receipt = sending.send_transaction(request).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    // Contract data with Blind signing off is refused before the device is asked.
    let request = TransactionRequest::default()
        .with_from(ledger.address())
        .with_to(ctx.safe)
        .with_input(Bytes::from_static(&[0xaf, 0xfe, 0xd0, 0xe0]));
    let e = sending.send_transaction(request).await.unwrap_err().to_string();
    assert!(e.contains("Blind signing"), "{e}");
}

macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "coffer's committed artifacts have no Safe contract yet (deploy_suite: UnknownContract(\"Safe\")); run with --ignored once coffer-contracts ships it"]
            async fn coffer() {
                super::$scenario(super::Implementation::Coffer).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn canonical141() {
                super::$scenario(super::Implementation::Canonical141).await
            }
        }
    )*};
}

on_both!(local_keys_scenario, ledger_scenario, sent_from_a_device_scenario);
