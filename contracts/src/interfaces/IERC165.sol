// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IERC165
 * @notice Interface detection as defined by EIP-165.
 */
interface IERC165 {
    /**
     * @notice Tells whether this contract implements the interface `interfaceId`.
     * @dev Must use less than 30,000 gas. The id of this interface itself is
     *      `bytes4(keccak256("supportsInterface(bytes4)"))` = `0x01ffc9a7`.
     * @param interfaceId The EIP-165 interface identifier: the XOR of the interface's function selectors.
     * @return True when the interface is implemented and `interfaceId` is not `0xffffffff`.
     */
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}
