// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title ERC1155TokenReceiver
 * @notice The ERC-1155 transfer hooks. Interface id `0xf23a6e61 ^ 0xbc197c81` = `0x4e2312e0`.
 */
interface ERC1155TokenReceiver {
    /**
     * @notice Called by an ERC-1155 contract after a single transfer to this account.
     * @param _operator The account that started the transfer.
     * @param _from The previous owner.
     * @param _id The token type.
     * @param _value The amount.
     * @param _data Extra data from the sender.
     * @return `bytes4(keccak256("onERC1155Received(address,address,uint256,uint256,bytes)"))` = `0xf23a6e61` to
     *         accept.
     */
    function onERC1155Received(address _operator, address _from, uint256 _id, uint256 _value, bytes calldata _data)
        external
        returns (bytes4);

    /**
     * @notice Called by an ERC-1155 contract after a batch transfer to this account.
     * @param _operator The account that started the transfer.
     * @param _from The previous owner.
     * @param _ids The token types.
     * @param _values The amounts.
     * @param _data Extra data from the sender.
     * @return `bytes4(keccak256("onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)"))` =
     *         `0xbc197c81` to accept.
     */
    function onERC1155BatchReceived(
        address _operator,
        address _from,
        uint256[] calldata _ids,
        uint256[] calldata _values,
        bytes calldata _data
    ) external returns (bytes4);
}
