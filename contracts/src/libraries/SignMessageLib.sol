// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {ISafe} from "../interfaces/ISafe.sol";
import {SafeStorage} from "./SafeStorage.sol";

/**
 * @title SignMessageLib
 * @notice Lets a Safe sign a message on chain (EIP-1271 with an empty signature). Use it with DELEGATECALL from a
 *         Safe transaction.
 */
contract SignMessageLib is SafeStorage {
    /// @dev keccak256("SafeMessage(bytes message)")
    bytes32 private constant SAFE_MSG_TYPEHASH = 0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca;

    /// @notice The Safe signed the message hash `msgHash`.
    event SignMsg(bytes32 indexed msgHash);

    /**
     * @notice Marks `_data` as signed by the calling Safe: `signedMessages[getMessageHash(_data)] = 1`.
     * @dev Only meaningful through DELEGATECALL from a Safe. Emits `SignMsg`.
     * @param _data The message.
     */
    function signMessage(bytes calldata _data) external {
        bytes32 msgHash = getMessageHash(_data);
        signedMessages[msgHash] = 1;
        emit SignMsg(msgHash);
    }

    /**
     * @notice The EIP-712 Safe message hash of `message` for the calling Safe:
     *         `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message))))`.
     * @dev Reads the domain separator from `address(this)`, which must be a Safe.
     * @param message The message.
     * @return The message hash.
     */
    function getMessageHash(bytes memory message) public view returns (bytes32) {
        bytes32 safeMessageHash = keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)));
        return keccak256(
            abi.encodePacked(bytes1(0x19), bytes1(0x01), ISafe(payable(address(this))).domainSeparator(), safeMessageHash)
        );
    }
}
