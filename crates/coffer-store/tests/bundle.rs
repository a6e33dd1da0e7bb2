//! Offline bundles: round trips, every tampering case, strict parsing, atomic writes, importing.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;

use alloy_primitives::{B256, Bytes, U256};
use coffer_core::{SECP256K1N, SafeSignature, SignatureKind, domain_separator};
use coffer_store::{BUNDLE_VERSION, Bundle, Error, ProposalMeta, Store};
use common::*;
use serde_json::{Value, json};

/// A store holding `tx(3)` with batch metadata, signed by owners 1 (EIP-712) and 2 (eth_sign).
fn signed_store(dir: &Path) -> (Store, B256) {
    let store = Store::open(dir).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(3), &batch_meta()).unwrap();
    store.add_signature(h, &sign_712(&key(1), h)).unwrap();
    store.add_signature(h, &sign_eth(&key(2), h)).unwrap();
    (store, h)
}

fn bundle_value(dir: &Path) -> (Value, B256) {
    let (store, h) = signed_store(dir);
    let text = store.export_bundle(h).unwrap().to_json().unwrap();
    (serde_json::from_str(&text).unwrap(), h)
}

fn parse(v: &Value) -> coffer_store::Result<Bundle> {
    Bundle::from_json(&serde_json::to_string_pretty(v).unwrap(), "test.json")
}

#[test]
fn export_write_read_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(tmp.path());
    let bundle = store.export_bundle(h).unwrap();
    bundle.verify().unwrap();
    let file = tmp.path().join("out/../tx.json");
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    bundle.write_atomic(&file).unwrap();
    let back = Bundle::read(&file).unwrap();
    assert_eq!(back, bundle);
    back.verify().unwrap();
    assert_eq!(back.safe_tx_hash(), h);
    assert_eq!(back.signatures, store.signatures(h).unwrap());
    assert_eq!(back.meta, Some(batch_meta()));
    // Writing the read bundle gives the same bytes.
    assert_eq!(back.to_json().unwrap(), std::fs::read_to_string(&file).unwrap());
}

#[test]
fn the_json_shape_is_the_documented_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, h) = bundle_value(tmp.path());
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "format",
            "version",
            "chainId",
            "safe",
            "safeVersion",
            "tx",
            "hashes",
            "signatures",
            "meta"
        ]
    );
    assert_eq!(v["format"], "coffer-bundle");
    assert_eq!(v["version"], BUNDLE_VERSION);
    assert_eq!(v["chainId"], 31337);
    assert_eq!(v["safe"], SAFE.to_checksum(None));
    assert_eq!(v["safeVersion"], "1.4.1");
    let t = tx(3);
    assert_eq!(
        v["tx"],
        json!({
            "to": TOKEN.to_checksum(None),
            "value": t.value.to_string(),
            "data": t.data.to_string(),
            "operation": 0,
            "safeTxGas": "123456",
            "baseGas": "7",
            "gasPrice": "1000000007",
            "gasToken": "0x3333333333333333333333333333333333333333",
            "refundReceiver": "0x4444444444444444444444444444444444444444",
            "nonce": "3",
        })
    );
    assert_eq!(
        v["hashes"],
        json!({
            "domainSeparator": domain_separator(&ctx()).to_string(),
            "safeTxStructHash": t.struct_hash().to_string(),
            "safeTxHash": h.to_string(),
        })
    );
    let sigs = v["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["owner"], owner(1).to_checksum(None));
    assert_eq!(sigs[0]["kind"], "eip712");
    assert_eq!(sigs[0]["signature"], sign_712(&key(1), h).to_bytes().to_string());
    assert_eq!(sigs[1]["kind"], "eth_sign");
    assert_eq!(sigs[1]["signature"].as_str().unwrap().len(), 2 + 130);
    assert_eq!(v["meta"]["batch"]["rows"][0]["line"], 2);
    // Addresses are written with their EIP-55 checksum (owner(9) has mixed case).
    assert_ne!(owner(9).to_checksum(None), owner(9).to_checksum(None).to_lowercase());
    assert_eq!(v["meta"]["batch"]["rows"][0]["receiver"], owner(9).to_checksum(None));
    assert_eq!(v["meta"]["batch"]["rows"][1]["token"], Value::Null);
    assert_eq!(v["meta"]["label"], "March payroll, chunk 1 of 2");
}

#[test]
fn approved_hash_and_contract_signatures_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    let a = SafeSignature::approved_hash(owner(5));
    let c = SafeSignature::contract(owner(6), Bytes::from(vec![1, 2, 3]));
    store.add_signature(h, &a).unwrap();
    store.add_signature(h, &c).unwrap();
    let bundle = store.export_bundle(h).unwrap();
    assert_eq!(bundle.meta, None);
    let text = bundle.to_json().unwrap();
    assert!(!text.contains("\"meta\""), "{text}");
    let back = Bundle::from_json(&text, "x.json").unwrap();
    assert_eq!(back.signatures, vec![a, c]);
    back.verify().unwrap();
}

#[test]
fn an_edited_tx_field_is_a_safe_tx_struct_hash_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let edits: [(&str, Value); 10] = [
        ("to", json!(owner(7).to_string())),
        ("value", json!("1")),
        ("data", json!("0x")),
        ("operation", json!(1)),
        ("safeTxGas", json!("0")),
        ("baseGas", json!("0")),
        ("gasPrice", json!("0")),
        ("gasToken", json!("0x0000000000000000000000000000000000000000")),
        ("refundReceiver", json!("0x0000000000000000000000000000000000000000")),
        ("nonce", json!("4")),
    ];
    for (field, value) in edits {
        let mut e = v.clone();
        e["tx"][field] = value;
        let bundle = parse(&e).unwrap();
        let err = bundle.verify().unwrap_err();
        assert!(
            matches!(&err, Error::BundleHashMismatch { which: "safeTxStructHash", computed, .. }
                if *computed == bundle.tx.struct_hash()),
            "{field}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.starts_with("bundle hash mismatch: safeTxStructHash is stated as"), "{msg}");
        assert!(
            msg.contains("a field of tx was edited") && msg.contains("Do not sign it"),
            "{msg}"
        );
        // Adding a signature to it is refused too.
        let mut b = bundle.clone();
        let err = b.add_signature(sign_712(&key(3), b.safe_tx_hash())).unwrap_err();
        assert!(matches!(err, Error::BundleHashMismatch { .. }));
    }
}

#[test]
fn an_edited_domain_is_a_domain_separator_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    for (field, value) in [
        ("chainId", json!(1)),
        ("safe", json!(owner(7).to_string())),
        ("safeVersion", json!("1.2.0")),
    ] {
        let mut e = v.clone();
        e[field] = value;
        let err = parse(&e).unwrap().verify().unwrap_err();
        assert!(
            matches!(err, Error::BundleHashMismatch { which: "domainSeparator", .. }),
            "{field}"
        );
        assert!(err.to_string().contains("chainId, safe or safeVersion was edited"));
    }
    // 1.3.0 and 1.4.1 share the domain: changing between them is not a hash change.
    let mut e = v.clone();
    e["safeVersion"] = json!("1.3.0");
    parse(&e).unwrap().verify().unwrap();
}

#[test]
fn an_edited_stated_hash_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, h) = bundle_value(tmp.path());
    let mut e = v.clone();
    e["hashes"]["safeTxHash"] = json!(B256::repeat_byte(9).to_string());
    let err = parse(&e).unwrap().verify().unwrap_err();
    assert!(matches!(err, Error::BundleHashMismatch { which: "safeTxHash", stated, computed, .. }
            if stated == B256::repeat_byte(9) && computed == h));
    assert!(err.to_string().contains("the stated safeTxHash was edited"));
}

#[test]
fn an_edited_field_with_rewritten_hashes_fails_on_the_signatures() {
    // An attacker who edits a field and rewrites all three hashes consistently: the old signatures no longer
    // verify, and the signer is named.
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let mut bundle = parse(&v).unwrap();
    bundle.tx.value = U256::from(1);
    bundle.hashes = coffer_store::BundleHashes::compute(&bundle.ctx, &bundle.tx);
    let err = bundle.verify().unwrap_err();
    assert!(matches!(&err, Error::InvalidSignature { owner: o, .. } if *o == owner(1)), "{err:?}");
    assert!(err.to_string().starts_with(&format!("the signature by {} does not verify", owner(1))));
}

#[test]
fn edited_signatures_are_rejected_naming_the_signer() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let sig_hex = v["signatures"][0]["signature"].as_str().unwrap().to_owned();
    let bytes = alloy_primitives::hex::decode(&sig_hex).unwrap();

    // A flipped bit in r.
    let mut r_edit = bytes.clone();
    r_edit[5] ^= 1;
    // v 27 <-> 28.
    let mut v_edit = bytes.clone();
    v_edit[64] = if v_edit[64] == 27 { 28 } else { 27 };
    // The high-s twin (same signer, malleated).
    let s = U256::from_be_slice(&bytes[32..64]);
    let mut high_s = bytes.clone();
    high_s[32..64].copy_from_slice(&(SECP256K1N - s).to_be_bytes::<32>());
    high_s[64] = if high_s[64] == 27 { 28 } else { 27 };

    for (what, edited) in [("r", r_edit), ("v", v_edit), ("high-s", high_s)] {
        let mut e = v.clone();
        e["signatures"][0]["signature"] = json!(Bytes::from(edited).to_string());
        let err = parse(&e).unwrap().verify().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSignature { owner: o, .. } if *o == owner(1)),
            "{what}: {err:?}"
        );
        assert!(err.to_string().contains(&owner(1).to_string()), "{what}: {err}");
        if what == "high-s" {
            assert!(err.to_string().contains("high-s"), "{err}");
        }
    }

    // The owner field changed to another address.
    let mut e = v.clone();
    e["signatures"][0]["owner"] = json!(owner(7).to_string());
    let err = parse(&e).unwrap().verify().unwrap_err();
    assert!(matches!(&err, Error::InvalidSignature { owner: o, .. } if *o == owner(7)), "{err:?}");
    assert!(err.to_string().contains(&format!("recovers to {}", owner(1))), "{err}");
}

#[test]
fn malformed_signature_entries_are_refused_when_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let sig = v["signatures"][0]["signature"].as_str().unwrap().to_owned();
    let v_byte = u8::from_str_radix(&sig[sig.len() - 2..], 16).unwrap();
    let eth_sign_msg = format!("v = {v_byte}, but eth_sign signatures have v = 31 or 32");
    let cases: [(&str, Value, &str); 5] = [
        (
            "kind",
            json!("eoa"),
            "unknown kind; expected one of eip712, eth_sign, approved_hash, contract",
        ),
        ("kind", json!("eth_sign"), &eth_sign_msg),
        (
            "signature",
            json!(&sig[..sig.len() - 2]),
            "64 bytes, but a signature is at least 65 bytes",
        ),
        ("signature", json!(format!("{sig}00")), "66 bytes, expected 65"),
        (
            "signature",
            json!(format!("{}1d", &sig[..sig.len() - 2])),
            "v = 29, but eip712 signatures have v = 27 or 28",
        ),
    ];
    for (field, value, expect) in cases {
        let mut e = v.clone();
        e["signatures"][0][field] = value;
        let err = parse(&e).unwrap_err();
        assert!(matches!(err, Error::BundleField { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("bundle test.json: signature 0 (owner {}", owner(1))),
            "{msg}"
        );
        assert!(msg.contains(expect), "{msg}");
    }
}

#[test]
fn duplicate_signatures_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, h) = bundle_value(tmp.path());
    let mut bundle = parse(&v).unwrap();
    let err = bundle.add_signature(sign_712(&key(1), h)).unwrap_err();
    assert!(matches!(&err, Error::DuplicateSignature { owner: o, .. } if *o == owner(1)));
    assert_eq!(
        err.to_string(),
        format!("{} has already signed {h}; a Safe counts each owner once", owner(1))
    );
    // A duplicated entry in the file itself.
    let mut e = v.clone();
    let first = e["signatures"][0].clone();
    e["signatures"].as_array_mut().unwrap().push(first);
    let err = parse(&e).unwrap().verify().unwrap_err();
    assert!(matches!(&err, Error::DuplicateSignature { owner: o, .. } if *o == owner(1)));
    // A new owner is accepted, and a wrong signature is not.
    bundle.add_signature(sign_712(&key(3), h)).unwrap();
    let wrong = sign_712(&key(4), tx(0).safe_tx_hash(&ctx()));
    let err = bundle.add_signature(wrong).unwrap_err();
    assert!(matches!(&err, Error::InvalidSignature { owner: o, .. } if *o == owner(4)));
    assert_eq!(bundle.signatures.len(), 3);
    bundle.verify().unwrap();
}

#[test]
fn truncated_files_are_reported_with_file_and_position() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(tmp.path());
    let text = store.export_bundle(h).unwrap().to_json().unwrap();
    let body = text.trim_end().len(); // cutting only the final newline leaves valid JSON
    let file = tmp.path().join("cut.json");
    let mut checked = 0;
    for cut in (0..body).step_by(23).chain([body - 1]) {
        std::fs::write(&file, &text[..cut]).unwrap();
        let err = Bundle::read(&file).unwrap_err();
        let Error::BundleJson { path, line, .. } = &err else { panic!("cut {cut}: {err:?}") };
        assert_eq!(path, &file);
        assert!(*line >= 1);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("bundle {} is not valid JSON: ", file.display())),
            "{msg}"
        );
        if cut > 0 {
            assert!(msg.contains("the file ends early"), "cut {cut}: {msg}");
            assert!(msg.contains("looks truncated"), "cut {cut}: {msg}");
        }
        checked += 1;
    }
    assert!(checked > 20);
}

#[test]
fn invalid_json_is_reported_with_its_position() {
    let err =
        Bundle::from_json("{\n  \"format\": \"coffer-bundle\",\n  oops\n}", "b.json").unwrap_err();
    assert!(matches!(err, Error::BundleJson { line: 3, column: 3, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "bundle b.json is not valid JSON: key must be a string at line 3, column 3"
    );
}

#[test]
fn wrong_format_or_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let mut e = v.clone();
    e["format"] = json!("safe-tx");
    let err = parse(&e).unwrap_err();
    assert!(matches!(&err, Error::BundleFormat { found, .. } if found == "\"safe-tx\""));
    assert!(err.to_string().contains("coffer tx export HASH -o FILE"), "{err}");
    e.as_object_mut().unwrap().remove("format");
    assert!(matches!(parse(&e), Err(Error::BundleFormat { found, .. }) if found == "missing"));
    let err = Bundle::from_json("[1, 2]", "a.json").unwrap_err();
    assert!(err.to_string().contains("the file holds a JSON array"), "{err}");

    let mut e = v.clone();
    e["version"] = json!(2);
    let err = parse(&e).unwrap_err();
    assert!(matches!(&err, Error::BundleVersion { found, supported: 1, .. } if found == "2"));
    assert_eq!(
        err.to_string(),
        "bundle test.json has version 2, but this coffer reads version 1 only; use the coffer that wrote it, \
         or upgrade"
    );
    e["version"] = json!("1");
    assert!(matches!(parse(&e), Err(Error::BundleVersion { found, .. }) if found == "\"1\""));
    e.as_object_mut().unwrap().remove("version");
    assert!(matches!(parse(&e), Err(Error::BundleVersion { found, .. }) if found == "missing"));
}

#[test]
fn missing_unknown_and_malformed_fields_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (v, _) = bundle_value(tmp.path());
    let field_err = |e: &Value| {
        let err = parse(e).unwrap_err();
        assert!(matches!(err, Error::BundleField { .. }), "{err:?}");
        err.to_string()
    };
    let mut e = v.clone();
    e["signature"] = json!([]);
    let msg = field_err(&e);
    assert!(
        msg.starts_with("bundle test.json: unknown field `signature`, expected one of"),
        "{msg}"
    );
    assert!(msg.contains(" at line "), "{msg}");

    let mut e = v.clone();
    e.as_object_mut().unwrap().remove("hashes");
    assert!(field_err(&e).contains("missing field `hashes`"));

    let mut e = v.clone();
    e["tx"].as_object_mut().unwrap().remove("nonce");
    assert_eq!(field_err(&e), "bundle test.json: missing field `tx.nonce`");

    let mut e = v.clone();
    e["tx"]["gas"] = json!("1");
    assert!(
        field_err(&e)
            .starts_with("bundle test.json: unknown field `tx.gas`, expected one of to, value")
    );

    let mut e = v.clone();
    e["tx"]["value"] = json!("-1");
    assert!(field_err(&e).contains("field `tx`"));

    let mut e = v.clone();
    e["tx"]["operation"] = json!(2);
    assert!(field_err(&e).contains("invalid operation 2"));

    let mut e = v.clone();
    e["safeVersion"] = json!("9.9.9");
    assert!(field_err(&e).contains("unknown Safe version \"9.9.9\""));

    let mut e = v.clone();
    e["meta"]["colour"] = json!("red");
    assert!(field_err(&e).contains("unknown field `colour`"));

    let mut e = v.clone();
    e["hashes"]["safeTxHash"] = json!("0x1234");
    assert!(field_err(&e).contains("line"));
}

#[test]
fn write_atomic_leaves_no_temporary_file_and_replaces_whole_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(tmp.path());
    let dir = tmp.path().join("bundles");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("tx.json");
    std::fs::write(&file, "old content that is not a bundle").unwrap();
    let mut bundle = store.export_bundle(h).unwrap();
    bundle.write_atomic(&file).unwrap();
    bundle.add_signature(sign_712(&key(3), h)).unwrap();
    bundle.write_atomic(&file).unwrap();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["tx.json"]);
    assert_eq!(Bundle::read(&file).unwrap(), bundle);

    // A directory that does not exist: an error naming it, and no file anywhere.
    let missing = tmp.path().join("nope/tx.json");
    let err = bundle.write_atomic(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().starts_with(&format!(
        "could not create a temporary file in {}",
        tmp.path().join("nope").display()
    )));
    assert!(!tmp.path().join("nope").exists());

    // The target is a directory: rename fails, and the temporary file is cleaned up.
    let target_dir = dir.join("is-a-dir");
    std::fs::create_dir(&target_dir).unwrap();
    std::fs::write(target_dir.join("keep"), "x").unwrap();
    let err = bundle.write_atomic(&target_dir).unwrap_err();
    assert!(err.to_string().starts_with("could not replace bundle"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["is-a-dir", "tx.json"]);
}

/// A reader polling the file while a writer rewrites it with bundles of different sizes never sees a partial
/// file: every read parses and verifies.
#[test]
fn readers_never_see_a_partial_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(tmp.path());
    let small = store.export_bundle(h).unwrap();
    let mut big = small.clone();
    let mut meta = big.meta.clone().unwrap();
    let rows = meta.batch.as_ref().unwrap().rows.clone();
    meta.batch.as_mut().unwrap().rows = rows.iter().cycle().take(300).cloned().collect();
    big.meta = Some(meta);
    let file = tmp.path().join("shared.json");
    small.write_atomic(&file).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let file = file.clone();
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let mut reads = 0u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads < 50 {
                let b = Bundle::read(&file).unwrap();
                b.verify().unwrap();
                reads += 1;
            }
            reads
        })
    };
    for i in 0..30 {
        if i % 2 == 0 { &big } else { &small }.write_atomic(&file).unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() >= 50);
}

#[test]
fn import_merges_signatures_and_reports_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(&tmp.path().join("proposer"));
    let mut bundle = store.export_bundle(h).unwrap();
    // Another machine with an empty store: the import creates the proposal with its metadata.
    let other = Store::open(tmp.path().join("signer")).unwrap();
    let report = other.import_bundle(&bundle, None).unwrap();
    assert!(report.proposal_created);
    assert_eq!(report.hash, h);
    assert_eq!(report.added, [owner(1), owner(2)]);
    assert!(report.duplicates.is_empty());
    assert_eq!(other.proposal(h).unwrap().meta, batch_meta());

    // Owner 3 signs offline; the proposer imports it back.
    bundle.add_signature(sign_712(&key(3), h)).unwrap();
    let owners = [owner(1), owner(2), owner(3)];
    let report = store.import_bundle(&bundle, Some(&owners)).unwrap();
    assert!(!report.proposal_created);
    assert_eq!(report.added, [owner(3)]);
    assert_eq!(report.duplicates, [owner(1), owner(2)]);
    assert_eq!(store.signatures(h).unwrap().len(), 3);
    // Importing again adds nothing.
    let report = store.import_bundle(&bundle, Some(&owners)).unwrap();
    assert!(report.added.is_empty());
    assert_eq!(report.duplicates.len(), 3);
}

fn snapshot(store: &Store, h: B256) -> (usize, Vec<SafeSignature>) {
    (store.proposals().unwrap().len(), store.signatures(h).unwrap_or_default())
}

#[test]
fn import_rejects_non_owners_and_bad_signatures_without_changing_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, h) = signed_store(tmp.path());
    let mut bundle = store.export_bundle(h).unwrap();
    bundle.add_signature(sign_712(&key(3), h)).unwrap();
    bundle.add_signature(sign_712(&key(7), h)).unwrap();
    let before = snapshot(&store, h);

    let owners = [owner(1), owner(2), owner(3)];
    let err = store.import_bundle(&bundle, Some(&owners)).unwrap_err();
    assert!(
        matches!(&err, Error::NotAnOwner { owner: o, safe, .. } if *o == owner(7) && *safe == SAFE)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{} signed {h} but is not an owner of Safe {SAFE}; the Safe would reject the signature \
             (ask an owner to sign instead)",
            owner(7)
        )
    );
    assert_eq!(snapshot(&store, h), before);

    // A signature that does not verify: rejected, naming the signer, nothing written.
    let mut bad = bundle.clone();
    bad.signatures.pop();
    let SignatureKind::Eip712 { r, s, v } = bad.signatures[2].kind.clone() else { panic!() };
    bad.signatures[2].kind = SignatureKind::Eip712 { r: r ^ U256::from(1), s, v };
    let err = store.import_bundle(&bad, Some(&owners)).unwrap_err();
    assert!(matches!(&err, Error::InvalidSignature { owner: o, .. } if *o == owner(3)), "{err:?}");
    assert_eq!(snapshot(&store, h), before);

    // A tampered field: refused before anything is written, even into an empty store.
    let empty = Store::open(tmp.path().join("empty")).unwrap();
    let mut edited = bundle.clone();
    edited.tx.nonce = U256::from(77);
    let err = empty.import_bundle(&edited, None).unwrap_err();
    assert!(matches!(err, Error::BundleHashMismatch { which: "safeTxStructHash", .. }));
    assert!(empty.proposals().unwrap().is_empty());
}

/// The example in README.md is a real bundle: it parses, verifies, and coffer writes it byte for byte.
#[test]
fn the_readme_example_is_a_valid_bundle() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").unwrap() + "```json\n".len();
    let end = start + readme[start..].find("```\n").unwrap();
    let example = &readme[start..end];
    let bundle = Bundle::from_json(example, "README.md").unwrap();
    bundle.verify().unwrap();
    assert_eq!(bundle.to_json().unwrap(), example);
    assert_eq!(bundle.signatures.len(), 2);
    assert_eq!(bundle.signatures[0].owner, owner(1));
    assert_eq!(bundle.signatures[1].owner, owner(2));
}

/// `check_meta` on a payout-plan approval: the reference's root and chunk count, and the counts a
/// coffer label states, must be what the calldata approves.
#[test]
fn plan_metadata_is_checked_against_the_approval() {
    use alloy_primitives::Address;
    use coffer_core::{SafeTx, TokenCap, approve_plan_calldata};
    use coffer_store::PayoutPlanRef;

    let root = B256::repeat_byte(0x42);
    let module = Address::repeat_byte(0x77);
    let caps = [TokenCap { token: Address::ZERO, amount: U256::from(10u64) }];
    let data = approve_plan_calldata(root, 12, 1_900_000_000, 7, &caps);
    let meta = |root: B256, chunks: u64, label: &str| ProposalMeta {
        label: Some(label.to_owned()),
        payout_plan: Some(PayoutPlanRef { root, chunks: Some(chunks), payouts: Some(1200) }),
        ..ProposalMeta::default()
    };
    let bundle = |m: ProposalMeta| {
        Bundle::new(ctx(), SafeTx::call(module, U256::ZERO, data.clone(), U256::ZERO), &[], Some(m))
            .unwrap()
    };
    let no_decimals = |_: Address| None;
    let honest = "payout plan pay.csv: 1200 payouts in 12 chunks";
    bundle(meta(root, 12, honest)).check_meta(no_decimals).unwrap();
    for (m, needle) in [
        (meta(B256::repeat_byte(0x43), 12, honest), "neither approves nor revokes"),
        (meta(root, 13, honest), "has 13 chunks, the calldata approves 12"),
        (meta(root, 12, "payout plan pay.csv: 1200 payouts in 3 chunks"), "says 3 chunks"),
    ] {
        match bundle(m).check_meta(no_decimals) {
            Err(e @ Error::MetaMismatch { .. }) => {
                assert!(e.to_string().contains(needle), "{e}")
            }
            other => panic!("expected MetaMismatch ({needle}), got {other:?}"),
        }
    }
}
