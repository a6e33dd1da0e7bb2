//! The binary's argument handling, without a chain: help, version, usage errors (exit 2), and
//! the wallet option conflicts. (Everything that needs anvil is in the coffer-e2e package.)

use std::process::Command;

fn coffer(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(args)
        .env_remove("ETH_PRIVATE_KEY")
        .env_remove("ETH_RPC_URL")
        .env("COFFER_HOME", std::env::temp_dir().join("coffer-cli-test-unused"))
        .output()
        .expect("run coffer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_the_command_groups() {
    let (code, out, _) = coffer(&["--help"]);
    assert_eq!(code, 0);
    for group in ["contracts", "safe", "tx", "send"] {
        assert!(out.contains(group), "--help does not list {group}:\n{out}");
    }
    let (code, out, _) = coffer(&["tx", "--help"]);
    assert_eq!(code, 0);
    for cmd in ["propose", "show", "list", "sign", "approve", "execute", "export", "import"] {
        assert!(out.contains(cmd), "tx --help does not list {cmd}:\n{out}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let (code, out, err) = coffer(&["tx", "propose"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("<SAFE>"), "{err}");
    let (code, _, err) = coffer(&["tx", "sign"]);
    assert_eq!(code, 2);
    assert!(err.contains("--bundle") || err.contains("HASH"), "{err}");
}

#[test]
fn two_wallets_at_once_are_refused() {
    let (code, _, err) = coffer(&[
        "tx",
        "sign",
        "0x01",
        "--private-key",
        "0x01",
        "--mnemonic",
        "test test test test test test test test test test test junk",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn a_bad_rpc_url_is_bad_input() {
    let (code, _, err) = coffer(&[
        "safe",
        "info",
        "0x0000000000000000000000000000000000000001",
        "--rpc-url",
        "not a url",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a URL"), "{err}");
}
