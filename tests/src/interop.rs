//! Shared plumbing of the tests that drive the npm Safe clients (`tests/interop/*.mjs`) and raw HTTP against
//! `coffer serve`: the node runner, the suite's addresses file the scripts read, and JSON GET/POST.

use std::{path::Path, process::Command};

use alloy::transports::http::reqwest;
use coffer_chain::{SuiteAddresses, test_utils::repo_root};
use serde_json::Value;

use crate::fail;

/// Runs `node tests/interop/SCRIPT ARGS` with `COFFER_TOOLS` set to the repo's `.tools`, and parses the JSON
/// it prints.
///
/// # Panics
/// When npm `PACKAGE` (e.g. `@safe-global/api-kit`) is not installed in `.tools`, when node cannot be run,
/// when the script fails, or when it prints no JSON; each message says which.
pub fn node_script(script: &str, package: &str, args: &[&str]) -> Value {
    let tools = repo_root().join(".tools");
    assert!(
        tools.join("node_modules").join(package).join("package.json").is_file(),
        "npm {package} is not installed in {}: run script/bootstrap",
        tools.display()
    );
    let out = Command::new("node")
        .arg(repo_root().join("tests/interop").join(script))
        .args(args)
        .env("COFFER_TOOLS", &tools)
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run node (install Node.js >= 18): {e}")));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} {} failed ({}):\n{stderr}\n{stdout}",
        args.first().unwrap_or(&""),
        out.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| fail(&format!("{script} printed no JSON ({e}):\n{stdout}")))
}

/// Runs an api-kit script (`tests/interop/SCRIPT`, which needs npm `@safe-global/api-kit`): see
/// [`node_script`].
pub fn api_kit(script: &str, args: &[&str]) -> Value {
    node_script(script, "@safe-global/api-kit", args)
}

/// Writes the suite's addresses (`{"SafeL2": "0x…", …}`) to `FILE`, as the interop scripts' `--addresses`
/// reads them; returns the path as a string.
///
/// # Panics
/// When the file cannot be written or its path is not UTF-8.
pub fn write_addresses(suite: &SuiteAddresses, file: &Path) -> String {
    let addresses: serde_json::Map<String, Value> = suite
        .entries()
        .iter()
        .map(|(name, a)| ((*name).to_owned(), Value::String(a.to_string())))
        .collect();
    std::fs::write(file, Value::Object(addresses).to_string())
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
    file.to_str().unwrap_or_else(|| fail("the addresses file's path is not UTF-8")).to_owned()
}

/// POSTs `body` as JSON to `url`; returns the status and the parsed body (`Value::Null` when empty or not JSON).
///
/// # Panics
/// When the request cannot be sent or its body read.
pub async fn post(url: &str, body: impl Into<String>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.into())
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("POST {url}: {e}")));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_else(|e| fail(&format!("{url}: body: {e}")));
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// GETs `url`; returns the status, the parsed body (`Value::Null` when empty or not JSON) and the raw text.
///
/// # Panics
/// When the request cannot be sent or its body read.
pub async fn get(url: &str) -> (u16, Value, String) {
    let resp = reqwest::get(url).await.unwrap_or_else(|e| fail(&format!("GET {url}: {e}")));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_else(|e| fail(&format!("{url}: body: {e}")));
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
}

/// An anvil with coffer's suite and a scratch directory holding the suite's addresses file: where the interop
/// tests start.
#[derive(Debug)]
pub struct SuiteChain {
    /// The anvil.
    pub chain: coffer_chain::test_utils::TestChain,
    /// coffer's suite on it.
    pub suite: SuiteAddresses,
    /// Its RPC URL.
    pub rpc: String,
    /// A scratch directory, removed when dropped.
    pub scratch: tempfile::TempDir,
    /// `scratch/addresses.json` ([`write_addresses`]).
    pub addresses_file: String,
}

/// Spawns anvil, deploys coffer's suite and writes its addresses file.
///
/// # Panics
/// When anvil cannot start, the suite cannot be deployed or the scratch directory cannot be made.
pub async fn suite_chain() -> SuiteChain {
    use coffer_chain::test_utils::{Implementation, TestChain};
    let chain =
        TestChain::spawn().await.unwrap_or_else(|e| fail(&format!("cannot start anvil: {e}")));
    let suite = chain
        .deploy_suite(Implementation::Coffer)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot deploy the suite: {e}")));
    let rpc = chain.endpoint();
    let scratch = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
    let addresses_file = write_addresses(&suite, &scratch.path().join("addresses.json"));
    SuiteChain { chain, suite, rpc, scratch, addresses_file }
}
