//! `coffer message sign | show | list | verify`: Safe messages (off-chain EIP-1271 signatures of a Safe). The
//! message and its Safe message hash are recomputed (coffer-core), signed through coffer-signer's
//! `sign_safe_message` (keys, Ledger, Trezor, with their preview), kept in the store, posted to a Transaction
//! Service when one is configured, and checked with the Safe's own `isValidSignature` (coffer-chain).
//! `message export | import` and `message sign --bundle` carry a message to offline owners (`bundle`).

mod bundle;

use std::path::PathBuf;

use alloy::primitives::{B256, Bytes};
use clap::{Args, Subcommand};
use coffer_chain::{
    message::{FormAnswer, MessageCheck, check_message_signature, check_service_message},
    read_safe,
};
use coffer_core::{MessageContent, SafeSignature, SafeTxContext, pack_signatures};
use coffer_signer::{SigningMode, StderrPreview, WalletOpts, sign_safe_message};
use coffer_store::{StoredMessage, signature_kind_name};
use serde_json::{Value, json};

use crate::{
    exit::bad_input,
    opts::ContentOpts,
    opts::{RpcOpts, StoreOpts, TxServiceOpts},
    output::{Fields, Table, print_json},
    parse,
    view::message::message_fields,
};

/// `coffer message …`
#[derive(Debug, Subcommand)]
pub(crate) enum MessageCmd {
    /// Sign a Safe message (a text or EIP-712 typed data) as an owner: the preview shows the message and
    /// its Safe message hash; the signature is stored (and posted with --tx-service).
    Sign(Box<SignArgs>),
    /// Show a stored Safe message, its hashes and its signatures.
    Show(ShowArgs),
    /// List the stored Safe messages of a Safe.
    List(ListArgs),
    /// Ask the Safe (isValidSignature by eth_call, each form its version has) whether the collected
    /// signatures of a message are valid.
    Verify(Box<VerifyArgs>),
    /// Write a stored Safe message and its signatures to a message file for offline owners.
    Export(bundle::ExportArgs),
    /// Record the owner signatures of a message file signed offline (`message sign --bundle`): the
    /// hash recomputed, each signer checked to be a current owner on chain.
    Import(bundle::ImportArgs),
}

impl MessageCmd {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        match self {
            Self::Sign(a) => a.run().await,
            Self::Show(a) => a.run().await,
            Self::List(a) => a.run().await,
            Self::Verify(a) => a.run().await,
            Self::Export(a) => a.run().await,
            Self::Import(a) => a.run().await,
        }
    }
}

/// Arguments of `coffer message sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The Safe that signs the message (with --bundle: optional, checked against the file's).
    #[arg(required_unless_present = "bundle")]
    safe: Option<String>,
    #[command(flatten)]
    content: ContentOpts,
    /// Sign the Safe message in this message file instead (from `coffer message export`), with no
    /// RPC and no store: the hash is recomputed from the file, the signature appended to it.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
    /// With --bundle: write the signed file here instead of back into FILE.
    #[arg(long, short = 'o', value_name = "OUT", requires = "bundle")]
    output: Option<PathBuf>,
    /// With --bundle: say that this machine is offline (--bundle never touches a node or the store).
    #[arg(long, requires = "bundle")]
    offline: bool,
    /// Sign with eth_sign (a personal message over the Safe message hash, v + 4) instead of EIP-712.
    #[arg(long)]
    eth_sign: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    #[command(flatten)]
    service: TxServiceOpts,
    #[command(flatten)]
    wallet: WalletOpts,
}

fn content_json(content: &MessageContent) -> Value {
    match content {
        MessageContent::Text(t) => json!(t),
        MessageContent::TypedData(v) => v.clone(),
        MessageContent::Raw(b) => json!(b),
    }
}

fn message_json(m: &StoredMessage, sigs: &[SafeSignature]) -> eyre::Result<Value> {
    Ok(json!({
        "safeMessageHash": m.hash,
        "chainId": m.ctx.chain_id,
        "safe": m.ctx.safe,
        "version": m.ctx.version,
        "kind": m.content.kind_name(),
        "message": content_json(&m.content),
        "messageBytes": m.content.message_bytes()?,
        "signatures": sigs.iter().map(|s| json!({
            "owner": s.owner,
            "kind": signature_kind_name(&s.kind),
            "signature": s.to_bytes(),
        })).collect::<Vec<_>>(),
        "preparedSignature": prepared(sigs)?,
    }))
}

/// The collected signatures packed in owner order (the EIP-1271 signature of the Safe), or null.
fn prepared(sigs: &[SafeSignature]) -> eyre::Result<Option<Bytes>> {
    if sigs.is_empty() { Ok(None) } else { Ok(Some(pack_signatures(sigs)?)) }
}

impl SignArgs {
    async fn run(self) -> eyre::Result<()> {
        if let Some(input) = self.bundle {
            if self.content.given() {
                return Err(bad_input(
                    "--bundle signs the message in the file; do not also give --text, --file or --typed-data",
                ));
            }
            if self.service.enabled() {
                return Err(bad_input(
                    "--bundle signs offline; post with `coffer message sign --tx-service` after `message import`",
                ));
            }
            return bundle::sign_offline(
                self.safe,
                input,
                self.output,
                &self.wallet,
                self.eth_sign,
                self.json,
            )
            .await;
        }
        let safe = parse::address("SAFE", self.safe.as_deref().unwrap_or_default())?;
        let content = self.content.content()?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        let signer = self.wallet.signer().await?;
        let me = signer.address();
        if !info.is_owner(me) {
            return Err(bad_input(format!(
                "{me} is not an owner of Safe {safe}; its signature would not count. Owners: {}",
                info.owners.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            )));
        }
        let hash = content.safe_message_hash(&ctx)?;
        if let Ok(sigs) = store.message_signatures(hash)
            && sigs.iter().any(|s| s.owner == me)
        {
            return Err(bad_input(format!(
                "{me} has already signed the Safe message {hash}; a Safe counts each owner once"
            )));
        }
        eprintln!("Safe message (recomputed from the content):");
        eprint!("{}", message_fields(&ctx, &content)?.render());
        let mode = if self.eth_sign { SigningMode::EthSign } else { SigningMode::Eip712 };
        let sig = sign_safe_message(&signer, &ctx, &content, mode, &mut StderrPreview).await?;
        store.insert_message(&ctx, &content)?;
        store.add_message_signature(hash, &sig)?;
        let sigs = store.message_signatures(hash)?;
        let posted = self.push(&ctx, &content, hash, &sig).await?;
        let threshold = info.threshold;
        if self.json {
            let stored = store.message(hash)?;
            let mut out = message_json(&stored, &sigs)?;
            out["owner"] = json!(sig.owner);
            out["signature"] = json!(sig.to_bytes());
            out["threshold"] = json!(threshold);
            out["postedToService"] = json!(posted);
            return print_json(&out);
        }
        println!("{}", sig.to_bytes());
        eprintln!(
            "signed the Safe message {hash} as {me} ({}): {} signature(s) of {threshold} required",
            signature_kind_name(&sig.kind),
            sigs.len()
        );
        Ok(())
    }

    /// Posts to the Transaction Service, when one is configured: the message with this first signature, or
    /// the signature alone when the service already has the message.
    async fn push(
        &self,
        ctx: &SafeTxContext,
        content: &MessageContent,
        hash: B256,
        sig: &SafeSignature,
    ) -> eyre::Result<bool> {
        let Some(client) = self.service.client(ctx.chain_id)? else { return Ok(false) };
        let Some(message) = content.service_json() else { return Ok(false) };
        match client.message(hash).await? {
            Some(_) => client.add_message_signature(hash, sig.to_bytes()).await?,
            None => {
                client
                    .add_message(
                        ctx.safe,
                        &coffer_txs_api::SafeMessageCreate {
                            message,
                            safe_app_id: None,
                            signature: sig.to_bytes(),
                            origin: Some(crate::flow::ORIGIN.to_owned()),
                        },
                    )
                    .await?
            }
        }
        eprintln!("posted the signature to the Transaction Service");
        Ok(true)
    }
}

fn parse_hash(text: &str) -> eyre::Result<B256> {
    text.parse::<B256>().map_err(|_| {
        bad_input(format!("{text:?} is not a Safe message hash (0x followed by 64 hex digits)"))
    })
}

/// Arguments of `coffer message show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The Safe message hash.
    hash: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    /// With --tx-service: the service's message and signatures are read first, recomputed and checked against
    /// the chain; those that count join the store, the others are named.
    #[command(flatten)]
    service: TxServiceOpts,
}

/// Reads one Safe message of a Transaction Service into the store: the Safe's version and owners from the
/// chain, the hash recomputed from the message (a different hash than the service claims is refused, nothing
/// stored), each signature checked (coffer-chain); those that count are stored, the others are named on stderr.
async fn merge_from_service(
    store: &coffer_store::Store,
    provider: &alloy::providers::DynProvider,
    resp: coffer_txs_api::SafeMessageResponse,
) -> eyre::Result<B256> {
    let info = read_safe(provider, resp.safe).await?;
    let ctx = info.context()?;
    let confirmations: Vec<_> =
        resp.confirmations.iter().map(|c| (c.owner, c.signature.clone())).collect();
    let check =
        check_service_message(provider, &ctx, &info.owners, resp.message, &confirmations).await?;
    if check.safe_message_hash != resp.message_hash {
        return Err(eyre::eyre!(
            "the Transaction Service's message {} of Safe {} hashes to {} here: refused, nothing stored",
            resp.message_hash,
            resp.safe,
            check.safe_message_hash
        ));
    }
    let hash = store.insert_message(&ctx, &check.content)?;
    for sig in &check.accepted {
        match store.add_message_signature(hash, sig) {
            Ok(()) | Err(coffer_store::Error::DuplicateSignature { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for (owner, why) in &check.refused {
        eprintln!(
            "warning: the Transaction Service's signature by {owner} of the Safe message {hash} does not count and was not stored: {why}"
        );
    }
    Ok(hash)
}

impl ShowArgs {
    async fn run(self) -> eyre::Result<()> {
        let hash = parse_hash(&self.hash)?;
        let store = self.store.open()?;
        if self.service.enabled() {
            let provider = self.rpc.provider()?;
            let chain_id = self.rpc.chain_id(&provider).await?;
            if let Some(client) = self.service.client(chain_id)? {
                match client.message(hash).await? {
                    Some(resp) => {
                        merge_from_service(&store, &provider, resp).await?;
                    }
                    None => eprintln!(
                        "note: the Transaction Service has no Safe message {hash}; showing the store's"
                    ),
                }
            }
        }
        let m = store.message(hash)?;
        let sigs = store.message_signatures(hash)?;
        if self.json {
            return print_json(&message_json(&m, &sigs)?);
        }
        let mut f = message_fields(&m.ctx, &m.content)?;
        for s in &sigs {
            f.add("signed by", format!("{} ({})", s.owner, signature_kind_name(&s.kind)));
        }
        if let Some(p) = prepared(&sigs)? {
            f.add("signatures", p);
        }
        f.print();
        Ok(())
    }
}

/// Arguments of `coffer message list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The Safe.
    safe: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    /// With --tx-service: the service's messages of the Safe are read first, each recomputed and checked
    /// against the chain; what counts joins the store, the rest is named.
    #[command(flatten)]
    service: TxServiceOpts,
}

impl ListArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let chain_id = self.rpc.chain_id(&provider).await?;
        if let Some(client) = self.service.client(chain_id)? {
            for resp in client.messages(safe).await? {
                let claimed = resp.message_hash;
                if resp.safe != safe {
                    eprintln!(
                        "warning: the Transaction Service listed the message {claimed} of Safe {} under {safe}: skipped",
                        resp.safe
                    );
                    continue;
                }
                if let Err(e) = merge_from_service(&store, &provider, resp).await {
                    eprintln!("warning: {e}");
                }
            }
        }
        let list = store.messages_for_safe(chain_id, safe)?;
        if self.json {
            let out: eyre::Result<Vec<Value>> =
                list.iter().map(|m| message_json(m, &store.message_signatures(m.hash)?)).collect();
            return print_json(&out?);
        }
        if list.is_empty() {
            eprintln!("no stored Safe messages for {safe} on chain {chain_id}");
            return Ok(());
        }
        let mut t = Table::new(&["safe message hash", "kind", "signatures", "message"]);
        for m in &list {
            let n = store.message_signatures(m.hash)?.len();
            let mut shown = match &m.content {
                MessageContent::Text(s) => s.replace('\n', " "),
                MessageContent::TypedData(v) => {
                    v.get("primaryType").and_then(Value::as_str).unwrap_or("?").to_owned()
                }
                MessageContent::Raw(b) => b.to_string(),
            };
            if shown.chars().count() > 48 {
                shown = shown.chars().take(47).collect::<String>() + "…";
            }
            t.row(vec![m.hash.to_string(), m.content.kind_name().to_owned(), n.to_string(), shown]);
        }
        t.print();
        Ok(())
    }
}

/// Arguments of `coffer message verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The Safe.
    safe: String,
    /// The Safe message hash of a stored message (or give the message with --text, --file or --typed-data).
    hash: Option<String>,
    #[command(flatten)]
    content: ContentOpts,
    /// Check this signature blob instead of the stored signatures (0x…; empty `0x` asks whether the Safe
    /// signed the message on chain).
    #[arg(long, value_name = "HEX")]
    signature: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
    /// With --tx-service and a HASH: the service's signatures are read first, recomputed and checked against
    /// the chain; those that count join the store.
    #[command(flatten)]
    service: TxServiceOpts,
}

fn form_text(f: &FormAnswer) -> String {
    match f {
        FormAnswer::Valid => "valid (magic value)".to_owned(),
        FormAnswer::Invalid(why) => format!("NOT valid: {why}"),
        FormAnswer::NotInThisVersion => "not in this Safe version".to_owned(),
    }
}

fn form_json(f: &FormAnswer) -> Value {
    match f {
        FormAnswer::Valid => json!({ "valid": true }),
        FormAnswer::Invalid(why) => json!({ "valid": false, "reason": why }),
        FormAnswer::NotInThisVersion => Value::Null,
    }
}

impl VerifyArgs {
    async fn run(self) -> eyre::Result<()> {
        let safe = parse::address("SAFE", &self.safe)?;
        let store = self.store.open()?;
        let provider = self.rpc.provider()?;
        let info = read_safe(&provider, safe).await?;
        let ctx = info.context()?;
        if let (Some(h), Some(client)) = (&self.hash, self.service.client(ctx.chain_id)?) {
            let hash = parse_hash(h)?;
            match client.message(hash).await? {
                Some(resp) => {
                    merge_from_service(&store, &provider, resp).await?;
                }
                None => eprintln!(
                    "note: the Transaction Service has no Safe message {hash}; checking the store's signatures"
                ),
            }
        }
        let content = match (&self.hash, self.content.given()) {
            (Some(_), true) => {
                return Err(bad_input(
                    "give a HASH or the message (--text/--file/--typed-data), not both",
                ));
            }
            (Some(h), false) => {
                let m = store.message(parse_hash(h)?)?;
                if m.ctx != ctx {
                    return Err(bad_input(format!(
                        "the stored message {} is for Safe {} on chain {} (version {}), not {safe} on chain {} (version {})",
                        m.hash,
                        m.ctx.safe,
                        m.ctx.chain_id,
                        m.ctx.version,
                        ctx.chain_id,
                        ctx.version
                    )));
                }
                m.content
            }
            (None, _) => self.content.content()?,
        };
        let hash = content.safe_message_hash(&ctx)?;
        let signatures = match &self.signature {
            Some(s) => parse::hex_data("--signature", s)?,
            None => match store.message_signatures(hash) {
                Ok(sigs) => prepared(&sigs)?.unwrap_or_default(),
                Err(coffer_store::Error::UnknownMessage { .. }) => Bytes::new(),
                Err(e) => return Err(e.into()),
            },
        };
        let check = check_message_signature(&provider, &ctx, &content, &signatures).await?;
        self.print(&ctx, &signatures, &check)?;
        if !check.is_valid() {
            return Err(eyre::eyre!(
                "Safe {safe} does not accept these signatures for the Safe message {hash} ({} signature byte(s); threshold {})",
                signatures.len(),
                info.threshold
            ));
        }
        Ok(())
    }

    fn print(&self, ctx: &SafeTxContext, sigs: &Bytes, check: &MessageCheck) -> eyre::Result<()> {
        if self.json {
            return print_json(&json!({
                "safe": ctx.safe,
                "safeMessageHash": check.safe_message_hash,
                "signature": sigs,
                "valid": check.is_valid(),
                "bytes32Form": form_json(&check.bytes32_form),
                "bytesForm": form_json(&check.bytes_form),
                "signedOnChain": check.signed_on_chain,
            }));
        }
        let mut f = Fields::default();
        f.add("safe", format!("{} (version {})", ctx.safe, ctx.version))
            .add("safe message hash", check.safe_message_hash)
            .add("isValidSignature(bytes32,bytes)", form_text(&check.bytes32_form))
            .add("isValidSignature(bytes,bytes)", form_text(&check.bytes_form))
            .add("signed on chain", check.signed_on_chain);
        f.print();
        Ok(())
    }
}
