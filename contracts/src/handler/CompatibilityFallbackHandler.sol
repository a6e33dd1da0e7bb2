// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {ISafe} from "../interfaces/ISafe.sol";
import {
    IERC1271, ILegacySignatureValidator, SignatureValidatorConstants
} from "../interfaces/ISignatureValidator.sol";
import {TokenCallbackHandler} from "./TokenCallbackHandler.sol";

/**
 * @title CompatibilityFallbackHandler
 * @notice The fallback handler a Safe is usually set up with: token callbacks, both EIP-1271 forms over Safe
 *         messages, message hashing, module listing and reverting simulations.
 * @dev Called by the Safe's fallback with CALL, so `msg.sender` is the Safe. A Safe message hash is
 *      `keccak256(0x19 ‖ 0x01 ‖ safe.domainSeparator() ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message))))`.
 */
contract CompatibilityFallbackHandler is
    TokenCallbackHandler,
    SignatureValidatorConstants,
    ILegacySignatureValidator,
    IERC1271
{
    /// @dev keccak256("SafeMessage(bytes message)")
    bytes32 private constant SAFE_MSG_TYPEHASH = 0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca;

    address internal constant SENTINEL_MODULES = address(0x1);

    /**
     * @notice Legacy EIP-1271 for the calling Safe: valid when the Safe signed the message `_data` on chain
     *         (empty `_signature`), or when `_signature` holds enough owner signatures over its Safe message hash.
     * @dev Reverts with "Hash not approved" when an empty signature finds no on-chain signature, and with the
     *      Safe's GS code when the owner signatures do not check out.
     * @param _data The message (not hashed).
     * @param _signature Empty, or packed owner signatures over `getMessageHashForSafe(safe, _data)`.
     * @return `0x20c13b0b` when valid.
     */
    function isValidSignature(bytes calldata _data, bytes calldata _signature)
        external
        view
        override(ILegacySignatureValidator)
        returns (bytes4)
    {
        ISafe safe = ISafe(payable(msg.sender));
        bytes memory messageData = encodeMessageDataForSafe(safe, _data);
        bytes32 messageHash = keccak256(messageData);
        if (_signature.length == 0) {
            require(safe.signedMessages(messageHash) != 0, "Hash not approved");
        } else {
            safe.checkSignatures(messageHash, messageData, _signature);
        }
        return LEGACY_EIP1271_MAGIC_VALUE;
    }

    /**
     * @notice Standard EIP-1271 for the calling Safe: the legacy check over the message `abi.encode(_dataHash)`.
     * @param _dataHash The signed hash.
     * @param _signature Empty, or packed owner signatures over `getMessageHashForSafe(safe, abi.encode(_dataHash))`.
     * @return `0x1626ba7e` when valid, else `0x00000000`.
     */
    function isValidSignature(bytes32 _dataHash, bytes calldata _signature)
        external
        view
        override(IERC1271)
        returns (bytes4)
    {
        // Through the Safe, so that the legacy function above runs with the Safe as msg.sender.
        bytes4 value = ILegacySignatureValidator(msg.sender).isValidSignature(abi.encode(_dataHash), _signature);
        return value == LEGACY_EIP1271_MAGIC_VALUE ? EIP1271_MAGIC_VALUE : bytes4(0);
    }

    /**
     * @notice The Safe message hash of `message` for the calling Safe.
     * @param message The message.
     * @return The message hash.
     */
    function getMessageHash(bytes memory message) public view returns (bytes32) {
        return getMessageHashForSafe(ISafe(payable(msg.sender)), message);
    }

    /**
     * @notice The EIP-712 preimage of the Safe message hash of `message` for `safe`:
     *         `0x19 ‖ 0x01 ‖ safe.domainSeparator() ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)))`.
     * @param safe The Safe.
     * @param message The message.
     * @return The 66-byte preimage.
     */
    function encodeMessageDataForSafe(ISafe safe, bytes memory message) public view returns (bytes memory) {
        bytes32 safeMessageHash = keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)));
        return abi.encodePacked(bytes1(0x19), bytes1(0x01), safe.domainSeparator(), safeMessageHash);
    }

    /**
     * @notice The Safe message hash of `message` for `safe`.
     * @param safe The Safe.
     * @param message The message.
     * @return The message hash.
     */
    function getMessageHashForSafe(ISafe safe, bytes memory message) public view returns (bytes32) {
        return keccak256(encodeMessageDataForSafe(safe, message));
    }

    /**
     * @notice The first 10 modules of the calling Safe.
     * @return The modules.
     */
    function getModules() external view returns (address[] memory) {
        (address[] memory array,) = ISafe(payable(msg.sender)).getModulesPaginated(SENTINEL_MODULES, 10);
        return array;
    }

    /**
     * @notice Runs `calldataPayload` on `targetContract` in the calling Safe's context through
     *         `simulateAndRevert`, and returns what it returned; reverts with its revert data when it failed.
     * @dev The Safe's state is unchanged either way. The calldata is forwarded as is with only the selector
     *      replaced, since `simulateAndRevert(address,bytes)` takes the same arguments.
     * @param targetContract The code to run in the Safe's context.
     * @param calldataPayload The calldata for it.
     * @return response The return data of the simulated call.
     */
    function simulate(address targetContract, bytes calldata calldataPayload)
        external
        returns (bytes memory response)
    {
        // Both arguments travel inside the forwarded calldata.
        (targetContract, calldataPayload);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // bytes4(keccak256("simulateAndRevert(address,bytes)")) = 0xb4faba09
            mstore(ptr, shl(224, 0xb4faba09))
            calldatacopy(add(ptr, 0x04), 0x04, sub(calldatasize(), 0x04))
            pop(call(gas(), caller(), 0, ptr, calldatasize(), 0x00, 0x20))
            // The Safe reverted with success ‖ length ‖ returnData: copy length ‖ returnData as a `bytes`.
            let size := sub(returndatasize(), 0x20)
            response := ptr
            returndatacopy(response, 0x20, size)
            mstore(0x40, add(response, and(add(size, 0x1f), not(0x1f))))
            if iszero(mload(0x00)) {
                revert(add(response, 0x20), mload(response))
            }
        }
    }
}
