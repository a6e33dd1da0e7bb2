//! Benchmark 1 of issue 8: the most fresh-recipient ERC-20 payouts one Safe transaction can make
//! under the EIP-7825 per-transaction cap (16,777,216 gas), coffer's suite against canonical Safe
//! 1.4.1, on one anvil that enforces the cap (`--hardfork osaka --enable-tx-gas-limit`).
//!
//! ```sh
//! script/bootstrap   # anvil and the npm Safe 1.4.1 artifacts in .tools
//! cargo run --release -p coffer-chain --example max_payouts
//! ```
//!
//! For each suite and singleton (`Safe`, the mainnet default where the cap matters, and `SafeL2`):
//! a 2-of-3 Safe holding the OpenZeppelin `ERC20Token` of the npm package; a warm-up transaction
//! spends nonce 0 so the measured ones write a non-zero nonce; a 100-payout batch is mined; then
//! the largest `n` is found by binary search, where `n` fits when `execTransaction` of a
//! `MultiSendCallOnly` batch paying `n` fresh accounts, signed by 2 owners and sent by a
//! non-owner with a gas limit of exactly the cap, succeeds in `eth_call` (the Safe reverts with
//! GS013 when the inner batch runs out of gas, since safeTxGas and gasPrice are 0). The found
//! batch is then mined with the cap as its gas limit, and `n + 1` is checked to fail.
//!
//! Marginal gas per payout = (gasUsed(n) - gasUsed(100)) / (n - 100), from the two mined
//! receipts. The fit is bounded by the cap minus the 1/64 of gas the EVM keeps back at each
//! call (the Safe's call into MultiSendCallOnly and its calls into the token), so gasUsed of the
//! largest batch stays somewhat below the cap.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout, clippy::print_stderr)]

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent},
};
use coffer_chain::{
    SafeConfig, SingletonChoice, create_safe,
    plan::TX_GAS_CAP,
    test_utils::{Implementation, TestChain, TestSafe},
};
use coffer_contracts::bindings::{IERC20, ISafe};
use coffer_core::{
    MultiSendBatch, MultiSendEntry, SafeTx, erc20_transfer_calldata, pack_signatures,
};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// The upper end of the search: far above what fits.
const SEARCH_HIGH: u64 = 2_000;

fn fresh(tag: &str, i: u64) -> Address {
    Address::from_word(keccak256(format!("max payouts {tag} {i}")))
}

/// The `execTransaction` calldata paying `n` fresh accounts (`tag`, from `offset`), signed by
/// owners 0 and 1.
fn batch_call(
    safe: &TestSafe,
    token: Address,
    tag: &str,
    offset: u64,
    n: u64,
    nonce: U256,
) -> Result<Bytes> {
    let entries: Vec<MultiSendEntry> = (0..n)
        .map(|i| {
            MultiSendEntry::call(
                token,
                U256::ZERO,
                erc20_transfer_calldata(fresh(tag, offset + i), U256::from(1000 + i)),
            )
        })
        .collect();
    let tx =
        MultiSendBatch::call_only(entries)?.into_safe_tx(safe.suite.multi_send_call_only, nonce);
    exec_call(safe, &tx)
}

fn exec_call(safe: &TestSafe, tx: &SafeTx) -> Result<Bytes> {
    let signatures = pack_signatures(&safe.sign_by(tx, &[0, 1])?)?;
    Ok(ISafe::execTransactionCall {
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        operation: tx.operation.as_u8(),
        safeTxGas: tx.safe_tx_gas,
        baseGas: tx.base_gas,
        gasPrice: tx.gas_price,
        gasToken: tx.gas_token,
        refundReceiver: tx.refund_receiver,
        signatures,
    }
    .abi_encode()
    .into())
}

fn request(chain: &TestChain, to: Address, input: Bytes) -> TransactionRequest {
    TransactionRequest::default()
        .with_from(chain.deployer())
        .with_to(to)
        .with_input(input)
        .with_gas_limit(TX_GAS_CAP)
}

/// Whether the call succeeds (returns `true`) with a gas limit of exactly the cap.
async fn fits(chain: &TestChain, safe: Address, input: Bytes) -> Result<bool> {
    match chain.provider().call(request(chain, safe, input)).await {
        Ok(ret) => Ok(ret.len() == 32 && ret[31] == 1),
        Err(_) => Ok(false),
    }
}

/// Mines the call with the cap as gas limit; returns gasUsed, and fails unless the Safe reported
/// ExecutionSuccess.
async fn mine(chain: &TestChain, safe: Address, input: Bytes) -> Result<u64> {
    let receipt =
        chain.provider().send_transaction(request(chain, safe, input)).await?.get_receipt().await?;
    let success = receipt.status()
        && receipt.inner.logs().iter().any(|l| {
            l.address() == safe
                && l.topics().first() == Some(&ISafe::ExecutionSuccess::SIGNATURE_HASH)
        });
    if !success {
        return Err(format!("the Safe transaction on {safe} did not succeed").into());
    }
    Ok(receipt.gas_used)
}

async fn nonce(chain: &TestChain, safe: Address) -> Result<U256> {
    Ok(ISafe::new(safe, chain.provider()).nonce().call().await?)
}

struct Found {
    max: u64,
    gas_max: u64,
    gas_100: u64,
}

async fn measure(
    chain: &TestChain,
    imp: Implementation,
    singleton: SingletonChoice,
    token: Address,
    salt: u64,
) -> Result<Found> {
    let suite = chain.deploy_suite(imp).await?;
    let signers: Vec<_> = [1usize, 2, 3].iter().map(|i| chain.signer(*i).clone()).collect();
    let config = SafeConfig::new(signers.iter().map(|s| s.address()).collect(), 2)
        .with_salt_nonce(U256::from(salt))
        .with_singleton(singleton);
    let created = create_safe(chain.provider(), chain.deployer(), &suite, &config).await?;
    let safe = TestSafe {
        address: created.plan.address,
        ctx: created.info.context()?,
        owners: signers,
        threshold: 2,
        suite,
    };
    let supply = IERC20::new(token, chain.provider()).balanceOf(chain.deployer()).call().await?;
    chain.transfer_token(token, safe.address, supply / U256::from(2)).await?;
    let tag = format!("{}-{salt}", imp.name());

    // Warm-up: nonce 0, a transfer to an account that already holds tokens.
    let warm = SafeTx::call(
        token,
        U256::ZERO,
        erc20_transfer_calldata(chain.deployer(), U256::from(1)),
        nonce(chain, safe.address).await?,
    );
    mine(chain, safe.address, exec_call(&safe, &warm)?).await?;

    let gas_100 = mine(
        chain,
        safe.address,
        batch_call(&safe, token, &tag, 0, 100, nonce(chain, safe.address).await?)?,
    )
    .await?;

    // Binary search over fresh recipients from offset 1,000,000 (none of them touched yet).
    let n0 = nonce(chain, safe.address).await?;
    let offset = 1_000_000;
    let (mut lo, mut hi) = (100u64, SEARCH_HIGH);
    if !fits(chain, safe.address, batch_call(&safe, token, &tag, offset, lo, n0)?).await? {
        return Err("100 payouts do not fit under the cap".into());
    }
    if fits(chain, safe.address, batch_call(&safe, token, &tag, offset, hi, n0)?).await? {
        return Err(format!("{hi} payouts fit: raise SEARCH_HIGH").into());
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(chain, safe.address, batch_call(&safe, token, &tag, offset, mid, n0)?).await? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    eprintln!("{tag}: {lo} payouts fit under the cap, {hi} do not");
    // lo fits, lo + 1 does not (checked again explicitly), then lo is mined.
    assert!(!fits(chain, safe.address, batch_call(&safe, token, &tag, offset, lo + 1, n0)?).await?);
    let gas_max =
        mine(chain, safe.address, batch_call(&safe, token, &tag, offset, lo, n0)?).await?;
    Ok(Found { max: lo, gas_max, gas_100 })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let chain = TestChain::builder()
        .arg("--hardfork")
        .arg("osaka")
        .arg("--enable-tx-gas-limit")
        .spawn()
        .await?;
    chain.provider().client().set_poll_interval(std::time::Duration::from_millis(10));
    let node: serde_json::Value = chain.provider().raw_request("anvil_nodeInfo".into(), ()).await?;
    let hardfork = node.get("hardFork").and_then(|h| h.as_str()).unwrap_or("?").to_owned();

    // The cap is really enforced: a plain transfer with a gas limit of cap + 1 is refused. It is
    // sent from account 7, used for nothing else: the provider's nonce cache would otherwise
    // leave a gap behind the refused transaction.
    let over = TransactionRequest::default()
        .with_from(chain.address(7))
        .with_to(chain.address(9))
        .with_value(U256::from(1))
        .with_gas_limit(TX_GAS_CAP + 1);
    let refused = match chain.provider().send_transaction(over).await {
        Ok(pending) => !matches!(
            tokio::time::timeout(std::time::Duration::from_secs(5), pending.get_receipt()).await,
            Ok(Ok(r)) if r.status()
        ),
        Err(_) => true,
    };
    if !refused {
        return Err("this anvil accepted a transaction above the EIP-7825 cap".into());
    }

    println!(
        "Most fresh-recipient ERC-20 payouts in one Safe transaction under the EIP-7825 cap ({TX_GAS_CAP} gas)"
    );
    println!(
        "anvil hardfork {hardfork} with --enable-tx-gas-limit (a gas limit of cap + 1 is refused); 2-of-3 Safe, EIP-712 signatures, non-owner executor; OpenZeppelin ERC20Token; MultiSendCallOnly\n"
    );
    println!(
        "| suite | singleton | max payouts | gasUsed (max) | gasUsed (100) | marginal gas per payout |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    let mut results = Vec::new();
    let mut salt = 0;
    for singleton in [SingletonChoice::Safe, SingletonChoice::SafeL2] {
        for imp in [Implementation::Coffer, Implementation::Canonical141] {
            salt += 1;
            // One token per measured Safe, so no run warms another's storage.
            let token = chain.deploy_test_token().await?;
            let f = measure(&chain, imp, singleton, token, salt).await?;
            let marginal = (f.gas_max - f.gas_100) as f64 / (f.max - 100) as f64;
            let singleton_name = match singleton {
                SingletonChoice::Safe => "Safe",
                _ => "SafeL2",
            };
            println!(
                "| {} | {singleton_name} | **{}** | {} | {} | {marginal:.1} |",
                imp.name(),
                f.max,
                f.gas_max,
                f.gas_100
            );
            results.push((singleton_name, imp, f.max, marginal));
        }
    }
    println!();
    for pair in results.chunks(2) {
        let (ours, theirs) = (&pair[0], &pair[1]);
        println!(
            "{}: coffer {} vs canonical {} payouts (+{}), marginal {:.1} vs {:.1} gas; target more than canonical: {}",
            ours.0,
            ours.2,
            theirs.2,
            ours.2 as i64 - theirs.2 as i64,
            ours.3,
            theirs.3,
            if ours.2 > theirs.2 { "met" } else { "MISSED" }
        );
    }
    Ok(())
}
