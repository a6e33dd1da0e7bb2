// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

import {Enum} from "../common/Enum.sol";
import {IModuleManager} from "../interfaces/IModuleManager.sol";

/**
 * @title CofferAllowanceModule
 * @notice Spending limits: a Safe names delegates and gives each a per-token allowance, optionally renewed every
 *         `resetTimeMin` minutes; a delegate then moves funds out of the Safe within that allowance with its own
 *         signature alone.
 * @dev coffer's own implementation of the AllowanceModule 1.0.0 semantics behind the 0.1.1/1.0.0 ABI (selectors,
 *      storage getters, events and EIP-712 digest are those of Safe's module, so clients written for it work
 *      unchanged). A singleton shared by every Safe: all state is keyed first by the Safe (`msg.sender` for the
 *      setters). Behaviour kept from 1.0.0: the nonce refuses to wrap at 65535, an ERC-20 returning `false` makes
 *      the transfer revert (tokens that return nothing are accepted), and `removeDelegate` refuses a delegate whose
 *      48-bit key belongs to another address. Written in 0.8 with explicit `unchecked` blocks wherever the
 *      reference relies on 0.7 wrap-around, so the reverts are exactly the explicit `require`s.
 */
contract CofferAllowanceModule {
    /// @notice The module's name, as Safe's AllowanceModule answers it.
    string public constant NAME = "Allowance Module";
    /// @notice The AllowanceModule version whose semantics this contract implements.
    string public constant VERSION = "1.0.0";

    /// @notice keccak256("EIP712Domain(uint256 chainId,address verifyingContract)").
    bytes32 public constant DOMAIN_SEPARATOR_TYPEHASH =
        0x47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218;

    /// @notice keccak256("AllowanceTransfer(address safe,address token,address to,uint96 amount,address paymentToken,uint96 payment,uint16 nonce)").
    bytes32 public constant ALLOWANCE_TRANSFER_TYPEHASH =
        0x97c7ed08d51f4a077f71428543a8a2454799e5f6df78c03ef278be094511eda4;

    /// @dev One (safe, delegate, token) allowance, packed into one slot lowest bits first.
    struct Allowance {
        uint96 amount;
        uint96 spent;
        uint16 resetTimeMin;
        uint32 lastResetMin;
        uint16 nonce;
    }

    /// @dev An entry of a Safe's doubly linked delegate list, keyed by the delegate's lowest 48 address bits.
    struct Delegate {
        address delegate;
        uint48 prev;
        uint48 next;
    }

    /// @notice The raw allowance of (safe, delegate, token), without the view-time period reset.
    mapping(address => mapping(address => mapping(address => Allowance))) public allowances;
    /// @notice The tokens ever given an allowance for (safe, delegate); never shrinks.
    mapping(address => mapping(address => address[])) public tokens;
    /// @notice The key of the newest delegate of a Safe (0 for none).
    mapping(address => uint48) public delegatesStart;
    /// @notice A Safe's delegate list entries by 48-bit key.
    mapping(address => mapping(uint48 => Delegate)) public delegates;

    /// @notice `delegate` was added to `safe`'s delegates.
    event AddDelegate(address indexed safe, address delegate);
    /// @notice `delegate` was removed from `safe`'s delegates.
    event RemoveDelegate(address indexed safe, address delegate);
    /// @notice The allowance of (safe, delegate, token) was set.
    event SetAllowance(address indexed safe, address delegate, address token, uint96 allowanceAmount, uint16 resetTime);
    /// @notice The spent amount of (safe, delegate, token) was set back to 0.
    event ResetAllowance(address indexed safe, address delegate, address token);
    /// @notice The allowance of (safe, delegate, token) was cleared (its nonce kept).
    event DeleteAllowance(address indexed safe, address delegate, address token);
    /// @notice `delegate` moved `value` of `token` from `safe` to `to`, with transfer nonce `nonce`.
    event ExecuteAllowanceTransfer(
        address indexed safe, address delegate, address token, address to, uint96 value, uint16 nonce
    );
    /// @notice `paymentReceiver` (the transaction origin) was paid `payment` of `paymentToken` for relaying.
    event PayAllowanceTransfer(
        address indexed safe, address delegate, address paymentToken, address paymentReceiver, uint96 payment
    );

    /**
     * @notice Adds `delegate` to the caller's delegates (newest first). Does nothing if it is already there.
     * @dev Reverts when the 48-bit key is 0, or when another address already holds the key.
     * @param delegate The delegate to add.
     */
    function addDelegate(address delegate) external {
        uint48 index = uint48(uint160(delegate));
        require(index != uint256(0), "index != uint(0)");
        address currentDelegate = delegates[msg.sender][index].delegate;
        if (currentDelegate != address(0)) {
            require(currentDelegate == delegate, "currentDelegate == delegate");
            return;
        }
        uint48 startIndex = delegatesStart[msg.sender];
        delegates[msg.sender][index] = Delegate(delegate, 0, startIndex);
        delegates[msg.sender][startIndex].prev = index;
        delegatesStart[msg.sender] = index;
        emit AddDelegate(msg.sender, delegate);
    }

    /**
     * @notice Removes `delegate` from the caller's delegates, zeroing its allowances (nonces kept) first when
     *         `removeAllowances` is set. Does nothing when no delegate holds its key.
     * @dev Reverts when the key belongs to a different address (1.0.0).
     * @param delegate The delegate to remove.
     * @param removeAllowances Whether to clear every allowance of the delegate too.
     */
    function removeDelegate(address delegate, bool removeAllowances) external {
        uint48 index = uint48(uint160(delegate));
        Delegate memory current = delegates[msg.sender][index];
        if (current.delegate == address(0)) return;
        require(current.delegate == delegate, "current.delegate == delegate");
        if (removeAllowances) {
            address[] storage delegateTokens = tokens[msg.sender][delegate];
            for (uint256 i = 0; i < delegateTokens.length; i++) {
                address token = delegateTokens[i];
                Allowance memory allowance = getAllowance(msg.sender, delegate, token);
                allowance.amount = 0;
                allowance.spent = 0;
                allowance.resetTimeMin = 0;
                allowance.lastResetMin = 0;
                updateAllowance(msg.sender, delegate, token, allowance);
                emit DeleteAllowance(msg.sender, delegate, token);
            }
        }
        if (current.prev == 0) {
            delegatesStart[msg.sender] = current.next;
        } else {
            delegates[msg.sender][current.prev].next = current.next;
        }
        if (current.next != 0) {
            delegates[msg.sender][current.next].prev = current.prev;
        }
        delete delegates[msg.sender][index];
        emit RemoveDelegate(msg.sender, delegate);
    }

    /**
     * @notice Sets the caller's allowance for (delegate, token). `spent` is kept.
     * @param delegate A registered delegate of the caller.
     * @param token The token (address(0) for ether).
     * @param allowanceAmount The amount per period.
     * @param resetTimeMin The period in minutes; 0 for a one-time allowance.
     * @param resetBaseMin When non-zero, a minute timestamp (not in the future) the periods are aligned to.
     */
    function setAllowance(
        address delegate,
        address token,
        uint96 allowanceAmount,
        uint16 resetTimeMin,
        uint32 resetBaseMin
    ) external {
        require(delegate != address(0), "delegate != address(0)");
        require(
            delegates[msg.sender][uint48(uint160(delegate))].delegate == delegate,
            "delegates[msg.sender][uint48(delegate)].delegate == delegate"
        );
        Allowance memory allowance = getAllowance(msg.sender, delegate, token);
        if (allowance.nonce == 0) {
            // First use of this (delegate, token): nonce 0 marks "never set".
            allowance.nonce = 1;
            tokens[msg.sender][delegate].push(token);
        }
        uint32 currentMin = uint32(block.timestamp / 60);
        if (resetBaseMin > 0) {
            require(resetBaseMin <= currentMin, "resetBaseMin <= currentMin");
            require(resetTimeMin > 0, "resetTimeMin > 0");
            allowance.lastResetMin = currentMin - ((currentMin - resetBaseMin) % resetTimeMin);
        } else if (allowance.lastResetMin == 0) {
            allowance.lastResetMin = currentMin;
        }
        allowance.resetTimeMin = resetTimeMin;
        allowance.amount = allowanceAmount;
        updateAllowance(msg.sender, delegate, token, allowance);
        emit SetAllowance(msg.sender, delegate, token, allowanceAmount, resetTimeMin);
    }

    /**
     * @notice Sets the spent amount of the caller's allowance for (delegate, token) back to 0.
     * @param delegate The delegate.
     * @param token The token.
     */
    function resetAllowance(address delegate, address token) external {
        Allowance memory allowance = getAllowance(msg.sender, delegate, token);
        allowance.spent = 0;
        updateAllowance(msg.sender, delegate, token, allowance);
        emit ResetAllowance(msg.sender, delegate, token);
    }

    /**
     * @notice Clears the caller's allowance for (delegate, token); the nonce is kept so that old signatures stay
     *         unusable if the allowance is set again.
     * @param delegate The delegate.
     * @param token The token.
     */
    function deleteAllowance(address delegate, address token) external {
        Allowance memory allowance = getAllowance(msg.sender, delegate, token);
        allowance.amount = 0;
        allowance.spent = 0;
        allowance.resetTimeMin = 0;
        allowance.lastResetMin = 0;
        updateAllowance(msg.sender, delegate, token, allowance);
        emit DeleteAllowance(msg.sender, delegate, token);
    }

    /**
     * @notice Moves `amount` of `token` from `safe` to `to` within `delegate`'s allowance, optionally paying the
     *         transaction origin `payment` of `paymentToken` (also within the allowance) for relaying it.
     * @dev Anyone may call it. State is written before the signature check and the transfers. An empty signature
     *      or v = 1 means the caller is the signer; v > 30 is an eth_sign signature of the digest; otherwise the
     *      signature is over the EIP-712 digest of `generateTransferHash` with the current nonce.
     * @param safe The Safe paying.
     * @param token The token (address(0) for ether).
     * @param to The recipient.
     * @param amount The amount.
     * @param paymentToken The token of the relayer payment.
     * @param payment The relayer payment (0 for none).
     * @param delegate The delegate whose allowance is used and who signed.
     * @param signature Empty, or 65 bytes r ‖ s ‖ v.
     */
    function executeAllowanceTransfer(
        address safe,
        address token,
        address payable to,
        uint96 amount,
        address paymentToken,
        uint96 payment,
        address delegate,
        bytes memory signature
    ) external {
        Allowance memory allowance = getAllowance(safe, delegate, token);
        bytes memory transferHashData =
            generateTransferHashData(safe, token, to, amount, paymentToken, payment, allowance.nonce);
        require(allowance.nonce != type(uint16).max, "allowance.nonce != type(uint16).max");
        allowance.nonce = allowance.nonce + 1;
        uint96 newSpent;
        unchecked {
            newSpent = allowance.spent + amount;
        }
        require(
            newSpent > allowance.spent && newSpent <= allowance.amount,
            "newSpent > allowance.spent && newSpent <= allowance.amount"
        );
        allowance.spent = newSpent;
        if (payment > 0) {
            // Same memory struct when the payment is in the transferred token.
            Allowance memory paymentAllowance =
                paymentToken == token ? allowance : getAllowance(safe, delegate, paymentToken);
            unchecked {
                newSpent = paymentAllowance.spent + payment;
            }
            require(
                newSpent > paymentAllowance.spent && newSpent <= paymentAllowance.amount,
                "newSpent > paymentAllowance.spent && newSpent <= paymentAllowance.amount"
            );
            paymentAllowance.spent = newSpent;
            if (paymentToken != token) {
                updateAllowance(safe, delegate, paymentToken, paymentAllowance);
            }
        }
        updateAllowance(safe, delegate, token, allowance);

        checkSignature(delegate, signature, transferHashData, safe);

        if (payment > 0) {
            // solhint-disable-next-line avoid-tx-origin
            transfer(safe, paymentToken, payable(tx.origin), payment);
            // solhint-disable-next-line avoid-tx-origin
            emit PayAllowanceTransfer(safe, delegate, paymentToken, tx.origin, payment);
        }
        transfer(safe, token, to, amount);
        emit ExecuteAllowanceTransfer(safe, delegate, token, to, amount, allowance.nonce - 1);
    }

    /**
     * @notice The chain id the EIP-712 domain uses.
     * @return The chain id.
     */
    function getChainId() public view returns (uint256) {
        return block.chainid;
    }

    /**
     * @notice The EIP-712 preimage `0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash` of an allowance transfer.
     * @return The 66-byte preimage.
     */
    function generateTransferHashData(
        address safe,
        address token,
        address to,
        uint96 amount,
        address paymentToken,
        uint96 payment,
        uint16 nonce
    ) private view returns (bytes memory) {
        bytes32 domainSeparator = keccak256(abi.encode(DOMAIN_SEPARATOR_TYPEHASH, getChainId(), this));
        bytes32 transferHash = keccak256(
            abi.encode(ALLOWANCE_TRANSFER_TYPEHASH, safe, token, to, amount, paymentToken, payment, nonce)
        );
        return abi.encodePacked(bytes1(0x19), bytes1(0x01), domainSeparator, transferHash);
    }

    /**
     * @notice The EIP-712 digest a delegate signs for an allowance transfer.
     * @param safe The Safe.
     * @param token The token.
     * @param to The recipient.
     * @param amount The amount.
     * @param paymentToken The payment token.
     * @param payment The payment.
     * @param nonce The current nonce of (safe, delegate, token), from `getTokenAllowance(...)[4]`.
     * @return The digest.
     */
    function generateTransferHash(
        address safe,
        address token,
        address to,
        uint96 amount,
        address paymentToken,
        uint96 payment,
        uint16 nonce
    ) external view returns (bytes32) {
        return keccak256(generateTransferHashData(safe, token, to, amount, paymentToken, payment, nonce));
    }

    /**
     * @notice The tokens ever given an allowance for (safe, delegate), deleted ones included.
     * @param safe The Safe.
     * @param delegate The delegate.
     * @return The token addresses.
     */
    function getTokens(address safe, address delegate) external view returns (address[] memory) {
        return tokens[safe][delegate];
    }

    /**
     * @notice The allowance of (safe, delegate, token) with the period reset applied.
     * @param safe The Safe.
     * @param delegate The delegate.
     * @param token The token.
     * @return [amount, spent, resetTimeMin, lastResetMin, nonce].
     */
    function getTokenAllowance(address safe, address delegate, address token)
        external
        view
        returns (uint256[5] memory)
    {
        Allowance memory allowance = getAllowance(safe, delegate, token);
        return [
            uint256(allowance.amount),
            uint256(allowance.spent),
            uint256(allowance.resetTimeMin),
            uint256(allowance.lastResetMin),
            uint256(allowance.nonce)
        ];
    }

    /**
     * @notice Up to `pageSize` delegates of `safe`, newest first, from the key `start` (0 for the head).
     * @param safe The Safe.
     * @param start The key to start at, or 0.
     * @param pageSize The most delegates to return.
     * @return results The delegates.
     * @return next The key to pass as `start` for the next page, 0 when the list is complete.
     */
    function getDelegates(address safe, uint48 start, uint8 pageSize)
        external
        view
        returns (address[] memory results, uint48 next)
    {
        results = new address[](pageSize);
        uint8 i = 0;
        uint48 initialIndex = (start != 0) ? start : delegatesStart[safe];
        Delegate memory current = delegates[safe][initialIndex];
        while (current.delegate != address(0) && i < pageSize) {
            results[i] = current.delegate;
            i++;
            current = delegates[safe][current.next];
        }
        next = uint48(uint160(current.delegate));
        assembly ("memory-safe") {
            mstore(results, i)
        }
    }

    /// @dev The stored allowance with the period reset applied (not written back).
    function getAllowance(address safe, address delegate, address token)
        private
        view
        returns (Allowance memory allowance)
    {
        allowance = allowances[safe][delegate][token];
        uint32 currentMin = uint32(block.timestamp / 60);
        unchecked {
            if (allowance.resetTimeMin > 0 && allowance.lastResetMin <= currentMin - allowance.resetTimeMin) {
                allowance.spent = 0;
                allowance.lastResetMin =
                    currentMin - ((currentMin - allowance.lastResetMin) % allowance.resetTimeMin);
            }
        }
    }

    /// @dev Stores `allowance` for (safe, delegate, token).
    function updateAllowance(address safe, address delegate, address token, Allowance memory allowance) private {
        allowances[safe][delegate][token] = allowance;
    }

    /// @dev Requires the signature to come from `delegate`, a registered delegate of `safe`.
    function checkSignature(address delegate, bytes memory signature, bytes memory transferHashData, address safe)
        private
        view
    {
        address signer = recoverSignature(signature, transferHashData);
        require(
            delegate == signer && delegates[safe][uint48(uint160(signer))].delegate == signer,
            "expectedDelegate == signer && delegates[safe][uint48(signer)].delegate == signer"
        );
    }

    /// @dev The signer of `signature` over `transferHashData` (see `executeAllowanceTransfer`).
    function recoverSignature(bytes memory signature, bytes memory transferHashData)
        private
        view
        returns (address owner)
    {
        if (signature.length == 0) return msg.sender;
        require(signature.length == 65, "signatures.length == 65");
        uint8 v;
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (v == 0) {
            revert("Contract signatures are not supported by this module");
        } else if (v == 1) {
            owner = msg.sender;
        } else if (v > 30) {
            owner = ecrecover(
                keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", keccak256(transferHashData))),
                v - 4,
                r,
                s
            );
        } else {
            owner = ecrecover(keccak256(transferHashData), v, r, s);
        }
        require(owner != address(0), "owner != address(0)");
    }

    /// @dev Moves `amount` of `token` (address(0): ether) from `safe` to `to` through the module interface.
    function transfer(address safe, address token, address payable to, uint96 amount) private {
        if (token == address(0)) {
            require(
                IModuleManager(safe).execTransactionFromModule(to, amount, "", Enum.Operation.Call),
                "Could not execute ether transfer"
            );
        } else {
            bytes memory data = abi.encodeWithSelector(0xa9059cbb, to, uint256(amount));
            (bool success, bytes memory returnData) =
                IModuleManager(safe).execTransactionFromModuleReturnData(token, 0, data, Enum.Operation.Call);
            require(success, "Could not execute token transfer");
            // Tokens that return nothing (USDT) are accepted; one that returns false is refused.
            if (returnData.length > 0) {
                require(returnData.length >= 32 && abi.decode(returnData, (bool)), "Token transfer returned false");
            }
        }
    }
}
