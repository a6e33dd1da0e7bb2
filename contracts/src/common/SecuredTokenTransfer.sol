// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title SecuredTokenTransfer
 * @notice An ERC-20 transfer that tolerates tokens without a return value.
 */
abstract contract SecuredTokenTransfer {
    /**
     * @dev Calls `token.transfer(receiver, amount)` with all gas but 10,000, and reads at most one return word.
     *      It counts as done when the call succeeds and returns either nothing or one non-zero word; any other
     *      return size counts as failure. As in the canonical Safe, an account without code "succeeds".
     * @param token The ERC-20 token.
     * @param receiver The recipient.
     * @param amount The amount in token units.
     * @return transferred Whether the transfer counts as done.
     */
    function transferToken(address token, address receiver, uint256 amount) internal returns (bool transferred) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // transfer(address,uint256): bytes4(keccak256("transfer(address,uint256)")) = 0xa9059cbb
            mstore(ptr, shl(224, 0xa9059cbb))
            mstore(add(ptr, 0x04), receiver)
            mstore(add(ptr, 0x24), amount)
            let success := call(sub(gas(), 10000), token, 0, ptr, 0x44, 0x00, 0x20)
            switch returndatasize()
            case 0 {
                transferred := success
            }
            case 0x20 {
                transferred := and(success, iszero(iszero(mload(0x00))))
            }
            default {
                transferred := 0
            }
        }
    }
}
