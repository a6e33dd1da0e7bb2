//! Issue 18 through the real binary: the recovery sheet of a Safe with a module and a guard (the
//! PDF read back with `pdftotext`, its QR code decoded with `zbarimg` and compared with the JSON),
//! and a rebuild of a Safe on a second anvil with another chain id, at the same address, from
//! the sheet alone. A key drill of a 2-of-3 Safe where one owner signs on a Ledger and one does
//! not answer: the Safe's own verdict names the combination that works, and the history flags
//! the stale owner. The same drill with Trezors (a core model and a Trezor One) and a refusal on
//! the device.

#![allow(clippy::unwrap_used, clippy::panic)]

// The Ledger and the Trezor are coffer-signer's device doubles (no device, app image or Trezor
// emulator can run here), spoken to over the real Speculos TCP transport and the real Trezor
// emulator UDP link, as in crates/coffer-cli/tests/wallet.rs.
#[path = "../../crates/coffer-signer/tests/common/mod.rs"]
mod common;

use std::{process::Command, sync::Arc};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use coffer_chain::{
    guard::{
        allow_delegate_call_tx, allow_selector_tx, allow_target_tx, deploy_allowlist_guard,
        install_tx, parse_selector,
    },
    read_safe,
    test_utils::{Implementation, TestChain},
};
use coffer_e2e::{Cli, Run, key_hex};
use serde_json::Value;

fn tool(name: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed (script/bootstrap installs poppler-utils and zbar-tools): {e}")
    });
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The PDF's last page rendered (`pdftoppm`) and its QR code decoded (`zbarimg`), as JSON.
fn qr_of(pdf: &std::path::Path) -> Value {
    let pdf_s = pdf.to_str().unwrap();
    let info = String::from_utf8(tool("pdfinfo", &[pdf_s])).unwrap();
    let pages: String = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .unwrap()
        .trim_start_matches("Pages:")
        .trim()
        .to_owned();
    let png_base = pdf.with_extension("qr");
    let base_s = png_base.to_str().unwrap();
    tool(
        "pdftoppm",
        &["-r", "200", "-png", "-singlefile", "-f", &pages, "-l", &pages, pdf_s, base_s],
    );
    let png = format!("{base_s}.png");
    let decoded = String::from_utf8(tool("zbarimg", &["--raw", "-q", &png])).unwrap();
    serde_json::from_str(decoded.trim()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sheet_of_a_safe_with_a_module_and_a_guard_reads_back() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let safe = chain.create_test_safe(&suite, 3, 2).await.unwrap();
    let provider = chain.provider();
    let module = chain
        .deploy_contract(coffer_contracts::artifact("TestModule").unwrap(), &[])
        .await
        .unwrap();
    let guard = chain.deploy_test_guard().await.unwrap();
    let info = read_safe(provider, safe.address).await.unwrap();
    let tx = info.enable_module_tx(module, info.nonce).unwrap();
    safe.execute(provider, &tx, &[0, 1], chain.deployer()).await.unwrap();
    let info = read_safe(provider, safe.address).await.unwrap();
    let tx = info.set_guard_tx(guard, info.nonce).unwrap();
    safe.execute(provider, &tx, &[0, 1], chain.deployer()).await.unwrap();

    let cli = Cli::new(chain.endpoint());
    let owners = [chain.address(1), chain.address(2), chain.address(3)];
    let owners_file = cli.file("owners.json");
    std::fs::write(
        &owners_file,
        format!(
            r#"{{"owners": [
                {{"address": "{}", "label": "Alice (CFO)", "kind": "ledger", "path": "m/44'/60'/0'/0/0"}},
                {{"address": "{}", "label": "Bob", "kind": "keystore"}}
            ]}}"#,
            owners[0], owners[1]
        ),
    )
    .unwrap();
    let safe_s = safe.address.to_string();
    let of = owners_file.to_str().unwrap();
    let pdf = cli.file("sheet.pdf");
    let json_path = cli.file("sheet.json");
    let md = cli.file("sheet.md");
    for out in [&pdf, &json_path, &md] {
        cli.ok(&["safe", "sheet", &safe_s, "--owners-file", of, "-o", out.to_str().unwrap()]);
    }

    // The JSON: recomputed from the chain.
    let sheet: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(sheet["format"], "coffer-recovery-sheet/1");
    assert_eq!(sheet["chainId"], chain.chain_id());
    assert_eq!(sheet["safe"], safe_s);
    assert_eq!(sheet["threshold"], 2);
    assert_eq!(sheet["modules"][0]["address"], module.to_string());
    assert_eq!(sheet["modules"][0]["name"], "coffer TestModule");
    assert_eq!(sheet["guard"]["address"], guard.to_string());
    assert_eq!(sheet["guard"]["name"], "coffer TestGuard");
    assert_eq!(sheet["fallbackHandler"]["name"], "coffer CompatibilityFallbackHandler");
    assert_eq!(sheet["creation"]["factory"], suite.proxy_factory.to_string());
    assert_eq!(sheet["creation"]["singleton"], suite.safe_l2.to_string());
    assert_eq!(sheet["creation"]["saltNonce"], "0");
    assert_eq!(sheet["owners"][0]["label"], "Alice (CFO)");
    assert_eq!(sheet["owners"][0]["path"], "m/44'/60'/0'/0/0");
    assert_eq!(sheet["owners"][1]["kind"], "keystore");
    assert!(sheet["owners"][2].get("label").is_none());
    let init = sheet["creation"]["initializer"].as_str().unwrap();
    let expected = coffer_chain::setup_calldata(&owners, 2, suite.fallback_handler);
    assert_eq!(init, expected.to_string());

    // The PDF, read back as text.
    let text =
        String::from_utf8(tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])).unwrap();
    for needle in [
        safe_s.as_str(),
        &module.to_string(),
        &guard.to_string(),
        "coffer TestModule",
        "coffer TestGuard",
        &suite.proxy_factory.to_string(),
        "Alice (CFO)",
        "m/44'/60'/0'/0/0",
        "2 of 3 owners",
        "No seed phrase or private key is on this sheet",
        "coffer safe rebuild --sheet",
    ] {
        assert!(text.contains(needle), "the PDF's text lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("test test test"), "a seed phrase is on the sheet");
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.contains("Alice (CFO)") && md_text.contains(&guard.to_string()));

    // The PDF's last page, rendered and its QR code decoded: the sheet's JSON.
    assert_eq!(qr_of(&pdf), sheet, "the QR code does not hold the sheet's JSON");

    // A guard coffer cannot decode: the sheet says its settings could not be read.
    let unknown = "its settings could not be read";
    assert!(sheet["guard"]["settings"][0].as_str().unwrap().contains(unknown), "{sheet}");
    assert!(text.contains(unknown), "{text}");

    // coffer's allowlist guard with a delay of one hour: a target scoped to `transfer`, and a
    // library, in force after the delay; then the guard installed, and a target added after, still
    // pending. The sheet reads each back with its state (JSON, Markdown, PDF, QR).
    const DELAY: u64 = 3600;
    let allowlist =
        deploy_allowlist_guard(provider, chain.deployer(), safe.address, DELAY).await.unwrap();
    let token = chain.deploy_test_token().await.unwrap();
    let transfer = parse_selector("transfer(address,uint256)").unwrap();
    let payee = chain.address(8);
    let nonce = || async { read_safe(provider, safe.address).await.unwrap().nonce };
    let changes: [&dyn Fn(U256) -> coffer_core::SafeTx; 3] = [
        &|n| allow_target_tx(allowlist, token, false, false, n),
        &|n| allow_selector_tx(allowlist, token, transfer, n),
        &|n| allow_delegate_call_tx(allowlist, suite.multi_send, n),
    ];
    for change in changes {
        let tx = change(nonce().await);
        safe.execute(provider, &tx, &[0, 1], chain.deployer()).await.unwrap();
    }
    chain.advance_time(DELAY + 1).await.unwrap();
    let info = read_safe(provider, safe.address).await.unwrap();
    safe.execute(
        provider,
        &install_tx(&info, allowlist, info.nonce).unwrap(),
        &[0, 1],
        chain.deployer(),
    )
    .await
    .unwrap();
    let pending_tx = allow_target_tx(allowlist, payee, true, true, nonce().await);
    safe.execute(provider, &pending_tx, &[0, 1], chain.deployer()).await.unwrap();
    let now = chain.now().await.unwrap();
    let in_force = coffer_core::utc_timestamp(now + DELAY);
    for out in [&pdf, &json_path, &md] {
        cli.ok(&["safe", "sheet", &safe_s, "--owners-file", of, "-o", out.to_str().unwrap()]);
    }
    let sheet: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(sheet["guard"]["address"], allowlist.to_string());
    assert_eq!(sheet["guard"]["name"], "coffer CofferAllowlistGuard");
    let settings: Vec<&str> = sheet["guard"]["settings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let expected = [
        "allowlist guard: delay 3600 s".to_owned(),
        format!("target {token}: CALL active since "),
        format!("selector 0xa9059cbb on {token}: active since "),
        format!("library {} (DELEGATECALL): active since ", suite.multi_send),
        format!(
            "target {payee}: CALL PENDING until {in_force}; any function PENDING until {in_force}; ETH PENDING until {in_force}"
        ),
    ];
    for needle in &expected {
        assert!(
            settings.iter().any(|l| l.starts_with(needle.as_str())),
            "no {needle:?} in {settings:#?}"
        );
    }
    assert!(settings.iter().any(|l| l.contains("listed functions only; no ETH")), "{settings:#?}");
    assert_eq!(settings.len(), 5, "{settings:#?}");
    let text = String::from_utf8(tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"])).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in &expected {
        assert!(flat.contains(needle.as_str()), "the PDF's text lacks {needle:?}:\n{text}");
    }
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.contains(&format!("PENDING until {in_force}")), "{md_text}");
    assert_eq!(qr_of(&pdf), sheet, "the QR code does not hold the sheet's JSON");

    // Bad input: a seed phrase in the owners file, an unknown extension. Exit 2, no file.
    let seeded = cli.file("seeded.json");
    std::fs::write(
        &seeded,
        format!(
            r#"{{"owners": [{{"address": "{}", "label": "test test test test test test test test test test test junk"}}]}}"#,
            owners[0]
        ),
    )
    .unwrap();
    let never = cli.file("never.pdf");
    cli.bad(
        &[
            "safe",
            "sheet",
            &safe_s,
            "--owners-file",
            seeded.to_str().unwrap(),
            "-o",
            never.to_str().unwrap(),
        ],
        "looks like a seed phrase",
    );
    assert!(!never.exists());
    cli.bad(
        &["safe", "sheet", &safe_s, "-o", cli.file("x.txt").to_str().unwrap()],
        ".pdf, .md or .json",
    );
    let stranger = cli.file("stranger.json");
    std::fs::write(&stranger, format!(r#"{{"owners": [{{"address": "{}"}}]}}"#, chain.address(7)))
        .unwrap();
    cli.bad(
        &["safe", "sheet", &safe_s, "--owners-file", stranger.to_str().unwrap()],
        "is not an owner of the Safe",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rebuild_on_another_chain_at_the_same_address() {
    let a = TestChain::spawn().await.unwrap();
    let b = TestChain::builder().arg("--chain-id").arg("4242").spawn().await.unwrap();
    assert_ne!(a.chain_id(), b.chain_id());
    let suite = a.deploy_suite(Implementation::Canonical141).await.unwrap();
    let safe = a.create_safe_with(&suite, &[1, 2, 3], 2, 7).await.unwrap();
    let cli = Cli::new(a.endpoint());
    let sheet = cli.file("sheet.json");
    let sheet_s = sheet.to_str().unwrap().to_owned();
    cli.ok(&["safe", "sheet", &safe.address.to_string(), "-o", &sheet_s]);
    let payer = key_hex(b.signer(9));
    let b_url = b.endpoint();
    let rebuild =
        ["safe", "rebuild", "--sheet", &sheet_s, "--rpc-url", &b_url, "--private-key", &payer];

    // Nothing deployed on chain B yet: refused, naming the factory and how to deploy it.
    let r = cli.refused(&rebuild, &[], "SafeProxyFactory", 1);
    assert!(r.stderr.contains("no code on chain 4242"), "{}", r.stderr);
    assert!(r.stderr.contains("canonical Safe 1.4.1"), "{}", r.stderr);

    b.deploy_suite(Implementation::Canonical141).await.unwrap();
    // An edited salt nonce gives another address: refused before anything is sent.
    let edited = cli.file("edited.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&sheet).unwrap()).unwrap();
    v["creation"]["saltNonce"] = "8".into();
    std::fs::write(&edited, serde_json::to_vec(&v).unwrap()).unwrap();
    let edited_s = edited.to_str().unwrap();
    cli.bad(
        &["safe", "rebuild", "--sheet", edited_s, "--rpc-url", &b_url, "--private-key", &payer],
        "would create",
    );
    cli.bad(
        &[
            "safe",
            "rebuild",
            "--sheet",
            cli.file("missing.json").to_str().unwrap(),
            "--rpc-url",
            &b_url,
            "--private-key",
            &payer,
        ],
        "cannot read it",
    );

    let check = cli.json(&["safe", "rebuild", "--sheet", &sheet_s, "--rpc-url", &b_url, "--check"]);
    assert_eq!(check["address"].as_str().unwrap().parse::<Address>().unwrap(), safe.address);
    assert_eq!(check["chainId"], 4242);
    assert_eq!(check["deployed"], false);

    let out = cli.ok(&rebuild);
    assert_eq!(out.parse::<Address>().unwrap(), safe.address);
    let on_b = read_safe(b.provider(), safe.address).await.unwrap();
    let on_a = read_safe(a.provider(), safe.address).await.unwrap();
    assert_eq!(on_b.chain_id, 4242);
    assert_eq!(on_b.owners, on_a.owners);
    assert_eq!(on_b.threshold, on_a.threshold);
    assert_eq!(on_b.singleton, on_a.singleton);
    assert_eq!(on_b.fallback_handler, on_a.fallback_handler);
    assert_eq!(on_b.nonce, U256::ZERO);

    // Twice: the Safe exists there now.
    cli.bad(&rebuild, "already");
}

/// Runs the binary off the async runtime, so the Ledger double keeps answering.
async fn run(cli: &Arc<Cli>, args: &[&str]) -> Run {
    let cli = Arc::clone(cli);
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.run(&a)
    })
    .await
    .unwrap()
}

fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_of_a_2_of_3_with_a_ledger_and_an_owner_who_does_not_answer() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
    // Owners: dev accounts 1, 2, 3 (anvil's mnemonic is the double's seed, so the Ledger at
    // m/44'/60'/0'/0/1 holds owner 1's key).
    let safe = chain.create_safe_with(&suite, &[1, 2, 3], 2, 0).await.unwrap();
    let ledger = common::LedgerDouble::spawn().await;
    let cli = Arc::new(Cli::new(chain.endpoint()));
    let s = safe.address.to_string();
    let balance_before = chain.provider().get_balance(safe.address).await.unwrap();
    let nonce_before = read_safe(chain.provider(), safe.address).await.unwrap().nonce;

    let r = run(&cli, &["drill", "check", &s]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("coffer drill start"), "{}", r.stderr);

    let r = run(&cli, &["drill", "start", &s, "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let hash = json_of(&r)["safeMessageHash"].as_str().unwrap().to_owned();

    // Owner 1 on the Ledger: previewed, then signed on the device.
    let path = "m/44'/60'/0'/0/1";
    let r =
        run(&cli, &["drill", "sign", &s, "--ledger-url", &ledger.url, "--hd-path", path, "--json"])
            .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["owner"].as_str().unwrap().parse::<Address>().unwrap(), chain.address(1));
    assert_eq!(v["signerKind"], "Ledger");
    assert_eq!(v["path"], path);
    assert!(r.stderr.contains("Drill challenge") && r.stderr.contains(&hash), "{}", r.stderr);
    assert!(r.stderr.contains("Ledger"), "no device prompt:\n{}", r.stderr);

    // One signature is not enough: the check fails (exit 1) and says so.
    let r = run(&cli, &["drill", "check", &s]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("only 1 owner(s) signed"), "{}", r.stderr);

    // Owner 2 with a key; owner 3 never answers. A non-owner is refused.
    let k2 = key_hex(chain.signer(2));
    let r = run(&cli, &["drill", "sign", &s, "--private-key", &k2]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let k7 = key_hex(chain.signer(7));
    let r = run(&cli, &["drill", "sign", &s, "--private-key", &k7]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not an owner"), "{}", r.stderr);

    let r = run(&cli, &["drill", "check", &s, "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["threshold"], 2);
    let addr = |x: &Value| x.as_str().unwrap().parse::<Address>().unwrap();
    let missing: Vec<Address> = v["missing"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(missing, vec![chain.address(3)]);
    let combos = v["combinations"].as_array().unwrap();
    assert_eq!(combos.len(), 1, "{v}");
    let mut named: Vec<Address> =
        combos[0]["owners"].as_array().unwrap().iter().map(addr).collect();
    named.sort();
    let mut expected = vec![chain.address(1), chain.address(2)];
    expected.sort();
    assert_eq!(named, expected);
    assert_eq!(combos[0]["accepted"], true);
    assert_eq!(v["passed"], true);

    // The Safe's verdict is its own: the packed pair passes checkNSignatures by eth_call, and a
    // pair with a forged signature would not (covered by the Safe's GS026 in the check path).
    // Nothing moved: same balance, same nonce.
    assert_eq!(chain.provider().get_balance(safe.address).await.unwrap(), balance_before);
    assert_eq!(read_safe(chain.provider(), safe.address).await.unwrap().nonce, nonce_before);

    // History: owners 1 and 2 drilled today with their signer kind and path; owner 3 is stale,
    // so the scheduler's exit code is 1.
    let r = run(&cli, &["drill", "status", &s, "--max-age", "90d", "--json"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json_of(&r);
    let stale: Vec<Address> = v["stale"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(stale, vec![chain.address(3)]);
    let owners = v["owners"].as_array().unwrap();
    let o1 = owners.iter().find(|o| addr(&o["owner"]) == chain.address(1)).unwrap();
    assert_eq!(o1["signerKind"], "Ledger");
    assert_eq!(o1["path"], path);
    assert_eq!(o1["stale"], false);
    let o3 = owners.iter().find(|o| addr(&o["owner"]) == chain.address(3)).unwrap();
    assert_eq!(o3["lastDrill"], Value::Null);
    assert!(r.stderr.contains("not drilled within 90d"), "{}", r.stderr);
    let r = run(&cli, &["drill", "status", &s, "--max-age", "ninety"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);

    // Owner 3 answers at last: every combination of two is accepted, and nobody is stale.
    let k3 = key_hex(chain.signer(3));
    let r = run(&cli, &["drill", "sign", &s, "--private-key", &k3]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&cli, &["drill", "check", &s, "--json"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["combinations"].as_array().unwrap().len(), 3);
    assert!(v["combinations"].as_array().unwrap().iter().all(|c| c["accepted"] == true));
    let r = run(&cli, &["drill", "status", &s]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Owner 2 is swapped out for account 4: the Safe itself now refuses both pairs that count
    // owner 2's signature (GS026), names them, and accepts owners 1 + 3; the check exits 1.
    let info = read_safe(chain.provider(), safe.address).await.unwrap();
    let swap = info.swap_owner_tx(chain.address(2), chain.address(4), info.nonce).unwrap();
    safe.execute(chain.provider(), &swap, &[0, 2], chain.deployer()).await.unwrap();
    let r = run(&cli, &["drill", "check", &s, "--json"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("the Safe refuses 2 of 3 combinations"), "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["passed"], false);
    for c in v["combinations"].as_array().unwrap() {
        let owners: Vec<Address> = c["owners"].as_array().unwrap().iter().map(addr).collect();
        let counts_owner_2 = owners.contains(&chain.address(2));
        assert_eq!(c["accepted"], !counts_owner_2, "{c}");
        if counts_owner_2 {
            assert!(c["refusal"].as_str().unwrap().contains("GS026"), "{c}");
        }
    }
    let missing: Vec<Address> = v["missing"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(missing, vec![chain.address(4)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn drill_signed_offline_through_a_file() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
    let safe = chain.create_safe_with(&suite, &[1, 2, 3], 2, 0).await.unwrap();
    let online = Cli::new(chain.endpoint());
    // The air-gapped machine: its own empty store, and a node URL nothing answers at, so any
    // attempt to touch the chain would fail the command.
    let offline = Cli::new("http://127.0.0.1:1");
    let s = safe.address.to_string();
    let challenge = online.file("drill.json");
    let challenge_s = challenge.to_str().unwrap();
    let started = online.json(&["drill", "start", &s, "--out", challenge_s]);
    let hash = started["safeMessageHash"].as_str().unwrap().to_owned();

    // Owner 2 signs on the offline machine: the challenge is recomputed and shown, the gap named.
    let file = offline.file("drill.json");
    std::fs::copy(&challenge, &file).unwrap();
    let signed = offline.file("signed.json");
    let (file_s, signed_s) = (file.to_str().unwrap(), signed.to_str().unwrap());
    let k2 = key_hex(chain.signer(2));
    let r = offline.run(&[
        "drill",
        "sign",
        &s,
        "--offline",
        "--bundle",
        file_s,
        "--out",
        signed_s,
        "--private-key",
        &k2,
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Drill challenge") && r.stderr.contains(&hash), "{}", r.stderr);
    assert!(r.stderr.contains("not checked against the chain"), "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(v["owner"].as_str().unwrap().parse::<Address>().unwrap(), chain.address(2));
    assert_eq!(v["offline"], true);

    // A challenge altered in transit is refused before signing (exit 2, nothing written).
    let mut altered: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let text = altered["challenge"].as_str().unwrap().replace("moves nothing", "moves all");
    altered["challenge"] = text.into();
    let altered_p = offline.file("altered.json");
    std::fs::write(&altered_p, serde_json::to_vec(&altered).unwrap()).unwrap();
    let never = offline.file("never.json");
    offline.bad(
        &[
            "drill",
            "sign",
            &s,
            "--offline",
            "--bundle",
            altered_p.to_str().unwrap(),
            "--out",
            never.to_str().unwrap(),
            "--private-key",
            &k2,
        ],
        "the file was altered",
    );
    assert!(!never.exists());

    // Back online: a file whose stated owner is not the signer is refused; the real one is
    // checked against the store's challenge and the Safe's owners, then recorded.
    let back = online.file("signed.json");
    std::fs::copy(&signed, &back).unwrap();
    let back_s = back.to_str().unwrap();
    let mut forged: Value = serde_json::from_slice(&std::fs::read(&back).unwrap()).unwrap();
    forged["owner"] = chain.address(3).to_string().into();
    let forged_p = online.file("forged.json");
    std::fs::write(&forged_p, serde_json::to_vec(&forged).unwrap()).unwrap();
    online.bad(&["drill", "import", forged_p.to_str().unwrap()], "not by the stated owner");
    let v = online.json(&["drill", "import", back_s]);
    assert_eq!(v["owner"].as_str().unwrap().parse::<Address>().unwrap(), chain.address(2));
    assert_eq!(v["safeMessageHash"], hash.as_str());
    assert_eq!(v["signerKind"], "private key (offline)");

    // A non-owner's offline signature is refused on import.
    let k7 = key_hex(chain.signer(7));
    let stranger = offline.file("stranger.json");
    offline.ok(&[
        "drill",
        "sign",
        &s,
        "--offline",
        "--bundle",
        file_s,
        "--out",
        stranger.to_str().unwrap(),
        "--private-key",
        &k7,
    ]);
    online.bad(&["drill", "import", stranger.to_str().unwrap()], "is not an owner");

    // Owner 1 signs online; the Safe accepts the pair, so the drill passes.
    let k1 = key_hex(chain.signer(1));
    online.ok(&["drill", "sign", &s, "--private-key", &k1]);
    let v = online.json(&["drill", "check", &s]);
    assert_eq!(v["passed"], true, "{v}");
    assert_eq!(v["combinations"][0]["accepted"], true, "{v}");
    let missing: Vec<Address> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(missing, vec![chain.address(3)]);

    // A new drill: the old file answers the old challenge and is refused.
    online.ok(&["drill", "start", &s]);
    online.bad(&["drill", "import", back_s], "not the Safe's latest drill");
    // Without --bundle, --offline is a usage error.
    let r = offline.run(&["drill", "sign", &s, "--offline", "--private-key", &k2]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// `drill sign --trezor` through the binary, against coffer-signer's Trezor double on the
/// emulator's UDP link (`COFFER_TREZOR_EMULATOR`, as for trezor-user-env's emulator): a refusal
/// on the device (exit 1, nothing recorded), then a core model (streaming
/// `EthereumSignTypedData` of the SafeMessage) and a Trezor One (`EthereumSignTypedHash`), each
/// checked against what the device showed, with a key owner in between; the Safe accepts every
/// pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_of_a_2_of_3_with_trezors() {
    use common::{User, trezor::TrezorDouble};
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
    // Owners: dev accounts 1, 2, 3 (anvil's mnemonic is the double's seed).
    let safe = chain.create_safe_with(&suite, &[1, 2, 3], 2, 0).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let s = safe.address.to_string();
    let started = cli.json(&["drill", "start", &s]);
    let hash = started["safeMessageHash"].as_str().unwrap().to_owned();
    let challenge = started["challenge"].as_str().unwrap().to_owned();
    let addr = |x: &Value| x.as_str().unwrap().parse::<Address>().unwrap();

    // Owner 1 on a Trezor Model T who cancels on the device: a clear error, exit 1, nothing
    // recorded (the Safe's check still sees no signature, the history no drill).
    let t = TrezorDouble::spawn_model("T");
    let p1 = "m/44'/60'/0'/0/1";
    let sign_t = ["drill", "sign", &s, "--trezor", "--hd-path", p1, "--json"];
    let env_t = [("COFFER_TREZOR_EMULATOR", t.addr.as_str())];
    *t.state.user.lock().unwrap() = User::Reject;
    let r = cli.run_env(&sign_t, &env_t);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rejected on the Trezor: nothing was signed"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let r = cli.run(&["drill", "check", &s]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("only 0 owner(s) signed"), "{}", r.stderr);
    let st = cli.run(&["drill", "status", &s, "--json"]);
    let v: Value = serde_json::from_str(&st.stdout).unwrap();
    assert!(v["owners"].as_array().unwrap().iter().all(|o| o["lastDrill"].is_null()), "{v}");

    // The same owner confirms: the core model streams the SafeMessage and shows its values.
    *t.state.user.lock().unwrap() = User::Approve;
    let r = cli.run_env(&sign_t, &env_t);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r);
    assert_eq!(addr(&v["owner"]), chain.address(1));
    assert_eq!(v["signerKind"], "Trezor");
    assert_eq!(v["path"], p1);
    assert!(r.stderr.contains("Drill challenge") && r.stderr.contains(&hash), "{}", r.stderr);
    assert!(r.stderr.contains("The Trezor will show, screen by screen"), "{}", r.stderr);
    let received = t.received();
    assert!(received.contains(&"EthereumSignTypedData".to_owned()), "{received:?}");
    assert!(!received.contains(&"EthereumSignTypedHash".to_owned()), "{received:?}");
    let shown = t.shown();
    assert!(shown.contains(&("message".to_owned(), challenge.clone())), "{shown:?}");
    assert!(shown.contains(&("verifyingContract".to_owned(), s.clone())), "{shown:?}");
    assert!(shown.contains(&("chainId".to_owned(), chain.chain_id().to_string())), "{shown:?}");

    // Owner 2 with a key: the pair (Trezor T, key) is accepted by the Safe.
    let k2 = key_hex(chain.signer(2));
    cli.ok(&["drill", "sign", &s, "--private-key", &k2]);
    let v = cli.json(&["drill", "check", &s]);
    assert_eq!(v["passed"], true, "{v}");
    assert_eq!(v["combinations"].as_array().unwrap().len(), 1, "{v}");
    let missing: Vec<Address> = v["missing"].as_array().unwrap().iter().map(addr).collect();
    assert_eq!(missing, vec![chain.address(3)]);

    // Owner 3 on a Trezor One: EthereumSignTypedHash; the two hashes it showed are the Safe's
    // domain separator and a message hash that, joined, give the drill's Safe message hash.
    let one = TrezorDouble::spawn_model("1");
    let p3 = "m/44'/60'/0'/0/3";
    let r = cli.run_env(
        &["drill", "sign", &s, "--trezor", "--hd-path", p3, "--json"],
        &[("COFFER_TREZOR_EMULATOR", one.addr.as_str())],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(addr(&json_of(&r)["owner"]), chain.address(3));
    let received = one.received();
    assert!(received.contains(&"EthereumSignTypedHash".to_owned()), "{received:?}");
    assert!(!received.contains(&"EthereumSignTypedData".to_owned()), "{received:?}");
    let shown = one.shown();
    let screen = |label: &str| -> alloy::primitives::B256 {
        shown.iter().find(|(l, _)| l == label).unwrap().1.to_lowercase().parse().unwrap()
    };
    let domain = coffer_contracts::bindings::ISafe::new(safe.address, chain.provider())
        .domainSeparator()
        .call()
        .await
        .unwrap();
    assert_eq!(screen("Domain hash"), domain);
    let mut pre = vec![0x19, 0x01];
    pre.extend_from_slice(domain.as_slice());
    pre.extend_from_slice(screen("Message hash").as_slice());
    assert_eq!(alloy::primitives::keccak256(pre).to_string(), hash);

    // Every pair of the three is accepted by the Safe itself, and nobody is stale.
    let v = cli.json(&["drill", "check", &s]);
    assert_eq!(v["passed"], true, "{v}");
    let combos = v["combinations"].as_array().unwrap();
    assert_eq!(combos.len(), 3, "{v}");
    assert!(combos.iter().all(|c| c["accepted"] == true), "{v}");
    let v = cli.json(&["drill", "status", &s]);
    let owners = v["owners"].as_array().unwrap();
    for (i, kind, path) in
        [(1, "Trezor", Some(p1)), (2, "private key", None), (3, "Trezor", Some(p3))]
    {
        let o = owners.iter().find(|o| addr(&o["owner"]) == chain.address(i)).unwrap();
        assert_eq!(o["signerKind"], kind, "{o}");
        assert_eq!(o["path"].as_str(), path, "{o}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drill_with_a_small_transfer_round_trip_on_a_2_of_3() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Canonical141).await.unwrap();
    let safe = chain.create_safe_with(&suite, &[1, 2, 3], 2, 0).await.unwrap();
    let provider = chain.provider();
    let one_ether = U256::from(10u64).pow(U256::from(18u64));
    chain.fund(safe.address, one_ether).await.unwrap();
    let cli = Cli::new(chain.endpoint());
    let s = safe.address.to_string();
    let (k1, k2, k3) =
        (key_hex(chain.signer(1)), key_hex(chain.signer(2)), key_hex(chain.signer(3)));
    let owner = chain.address(2);
    let owner_s = owner.to_string();

    // More than the Safe holds: refused as bad input, nothing proposed, no drill started.
    cli.bad(
        &["drill", "start", &s, "--with-transfer", "2ether", "--to", &owner_s],
        "more than the Safe's balance",
    );
    cli.bad(&["drill", "sign", &s, "--private-key", &k1], "no drill of");
    // Not an owner: refused the same way.
    cli.bad(
        &[
            "drill",
            "start",
            &s,
            "--with-transfer",
            "0.01ether",
            "--to",
            &chain.address(5).to_string(),
        ],
        "is not an owner",
    );

    let started =
        cli.json(&["drill", "start", &s, "--with-transfer", "0.01ether", "--to", &owner_s]);
    let amount = U256::from(10_000_000_000_000_000u64);
    assert_eq!(started["transfer"]["amount"], amount.to_string());
    assert_eq!(started["transfer"]["to"].as_str().unwrap().parse::<Address>().unwrap(), owner);
    let safe_tx_hash = started["transfer"]["safeTxHash"].as_str().unwrap().to_owned();

    // One signature is not the threshold: nothing is sent.
    let signed = cli.json(&["drill", "sign", &s, "--private-key", &k1]);
    assert_eq!(signed["transfer"]["safeTxHash"], safe_tx_hash.as_str());
    assert_eq!(signed["transfer"]["signed"], true);
    assert_eq!(signed["transfer"]["signatures"], 1);
    cli.bad(&["drill", "transfer", &s, "--private-key", &k2], "of the 2 required signature(s)");
    // Only the receiving owner runs the round trip (they send the amount back).
    let r = cli.json(&["drill", "sign", &s, "--private-key", &k2]);
    assert_eq!(r["transfer"]["signatures"], 2);
    cli.bad(&["drill", "transfer", &s, "--private-key", &k3], "run it with that owner's wallet");

    let safe_before = provider.get_balance(safe.address).await.unwrap();
    let owner_before = provider.get_balance(owner).await.unwrap();
    let v = cli.json(&["drill", "transfer", &s, "--private-key", &k2]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["safeTxHash"], safe_tx_hash.as_str());
    // Cross-checked on chain: the Safe is back where it was; the owner paid only gas, which the
    // receipts of the two legs add up to.
    let safe_after = provider.get_balance(safe.address).await.unwrap();
    let owner_after = provider.get_balance(owner).await.unwrap();
    assert_eq!(safe_after, safe_before);
    let mut gas = U256::ZERO;
    for key in ["outTxHash", "backTxHash"] {
        let h = v[key].as_str().unwrap().parse().unwrap();
        let receipt = provider.get_transaction_receipt(h).await.unwrap().unwrap();
        assert!(receipt.status());
        assert_eq!(receipt.from, owner, "{key} was not sent by the owner");
        gas += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
    }
    assert!(!gas.is_zero());
    assert_eq!(owner_before - owner_after, gas);
    assert_eq!(v["ownerGasPaid"], gas.to_string());
    assert_eq!(read_safe(provider, safe.address).await.unwrap().nonce, U256::from(1));

    // Kept in the drill history; a second run sends nothing.
    let status = cli.run(&["drill", "status", &s, "--json"]);
    let st = json_of(&status);
    assert_eq!(st["transfers"][0]["owner"].as_str().unwrap().parse::<Address>().unwrap(), owner);
    assert_eq!(st["transfers"][0]["backTxHash"], v["backTxHash"]);
    cli.bad(&["drill", "transfer", &s, "--private-key", &k2], "already executed");
    assert_eq!(provider.get_balance(safe.address).await.unwrap(), safe_before);
}
