//! Bad input: every case asserts the error kind and where it points (index, row, column).
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy_primitives::{Address, B256, Bytes, U256, address, b256};
use coffer_core::{
    Error, MultiSendBatch, MultiSendEntry, Operation, Rsv, SECP256K1N, SafeSignature, SafeVersion,
    TxBuilderBatch, chunk_by_gas, pack_signatures, parse_csv, parse_signatures, parse_units,
    rows_to_entries, split_pro_rata, tx_builder,
};
use k256::ecdsa::SigningKey;

const HASH: B256 = b256!("0x27a0c4abf624b15b776f544a4b31ed4d50dee2b677c6497fbadf4f7a73be705e");

fn key(n: u8) -> SigningKey {
    let mut sk = [0u8; 32];
    sk[31] = n;
    SigningKey::from_bytes(&sk.into()).unwrap()
}

fn sign(key: &SigningKey, hash: &B256) -> Rsv {
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let b = sig.to_bytes();
    Rsv {
        r: U256::from_be_slice(&b[..32]),
        s: U256::from_be_slice(&b[32..]),
        v: 27 + recid.to_byte(),
    }
}

/// The malleable twin of a low-s signature: s' = n - s and the other y-parity (27 <-> 28).
fn high_s(sig: Rsv) -> Rsv {
    Rsv { r: sig.r, s: SECP256K1N - sig.s, v: 55 - sig.v }
}

fn part(r: U256, s: U256, v: u8) -> Vec<u8> {
    Rsv { r, s, v }.to_bytes().to_vec()
}

fn owner_word(a: Address) -> U256 {
    U256::from_be_slice(a.as_slice())
}

fn valid_part(n: u8) -> Vec<u8> {
    sign(&key(n), &HASH).to_bytes().to_vec()
}

// ---------------------------------------------------------------- versions and operations

#[test]
fn unknown_versions() {
    for v in ["1.4.2", "1.3.0+L3", "", "2.0.0", "1.3"] {
        let err = v.parse::<SafeVersion>().unwrap_err();
        assert_eq!(err, Error::UnknownVersion { version: v.to_owned() });
        assert!(err.to_string().contains("1.5.0"), "{err}");
    }
}

#[test]
fn invalid_operation_byte() {
    assert_eq!(Operation::try_from(2).unwrap_err(), Error::InvalidOperation { value: 2 });
}

// ---------------------------------------------------------------- signatures blob

#[test]
fn empty_signatures() {
    assert_eq!(parse_signatures(&[], HASH).unwrap_err(), Error::EmptySignatures);
}

#[test]
fn first_part_too_short() {
    let err = parse_signatures(&[1u8; 64], HASH).unwrap_err();
    assert_eq!(err, Error::SignaturesTruncated { index: 0, start: 0, end: 64 });
}

#[test]
fn second_part_too_short() {
    let mut blob = valid_part(1);
    blob.extend_from_slice(&[0u8; 10]);
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(err, Error::SignaturesTruncated { index: 1, start: 65, end: 75 });
}

#[test]
fn invalid_v_names_the_part() {
    for v in [2u8, 5, 26, 29, 30, 33, 255] {
        let mut blob = valid_part(1);
        blob.extend(part(U256::from(1), U256::from(1), v));
        let err = parse_signatures(&blob, HASH).unwrap_err();
        assert!(matches!(err, Error::InvalidV { index: 1, v: got, .. } if got == v), "{err:?}");
    }
}

#[test]
fn high_s_eip712_part_is_refused() {
    let blob = high_s(sign(&key(1), &HASH)).to_bytes();
    assert_eq!(parse_signatures(&blob, HASH).unwrap_err(), Error::HighS { index: 0 });
}

#[test]
fn high_s_eth_sign_part_is_refused() {
    let prefixed = alloy_primitives::eip191_hash_message(HASH);
    let mut sig = high_s(sign(&key(2), &prefixed));
    sig.v += 4;
    let mut blob = valid_part(1);
    blob.extend(sig.to_bytes());
    assert_eq!(parse_signatures(&blob, HASH).unwrap_err(), Error::HighS { index: 1 });
}

#[test]
fn zero_r_cannot_recover() {
    let blob = part(U256::ZERO, U256::from(1), 27);
    assert!(matches!(parse_signatures(&blob, HASH).unwrap_err(), Error::Recovery { index: 0, .. }));
}

#[test]
fn contract_signature_offset_into_static_area_gs021() {
    let blob = part(owner_word(Address::repeat_byte(1)), U256::ZERO, 0);
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(
        err,
        Error::ContractSignatureInsideStatic { index: 0, offset: U256::ZERO, static_end: 65 }
    );
    assert!(err.to_string().contains("GS021"));
}

#[test]
fn second_contract_signature_offset_into_its_own_part_gs021() {
    let mut blob = valid_part(1);
    blob.extend(part(owner_word(Address::repeat_byte(0xff)), U256::from(100), 0));
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(
        err,
        Error::ContractSignatureInsideStatic { index: 1, offset: U256::from(100), static_end: 130 }
    );
}

#[test]
fn contract_signature_length_word_missing_gs022() {
    let blob = part(owner_word(Address::repeat_byte(1)), U256::from(65), 0);
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(
        err,
        Error::ContractSignatureLengthMissing { index: 0, offset: U256::from(65), len: 65 }
    );
    assert!(err.to_string().contains("GS022"));
}

#[test]
fn contract_signature_huge_offset_gs022() {
    let blob = part(owner_word(Address::repeat_byte(1)), U256::MAX, 0);
    assert!(matches!(
        parse_signatures(&blob, HASH).unwrap_err(),
        Error::ContractSignatureLengthMissing { index: 0, .. }
    ));
}

#[test]
fn contract_signature_data_incomplete_gs023() {
    let mut blob = part(owner_word(Address::repeat_byte(1)), U256::from(65), 0);
    blob.extend_from_slice(&U256::from(100).to_be_bytes::<32>());
    blob.extend_from_slice(&[7u8; 10]);
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(
        err,
        Error::ContractSignatureDataIncomplete {
            index: 0,
            offset: 65,
            data_len: U256::from(100),
            available: 10
        }
    );
    assert!(err.to_string().contains("GS023"));
}

#[test]
fn static_area_ending_inside_a_part() {
    // Part 0 says its dynamic data starts at byte 100, which is inside where part 1 would be.
    let mut blob = part(owner_word(Address::repeat_byte(1)), U256::from(100), 0);
    blob.extend_from_slice(&[0u8; 35]);
    blob.extend_from_slice(&U256::ZERO.to_be_bytes::<32>());
    let err = parse_signatures(&blob, HASH).unwrap_err();
    assert_eq!(err, Error::SignaturesTruncated { index: 1, start: 65, end: 100 });
}

#[test]
fn contract_owner_word_not_an_address() {
    let blob = part(U256::MAX, U256::from(65), 0);
    assert!(matches!(
        parse_signatures(&blob, HASH).unwrap_err(),
        Error::OwnerWordNotAddress { index: 0, .. }
    ));
}

#[test]
fn approved_hash_owner_word_not_an_address() {
    let mut blob = valid_part(1);
    blob.extend(part(U256::from(1) << 200, U256::ZERO, 1));
    assert!(matches!(
        parse_signatures(&blob, HASH).unwrap_err(),
        Error::OwnerWordNotAddress { index: 1, .. }
    ));
}

// ---------------------------------------------------------------- single signatures

#[test]
fn eip712_with_eth_sign_v() {
    let mut sig = sign(&key(1), &HASH);
    sig.v += 4;
    assert!(matches!(
        SafeSignature::from_eip712_rsv(HASH, sig).unwrap_err(),
        Error::InvalidV { index: 0, v: 31 | 32, .. }
    ));
}

#[test]
fn eth_sign_with_garbage_v() {
    let mut sig = sign(&key(1), &HASH);
    sig.v = 5;
    assert!(matches!(
        SafeSignature::from_eth_sign(HASH, sig).unwrap_err(),
        Error::InvalidV { index: 0, v: 5, .. }
    ));
}

#[test]
fn eip712_high_s_is_refused_by_default() {
    let sig = high_s(sign(&key(1), &HASH));
    let err = SafeSignature::from_eip712_rsv(HASH, sig).unwrap_err();
    assert_eq!(err, Error::HighS { index: 0 });
    assert!(err.to_string().contains("normalize_s"));
}

#[test]
fn eth_sign_high_s_is_refused_by_default() {
    let prefixed = alloy_primitives::eip191_hash_message(HASH);
    let sig = high_s(sign(&key(1), &prefixed));
    assert_eq!(SafeSignature::from_eth_sign(HASH, sig).unwrap_err(), Error::HighS { index: 0 });
}

#[test]
fn signature_of_wrong_length() {
    assert_eq!(
        Rsv::try_from(&[0u8; 64][..]).unwrap_err(),
        Error::SignatureLength { index: 0, len: 64 }
    );
}

#[test]
fn verify_detects_a_wrong_owner() {
    let mut sig = SafeSignature::from_eip712_rsv(HASH, sign(&key(1), &HASH)).unwrap();
    let real = sig.owner;
    sig.owner = Address::repeat_byte(9);
    assert_eq!(
        sig.verify(HASH).unwrap_err(),
        Error::WrongSigner { index: 0, expected: Address::repeat_byte(9), recovered: real }
    );
}

#[test]
fn duplicate_owner_in_pack() {
    let a = SafeSignature::from_eip712_rsv(HASH, sign(&key(1), &HASH)).unwrap();
    let b = SafeSignature::approved_hash(Address::repeat_byte(3));
    let dup = SafeSignature::approved_hash(a.owner);
    let err = pack_signatures(&[a.clone(), b, dup]).unwrap_err();
    assert_eq!(err, Error::DuplicateOwner { index: 2, owner: a.owner });
    assert!(err.to_string().contains(&a.owner.to_string()));
}

// ---------------------------------------------------------------- multisend

fn entry(op: Operation, data: &[u8]) -> MultiSendEntry {
    MultiSendEntry {
        operation: op,
        to: Address::repeat_byte(0xaa),
        value: U256::from(1),
        data: Bytes::copy_from_slice(data),
    }
}

#[test]
fn multisend_first_entry_truncated() {
    let err = MultiSendBatch::decode_packed(&[0u8; 10]).unwrap_err();
    assert_eq!(
        err,
        Error::MultiSendTruncated { index: 0, offset: 0, needed: U256::from(85), available: 10 }
    );
}

#[test]
fn multisend_second_entry_truncated() {
    let mut packed =
        MultiSendBatch::new(vec![entry(Operation::Call, b"ab")]).encode_packed().to_vec();
    packed.extend_from_slice(&[0u8; 40]);
    assert!(matches!(
        MultiSendBatch::decode_packed(&packed).unwrap_err(),
        Error::MultiSendTruncated { index: 1, offset: 87, available: 40, .. }
    ));
}

#[test]
fn multisend_bad_operation_byte() {
    let mut packed =
        MultiSendBatch::new(vec![entry(Operation::Call, b""), entry(Operation::Call, b"x")])
            .encode_packed()
            .to_vec();
    packed[85] = 2;
    assert_eq!(
        MultiSendBatch::decode_packed(&packed).unwrap_err(),
        Error::MultiSendOperation { index: 1, value: 2 }
    );
}

#[test]
fn multisend_data_length_past_the_end() {
    let mut packed =
        MultiSendBatch::new(vec![entry(Operation::Call, b"abcd")]).encode_packed().to_vec();
    packed.truncate(packed.len() - 1);
    assert_eq!(
        MultiSendBatch::decode_packed(&packed).unwrap_err(),
        Error::MultiSendTruncated { index: 0, offset: 85, needed: U256::from(4), available: 3 }
    );
}

#[test]
fn call_only_refuses_delegatecall() {
    let err = MultiSendBatch::call_only(vec![
        entry(Operation::Call, b""),
        entry(Operation::Call, b""),
        entry(Operation::DelegateCall, b""),
    ])
    .unwrap_err();
    assert_eq!(err, Error::DelegateCallInCallOnly { index: 2, to: Address::repeat_byte(0xaa) });
}

#[test]
fn multisend_call_with_wrong_selector() {
    assert!(matches!(
        MultiSendBatch::decode_call(&[0xa9, 0x05, 0x9c, 0xbb, 0, 0]).unwrap_err(),
        Error::AbiDecode { .. }
    ));
}

// ---------------------------------------------------------------- transaction builder

const GOOD: &str = r#"{"version":"1.0","chainId":"1","createdAt":1,"meta":{"name":"b"},"transactions":[
 {"to":"0x1111111111111111111111111111111111111111","value":"0","data":"0x"},
 {"to":"0x2222222222222222222222222222222222222222","value":"5","data":null,
  "contractMethod":{"inputs":[{"internalType":"address","name":"to","type":"address"},{"internalType":"uint256","name":"amount","type":"uint256"}],"name":"transfer","payable":false},
  "contractInputsValues":{"to":"0x3333333333333333333333333333333333333333","amount":"7"}}]}"#;

fn edit(f: impl FnOnce(&mut serde_json::Value)) -> TxBuilderBatch {
    let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
    f(&mut v);
    TxBuilderBatch::from_json(&v.to_string()).unwrap()
}

fn tx_err(batch: &TxBuilderBatch) -> (usize, String) {
    match batch.to_calls().unwrap_err() {
        Error::TxBuilderTx { index, field, .. } => (index, field),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn tx_builder_good_file_works() {
    // The baseline the cases below break.
    let calls = TxBuilderBatch::from_json(GOOD).unwrap().to_calls().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].value, U256::from(5));
}

#[test]
fn tx_builder_not_json() {
    assert!(matches!(TxBuilderBatch::from_json("{").unwrap_err(), Error::TxBuilderFormat { .. }));
    assert!(matches!(
        tx_builder::verify_checksum_json("nope").unwrap_err(),
        Error::TxBuilderFormat { .. }
    ));
}

#[test]
fn tx_builder_missing_transactions() {
    let err =
        TxBuilderBatch::from_json(r#"{"version":"1.0","chainId":"1","createdAt":1,"meta":{}}"#)
            .unwrap_err();
    assert!(
        matches!(&err, Error::TxBuilderFormat { reason } if reason.contains("transactions")),
        "{err}"
    );
}

#[test]
fn tx_builder_checksum_missing() {
    let batch = TxBuilderBatch::from_json(GOOD).unwrap();
    assert_eq!(batch.verify_checksum().unwrap_err(), Error::ChecksumMissing);
    assert_eq!(tx_builder::verify_checksum_json(GOOD).unwrap_err(), Error::ChecksumMissing);
}

#[test]
fn tx_builder_checksum_mismatch() {
    let batch = edit(|v| v["meta"]["checksum"] = "0x00".into());
    assert!(
        matches!(batch.verify_checksum().unwrap_err(), Error::ChecksumMismatch { ref expected, .. } if expected == "0x00")
    );
}

#[test]
fn tx_builder_bad_to() {
    let batch = edit(|v| v["transactions"][1]["to"] = "0x1234".into());
    assert_eq!(tx_err(&batch), (1, "to".to_owned()));
}

#[test]
fn tx_builder_bad_value() {
    let batch = edit(|v| v["transactions"][0]["value"] = "1.5".into());
    assert_eq!(tx_err(&batch), (0, "value".to_owned()));
}

#[test]
fn tx_builder_bad_data() {
    let batch = edit(|v| v["transactions"][0]["data"] = "0xzz".into());
    assert_eq!(tx_err(&batch), (0, "data".to_owned()));
}

#[test]
fn tx_builder_missing_input_value() {
    let batch = edit(|v| {
        v["transactions"][1]["contractInputsValues"].as_object_mut().unwrap().remove("amount");
    });
    assert_eq!(tx_err(&batch), (1, "amount".to_owned()));
}

#[test]
fn tx_builder_bad_input_value() {
    let batch = edit(|v| v["transactions"][1]["contractInputsValues"]["amount"] = "abc".into());
    assert_eq!(tx_err(&batch), (1, "amount".to_owned()));
}

#[test]
fn tx_builder_bad_address_input() {
    let batch = edit(|v| v["transactions"][1]["contractInputsValues"]["to"] = "0x12".into());
    assert_eq!(tx_err(&batch), (1, "to".to_owned()));
}

#[test]
fn tx_builder_unknown_abi_type() {
    let batch =
        edit(|v| v["transactions"][1]["contractMethod"]["inputs"][1]["type"] = "uint7".into());
    let (index, field) = tx_err(&batch);
    assert_eq!(index, 1);
    assert!(field == "amount" || field == "contractMethod", "{field}");
}

#[test]
fn tx_builder_bad_chain_id() {
    let batch = edit(|v| v["chainId"] = "mainnet".into());
    assert!(matches!(batch.chain_id().unwrap_err(), Error::TxBuilderFormat { .. }));
}

// ---------------------------------------------------------------- CSV airdrop

fn csv_errors(text: &str) -> Vec<(usize, String)> {
    match parse_csv(text).unwrap_err() {
        Error::Csv { errors } => errors.into_iter().map(|e| (e.line, e.column)).collect(),
        other => panic!("unexpected {other:?}"),
    }
}

const R: &str = "0x1111111111111111111111111111111111111111";
const T: &str = "0x2222222222222222222222222222222222222222";

#[test]
fn csv_empty_file() {
    assert_eq!(csv_errors(""), vec![(1, "header".to_owned())]);
}

#[test]
fn csv_unknown_and_missing_columns() {
    assert_eq!(
        csv_errors("token_type,token_address,recipient,amount,id\n"),
        vec![(1, "recipient".to_owned()), (1, "receiver".to_owned())]
    );
}

#[test]
fn csv_missing_amount_column() {
    assert_eq!(csv_errors("token_address,receiver\n"), vec![(1, "amount".to_owned())]);
}

#[test]
fn csv_reports_every_bad_row_at_once() {
    let text = format!(
        "token_type,token_address,receiver,amount,id\n\
         erc20,{T},{R},1.5,\n\
         erc20,{T},0xnothex,1,\n\
         native,,{R},2,\n\
         erc20,{T},{R},-3,\n\
         erc721,{T},{R},1,7\n"
    );
    assert_eq!(
        csv_errors(&text),
        vec![
            (3, "receiver".to_owned()),
            (5, "amount".to_owned()),
            (6, "token_type".to_owned()),
            (6, "id".to_owned()),
        ]
    );
}

#[test]
fn csv_erc20_without_token() {
    let text = format!("token_type,token_address,receiver,amount,id\nerc20,,{R},1,\n");
    assert_eq!(csv_errors(&text), vec![(2, "token_address".to_owned())]);
}

#[test]
fn csv_native_with_token() {
    let text = format!("token_type,token_address,receiver,amount,id\nnative,{T},{R},1,\n");
    assert_eq!(csv_errors(&text), vec![(2, "token_address".to_owned())]);
}

#[test]
fn csv_zero_amount() {
    let text = format!("token_address,receiver,amount\n{T},{R},0.0\n");
    assert_eq!(csv_errors(&text), vec![(2, "amount".to_owned())]);
}

#[test]
fn csv_wrong_field_count() {
    let text = format!("token_address,receiver,amount\n{T},{R}\n{T},{R},1\n");
    assert_eq!(csv_errors(&text), vec![(2, "(row)".to_owned())]);
}

#[test]
fn csv_ens_name() {
    let text = format!("token_address,receiver,amount\n{T},vitalik.eth,1\n");
    let err = parse_csv(&text).unwrap_err();
    assert!(err.to_string().contains("ENS"), "{err}");
    assert_eq!(csv_errors(&text), vec![(2, "receiver".to_owned())]);
}

#[test]
fn csv_bad_address_checksum() {
    // The correct checksum is 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed; one letter's case flipped.
    let text = format!(
        "token_address,receiver,amount\n{T},0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD,1\n"
    );
    let err = parse_csv(&text).unwrap_err();
    assert!(err.to_string().contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), "{err}");
    assert_eq!(csv_errors(&text), vec![(2, "receiver".to_owned())]);
}

#[test]
fn csv_id_on_erc20_row() {
    let text = format!("token_type,token_address,receiver,amount,id\nerc20,{T},{R},1,5\n");
    assert_eq!(csv_errors(&text), vec![(2, "id".to_owned())]);
}

#[test]
fn csv_unknown_decimals_for_every_row() {
    let text = format!("token_address,receiver,amount\n{T},{R},1\n,{R},2\n{T},{R},3\n");
    let rows = parse_csv(&text).unwrap();
    let t: Address = T.parse().unwrap();
    let err =
        rows_to_entries(&rows, |tok| if tok.is_none() { Some(18) } else { None }).unwrap_err();
    let Error::Csv { errors } = err else { panic!() };
    let got: Vec<_> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(got, vec![(2, "token_address"), (4, "token_address")]);
    assert!(errors[0].message.contains(&t.to_checksum(None)));
}

#[test]
fn csv_too_many_decimals_for_the_token() {
    let text = format!("token_address,receiver,amount\n{T},{R},1.25\n{T},{R},1.2345678\n");
    let rows = parse_csv(&text).unwrap();
    let Error::Csv { errors } = rows_to_entries(&rows, |_| Some(6)).unwrap_err() else { panic!() };
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].column.as_str()), (3, "amount"));
    assert!(errors[0].message.contains("7 decimal places"), "{}", errors[0].message);
}

// ---------------------------------------------------------------- amounts

#[test]
fn amount_with_more_decimals_than_the_token() {
    assert_eq!(
        parse_units("1.234", 2).unwrap_err(),
        Error::TooManyDecimals { value: "1.234".into(), found: 3, decimals: 2 }
    );
    // Even trailing zeros: coffer does not guess.
    assert!(matches!(parse_units("1.50", 1).unwrap_err(), Error::TooManyDecimals { found: 2, .. }));
}

#[test]
fn malformed_amounts() {
    for bad in ["", " ", ".", "1e18", "1,000", "1.2.3", "-1", "+1", "0x10", "1 000", "١"] {
        assert!(
            matches!(parse_units(bad, 18).unwrap_err(), Error::InvalidAmount { ref value, .. } if value == bad),
            "{bad:?}"
        );
    }
}

#[test]
fn amount_overflow() {
    assert!(matches!(
        parse_units("1", 78).unwrap_err(),
        Error::AmountOverflow { decimals: 78, .. }
    ));
    let huge = "9".repeat(80);
    assert!(matches!(parse_units(&huge, 0).unwrap_err(), Error::AmountOverflow { .. }));
}

// ---------------------------------------------------------------- payout planning

#[test]
fn split_without_shares() {
    assert!(matches!(
        split_pro_rata(U256::from(10), &[]).unwrap_err(),
        Error::InvalidShares { .. }
    ));
}

#[test]
fn split_with_only_zero_shares() {
    let shares = [(Address::repeat_byte(1), U256::ZERO), (Address::repeat_byte(2), U256::ZERO)];
    assert!(matches!(
        split_pro_rata(U256::from(10), &shares).unwrap_err(),
        Error::InvalidShares { .. }
    ));
}

#[test]
fn split_with_overflowing_shares() {
    let shares = [(Address::repeat_byte(1), U256::MAX), (Address::repeat_byte(2), U256::from(1))];
    let err = split_pro_rata(U256::from(10), &shares).unwrap_err();
    assert!(matches!(&err, Error::InvalidShares { reason } if reason.contains("share 1")), "{err}");
}

#[test]
fn chunk_item_too_big() {
    let gas = [10u64, 20, 500, 30];
    assert_eq!(
        chunk_by_gas(&gas, |g| *g, 100, 400).unwrap_err(),
        Error::ItemExceedsBudget { index: 2, gas: 500, overhead: 100, budget: 400 }
    );
}

#[test]
fn chunk_overhead_over_budget() {
    assert!(matches!(
        chunk_by_gas(&[1u64], |g| *g, 1000, 999).unwrap_err(),
        Error::ItemExceedsBudget { index: 0, .. }
    ));
}

#[test]
fn known_good_address_constant_is_used() {
    // Keeps the address! import honest: the checksum case above relies on this exact checksummed form.
    assert_eq!(
        address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").to_checksum(None),
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    );
}
