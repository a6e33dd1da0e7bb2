// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title ERC777TokensRecipient
 * @notice The ERC-777 receive hook.
 */
interface ERC777TokensRecipient {
    /**
     * @notice Called by an ERC-777 contract after tokens were sent or minted to this account.
     * @dev Revert to refuse the tokens.
     * @param operator The account that started the operation.
     * @param from The previous holder (address(0) for a mint).
     * @param to The recipient (this account).
     * @param amount The amount.
     * @param data Data from the holder.
     * @param operatorData Data from the operator.
     */
    function tokensReceived(
        address operator,
        address from,
        address to,
        uint256 amount,
        bytes calldata data,
        bytes calldata operatorData
    ) external;
}
