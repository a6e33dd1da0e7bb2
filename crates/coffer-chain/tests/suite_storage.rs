//! Differential suite: the Safe's storage layout (SAFE-COMPAT section 3), read both with the
//! Safe's own `getStorageAt` (StorageAccessible) and with `eth_getStorageAt`, and the hashing
//! views (`domainSeparator`, `encodeTransactionData`, `getTransactionHash`, `getChainId`)
//! against coffer-core, on coffer's suite and on canonical Safe 1.4.1.
#![allow(clippy::unwrap_used, clippy::panic, clippy::too_many_arguments)]

#[macro_use]
mod suite_common;

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
};
use coffer_chain::{FALLBACK_HANDLER_SLOT, GUARD_SLOT, SENTINEL, test_utils::Implementation};
use coffer_contracts::bindings::ISafe;
use coffer_core::{Operation, SafeTx};
use suite_common::*;

on_both!(storage_layout, singleton_is_locked, hashing_views);

/// `keccak256(abi.encode(key, slot))`: a mapping entry's slot.
fn map_slot(key: B256, slot: B256) -> B256 {
    keccak256([key.as_slice(), slot.as_slice()].concat())
}

fn slot(n: u64) -> B256 {
    B256::from(U256::from(n))
}

fn addr(a: Address) -> B256 {
    a.into_word()
}

/// Reads `slot` of `safe` both ways and checks they agree; returns the word.
async fn read(p: &impl Provider, safe: Address, at: B256) -> B256 {
    let direct = B256::from(p.get_storage_at(safe, U256::from_be_bytes(at.0)).await.unwrap());
    let via_safe = ISafe::new(safe, p)
        .getStorageAt(U256::from_be_bytes(at.0), U256::from(1))
        .call()
        .await
        .unwrap();
    assert_eq!(via_safe.len(), 32, "getStorageAt(slot, 1) returns one word");
    assert_eq!(
        B256::from_slice(&via_safe),
        direct,
        "getStorageAt and eth_getStorageAt disagree at {at}"
    );
    direct
}

/// Every slot of SAFE-COMPAT section 3, before and after owner, module, guard, handler,
/// approval and message changes.
async fn storage_layout(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let (a1, a2, a3, a9) = (chain.address(1), chain.address(2), chain.address(3), chain.address(9));
    let owners_slot = |o: Address| map_slot(addr(o), slot(2));
    let modules_slot = |m: Address| map_slot(addr(m), slot(1));
    let expect = |v: Address| addr(v);

    // Right after setup.
    let fresh: Vec<(B256, B256, &str)> = vec![
        (slot(0), expect(suite.safe_l2), "singleton"),
        (modules_slot(SENTINEL), expect(SENTINEL), "modules[sentinel] (empty list)"),
        (owners_slot(SENTINEL), expect(a1), "owners[sentinel]"),
        (owners_slot(a1), expect(a2), "owners[a1]"),
        (owners_slot(a2), expect(a3), "owners[a2]"),
        (owners_slot(a3), expect(SENTINEL), "owners[a3] (back to the sentinel)"),
        (owners_slot(a9), B256::ZERO, "owners[non-owner]"),
        (slot(3), slot(3), "ownerCount"),
        (slot(4), slot(2), "threshold"),
        (slot(5), slot(0), "nonce"),
        (slot(6), B256::ZERO, "deprecated domain separator"),
        (FALLBACK_HANDLER_SLOT, expect(suite.fallback_handler), "fallback handler"),
        (GUARD_SLOT, B256::ZERO, "guard"),
    ];
    for (at, want, what) in &fresh {
        assert_eq!(read(p, s, *at).await, *want, "{imp}: {what}");
    }
    // The first nine slots in one getStorageAt call, word by word as eth_getStorageAt sees them.
    let words = ISafe::new(s, p).getStorageAt(U256::ZERO, U256::from(9)).call().await?;
    assert_eq!(words.len(), 9 * 32);
    for i in 0..9u64 {
        let direct = B256::from(p.get_storage_at(s, U256::from(i)).await?);
        assert_eq!(B256::from_slice(&words[i as usize * 32..][..32]), direct, "{imp}: slot {i}");
    }

    // Changes: a module, a guard, a new handler, a new head owner, a removed owner, an approved
    // hash and a signed message.
    let module = deploy_helper(&chain, "TestModule", &[]).await;
    let guard = deploy_helper(&chain, "TestGuard", &[]).await;
    let handler = recipient(55);
    manage(&chain, &safe, ISafe::enableModuleCall { module }, &[0, 1]).await;
    manage(&chain, &safe, ISafe::setGuardCall { guard }, &[0, 1]).await;
    manage(&chain, &safe, ISafe::setFallbackHandlerCall { handler }, &[0, 1]).await;
    manage(
        &chain,
        &safe,
        ISafe::addOwnerWithThresholdCall { owner: a9, threshold: U256::from(3) },
        &[0, 1],
    )
    .await;
    manage(
        &chain,
        &safe,
        ISafe::removeOwnerCall { prevOwner: a1, owner: a2, threshold: U256::from(2) },
        &[0, 1, 2],
    )
    .await;
    let approved = keccak256("approved");
    send(
        &chain,
        a3,
        s,
        alloy::sol_types::SolCall::abi_encode(&ISafe::approveHashCall { hashToApprove: approved }),
        U256::ZERO,
    )
    .await;

    let changed: Vec<(B256, B256, &str)> = vec![
        (modules_slot(SENTINEL), expect(module), "modules[sentinel]"),
        (modules_slot(module), expect(SENTINEL), "modules[module]"),
        (owners_slot(SENTINEL), expect(a9), "owners[sentinel] (new owner at the head)"),
        (owners_slot(a9), expect(a1), "owners[a9]"),
        (owners_slot(a1), expect(a3), "owners[a1] (skips the removed a2)"),
        (owners_slot(a2), B256::ZERO, "owners[removed]"),
        (owners_slot(a3), expect(SENTINEL), "owners[a3]"),
        (slot(3), slot(3), "ownerCount"),
        (slot(4), slot(2), "threshold"),
        (slot(5), slot(5), "nonce"),
        (map_slot(approved, map_slot(addr(a3), slot(8))), slot(1), "approvedHashes[a3][hash]"),
        (map_slot(approved, map_slot(addr(a1), slot(8))), B256::ZERO, "approvedHashes[a1][hash]"),
        (FALLBACK_HANDLER_SLOT, expect(handler), "fallback handler"),
        (GUARD_SLOT, expect(guard), "guard"),
    ];
    for (at, want, what) in &changed {
        assert_eq!(read(p, s, *at).await, *want, "{imp}: {what}");
    }
    assert_eq!(ISafe::new(s, p).getOwners().call().await?, vec![a9, a1, a3]);

    // signedMessages (slot 7) through SignMessageLib; remove the guard first so that the
    // delegatecall is a plain Safe tx.
    manage(&chain, &safe, ISafe::setGuardCall { guard: Address::ZERO }, &[0, 2]).await;
    assert_eq!(read(p, s, GUARD_SLOT).await, B256::ZERO, "{imp}: guard removed");
    alloy::sol! { function signMessage(bytes calldata _data) external; }
    let message = Bytes::from_static(b"stored message");
    let tx = SafeTx {
        operation: Operation::DelegateCall,
        ..SafeTx::call(
            suite.sign_message_lib,
            U256::ZERO,
            alloy::sol_types::SolCall::abi_encode(&signMessageCall { _data: message.clone() }),
            nonce(p, s).await,
        )
    };
    exec_signed(&chain, &safe, &tx, &[0, 2]).await;
    let msg_hash = coffer_core::safe_message_hash(&safe.ctx, &message);
    assert_eq!(
        read(p, s, map_slot(msg_hash, slot(7))).await,
        slot(1),
        "{imp}: signedMessages[hash]"
    );
    Ok(())
}

/// The singleton's constructor sets threshold 1, so `setup` on it fails (GS200) and it has no
/// owners.
async fn singleton_is_locked(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    for singleton in [suite.safe, suite.safe_l2] {
        assert_eq!(read(p, singleton, slot(4)).await, slot(1), "{imp}: singleton threshold");
        assert_eq!(read(p, singleton, slot(3)).await, B256::ZERO, "{imp}: singleton ownerCount");
        let setup_call = ISafe::setupCall {
            owners: vec![chain.address(1)],
            threshold: U256::from(1),
            to: Address::ZERO,
            data: Bytes::new(),
            fallbackHandler: Address::ZERO,
            paymentToken: Address::ZERO,
            payment: U256::ZERO,
            paymentReceiver: Address::ZERO,
        };
        let out = call(
            p,
            chain.deployer(),
            singleton,
            alloy::sol_types::SolCall::abi_encode(&setup_call),
        )
        .await;
        assert_reverts(&out, "GS200", &format!("{imp}: setup on the singleton"));
    }
    Ok(())
}

/// domainSeparator, getChainId, encodeTransactionData and getTransactionHash against
/// coffer-core, over many field combinations.
async fn hashing_views(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    let s = ISafe::new(safe.address, p);
    assert_eq!(s.domainSeparator().call().await?, coffer_core::domain_separator(&safe.ctx));
    alloy::sol! {
        #[sol(rpc)]
        interface IViews {
            function getChainId() external view returns (uint256);
            function encodeTransactionData(address to, uint256 value, bytes calldata data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) external view returns (bytes memory);
        }
    }
    let views = IViews::new(safe.address, p);
    assert_eq!(views.getChainId().call().await?, U256::from(chain.chain_id()));
    let mut checked = 0;
    for i in 0u64..40 {
        let data: Vec<u8> = (0..(i * 7) % 100).map(|b| (b * i + 1) as u8).collect();
        let tx = SafeTx {
            to: recipient(i),
            value: U256::from(i) << (i * 5),
            data: data.into(),
            operation: if i % 3 == 0 { Operation::DelegateCall } else { Operation::Call },
            safe_tx_gas: U256::from(i * 1000),
            base_gas: U256::from(i * 77),
            gas_price: if i % 2 == 0 { U256::ZERO } else { U256::from(i) << 40 },
            gas_token: if i % 4 == 1 { recipient(1000 + i) } else { Address::ZERO },
            refund_receiver: if i % 5 == 2 { recipient(2000 + i) } else { Address::ZERO },
            nonce: U256::from(i * i),
        };
        let onchain = s
            .getTransactionHash(
                tx.to,
                tx.value,
                tx.data.clone(),
                tx.operation.as_u8(),
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                tx.gas_token,
                tx.refund_receiver,
                tx.nonce,
            )
            .call()
            .await?;
        assert_eq!(onchain, tx.safe_tx_hash(&safe.ctx), "{imp}: getTransactionHash #{i}");
        let encoded = views
            .encodeTransactionData(
                tx.to,
                tx.value,
                tx.data.clone(),
                tx.operation.as_u8(),
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                tx.gas_token,
                tx.refund_receiver,
                tx.nonce,
            )
            .call()
            .await?;
        assert_eq!(
            encoded,
            tx.encode_transaction_data(&safe.ctx),
            "{imp}: encodeTransactionData #{i}"
        );
        assert_eq!(keccak256(&encoded), onchain);
        checked += 1;
    }
    // The domain is the proxy's: two Safes hash the same tx differently.
    let other = chain.create_safe_with(&suite, &[2], 1, 9).await?;
    let tx = SafeTx::call(recipient(1), U256::ZERO, vec![], U256::ZERO);
    assert_ne!(tx.safe_tx_hash(&safe.ctx), tx.safe_tx_hash(&other.ctx));
    let onchain = ISafe::new(other.address, p)
        .getTransactionHash(
            tx.to,
            tx.value,
            tx.data.clone(),
            0,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            Address::ZERO,
            Address::ZERO,
            U256::ZERO,
        )
        .call()
        .await?;
    assert_eq!(onchain, tx.safe_tx_hash(&other.ctx));
    assert_eq!(checked, 40);
    Ok(())
}
