// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {IFallbackManager} from "./IFallbackManager.sol";
import {IGuardManager} from "./IGuardManager.sol";
import {IModuleManager} from "./IModuleManager.sol";
import {IOwnerManager} from "./IOwnerManager.sol";
import {IStorageAccessible} from "./IStorageAccessible.sol";

/**
 * @title ISafe
 * @notice The Safe: a multisignature account that executes a transaction once enough of its owners signed it.
 * @dev The interface level is Safe 1.4.1: selectors, events, revert strings, EIP-712 hashes and storage
 *      slots are those of the canonical Safe 1.4.1. The EIP-712 domain is
 *      `EIP712Domain(uint256 chainId,address verifyingContract)` with the Safe (the proxy) as verifying
 *      contract, and no name or version. Plain ether transfers emit
 *      `SafeReceived(address indexed sender, uint256 value)` (declared in NativeCurrencyPaymentFallback).
 */
interface ISafe is IModuleManager, IOwnerManager, IGuardManager, IFallbackManager, IStorageAccessible {
    /// @notice The Safe was set up by `initiator` (usually the proxy factory).
    event SafeSetup(
        address indexed initiator, address[] owners, uint256 threshold, address initializer, address fallbackHandler
    );
    /// @notice `owner` approved `approvedHash` on chain.
    event ApproveHash(bytes32 indexed approvedHash, address indexed owner);
    /// @notice The Safe signed the message hash `msgHash` on chain (emitted by `SignMessageLib`).
    event SignMsg(bytes32 indexed msgHash);
    /// @notice The Safe transaction `txHash` ran and its inner call failed; `payment` is the refund paid.
    event ExecutionFailure(bytes32 indexed txHash, uint256 payment);
    /// @notice The Safe transaction `txHash` ran and its inner call succeeded; `payment` is the refund paid.
    event ExecutionSuccess(bytes32 indexed txHash, uint256 payment);

    /**
     * @notice The interface level this Safe implements: "1.4.1". Clients use it to pick the ABI and the
     *         EIP-712 domain.
     * @return The version string.
     */
    function VERSION() external view returns (string memory);

    /**
     * @notice Initialises a fresh Safe proxy: owners, threshold, fallback handler, an optional delegatecall
     *         and an optional payment.
     * @dev Callable once (`GS200` afterwards; the singleton itself is locked by its constructor). The owners keep
     *      the given order. `to`/`data` is delegatecalled with all gas (`GS002` when `to` has no code, `GS000`
     *      when it fails); it typically enables modules. When `payment > 0`, `payment` wei (or token units) go to
     *      `paymentReceiver` (tx.origin when 0): `GS011`/`GS012` when that fails. Emits `SafeSetup`.
     * @param _owners The owners. Each must be unique, and not address(0), the sentinel `0x1` or the Safe.
     * @param _threshold The number of signatures a transaction needs (1 ≤ threshold ≤ owners).
     * @param to A contract to delegatecall during setup, or address(0).
     * @param data The calldata for `to`.
     * @param fallbackHandler The fallback handler, or address(0).
     * @param paymentToken The payment token, address(0) for ether.
     * @param payment The payment amount; 0 for none.
     * @param paymentReceiver The payment receiver; address(0) for tx.origin.
     */
    function setup(
        address[] calldata _owners,
        uint256 _threshold,
        address to,
        bytes calldata data,
        address fallbackHandler,
        address paymentToken,
        uint256 payment,
        address payable paymentReceiver
    ) external;

    /**
     * @notice Executes a Safe transaction that enough owners signed.
     * @dev Steps, in order: hash with the current nonce, increment the nonce, check the signatures against
     *      the threshold, ask the guard (if any), check the gas (`GS010`), run the call, pay the refund (if
     *      `gasPrice > 0`), emit `ExecutionSuccess`/`ExecutionFailure`, tell the guard the outcome.
     *      With `safeTxGas == 0 && gasPrice == 0` a failing inner call reverts everything (`GS013`, nothing is
     *      used up, so gas estimation works). Otherwise a failure is mined as `ExecutionFailure`, the nonce is
     *      used, and the refund is paid.
     *      The refund is `(gasUsed + baseGas) * min(gasPrice, tx.gasprice)` wei, or
     *      `(gasUsed + baseGas) * gasPrice` units of `gasToken`, to `refundReceiver` (tx.origin when 0).
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @param safeTxGas The gas for the inner call, 0 for all (the inner call may then not fail).
     * @param baseGas The gas refunded on top of the measured gas (signature checks, calldata, base cost).
     * @param gasPrice The refund gas price; 0 for no refund.
     * @param gasToken The refund token; address(0) for ether.
     * @param refundReceiver The refund receiver; address(0) for tx.origin.
     * @param signatures Owner signatures, packed and sorted by owner address ascending (see `checkNSignatures`).
     * @return success Whether the inner call succeeded.
     */
    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes calldata signatures
    ) external payable returns (bool success);

    /**
     * @notice Checks that `signatures` holds at least `threshold` valid owner signatures over `dataHash`.
     * @dev Reverts with `GS001` when the Safe has no threshold (was never set up), else as
     *      `checkNSignatures(dataHash, data, signatures, threshold)`.
     * @param dataHash The signed hash.
     * @param data Its preimage (needed only for contract signatures).
     * @param signatures The packed signatures.
     */
    function checkSignatures(bytes32 dataHash, bytes calldata data, bytes calldata signatures) external view;

    /**
     * @notice Checks that `signatures` holds `requiredSignatures` valid owner signatures over `dataHash`.
     * @dev `signatures` is `requiredSignatures` static parts of 65 bytes (`r ‖ s ‖ v`) followed by the dynamic
     *      parts of contract signatures. The signers must be owners in strictly ascending address order (`GS026`).
     *      By `v`:
     *      - 0: contract signature. `r` is the owner contract, `s` the offset of `{uint256 length}{bytes}` in
     *        `signatures`, which must lie after the static parts (`GS021`), hold its length word (`GS022`) and
     *        its data (`GS023`). `keccak256(data)` must be `dataHash` (`GS027`). The owner must answer
     *        `isValidSignature(data, signature)` with `0x20c13b0b` (legacy EIP-1271) or, as a coffer
     *        extension, `isValidSignature(dataHash, signature)` with `0x1626ba7e` (EIP-1271); else it fails as
     *        the canonical 1.4.1 does on the legacy call: its revert data passed up, no data for an owner without
     *        code or an answer shorter than 32 bytes, `GS024` for another answer.
     *      - 1: approved hash. `r` is the owner; it must be the caller or have called `approveHash` (`GS025`).
     *      - 31/32: eth_sign. `ecrecover(keccak256("\x19Ethereum Signed Message:\n32" ‖ dataHash), v - 4, r, s)`.
     *      - 27/28: EIP-712. `ecrecover(dataHash, v, r, s)`.
     *      Fewer than `requiredSignatures * 65` bytes revert with `GS020`.
     * @param dataHash The signed hash.
     * @param data Its preimage (needed only for contract signatures).
     * @param signatures The packed signatures.
     * @param requiredSignatures How many valid signatures are needed.
     */
    function checkNSignatures(
        bytes32 dataHash,
        bytes calldata data,
        bytes calldata signatures,
        uint256 requiredSignatures
    ) external view;

    /**
     * @notice Marks `hashToApprove` as approved by the calling owner, so that a `v = 1` signature of that owner
     *         is valid for it.
     * @dev Only owners (`GS030`). Emits `ApproveHash`.
     * @param hashToApprove The hash to approve, usually a Safe transaction hash.
     */
    function approveHash(bytes32 hashToApprove) external;

    /**
     * @notice The nonce of the next Safe transaction.
     * @return The nonce.
     */
    function nonce() external view returns (uint256);

    /**
     * @notice Whether the Safe signed a message hash on chain (non-zero when it did).
     * @param messageHash The Safe message hash.
     * @return 1 when signed, else 0.
     */
    function signedMessages(bytes32 messageHash) external view returns (uint256);

    /**
     * @notice Whether `owner` approved `approvedHash` on chain (non-zero when it did).
     * @param owner The owner.
     * @param approvedHash The hash.
     * @return 1 when approved, else 0.
     */
    function approvedHashes(address owner, bytes32 approvedHash) external view returns (uint256);

    /**
     * @notice The chain id the Safe signs for.
     * @return The current chain id.
     */
    function getChainId() external view returns (uint256);

    /**
     * @notice The EIP-712 domain separator: `keccak256(abi.encode(DOMAIN_TYPEHASH, chainId, address(this)))`.
     * @return The domain separator.
     */
    function domainSeparator() external view returns (bytes32);

    /**
     * @notice The EIP-712 preimage of a Safe transaction hash: `0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash`.
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @param safeTxGas The inner call gas.
     * @param baseGas The base gas.
     * @param gasPrice The refund gas price.
     * @param gasToken The refund token.
     * @param refundReceiver The refund receiver.
     * @param _nonce The Safe nonce.
     * @return The 66-byte preimage.
     */
    function encodeTransactionData(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) external view returns (bytes memory);

    /**
     * @notice The EIP-712 hash of a Safe transaction: what the owners sign.
     * @param to The destination.
     * @param value The ether value.
     * @param data The calldata.
     * @param operation Call or DelegateCall.
     * @param safeTxGas The inner call gas.
     * @param baseGas The base gas.
     * @param gasPrice The refund gas price.
     * @param gasToken The refund token.
     * @param refundReceiver The refund receiver.
     * @param _nonce The Safe nonce.
     * @return The Safe transaction hash.
     */
    function getTransactionHash(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) external view returns (bytes32);
}
