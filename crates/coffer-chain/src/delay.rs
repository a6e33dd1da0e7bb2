//! A time-lock between proposers and a Safe: coffer's `CofferDelay` or a canonical Zodiac Delay
//! (an EIP-1167 proxy of the 1.0.x master copy), both spoken to through one ABI
//! ([`coffer_contracts::bindings::IDelay`]).
//!
//! - Deployment: [`deploy_coffer_delay`] (CREATE2 through the chain's deployer, constructor
//!   arguments fixed, so the address is predicted by [`coffer_delay_address`]) and
//!   [`deploy_zodiac_delay`] (the Zodiac ModuleProxyFactory, predicted by
//!   [`zodiac_proxy_address`]).
//! - Reading: [`read_delay`] → [`DelayStatus`] (settings, nonces, every proposer page, what
//!   implementation runs there); [`read_queue`] → one [`QueuedTx`] per queued entry, whose
//!   arguments come from the `TransactionAdded` event, re-hashed and compared with the contract's
//!   `txHash(n)`, decoded with coffer-core's decoder and flagged ([`QueueFlag`]).
//! - Owner-side changes (cooldown, expiration, veto, proposers, the setup batch) are [`SafeTx`]
//!   builders: they go through the normal propose → sign → execute flow and its signing gate.
//! - Proposer and anyone-side calls: [`propose`], [`execute_next`] (re-hashes and simulates
//!   before sending), [`skip_expired`].

use crate::{Error, Result, SafeInfo, read::SENTINEL, send::send_and_confirm};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::Provider,
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolEvent, SolValue},
};
use coffer_contracts::{
    artifact,
    bindings::{IDelay, IModuleProxyFactory},
};
use coffer_core::{DecodedCall, MultiSendBatch, MultiSendEntry, Operation, SafeTx, decode_call};

/// The artifact name of coffer's Delay.
pub const COFFER_DELAY: &str = "CofferDelay";
/// The canonical Zodiac Delay 1.0.1 master copy (EIP-2470 singleton factory, salt 0).
pub const ZODIAC_DELAY_101_MASTERCOPY: Address =
    address!("d54895B1121A2eE3f37b502F507631FA1331BED6");
/// The canonical Zodiac Delay 1.0.0 master copy.
pub const ZODIAC_DELAY_100_MASTERCOPY: Address =
    address!("D62129BF40CD1694b3d9D9847367783a1A4d5cB4");
/// The canonical Zodiac Delay 1.1.0 master copy.
pub const ZODIAC_DELAY_110_MASTERCOPY: Address =
    address!("01F8cabB808D7dE0dF4202D4B60C8310d2f1339b");
/// The canonical Zodiac ModuleProxyFactory 1.2.0.
pub const ZODIAC_MODULE_PROXY_FACTORY: Address =
    address!("000000000000aDdB49795b0f9bA5BC298cDda236");
/// Proposer pages are read this many at a time.
const PAGE: u64 = 50;

/// A Delay's creation settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayParams {
    /// Who sets the cooldown/expiration, vetoes and manages proposers (normally the Safe).
    pub owner: Address,
    /// The avatar (normally the Safe).
    pub avatar: Address,
    /// The contract executed calls go to (normally the Safe).
    pub target: Address,
    /// Seconds a queued call waits.
    pub cooldown: u64,
    /// Seconds after the cooldown a call may still run; 0 = never expires.
    pub expiration: u64,
}

impl DelayParams {
    /// Owner, avatar and target all the Safe.
    pub const fn for_safe(safe: Address, cooldown: u64, expiration: u64) -> Self {
        Self { owner: safe, avatar: safe, target: safe, cooldown, expiration }
    }

    /// Refuses what `setUp` refuses (zero avatar or target, an expiration between 1 and 59).
    pub fn check(&self) -> Result<()> {
        if self.avatar == Address::ZERO || self.target == Address::ZERO {
            return Err(Error::Delay(
                "the avatar and the target must not be the zero address".into(),
            ));
        }
        if self.expiration != 0 && self.expiration < 60 {
            return Err(Error::Delay(format!(
                "expiration {}s is refused by the Delay: use 0 (never expires) or at least 60 seconds",
                self.expiration
            )));
        }
        Ok(())
    }

    /// `abi.encode(owner, avatar, target, cooldown, expiration)`: the constructor arguments and
    /// `setUp`'s parameter.
    pub fn encode(&self) -> Vec<u8> {
        (
            self.owner,
            self.avatar,
            self.target,
            U256::from(self.cooldown),
            U256::from(self.expiration),
        )
            .abi_encode_params()
    }
}

/// `CofferDelay`'s init code for `params` (creation code ‖ constructor arguments).
pub fn coffer_delay_init_code(params: &DelayParams) -> Result<Bytes> {
    let a = artifact(COFFER_DELAY)?;
    let mut code = a.bytecode.to_vec();
    code.extend_from_slice(&params.encode());
    Ok(code.into())
}

/// Where [`deploy_coffer_delay`] puts a `CofferDelay` with `params` through `deployer` and `salt`.
pub fn coffer_delay_address(
    deployer: Address,
    salt: B256,
    params: &DelayParams,
) -> Result<Address> {
    Ok(crate::deploy::create2_address(deployer, salt, &coffer_delay_init_code(params)?))
}

/// Deploys coffer's Delay with `params` through the chain's CREATE2 deployer, sending from
/// `from`. Idempotent: the same parameters and salt give the same address.
pub async fn deploy_coffer_delay<P: Provider>(
    provider: &P,
    from: Address,
    salt: B256,
    params: &DelayParams,
) -> Result<Address> {
    params.check()?;
    let deployer = crate::deploy::find_deployer(provider).await?;
    let init = coffer_delay_init_code(params)?;
    let d = crate::deploy::deploy_init_code(
        provider,
        from,
        deployer,
        salt,
        artifact(COFFER_DELAY)?,
        &init,
    )
    .await?;
    Ok(d.address)
}

/// The EIP-1167 creation code of a proxy of `mastercopy`, as the ModuleProxyFactory builds it.
pub fn eip1167_init_code(mastercopy: Address) -> Vec<u8> {
    let mut code = hex_literal(b"602d8060093d393df3363d3d373d3d3d363d73");
    code.extend_from_slice(mastercopy.as_slice());
    code.extend_from_slice(&hex_literal(b"5af43d82803e903d91602b57fd5bf3"));
    code
}

fn hex_literal(s: &[u8]) -> Vec<u8> {
    s.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            d(p[0]) << 4 | d(p[1])
        })
        .collect()
}

/// `setUp(bytes)` calldata for `params`: the ModuleProxyFactory's initializer.
pub fn setup_initializer(params: &DelayParams) -> Bytes {
    IDelay::setUpCall { initParams: params.encode().into() }.abi_encode().into()
}

/// Where `ModuleProxyFactory.deployModule(mastercopy, initializer, salt_nonce)` puts the proxy:
/// CREATE2 from `factory` with salt `keccak256(keccak256(initializer) ‖ saltNonce)`.
pub fn zodiac_proxy_address(
    factory: Address,
    mastercopy: Address,
    initializer: &[u8],
    salt_nonce: U256,
) -> Address {
    let mut pre = keccak256(initializer).to_vec();
    pre.extend_from_slice(&salt_nonce.to_be_bytes::<32>());
    factory.create2(keccak256(pre), keccak256(eip1167_init_code(mastercopy)))
}

/// Deploys a Zodiac Delay proxy of `mastercopy` through `factory` (a ModuleProxyFactory) with
/// `params`, sending from `from`. Returns the proxy, checked against the prediction.
pub async fn deploy_zodiac_delay<P: Provider>(
    provider: &P,
    from: Address,
    factory: Address,
    mastercopy: Address,
    params: &DelayParams,
    salt_nonce: U256,
) -> Result<Address> {
    params.check()?;
    let initializer = setup_initializer(params);
    let predicted = zodiac_proxy_address(factory, mastercopy, &initializer, salt_nonce);
    if !provider.get_code_at(predicted).await.map_err(Error::rpc)?.is_empty() {
        return Ok(predicted);
    }
    let data = IModuleProxyFactory::deployModuleCall {
        masterCopy: mastercopy,
        initializer,
        saltNonce: salt_nonce,
    }
    .abi_encode();
    let tx = TransactionRequest::default().with_from(from).with_to(factory).with_input(data);
    send_and_confirm(provider, tx).await?;
    if provider.get_code_at(predicted).await.map_err(Error::rpc)?.is_empty() {
        return Err(Error::NotDeployed {
            contract: "Zodiac Delay proxy".into(),
            address: predicted,
        });
    }
    Ok(predicted)
}

/// What runs at a Delay's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayKind {
    /// coffer's `CofferDelay` (runtime code equal to the committed artifact's).
    Coffer,
    /// An EIP-1167 proxy of a known Zodiac Delay master copy (`version` is "1.0.0", "1.0.1" or
    /// "1.1.0").
    Zodiac {
        /// The master copy.
        mastercopy: Address,
        /// Its release.
        version: &'static str,
    },
    /// An EIP-1167 proxy of another master copy (it may be a Delay deployed elsewhere; it is
    /// spoken to through the same ABI, but nothing is vouched for).
    UnknownProxy {
        /// The master copy.
        mastercopy: Address,
    },
    /// Other code.
    Unknown,
}

impl core::fmt::Display for DelayKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Coffer => f.write_str("coffer CofferDelay"),
            Self::Zodiac { mastercopy, version } => {
                write!(f, "Zodiac Delay {version} (proxy of {mastercopy})")
            }
            Self::UnknownProxy { mastercopy } => {
                write!(f, "unknown (EIP-1167 proxy of {mastercopy}, not a known Delay master copy)")
            }
            Self::Unknown => f.write_str("unknown code"),
        }
    }
}

/// Classifies the code at a Delay's address.
pub fn classify_delay(code: &[u8]) -> DelayKind {
    if artifact(COFFER_DELAY).is_ok_and(|a| a.deployed_bytecode.as_ref() == code) {
        return DelayKind::Coffer;
    }
    let prefix = hex_literal(b"363d3d373d3d3d363d73");
    if code.len() == 45 && code.starts_with(&prefix) {
        let mastercopy = Address::from_slice(&code[10..30]);
        let version = match mastercopy {
            ZODIAC_DELAY_100_MASTERCOPY => Some("1.0.0"),
            ZODIAC_DELAY_101_MASTERCOPY => Some("1.0.1"),
            ZODIAC_DELAY_110_MASTERCOPY => Some("1.1.0"),
            _ => None,
        };
        return match version {
            Some(version) => DelayKind::Zodiac { mastercopy, version },
            None => DelayKind::UnknownProxy { mastercopy },
        };
    }
    DelayKind::Unknown
}

/// A Delay's state, read from the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayStatus {
    /// The Delay.
    pub address: Address,
    /// What runs there.
    pub kind: DelayKind,
    /// `owner()`.
    pub owner: Address,
    /// `avatar()`.
    pub avatar: Address,
    /// `target()`.
    pub target: Address,
    /// `txCooldown()` in seconds.
    pub cooldown: u64,
    /// `txExpiration()` in seconds (0 = never).
    pub expiration: u64,
    /// `txNonce()`: the head of the queue.
    pub tx_nonce: u64,
    /// `queueNonce()`: the next index.
    pub queue_nonce: u64,
    /// Every enabled proposer, list order (all pages).
    pub proposers: Vec<Address>,
}

impl DelayStatus {
    /// How many calls wait in the queue.
    pub fn pending(&self) -> u64 {
        self.queue_nonce.saturating_sub(self.tx_nonce)
    }

    /// What looks wrong for a Delay meant to guard `safe`: each a sentence.
    pub fn warnings(&self, safe: Address, enabled_on_safe: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (what, a) in [("owner", self.owner), ("avatar", self.avatar), ("target", self.target)] {
            if a != safe {
                out.push(format!("the Delay's {what} is {a}, not the Safe {safe}"));
            }
        }
        if !enabled_on_safe {
            out.push(format!(
                "the Delay is not enabled as a module on the Safe {safe}: queued calls cannot execute"
            ));
        }
        if self.expiration == 0 {
            out.push(
                "expiration is 0: a queued call stays executable forever, and a failing head call can only be cleared by the owner's veto".into(),
            );
        }
        if matches!(self.kind, DelayKind::Unknown | DelayKind::UnknownProxy { .. }) {
            out.push(format!("the code at {} is not a known Delay: {}", self.address, self.kind));
        }
        out
    }
}

fn u64_of(v: U256, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::Delay(format!("{what} = {v} does not fit in 64 bits")))
}

/// Reads a Delay's settings, nonces and every page of proposers.
pub async fn read_delay<P: Provider>(provider: &P, delay: Address) -> Result<DelayStatus> {
    let code = provider.get_code_at(delay).await.map_err(Error::rpc)?;
    if code.is_empty() {
        return Err(Error::Delay(format!(
            "there is no contract at {delay}: check the Delay address and the RPC URL's chain"
        )));
    }
    let kind = classify_delay(&code);
    let d = IDelay::new(delay, provider);
    let not_delay = |e: alloy::contract::Error| {
        Error::Delay(format!("{delay} does not answer the Delay interface ({e}); is it a Delay?"))
    };
    let owner = d.owner().call().await.map_err(not_delay)?;
    let avatar = d.avatar().call().await.map_err(not_delay)?;
    let target = d.target().call().await.map_err(not_delay)?;
    let cooldown = u64_of(d.txCooldown().call().await.map_err(not_delay)?, "txCooldown")?;
    let expiration = u64_of(d.txExpiration().call().await.map_err(not_delay)?, "txExpiration")?;
    let tx_nonce = u64_of(d.txNonce().call().await.map_err(not_delay)?, "txNonce")?;
    let queue_nonce = u64_of(d.queueNonce().call().await.map_err(not_delay)?, "queueNonce")?;
    let proposers = read_proposers(provider, delay).await?;
    Ok(DelayStatus {
        address: delay,
        kind,
        owner,
        avatar,
        target,
        cooldown,
        expiration,
        tx_nonce,
        queue_nonce,
        proposers,
    })
}

/// Every enabled proposer of a Delay, following `getModulesPaginated` page by page. Works with
/// both page semantics (1.0.x: `next` is the first of the next page; 1.1.0: the last of this
/// page) by continuing from the last address read.
pub async fn read_proposers<P: Provider>(provider: &P, delay: Address) -> Result<Vec<Address>> {
    let d = IDelay::new(delay, provider);
    let mut out: Vec<Address> = Vec::new();
    let mut start = SENTINEL;
    loop {
        let page = d
            .getModulesPaginated(start, U256::from(PAGE))
            .call()
            .await
            .map_err(|e| Error::Delay(format!("getModulesPaginated on {delay}: {e}")))?;
        let n = page.array.len();
        for m in page.array {
            if out.contains(&m) {
                return Err(Error::Delay(format!("the proposer list of {delay} loops at {m}")));
            }
            out.push(m);
        }
        if (n as u64) < PAGE || page.next == SENTINEL || page.next == Address::ZERO {
            return Ok(out);
        }
        start = *out.last().unwrap_or(&SENTINEL);
    }
}

/// Where a queued call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueState {
    /// Waiting for its cooldown.
    Cooling,
    /// The head, executable now.
    Ready,
    /// Past its cooldown, but calls before it must run (or be skipped) first.
    Waiting,
    /// Past its expiration: only `skip-expired` or a veto moves past it.
    Expired,
}

impl QueueState {
    /// The lowercase name used in output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cooling => "cooling",
            Self::Ready => "ready",
            Self::Waiting => "waiting",
            Self::Expired => "expired",
        }
    }
}

/// Something about a queued call the owners should look at before it can run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueFlag {
    /// The event's arguments do not hash to the contract's `txHash(n)`.
    HashMismatch,
    /// No `TransactionAdded` event was found for this index.
    NoEvent,
    /// The call is a delegatecall from the Safe.
    DelegateCall,
    /// The call goes to another contract than the Safe (for a recovery Delay, anything but an
    /// owner change of the Safe itself is suspect).
    NotTheSafe(Address),
    /// The call changes the Delay itself (cooldown, expiration, proposers, owner).
    CallsTheDelay,
    /// A risk coffer-core's decoder flags (owner, threshold, module, guard, handler changes).
    Risk(coffer_core::Risk),
}

impl core::fmt::Display for QueueFlag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::HashMismatch => f.write_str("HASH MISMATCH"),
            Self::NoEvent => f.write_str("NO EVENT"),
            Self::DelegateCall => f.write_str("DELEGATECALL"),
            Self::NotTheSafe(a) => write!(f, "TARGET {a} IS NOT THE SAFE"),
            Self::CallsTheDelay => f.write_str("CHANGES THE DELAY"),
            Self::Risk(r) => write!(f, "{r}"),
        }
    }
}

/// One queued call, re-hashed from its event data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedTx {
    /// Its queue index.
    pub index: u64,
    /// The hash the contract stores (`txHash(n)`).
    pub stored_hash: B256,
    /// `keccak256(abi.encodePacked(to, value, data, operation))` of the event's arguments.
    pub computed_hash: B256,
    /// Target (from the event).
    pub to: Address,
    /// Wei (from the event).
    pub value: U256,
    /// Calldata (from the event).
    pub data: Bytes,
    /// 0 = call, 1 = delegatecall (from the event).
    pub operation: u8,
    /// `txCreatedAt(n)`.
    pub created_at: u64,
    /// First second it may execute: `createdAt + cooldown` (cooldown read now).
    pub executable_at: u64,
    /// Last second it may execute (`None`: never expires).
    pub expires_at: Option<u64>,
    /// Where it stands at the time given to [`read_queue`].
    pub state: QueueState,
    /// Who sent the queuing transaction.
    pub proposer: Option<Address>,
    /// The block it was queued in.
    pub block: Option<u64>,
    /// The decoded call.
    pub decoded: Option<DecodedCall>,
    /// What to look at.
    pub flags: Vec<QueueFlag>,
}

impl QueuedTx {
    /// Whether the event's arguments hash to the stored hash.
    pub fn hash_ok(&self) -> bool {
        self.stored_hash == self.computed_hash
    }
}

/// The packed queue hash: `keccak256(abi.encodePacked(to, value, data, operation))`.
pub fn queue_hash(to: Address, value: U256, data: &[u8], operation: u8) -> B256 {
    let mut p = Vec::with_capacity(20 + 32 + data.len() + 1);
    p.extend_from_slice(to.as_slice());
    p.extend_from_slice(&value.to_be_bytes::<32>());
    p.extend_from_slice(data);
    p.push(operation);
    keccak256(p)
}

/// The flags of a call queued on `delay` for `safe`.
pub fn flag_call(
    safe: Address,
    delay: Address,
    to: Address,
    value: U256,
    data: &[u8],
    operation: u8,
) -> (Option<DecodedCall>, Vec<QueueFlag>) {
    let mut flags = Vec::new();
    let op = Operation::try_from(operation).ok();
    if operation != 0 {
        flags.push(QueueFlag::DelegateCall);
    }
    if to == delay {
        flags.push(QueueFlag::CallsTheDelay);
    } else if to != safe {
        flags.push(QueueFlag::NotTheSafe(to));
    }
    let decoded = op.map(|op| decode_call(to, value, data, op));
    if let Some(d) = &decoded {
        for r in d.all_risks() {
            if r != coffer_core::Risk::DelegateCall {
                flags.push(QueueFlag::Risk(r));
            }
        }
    }
    (decoded, flags)
}

/// A `TransactionAdded` event, with where it came from.
#[derive(Clone, Debug)]
pub struct QueueEvent {
    /// Queue index.
    pub index: u64,
    /// The hash the event carries.
    pub hash: B256,
    /// Target.
    pub to: Address,
    /// Wei.
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
    /// Operation byte.
    pub operation: u8,
    /// The block.
    pub block: Option<u64>,
    /// The transaction that queued it.
    pub tx_hash: Option<B256>,
}

/// The `TransactionAdded` events of `delay` from block `from_block` on.
pub async fn queue_events<P: Provider>(
    provider: &P,
    delay: Address,
    from_block: u64,
) -> Result<Vec<QueueEvent>> {
    let filter = Filter::new()
        .address(delay)
        .event_signature(IDelay::TransactionAdded::SIGNATURE_HASH)
        .from_block(from_block);
    let logs = provider.get_logs(&filter).await.map_err(Error::rpc)?;
    let mut out = Vec::with_capacity(logs.len());
    for log in logs {
        let Ok(ev) = IDelay::TransactionAdded::decode_log_data(log.data()) else { continue };
        out.push(QueueEvent {
            index: u64_of(ev.queueNonce, "queueNonce")?,
            hash: ev.txHash,
            to: ev.to,
            value: ev.value,
            data: ev.data,
            operation: ev.operation,
            block: log.block_number,
            tx_hash: log.transaction_hash,
        });
    }
    Ok(out)
}

/// Every queued call `[txNonce, queueNonce)` of a Delay guarding `safe`, at time `now`: the
/// arguments from its `TransactionAdded` event, re-hashed and compared with `txHash(n)`, decoded
/// and flagged, with its state and the proposer (the event transaction's sender).
pub async fn read_queue<P: Provider>(
    provider: &P,
    status: &DelayStatus,
    safe: Address,
    now: u64,
) -> Result<Vec<QueuedTx>> {
    let delay = status.address;
    let d = IDelay::new(delay, provider);
    let events = queue_events(provider, delay, 0).await?;
    let mut out = Vec::new();
    let mut head_blocked = false;
    for index in status.tx_nonce..status.queue_nonce {
        let i = U256::from(index);
        let stored_hash = d.txHash(i).call().await.map_err(Error::rpc)?;
        let created_at = u64_of(d.txCreatedAt(i).call().await.map_err(Error::rpc)?, "txCreatedAt")?;
        let executable_at = created_at.saturating_add(status.cooldown);
        let expires_at =
            (status.expiration != 0).then(|| executable_at.saturating_add(status.expiration));
        let state = if expires_at.is_some_and(|e| now > e) {
            QueueState::Expired
        } else if now < executable_at {
            QueueState::Cooling
        } else if head_blocked {
            QueueState::Waiting
        } else {
            QueueState::Ready
        };
        if state != QueueState::Expired {
            head_blocked = true;
        }
        // The last event for this index (an index is written once per Delay).
        let ev = events.iter().rev().find(|e| e.index == index);
        let mut q = QueuedTx {
            index,
            stored_hash,
            computed_hash: B256::ZERO,
            to: Address::ZERO,
            value: U256::ZERO,
            data: Bytes::new(),
            operation: 0,
            created_at,
            executable_at,
            expires_at,
            state,
            proposer: None,
            block: None,
            decoded: None,
            flags: Vec::new(),
        };
        match ev {
            None => q.flags.push(QueueFlag::NoEvent),
            Some(ev) => {
                q.to = ev.to;
                q.value = ev.value;
                q.data = ev.data.clone();
                q.operation = ev.operation;
                q.block = ev.block;
                q.computed_hash = queue_hash(ev.to, ev.value, &ev.data, ev.operation);
                if !q.hash_ok() {
                    q.flags.push(QueueFlag::HashMismatch);
                }
                if let Some(h) = ev.tx_hash
                    && let Ok(Some(tx)) = provider.get_transaction_by_hash(h).await
                {
                    q.proposer = Some(tx.inner.signer());
                }
                let (decoded, flags) =
                    flag_call(safe, delay, ev.to, ev.value, &ev.data, ev.operation);
                q.decoded = decoded;
                q.flags.extend(flags);
            }
        }
        out.push(q);
    }
    Ok(out)
}

// ----- owner-side Safe transactions (through the normal propose/sign/execute flow) -----

fn delay_call(delay: Address, data: Vec<u8>, nonce: U256) -> SafeTx {
    SafeTx::call(delay, U256::ZERO, data, nonce)
}

/// `setTxCooldown(seconds)` on `delay`, as a Safe transaction.
pub fn set_cooldown_tx(delay: Address, seconds: u64, nonce: U256) -> SafeTx {
    delay_call(
        delay,
        IDelay::setTxCooldownCall { cooldown: U256::from(seconds) }.abi_encode(),
        nonce,
    )
}

/// `setTxExpiration(seconds)` on `delay`, as a Safe transaction (refuses 1..=59, as the Delay does).
pub fn set_expiration_tx(delay: Address, seconds: u64, nonce: U256) -> Result<SafeTx> {
    if seconds != 0 && seconds < 60 {
        return Err(Error::Delay(format!(
            "expiration {seconds}s is refused by the Delay: use 0 (never expires) or at least 60 seconds"
        )));
    }
    Ok(delay_call(
        delay,
        IDelay::setTxExpirationCall { expiration: U256::from(seconds) }.abi_encode(),
        nonce,
    ))
}

/// The veto: `setTxNonce(new_tx_nonce)`, skipping every queued call below it. Checked against
/// the Delay's nonces: it must be above `txNonce` and at most `queueNonce`.
pub fn veto_tx(status: &DelayStatus, new_tx_nonce: u64, nonce: U256) -> Result<SafeTx> {
    if new_tx_nonce <= status.tx_nonce {
        return Err(Error::Delay(format!(
            "nothing to veto below {new_tx_nonce}: the queue's head is already {} (calls below it can no longer run)",
            status.tx_nonce
        )));
    }
    if new_tx_nonce > status.queue_nonce {
        return Err(Error::Delay(format!(
            "index {} is not queued: the queue holds indexes {}..{}",
            new_tx_nonce - 1,
            status.tx_nonce,
            status.queue_nonce
        )));
    }
    Ok(delay_call(
        status.address,
        IDelay::setTxNonceCall { nonce: U256::from(new_tx_nonce) }.abi_encode(),
        nonce,
    ))
}

/// `enableModule(proposer)` on the Delay, as a Safe transaction.
pub fn add_proposer_tx(status: &DelayStatus, proposer: Address, nonce: U256) -> Result<SafeTx> {
    if proposer == Address::ZERO || proposer == SENTINEL {
        return Err(Error::Delay(format!("{proposer} cannot be a proposer")));
    }
    if status.proposers.contains(&proposer) {
        return Err(Error::Delay(format!(
            "{proposer} is already a proposer of {}",
            status.address
        )));
    }
    Ok(delay_call(
        status.address,
        IDelay::enableModuleCall { module: proposer }.abi_encode(),
        nonce,
    ))
}

/// `disableModule(prev, proposer)` on the Delay, with `prev` from the list, as a Safe transaction.
pub fn remove_proposer_tx(status: &DelayStatus, proposer: Address, nonce: U256) -> Result<SafeTx> {
    let prev = crate::prev_in_list(&status.proposers, proposer).ok_or_else(|| {
        Error::Delay(format!("{proposer} is not a proposer of {}", status.address))
    })?;
    Ok(delay_call(
        status.address,
        IDelay::disableModuleCall { prevModule: prev, module: proposer }.abi_encode(),
        nonce,
    ))
}

/// The wiring of a new Delay as one Safe transaction: `Safe.enableModule(delay)` (unless
/// enabled) and `delay.enableModule(p)` for each proposer, batched through MultiSendCallOnly when
/// there is more than one call.
pub fn setup_tx(
    info: &SafeInfo,
    delay: Address,
    proposers: &[Address],
    multi_send_call_only: Address,
    nonce: U256,
) -> Result<SafeTx> {
    let mut entries = Vec::new();
    if !info.is_module(delay) {
        let t = info.enable_module_tx(delay, nonce)?;
        entries.push(MultiSendEntry::call(t.to, U256::ZERO, t.data));
    }
    for p in proposers {
        if *p == Address::ZERO || *p == SENTINEL {
            return Err(Error::Delay(format!("{p} cannot be a proposer")));
        }
        entries.push(MultiSendEntry::call(
            delay,
            U256::ZERO,
            IDelay::enableModuleCall { module: *p }.abi_encode(),
        ));
    }
    match entries.as_slice() {
        [] => Err(Error::Delay(format!(
            "the Delay {delay} is already enabled on the Safe and no proposer was given: nothing to do"
        ))),
        [only] => Ok(SafeTx::call(only.to, U256::ZERO, only.data.clone(), nonce)),
        _ => {
            let mut tx =
                MultiSendBatch::call_only(entries)?.into_safe_tx(multi_send_call_only, U256::ZERO);
            tx.nonce = nonce;
            Ok(tx)
        }
    }
}

// ----- proposer and anyone-side calls -----

/// Queues `(to, value, data, operation)` on `delay` from `proposer` (an enabled proposer the
/// provider signs for). Checks first that `proposer` is enabled. Returns the queue index.
pub async fn propose<P: Provider>(
    provider: &P,
    delay: Address,
    proposer: Address,
    to: Address,
    value: U256,
    data: Bytes,
    operation: Operation,
) -> Result<u64> {
    let d = IDelay::new(delay, provider);
    if !d.isModuleEnabled(proposer).call().await.map_err(Error::rpc)? {
        return Err(Error::Delay(format!(
            "{proposer} is not a proposer of the Delay {delay}: the owners add it with `coffer delay add-proposer`"
        )));
    }
    let index = u64_of(d.queueNonce().call().await.map_err(Error::rpc)?, "queueNonce")?;
    let call =
        IDelay::execTransactionFromModuleCall { to, value, data, operation: operation.as_u8() };
    let tx = TransactionRequest::default()
        .with_from(proposer)
        .with_to(delay)
        .with_input(call.abi_encode());
    let receipt = send_and_confirm(provider, tx).await?;
    for log in receipt.inner.logs() {
        if log.address() == delay
            && let Ok(ev) = IDelay::TransactionAdded::decode_log_data(log.data())
        {
            return u64_of(ev.queueNonce, "queueNonce");
        }
    }
    Ok(index)
}

/// Runs the head of the queue: reads it ([`read_queue`]), refuses when its event does not hash to
/// the stored hash or it is not ready, simulates `executeNextTx` (a revert reason comes back as
/// [`Error::WouldRevert`], nothing sent), then sends it from `from`. Returns the index run.
pub async fn execute_next<P: Provider>(
    provider: &P,
    status: &DelayStatus,
    safe: Address,
    from: Address,
    now: u64,
) -> Result<u64> {
    let queue = read_queue(provider, status, safe, now).await?;
    let head = queue
        .first()
        .ok_or_else(|| Error::Delay(format!("the queue of {} is empty", status.address)))?;
    if !head.hash_ok() {
        return Err(Error::Delay(format!(
            "queued call {} does not match its event (stored {}, event hashes to {}): refusing to run it",
            head.index, head.stored_hash, head.computed_hash
        )));
    }
    match head.state {
        QueueState::Cooling => {
            return Err(Error::Delay(format!(
                "queued call {} is still in its cooldown: executable from unix time {} ({}s from now)",
                head.index,
                head.executable_at,
                head.executable_at.saturating_sub(now)
            )));
        }
        QueueState::Expired => {
            return Err(Error::Delay(format!(
                "queued call {} expired at unix time {}: run `coffer delay skip-expired` to move past it",
                head.index,
                head.expires_at.unwrap_or_default()
            )));
        }
        QueueState::Ready | QueueState::Waiting => {}
    }
    let call = IDelay::executeNextTxCall {
        to: head.to,
        value: head.value,
        data: head.data.clone(),
        operation: head.operation,
    };
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(status.address)
        .with_input(call.abi_encode());
    if let Err(e) = provider.call(tx.clone()).await {
        let reason = e
            .as_error_resp()
            .and_then(|r| r.as_revert_data())
            .map(|d| crate::revert_reason(&d))
            .unwrap_or_else(|| e.to_string());
        return Err(Error::WouldRevert { reason });
    }
    send_and_confirm(provider, tx).await?;
    Ok(head.index)
}

/// `skipExpired()` from `from`. Returns the new head (`txNonce`).
pub async fn skip_expired<P: Provider>(provider: &P, delay: Address, from: Address) -> Result<u64> {
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(delay)
        .with_input(IDelay::skipExpiredCall {}.abi_encode());
    send_and_confirm(provider, tx).await?;
    let d = IDelay::new(delay, provider);
    u64_of(d.txNonce().call().await.map_err(Error::rpc)?, "txNonce")
}

/// The Delays among a Safe's modules (each answering `txCooldown()` and `queueNonce()`), for
/// `safe info`.
pub async fn delays_of<P: Provider>(provider: &P, info: &SafeInfo) -> Vec<DelayStatus> {
    let mut out = Vec::new();
    for m in &info.modules {
        if let Ok(s) = read_delay(provider, *m).await {
            out.push(s);
        }
    }
    out
}
