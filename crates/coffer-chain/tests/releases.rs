//! Issue 15: libraries by the Safe's own release, and chains without PUSH0.
//!
//! Canonical Safes 1.3.0, 1.4.1 and 1.5.0 are deployed from their npm artifacts (installed by
//! `script/bootstrap`) at their canonical addresses, checked by code hash, and a Safe of each is
//! created through that release's own factory. `safe_libraries` must then pick that release's
//! libraries, checked by code hash; a coffer Safe gets coffer's suite; `--suite` overrides.
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::primitives::{Address, address, b256, keccak256};
use coffer_chain::{
    Error, Library, LibrarySource, SafeRelease, SuiteAddresses, SuiteChoice, deploy_suite,
    detect_release, safe_libraries, supports_push0,
    test_utils::{Implementation, TestChain},
};
use coffer_core::SafeVersion;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Canonical MultiSendCallOnly addresses, written out independently of `canonical.rs` (from
/// SAFE-COMPAT.md section 9).
const MSCO_130: Address = address!("40A2aCCbd92BCA938b02010E17A5b8929b49130D");
const MSCO_141: Address = address!("9641d764fc13c8B624c04430C7356C1C7C8102e2");
const MSCO_150: Address = address!("A83c336B20401Af773B6219BA5027174338D1836");
const SIM_130: Address = address!("59AD6735bCd8152B84860Cb256dD9e96b85F69Da");
const SML_150: Address = address!("4FfeF8222648872B3dE295Ba1e49110E61f5b5aa");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_canonical_release_uses_its_own_libraries() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = chain.provider();
    let mut safes = Vec::new();
    for (imp, version, msco) in [
        (Implementation::Canonical130, SafeVersion::V1_3_0, MSCO_130),
        (Implementation::Canonical141, SafeVersion::V1_4_1, MSCO_141),
        (Implementation::Canonical150, SafeVersion::V1_5_0, MSCO_150),
    ] {
        let suite = chain.deploy_suite(imp).await?;
        let safe = chain.create_test_safe(&suite, 2, 1).await?;
        assert_eq!(safe.ctx.version, version, "{imp}");
        assert_eq!(detect_release(p, safe.address).await?, SafeRelease::Canonical(version));
        let libs = safe_libraries(p, safe.address, None).await?;
        assert_eq!(libs.source, LibrarySource::Release(SafeRelease::Canonical(version)));
        assert_eq!(libs.require(p, Library::MultiSendCallOnly).await?, msco, "{imp}");
        if version != SafeVersion::V1_3_0 {
            // npm's 1.3.0 SignMessageLib is not the deployed bytecode (test_utils::NOT_IN_NPM).
            libs.require(p, Library::SignMessageLib).await?;
        }
        libs.require(p, Library::SimulateTxAccessor).await?;
        safes.push((version, safe));
    }
    assert_eq!(
        safe_libraries(p, safes[2].1.address, None).await?.address(Library::SignMessageLib),
        SML_150
    );
    assert_eq!(
        safe_libraries(p, safes[0].1.address, None).await?.address(Library::SimulateTxAccessor),
        SIM_130
    );

    // --suite overrides the release: a 1.3.0 Safe told to use 1.4.1's libraries gets them.
    let over = safe_libraries(p, safes[0].1.address, SuiteChoice::parse("canonical-1.4.1")).await?;
    assert_eq!(over.source, LibrarySource::Override(SuiteChoice::Canonical(SafeVersion::V1_4_1)));
    assert_eq!(over.require(p, Library::MultiSendCallOnly).await?, MSCO_141);

    // A coffer Safe gets coffer's suite, whose library is checked against the artifact.
    let ours = deploy_suite(p, chain.deployer()).await?.addresses;
    let coffer_safe = chain.create_test_safe(&ours, 2, 1).await?;
    let libs = safe_libraries(p, coffer_safe.address, None).await?;
    assert!(matches!(libs.source, LibrarySource::Release(SafeRelease::Coffer { .. })));
    assert_eq!(libs.require(p, Library::MultiSendCallOnly).await?, ours.multi_send_call_only);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_library_names_the_release_and_the_address() -> TestResult {
    let chain = TestChain::spawn().await?;
    let p = chain.provider();
    let suite = chain.deploy_suite(Implementation::Canonical130).await?;
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    // Remove 1.3.0's MultiSendCallOnly: the error names the release and the address.
    chain.set_code(MSCO_130, Default::default()).await?;
    let libs = safe_libraries(p, safe.address, None).await?;
    let err = libs.require(p, Library::MultiSendCallOnly).await.unwrap_err();
    assert!(matches!(err, Error::MissingLibrary { address, .. } if address == MSCO_130));
    let text = err.to_string();
    assert!(text.contains("canonical 1.3.0"), "{text}");
    assert!(text.contains(&MSCO_130.to_string()), "{text}");
    assert!(text.contains("no code there"), "{text}");
    // Other code there (1.4.1's library) is refused by code hash.
    let other = chain.deploy_suite(Implementation::Canonical141).await?;
    let code = alloy::providers::Provider::get_code_at(p, other.multi_send_call_only).await?;
    chain.set_code(MSCO_130, code).await?;
    let err = libs.require(p, Library::MultiSendCallOnly).await.unwrap_err();
    assert!(err.to_string().contains("not that release's"), "{err}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coffer_suite_refused_without_push0() -> TestResult {
    let paris = TestChain::builder().arg("--hardfork").arg("paris").spawn().await?;
    assert!(!supports_push0(paris.provider()).await?);
    let err = deploy_suite(paris.provider(), paris.deployer()).await.unwrap_err();
    assert!(matches!(err, Error::NoPush0 { .. }), "{err}");
    assert!(err.to_string().contains("--suite canonical-1.4.1"), "{err}");
    assert!(
        alloy::providers::Provider::get_code_at(
            paris.provider(),
            SuiteAddresses::coffer(coffer_chain::deploy::SAFE_SINGLETON_FACTORY)?.safe
        )
        .await?
        .is_empty()
    );
    // The canonical 1.4.1 suite runs there.
    let canonical = paris.deploy_suite(Implementation::Canonical141).await?;
    paris.create_test_safe(&canonical, 1, 1).await?;

    let cancun = TestChain::spawn().await?;
    assert!(supports_push0(cancun.provider()).await?);
    Ok(())
}

/// The npm 1.5.0 artifacts' runtime code is the canonical deployment's, byte for byte: the
/// hashes below are SAFE-COMPAT.md's (section 9), written out here.
#[test]
fn npm_150_artifacts_are_the_canonical_bytecode() -> TestResult {
    use coffer_chain::test_utils::canonical_artifact_of;
    for (name, hash) in [
        ("Safe", b256!("dda019cbd7c867a533a2a86e5c53434fdc50b13122b5a5ddb4a8df61b31c20f2")),
        ("SafeL2", b256!("180193227186ccb85316c94db1f0d156ed932b14712cfaac78901899178572dc")),
        (
            "MultiSendCallOnly",
            b256!("cdbdcec38d2f1c7d961b0029ff8416b7e86e9974d6f0e9c9580c7d17fcfb6663"),
        ),
    ] {
        let a = canonical_artifact_of(SafeVersion::V1_5_0, name)?;
        assert_eq!(keccak256(&a.deployed_bytecode), hash, "{name}");
    }
    Ok(())
}
