//! `verify_service_tx` against a real anvil and coffer's compiled suite: what a Transaction
//! Service says is checked, not believed. Each lie is reported by name (the transaction or the
//! owner) and kept out of the verified result.
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::{Address, B256, Bytes, U256};
use coffer_chain::{
    read_safe,
    test_utils::{ETHER, Implementation, TestChain, TestSafe, sign_hash},
};
use coffer_core::{SafeSignature, SafeTx};
use coffer_queue::service::{Finding, verify_service_tx};
use coffer_txs_api::MultisigTransaction;
use serde_json::json;

/// A wire transaction as a service would serve it, with these confirmations
/// (`(owner, signature, type)`).
fn wire(
    safe: &TestSafe,
    tx: &SafeTx,
    claimed_hash: B256,
    confirmations: &[(Address, Bytes, &str)],
) -> MultisigTransaction {
    let confirmations: Vec<_> = confirmations
        .iter()
        .map(|(owner, sig, kind)| {
            json!({
                "owner": owner.to_checksum(None),
                "submissionDate": "2026-12-06T12:00:00.000000Z",
                "transactionHash": null,
                "signature": sig,
                "signatureType": kind,
            })
        })
        .collect();
    serde_json::from_value(json!({
        "safe": safe.address.to_checksum(None),
        "to": tx.to.to_checksum(None),
        "value": tx.value.to_string(),
        "data": if tx.data.is_empty() { serde_json::Value::Null } else { json!(tx.data) },
        "operation": tx.operation.as_u8(),
        "gasToken": tx.gas_token.to_checksum(None),
        "safeTxGas": tx.safe_tx_gas.to_string(),
        "baseGas": tx.base_gas.to_string(),
        "gasPrice": tx.gas_price.to_string(),
        "refundReceiver": tx.refund_receiver.to_checksum(None),
        "nonce": tx.nonce.to_string(),
        "executionDate": null,
        "submissionDate": "2026-12-06T12:00:00.000000Z",
        "modified": "2026-12-06T12:00:00.000000Z",
        "blockNumber": null,
        "transactionHash": null,
        "safeTxHash": claimed_hash,
        "proposer": confirmations.first().map(|c| c["owner"].clone()),
        "proposedByDelegate": null,
        "executor": null,
        "isExecuted": false,
        "isSuccessful": null,
        "ethGasPrice": null,
        "maxFeePerGas": null,
        "maxPriorityFeePerGas": null,
        "gasUsed": null,
        "fee": null,
        "payment": null,
        "origin": "{}",
        "dataDecoded": null,
        "confirmationsRequired": 2,
        "confirmations": confirmations,
        "trusted": true,
        "signatures": null,
    }))
    .unwrap()
}

fn eoa(sig: &SafeSignature) -> (Address, Bytes, &'static str) {
    (sig.owner, sig.to_bytes(), "EOA")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_is_checked_not_believed() -> Result<(), Box<dyn std::error::Error>> {
    let chain = TestChain::spawn().await?;
    let suite = chain.deploy_suite(Implementation::Coffer).await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, ETHER).await?;
    let provider = chain.provider();
    let info = read_safe(provider, safe.address).await?;
    let ctx = info.context()?;
    let tx = SafeTx::call(Address::repeat_byte(0xe1), U256::from(5), vec![0xab, 0xcd], U256::ZERO);
    let hash = tx.safe_tx_hash(&ctx);
    let s1 = safe.sign(&tx, 0)?;
    let s2 = safe.sign(&tx, 1)?;

    // Honest: both confirmations verify, nothing reported.
    let ok =
        verify_service_tx(provider, &info, &ctx, &wire(&safe, &tx, hash, &[eoa(&s1), eoa(&s2)]))
            .await?
            .unwrap();
    assert_eq!(ok.hash, hash);
    assert_eq!(ok.tx, tx);
    assert_eq!(ok.signatures, vec![s1.clone(), s2.clone()]);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);

    // A hash that is not the fields' hash: the whole transaction is refused, by its hash.
    let lie = B256::repeat_byte(0x11);
    let Err(Finding::Transaction { claimed, reason }) =
        verify_service_tx(provider, &info, &ctx, &wire(&safe, &tx, lie, &[eoa(&s1)])).await?
    else {
        panic!("a wrong safeTxHash was accepted");
    };
    assert_eq!(claimed, lie);
    assert!(
        reason.contains("safeTxHash mismatch") && reason.contains(&format!("{hash:#x}")),
        "{reason}"
    );

    // A field changed under the right hash (the service edited the value): refused as well.
    let mut edited = tx.clone();
    edited.value = U256::from(5_000_000);
    let r =
        verify_service_tx(provider, &info, &ctx, &wire(&safe, &edited, hash, &[eoa(&s1)])).await?;
    assert!(matches!(r, Err(Finding::Transaction { .. })), "{r:?}");

    // Listed under another Safe: refused.
    let mut other = wire(&safe, &tx, hash, &[eoa(&s1)]);
    other.safe = Address::repeat_byte(0x77);
    let r = verify_service_tx(provider, &info, &ctx, &other).await?;
    assert!(
        matches!(r, Err(Finding::Transaction { ref reason, .. }) if reason.contains("belongs to Safe"))
    );

    // Bad confirmations are dropped one by one, each named by its owner; the good one stays.
    let owner3 = safe.owners[2].address();
    let stranger = chain.signer(7);
    let by_stranger = sign_hash(stranger, hash)?;
    let wrong_hash_sig = sign_hash(&safe.owners[1], B256::repeat_byte(0x22))?;
    let mut approved = vec![0u8; 65];
    approved[12..32].copy_from_slice(owner3.as_slice());
    approved[64] = 1;
    let confirmations = [
        eoa(&s1),
        // Owner 3 named, owner 1's signature given.
        (owner3, s1.to_bytes(), "EOA"),
        // A stranger's valid signature.
        eoa(&by_stranger),
        // Owner 2 named, a signature over another hash.
        (safe.owners[1].address(), wrong_hash_sig.to_bytes(), "EOA"),
        // Owner 3's approved hash, never approved on chain.
        (owner3, Bytes::from(approved), "APPROVED_HASH"),
        // Garbage.
        (safe.owners[1].address(), Bytes::from(vec![1, 2, 3]), "EOA"),
    ];
    let v = verify_service_tx(provider, &info, &ctx, &wire(&safe, &tx, hash, &confirmations))
        .await?
        .unwrap();
    assert_eq!(v.signatures, vec![s1.clone()], "only owner 1's signature verifies");
    let named: Vec<(Address, &str)> = v
        .findings
        .iter()
        .map(|f| match f {
            Finding::Confirmation { owner, reason, .. } => (*owner, reason.as_str()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(named.len(), 5, "{named:?}");
    assert!(named[0].0 == owner3 && named[0].1.contains("recovers to"), "{named:?}");
    assert!(named.iter().any(|(o, r)| *o == safe.owners[1].address() && r.contains("recovers to")));
    assert!(named.iter().any(|(o, r)| *o == safe.owners[1].address()
        && (r.contains("decode") || r.contains("instead of one"))));
    assert!(named.iter().any(|(o, r)| *o == stranger.address() && r.contains("not an owner")));
    assert!(named.iter().any(|(o, r)| *o == owner3 && r.contains("approve")), "{named:?}");
    for f in &v.findings {
        assert!(f.to_string().contains("refused the confirmation of"), "{f}");
    }
    Ok(())
}
