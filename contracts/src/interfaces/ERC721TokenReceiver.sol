// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title ERC721TokenReceiver
 * @notice The ERC-721 safe-transfer hook. Interface id `0x150b7a02`.
 */
interface ERC721TokenReceiver {
    /**
     * @notice Called by an ERC-721 contract on `safeTransferFrom` to this account.
     * @param _operator The account that started the transfer.
     * @param _from The previous owner.
     * @param _tokenId The token.
     * @param _data Extra data from the sender.
     * @return `bytes4(keccak256("onERC721Received(address,address,uint256,bytes)"))` = `0x150b7a02` to accept.
     */
    function onERC721Received(address _operator, address _from, uint256 _tokenId, bytes calldata _data)
        external
        returns (bytes4);
}
