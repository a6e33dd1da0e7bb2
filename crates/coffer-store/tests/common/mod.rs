//! Shared test helpers: real secp256k1 keys and signatures, sample proposals.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub)]

use alloy_primitives::{Address, B256, Bytes, U256, address, eip191_hash_message};
use coffer_core::{Operation, Rsv, SafeSignature, SafeTx, SafeTxContext, SafeVersion};
use coffer_store::{BatchChunk, BatchRow, PayoutPlanRef, ProposalMeta};
use k256::ecdsa::SigningKey;

pub const SAFE: Address = address!("0x1111111111111111111111111111111111111111");
pub const TOKEN: Address = address!("0x2222222222222222222222222222222222222222");

pub fn ctx() -> SafeTxContext {
    SafeTxContext::new(31337, SAFE, SafeVersion::V1_4_1)
}

/// A deterministic private key (n must be non-zero).
pub fn key(n: u8) -> SigningKey {
    let mut sk = [0u8; 32];
    sk[0] = 0x42;
    sk[31] = n;
    SigningKey::from_bytes(&sk.into()).unwrap()
}

pub fn rsv(key: &SigningKey, prehash: &B256) -> Rsv {
    let (sig, recid) = key.sign_prehash_recoverable(prehash.as_slice()).unwrap();
    let b = sig.to_bytes();
    Rsv { r: U256::from_be_slice(&b[..32]), s: U256::from_be_slice(&b[32..]), v: recid.to_byte() }
}

/// An EIP-712 signature of the safeTxHash, made with a real key.
pub fn sign_712(key: &SigningKey, hash: B256) -> SafeSignature {
    SafeSignature::from_eip712_rsv(hash, rsv(key, &hash)).unwrap()
}

/// An eth_sign signature of the safeTxHash (EIP-191 prefix, v + 4).
pub fn sign_eth(key: &SigningKey, hash: B256) -> SafeSignature {
    SafeSignature::from_eth_sign(hash, rsv(key, &eip191_hash_message(hash))).unwrap()
}

pub fn owner(n: u8) -> Address {
    Address::from_private_key(&key(n))
}

/// An ERC-20-ish call with every field non-trivial.
pub fn tx(nonce: u64) -> SafeTx {
    SafeTx {
        to: TOKEN,
        value: U256::from(10u64).pow(U256::from(30u64)) + U256::from(nonce),
        data: Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 0, 1, 2, 3, nonce as u8]),
        operation: Operation::Call,
        safe_tx_gas: U256::from(123_456u64),
        base_gas: U256::from(7u64),
        gas_price: U256::from(1_000_000_007u64),
        gas_token: address!("0x3333333333333333333333333333333333333333"),
        refund_receiver: address!("0x4444444444444444444444444444444444444444"),
        nonce: U256::from(nonce),
    }
}

pub fn batch_meta() -> ProposalMeta {
    ProposalMeta {
        label: Some("March payroll, chunk 1 of 2".into()),
        origin: Some("csv:payouts.csv".into()),
        batch: Some(BatchChunk {
            chunk: 0,
            chunks: 2,
            source: Some("payouts.csv".into()),
            rows: vec![
                BatchRow {
                    index: 0,
                    line: 2,
                    token: Some(TOKEN),
                    receiver: owner(9),
                    amount: "100.25".into(),
                },
                BatchRow { index: 1, line: 4, token: None, receiver: owner(8), amount: "1".into() },
            ],
        }),
        payout_plan: Some(PayoutPlanRef {
            root: B256::repeat_byte(7),
            chunks: Some(17),
            payouts: None,
        }),
        extra: Some(serde_json::json!({ "note": "anything", "n": [1, 2] })),
    }
}
