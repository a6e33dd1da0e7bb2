// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title SafeStorage
 * @notice The Safe's storage layout (slots 0 to 8), for libraries that a Safe DELEGATECALLs.
 */
abstract contract SafeStorage {
    address internal singleton; // 0
    mapping(address => address) internal modules; // 1
    mapping(address => address) internal owners; // 2
    uint256 internal ownerCount; // 3
    uint256 internal threshold; // 4
    uint256 internal nonce; // 5
    bytes32 internal _deprecatedDomainSeparator; // 6
    mapping(bytes32 => uint256) internal signedMessages; // 7
    mapping(address => mapping(bytes32 => uint256)) internal approvedHashes; // 8
}
