//! `sol!` bindings.
//!
//! Two kinds:
//!
//! - **Version-agnostic interfaces** written from the public Safe ABI ([`ISafe`],
//!   [`ISafeProxyFactory`], [`ISimulateTxAccessor`], [`IMultiSend`], [`IERC20`],
//!   [`ILegacyEip1271`], [`IEip1271`]). They hold only the functions and events that are the same
//!   in coffer's suite and in the canonical Safe 1.3.0, 1.4.1 and 1.5.0, so code that operates
//!   *any* Safe (ours or canonical) uses these. Events whose indexing changed in 1.4.0
//!   (`ExecutionSuccess`, `ExecutionFailure`, ...) are declared here with the 1.4.1 layout; their
//!   topic0 is the same in every version, but decode 1.3.0 logs by hand.
//! - **Artifact bindings** generated from the committed artifacts (ABI and creation code), one
//!   module per contract, each with an RPC instance type and `deploy`, so that building coffer
//!   never needs solc.
#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

use alloy::sol;

sol! {
    /// The Safe (proxy) interface shared by coffer's suite and canonical Safe 1.3.0–1.5.0.
    /// `operation` is `uint8` (0 = call, 1 = delegatecall), as `Enum.Operation` is in the ABI.
    #[sol(rpc)]
    interface ISafe {
        function VERSION() external view returns (string memory);
        function setup(address[] calldata owners, uint256 threshold, address to, bytes calldata data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver) external;
        function execTransaction(address to, uint256 value, bytes calldata data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes memory signatures) external payable returns (bool success);
        function getTransactionHash(address to, uint256 value, bytes calldata data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 nonce) external view returns (bytes32);
        function domainSeparator() external view returns (bytes32);
        function nonce() external view returns (uint256);
        function getThreshold() external view returns (uint256);
        function getOwners() external view returns (address[] memory);
        function isOwner(address owner) external view returns (bool);
        function approveHash(bytes32 hashToApprove) external;
        function approvedHashes(address owner, bytes32 hash) external view returns (uint256);
        function signedMessages(bytes32 hash) external view returns (uint256);
        function checkSignatures(bytes32 dataHash, bytes memory data, bytes memory signatures) external view;
        function addOwnerWithThreshold(address owner, uint256 threshold) external;
        function removeOwner(address prevOwner, address owner, uint256 threshold) external;
        function swapOwner(address prevOwner, address oldOwner, address newOwner) external;
        function changeThreshold(uint256 threshold) external;
        function enableModule(address module) external;
        function disableModule(address prevModule, address module) external;
        function isModuleEnabled(address module) external view returns (bool);
        function getModulesPaginated(address start, uint256 pageSize) external view returns (address[] memory array, address next);
        function execTransactionFromModule(address to, uint256 value, bytes memory data, uint8 operation) external returns (bool success);
        function execTransactionFromModuleReturnData(address to, uint256 value, bytes memory data, uint8 operation) external returns (bool success, bytes memory returnData);
        function setGuard(address guard) external;
        function setFallbackHandler(address handler) external;
        function getStorageAt(uint256 offset, uint256 length) external view returns (bytes memory);
        function simulateAndRevert(address targetContract, bytes memory calldataPayload) external;

        event SafeSetup(address indexed initiator, address[] owners, uint256 threshold, address initializer, address fallbackHandler);
        event ExecutionSuccess(bytes32 indexed txHash, uint256 payment);
        event ExecutionFailure(bytes32 indexed txHash, uint256 payment);
        event ApproveHash(bytes32 indexed approvedHash, address indexed owner);
        event SignMsg(bytes32 indexed msgHash);
        event AddedOwner(address indexed owner);
        event RemovedOwner(address indexed owner);
        event ChangedThreshold(uint256 threshold);
        event EnabledModule(address indexed module);
        event DisabledModule(address indexed module);
        event ExecutionFromModuleSuccess(address indexed module);
        event ExecutionFromModuleFailure(address indexed module);
        event ChangedFallbackHandler(address indexed handler);
        event ChangedGuard(address indexed guard);
        event SafeReceived(address indexed sender, uint256 value);
    }

    /// The proxy factory. `createChainSpecificProxyWithNonce` exists from 1.4.0 on.
    #[sol(rpc)]
    interface ISafeProxyFactory {
        function createProxyWithNonce(address singleton, bytes memory initializer, uint256 saltNonce) external returns (address proxy);
        function createChainSpecificProxyWithNonce(address singleton, bytes memory initializer, uint256 saltNonce) external returns (address proxy);
        function proxyCreationCode() external pure returns (bytes memory);
        event ProxyCreation(address indexed proxy, address singleton);
    }

    /// SimulateTxAccessor: delegatecalled by `simulateAndRevert`, never called directly.
    #[sol(rpc)]
    interface ISimulateTxAccessor {
        function simulate(address to, uint256 value, bytes calldata data, uint8 operation) external returns (uint256 estimate, bool success, bytes memory returnData);
    }

    /// MultiSend / MultiSendCallOnly: `transactions` is the packed batch.
    #[sol(rpc)]
    interface IMultiSend {
        function multiSend(bytes memory transactions) external payable;
    }

    /// The part of ERC-20 coffer reads and sends.
    #[sol(rpc)]
    interface IERC20 {
        function balanceOf(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string memory);
        function totalSupply() external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        event Transfer(address indexed from, address indexed to, uint256 value);
    }

    /// The legacy EIP-1271 form the Safe uses for contract owners up to 1.4.1: returns
    /// `0x20c13b0b` for a valid signature of `data`.
    #[sol(rpc)]
    interface ILegacyEip1271 {
        function isValidSignature(bytes memory data, bytes memory signature) external view returns (bytes4);
    }

    /// The standard EIP-1271 form (used by the Safe from 1.5.0): returns `0x1626ba7e` for a valid
    /// signature of `hash`.
    #[sol(rpc)]
    interface IEip1271 {
        function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4);
    }

    /// A transaction guard (1.3.0 / 1.4.1 interface) and ERC-165.
    #[sol(rpc)]
    interface ITransactionGuard {
        function checkTransaction(address to, uint256 value, bytes memory data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes memory signatures, address msgSender) external;
        function checkAfterExecution(bytes32 hash, bool success) external;
        function supportsInterface(bytes4 interfaceId) external view returns (bool);
    }
}

// Artifact bindings. Each contract gets its own module, because a binding generated from JSON
// also declares the types it uses (e.g. `Enum`) next to the contract, and several contracts use
// the same ones. The contract itself is re-exported here: `bindings::Safe`, `bindings::TestToken`.

/// `sol!` binding of the committed artifact `artifacts/Safe.json`.
pub mod safe {
    alloy::sol!(
        #[sol(rpc)]
        Safe,
        "artifacts/Safe.json"
    );
}
pub use safe::Safe;

/// `sol!` binding of the committed artifact `artifacts/SafeL2.json`.
pub mod safe_l2 {
    alloy::sol!(
        #[sol(rpc)]
        SafeL2,
        "artifacts/SafeL2.json"
    );
}
pub use safe_l2::SafeL2;

/// `sol!` binding of the committed artifact `artifacts/SafeProxy.json`.
pub mod safe_proxy {
    alloy::sol!(
        #[sol(rpc)]
        SafeProxy,
        "artifacts/SafeProxy.json"
    );
}
pub use safe_proxy::SafeProxy;

/// `sol!` binding of the committed artifact `artifacts/SafeProxyFactory.json`.
pub mod safe_proxy_factory {
    alloy::sol!(
        #[sol(rpc)]
        SafeProxyFactory,
        "artifacts/SafeProxyFactory.json"
    );
}
pub use safe_proxy_factory::SafeProxyFactory;

/// `sol!` binding of the committed artifact `artifacts/CompatibilityFallbackHandler.json`.
pub mod compatibility_fallback_handler {
    alloy::sol!(
        #[sol(rpc)]
        CompatibilityFallbackHandler,
        "artifacts/CompatibilityFallbackHandler.json"
    );
}
pub use compatibility_fallback_handler::CompatibilityFallbackHandler;

/// `sol!` binding of the committed artifact `artifacts/TokenCallbackHandler.json`.
pub mod token_callback_handler {
    alloy::sol!(
        #[sol(rpc)]
        TokenCallbackHandler,
        "artifacts/TokenCallbackHandler.json"
    );
}
pub use token_callback_handler::TokenCallbackHandler;

/// `sol!` binding of the committed artifact `artifacts/MultiSend.json`.
pub mod multi_send {
    alloy::sol!(
        #[sol(rpc)]
        MultiSend,
        "artifacts/MultiSend.json"
    );
}
pub use multi_send::MultiSend;

/// `sol!` binding of the committed artifact `artifacts/MultiSendCallOnly.json`.
pub mod multi_send_call_only {
    alloy::sol!(
        #[sol(rpc)]
        MultiSendCallOnly,
        "artifacts/MultiSendCallOnly.json"
    );
}
pub use multi_send_call_only::MultiSendCallOnly;

/// `sol!` binding of the committed artifact `artifacts/CreateCall.json`.
pub mod create_call {
    alloy::sol!(
        #[sol(rpc)]
        CreateCall,
        "artifacts/CreateCall.json"
    );
}
pub use create_call::CreateCall;

/// `sol!` binding of the committed artifact `artifacts/SignMessageLib.json`.
pub mod sign_message_lib {
    alloy::sol!(
        #[sol(rpc)]
        SignMessageLib,
        "artifacts/SignMessageLib.json"
    );
}
pub use sign_message_lib::SignMessageLib;

/// `sol!` binding of the committed artifact `artifacts/SimulateTxAccessor.json`.
pub mod simulate_tx_accessor {
    alloy::sol!(
        #[sol(rpc)]
        SimulateTxAccessor,
        "artifacts/SimulateTxAccessor.json"
    );
}
pub use simulate_tx_accessor::SimulateTxAccessor;

/// `sol!` binding of the committed artifact `artifacts/PayoutPlanModule.json`.
pub mod payout_plan_module {
    alloy::sol!(
        #[sol(rpc)]
        PayoutPlanModule,
        "artifacts/PayoutPlanModule.json"
    );
}
pub use payout_plan_module::PayoutPlanModule;

/// `sol!` binding of the committed artifact `artifacts/TestToken.json`.
pub mod test_token {
    alloy::sol!(
        #[sol(rpc)]
        TestToken,
        "artifacts/TestToken.json"
    );
}
pub use test_token::TestToken;

/// `sol!` binding of the committed artifact `artifacts/TestGuard.json`.
pub mod test_guard {
    alloy::sol!(
        #[sol(rpc)]
        TestGuard,
        "artifacts/TestGuard.json"
    );
}
pub use test_guard::TestGuard;

/// `sol!` binding of the committed artifact `artifacts/TestModule.json`.
pub mod test_module {
    alloy::sol!(
        #[sol(rpc)]
        TestModule,
        "artifacts/TestModule.json"
    );
}
pub use test_module::TestModule;

/// `sol!` binding of the committed artifact `artifacts/TestSignatureValidator.json`.
pub mod test_signature_validator {
    alloy::sol!(
        #[sol(rpc)]
        TestSignatureValidator,
        "artifacts/TestSignatureValidator.json"
    );
}
pub use test_signature_validator::TestSignatureValidator;

/// `sol!` binding of the committed artifact `artifacts/TestCreationCallback.json`.
pub mod test_creation_callback {
    alloy::sol!(
        #[sol(rpc)]
        TestCreationCallback,
        "artifacts/TestCreationCallback.json"
    );
}
pub use test_creation_callback::TestCreationCallback;

/// `sol!` binding of the committed artifact `artifacts/CofferAllowanceModule.json` (spending limits, the
/// AllowanceModule 0.1.1/1.0.0 ABI).
pub mod coffer_allowance_module {
    alloy::sol!(
        #[sol(rpc)]
        CofferAllowanceModule,
        "artifacts/CofferAllowanceModule.json"
    );
}
pub use coffer_allowance_module::CofferAllowanceModule;

/// `sol!` binding of the committed artifact `artifacts/AllowanceOddToken.json` (test helper).
pub mod allowance_odd_token {
    alloy::sol!(
        #[sol(rpc)]
        AllowanceOddToken,
        "artifacts/AllowanceOddToken.json"
    );
}
pub use allowance_odd_token::AllowanceOddToken;

/// `sol!` binding of the committed artifact `artifacts/AllowanceReentrant.json` (test helper).
pub mod allowance_reentrant {
    alloy::sol!(
        #[sol(rpc)]
        AllowanceReentrant,
        "artifacts/AllowanceReentrant.json"
    );
}
pub use allowance_reentrant::AllowanceReentrant;
/// `sol!` binding of the committed artifact `artifacts/CofferDelay.json`.
pub mod coffer_delay {
    alloy::sol!(
        #[sol(rpc)]
        CofferDelay,
        "artifacts/CofferDelay.json"
    );
}
pub use coffer_delay::CofferDelay;

sol! {
    /// The Zodiac Delay modifier interface (1.0.x), which coffer's `CofferDelay` shares: code that
    /// operates *any* Delay (ours or a canonical Zodiac proxy) uses this.
    #[sol(rpc)]
    interface IDelay {
        function setUp(bytes memory initParams) external;
        function owner() external view returns (address);
        function avatar() external view returns (address);
        function target() external view returns (address);
        function txCooldown() external view returns (uint256);
        function txExpiration() external view returns (uint256);
        function txNonce() external view returns (uint256);
        function queueNonce() external view returns (uint256);
        function txHash(uint256 nonce) external view returns (bytes32);
        function txCreatedAt(uint256 nonce) external view returns (uint256);
        function getTransactionHash(address to, uint256 value, bytes memory data, uint8 operation) external pure returns (bytes32);
        function setTxCooldown(uint256 cooldown) external;
        function setTxExpiration(uint256 expiration) external;
        function setTxNonce(uint256 nonce) external;
        function enableModule(address module) external;
        function disableModule(address prevModule, address module) external;
        function isModuleEnabled(address module) external view returns (bool);
        function getModulesPaginated(address start, uint256 pageSize) external view returns (address[] memory array, address next);
        function execTransactionFromModule(address to, uint256 value, bytes memory data, uint8 operation) external returns (bool success);
        function execTransactionFromModuleReturnData(address to, uint256 value, bytes memory data, uint8 operation) external returns (bool success, bytes memory returnData);
        function executeNextTx(address to, uint256 value, bytes memory data, uint8 operation) external;
        function skipExpired() external;
        function transferOwnership(address newOwner) external;

        event TransactionAdded(uint256 indexed queueNonce, bytes32 indexed txHash, address to, uint256 value, bytes data, uint8 operation);
        event DelaySetup(address indexed initiator, address indexed owner, address indexed avatar, address target);
        event EnabledModule(address module);
        event DisabledModule(address module);
    }

    /// Zodiac's ModuleProxyFactory: EIP-1167 proxies of a master copy, set up in one call.
    #[sol(rpc)]
    interface IModuleProxyFactory {
        function deployModule(address masterCopy, bytes memory initializer, uint256 saltNonce) external returns (address proxy);
        event ModuleProxyCreation(address indexed proxy, address indexed masterCopy);
    }
}

sol! {
    /// The Candide SocialRecoveryModule interface (MODULES.md section 4), which coffer's
    /// `CofferSocialRecoveryModule` shares: code that operates any deployment uses this.
    #[sol(rpc)]
    interface ISocialRecovery {
        struct SignatureData { address signer; bytes signature; }
        struct RecoveryRequest { uint256 guardiansApprovalCount; uint256 newThreshold; uint64 executeAfter; address[] newOwners; }
        function addGuardianWithThreshold(address guardian, uint256 threshold) external;
        function revokeGuardianWithThreshold(address prevGuardian, address guardian, uint256 threshold) external;
        function changeThreshold(uint256 threshold) external;
        function confirmRecovery(address wallet, address[] calldata newOwners, uint256 newThreshold, bool execute) external;
        function multiConfirmRecovery(address wallet, address[] calldata newOwners, uint256 newThreshold, SignatureData[] memory signatures, bool execute) external;
        function executeRecovery(address wallet, address[] calldata newOwners, uint256 newThreshold) external;
        function finalizeRecovery(address wallet) external;
        function cancelRecovery() external;
        function invalidateNonce() external;
        function getRecoveryRequest(address wallet) external view returns (RecoveryRequest memory request);
        function getRecoveryApprovals(address wallet, address[] calldata newOwners, uint256 newThreshold) external view returns (uint256);
        function hasGuardianApproved(address wallet, address guardian, address[] calldata newOwners, uint256 newThreshold) external view returns (bool);
        function nonce(address wallet) external view returns (uint256);
        function isGuardian(address wallet, address guardian) external view returns (bool);
        function guardiansCount(address wallet) external view returns (uint256);
        function threshold(address wallet) external view returns (uint256);
        function getGuardians(address wallet) external view returns (address[] memory);
        function domainSeparator() external view returns (bytes32);
        function getRecoveryHash(address wallet, address[] calldata newOwners, uint256 newThreshold, uint256 nonce) external view returns (bytes32);
        function NAME() external view returns (string memory);
        function VERSION() external view returns (string memory);

        event GuardianAdded(address indexed wallet, address indexed guardian);
        event GuardianRevoked(address indexed wallet, address indexed guardian);
        event ChangedThreshold(address indexed wallet, uint256 threshold);
        event RecoveryExecuted(address indexed wallet, address[] indexed newOwners, uint256 newThreshold, uint256 nonce, uint64 executeAfter, uint256 guardiansApprovalCount);
        event RecoveryFinalized(address indexed wallet, address[] indexed newOwners, uint256 newThreshold, uint256 nonce);
        event RecoveryCanceled(address indexed wallet, uint256 nonce);
        event NonceInvalidated(address indexed wallet, uint256 nonce);
    }
}

/// `sol!` binding of the committed artifact `artifacts/CofferAllowlistGuard.json` (the allowlist transaction
/// guard, MODULES.md §3).
pub mod coffer_allowlist_guard {
    alloy::sol!(
        #[sol(rpc)]
        CofferAllowlistGuard,
        "artifacts/CofferAllowlistGuard.json"
    );
}
pub use coffer_allowlist_guard::CofferAllowlistGuard;
