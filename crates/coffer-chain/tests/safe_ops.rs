//! coffer-chain against a real anvil: every scenario runs once per Safe implementation (coffer's
//! suite and the canonical Safe 1.4.1 bytecode). Needs `script/bootstrap` (anvil and the npm
//! Safe artifacts in `.tools`).
#![allow(clippy::unwrap_used, clippy::panic)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::SignerSync,
    sol_types::SolCall,
};
use coffer_chain::{
    Error, ExecutionRequest, OwnerSnapshot, SafeConfig, SaltScheme, SingletonChoice, SingletonKind,
    approve_hash, check_safe_tx_hash, create_safe, execute, next_nonce, owner_safe_message_hash,
    plan_safe, prepare_execution, read_safe, simulate,
    test_utils::{ETHER, Implementation, TestChain, TestSafe, sign_hash},
    token_balances,
};
use coffer_contracts::bindings::{IERC20, ISafe};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, SafeSignature, SafeTx, erc20_transfer_calldata, pack_signatures,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs a scenario once per implementation, as `<scenario>::canonical141` and
/// `<scenario>::coffer`.
macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn coffer() -> super::TestResult {
                super::$scenario(super::Implementation::Coffer).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn canonical141() -> super::TestResult {
                super::$scenario(super::Implementation::Canonical141).await
            }
        }
    )*};
}

on_both!(
    transfers_2_of_3_and_3_of_5,
    create_predict_both_salts,
    batch_of_1000_transfers,
    owner_rotation,
    module_and_guard,
    safe_owned_by_safe,
    approve_hash_path,
    rival_and_stale_signatures,
    simulate_failing_tx,
    hash_mismatch_stops_everything,
    modules_across_pages,
    execution_failure_is_reported,
);

async fn setup(imp: Implementation) -> Result<(TestChain, coffer_chain::SuiteAddresses), Error> {
    let chain = TestChain::spawn().await?;
    let suite = chain.deploy_suite(imp).await?;
    Ok((chain, suite))
}

async fn token_balance<P: Provider>(p: &P, token: Address, who: Address) -> U256 {
    IERC20::new(token, p).balanceOf(who).call().await.unwrap()
}

fn recipient(i: u64) -> Address {
    Address::from_word(keccak256(format!("coffer test recipient {i}")))
}

async fn check_singleton(chain: &TestChain, imp: Implementation, safe: &TestSafe) {
    let info = read_safe(chain.provider(), safe.address).await.unwrap();
    assert_eq!(info.version_string, "1.4.1");
    assert_eq!(info.singleton, safe.suite.safe_l2, "SafeL2 is the default off mainnet");
    match (imp, &info.singleton_kind) {
        (Implementation::Canonical141, SingletonKind::Canonical { version: "1.4.1", contract }) => {
            assert_eq!(*contract, coffer_contracts::CanonicalContract::SafeL2)
        }
        (Implementation::Coffer, SingletonKind::Coffer { contract: "SafeL2" }) => {}
        (imp, kind) => panic!("{imp}: singleton recognised as {kind}"),
    }
}

async fn transfers_2_of_3_and_3_of_5(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let token = chain.deploy_test_token().await?;
    for (n, threshold, salt) in [(3usize, 2u64, 0u64), (5, 3, 1)] {
        let owners: Vec<usize> = (1..=n).collect();
        let safe = chain.create_safe_with(&suite, &owners, threshold, salt).await?;
        check_singleton(&chain, imp, &safe).await;
        chain.fund(safe.address, ETHER).await?;
        chain.transfer_token(token, safe.address, U256::from(1_000_000u64)).await?;

        // ETH transfer, signed by the last `threshold` owners (not the first ones, so order
        // and selection are exercised).
        let to = recipient(100 + n as u64);
        let signers: Vec<usize> = (n - threshold as usize..n).collect();
        let tx =
            SafeTx::call(to, U256::from(12345u64), vec![], next_nonce(p, safe.address, &[]).await?);
        let report = safe.execute(p, &tx, &signers, chain.deployer()).await?;
        assert!(report.success);
        assert_eq!(report.safe_tx_hash, tx.safe_tx_hash(&safe.ctx));
        assert_eq!(p.get_balance(to).await?, U256::from(12345u64));
        println!("{imp}: {threshold}-of-{n} ETH transfer: {} gas", report.gas_used);

        // ERC-20 transfer at the next nonce.
        let nonce = next_nonce(p, safe.address, &[]).await?;
        assert_eq!(nonce, U256::from(1));
        let tx =
            SafeTx::call(token, U256::ZERO, erc20_transfer_calldata(to, U256::from(777u64)), nonce);
        // One owner signs with eth_sign (v + 4) instead of EIP-712.
        let hash = tx.safe_tx_hash(&safe.ctx);
        let mut sigs = safe.sign_by(&tx, &signers[1..])?;
        let eth_sign = safe.owners[signers[0]].sign_message_sync(hash.as_slice())?;
        sigs.push(SafeSignature::from_eth_sign(hash, eth_sign)?);
        let report =
            execute(p, &ExecutionRequest::new(safe.ctx, tx, sigs), chain.deployer()).await?;
        assert!(report.success);
        assert_eq!(token_balance(p, token, to).await, U256::from(777u64));
        println!("{imp}: {threshold}-of-{n} ERC-20 transfer: {} gas", report.gas_used);

        let info = read_safe(p, safe.address).await?;
        assert_eq!(info.nonce, U256::from(2));
        assert_eq!(info.balance, ETHER - U256::from(12345u64));
        assert_eq!(info.threshold, threshold);
        assert_eq!(info.fallback_handler, suite.fallback_handler);
        assert_eq!(info.guard, Address::ZERO);
        assert!(info.modules.is_empty());
        let balances = token_balances(p, safe.address, &[token]).await?;
        assert_eq!(balances[0].balance, U256::from(1_000_000u64 - 777));
        assert_eq!(balances[0].decimals, Some(18));
    }
    Ok(())
}

async fn create_predict_both_salts(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let owners = vec![chain.address(1), chain.address(2)];
    let plain = SafeConfig::new(owners.clone(), 2).with_salt_nonce(U256::from(7));
    let specific = plain.clone().with_salt_scheme(SaltScheme::ChainSpecific);
    let l1 = plain.clone().with_salt_nonce(U256::from(8)).with_singleton(SingletonChoice::Safe);

    let plan_plain = plan_safe(p, &suite, &plain).await?;
    let plan_specific = plan_safe(p, &suite, &specific).await?;
    assert_ne!(plan_plain.address, plan_specific.address, "the chain id changes the salt");
    assert_eq!(plan_plain.singleton, suite.safe_l2);

    for (config, plan) in [(&plain, &plan_plain), (&specific, &plan_specific)] {
        let created = create_safe(p, chain.deployer(), &suite, config).await?;
        assert_eq!(created.plan.address, plan.address, "{imp}: predicted address");
        assert!(!p.get_code_at(plan.address).await?.is_empty());
        assert_eq!(created.info.owners, owners);
        println!(
            "{imp}: Safe creation ({:?} salt, 2 owners): {} gas",
            config.salt_scheme, created.gas_used
        );
    }
    let created = create_safe(p, chain.deployer(), &suite, &l1).await?;
    assert_eq!(created.info.singleton, suite.safe, "the override picks the L1 singleton");

    // Creating the same Safe again is refused before sending.
    match create_safe(p, chain.deployer(), &suite, &plain).await {
        Err(Error::SafeExists { address }) => assert_eq!(address, plan_plain.address),
        other => panic!("expected SafeExists, got {other:?}"),
    }
    // Invalid configurations are refused with the GS code.
    let bad = SafeConfig::new(owners.clone(), 3);
    assert!(
        matches!(plan_safe(p, &suite, &bad).await, Err(Error::InvalidSafeConfig(m)) if m.contains("GS201"))
    );
    let dup = SafeConfig::new(vec![owners[0], owners[0]], 1);
    assert!(
        matches!(plan_safe(p, &suite, &dup).await, Err(Error::InvalidSafeConfig(m)) if m.contains("GS204"))
    );
    Ok(())
}

async fn batch_of_1000_transfers(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let token = chain.deploy_test_token().await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let total = U256::from(1000u64 * 1000);
    chain.transfer_token(token, safe.address, total).await?;
    let entries: Vec<MultiSendEntry> = (0..1000)
        .map(|i| {
            MultiSendEntry::call(
                token,
                U256::ZERO,
                erc20_transfer_calldata(recipient(i), U256::from(1000u64)),
            )
        })
        .collect();
    let batch = MultiSendBatch::call_only(entries)?;
    let tx = batch.into_safe_tx(suite.multi_send_call_only, U256::ZERO);
    let report = safe.execute(p, &tx, &[0, 1], chain.deployer()).await?;
    assert!(report.success);
    println!(
        "{imp}: MultiSendCallOnly batch of 1,000 ERC-20 transfers (2-of-3, fresh recipients): {} gas",
        report.gas_used
    );
    assert_eq!(token_balance(p, token, safe.address).await, U256::ZERO);
    for i in [0, 1, 499, 998, 999] {
        assert_eq!(token_balance(p, token, recipient(i)).await, U256::from(1000u64));
    }
    Ok(())
}

async fn owner_rotation(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let (a1, a2, a3, a4, a5) =
        (chain.address(1), chain.address(2), chain.address(3), chain.address(4), chain.address(5));

    // Add owner 4 with threshold 2: it goes to the head of the list.
    let info = read_safe(p, safe.address).await?;
    let tx = info.add_owner_tx(a4, 2, info.nonce)?;
    safe.execute(p, &tx, &[0, 1], chain.deployer()).await?;
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.owners, vec![a4, a1, a2, a3]);

    // Swap owner 2 for owner 5 (prevOwner = a1, found from the list).
    let tx = info.swap_owner_tx(a2, a5, info.nonce)?;
    safe.execute(p, &tx, &[0, 2], chain.deployer()).await?;
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.owners, vec![a4, a1, a5, a3]);

    // Remove the head owner 4 (prevOwner = sentinel) and raise the threshold to 3; owner 4's
    // key is not in TestSafe, so sign with 1 and 3, which are still owners.
    let tx = info.remove_owner_tx(a4, 3, info.nonce)?;
    safe.execute(p, &tx, &[0, 2], chain.deployer()).await?;
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.owners, vec![a1, a5, a3]);
    assert_eq!(info.threshold, 3);

    // Owner 2 was swapped out: its signature no longer counts.
    let tx = info.change_threshold_tx(1, info.nonce)?;
    let mut sigs = safe.sign_by(&tx, &[0, 1, 2])?; // owners 1, 2 (removed), 3
    sigs.push(coffer_chain::test_utils::sign_hash(chain.signer(5), tx.safe_tx_hash(&safe.ctx))?);
    let report =
        execute(p, &ExecutionRequest::new(safe.ctx, tx.clone(), sigs), chain.deployer()).await?;
    assert!(report.success);
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.threshold, 1);

    // Bad changes are refused locally, naming the GS code.
    assert!(
        matches!(info.add_owner_tx(a1, 1, info.nonce), Err(Error::InvalidChange(m)) if m.contains("GS204"))
    );
    assert!(
        matches!(info.remove_owner_tx(a2, 1, info.nonce), Err(Error::InvalidChange(m)) if m.contains("GS205"))
    );
    assert!(
        matches!(info.change_threshold_tx(4, info.nonce), Err(Error::InvalidChange(m)) if m.contains("GS201"))
    );
    Ok(())
}

async fn module_and_guard(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, ETHER).await?;
    let module = chain.address(9);

    let info = read_safe(p, safe.address).await?;
    safe.execute(p, &info.enable_module_tx(module, info.nonce)?, &[0, 1], chain.deployer()).await?;
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.modules, vec![module]);

    // The module moves ETH without signatures.
    let to = recipient(1);
    let call = ISafe::execTransactionFromModuleCall {
        to,
        value: U256::from(5u64),
        data: Default::default(),
        operation: 0,
    };
    let send = |from: Address| {
        TransactionRequest::default()
            .with_from(from)
            .with_to(safe.address)
            .with_input(call.abi_encode())
    };
    let receipt = p.send_transaction(send(module)).await?.get_receipt().await?;
    assert!(receipt.status());
    assert_eq!(p.get_balance(to).await?, U256::from(5u64));

    safe.execute(p, &info.disable_module_tx(module, info.nonce)?, &[0, 1], chain.deployer())
        .await?;
    let info = read_safe(p, safe.address).await?;
    assert!(info.modules.is_empty());
    let err = p.call(send(module)).await.unwrap_err();
    assert_eq!(
        coffer_chain::revert_reason(&err.as_error_resp().unwrap().as_revert_data().unwrap()),
        "GS104"
    );

    // Guard: set, a transaction passes through it, clear.
    let guard = chain.deploy_test_guard().await?;
    safe.execute(p, &info.set_guard_tx(guard, info.nonce)?, &[0, 1], chain.deployer()).await?;
    let info = read_safe(p, safe.address).await?;
    assert_eq!(info.guard, guard);
    let tx = SafeTx::call(to, U256::from(1u64), vec![], info.nonce);
    let report = safe.execute(p, &tx, &[1, 2], chain.deployer()).await?;
    let guard_logs = p
        .get_transaction_receipt(report.tx_hash)
        .await?
        .unwrap()
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == guard)
        .count();
    assert!(guard_logs > 0, "{imp}: the guard saw the transaction");
    let info = read_safe(p, safe.address).await?;
    safe.execute(p, &info.set_guard_tx(Address::ZERO, info.nonce)?, &[0, 1], chain.deployer())
        .await?;
    assert_eq!(read_safe(p, safe.address).await?.guard, Address::ZERO);
    Ok(())
}

async fn safe_owned_by_safe(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    // The owner Safe: 2-of-2 of accounts 1 and 2.
    let outer = chain.create_safe_with(&suite, &[1, 2], 2, 0).await?;
    // The inner Safe: 2-of-2 of the owner Safe and account 3.
    let config = SafeConfig::new(vec![outer.address, chain.address(3)], 2);
    let created = create_safe(p, chain.deployer(), &suite, &config).await?;
    let inner_ctx = created.info.context()?;
    let inner = created.plan.address;
    chain.fund(inner, ETHER).await?;

    let to = recipient(42);
    let tx = SafeTx::call(to, U256::from(999u64), vec![], U256::ZERO);
    let hash = check_safe_tx_hash(p, &inner_ctx, &tx).await?;
    // The owner Safe's owners sign the Safe message for the inner transaction...
    let message_hash = owner_safe_message_hash(&outer.ctx, &inner_ctx, &tx);
    let outer_sigs =
        vec![sign_hash(chain.signer(1), message_hash)?, sign_hash(chain.signer(2), message_hash)?];
    // ...and their packed signatures are the data of the owner Safe's v = 0 signature.
    let contract_sig = SafeSignature::contract(outer.address, pack_signatures(&outer_sigs)?);
    let sigs = vec![contract_sig, sign_hash(chain.signer(3), hash)?];
    let request = ExecutionRequest::new(inner_ctx, tx, sigs);
    let prepared = prepare_execution(p, &request, chain.deployer()).await?;
    assert!(prepared.checks.iter().all(|c| c.is_valid()), "{:?}", prepared.checks);
    let report = coffer_chain::send_execution(p, &prepared).await?;
    assert!(report.success);
    assert_eq!(p.get_balance(to).await?, U256::from(999u64));

    // A contract signature over the wrong message is rejected before sending.
    let tx = SafeTx::call(to, U256::from(1u64), vec![], U256::from(1));
    let wrong = SafeSignature::contract(outer.address, pack_signatures(&outer_sigs)?);
    let sigs = vec![wrong, sign_hash(chain.signer(3), tx.safe_tx_hash(&inner_ctx))?];
    match prepare_execution(p, &ExecutionRequest::new(inner_ctx, tx, sigs), chain.deployer()).await
    {
        Err(Error::TooFewSignatures { valid: 1, threshold: 2, problems }) => {
            assert!(problems[0].contains("GS024"), "{problems:?}")
        }
        other => panic!("expected TooFewSignatures, got {other:?}"),
    }
    Ok(())
}

async fn approve_hash_path(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, ETHER).await?;
    let to = recipient(7);

    // Owner 1 approves on chain; owner 2 signs; a non-owner executes.
    let tx = SafeTx::call(to, U256::from(10u64), vec![], U256::ZERO);
    let approval = approve_hash(p, &safe.ctx, &tx, chain.address(1)).await?;
    assert!(approval.tx_hash.is_some());
    assert!(
        approve_hash(p, &safe.ctx, &tx, chain.address(1)).await?.tx_hash.is_none(),
        "idempotent"
    );
    let sigs = vec![approval.signature, safe.sign(&tx, 1)?];
    let report = execute(p, &ExecutionRequest::new(safe.ctx, tx, sigs), chain.deployer()).await?;
    assert!(report.success);

    // A non-owner cannot approve (GS030).
    let tx = SafeTx::call(to, U256::from(10u64), vec![], U256::from(1));
    assert!(matches!(
        approve_hash(p, &safe.ctx, &tx, chain.address(8)).await,
        Err(Error::NotAnOwner { .. })
    ));

    // The executor is owner 3 and has not signed: its v = 1 signature would fill the missing one,
    // but only when asked for.
    let request = ExecutionRequest::new(safe.ctx, tx.clone(), vec![safe.sign(&tx, 0)?]);
    match prepare_execution(p, &request, chain.address(3)).await {
        Err(Error::ExecutorApprovalNotRequested { valid: 1, threshold: 2, executor }) => {
            assert_eq!(executor, chain.address(3))
        }
        other => panic!("expected ExecutorApprovalNotRequested, got {other:?}"),
    }
    let request = request.with_executor_approval(true);
    let prepared = prepare_execution(p, &request, chain.address(3)).await?;
    assert!(prepared.executor_approval_added);
    assert_eq!(prepared.used.len(), 2);
    let report = coffer_chain::send_execution(p, &prepared).await?;
    assert!(report.success);
    assert_eq!(p.get_balance(to).await?, U256::from(20u64));

    // An approval by an owner who is not the executor does not count until it is on chain.
    let tx = SafeTx::call(to, U256::from(10u64), vec![], U256::from(2));
    let sigs = vec![SafeSignature::approved_hash(chain.address(2)), safe.sign(&tx, 0)?];
    match prepare_execution(p, &ExecutionRequest::new(safe.ctx, tx, sigs), chain.deployer()).await {
        Err(Error::TooFewSignatures { valid: 1, problems, .. }) => {
            assert!(problems[0].contains("GS025"))
        }
        other => panic!("expected TooFewSignatures, got {other:?}"),
    }
    Ok(())
}

async fn rival_and_stale_signatures(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, ETHER).await?;
    let a = SafeTx::call(recipient(1), U256::from(1u64), vec![], U256::ZERO);
    let b = SafeTx::call(recipient(2), U256::from(2u64), vec![], U256::ZERO);
    let request_b = safe.request(&b, &[0, 2])?;
    safe.execute(p, &a, &[0, 1], chain.deployer()).await?;
    let block = p.get_block_number().await?;
    match execute(p, &request_b, chain.deployer()).await {
        Err(Error::NonceUsed { tx_nonce, safe_nonce, .. }) => {
            assert_eq!((tx_nonce, safe_nonce), (U256::ZERO, U256::from(1)));
        }
        other => panic!("{imp}: expected NonceUsed, got {other:?}"),
    }
    assert_eq!(p.get_block_number().await?, block, "nothing was sent");

    // A nonce in the future.
    let c = SafeTx::call(recipient(3), U256::from(3u64), vec![], U256::from(5));
    assert!(matches!(
        execute(p, &safe.request(&c, &[0, 1])?, chain.deployer()).await,
        Err(Error::NonceNotNext { .. })
    ));

    // Too few signatures.
    let d = SafeTx::call(recipient(3), U256::from(3u64), vec![], U256::from(1));
    match execute(p, &safe.request(&d, &[0])?, chain.deployer()).await {
        Err(Error::TooFewSignatures { valid: 1, threshold: 2, .. }) => {}
        other => panic!("expected TooFewSignatures, got {other:?}"),
    }
    // A chain id that differs from the transaction's.
    let mut wrong_chain = safe.request(&d, &[0, 1])?;
    wrong_chain.ctx.chain_id = 1;
    assert!(matches!(
        execute(p, &wrong_chain, chain.deployer()).await,
        Err(Error::ChainIdMismatch { expected: 1, actual: 31337 })
    ));
    // A context with another version: its hash would differ, so it is stopped.
    let mut wrong_version = safe.request(&d, &[0, 1])?;
    wrong_version.ctx.version = coffer_core::SafeVersion::V1_3_0;
    assert!(matches!(
        execute(p, &wrong_version, chain.deployer()).await,
        Err(Error::VersionMismatch { .. })
    ));

    // Owners changed since signing: owner 1 is swapped out after signing d.
    let snapshot = OwnerSnapshot::from(&read_safe(p, safe.address).await?);
    let request_d = safe.request(&d, &[0, 1])?.with_snapshot(snapshot);
    let info = read_safe(p, safe.address).await?;
    let swap = info.swap_owner_tx(chain.address(1), chain.address(6), U256::from(1))?;
    safe.execute(p, &swap, &[1, 2], chain.deployer()).await?;
    // d was signed for nonce 1, which the swap used: re-sign it at nonce 2 for the test.
    let d2 = SafeTx { nonce: U256::from(2), ..d };
    let mut request_d2 = safe.request(&d2, &[0, 1])?;
    request_d2.signed_against = request_d.signed_against.clone();
    match execute(p, &request_d2, chain.deployer()).await {
        Err(Error::OwnersChanged { removed, added, valid: 1, .. }) => {
            assert_eq!(removed, vec![chain.address(1)]);
            assert_eq!(added, vec![chain.address(6)]);
        }
        other => panic!("expected OwnersChanged, got {other:?}"),
    }
    Ok(())
}

async fn simulate_failing_tx(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let token = chain.deploy_test_token().await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.transfer_token(token, safe.address, U256::from(100u64)).await?;

    let ok = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(recipient(1), U256::from(40u64)),
        U256::ZERO,
    );
    let sim = simulate(p, safe.address, suite.simulate_tx_accessor, &ok).await?;
    assert!(sim.success && sim.revert_reason.is_none());
    assert!(
        sim.gas_used > 20_000,
        "an ERC-20 transfer to a fresh account costs > 20k: {}",
        sim.gas_used
    );
    assert!(IERC20::transferCall::abi_decode_returns(&sim.return_data)?);

    let block = p.get_block_number().await?;
    let bad = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(recipient(1), U256::from(101u64)),
        U256::ZERO,
    );
    let sim = simulate(p, safe.address, suite.simulate_tx_accessor, &bad).await?;
    assert!(!sim.success);
    assert_eq!(sim.revert_reason.as_deref(), Some("ERC20: transfer amount exceeds balance"));

    // Executing it is refused before sending, with the GS013 and the inner reason.
    match execute(p, &safe.request(&bad, &[0, 1])?, chain.deployer()).await {
        Err(Error::WouldRevert { reason }) => {
            assert!(
                reason.contains("GS013") && reason.contains("transfer amount exceeds balance"),
                "{reason}"
            )
        }
        other => panic!("expected WouldRevert, got {other:?}"),
    }
    assert_eq!(p.get_block_number().await?, block, "nothing was sent");
    assert_eq!(read_safe(p, safe.address).await?.nonce, U256::ZERO);

    // The same with coffer's own TestToken, which has its own revert string.
    let ctt = chain.deploy_coffer_test_token().await?;
    let bad = SafeTx::call(
        ctt,
        U256::ZERO,
        erc20_transfer_calldata(recipient(1), U256::from(1u64)),
        U256::ZERO,
    );
    let sim = simulate(p, safe.address, suite.simulate_tx_accessor, &bad).await?;
    assert_eq!(sim.revert_reason.as_deref(), Some("TestToken: insufficient balance"));
    Ok(())
}

async fn hash_mismatch_stops_everything(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    chain.fund(safe.address, ETHER).await?;
    // A non-standard singleton: the real one with one byte of its SafeTx typehash changed, so
    // VERSION() still says 1.4.1 but getTransactionHash disagrees with the standard hash.
    let mut code = p.get_code_at(suite.safe_l2).await?.to_vec();
    let typehash = coffer_core::SAFE_TX_TYPEHASH;
    let at = code.windows(32).position(|w| w == typehash.as_slice()).expect("typehash in code");
    code[at + 31] ^= 1;
    let fake = recipient(999_999);
    chain.set_code(fake, code.into()).await?;
    chain.set_storage(safe.address, B256::ZERO, fake.into_word()).await?;

    let tx = SafeTx::call(recipient(1), U256::from(1u64), vec![], U256::ZERO);
    match check_safe_tx_hash(p, &safe.ctx, &tx).await {
        Err(Error::HashMismatch { computed, on_chain, .. }) => {
            assert_eq!(computed, tx.safe_tx_hash(&safe.ctx));
            assert_ne!(computed, on_chain);
        }
        other => panic!("expected HashMismatch, got {other:?}"),
    }
    let block = p.get_block_number().await?;
    assert!(matches!(
        execute(p, &safe.request(&tx, &[0, 1])?, chain.deployer()).await,
        Err(Error::HashMismatch { .. })
    ));
    assert!(matches!(
        approve_hash(p, &safe.ctx, &tx, chain.address(1)).await,
        Err(Error::HashMismatch { .. })
    ));
    assert_eq!(p.get_block_number().await?, block, "nothing was sent");
    assert!(matches!(
        read_safe(p, safe.address).await?.singleton_kind,
        SingletonKind::Unknown { .. }
    ));
    Ok(())
}

async fn modules_across_pages(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 1, 1).await?;
    // 120 modules enabled in one batch: MultiSendCallOnly runs in the Safe's context, so its
    // calls to the Safe itself pass the `authorized` check.
    let modules: Vec<Address> = (0..120).map(|i| recipient(10_000 + i)).collect();
    let entries = modules
        .iter()
        .map(|m| {
            MultiSendEntry::call(
                safe.address,
                U256::ZERO,
                ISafe::enableModuleCall { module: *m }.abi_encode(),
            )
        })
        .collect();
    let tx =
        MultiSendBatch::call_only(entries)?.into_safe_tx(suite.multi_send_call_only, U256::ZERO);
    safe.execute(p, &tx, &[0], chain.deployer()).await?;
    // Each new module goes to the head of the list, so the list is the reverse order.
    let listed = coffer_chain::modules(p, safe.address).await?;
    let expected: Vec<Address> = modules.iter().rev().copied().collect();
    assert_eq!(listed, expected, "{imp}: every page, in list order");
    Ok(())
}

async fn execution_failure_is_reported(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let token = chain.deploy_test_token().await?;
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    // With safeTxGas > 0 a failing inner call does not revert: it is mined as ExecutionFailure
    // and uses the nonce.
    let bad = SafeTx {
        safe_tx_gas: U256::from(100_000u64),
        ..SafeTx::call(
            token,
            U256::ZERO,
            erc20_transfer_calldata(recipient(1), U256::from(1u64)),
            U256::ZERO,
        )
    };
    let report = safe.execute(p, &bad, &[0, 1], chain.deployer()).await?;
    assert!(!report.success, "{imp}: ExecutionFailure decoded");
    assert_eq!(report.payment, U256::ZERO);
    assert_eq!(read_safe(p, safe.address).await?.nonce, U256::from(1));
    Ok(())
}
