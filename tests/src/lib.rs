//! End-to-end harness: runs the real `coffer` binary against a real anvil (from coffer-chain's
//! `test-utils`), and checks its exit code, its output, and that the store did not change when
//! a command was refused.

pub mod interop;
pub mod load;
pub mod payouts;
pub mod proxy;
pub mod serve;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use alloy::signers::local::PrivateKeySigner;
use coffer_store::Store;
use tempfile::TempDir;

/// Environment variables that would let a test pick up a wallet or a store by accident.
const SCRUBBED_ENV: [&str; 12] = [
    "ETH_PRIVATE_KEY",
    "ETH_MNEMONIC",
    "ETH_KEYSTORE",
    "ETH_PASSWORD",
    "COFFER_LEDGER_URL",
    "COFFER_TREZOR_EMULATOR",
    "ETH_RPC_URL",
    "COFFER_HOME",
    "XDG_DATA_HOME",
    "RUST_BACKTRACE",
    "COFFER_TX_SERVICE",
    "COFFER_TX_SERVICE_KEY",
];

/// The `coffer` binary next to the test executable (`target/<profile>/coffer`).
///
/// It is built with the tests: `cargo test --workspace` and `cargo nextest run --workspace` build
/// coffer-cli's binary because coffer-cli has integration tests.
pub fn coffer_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let name = if cfg!(windows) { "coffer.exe" } else { "coffer" };
    // A test: target/<profile>/deps/<test>-<hash>; a binary of this crate (bench-serve): target/<profile>/<bin>.
    let beside = exe.parent().map(|d| d.join(name)).filter(|b| b.is_file());
    let dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let bin = beside.unwrap_or_else(|| dir.join(name));
    assert!(
        bin.is_file(),
        "the coffer binary is not at {}: build it first with `cargo build -p coffer-cli` \
         (cargo test/nextest --workspace builds it)",
        bin.display()
    );
    bin
}

/// A private key as the 0x-hex string `--private-key` takes.
pub fn key_hex(signer: &PrivateKeySigner) -> String {
    format!("0x{}", alloy::primitives::hex::encode(signer.to_bytes()))
}

/// What one run of the binary did.
#[derive(Clone, Debug)]
pub struct Run {
    /// The exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from_output(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The binary, pointed at one RPC endpoint and a private data directory.
#[derive(Debug)]
pub struct Cli {
    bin: PathBuf,
    rpc: String,
    home: TempDir,
}

impl Cli {
    /// A CLI for the node at `rpc` with a fresh, empty data directory.
    pub fn new(rpc: impl Into<String>) -> Self {
        let home = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
        Self { bin: coffer_bin(), rpc: rpc.into(), home }
    }

    /// The data directory (`COFFER_HOME`).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A path inside the data directory's parent-free scratch space.
    pub fn file(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Runs `coffer ARGS` with `ETH_RPC_URL` and `COFFER_HOME` set and every wallet variable
    /// removed.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// The command `coffer ARGS` with the environment [`Cli::run`] uses, for a test that spawns
    /// a long-running process (`coffer relay`) itself.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args);
        for k in SCRUBBED_ENV {
            cmd.env_remove(k);
        }
        cmd.env("ETH_RPC_URL", &self.rpc).env("COFFER_HOME", self.home.path());
        cmd
    }

    /// [`Cli::run`] with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| fail(&format!("cannot run {}: {e}", self.bin.display())));
        Run::from_output(out)
    }

    /// Runs and requires exit 0; returns stdout, trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        if r.code != 0 {
            fail(&format!(
                "`coffer {}` failed with exit {}\nstdout:\n{}\nstderr:\n{}",
                args.join(" "),
                r.code,
                r.stdout,
                r.stderr
            ));
        }
        r.stdout.trim().to_owned()
    }

    /// Runs with `--json` appended and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| {
            fail(&format!("`coffer {}`: stdout is not JSON ({e}):\n{out}", a.join(" ")))
        })
    }

    /// `coffer safe create` with these owners and threshold, paid by `payer`: the Safe's address.
    pub fn create_safe(&self, owners: &[&str], threshold: u32, payer: &str) -> String {
        let threshold = threshold.to_string();
        let mut args = vec!["safe", "create"];
        for o in owners {
            args.extend(["--owner", o]);
        }
        args.extend(["--threshold", &threshold, "--private-key", payer]);
        self.ok(&args)
    }

    /// Mints `amount` base units of the test token at `token` to `to` (`coffer send`).
    pub fn mint(&self, token: &str, to: &str, amount: &str, payer: &str) {
        self.ok(&[
            "send",
            "--to",
            token,
            "--sig",
            "mint(address,uint256)",
            to,
            amount,
            "--private-key",
            payer,
        ]);
    }

    /// Every proposal and signature in the store, as text (empty store: no file is created).
    pub fn snapshot(&self) -> String {
        if !self.home.path().join(coffer_store::STORE_FILE).exists() {
            return String::new();
        }
        let store =
            Store::open(self.home.path()).unwrap_or_else(|e| fail(&format!("open store: {e}")));
        let mut out = String::new();
        for p in store.proposals().unwrap_or_else(|e| fail(&format!("proposals: {e}"))) {
            out.push_str(&format!("{p:?}\n"));
            for s in store.signatures(p.hash).unwrap_or_else(|e| fail(&format!("signatures: {e}")))
            {
                out.push_str(&format!("  {s:?}\n"));
            }
        }
        out
    }

    /// Runs a command that must be refused as bad input: exit code 2, `needle` in stderr, nothing
    /// on stdout, and the store unchanged.
    pub fn bad(&self, args: &[&str], needle: &str) -> Run {
        self.refused(args, &[], needle, 2)
    }

    /// Runs a command that must fail with `code`, `needle` in stderr, nothing on stdout, and the
    /// store unchanged.
    pub fn refused(&self, args: &[&str], env: &[(&str, &str)], needle: &str, code: i32) -> Run {
        let before = self.snapshot();
        let r = self.run_env(args, env);
        let after = self.snapshot();
        let what = format!("`coffer {}`", args.join(" "));
        assert_eq!(r.code, code, "{what}: exit code\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(needle),
            "{what}: stderr does not mention {needle:?}:\n{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{what} panicked:\n{}", r.stderr);
        assert_eq!(r.stdout.trim(), "", "{what}: printed a result although it failed");
        assert_eq!(before, after, "{what}: the store changed although the command was refused");
        eprintln!("refused as expected (exit {code}): {what}");
        r
    }
}

#[allow(clippy::panic)]
pub(crate) fn fail(msg: &str) -> ! {
    panic!("{msg}")
}
