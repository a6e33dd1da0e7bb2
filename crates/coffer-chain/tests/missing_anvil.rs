//! A missing anvil gives an error that says how to get one (its own test binary, because it
//! changes the process environment).
#![allow(clippy::panic)]

use coffer_chain::test_utils::TestChain;

#[tokio::test]
async fn missing_anvil_names_script_bootstrap() {
    // SAFETY: this test binary has this one test, so no other thread reads the environment.
    unsafe { std::env::set_var("COFFER_ANVIL", "/nonexistent/anvil") };
    match TestChain::spawn().await {
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("/nonexistent/anvil") && msg.contains("script/bootstrap"),
                "{msg}"
            );
        }
        Ok(chain) => panic!("spawned {chain:?} without an anvil"),
    }
}
