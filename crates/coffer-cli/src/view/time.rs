//! Durations and times as the module commands show them (Delay cooldowns, recovery delays, guard
//! delays).

use alloy::providers::{DynProvider, Provider};

/// A number of seconds as `1d2h3m4s` (`0s` for zero).
pub(crate) fn human(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60, secs % 60);
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out.push_str(&format!("{v}{u}"));
        }
    }
    out
}

/// A Unix time as a UTC date and time.
pub(crate) fn utc(ts: u64) -> String {
    coffer_core::utc_timestamp(ts)
}

/// The latest block's timestamp: "now" on chain, for countdowns.
pub(crate) async fn latest_time(provider: &DynProvider) -> eyre::Result<u64> {
    let b = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre::eyre!("the node returned no latest block"))?;
    Ok(b.header.timestamp)
}
