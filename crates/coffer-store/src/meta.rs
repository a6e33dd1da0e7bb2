//! Metadata carried with a proposal: a label, where it came from, the batch rows of a chunk, a payout plan.

use alloy_primitives::{Address, B256};
use coffer_core::PayoutRow;
use serde::{Deserialize, Serialize};

/// Optional, display-only facts about a proposal. None of it is hashed or signed: owners sign the
/// [`coffer_core::SafeTx`] fields, and a tool must show those (decoded) as the truth. The metadata says where a
/// proposal came from, so `coffer tx show` can list a batch chunk's source rows next to the decoded calls.
///
/// JSON shape (camelCase, every field optional, unknown fields refused):
/// `{"label": "...", "origin": "...", "batch": {...}, "payoutPlan": {...}, "extra": <any JSON>}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProposalMeta {
    /// A short human label, e.g. `"March payroll, chunk 2 of 17"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What produced the proposal, e.g. `"csv:payouts.csv"`, `"tx-builder:batch.json"`, `"reject"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// For one chunk of a batch: its position and the source rows it pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchChunk>,
    /// For a payout-plan transaction (approval, revocation, module enablement): which plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_plan: Option<PayoutPlanRef>,
    /// Anything else a caller wants to keep with the proposal (any JSON value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Value>,
}

impl ProposalMeta {
    /// True if no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Metadata with only a label.
    pub fn labelled(label: impl Into<String>) -> Self {
        Self { label: Some(label.into()), ..Self::default() }
    }
}

/// One chunk of a batch (a CSV or Transaction Builder file split into several Safe transactions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchChunk {
    /// 0-based index of this chunk among the batch's chunks.
    pub chunk: usize,
    /// How many chunks the batch has.
    pub chunks: usize,
    /// The source file's name, as the user gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The rows this chunk pays, in order.
    pub rows: Vec<BatchRow>,
}

/// One source row of a batch chunk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchRow {
    /// 0-based index of the row among the file's payout rows.
    pub index: usize,
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    /// The ERC-20 token, or `null` for the native coin.
    #[serde(with = "checksummed_opt")]
    pub token: Option<Address>,
    /// Who receives it.
    #[serde(with = "checksummed")]
    pub receiver: Address,
    /// The amount in decimal token units, as written in the file.
    pub amount: String,
}

impl BatchRow {
    /// The row at `index` of a parsed CSV file.
    pub fn from_payout_row(index: usize, row: &PayoutRow) -> Self {
        Self {
            index,
            line: row.line,
            token: row.token,
            receiver: row.receiver,
            amount: row.amount.clone(),
        }
    }
}

/// A reference to a payout plan (see the PayoutPlanModule).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayoutPlanRef {
    /// The plan's id: the Merkle root over its chunk hashes.
    pub root: B256,
    /// How many chunks the plan has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u64>,
    /// How many payouts the plan makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payouts: Option<u64>,
}

/// Addresses written with their EIP-55 checksum; read in any case.
pub(crate) mod checksummed {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        Address::deserialize(d)
    }
}

/// Optional addresses written with their EIP-55 checksum, `null` for none.
mod checksummed_opt {
    use alloy_primitives::Address;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &Option<Address>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(&a.to_checksum(None)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Address>, D::Error> {
        Option::<Address>::deserialize(d)
    }
}
