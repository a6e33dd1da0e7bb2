//! Payout-plan files (`<data dir>/plans/<root>.json`, format `coffer-payout-plan/2`): the plan as
//! built by `coffer payout plan`, kept so that `payout run`, `tx show` and `tx sign` can recompute
//! every figure from its chunks. Reading checks the format and that the chunks give the root the
//! file names; nothing in a file is trusted without that.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use coffer_core::{AssetUnits, PlanDomain, PlanTotals};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Error, Result,
    plan::{PlanChunks, PlanHistory, repeated_payouts},
};

fn bad(msg: String) -> Error {
    Error::PlanFile(msg)
}

/// The plan file's format tag (2: leaves carry the plan's salt, PayoutPlanModule 1.1.0).
pub const FORMAT: &str = "coffer-payout-plan/2";

/// One asset's total in a plan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssetTotal {
    /// The token (`null`: ETH).
    pub token: Option<Address>,
    /// Its symbol, if it answers `symbol()`.
    pub symbol: Option<String>,
    /// Its decimals.
    pub decimals: u8,
    /// Number of payouts.
    pub payouts: usize,
    /// Sum, in base units.
    pub total: U256,
    /// The largest single payout, in base units.
    pub largest: U256,
}

/// A payout plan as stored in `plans/<root>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanFile {
    /// The format tag, [`FORMAT`].
    pub format: String,
    /// The chain the plan pays on.
    pub chain_id: u64,
    /// The Safe that approves and pays it.
    pub safe: Address,
    /// The PayoutPlanModule it runs through.
    pub module: Address,
    /// The MultiSendCallOnly the module batches with.
    pub multi_send_call_only: Address,
    /// The plan's Merkle root (what the Safe approves).
    pub root: B256,
    /// How many chunks the root commits to.
    pub chunk_count: u32,
    /// When the approval expires (Unix time).
    pub expiry: u64,
    /// The salt every leaf carries (the nonce of the approving Safe tx).
    pub salt: u64,
    /// The per-token caps of the approval.
    pub caps: Vec<CapEntry>,
    /// Where the payouts came from (the CSV file).
    pub source: String,
    /// Number of payouts.
    pub payouts: usize,
    /// Per-asset totals as built (shown only after they are recomputed from the chunks).
    pub totals: Vec<AssetTotal>,
    /// Packed MultiSend entries of each chunk.
    pub chunks: Vec<Bytes>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
/// One token's cap in a plan file.
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapEntry {
    /// The token.
    pub token: Address,
    /// The cap, in base units.
    pub amount: U256,
}

impl PlanFile {
    /// The plan's leaf domain: chain, module, Safe and salt.
    pub fn domain(&self) -> PlanDomain {
        PlanDomain {
            chain_id: self.chain_id,
            module: self.module,
            safe: self.safe,
            salt: self.salt,
        }
    }

    /// The decimals and symbols the file claims, per token (never shown as checked).
    pub fn claims(&self) -> BTreeMap<Address, (Option<u8>, Option<String>)> {
        self.totals
            .iter()
            .filter_map(|t| Some((t.token?, (Some(t.decimals), t.symbol.clone()))))
            .collect()
    }

    /// The plan's chunks and tree, checked: the chunks give the stored root and count.
    pub fn chunks(&self, path: &Path) -> Result<PlanChunks> {
        let plan = PlanChunks::new(self.domain(), self.chunks.clone()).map_err(|e| {
            bad(format!("{}: the chunks are not a valid plan: {e}", path.display()))
        })?;
        if plan.root() != self.root || plan.chunk_count() != self.chunk_count {
            return Err(bad(format!(
                "{}: its chunks give root {} ({} chunks), not the root {} it names; the file was \
                 changed after it was built, so do not run it",
                path.display(),
                plan.root(),
                plan.chunk_count(),
                self.root
            )));
        }
        Ok(plan)
    }
}

/// Where plan files live: `plans` next to the store file `store_file` (`<data dir>/plans`).
pub fn plans_dir(store_file: &Path) -> PathBuf {
    store_file.parent().map_or_else(|| PathBuf::from("plans"), |d| d.join("plans"))
}

/// Writes `plan` to `<dir>/<root>.json` atomically (a temporary file renamed into place).
pub fn write_plan(dir: &Path, plan: &PlanFile) -> Result<PathBuf> {
    let io = |what: String| move |e: std::io::Error| Error::PlanFileWrite(format!("{what}: {e}"));
    std::fs::create_dir_all(dir)
        .map_err(io(format!("cannot create the plan directory {}", dir.display())))?;
    let path = dir.join(format!("{:#x}.json", plan.root));
    let tmp = dir.join(format!(".{:#x}.json.tmp-{}", plan.root, std::process::id()));
    let text = serde_json::to_string_pretty(plan)
        .map_err(|e| Error::PlanFileWrite(format!("cannot encode the plan: {e}")))?;
    std::fs::write(&tmp, text).map_err(io(format!("cannot write {}", tmp.display())))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::PlanFileWrite(format!("cannot write {}: {e}", path.display()))
    })?;
    Ok(path)
}

/// Reads a plan file given as a path, or as a root (or a unique prefix of it) in the plan
/// directory `dir`.
pub fn load_plan(dir: &Path, arg: &str) -> Result<(PathBuf, PlanFile)> {
    let as_path = Path::new(arg);
    let path = if as_path.is_file() {
        as_path.to_path_buf()
    } else {
        let want = arg.trim().to_ascii_lowercase();
        if !want.starts_with("0x") || want.len() < 6 {
            return Err(bad(format!(
                "{arg:?} is neither a plan file nor a plan root (0x and at least 4 hex digits); \
                 `coffer payout plan` prints the root"
            )));
        }
        let mut found = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_ascii_lowercase();
                if name.starts_with(&want) && name.ends_with(".json") {
                    found.push(e.path());
                }
            }
        }
        match found.len() {
            1 => found.remove(0),
            0 => {
                return Err(bad(format!(
                    "no plan {arg} in {}; give the plan file's path, or build it with `coffer payout plan`",
                    dir.display()
                )));
            }
            n => return Err(bad(format!("{arg} matches {n} plans; give more digits"))),
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad(format!("cannot read the plan file {}: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("{} is not a coffer plan file: {e}", path.display())))?;
    let format = value.get("format").and_then(Value::as_str).unwrap_or_default().to_owned();
    if format != FORMAT {
        return Err(bad(format!(
            "{}: format {format:?} is not {FORMAT:?}; this coffer cannot read it (plans of \
             PayoutPlanModule 1.0.0 cannot run on 1.1.0: build the plan again with `coffer payout plan`)",
            path.display()
        )));
    }
    // `format` was checked above, on the raw JSON, so that an old file gets that message
    // rather than a field error.
    let plan: PlanFile = serde_json::from_value(value)
        .map_err(|e| bad(format!("{} is not a coffer plan file: {e}", path.display())))?;
    Ok((path, plan))
}

/// The chunks of every readable plan file in the data directory for `safe` on `module` and
/// `chain_id`, by root: what `payout plan` compares new rows with (pending chunks of active plans
/// are known only from these files). Files that do not give their root are skipped.
pub fn known_plans(
    dir: &Path,
    chain_id: u64,
    safe: Address,
    module: Address,
) -> BTreeMap<B256, Vec<Bytes>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok((path, file)) = load_plan(dir, &path.display().to_string()) else { continue };
        if file.chain_id == chain_id
            && file.safe == safe
            && file.module == module
            && let Ok(plan) = file.chunks(&path)
        {
            out.insert(plan.root(), plan.chunks().to_vec());
        }
    }
    out
}

/// Parses a plan's `--expiry`: `7d`, `12h`, `30m`, `3600s` or a bare number of seconds.
pub fn parse_expiry(s: &str) -> Result<u64> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => 0,
    };
    let n: u64 = num.parse().unwrap_or(0);
    if mult == 0 || n == 0 {
        return Err(bad(format!(
            "--expiry {s:?} is not a duration: write a positive number with s, m, h, d or w (e.g. 7d)"
        )));
    }
    n.checked_mul(mult).ok_or_else(|| bad(format!("--expiry {s:?} is too large")))
}

/// Refuses payouts the chain shows paid or pending in another active plan, and active plans
/// whose pending chunks are unknown (in neither case is anything of the plan stored).
pub fn refuse_repeats(chunks: &[Bytes], history: &PlanHistory, dir: &Path) -> Result<()> {
    let repeats = repeated_payouts(chunks, history);
    if !repeats.is_empty() {
        let list = repeats
            .iter()
            .take(5)
            .map(|(_, p, why)| {
                let asset =
                    if p.token.is_zero() { "wei".to_owned() } else { format!("of {}", p.token) };
                format!("  {} {asset} to {}: {why}", p.amount, p.receiver)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let more = if repeats.len() > 5 {
            format!("\n  … and {} more", repeats.len() - 5)
        } else {
            String::new()
        };
        return Err(bad(format!(
            "{} payout(s) of this file were already paid or are pending in another active plan of \
             the Safe (read from PayoutPlanModule's events):\n{list}{more}\nremove those rows, \
             use `coffer payout replan` for an interrupted plan, or pass --allow-repeat if paying \
             them again is intended",
            repeats.len()
        )));
    }
    if let Some((root, n)) = history.unknown_pending.first() {
        return Err(bad(format!(
            "plan {root:#x} of this Safe is active with {n} chunk(s) not yet run, and its plan \
             file is not in {}, so coffer cannot tell whether it pays these rows: copy its plan \
             file there, revoke it, or pass --allow-repeat",
            dir.display()
        )));
    }
    Ok(())
}

/// The file's per-asset summary, from the recomputed totals and the units read on chain.
pub fn asset_totals(totals: &PlanTotals, units: &BTreeMap<Address, AssetUnits>) -> Vec<AssetTotal> {
    totals
        .totals
        .iter()
        .map(|(asset, total)| {
            let token = (!asset.is_zero()).then_some(*asset);
            let (decimals, symbol) = match units.get(asset) {
                Some(AssetUnits::OnChain { decimals, symbol }) => (*decimals, symbol.clone()),
                Some(AssetUnits::Unverified { claimed_decimals, claimed_symbol }) => {
                    (claimed_decimals.unwrap_or(0), claimed_symbol.clone())
                }
                Some(AssetUnits::Native) | None => (18, None),
            };
            AssetTotal {
                token,
                symbol,
                decimals,
                payouts: totals.payouts.get(asset).copied().unwrap_or(0),
                total: *total,
                largest: totals.largest.get(asset).copied().unwrap_or_default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_durations() {
        assert_eq!(parse_expiry("7d").ok(), Some(604_800));
        assert_eq!(parse_expiry("12h").ok(), Some(43_200));
        assert_eq!(parse_expiry("90").ok(), Some(90));
        assert_eq!(parse_expiry("2w").ok(), Some(1_209_600));
        for bad in ["", "0d", "7y", "d", "-1h", "1.5h"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }
}
