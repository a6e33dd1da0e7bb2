//! The Transaction Service's Safe message routes (api-kit's `addMessage`, `getMessage`, `addMessageSignature`):
//! wire types and the client calls.

use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Client, ClientError};

/// The body of `POST /v1/safes/{safe}/messages/`: the message (a string, or an EIP-712 object kept as sent)
/// and the proposer's one signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeMessageCreate {
    /// A text or an EIP-712 typed-data object.
    pub message: Value,
    /// The Safe app that asked, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_app_id: Option<u64>,
    /// One owner signature of the Safe message hash.
    pub signature: Bytes,
    /// Free-form origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// One owner's signature of a Safe message, as the service returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeMessageConfirmation {
    /// When it was added (ISO-8601).
    pub created: String,
    /// When it was last changed (ISO-8601).
    pub modified: String,
    /// The owner.
    pub owner: Address,
    /// The owner's signature.
    pub signature: Bytes,
    /// `EOA`, `ETH_SIGN`, `CONTRACT_SIGNATURE` or `APPROVED_HASH`.
    pub signature_type: String,
}

/// A Safe message as `GET /v1/messages/{hash}/` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeMessageResponse {
    /// When it was added (ISO-8601).
    pub created: String,
    /// When it was last changed (ISO-8601).
    pub modified: String,
    /// The Safe.
    pub safe: Address,
    /// The Safe message hash the service computed.
    pub message_hash: B256,
    /// The message as sent.
    pub message: Value,
    /// The owner who added it.
    pub proposed_by: Address,
    /// The Safe app that asked, if any.
    #[serde(default)]
    pub safe_app_id: Option<u64>,
    /// The owners' signatures, oldest first.
    pub confirmations: Vec<SafeMessageConfirmation>,
    /// The signatures packed by owner, or null.
    #[serde(default)]
    pub prepared_signature: Option<Bytes>,
    /// The origin (a JSON-dumped string).
    #[serde(default)]
    pub origin: Value,
}

impl Client {
    /// `POST /v1/safes/{safe}/messages/` (201, empty body).
    pub async fn add_message(
        &self,
        safe: Address,
        body: &SafeMessageCreate,
    ) -> Result<(), ClientError> {
        self.post(&format!("/v1/safes/{}/messages/", safe.to_checksum(None)), body).await
    }

    /// `GET /v1/messages/{hash}/`; `None` when unknown (404).
    pub async fn message(&self, hash: B256) -> Result<Option<SafeMessageResponse>, ClientError> {
        self.get_json(&format!("/v1/messages/{hash:#x}/"), true).await
    }

    /// `GET /v1/safes/{safe}/messages/`: every Safe message of `safe` the service has, every page, oldest
    /// first (`ordering=created`).
    pub async fn messages(&self, safe: Address) -> Result<Vec<SafeMessageResponse>, ClientError> {
        self.all_pages(&format!("/v1/safes/{}/messages/?ordering=created", safe.to_checksum(None)))
            .await
    }

    /// `POST /v1/messages/{hash}/signatures/` with one owner's signature (201, empty body).
    pub async fn add_message_signature(
        &self,
        hash: B256,
        signature: Bytes,
    ) -> Result<(), ClientError> {
        self.post(
            &format!("/v1/messages/{hash:#x}/signatures/"),
            &crate::ConfirmationCreate { signature },
        )
        .await
    }
}
