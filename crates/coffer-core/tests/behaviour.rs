//! Behaviour of each module on hand-checked inputs.
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy_primitives::{Address, B256, Bytes, U256, address, b256, hex};
use coffer_core::{
    CallKind, Chunk, MultiSendBatch, MultiSendEntry, Operation, Risk, Rsv, SafeSignature, SafeTx,
    SafeTxContext, SafeVersion, SignatureKind, TightPacker, chunk_by_gas, decode_call,
    erc20_transfer_calldata, format_units, normalize_s, pack_signatures, parse_csv,
    parse_signatures, parse_units, rows_to_entries, split_pro_rata,
};
use k256::ecdsa::SigningKey;

const HASH: B256 = b256!("0x0cb7250b8becd7069223c54e2839feaed4cee156363fbfe5dd0a48e75c4e25b3");

fn key(n: u8) -> SigningKey {
    let mut sk = [0u8; 32];
    sk[31] = n;
    SigningKey::from_bytes(&sk.into()).unwrap()
}

fn sign(key: &SigningKey, hash: &B256) -> Rsv {
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let b = sig.to_bytes();
    Rsv { r: U256::from_be_slice(&b[..32]), s: U256::from_be_slice(&b[32..]), v: recid.to_byte() }
}

#[test]
fn versions_parse_and_report_features() {
    assert_eq!("1.4.1".parse::<SafeVersion>().unwrap(), SafeVersion::V1_4_1);
    assert_eq!("1.3.0+L2".parse::<SafeVersion>().unwrap(), SafeVersion::V1_3_0);
    assert_eq!(" v1.5.0 ".parse::<SafeVersion>().unwrap(), SafeVersion::V1_5_0);
    assert!(!SafeVersion::V1_2_0.has_chain_id_in_domain());
    assert!(SafeVersion::V1_3_0.has_chain_id_in_domain());
    assert!(!SafeVersion::V1_4_1.uses_standard_eip1271());
    assert!(SafeVersion::V1_5_0.uses_standard_eip1271());
    assert!(SafeVersion::V1_4_1.has_encode_transaction_data_on_safe());
    assert!(!SafeVersion::V1_5_0.has_encode_transaction_data_on_safe());
    for v in SafeVersion::ALL {
        assert_eq!(v.to_string().parse::<SafeVersion>().unwrap(), v);
    }
}

#[test]
fn safe_tx_json_matches_the_transaction_service() {
    let tx = SafeTx::call(
        Address::repeat_byte(0x11),
        U256::from(10).pow(U256::from(18)),
        Bytes::new(),
        U256::from(7),
    );
    let v = serde_json::to_value(&tx).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "to": "0x1111111111111111111111111111111111111111",
            "value": "1000000000000000000",
            "data": "0x",
            "operation": 0,
            "safeTxGas": "0",
            "baseGas": "0",
            "gasPrice": "0",
            "gasToken": "0x0000000000000000000000000000000000000000",
            "refundReceiver": "0x0000000000000000000000000000000000000000",
            "nonce": "7"
        })
    );
    // The service returns numbers and null data; both are read.
    let from_service: SafeTx = serde_json::from_value(serde_json::json!({
        "to": "0x1111111111111111111111111111111111111111", "value": "1000000000000000000", "data": null,
        "operation": 0, "safeTxGas": 0, "baseGas": "0", "gasPrice": "0x0",
        "gasToken": "0x0000000000000000000000000000000000000000",
        "refundReceiver": "0x0000000000000000000000000000000000000000", "nonce": 7
    }))
    .unwrap();
    assert_eq!(from_service, tx);
    assert!(serde_json::from_value::<SafeTx>(serde_json::json!({"operation": 2})).is_err());
}

#[test]
fn legacy_typed_data_has_no_chain_id() {
    let tx = SafeTx::call(Address::repeat_byte(1), U256::ZERO, Bytes::new(), U256::ZERO);
    let ctx = SafeTxContext::new(5, Address::repeat_byte(2), SafeVersion::V1_1_1);
    let json = tx.typed_data_json(&ctx);
    assert!(json["domain"].get("chainId").is_none());
    assert_eq!(json["types"]["EIP712Domain"].as_array().unwrap().len(), 1);
    assert_eq!(tx.typed_data(&ctx).unwrap().eip712_signing_hash().unwrap(), tx.safe_tx_hash(&ctx));
    let encoded = tx.encode_transaction_data(&ctx);
    assert_eq!(encoded.len(), 66);
    assert_eq!(&encoded[..2], &[0x19, 0x01]);
    assert_eq!(alloy_primitives::keccak256(&encoded), tx.safe_tx_hash(&ctx));
}

#[test]
fn eip712_v_is_normalised_to_27_28() {
    let k = key(7);
    let owner = Address::from_private_key(&k);
    let raw = sign(&k, &HASH); // v = 0 or 1, as devices return it
    let sig = SafeSignature::from_eip712_rsv(HASH, raw).unwrap();
    assert_eq!(sig.owner, owner);
    let SignatureKind::Eip712 { v, .. } = sig.kind else { panic!() };
    assert_eq!(v, raw.v + 27);
    let with_27 = SafeSignature::from_eip712_rsv(HASH, Rsv { v: raw.v + 27, ..raw }).unwrap();
    assert_eq!(with_27, sig);
    assert_eq!(sig.service_type(), "EOA");
}

#[test]
fn eth_sign_v_is_normalised_to_31_32() {
    let k = key(8);
    let owner = Address::from_private_key(&k);
    let raw = sign(&k, &alloy_primitives::eip191_hash_message(HASH));
    for given in [raw.v, raw.v + 27, raw.v + 31] {
        let sig = SafeSignature::from_eth_sign(HASH, Rsv { v: given, ..raw }).unwrap();
        assert_eq!(sig.owner, owner);
        assert_eq!(sig.kind, SignatureKind::EthSign { r: raw.r, s: raw.s, v: raw.v + 31 });
        sig.verify(HASH).unwrap();
        assert_eq!(sig.to_bytes()[64], raw.v + 31);
    }
    // Read as EIP-712 the same bytes recover someone else.
    let as_712 = SafeSignature::from_eip712_rsv(HASH, raw).unwrap();
    assert_ne!(as_712.owner, owner);
}

#[test]
fn high_s_can_be_normalised_and_says_so() {
    let k = key(9);
    let owner = Address::from_private_key(&k);
    let low = sign(&k, &HASH);
    let low = Rsv { v: low.v + 27, ..low };
    let high = Rsv { r: low.r, s: coffer_core::SECP256K1N - low.s, v: 55 - low.v };
    assert!(high.is_high_s());
    let (fixed, changed) = normalize_s(high);
    assert!(changed);
    assert_eq!(fixed, low);
    assert_eq!(SafeSignature::from_eip712_rsv(HASH, fixed).unwrap().owner, owner);
    let (same, changed) = normalize_s(low);
    assert!(!changed);
    assert_eq!(same, low);
    // 0/1 and 31/32 encodings flip too.
    assert_eq!(normalize_s(Rsv { v: 0, ..high }).0.v, 1);
    assert_eq!(normalize_s(Rsv { v: 32, ..high }).0.v, 31);
}

#[test]
fn packing_lays_out_static_then_dynamic_parts() {
    let a = address!("0x00000000000000000000000000000000000000a1");
    let b = address!("0x00000000000000000000000000000000000000b2");
    let c = address!("0x00000000000000000000000000000000000000c3");
    // Given out of order: packed sorted by owner.
    let sigs = vec![
        SafeSignature::contract(c, vec![0xcc; 3]),
        SafeSignature::approved_hash(b),
        SafeSignature::contract(a, vec![0xaa; 2]),
    ];
    let blob = pack_signatures(&sigs).unwrap();
    let word = |w: usize| U256::from_be_slice(&blob[w..w + 32]);
    assert_eq!(blob.len(), 3 * 65 + (32 + 2) + (32 + 3));
    // a: contract, offset 195
    assert_eq!(word(0), U256::from_be_slice(a.as_slice()));
    assert_eq!(word(32), U256::from(195));
    assert_eq!(blob[64], 0);
    // b: approved hash
    assert_eq!(word(65), U256::from_be_slice(b.as_slice()));
    assert_eq!(word(97), U256::ZERO);
    assert_eq!(blob[129], 1);
    // c: contract, offset 195 + 34
    assert_eq!(word(162), U256::from(229));
    assert_eq!(blob[194], 0);
    assert_eq!(word(195), U256::from(2));
    assert_eq!(&blob[227..229], &[0xaa, 0xaa]);
    assert_eq!(word(229), U256::from(3));
    assert_eq!(&blob[261..], &[0xcc; 3]);
    let parsed = parse_signatures(&blob, HASH).unwrap();
    assert_eq!(parsed.iter().map(|s| s.owner).collect::<Vec<_>>(), vec![a, b, c]);
    assert_eq!(parsed[0].service_type(), "CONTRACT_SIGNATURE");
    // A single contract signature on its own has its data at offset 65.
    let single = SafeSignature::contract(a, vec![1, 2]).to_bytes();
    assert_eq!(U256::from_be_slice(&single[32..64]), U256::from(65));
    assert_eq!(single.len(), 65 + 32 + 2);
}

#[test]
fn multisend_layout_is_packed() {
    let e = MultiSendEntry::call(Address::repeat_byte(0xab), U256::from(5), vec![1, 2, 3]);
    let packed = MultiSendBatch::new(vec![e]).encode_packed();
    let mut expected = vec![0u8];
    expected.extend_from_slice(&[0xab; 20]);
    expected.extend_from_slice(&U256::from(5).to_be_bytes::<32>());
    expected.extend_from_slice(&U256::from(3).to_be_bytes::<32>());
    expected.extend_from_slice(&[1, 2, 3]);
    assert_eq!(packed.to_vec(), expected);
    let call = MultiSendBatch::new(vec![]).encode_call();
    assert_eq!(&call[..4], &hex!("8d80ff0a"));
    let tx = MultiSendBatch::new(vec![]).into_safe_tx(Address::repeat_byte(1), U256::from(3));
    assert_eq!(tx.operation, Operation::DelegateCall);
    assert_eq!(tx.nonce, U256::from(3));
}

#[test]
fn pro_rata_remainder_goes_to_largest_remainders_then_input_order() {
    let (a, b, c) = (Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3));
    // 10 over 1:1:1 → 3.33 each; one unit left; equal remainders → the first in input order.
    let parts = split_pro_rata(
        U256::from(10),
        &[(a, U256::from(1)), (b, U256::from(1)), (c, U256::from(1))],
    )
    .unwrap();
    assert_eq!(parts, vec![(a, U256::from(4)), (b, U256::from(3)), (c, U256::from(3))]);
    // 100 over 1:2:4 → 14.28, 28.57, 57.14: floors 14+28+57 = 99; the largest remainder (28.57) gets the unit.
    let parts = split_pro_rata(
        U256::from(100),
        &[(a, U256::from(1)), (b, U256::from(2)), (c, U256::from(4))],
    )
    .unwrap();
    assert_eq!(parts, vec![(a, U256::from(14)), (b, U256::from(29)), (c, U256::from(57))]);
    // Huge values do not overflow.
    let half = U256::MAX / U256::from(2);
    let parts = split_pro_rata(U256::MAX, &[(a, half), (b, half)]).unwrap();
    assert_eq!(parts[0].1 + parts[1].1, U256::MAX);
    assert_eq!(parts[0].1, parts[1].1 + U256::from(1));
}

#[test]
fn chunking_is_greedy_and_keeps_order() {
    let gas = [40u64, 40, 40, 10, 90, 5];
    let chunks = chunk_by_gas(&gas, |g| *g, 10, 100).unwrap();
    assert_eq!(
        chunks,
        vec![
            Chunk { range: 0..2, gas: 90 },
            Chunk { range: 2..4, gas: 60 },
            Chunk { range: 4..5, gas: 100 },
            Chunk { range: 5..6, gas: 15 },
        ]
    );
    assert!(chunk_by_gas(&[] as &[u64], |g| *g, 10, 100).unwrap().is_empty());
}

/// Runs a [`TightPacker`] against a measuring function; returns the chunks and the probe count.
fn pack(
    n: usize,
    budget: u64,
    guess: usize,
    gas: impl Fn(std::ops::Range<usize>) -> u64,
) -> (Vec<Chunk>, usize) {
    let mut p = TightPacker::new(n, budget, gas(0..0), guess);
    while let Some(r) = p.next_probe() {
        p.record(r.clone(), gas(r)).unwrap();
    }
    let probes = p.probes();
    (p.finish(), probes)
}

#[test]
fn tight_packer_fills_each_chunk_to_the_last_item_that_fits() {
    // A chunk's gas: a fixed part, a per-item part that varies by item, and a cost that grows
    // with the square of the length (memory), as a MultiSend batch does.
    let item = |i: usize| 27_000 + (i as u64 * 7919) % 1_000;
    let gas = |r: std::ops::Range<usize>| {
        let len = r.len() as u64;
        100_000 + r.clone().map(item).sum::<u64>() + len * len / 8
    };
    let budget = 16_777_216;
    for (n, guess) in [(10_000, 400), (10_000, 900), (1, 5), (617, 617), (5_000, 1)] {
        let (chunks, probes) = pack(n, budget, guess, gas);
        // Consecutive, complete, each under the budget, and each as long as it can be: one more
        // item would not fit.
        assert_eq!(chunks.first().unwrap().range.start, 0);
        assert_eq!(chunks.last().unwrap().range.end, n);
        for w in chunks.windows(2) {
            assert_eq!(w[0].range.end, w[1].range.start);
        }
        for c in &chunks {
            assert_eq!(c.gas, gas(c.range.clone()));
            assert!(c.gas <= budget);
            if c.range.end < n {
                assert!(gas(c.range.start..c.range.end + 1) > budget, "{c:?} could hold one more");
            }
        }
        // A few measurements per chunk, not one per item.
        assert!(probes <= 6 * chunks.len() + 6, "{probes} probes for {} chunks", chunks.len());
    }
    let (chunks, _) = pack(10_000, budget, 400, gas);
    // Greedy by the true figures is optimal for consecutive chunks: the fewest possible.
    let total: u64 = (0..10_000).map(item).sum();
    assert_eq!(chunks.len(), (total as f64 / (budget - 140_000) as f64).ceil() as usize);
}

#[test]
fn tight_packer_names_an_item_that_does_not_fit_alone() {
    let mut p = TightPacker::new(3, 1_000, 100, 2);
    let gas =
        |r: std::ops::Range<usize>| 100 + r.map(|i| if i == 1 { 2_000 } else { 10 }).sum::<u64>();
    let err = loop {
        let r = p.next_probe().unwrap();
        if let Err(e) = p.record(r.clone(), gas(r)) {
            break e;
        }
    };
    assert!(err.to_string().contains("1"), "{err}");
    assert!(matches!(err, coffer_core::Error::ItemExceedsBudget { index: 1, .. }), "{err:?}");
}

#[test]
fn units() {
    assert_eq!(parse_units("1.5", 6).unwrap(), U256::from(1_500_000));
    assert_eq!(parse_units(".5", 1).unwrap(), U256::from(5));
    assert_eq!(parse_units("3.", 2).unwrap(), U256::from(300));
    assert_eq!(parse_units(" 0012 ", 0).unwrap(), U256::from(12));
    assert_eq!(parse_units("0.000000000000000001", 18).unwrap(), U256::from(1));
    assert_eq!(format_units(U256::from(1_500_000), 6), "1.5");
    assert_eq!(format_units(U256::from(5), 3), "0.005");
    assert_eq!(format_units(U256::from(5000), 3), "5");
    // 2^256 - 1 with 77 decimals still parses (the largest exponent that fits).
    assert_eq!(parse_units(&format_units(U256::MAX, 77), 77).unwrap(), U256::MAX);
}

#[test]
fn csv_happy_path_both_headers() {
    let t = "0x2222222222222222222222222222222222222222";
    let r = "0x1111111111111111111111111111111111111111";
    let text = format!(
        "token_type,token_address,receiver,amount,id\n\
         erc20,{t},{r},1.5,\n\
         \n\
         NATIVE,,{r},0.25,\n"
    );
    let rows = parse_csv(&text).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[1].line, 4);
    assert_eq!(rows[1].token, None);
    let entries = rows_to_entries(&rows, |tok| Some(if tok.is_some() { 6 } else { 18 })).unwrap();
    let receiver: Address = r.parse().unwrap();
    assert_eq!(entries[0].to, t.parse::<Address>().unwrap());
    assert_eq!(entries[0].data, erc20_transfer_calldata(receiver, U256::from(1_500_000)));
    assert_eq!(
        entries[1],
        MultiSendEntry::call(receiver, U256::from(250_000_000_000_000_000u64), Bytes::new())
    );

    let legacy = format!("token_address,receiver,amount\n{t},{r},2\n,{r},3\n");
    let rows = parse_csv(&legacy).unwrap();
    assert_eq!(rows[0].token, Some(t.parse().unwrap()));
    assert_eq!(rows[1].token, None);
}

#[test]
fn decode_safe_admin_calls_with_risks_and_display() {
    let safe = Address::repeat_byte(0x5a);
    let owner = Address::repeat_byte(0x0b);
    let mut swap = hex!("e318b52b").to_vec();
    for a in [Address::repeat_byte(1), Address::repeat_byte(2), owner] {
        swap.extend_from_slice(&[0u8; 12]);
        swap.extend_from_slice(a.as_slice());
    }
    let mut guard = hex!("e19a9dd9").to_vec();
    guard.extend_from_slice(&[0u8; 12]);
    guard.extend_from_slice(Address::repeat_byte(0x9a).as_slice());
    let inner = MultiSendBatch::new(vec![
        MultiSendEntry::call(safe, U256::ZERO, swap),
        MultiSendEntry::call(safe, U256::ZERO, guard),
        MultiSendEntry::call(
            Address::repeat_byte(0x70),
            U256::ZERO,
            erc20_transfer_calldata(owner, U256::from(42)),
        ),
        MultiSendEntry {
            operation: Operation::DelegateCall,
            to: Address::repeat_byte(0xde),
            value: U256::ZERO,
            data: Bytes::from(vec![0xde, 0xad, 0xbe, 0xef, 1]),
        },
    ]);
    let d = decode_call(
        Address::repeat_byte(0x33),
        U256::ZERO,
        &inner.encode_call(),
        Operation::DelegateCall,
    );
    let CallKind::MultiSend { entries } = &d.kind else { panic!() };
    assert_eq!(entries[0].risks, vec![Risk::OwnerChange]);
    assert_eq!(entries[1].kind, CallKind::SetGuard { guard: Address::repeat_byte(0x9a) });
    assert_eq!(entries[1].risks, vec![Risk::GuardChange]);
    assert_eq!(entries[2].risks, vec![]);
    assert!(matches!(
        entries[3].kind,
        CallKind::Unknown { selector: [0xde, 0xad, 0xbe, 0xef], .. }
    ));
    assert_eq!(d.all_risks(), vec![Risk::DelegateCall, Risk::GuardChange, Risk::OwnerChange]);
    let text = d.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].starts_with("delegatecall 0x3333") && lines[0].contains("multiSend of 4 entries"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("  #0 call ")
            && lines[1].contains("swapOwner")
            && lines[1].contains("OWNER CHANGE"),
        "{text}"
    );
    assert!(lines[3].contains("ERC-20 transfer") && !lines[3].contains("[!!"), "{text}");
    assert!(lines[4].starts_with("  #3 delegatecall") && lines[4].contains("0xdeadbeef"), "{text}");

    // Other admin calls.
    let cases: Vec<(Vec<u8>, Risk)> = vec![
        (hex!("694e80c3").iter().copied().chain([0u8; 32]).collect(), Risk::ThresholdChange),
        (hex!("610b5925").iter().copied().chain([0u8; 32]).collect(), Risk::ModuleChange),
        (hex!("e009cfde").iter().copied().chain([0u8; 64]).collect(), Risk::ModuleChange),
        (hex!("f08a0323").iter().copied().chain([0u8; 32]).collect(), Risk::FallbackHandlerChange),
        (hex!("7de7edef").iter().copied().chain([0u8; 32]).collect(), Risk::SingletonChange),
    ];
    for (data, risk) in cases {
        let d = decode_call(safe, U256::ZERO, &data, Operation::Call);
        assert!(d.risks.contains(&risk), "{d}");
        assert!(!matches!(d.kind, CallKind::Unknown { .. } | CallKind::Malformed { .. }), "{d}");
    }
    // A known selector with bad arguments is reported as malformed, not guessed.
    let d = decode_call(safe, U256::ZERO, &hex!("694e80c3"), Operation::Call);
    assert!(matches!(d.kind, CallKind::Malformed { .. }), "{d}");
    assert_eq!(
        decode_call(safe, U256::from(1), &[], Operation::Call).kind,
        CallKind::NativeTransfer
    );
}

#[test]
fn tx_builder_tuple_and_bool_inputs() {
    // The app writes tuple and array values as JSON text; bools as "true"/"false".
    let text = r#"{"version":"1.0","chainId":"1","createdAt":1,"meta":{"name":"t"},"transactions":[
      {"to":"0x1111111111111111111111111111111111111111","value":"0","data":null,
       "contractMethod":{"name":"f","payable":false,"inputs":[
         {"name":"p","type":"tuple","internalType":"struct S","components":[
           {"name":"a","type":"address","internalType":"address"},{"name":"n","type":"uint256[]","internalType":"uint256[]"}]},
         {"name":"flag","type":"bool","internalType":"bool"}]},
       "contractInputsValues":{"p":"[\"0x2222222222222222222222222222222222222222\",[\"1\",\"2\"]]","flag":"true"}}]}"#;
    let calls = coffer_core::TxBuilderBatch::from_json(text).unwrap().to_calls().unwrap();
    let data = &calls[0].data;
    assert_eq!(&data[..4], &alloy_primitives::keccak256("f((address,uint256[]),bool)")[..4]);
    // head: offset of the dynamic tuple, then the bool
    assert_eq!(U256::from_be_slice(&data[4..36]), U256::from(64));
    assert_eq!(U256::from_be_slice(&data[36..68]), U256::from(1));
    // tuple: address, offset of n, then n = [1, 2]
    assert_eq!(&data[68 + 12..100], Address::repeat_byte(0x22).as_slice());
    assert_eq!(U256::from_be_slice(&data[132..164]), U256::from(2));
    assert_eq!(U256::from_be_slice(&data[164..196]), U256::from(1));
    assert_eq!(U256::from_be_slice(&data[196..228]), U256::from(2));
    assert_eq!(data.len(), 228);
}

#[test]
fn payout_plan_calls_are_decoded_with_their_risk() {
    use coffer_core::{TokenCap, approve_plan_calldata, revoke_plan_calldata};
    let root = B256::repeat_byte(0x42);
    let token = Address::repeat_byte(0x07);
    let caps = [TokenCap { token, amount: U256::from(1_000u64) }];
    let module = Address::repeat_byte(0x99);
    let data = approve_plan_calldata(root, 17, 1_900_000_000, 5, &caps);
    let d = decode_call(module, U256::ZERO, &data, Operation::Call);
    assert_eq!(
        d.kind,
        CallKind::ApprovePayoutPlan {
            root,
            chunk_count: 17,
            expiry: 1_900_000_000,
            caps: vec![(token, U256::from(1_000u64))]
        }
    );
    assert_eq!(d.risks, vec![Risk::PayoutPlanApproval]);
    let shown = d.to_string();
    assert!(shown.contains("17 chunks") && shown.contains("PAYOUT PLAN APPROVAL"), "{shown}");

    let data = revoke_plan_calldata(root);
    let d = decode_call(module, U256::ZERO, &data, Operation::Call);
    assert_eq!(d.kind, CallKind::RevokePayoutPlan { root });
    assert!(d.risks.is_empty());
}

/// CofferAllowlistGuard list changes decode with their effect; the calldata vectors were encoded with ethers
/// (`Interface.encodeFunctionData`), independently of alloy. Additions carry the guard-change risk, removals
/// (tightening) none.
#[test]
fn allowlist_guard_changes_are_decoded() {
    let t = Address::repeat_byte(0x11);
    let addr = "0000000000000000000000001111111111111111111111111111111111111111";
    let word = |b: u8| format!("{:064x}", b);
    /// (calldata hex, function, selector, any selector, value, loosening)
    type Case = (String, &'static str, Option<[u8; 4]>, bool, bool, bool);
    let cases: [Case; 5] = [
        (format!("5a9f4862{addr}{}{}", word(1), word(0)), "allowTarget", None, true, false, true),
        (
            format!("6d972c01{addr}a9059cbb{}", "0".repeat(56)),
            "allowSelector",
            Some([0xa9, 0x05, 0x9c, 0xbb]),
            false,
            false,
            true,
        ),
        (format!("f8e9fbce{addr}"), "allowDelegateCall", None, false, false, true),
        (format!("d5d7ff3c{addr}"), "removeTarget", None, false, false, false),
        (format!("b72f3df4{addr}{}", word(0)), "removeSelector", Some([0; 4]), false, false, false),
    ];
    for (data, function, selector, any_selector, value, risky) in cases {
        let data = hex::decode(&data).unwrap();
        let d = decode_call(Address::repeat_byte(0x9a), U256::ZERO, &data, Operation::Call);
        assert_eq!(
            d.kind,
            CallKind::AllowlistChange { function, target: t, selector, any_selector, value },
            "{function}"
        );
        assert_eq!(d.risks, if risky { vec![Risk::GuardChange] } else { vec![] }, "{function}");
        let shown = d.to_string();
        assert!(shown.contains(function), "{shown}");
        assert!(
            shown.contains(if risky { "after the guard's delay" } else { "in force at once" }),
            "{shown}"
        );
    }
}
