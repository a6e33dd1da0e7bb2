//! The SQLite store on real files in temporary directories.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::{
    path::Path,
    sync::{Arc, Barrier},
};

use alloy_primitives::{Address, B256, Bytes, U256};
use coffer_core::{SafeSignature, SafeTxContext, SafeVersion};
use coffer_store::{Error, ProposalMeta, ProposalStatus, SCHEMA_VERSION, STORE_FILE, Store};
use common::*;

fn raw(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(STORE_FILE)).unwrap()
}

fn count(dir: &Path, table: &str) -> i64 {
    raw(dir).query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn open_creates_a_wal_database_with_the_current_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/data");
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.path(), dir.join("coffer.sqlite3"));
    assert!(store.path().is_file());
    let conn = raw(&dir);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    drop(store);
    // Opening again keeps the data and does not migrate twice.
    let store = Store::open(&dir).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    drop(store);
    assert_eq!(Store::open(&dir).unwrap().proposal(h).unwrap().tx, tx(0));
}

#[test]
fn proposal_round_trips_every_field_and_its_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let mut t = tx(5);
    t.value = U256::MAX;
    t.nonce = U256::MAX - U256::from(1);
    t.operation = coffer_core::Operation::DelegateCall;
    let meta = batch_meta();
    let hash = store.insert_proposal(&ctx(), &t, &meta).unwrap();
    assert_eq!(hash, t.safe_tx_hash(&ctx()));
    let p = store.proposal(hash).unwrap();
    assert_eq!(p.hash, hash);
    assert_eq!(p.ctx, ctx());
    assert_eq!(p.tx, t);
    assert_eq!(p.meta, meta);
    assert_eq!(p.status, ProposalStatus::Pending);
    assert!(p.created_at_ms > 1_600_000_000_000);

    // Label and origin are columns; the rest is JSON.
    let (label, json): (String, String) = raw(tmp.path())
        .query_row("SELECT label, meta FROM proposals", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(label, "March payroll, chunk 1 of 2");
    assert!(json.contains("\"rows\""), "{json}");
    assert!(!json.contains("March payroll"), "{json}");
}

#[test]
fn inserting_the_same_proposal_twice_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let a = store.insert_proposal(&ctx(), &tx(1), &ProposalMeta::labelled("first")).unwrap();
    let b = store.insert_proposal(&ctx(), &tx(1), &ProposalMeta::labelled("second")).unwrap();
    assert_eq!(a, b);
    assert_eq!(count(tmp.path(), "proposals"), 1);
    assert_eq!(store.proposal(a).unwrap().meta.label.as_deref(), Some("first"));
}

#[test]
fn a_legacy_safe_on_two_chains_is_a_named_hash_conflict() {
    // Before 1.3.0 the domain has no chain id: the same Safe address on two chains gives the same hash.
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let c1 = SafeTxContext::new(1, SAFE, SafeVersion::V1_2_0);
    let c2 = SafeTxContext::new(5, SAFE, SafeVersion::V1_2_0);
    let h = store.insert_proposal(&c1, &tx(0), &ProposalMeta::default()).unwrap();
    assert_eq!(h, tx(0).safe_tx_hash(&c2));
    let err = store.insert_proposal(&c2, &tx(0), &ProposalMeta::default()).unwrap_err();
    assert!(matches!(err, Error::HashConflict { hash, .. } if hash == h), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("stored for chain 1") && msg.contains("now given chain 5"), "{msg}");
    assert!(msg.contains("--data-dir"), "{msg}");
    assert_eq!(store.proposal(h).unwrap().ctx, c1);
}

#[test]
fn proposals_for_a_safe_are_ordered_by_nonce_then_creation() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let none = ProposalMeta::default();
    let n10 = store.insert_proposal(&ctx(), &tx(10), &none).unwrap();
    let n2a = store.insert_proposal(&ctx(), &tx(2), &none).unwrap();
    let n9 = store.insert_proposal(&ctx(), &tx(9), &none).unwrap();
    let mut conflict = tx(2);
    conflict.data = Bytes::new();
    let n2b = store.insert_proposal(&ctx(), &conflict, &none).unwrap();
    let n100 = store.insert_proposal(&ctx(), &tx(100), &none).unwrap();
    // Other Safes and chains are not listed.
    let other_safe = SafeTxContext::new(31337, TOKEN, SafeVersion::V1_4_1);
    store.insert_proposal(&other_safe, &tx(3), &none).unwrap();
    store
        .insert_proposal(&SafeTxContext::new(1, SAFE, SafeVersion::V1_4_1), &tx(3), &none)
        .unwrap();

    let list: Vec<B256> =
        store.proposals_for_safe(31337, SAFE).unwrap().into_iter().map(|p| p.hash).collect();
    assert_eq!(list, vec![n2a, n2b, n9, n10, n100]);
    assert_eq!(store.proposals().unwrap().len(), 7);
    assert!(store.proposals_for_safe(31337, owner(1)).unwrap().is_empty());
}

#[test]
fn next_nonce_follows_the_pending_queue() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let none = ProposalMeta::default();
    assert_eq!(store.next_nonce(31337, SAFE, U256::from(4)).unwrap(), U256::from(4));
    store.insert_proposal(&ctx(), &tx(4), &none).unwrap();
    let h5 = store.insert_proposal(&ctx(), &tx(5), &none).unwrap();
    store.insert_proposal(&ctx(), &tx(1), &none).unwrap(); // stale, below the chain nonce
    assert_eq!(store.next_nonce(31337, SAFE, U256::from(4)).unwrap(), U256::from(6));
    store.mark_executed(h5, B256::repeat_byte(1)).unwrap();
    assert_eq!(store.next_nonce(31337, SAFE, U256::from(4)).unwrap(), U256::from(5));
    assert_eq!(store.next_nonce(31337, SAFE, U256::from(9)).unwrap(), U256::from(9));
}

#[test]
fn signatures_are_verified_stored_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    let s1 = sign_712(&key(1), h);
    let s2 = sign_eth(&key(2), h);
    let s3 = SafeSignature::approved_hash(owner(3));
    let s4 = SafeSignature::contract(owner(4), Bytes::from(vec![0xde, 0xad, 0xbe, 0xef, 0x01]));
    for s in [&s1, &s2, &s3, &s4] {
        store.add_signature(h, s).unwrap();
    }
    assert_eq!(store.signatures(h).unwrap(), vec![s1, s2, s3, s4]);
    let kinds: Vec<String> = {
        let conn = raw(tmp.path());
        let mut st = conn.prepare("SELECT kind FROM signatures ORDER BY rowid").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(kinds, ["eip712", "eth_sign", "approved_hash", "contract"]);
}

#[test]
fn a_signature_for_another_hash_is_rejected_naming_the_signer() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    let other = tx(1).safe_tx_hash(&ctx());
    // Signed the wrong transaction, but claims to be owner 1.
    let mut sig = sign_712(&key(1), other);
    let err = store.add_signature(h, &sig).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSignature { owner: o, hash, .. } if *o == owner(1) && *hash == h)
    );
    let msg = err.to_string();
    assert!(msg.contains(&owner(1).to_string()) && msg.contains(&h.to_string()), "{msg}");
    assert!(msg.contains("sign again"), "{msg}");
    // A valid signature attributed to someone else.
    sig = sign_712(&key(1), h);
    sig.owner = owner(2);
    let err = store.add_signature(h, &sig).unwrap_err();
    assert!(err.to_string().contains(&format!("recovers to {}", owner(1))), "{err}");
    assert!(err.to_string().contains(&format!("signature by {}", owner(2))), "{err}");
    assert_eq!(count(tmp.path(), "signatures"), 0);
}

#[test]
fn a_second_signature_by_the_same_owner_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    store.add_signature(h, &sign_712(&key(1), h)).unwrap();
    // Same owner, other kind: still a duplicate.
    let err = store.add_signature(h, &sign_eth(&key(1), h)).unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateSignature { owner: o, .. } if *o == owner(1)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{} has already signed {h}; a Safe counts each owner once", owner(1))
    );
    assert_eq!(store.signatures(h).unwrap(), vec![sign_712(&key(1), h)]);
}

#[test]
fn unknown_hashes_are_named_with_the_store_path_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = B256::repeat_byte(0xab);
    let expect = format!(
        "no proposal {h} in {}; list them with `coffer tx list SAFE`",
        tmp.path().join("coffer.sqlite3").display()
    );
    for err in [
        store.proposal(h).unwrap_err(),
        store.signatures(h).unwrap_err(),
        store.add_signature(h, &sign_712(&key(1), h)).unwrap_err(),
        store.remove_proposal(h).unwrap_err(),
        store.mark_executed(h, h).unwrap_err(),
        store.status(h).unwrap_err(),
        store.export_bundle(h).unwrap_err(),
    ] {
        assert!(matches!(err, Error::UnknownProposal { hash, .. } if hash == h));
        assert_eq!(err.to_string(), expect);
    }
    assert!(!store.contains(h).unwrap());
}

#[test]
fn remove_deletes_the_proposal_and_its_signatures() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    let keep = store.insert_proposal(&ctx(), &tx(1), &ProposalMeta::default()).unwrap();
    store.add_signature(h, &sign_712(&key(1), h)).unwrap();
    store.add_signature(keep, &sign_712(&key(1), keep)).unwrap();
    store.remove_proposal(h).unwrap();
    assert!(!store.contains(h).unwrap());
    assert_eq!(count(tmp.path(), "signatures"), 1);
    assert!(matches!(store.remove_proposal(h), Err(Error::UnknownProposal { .. })));
    assert_eq!(store.signatures(keep).unwrap().len(), 1);
}

#[test]
fn execution_is_recorded_once() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    assert_eq!(store.status(h).unwrap(), ProposalStatus::Pending);
    let eth_tx = B256::repeat_byte(0x51);
    store.mark_executed(h, eth_tx).unwrap();
    store.mark_executed(h, eth_tx).unwrap();
    let ProposalStatus::Executed { tx_hash, at_ms } = store.status(h).unwrap() else {
        panic!("not executed")
    };
    assert_eq!(tx_hash, eth_tx);
    assert!(at_ms > 0);
    let err = store.mark_executed(h, B256::repeat_byte(0x52)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("proposal {h} is already recorded as executed in transaction {eth_tx}")
    );
}

#[test]
fn hashes_resolve_from_unique_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let hashes: Vec<B256> = (0..40)
        .map(|n| store.insert_proposal(&ctx(), &tx(n), &ProposalMeta::default()).unwrap())
        .collect();
    let h = hashes[7];
    let full = h.to_string();
    assert_eq!(store.resolve(&full).unwrap(), h);
    assert_eq!(store.resolve(&full[2..]).unwrap(), h);
    assert_eq!(store.resolve(&full.to_uppercase().replace("0X", "0x")).unwrap(), h);
    // The shortest prefix that is unique among the 40.
    let short = (3..=66)
        .map(|n| &full[..n])
        .find(|p| hashes.iter().filter(|x| x.to_string().starts_with(p)).count() == 1)
        .unwrap();
    assert_eq!(store.resolve(short).unwrap(), h);
    // 40 hashes over 16 first digits: some digit is shared (pigeonhole).
    let shared = (0..16)
        .map(|d| format!("0x{d:x}"))
        .find(|p| hashes.iter().filter(|x| x.to_string().starts_with(p.as_str())).count() > 1)
        .unwrap();
    let n = hashes.iter().filter(|x| x.to_string().starts_with(shared.as_str())).count();
    let err = store.resolve(&shared).unwrap_err();
    assert!(matches!(&err, Error::AmbiguousPrefix { count, .. } if *count == n), "{err:?}");
    assert!(err.to_string().contains("give more hex digits"), "{err}");
    for bad in ["", "0x", "xyz", "0xg1", &"a".repeat(65)] {
        let err = store.resolve(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidHash { .. }), "{bad:?}: {err:?}");
    }
    let missing = B256::repeat_byte(0x11).to_string();
    assert!(matches!(store.resolve(&missing), Err(Error::UnknownProposal { .. })));
    let unknown_prefix = (0..=0xffffu32)
        .map(|n| format!("0x{n:04x}"))
        .find(|p| !hashes.iter().any(|x| x.to_string().starts_with(p.as_str())))
        .unwrap();
    let err = store.resolve(&unknown_prefix).unwrap_err();
    assert!(err.to_string().starts_with(&format!("no proposal matches {unknown_prefix} in ")));
}

#[test]
fn rows_edited_outside_coffer_are_reported_as_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let h = store.insert_proposal(&ctx(), &tx(0), &ProposalMeta::default()).unwrap();
    store.add_signature(h, &sign_712(&key(1), h)).unwrap();
    let conn = raw(tmp.path());

    conn.execute("UPDATE signatures SET owner = ?1", [format!("{:#x}", owner(2))]).unwrap();
    let err = store.signatures(h).unwrap_err();
    assert!(matches!(err, Error::Corrupt { hash, .. } if hash == h), "{err:?}");
    assert!(err.to_string().contains(&format!("stored signature by {} does not verify", owner(2))));

    conn.execute("UPDATE proposals SET value = '1'", []).unwrap();
    let err = store.proposal(h).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("its fields hash to"), "{err}");
    assert!(err.to_string().contains("coffer tx remove"), "{err}");

    conn.execute("UPDATE proposals SET value = 'ten'", []).unwrap();
    let err = store.proposals().unwrap_err();
    assert!(err.to_string().contains("column value = \"ten\" does not parse"), "{err}");
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Store::open(tmp.path()).unwrap());
    raw(tmp.path()).pragma_update(None, "user_version", 99).unwrap();
    let err = Store::open(tmp.path()).unwrap_err();
    assert!(matches!(err, Error::SchemaTooNew { found: 99, supported: SCHEMA_VERSION, .. }));
    assert!(err.to_string().contains("upgrade coffer"), "{err}");
    let v: i64 = raw(tmp.path()).query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 99);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(STORE_FILE);
    std::fs::write(&file, b"this is not a database, it is a text file of some length......")
        .unwrap();
    let err = Store::open(tmp.path()).unwrap_err();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not a coffer store (not an SQLite database); move it away or pass another --data-dir",
            file.display()
        )
    );
}

#[test]
fn a_data_dir_that_cannot_be_created_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let err = Store::open(blocker.join("sub")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().starts_with("could not create the data directory "), "{err}");
}

/// Threads, each with its own connection, open a fresh store at the same moment (racing the migration), then
/// insert proposals and sign one shared proposal. Nothing is lost and the file stays intact.
#[test]
fn concurrent_writers_on_one_file_lose_nothing() {
    const THREADS: u8 = 8;
    const EACH: u64 = 25;
    let tmp = tempfile::tempdir().unwrap();
    let dir = Arc::new(tmp.path().join("data"));
    let shared = tx(9999).safe_tx_hash(&ctx());
    let barrier = Arc::new(Barrier::new(usize::from(THREADS)));
    let handles: Vec<_> = (1..=THREADS)
        .map(|t| {
            let dir = Arc::clone(&dir);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let store = Store::open(dir.as_path()).unwrap();
                store.insert_proposal(&ctx(), &tx(9999), &ProposalMeta::default()).unwrap();
                for i in 0..EACH {
                    let nonce = u64::from(t) * 1000 + i;
                    let h = store
                        .insert_proposal(&ctx(), &tx(nonce), &ProposalMeta::default())
                        .unwrap();
                    store.add_signature(h, &sign_712(&key(t), h)).unwrap();
                }
                store.add_signature(shared, &sign_712(&key(t), shared)).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = Store::open(dir.as_path()).unwrap();
    assert_eq!(store.proposals().unwrap().len(), usize::from(THREADS) * EACH as usize + 1);
    let signers: std::collections::HashSet<Address> =
        store.signatures(shared).unwrap().into_iter().map(|s| s.owner).collect();
    assert_eq!(signers, (1..=THREADS).map(owner).collect());
    let ok: String = raw(&dir).query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

const CHILD_ENV: &str = "COFFER_STORE_TEST_CHILD_DIR";

/// Run by `concurrent_processes_lose_nothing` in child processes (ignored when run directly).
#[test]
#[ignore = "helper: runs only as a child process of concurrent_processes_lose_nothing"]
fn child_process_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let id: u64 = std::env::var("COFFER_STORE_TEST_CHILD_ID").unwrap().parse().unwrap();
    let store = Store::open(&dir).unwrap();
    for i in 0..30 {
        let h =
            store.insert_proposal(&ctx(), &tx(id * 1000 + i), &ProposalMeta::default()).unwrap();
        store.add_signature(h, &sign_712(&key(u8::try_from(id).unwrap()), h)).unwrap();
    }
}

/// Separate `coffer`-like processes (this test binary, re-run as children) write to one store at once.
#[test]
fn concurrent_processes_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (1..=4u64)
        .map(|id| {
            std::process::Command::new(&exe)
                .args(["--exact", "child_process_writer", "--ignored", "--nocapture"])
                .env(CHILD_ENV, tmp.path())
                .env("COFFER_STORE_TEST_CHILD_ID", id.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let store = Store::open(tmp.path()).unwrap();
    let all = store.proposals().unwrap();
    assert_eq!(all.len(), 120);
    for p in &all {
        assert_eq!(store.signatures(p.hash).unwrap().len(), 1);
    }
    let ok: String = raw(tmp.path()).query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn default_data_dir_ends_in_coffer() {
    // On this CI machine HOME is set, so a platform data dir exists.
    let dir = coffer_store::default_data_dir().unwrap();
    assert_eq!(dir.file_name().unwrap(), "coffer");
}

#[test]
fn a_relay_nonce_is_claimed_once_across_reopens_and_a_v1_store_is_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    drop(store);
    // A store written by the previous version (the schema before the relay table) is migrated on open.
    raw(tmp.path())
        .execute_batch(&format!(
            "DROP TABLE relay_sends; DROP TABLE safe_blocks; DROP TABLE drill_transfers; PRAGMA user_version = {};",
            SCHEMA_VERSION - 3
        ))
        .unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let safe = Address::repeat_byte(0x5a);
    let (h1, h2) = (B256::repeat_byte(1), B256::repeat_byte(2));
    assert_eq!(store.relay_claim(1, safe, U256::from(7)).unwrap(), None);
    assert!(store.claim_relay_nonce(1, safe, U256::from(7), h1).unwrap());
    assert!(!store.claim_relay_nonce(1, safe, U256::from(7), h2).unwrap(), "claimed twice");
    // Another nonce, chain or Safe is its own claim.
    assert!(store.claim_relay_nonce(1, safe, U256::from(8), h2).unwrap());
    assert!(store.claim_relay_nonce(2, safe, U256::from(7), h2).unwrap());
    assert!(store.claim_relay_nonce(1, Address::repeat_byte(1), U256::from(7), h2).unwrap());
    drop(store);
    let store = Store::open(tmp.path()).unwrap();
    assert!(!store.claim_relay_nonce(1, safe, U256::from(7), h2).unwrap(), "forgotten on reopen");
    assert_eq!(store.relay_claim(1, safe, U256::from(7)).unwrap(), Some(h1));
}

#[test]
fn a_safes_creation_block_is_cached_per_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let safe = Address::repeat_byte(0x5a);
    assert_eq!(store.safe_creation_block(1, safe).unwrap(), None);
    store.record_safe_creation_block(1, safe, 1234).unwrap();
    assert_eq!(store.safe_creation_block(1, safe).unwrap(), Some(1234));
    assert_eq!(store.safe_creation_block(2, safe).unwrap(), None, "another chain");
    assert_eq!(store.safe_creation_block(1, Address::repeat_byte(1)).unwrap(), None);
    store.record_safe_creation_block(1, safe, 99).unwrap();
    drop(store);
    let store = Store::open(tmp.path()).unwrap();
    assert_eq!(
        store.safe_creation_block(1, safe).unwrap(),
        Some(99),
        "replaced, and kept on reopen"
    );
}

#[test]
fn a_drill_transfer_is_kept_with_its_drill_across_reopens() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    let c = ctx();
    let challenge = store
        .insert_message(&c, &coffer_core::MessageContent::Text("drill challenge".into()))
        .unwrap();
    store.insert_drill(c.chain_id, c.safe, challenge).unwrap();
    let t = coffer_store::DrillTransfer {
        message_hash: challenge,
        safe_tx_hash: B256::repeat_byte(0x11),
        owner: Address::repeat_byte(0x22),
        amount: U256::from(10_000_000_000_000_000u64),
        out_tx_hash: B256::repeat_byte(0x33),
        back_tx_hash: B256::repeat_byte(0x44),
        owner_gas_paid: U256::from(123_456u64),
        verified_at_ms: 0,
    };
    store.record_drill_transfer(&t).unwrap();
    // Recording the same leg again replaces it: one row per drill and Safe transaction.
    store.record_drill_transfer(&t).unwrap();
    drop(store);
    let store = Store::open(tmp.path()).unwrap();
    let got = store.drill_transfers(c.chain_id, c.safe).unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].verified_at_ms > 0, "the store sets the time");
    assert_eq!(coffer_store::DrillTransfer { verified_at_ms: 0, ..got[0].clone() }, t);
    // Another Safe's drills are not mixed in.
    assert!(store.drill_transfers(c.chain_id, Address::repeat_byte(0x99)).unwrap().is_empty());
}
