//! How the Safe's modules and guard are shown: the Delay, recovery and allowlist-guard settings
//! that `delay status`, `recovery status`, `guard allowlist show` and `safe info` print.

use alloy::providers::DynProvider;
use coffer_chain::{
    SafeInfo,
    delay::DelayStatus,
    guard::{Effect, GuardList},
    recovery::RecoveryStatus,
};
use serde_json::{Value, json};

use crate::view::time::{human, latest_time};

/// A Delay's settings as JSON (`delay status --json`, `safe info --json`'s `delays`).
pub(crate) fn delay_status_json(s: &DelayStatus, enabled: bool, warnings: &[String]) -> Value {
    json!({
        "delay": s.address,
        "kind": s.kind.to_string(),
        "owner": s.owner,
        "avatar": s.avatar,
        "target": s.target,
        "cooldown": s.cooldown,
        "expiration": s.expiration,
        "txNonce": s.tx_nonce,
        "queueNonce": s.queue_nonce,
        "pending": s.pending(),
        "proposers": s.proposers,
        "enabledOnSafe": enabled,
        "warnings": warnings,
    })
}

/// Lines for `safe info`: every Delay among the Safe's modules, with its settings.
pub(crate) async fn delay_lines(
    provider: &DynProvider,
    info: &coffer_chain::SafeInfo,
) -> Vec<(String, String)> {
    coffer_chain::delay::delays_of(provider, info)
        .await
        .into_iter()
        .map(|s| {
            (
                "delay".to_owned(),
                format!(
                    "{} ({}): cooldown {}, expiration {}, {} queued, proposers {}",
                    s.address,
                    s.kind,
                    human(s.cooldown),
                    if s.expiration == 0 { "never".to_owned() } else { human(s.expiration) },
                    s.pending(),
                    s.proposers.len()
                ),
            )
        })
        .collect()
}

/// The `delays` field of `safe info --json`: each Delay among the Safe's modules.
pub(crate) async fn delay_json(provider: &DynProvider, info: &coffer_chain::SafeInfo) -> Value {
    let delays = coffer_chain::delay::delays_of(provider, info).await;
    Value::Array(
        delays
            .iter()
            .map(|s| delay_status_json(s, true, &s.warnings(info.address, true)))
            .collect(),
    )
}

/// A recovery module's delay, or why it is unknown.
pub(crate) fn period_text(p: Option<u64>) -> String {
    p.map_or_else(|| "unknown (not coffer's module: no getter)".to_owned(), human)
}

/// A recovery module's state as JSON (`recovery status --json`, `safe info --json`'s `recoveries`).
pub(crate) fn recovery_status_json(s: &RecoveryStatus, period: Option<u64>, now: u64) -> Value {
    json!({
        "module": s.module,
        "safe": s.wallet,
        "enabled": s.enabled,
        "guardians": s.guardians,
        "threshold": s.threshold,
        "nonce": s.nonce.to_string(),
        "recoveryPeriod": period,
        "now": now,
        "pending": s.pending.as_ref().map(|p| json!({
            "approvals": p.approvals,
            "newOwners": p.new_owners,
            "newThreshold": p.new_threshold,
            "executeAfter": p.execute_after,
            "secondsLeft": p.execute_after.saturating_sub(now),
        })),
    })
}

/// Lines for `safe info`: every recovery module enabled on the Safe.
pub(crate) async fn recovery_lines(
    provider: &DynProvider,
    info: &SafeInfo,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in coffer_chain::recovery::recoveries_of(provider, info).await {
        let period =
            coffer_chain::recovery::recovery_period(provider, s.module).await.ok().flatten();
        out.push((
            "recovery".to_owned(),
            format!(
                "{}: {} of {} guardians ({}), recovery delay {}, {}",
                s.module,
                s.threshold,
                s.guardians.len(),
                s.guardians.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                period_text(period),
                if s.pending.is_some() { "a recovery is PENDING" } else { "none pending" }
            ),
        ));
    }
    out
}

/// The `recoveries` field of `safe info --json`.
pub(crate) async fn recovery_json(provider: &DynProvider, info: &SafeInfo) -> Value {
    let now = latest_time(provider).await.unwrap_or(0);
    let mut out = Vec::new();
    for s in coffer_chain::recovery::recoveries_of(provider, info).await {
        let period =
            coffer_chain::recovery::recovery_period(provider, s.module).await.ok().flatten();
        out.push(recovery_status_json(&s, period, now));
    }
    Value::Array(out)
}

fn effect_json(e: Effect) -> Value {
    match e {
        Effect::Off => json!({ "state": "off" }),
        Effect::Active(t) => json!({ "state": "active", "since": t }),
        Effect::Pending(t) => json!({ "state": "pending", "from": t }),
    }
}

/// `guard allowlist show`'s JSON for one list (also `safe info --json`'s `allowlistGuard`).
pub(crate) fn list_json(list: &GuardList, installed: bool) -> Value {
    json!({
        "guard": list.guard, "safe": list.safe, "delaySeconds": list.delay, "now": list.now,
        "installed": installed,
        "entries": list.entries.iter().map(|e| json!({
            "target": e.target, "call": effect_json(e.call), "anySelector": effect_json(e.any_selector),
            "value": effect_json(e.value), "delegateCall": effect_json(e.delegate_call),
            "selectors": e.selectors.iter().map(|(s, eff)| {
                let mut v = effect_json(*eff);
                v["selector"] = json!(s);
                v
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// One line per entry, for `show` and `safe info`.
pub(crate) fn entry_lines(list: &GuardList) -> Vec<String> {
    let mut lines = Vec::new();
    for e in &list.entries {
        let mut parts = Vec::new();
        if e.call.is_on() {
            let functions = if e.any_selector.is_on() {
                format!("any function ({})", e.any_selector.describe())
            } else {
                "listed functions only".to_owned()
            };
            parts.push(format!("call: {}, {functions}", e.call.describe()));
        }
        if e.value.is_on() {
            parts.push(format!("ETH: {}", e.value.describe()));
        }
        if e.delegate_call.is_on() {
            parts.push(format!("delegatecall: {}", e.delegate_call.describe()));
        }
        for (s, eff) in &e.selectors {
            parts.push(format!("function {s}: {}", eff.describe()));
        }
        lines.push(format!("{}: {}", e.target, parts.join("; ")));
    }
    lines
}

/// `safe info` lines for an installed allowlist guard.
pub(crate) async fn allowlist_lines(
    provider: &DynProvider,
    info: &SafeInfo,
) -> Vec<(String, String)> {
    let Some(list) = coffer_chain::guard::installed_allowlist(provider, info).await else {
        return Vec::new();
    };
    let mut lines = vec![format!("{} (delay on additions {})", list.guard, human(list.delay))];
    let entries = entry_lines(&list);
    if entries.is_empty() {
        lines.push("empty: only self-management and the guard can be called".to_owned());
    }
    lines.extend(entries);
    vec![("allowlist".to_owned(), lines.join("\n"))]
}

/// `safe info --json`'s `allowlistGuard` (null when the guard is not a CofferAllowlistGuard).
pub(crate) async fn allowlist_json(provider: &DynProvider, info: &SafeInfo) -> Value {
    match coffer_chain::guard::installed_allowlist(provider, info).await {
        Some(list) => list_json(&list, true),
        None => Value::Null,
    }
}
