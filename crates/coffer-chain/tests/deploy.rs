//! The CREATE2 deployment path on anvil: deployer choice, idempotency, and refusing foreign
//! code. Uses the canonical 1.4.1 artifacts from `.tools` (run `script/bootstrap`).
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{primitives::B256, providers::Provider};
use coffer_chain::{
    Error,
    deploy::{
        ARACHNID_DEPLOYER, DeployStatus, SAFE_SINGLETON_FACTORY, create2_address, deploy_artifacts,
        find_deployer,
    },
    test_utils::{TestChain, canonical_artifact},
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployer_choice_idempotency_and_foreign_code() -> TestResult {
    // Without the Safe Singleton Factory, Arachnid's proxy is used.
    let bare = TestChain::builder().singleton_factory(false).spawn().await?;
    assert_eq!(find_deployer(bare.provider()).await?, ARACHNID_DEPLOYER);
    let chain = TestChain::spawn().await?;
    assert_eq!(find_deployer(chain.provider()).await?, SAFE_SINGLETON_FACTORY);

    let p = bare.provider();
    let a = canonical_artifact("MultiSendCallOnly")?;
    let b = canonical_artifact("CreateCall")?;
    let salt = B256::with_last_byte(7);
    let first = deploy_artifacts(p, bare.deployer(), ARACHNID_DEPLOYER, salt, &[&a, &b]).await?;
    assert!(first.iter().all(|d| d.status == DeployStatus::Deployed));
    assert_eq!(first[0].address, create2_address(ARACHNID_DEPLOYER, salt, &a.bytecode));
    let block = p.get_block_number().await?;
    let again = deploy_artifacts(p, bare.deployer(), ARACHNID_DEPLOYER, salt, &[&a, &b]).await?;
    assert!(again.iter().all(|d| d.status == DeployStatus::AlreadyPresent));
    assert_eq!(p.get_block_number().await?, block, "nothing sent the second time");

    // Foreign code at the address is refused.
    let c = canonical_artifact("SignMessageLib")?;
    let target = create2_address(ARACHNID_DEPLOYER, salt, &c.bytecode);
    bare.set_code(target, a.deployed_bytecode.clone()).await?;
    match deploy_artifacts(p, bare.deployer(), ARACHNID_DEPLOYER, salt, &[&c]).await {
        Err(Error::CodeMismatch { contract, address, .. }) => {
            assert_eq!((contract.as_str(), address), ("SignMessageLib", target));
        }
        other => panic!("expected CodeMismatch, got {other:?}"),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canonical_suite_lands_at_canonical_addresses_idempotently() -> TestResult {
    let chain = TestChain::spawn().await?;
    let first = chain.deploy_suite(coffer_chain::test_utils::Implementation::Canonical141).await?;
    let again = chain.deploy_suite(coffer_chain::test_utils::Implementation::Canonical141).await?;
    assert_eq!(first, again);
    assert_eq!(
        Some(first),
        coffer_chain::SuiteAddresses::canonical(coffer_core::SafeVersion::V1_4_1)
    );
    first.check_deployed(chain.provider()).await?;
    Ok(())
}
