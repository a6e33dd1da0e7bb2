// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title IOwnerManager
 * @notice The owners of a Safe and its signature threshold.
 * @dev The owners form a singly linked list in storage slot 2 (`mapping(address => address)`) that starts and
 *      ends at the sentinel `address(0x1)`. Slot 3 holds the owner count, slot 4 the threshold. Changes are
 *      only callable by the Safe itself, through a Safe transaction (`GS031` otherwise).
 */
interface IOwnerManager {
    /// @notice `owner` was added (by `addOwnerWithThreshold` or `swapOwner`).
    event AddedOwner(address indexed owner);
    /// @notice `owner` was removed (by `removeOwner` or `swapOwner`).
    event RemovedOwner(address indexed owner);
    /// @notice The threshold is now `threshold`.
    event ChangedThreshold(uint256 threshold);

    /**
     * @notice Adds `owner` and sets the threshold to `_threshold`.
     * @dev Only callable by the Safe itself. The new owner becomes the head of the list, so it is the first
     *      entry of `getOwners()`. Emits `AddedOwner`, then `ChangedThreshold` if the threshold changes.
     *      Reverts with `GS203` for address(0), the sentinel or the Safe itself, `GS204` for an existing owner,
     *      and `GS201`/`GS202` for a bad threshold.
     * @param owner The new owner.
     * @param _threshold The new threshold.
     */
    function addOwnerWithThreshold(address owner, uint256 _threshold) external;

    /**
     * @notice Removes `owner`, which follows `prevOwner` in the list, and sets the threshold to `_threshold`.
     * @dev Only callable by the Safe itself. `prevOwner` is the sentinel `address(0x1)` when `owner` is first.
     *      Emits `RemovedOwner`, then `ChangedThreshold` if the threshold changes. Reverts with `GS201` when
     *      fewer owners than `_threshold` would remain, `GS203` for address(0) or the sentinel, `GS205` when
     *      `prevOwner` does not point to `owner`.
     * @param prevOwner The owner that points to `owner` in the list.
     * @param owner The owner to remove.
     * @param _threshold The new threshold.
     */
    function removeOwner(address prevOwner, address owner, uint256 _threshold) external;

    /**
     * @notice Replaces `oldOwner`, which follows `prevOwner` in the list, by `newOwner` at the same position.
     * @dev Only callable by the Safe itself. Emits `RemovedOwner(oldOwner)` then `AddedOwner(newOwner)`.
     *      Reverts with `GS203`/`GS204` for a bad new owner, `GS203` for a bad old owner and `GS205` when
     *      `prevOwner` does not point to `oldOwner`.
     * @param prevOwner The owner that points to `oldOwner` in the list.
     * @param oldOwner The owner to replace.
     * @param newOwner The replacement.
     */
    function swapOwner(address prevOwner, address oldOwner, address newOwner) external;

    /**
     * @notice Sets the number of owner signatures a Safe transaction needs.
     * @dev Only callable by the Safe itself. Reverts with `GS201` above the owner count and `GS202` for 0.
     *      Emits `ChangedThreshold` even when the value does not change.
     * @param _threshold The new threshold.
     */
    function changeThreshold(uint256 _threshold) external;

    /**
     * @notice The number of owner signatures a Safe transaction needs.
     * @return The threshold (0 only on a Safe that was never set up).
     */
    function getThreshold() external view returns (uint256);

    /**
     * @notice Tells whether `owner` is an owner of the Safe.
     * @param owner The account to check.
     * @return True for an owner, false otherwise (always false for the sentinel).
     */
    function isOwner(address owner) external view returns (bool);

    /**
     * @notice The owners, in list order: the order of `setup`, with later additions first.
     * @return The owner addresses.
     */
    function getOwners() external view returns (address[] memory);
}
