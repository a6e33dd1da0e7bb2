// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title CofferAllowlistGuard
 * @notice A Safe transaction guard (1.3.0/1.4.1 `checkTransaction`/`checkAfterExecution`, ERC-165 `0xe6d7a83a`)
 *         that lets one Safe CALL only allowlisted targets (optionally only allowlisted selectors per target) and
 *         DELEGATECALL only allowlisted libraries. Written from the design in MODULES.md section 3, not from any
 *         other guard's source.
 * @dev One instance per Safe: `safe` is immutable and `checkTransaction` requires `msg.sender == safe`, so no state
 *      is shared between Safes. The list changes only through calls from the Safe. Loosening changes (allow a
 *      target, a selector, value or a delegatecall library) are scheduled: each entry holds the timestamp from
 *      which it is in force, `block.timestamp + delay` when scheduled. Tightening (remove) is immediate.
 *      The guard can never lock the Safe out of removing it: calls from the Safe to itself for `setGuard`, owner
 *      and threshold management, `disableModule` and the empty "cancel nonce" transaction, and every call to this
 *      guard's own list management, are allowed whatever the list holds. A delegatecall to an allowlisted
 *      MultiSend (`multiSend(bytes)`) is decoded and each inner transaction must be a CALL that passes the same
 *      rules. Refunds are refused (`gasPrice` must be 0) because `handlePayment` would pay out past the list.
 *      Module transactions are NOT seen by a 1.3.0/1.4.1 guard (`execTransactionFromModule` skips it).
 */
contract CofferAllowlistGuard {
    /// @notice A loosening change was scheduled; it is in force from `effectiveAt`.
    /// `kind`: 0 target call, 1 any selector, 2 value, 3 delegatecall, 4 one selector.
    event ChangeScheduled(address indexed target, bytes4 selector, uint8 kind, uint64 effectiveAt);
    /// @notice A target (with all its flags and selectors) was removed; in force at once.
    event TargetRemoved(address indexed target);
    /// @notice One selector was removed from a target; in force at once.
    event SelectorRemoved(address indexed target, bytes4 selector);

    /// @notice The caller is not the guarded Safe.
    error NotSafe(address caller);
    /// @notice A transaction with a refund (`gasPrice != 0`) was refused.
    error RefundNotAllowed();
    /// @notice A CALL to a target that is not (yet) allowlisted.
    error TargetNotAllowed(address target);
    /// @notice A CALL with a selector that is not (yet) allowlisted on a scoped target.
    error FunctionNotAllowed(address target, bytes4 selector);
    /// @notice A CALL carrying ether to a target without the value flag.
    error ValueNotAllowed(address target);
    /// @notice A DELEGATECALL to a library that is not (yet) allowlisted.
    error DelegateCallNotAllowed(address target);
    /// @notice A call from the Safe to itself that the guard never allows (enableModule, setFallbackHandler, ...).
    error SelfCallNotAllowed(bytes4 selector);
    /// @notice Calldata of 1 to 3 bytes, or a MultiSend batch that does not decode.
    error MalformedData();

    /// @dev Per target: the timestamp from which each permission is in force (0 = not granted).
    struct Rule {
        uint64 callFrom;
        uint64 anySelectorFrom;
        uint64 valueFrom;
        uint64 delegateCallFrom;
    }

    /// @notice The one Safe this guard guards.
    address public immutable safe;
    /// @notice Seconds between scheduling a loosening change and its taking effect.
    uint64 public immutable delay;

    mapping(address => Rule) internal rules;
    mapping(address => mapping(bytes4 => uint64)) internal selectorFrom;
    address[] internal listed;
    mapping(address => bool) internal isListed;
    mapping(address => bytes4[]) internal listedSelectors;
    mapping(address => mapping(bytes4 => bool)) internal isListedSelector;

    bytes4 internal constant SET_GUARD = bytes4(keccak256("setGuard(address)"));
    bytes4 internal constant ADD_OWNER = bytes4(keccak256("addOwnerWithThreshold(address,uint256)"));
    bytes4 internal constant REMOVE_OWNER = bytes4(keccak256("removeOwner(address,address,uint256)"));
    bytes4 internal constant SWAP_OWNER = bytes4(keccak256("swapOwner(address,address,address)"));
    bytes4 internal constant CHANGE_THRESHOLD = bytes4(keccak256("changeThreshold(uint256)"));
    bytes4 internal constant DISABLE_MODULE = bytes4(keccak256("disableModule(address,address)"));
    bytes4 internal constant MULTI_SEND = bytes4(keccak256("multiSend(bytes)"));

    modifier onlySafe() {
        if (msg.sender != safe) revert NotSafe(msg.sender);
        _;
    }

    /// @param safe_ The Safe to guard.
    /// @param delay_ Seconds a loosening change waits before it is in force.
    constructor(address safe_, uint64 delay_) {
        safe = safe_;
        delay = delay_;
    }

    /// @dev Non-reverting, so a Safe upgrade that calls a new hook does not brick the Safe.
    fallback() external {}

    // ----- list management (only the Safe) -----

    /// @notice Schedules CALLs to `target`; `anySelector` also allows every selector (an unscoped target) and
    /// `value` allows sending ether. Each takes effect after `delay`.
    function allowTarget(address target, bool anySelector, bool value) external onlySafe {
        Rule storage r = rules[target];
        _list(target);
        r.callFrom = _schedule(r.callFrom, target, bytes4(0), 0);
        if (anySelector) r.anySelectorFrom = _schedule(r.anySelectorFrom, target, bytes4(0), 1);
        if (value) r.valueFrom = _schedule(r.valueFrom, target, bytes4(0), 2);
    }

    /// @notice Schedules DELEGATECALLs to the library `target`, after `delay`.
    function allowDelegateCall(address target) external onlySafe {
        Rule storage r = rules[target];
        _list(target);
        r.delegateCallFrom = _schedule(r.delegateCallFrom, target, bytes4(0), 3);
    }

    /// @notice Schedules `selector` on `target` (`0x00000000` stands for empty calldata), after `delay`. The target
    /// itself must also be allowed with `allowTarget`.
    function allowSelector(address target, bytes4 selector) external onlySafe {
        _list(target);
        if (!isListedSelector[target][selector]) {
            isListedSelector[target][selector] = true;
            listedSelectors[target].push(selector);
        }
        selectorFrom[target][selector] = _schedule(selectorFrom[target][selector], target, selector, 4);
    }

    /// @notice Removes every permission of `target` (call, value, delegatecall, selectors), at once.
    function removeTarget(address target) external onlySafe {
        delete rules[target];
        bytes4[] storage sels = listedSelectors[target];
        for (uint256 i = 0; i < sels.length; i++) {
            selectorFrom[target][sels[i]] = 0;
        }
        emit TargetRemoved(target);
    }

    /// @notice Removes one selector of `target`, at once.
    function removeSelector(address target, bytes4 selector) external onlySafe {
        selectorFrom[target][selector] = 0;
        emit SelectorRemoved(target, selector);
    }

    // ----- views -----

    /// @notice Every address ever put on the list (removed ones stay here with all timestamps 0).
    function targets() external view returns (address[] memory) {
        return listed;
    }

    /// @notice Every selector ever put on the list for `target` (removed ones have `selectorFrom` 0).
    function selectorsOf(address target) external view returns (bytes4[] memory) {
        return listedSelectors[target];
    }

    /// @notice The timestamps from which each permission of `target` is in force (0 = not granted).
    function ruleOf(address target)
        external
        view
        returns (uint64 callFrom, uint64 anySelectorFrom, uint64 valueFrom, uint64 delegateCallFrom)
    {
        Rule memory r = rules[target];
        return (r.callFrom, r.anySelectorFrom, r.valueFrom, r.delegateCallFrom);
    }

    /// @notice The timestamp from which `selector` on `target` is in force (0 = not granted).
    function selectorEffectiveAt(address target, bytes4 selector) external view returns (uint64) {
        return selectorFrom[target][selector];
    }

    /// @notice Whether a CALL to `target` is in force now.
    function isAllowedTarget(address target) external view returns (bool) {
        return _active(rules[target].callFrom);
    }

    /// @notice Whether `selector` may be called on `target` now.
    function isAllowedFunction(address target, bytes4 selector) external view returns (bool) {
        Rule memory r = rules[target];
        return _active(r.callFrom) && (_active(r.anySelectorFrom) || _active(selectorFrom[target][selector]));
    }

    /// @notice Whether a DELEGATECALL to `target` is in force now.
    function isAllowedToDelegateCall(address target) external view returns (bool) {
        return _active(rules[target].delegateCallFrom);
    }

    // ----- guard interface -----

    /// @notice ERC-165: the Safe guard interface `0xe6d7a83a` and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0xe6d7a83a || interfaceId == 0x01ffc9a7;
    }

    /// @notice Called by the Safe before executing a transaction; reverts to refuse it.
    function checkTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation,
        uint256,
        uint256,
        uint256 gasPrice,
        address,
        address,
        bytes calldata,
        address
    ) external view {
        if (msg.sender != safe) revert NotSafe(msg.sender);
        if (gasPrice != 0) revert RefundNotAllowed();
        if (operation == 1) {
            if (!_active(rules[to].delegateCallFrom)) revert DelegateCallNotAllowed(to);
            if (data.length >= 4 && bytes4(data[:4]) == MULTI_SEND) _checkBatch(data);
            return;
        }
        _checkCall(to, value, data.length, data.length >= 4 ? bytes4(data[:4]) : bytes4(0));
    }

    /// @notice Called by the Safe after executing; this guard keeps no per-transaction state.
    function checkAfterExecution(bytes32, bool) external pure {}

    // ----- internals -----

    function _active(uint64 from) internal view returns (bool) {
        return from != 0 && block.timestamp >= from;
    }

    function _schedule(uint64 current, address target, bytes4 selector, uint8 kind) internal returns (uint64) {
        uint64 at = uint64(block.timestamp) + delay;
        // An entry already granted (or scheduled earlier) keeps its earlier time.
        if (current != 0 && current <= at) return current;
        emit ChangeScheduled(target, selector, kind, at);
        return at;
    }

    function _list(address target) internal {
        if (!isListed[target]) {
            isListed[target] = true;
            listed.push(target);
        }
    }

    function _checkCall(address to, uint256 value, uint256 len, bytes4 selector) internal view {
        if (to == safe) {
            if (value != 0) revert ValueNotAllowed(to);
            if (len == 0) return;
            if (len < 4) revert MalformedData();
            if (
                selector == SET_GUARD || selector == ADD_OWNER || selector == REMOVE_OWNER || selector == SWAP_OWNER
                    || selector == CHANGE_THRESHOLD || selector == DISABLE_MODULE
            ) return;
            revert SelfCallNotAllowed(selector);
        }
        if (to == address(this)) return;
        Rule memory r = rules[to];
        if (!_active(r.callFrom)) revert TargetNotAllowed(to);
        if (value != 0 && !_active(r.valueFrom)) revert ValueNotAllowed(to);
        if (len != 0 && len < 4) revert MalformedData();
        if (!_active(r.anySelectorFrom) && !_active(selectorFrom[to][selector])) {
            revert FunctionNotAllowed(to, selector);
        }
    }

    /// @dev Decodes a MultiSend batch (operation 1 byte, to 20, value 32, data length 32, data) and applies the
    /// CALL rules to each inner transaction; an inner DELEGATECALL is refused.
    function _checkBatch(bytes calldata data) internal view {
        bytes memory txs = abi.decode(data[4:], (bytes));
        uint256 n = txs.length;
        uint256 i = 0;
        while (i < n) {
            if (i + 85 > n) revert MalformedData();
            uint256 op;
            address innerTo;
            uint256 innerValue;
            uint256 len;
            uint256 word;
            assembly {
                let p := add(add(txs, 0x20), i)
                op := shr(248, mload(p))
                innerTo := shr(96, mload(add(p, 1)))
                innerValue := mload(add(p, 21))
                len := mload(add(p, 53))
                word := mload(add(p, 85))
            }
            if (i + 85 + len > n) revert MalformedData();
            if (op != 0) revert DelegateCallNotAllowed(innerTo);
            // MultiSend runs in the Safe's context: a zero `to` means the Safe itself.
            if (innerTo == address(0)) innerTo = safe;
            bytes4 selector = len >= 4 ? bytes4(bytes32(word)) : bytes4(0);
            _checkCall(innerTo, innerValue, len, selector);
            i += 85 + len;
        }
    }
}
