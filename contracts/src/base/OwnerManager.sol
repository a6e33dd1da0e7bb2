// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {SelfAuthorized} from "../common/SelfAuthorized.sol";
import {IOwnerManager} from "../interfaces/IOwnerManager.sol";

/**
 * @title OwnerManager
 * @notice Manages the owners of a Safe and its threshold.
 */
abstract contract OwnerManager is SelfAuthorized, IOwnerManager {
    address internal constant SENTINEL_OWNERS = address(0x1);

    // Slot 2: the owner list, sentinel -> first owner -> ... -> last owner -> sentinel.
    mapping(address => address) internal owners;
    // Slot 3.
    uint256 internal ownerCount;
    // Slot 4. Non-zero once set up; the singleton's constructor sets it to 1 to lock the singleton.
    uint256 internal threshold;

    /**
     * @dev Writes the owner list in the given order, the owner count and the threshold.
     *      `GS200` when already set up, `GS201`/`GS202` for a bad threshold, `GS203` for address(0), the
     *      sentinel, the Safe itself or the same owner twice in a row, `GS204` for any other duplicate.
     * @param _owners The owners.
     * @param _threshold The threshold.
     */
    function setupOwners(address[] calldata _owners, uint256 _threshold) internal {
        if (threshold != 0) revert("GS200");
        uint256 count = _owners.length;
        if (_threshold > count) revert("GS201");
        if (_threshold == 0) revert("GS202");
        uint256 failure;
        assembly ("memory-safe") {
            // Walks the owners, linking each to the next: owners[previous] = owner, starting at the sentinel.
            mstore(0x20, owners.slot)
            mstore(0x00, 1) // SENTINEL_OWNERS
            let previous := 1
            let previousSlot := keccak256(0x00, 0x40)
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                let owner := calldataload(add(_owners.offset, shl(5, i)))
                // Not an address: reject like the ABI decoder would.
                if shr(160, owner) {
                    revert(0, 0)
                }
                // address(0) and the sentinel (both < 2), the Safe itself, or the same owner twice in a row.
                if or(or(lt(owner, 2), eq(owner, address())), eq(owner, previous)) {
                    failure := 203
                    break
                }
                mstore(0x00, owner)
                let ownerSlot := keccak256(0x00, 0x40)
                if sload(ownerSlot) {
                    failure := 204
                    break
                }
                sstore(previousSlot, owner)
                previous := owner
                previousSlot := ownerSlot
            }
            // The last owner points back to the sentinel.
            if iszero(failure) {
                sstore(previousSlot, 1)
            }
        }
        if (failure == 203) revert("GS203");
        if (failure == 204) revert("GS204");
        ownerCount = count;
        threshold = _threshold;
    }

    /// @inheritdoc IOwnerManager
    function addOwnerWithThreshold(address owner, uint256 _threshold) public override authorized {
        if (owner == address(0) || owner == SENTINEL_OWNERS || owner == address(this)) revert("GS203");
        if (owners[owner] != address(0)) revert("GS204");
        owners[owner] = owners[SENTINEL_OWNERS];
        owners[SENTINEL_OWNERS] = owner;
        unchecked {
            ++ownerCount;
        }
        emit AddedOwner(owner);
        if (threshold != _threshold) changeThreshold(_threshold);
    }

    /// @inheritdoc IOwnerManager
    function removeOwner(address prevOwner, address owner, uint256 _threshold) public override authorized {
        // At least one owner exists once set up; the subtraction wraps like the canonical Safe's otherwise.
        unchecked {
            if (ownerCount - 1 < _threshold) revert("GS201");
        }
        if (owner == address(0) || owner == SENTINEL_OWNERS) revert("GS203");
        if (owners[prevOwner] != owner) revert("GS205");
        owners[prevOwner] = owners[owner];
        owners[owner] = address(0);
        unchecked {
            --ownerCount;
        }
        emit RemovedOwner(owner);
        if (threshold != _threshold) changeThreshold(_threshold);
    }

    /// @inheritdoc IOwnerManager
    function swapOwner(address prevOwner, address oldOwner, address newOwner) public override authorized {
        if (newOwner == address(0) || newOwner == SENTINEL_OWNERS || newOwner == address(this)) revert("GS203");
        if (owners[newOwner] != address(0)) revert("GS204");
        if (oldOwner == address(0) || oldOwner == SENTINEL_OWNERS) revert("GS203");
        if (owners[prevOwner] != oldOwner) revert("GS205");
        owners[newOwner] = owners[oldOwner];
        owners[prevOwner] = newOwner;
        owners[oldOwner] = address(0);
        emit RemovedOwner(oldOwner);
        emit AddedOwner(newOwner);
    }

    /// @inheritdoc IOwnerManager
    function changeThreshold(uint256 _threshold) public override authorized {
        if (_threshold > ownerCount) revert("GS201");
        if (_threshold == 0) revert("GS202");
        threshold = _threshold;
        emit ChangedThreshold(_threshold);
    }

    /// @inheritdoc IOwnerManager
    function getThreshold() public view override returns (uint256) {
        return threshold;
    }

    /// @inheritdoc IOwnerManager
    function isOwner(address owner) public view override returns (bool) {
        return owner != SENTINEL_OWNERS && owners[owner] != address(0);
    }

    /// @inheritdoc IOwnerManager
    function getOwners() public view override returns (address[] memory) {
        address[] memory array = new address[](ownerCount);
        uint256 index;
        address current = owners[SENTINEL_OWNERS];
        while (current != SENTINEL_OWNERS) {
            array[index] = current;
            current = owners[current];
            unchecked {
                ++index;
            }
        }
        return array;
    }
}
