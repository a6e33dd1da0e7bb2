// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IProxy
 * @notice What every Safe proxy answers by itself.
 */
interface IProxy {
    /**
     * @notice The singleton this proxy delegates to (its storage slot 0).
     * @dev Selector `bytes4(keccak256("masterCopy()"))` = `0xa619486e`.
     * @return The singleton address.
     */
    function masterCopy() external view returns (address);
}

/**
 * @title SafeProxy
 * @notice A proxy that runs the singleton's code on its own storage. Storage slot 0 holds the singleton.
 * @dev The constructor deploys a hand-assembled 52-byte runtime (canonical 1.4.1: 171 bytes), because every
 *      runtime byte costs 200 gas at creation. It behaves as the `fallback` below, which documents it:
 *      `masterCopy()` (exactly the 4-byte selector followed by nothing but zero bytes in the first word) returns
 *      slot 0 as an address; every other call is delegated to the singleton with its value, and its return or
 *      revert data is passed back unchanged. The runtime, byte by byte:
 *
 *      00 5f          PUSH0
 *      01 54          SLOAD                 singleton word (slot 0)
 *      02 5f35        PUSH0 CALLDATALOAD    first calldata word
 *      04 63a619486e  PUSH4 0xa619486e
 *      09 60e01b      PUSH1 0xe0 SHL        masterCopy() selector, left-aligned
 *      0c 14          EQ
 *      0d 602957      PUSH1 0x29 JUMPI      -> masterCopy
 *      10 365f5f37    CALLDATACOPY(0, 0, calldatasize)
 *      14 5f5f365f    retSize 0, retOffset 0, argsSize calldatasize, argsOffset 0
 *      18 84          DUP5                  singleton
 *      19 5af4        GAS DELEGATECALL
 *      1b 3d5f5f3e    RETURNDATACOPY(0, 0, returndatasize)
 *      1f 602557      PUSH1 0x25 JUMPI      -> success
 *      22 3d5ffd      REVERT(0, returndatasize)
 *      25 5b3d5ff3    success: RETURN(0, returndatasize)
 *      29 5b          masterCopy:
 *      2a 60601b      PUSH1 0x60 SHL        drop the upper 96 bits
 *      2d 600c52      MSTORE(12, ...)       memory 0..32 = the address, left-padded with zeros
 *      30 60205ff3    RETURN(0, 32)
 *
 *      The contract's own (solc) runtime, reported in build artifacts as its deployed bytecode, is never
 *      deployed: read a proxy's code from the chain to get the real one.
 */
contract SafeProxy {
    // Slot 0: the singleton.
    address internal singleton;

    /// @dev The hand-assembled runtime, first 32 bytes.
    bytes32 private constant RUNTIME_0 = 0x5f545f3563a619486e60e01b14602957365f5f375f5f365f845af43d5f5f3e60;
    /// @dev The hand-assembled runtime, last 20 bytes (left-aligned).
    bytes32 private constant RUNTIME_1 = 0x25573d5ffd5b3d5ff35b60601b600c5260205ff3000000000000000000000000;
    /// @dev The runtime's length in bytes.
    uint256 private constant RUNTIME_LENGTH = 52;

    /**
     * @notice Stores `_singleton` in slot 0 and deploys the proxy runtime.
     * @param _singleton The singleton; must not be address(0).
     */
    constructor(address _singleton) {
        require(_singleton != address(0), "Invalid singleton address provided");
        assembly {
            // singleton = _singleton, written whole.
            sstore(0, _singleton)
            mstore(0x00, RUNTIME_0)
            mstore(0x20, RUNTIME_1)
            return(0x00, RUNTIME_LENGTH)
        }
    }

    /// @notice Answers `masterCopy()` from slot 0 and delegates every other call to the singleton.
    fallback() external payable {
        assembly {
            let target := sload(0)
            if eq(calldataload(0), shl(224, 0xa619486e)) {
                mstore(12, shl(96, target))
                return(0, 0x20)
            }
            calldatacopy(0, 0, calldatasize())
            let success := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(success) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }
}
