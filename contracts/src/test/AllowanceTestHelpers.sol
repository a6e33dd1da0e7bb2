// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title AllowanceOddToken
 * @notice A test ERC-20 whose `transfer` misbehaves on request, for the allowance module's tests only.
 * @dev mode 0: returns true; mode 1: returns false without moving anything (the silent failure of some old
 *      tokens); mode 2: moves the tokens and returns no data at all (USDT's shape).
 */
contract AllowanceOddToken {
    /// @notice Balances.
    mapping(address => uint256) public balanceOf;
    /// @notice The `transfer` behaviour (see the contract doc).
    uint8 public mode;

    /// @notice Creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    /// @notice Sets the `transfer` behaviour.
    function setMode(uint8 newMode) external {
        mode = newMode;
    }

    /// @notice Moves tokens according to `mode`.
    function transfer(address to, uint256 amount) external {
        if (mode == 1) {
            assembly ("memory-safe") {
                mstore(0, 0)
                return(0, 32)
            }
        }
        require(balanceOf[msg.sender] >= amount, "AllowanceOddToken: balance");
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        if (mode == 0) {
            assembly ("memory-safe") {
                mstore(0, 1)
                return(0, 32)
            }
        }
    }
}

/**
 * @title AllowanceReentrant
 * @notice An ether recipient that, when paid, calls back into a target with stored calldata (for example the same
 *         `executeAllowanceTransfer` again) and records whether that inner call succeeded.
 */
contract AllowanceReentrant {
    /// @notice Where the re-entry goes.
    address public target;
    /// @notice The calldata of the re-entry.
    bytes public payload;
    /// @notice Whether the last re-entry succeeded.
    bool public reentrySucceeded;
    /// @notice How many times ether arrived.
    uint256 public received;

    /// @notice Arms the re-entry.
    function arm(address newTarget, bytes calldata newPayload) external {
        target = newTarget;
        payload = newPayload;
    }

    receive() external payable {
        received += 1;
        if (target != address(0)) {
            address t = target;
            target = address(0);
            (bool ok,) = t.call(payload);
            reentrySucceeded = ok;
        }
    }
}
