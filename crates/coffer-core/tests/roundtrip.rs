//! Property tests: round trips and invariants.
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy_primitives::{Address, B256, Bytes, U256};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, Operation, Rsv, SafeSignature, SignatureKind, TxBuilderBatch,
    chunk_by_gas, format_units, pack_signatures, parse_signatures, parse_units, split_pro_rata,
};
use k256::ecdsa::SigningKey;
use proptest::prelude::*;

fn arb_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
    ]
}

fn arb_address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address::from)
}

fn arb_entry(call_only: bool) -> impl Strategy<Value = MultiSendEntry> {
    (
        if call_only { Just(false).boxed() } else { any::<bool>().boxed() },
        arb_address(),
        arb_u256(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(dc, to, value, data)| MultiSendEntry {
            operation: if dc { Operation::DelegateCall } else { Operation::Call },
            to,
            value,
            data: data.into(),
        })
}

/// Signs `hash` with `key` the way a wallet does (low-s, v = 27/28).
fn sign(key: &SigningKey, hash: &B256) -> Rsv {
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let b = sig.to_bytes();
    Rsv {
        r: U256::from_be_slice(&b[..32]),
        s: U256::from_be_slice(&b[32..]),
        v: 27 + recid.to_byte(),
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Eip712,
    EthSign,
    Approved,
    Contract(Vec<u8>),
}

fn arb_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Eip712),
        Just(Kind::EthSign),
        Just(Kind::Approved),
        proptest::collection::vec(any::<u8>(), 0..120).prop_map(Kind::Contract),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn multisend_packed_round_trip(entries in proptest::collection::vec(arb_entry(false), 0..8)) {
        let batch = MultiSendBatch::new(entries);
        prop_assert_eq!(MultiSendBatch::decode_packed(&batch.encode_packed()).unwrap(), batch.clone());
        prop_assert_eq!(MultiSendBatch::decode_call(&batch.encode_call()).unwrap(), batch.clone());
        let has_dc = batch.entries.iter().any(|e| e.operation == Operation::DelegateCall);
        prop_assert_eq!(batch.is_call_only(), !has_dc);
    }

    #[test]
    fn signatures_pack_parse_round_trip(
        seeds in proptest::collection::vec((1u64..u64::MAX, arb_kind()), 1..6),
        hash in any::<[u8; 32]>(),
    ) {
        let hash = B256::from(hash);
        let mut sigs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (seed, kind) in seeds {
            let mut sk = [0u8; 32];
            sk[24..].copy_from_slice(&seed.to_be_bytes());
            let key = SigningKey::from_bytes(&sk.into()).unwrap();
            let owner = Address::from_private_key(&key);
            if !seen.insert(owner) {
                continue;
            }
            let sig = match kind {
                Kind::Eip712 => SafeSignature::from_eip712_rsv(hash, sign(&key, &hash)).unwrap(),
                Kind::EthSign => {
                    let prefixed = alloy_primitives::eip191_hash_message(hash);
                    SafeSignature::from_eth_sign(hash, sign(&key, &prefixed)).unwrap()
                }
                Kind::Approved => SafeSignature::approved_hash(owner),
                Kind::Contract(data) => SafeSignature::contract(owner, data),
            };
            prop_assert_eq!(sig.owner, owner);
            sig.verify(hash).unwrap();
            sigs.push(sig);
        }
        let blob = pack_signatures(&sigs).unwrap();
        let parsed = parse_signatures(&blob, hash).unwrap();
        let mut expected = sigs.clone();
        expected.sort_by_key(|s| s.owner);
        prop_assert_eq!(&parsed, &expected);
        // Owners are strictly ascending, as the Safe requires.
        prop_assert!(parsed.windows(2).all(|w| w[0].owner < w[1].owner));
        // Packing is canonical: the same set in any order gives the same bytes.
        let mut reversed = sigs.clone();
        reversed.reverse();
        prop_assert_eq!(pack_signatures(&reversed).unwrap(), blob);
        for s in &parsed {
            if let SignatureKind::EthSign { v, .. } = s.kind {
                prop_assert!(v == 31 || v == 32);
            }
            if let SignatureKind::Eip712 { v, .. } = s.kind {
                prop_assert!(v == 27 || v == 28);
            }
        }
    }

    #[test]
    fn tx_builder_export_import_round_trip(
        entries in proptest::collection::vec(arb_entry(true), 0..6),
        chain_id in 1u64..100_000,
        created_at in 0u64..4_000_000_000_000,
        name in "[ -~]{0,20}",
        description in "\\PC{0,20}",
    ) {
        let safe = Address::repeat_byte(0x5a);
        let batch = TxBuilderBatch::from_entries(chain_id, Some(safe), &name, &description, created_at, &entries).unwrap();
        batch.verify_checksum().unwrap();
        let text = batch.to_json().unwrap();
        coffer_core::tx_builder::verify_checksum_json(&text).unwrap();
        let back = TxBuilderBatch::from_json(&text).unwrap();
        prop_assert_eq!(&back, &batch);
        back.verify_checksum().unwrap();
        prop_assert_eq!(back.to_calls().unwrap(), entries);
        prop_assert_eq!(back.chain_id().unwrap(), chain_id);
    }

    #[test]
    fn pro_rata_sums_exactly(
        total in arb_u256(),
        shares in proptest::collection::vec((arb_address(), prop_oneof![Just(U256::ZERO), (0u64..1_000_000).prop_map(U256::from), any::<u128>().prop_map(U256::from)]), 1..30),
    ) {
        let sum: U256 = shares.iter().fold(U256::ZERO, |a, (_, s)| a + *s);
        prop_assume!(!sum.is_zero());
        let parts = split_pro_rata(total, &shares).unwrap();
        prop_assert_eq!(parts.len(), shares.len());
        let got: U256 = parts.iter().fold(U256::ZERO, |a, (_, p)| a + *p);
        prop_assert_eq!(got, total);
        for ((addr, share), (a2, part)) in shares.iter().zip(&parts) {
            prop_assert_eq!(addr, a2);
            if share.is_zero() {
                prop_assert_eq!(*part, U256::ZERO);
            }
            // Each part is the exact floor or one more.
            let exact = alloy_primitives::U512::from(total) * alloy_primitives::U512::from(*share)
                / alloy_primitives::U512::from(sum);
            let exact = U256::from(exact);
            prop_assert!(*part == exact || *part == exact + U256::from(1));
        }
    }

    #[test]
    fn units_round_trip(value in arb_u256(), decimals in 0u8..=30) {
        let s = format_units(value, decimals);
        prop_assert_eq!(parse_units(&s, decimals).unwrap(), value);
    }

    #[test]
    fn chunks_cover_in_order(
        gas in proptest::collection::vec(1u64..50_000, 0..300),
        overhead in 0u64..100_000,
        extra in 50_000u64..2_000_000,
    ) {
        let budget = overhead + extra;
        let chunks = chunk_by_gas(&gas, |g| *g, overhead, budget).unwrap();
        let mut next = 0;
        for c in &chunks {
            prop_assert_eq!(c.range.start, next);
            prop_assert!(!c.is_empty());
            let sum: u64 = gas[c.range.clone()].iter().sum::<u64>() + overhead;
            prop_assert_eq!(sum, c.gas);
            prop_assert!(c.gas <= budget);
            next = c.range.end;
        }
        prop_assert_eq!(next, gas.len());
        // Greedy: the first item of each later chunk would not have fit in the chunk before it.
        for w in chunks.windows(2) {
            prop_assert!(w[0].gas + gas[w[1].range.start] > budget);
        }
    }
}

#[test]
fn delegate_call_entries_cannot_be_exported() {
    let e = MultiSendEntry {
        operation: Operation::DelegateCall,
        to: Address::repeat_byte(1),
        value: U256::ZERO,
        data: Bytes::new(),
    };
    let err = TxBuilderBatch::from_entries(1, None, "n", "", 0, &[MultiSendEntry::default(), e])
        .unwrap_err();
    assert!(matches!(err, coffer_core::Error::DelegateCallNotExportable { index: 1, .. }));
}
