// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title TestToken
 * @notice A plain ERC-20 with 18 decimals and an open `mint`, for tests and benchmarks only.
 * @dev Semantics follow the usual OpenZeppelin token: `transfer`/`transferFrom` revert on insufficient balance or
 *      allowance and return true otherwise; an allowance of type(uint256).max is never decreased. It has no receive
 *      function, so it also serves as a contract that refuses ether.
 */
contract TestToken {
    /// @notice `value` tokens moved from `from` to `to` (from = address(0) for a mint).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice `owner` allowed `spender` to move `value` of its tokens.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    string public constant name = "Coffer Test Token";
    string public constant symbol = "CTT";
    uint8 public constant decimals = 18;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    /**
     * @notice Creates `amount` tokens for `to`. Anyone may call it.
     * @param to The recipient.
     * @param amount The amount, in the smallest unit.
     */
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    /**
     * @notice Moves `amount` of the caller's tokens to `to`.
     * @param to The recipient.
     * @param amount The amount.
     * @return Always true (reverts on failure).
     */
    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    /**
     * @notice Moves `amount` of `from`'s tokens to `to`, using the caller's allowance.
     * @param from The holder.
     * @param to The recipient.
     * @param amount The amount.
     * @return Always true (reverts on failure).
     */
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "TestToken: insufficient allowance");
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _move(from, to, amount);
        return true;
    }

    /**
     * @notice Lets `spender` move up to `amount` of the caller's tokens.
     * @param spender The spender.
     * @param amount The allowance.
     * @return Always true.
     */
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        require(to != address(0), "TestToken: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= amount, "TestToken: insufficient balance");
        unchecked {
            balanceOf[from] = balance - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}
