#![doc = include_str!("../README.md")]

mod bundle;
mod drills;
mod error;
mod messages;
mod meta;
mod safe_blocks;
mod sigcodec;
mod store;

pub use bundle::{BUNDLE_FORMAT, BUNDLE_VERSION, Bundle, BundleHashes};
pub use drills::{DrillRecord, DrillTransfer};
pub use error::{Error, Result};
pub use messages::StoredMessage;
pub use meta::{BatchChunk, BatchRow, PayoutPlanRef, ProposalMeta};
pub use sigcodec::signature_kind_name;
pub use store::{
    ImportReport, Proposal, ProposalStatus, RecordedSend, SCHEMA_VERSION, STORE_FILE,
    SalvageReport, Store, default_data_dir,
};
