//! How a Safe tx that approves a payout plan is shown (`tx show`, `tx sign`'s preview, the plan
//! commands): every figure recomputed from the chunks of the plan file that gives the approved
//! root (`coffer_chain::plan_file`), never read from the file.

use std::collections::BTreeMap;

use alloy::{primitives::Address, providers::DynProvider};
use coffer_chain::{
    plan::read_asset_units,
    plan_file::{load_plan, plans_dir},
};
use coffer_core::{
    AssetUnits, PayoutPlanTree, PlanDomain, PlanTotals, check_plan, find_plan_approval,
    plan_summary_lines, plan_totals,
};
use coffer_store::{Proposal, Store};
use serde_json::{Value, json};

use crate::output::Fields;

/// A Unix time as the plan displays show it.
pub(crate) fn when(ts: u64) -> String {
    format!("{ts} (unix time)")
}

/// The `totals` JSON of a plan: per asset, the payouts, total and largest payout recomputed from
/// the chunks, with the units and whether they were read on chain.
pub(crate) fn totals_json(totals: &PlanTotals, units: &BTreeMap<Address, AssetUnits>) -> Value {
    Value::Array(
        totals
            .totals
            .iter()
            .map(|(asset, total)| {
                let (decimals, symbol, verified) = match units.get(asset) {
                    Some(AssetUnits::OnChain { decimals, symbol }) => {
                        (Some(*decimals), symbol.clone(), true)
                    }
                    Some(AssetUnits::Unverified { claimed_decimals, claimed_symbol }) => {
                        (*claimed_decimals, claimed_symbol.clone(), false)
                    }
                    Some(AssetUnits::Native) => (Some(18), None, true),
                    None if asset.is_zero() => (Some(18), None, true),
                    None => (None, None, false),
                };
                json!({
                    "token": (!asset.is_zero()).then_some(*asset),
                    "symbol": symbol,
                    "decimals": decimals,
                    "decimalsVerified": verified,
                    "payouts": totals.payouts.get(asset).copied().unwrap_or(0),
                    "total": total,
                    "largest": totals.largest.get(asset).copied().unwrap_or_default(),
                })
            })
            .collect(),
    )
}

/// What `coffer tx show` (and any preview of a plan approval) adds for a Safe tx that approves a
/// payout plan, directly or inside a batch: every figure recomputed from the chunks of a plan
/// file whose chunks give the approved root under the approval's own domain (this chain, this
/// Safe, the module it is sent to, its salt); decimals and symbols read on chain through
/// `provider`, or, offline (`None`), amounts in base units with the file's decimals marked
/// unverified. Without such a file, what the calldata itself says. `None` for other txs.
pub(crate) async fn show_fields(
    store: &Store,
    p: &Proposal,
    provider: Option<&DynProvider>,
) -> eyre::Result<Option<(Fields, Value)>> {
    let Some(a) = find_plan_approval(p.tx.to, &p.tx.data) else { return Ok(None) };
    let domain =
        PlanDomain { chain_id: p.ctx.chain_id, module: a.module, safe: p.ctx.safe, salt: a.salt };
    let file =
        load_plan(&plans_dir(store.path()), &format!("{:#x}", a.root)).ok().filter(|(_, f)| {
            PayoutPlanTree::new(domain, &f.chunks)
                .is_ok_and(|t| t.root() == a.root && t.chunk_count() == a.chunk_count)
        });
    let totals = match &file {
        Some((_, f)) => Some(plan_totals(&f.chunks)?),
        None => None,
    };
    let claims = file.as_ref().map(|(_, f)| f.claims()).unwrap_or_default();
    let mut tokens: Vec<Address> = a.caps.iter().map(|c| c.token).collect();
    if let Some(t) = &totals {
        tokens.extend(t.totals.keys().copied());
    }
    let units: BTreeMap<Address, AssetUnits> = match provider {
        Some(provider) => read_asset_units(provider, tokens, &claims).await?,
        None => tokens.into_iter().map(|t| (t, AssetUnits::unverified(t, &claims))).collect(),
    };
    let mut f = Fields::default();
    f.add("plan root", a.root).add("chunks", a.chunk_count);
    if a.enables_module {
        f.add("enables module", format!("yes: enableModule({}) runs first in this tx", a.module));
    }
    for (root, executed) in &a.revokes {
        f.add(
            "revokes plan",
            match executed {
                Some(n) => {
                    format!("{root} (the whole tx reverts unless exactly {n} of its chunks ran)")
                }
                None => root.to_string(),
            },
        );
    }
    let mut v = json!({
        "root": a.root,
        "module": a.module,
        "chunks": a.chunk_count,
        "expiry": a.expiry,
        "salt": a.salt,
        "caps": a.caps.iter().map(|c| json!({"token": c.token, "amount": c.amount})).collect::<Vec<_>>(),
        "enablesModule": a.enables_module,
        "revokes": a.revokes.iter().map(|(r, n)| json!({"root": r, "executedCount": n})).collect::<Vec<_>>(),
        "unitsSource": if provider.is_some() { "chain" } else { "unverified (offline)" },
    });
    match (&file, &totals) {
        (Some((path, file)), Some(totals)) => {
            for (label, text) in plan_summary_lines(totals, &a.caps, &units) {
                f.add(label, text);
            }
            let verdict = match check_plan(&domain, &file.chunks, &a.caps) {
                Ok(_) => {
                    "passes the module's rules (capped plain transfers within the caps)".to_owned()
                }
                Err(e) => format!("REFUSED: {e}"),
            };
            f.add("module check", verdict).add(
                "plan file",
                format!(
                    "{} (its chunks give the approved root; every figure above is counted from them, not read from the file)",
                    path.display()
                ),
            );
            v["payouts"] = json!(totals.transfers);
            v["totals"] = totals_json(totals, &units);
            v["nonTransfers"] = json!(totals.other_calls);
            v["recomputed"] = json!(true);
            v["planFile"] = json!(path.display().to_string());
        }
        _ => {
            let caps = a
                .caps
                .iter()
                .map(|c| {
                    let unit = units.get(&c.token).cloned().unwrap_or(AssetUnits::Unverified {
                        claimed_decimals: None,
                        claimed_symbol: None,
                    });
                    unit.format(c.token, c.amount)
                })
                .collect::<Vec<_>>()
                .join("\n");
            f.add(
                "payouts",
                "unknown: no plan file in the data directory whose chunks give this root; the payouts cannot be shown",
            )
            .add("caps", if caps.is_empty() { "none".to_owned() } else { caps });
            v["recomputed"] = json!(false);
            v["planFile"] = Value::Null;
        }
    }
    if provider.is_none() {
        f.add("units", "offline: token decimals and symbols were not checked on chain");
    }
    f.add("expires", when(a.expiry)).add("module", a.module);
    Ok(Some((f, v)))
}

/// Prints (stderr) what a plan approval stands for, before a signer signs it: [`show_fields`]
/// with units read through `provider`. Nothing for other transactions.
pub(crate) async fn print_plan_preview(
    store: &Store,
    p: &Proposal,
    provider: Option<&DynProvider>,
) -> eyre::Result<()> {
    if let Some((fields, _)) = show_fields(store, p, provider).await? {
        eprintln!("this Safe tx approves a payout plan; every figure is counted from its chunks:");
        eprint!("{}", fields.render());
    }
    Ok(())
}
