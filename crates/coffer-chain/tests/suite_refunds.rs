//! Differential suite: refunds (SAFE-COMPAT section 5), in ether and in a token, with
//! `gasPrice`, `baseGas`, `gasToken` and `refundReceiver`, and their failure codes GS011 / GS012,
//! on coffer's suite and on canonical Safe 1.4.1.
//!
//! The Safe measures its own gas use, so the payment cannot be predicted from outside; each test
//! checks what can be: the event's payment equals what the receiver got, it is
//! `(gasUsed + baseGas) * price` for the right price (a multiple of it, with a plausible
//! gasUsed), and it goes to the right account.
#![allow(clippy::unwrap_used, clippy::panic)]

#[macro_use]
mod suite_common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use coffer_chain::test_utils::{ETHER, Implementation, TestChain, TestSafe};
use coffer_contracts::bindings::ISafe;
use coffer_core::{SafeTx, erc20_transfer_calldata};
use suite_common::*;

on_both!(ether_refunds, token_refunds, refund_failures);

/// The network gas price the executor pays (legacy transactions, so tx.gasprice is exactly this).
const NETWORK_PRICE: u64 = 2_000_000_007;

/// Sends the signed `tx` from `from` as a legacy transaction at [`NETWORK_PRICE`].
async fn exec_priced(
    chain: &TestChain,
    safe: &TestSafe,
    tx: &SafeTx,
    from: Address,
) -> TransactionReceipt {
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(safe.address)
        .with_input(exec_calldata(tx, signed(safe, tx, &[0, 1])))
        .with_gas_limit(500_000)
        .with_gas_price(NETWORK_PRICE as u128);
    let receipt =
        chain.provider().send_transaction(request).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "the refunding Safe tx reverted");
    assert_eq!(receipt.effective_gas_price, NETWORK_PRICE as u128);
    receipt
}

/// `(success, payment)` of the Safe's ExecutionSuccess / ExecutionFailure.
fn payment(receipt: &TransactionReceipt, safe: Address) -> (bool, U256) {
    for log in raw_logs(receipt).into_iter().filter(|l| l.address == safe) {
        if let Ok(e) = ISafe::ExecutionSuccess::decode_log_data(&log.data) {
            return (true, e.payment);
        }
        if let Ok(e) = ISafe::ExecutionFailure::decode_log_data(&log.data) {
            return (false, e.payment);
        }
    }
    panic!("no execution event")
}

/// Checks `payment = (gasUsed + base_gas) * price` with a plausible gasUsed, and returns gasUsed.
#[track_caller]
fn check_payment(payment: U256, price: u64, base_gas: u64, what: &str) -> u64 {
    assert!(!payment.is_zero(), "{what}: no payment");
    assert_eq!(
        payment % U256::from(price),
        U256::ZERO,
        "{what}: payment {payment} is not a multiple of {price}"
    );
    let units = (payment / U256::from(price)).to::<u64>();
    assert!(units > base_gas, "{what}: {units} units, base gas {base_gas}");
    let gas_used = units - base_gas;
    // gasUsed is what the inner call took (a cold zero-value call is about 2,700 gas).
    assert!((2_600..200_000).contains(&gas_used), "{what}: implausible gasUsed {gas_used}");
    gas_used
}

async fn ether_refunds(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    chain.fund(s, ETHER).await?;
    let executor = chain.address(7);

    // gasPrice below the network price: paid at gasPrice, to refundReceiver.
    let receiver = recipient(1);
    let low = 1_000_000_009u64;
    let tx = SafeTx {
        base_gas: U256::from(40_000),
        gas_price: U256::from(low),
        refund_receiver: receiver,
        ..SafeTx::call(recipient(2), U256::from(1), vec![], U256::ZERO)
    };
    let receipt = exec_priced(&chain, &safe, &tx, executor).await;
    let (ok, paid) = payment(&receipt, s);
    assert!(ok);
    let used = check_payment(paid, low, 40_000, &format!("{imp}: ETH refund at gasPrice"));
    assert_eq!(p.get_balance(receiver).await?, paid, "{imp}: the receiver got the payment");
    println!("{imp}: the Safe counted {used} gas for an ETH transfer with an ETH refund");

    // gasPrice above the network price: paid at tx.gasprice; no receiver: tx.origin is paid.
    let high = 5_000_000_003u64;
    let tx = SafeTx {
        base_gas: U256::from(1_000),
        gas_price: U256::from(high),
        ..SafeTx::call(recipient(2), U256::from(1), vec![], U256::from(1))
    };
    let before = p.get_balance(executor).await?;
    let receipt = exec_priced(&chain, &safe, &tx, executor).await;
    let (ok, paid) = payment(&receipt, s);
    assert!(ok);
    check_payment(paid, NETWORK_PRICE, 1_000, &format!("{imp}: ETH refund capped at tx.gasprice"));
    let fee = U256::from(receipt.gas_used) * U256::from(NETWORK_PRICE);
    assert_eq!(
        p.get_balance(executor).await? + fee,
        before + paid,
        "{imp}: tx.origin was refunded"
    );

    // A failing inner call with safeTxGas > 0 is still paid for (ExecutionFailure(payment)).
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let tx = SafeTx {
        safe_tx_gas: U256::from(60_000),
        base_gas: U256::from(0),
        gas_price: U256::from(low),
        refund_receiver: recipient(3),
        ..SafeTx::call(
            token,
            U256::ZERO,
            erc20_transfer_calldata(recipient(4), U256::from(1)),
            U256::from(2),
        )
    };
    let receipt = exec_priced(&chain, &safe, &tx, executor).await;
    let (ok, paid) = payment(&receipt, s);
    assert!(!ok, "{imp}: ExecutionFailure");
    check_payment(paid, low, 0, &format!("{imp}: refund of a failed tx"));
    assert_eq!(p.get_balance(recipient(3)).await?, paid);
    // gasPrice > 0 with safeTxGas = 0: a failure does not revert either.
    let tx = SafeTx { safe_tx_gas: U256::ZERO, nonce: U256::from(3), ..tx };
    let receipt = exec_priced(&chain, &safe, &tx, executor).await;
    assert!(!payment(&receipt, s).0, "{imp}: no GS013 when gasPrice > 0");
    assert_eq!(nonce(p, s).await, U256::from(4));
    Ok(())
}

async fn token_refunds(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let t = ITestToken::new(token, p);
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(10u64).pow(U256::from(30)) }.abi_encode(),
        U256::ZERO,
    )
    .await;

    // Paid in the token at gasPrice (no cap by tx.gasprice: 3e10 > the network price).
    let price = 30_000_000_011u64;
    let receiver = recipient(1);
    let tx = SafeTx {
        base_gas: U256::from(12_345),
        gas_price: U256::from(price),
        gas_token: token,
        refund_receiver: receiver,
        ..SafeTx::call(recipient(2), U256::ZERO, vec![], U256::ZERO)
    };
    let receipt = exec_priced(&chain, &safe, &tx, chain.address(7)).await;
    let (ok, paid) = payment(&receipt, s);
    assert!(ok);
    check_payment(paid, price, 12_345, &format!("{imp}: token refund"));
    assert_eq!(t.balanceOf(receiver).call().await?, paid, "{imp}: receiver got tokens");
    assert_eq!(p.get_balance(receiver).await?, U256::ZERO, "{imp}: and no ether");

    // No receiver: tx.origin gets the tokens.
    let tx = SafeTx { refund_receiver: Address::ZERO, nonce: U256::from(1), ..tx };
    let receipt = exec_priced(&chain, &safe, &tx, chain.address(7)).await;
    let (_, paid) = payment(&receipt, s);
    assert_eq!(t.balanceOf(chain.address(7)).call().await?, paid, "{imp}: tx.origin got tokens");

    // A "token" without code: the transfer call succeeds with no return data, which the Safe
    // counts as paid (1.4.1's SecuredTokenTransfer semantics).
    let tx =
        SafeTx { gas_token: recipient(50), refund_receiver: receiver, nonce: U256::from(2), ..tx };
    let receipt = exec_priced(&chain, &safe, &tx, chain.address(7)).await;
    let (ok, paid) = payment(&receipt, s);
    assert!(ok && !paid.is_zero(), "{imp}: codeless gas token");
    Ok(())
}

/// GS011: the ether refund cannot be sent; GS012: the token refund cannot be transferred.
async fn refund_failures(imp: Implementation) -> TestResult {
    let (chain, suite) = setup(imp).await?;
    let p = chain.provider();
    let safe = chain.create_test_safe(&suite, 3, 2).await?;
    let s = safe.address;
    let token = deploy_helper(&chain, "TestToken", &[]).await;
    let priced = |tx: &SafeTx| {
        TransactionRequest::default()
            .with_from(chain.deployer())
            .with_to(s)
            .with_input(exec_calldata(tx, signed(&safe, tx, &[0, 1])))
            .with_gas_limit(1_000_000)
            .with_gas_price(NETWORK_PRICE as u128)
    };
    let base = SafeTx {
        gas_price: U256::from(1_000_000_000u64),
        ..SafeTx::call(recipient(2), U256::ZERO, vec![], U256::ZERO)
    };

    // The Safe has no ether.
    assert_reverts(
        &call_request(p, priced(&base)).await,
        "GS011",
        &format!("{imp}: no ether for the refund"),
    );
    // The receiver refuses ether (TestToken has no receive function).
    chain.fund(s, ETHER).await?;
    let refusing = SafeTx { refund_receiver: token, ..base.clone() };
    assert_reverts(
        &call_request(p, priced(&refusing)).await,
        "GS011",
        &format!("{imp}: receiver refuses ether"),
    );
    // Another Safe as the receiver: `send` forwards 2,300 gas, too little for a proxy's cold
    // slot-0 read and cold DELEGATECALL, so the refund fails there too.
    let other = chain.create_safe_with(&suite, &[4], 1, 7).await?;
    let to_safe = SafeTx { refund_receiver: other.address, ..base.clone() };
    assert_reverts(
        &call_request(p, priced(&to_safe)).await,
        "GS011",
        &format!("{imp}: refund to a Safe"),
    );
    // It works once the receiver accepts.
    assert!(matches!(
        call_request(p, priced(&SafeTx { refund_receiver: recipient(5), ..base.clone() })).await,
        Outcome::Returned(_)
    ));

    // The Safe has none of the gas token.
    let in_token = SafeTx { gas_token: token, ..base.clone() };
    assert_reverts(
        &call_request(p, priced(&in_token)).await,
        "GS012",
        &format!("{imp}: no tokens for the refund"),
    );
    // A token whose transfer returns false. Use a contract whose answer is 32 zero bytes:
    // runtime PUSH1 0x20 PUSH0 RETURN (returns 32 bytes of zero memory).
    let init = alloy::hex::decode("6360205ff35f526004601cf3")?;
    let false_token = chain
        .send_tx(TransactionRequest::default().with_from(chain.deployer()).with_deploy_code(init))
        .await?
        .contract_address
        .unwrap();
    assert_eq!(p.get_code_at(false_token).await?.to_vec(), alloy::hex::decode("60205ff3")?);
    let returns_false = SafeTx { gas_token: false_token, ..base.clone() };
    assert_reverts(
        &call_request(p, priced(&returns_false)).await,
        "GS012",
        &format!("{imp}: transfer returns false"),
    );
    // Enough tokens: it passes.
    send(
        &chain,
        chain.deployer(),
        token,
        ITestToken::mintCall { to: s, amount: U256::from(10u64).pow(U256::from(24)) }.abi_encode(),
        U256::ZERO,
    )
    .await;
    assert!(matches!(call_request(p, priced(&in_token)).await, Outcome::Returned(_)));
    Ok(())
}
