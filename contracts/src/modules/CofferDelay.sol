// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/// @dev The part of the Safe (the "target") that CofferDelay calls.
interface ICofferDelayTarget {
    function execTransactionFromModule(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        returns (bool success);
}

/**
 * @title CofferDelay
 * @notice A time-lock between proposers ("modules" of this contract) and a Safe: a proposer queues a call, anyone
 *         executes it once its cooldown has passed (and before it expires), strictly in queue order, and the owner
 *         (normally the Safe itself) vetoes queued calls by moving the execution nonce past them.
 * @dev coffer's own implementation of the external ABI and semantics of the Zodiac Delay modifier 1.0.x
 *      (queue, txCooldown, txExpiration, txNonce/queueNonce, executeNextTx, skipExpired, setTxNonce, module list
 *      with a 0x1 sentinel, owner/avatar/target), so coffer's client and other tools speak to either. Written from
 *      the behaviour described in MODULES.md section 2, not from Zodiac's source. No guard and no signed module
 *      calls. The design notes are in `docs/delay.md`.
 */
contract CofferDelay {
    /// @notice Emitted once, by `setUp`.
    event DelaySetup(address indexed initiator, address indexed owner, address indexed avatar, address target);
    /// @notice A call was queued at index `queueNonce`; the arguments are only here (the contract keeps the hash).
    event TransactionAdded(
        uint256 indexed queueNonce, bytes32 indexed txHash, address to, uint256 value, bytes data, uint8 operation
    );
    /// @notice A proposer was enabled.
    event EnabledModule(address module);
    /// @notice A proposer was disabled.
    event DisabledModule(address module);
    /// @notice The avatar changed.
    event AvatarSet(address indexed previousAvatar, address indexed newAvatar);
    /// @notice The target changed.
    event TargetSet(address indexed previousTarget, address indexed newTarget);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @dev The list sentinel, as in the Safe's module list.
    address internal constant SENTINEL = address(0x1);

    /// @notice Who may change the settings and veto (normally the Safe).
    address public owner;
    /// @notice The account the queued calls act for (normally the Safe).
    address public avatar;
    /// @notice The contract `executeNextTx` calls `execTransactionFromModule` on (normally the Safe).
    address public target;

    /// @notice Seconds a queued call waits before it may run. Read at execution time.
    uint256 public txCooldown;
    /// @notice Seconds after the cooldown during which a queued call may run; 0 = never expires.
    uint256 public txExpiration;
    /// @notice Index of the next call to execute (the head of the queue).
    uint256 public txNonce;
    /// @notice Index the next queued call gets.
    uint256 public queueNonce;
    /// @notice Queue index → `getTransactionHash` of the queued call.
    mapping(uint256 => bytes32) public txHash;
    /// @notice Queue index → the block timestamp it was queued at.
    mapping(uint256 => uint256) public txCreatedAt;

    /// @dev Proposer list: sentinel → first → … → sentinel.
    mapping(address => address) internal modules;
    /// @dev Set by the first `setUp`.
    bool private initialized;

    /// @param _owner Owner (veto and settings).
    /// @param _avatar Avatar.
    /// @param _target Target called on execution.
    /// @param _cooldown Cooldown in seconds.
    /// @param _expiration Expiration in seconds (0, or at least 60).
    constructor(address _owner, address _avatar, address _target, uint256 _cooldown, uint256 _expiration) {
        setUp(abi.encode(_owner, _avatar, _target, _cooldown, _expiration));
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        _;
    }

    modifier moduleOnly() {
        require(msg.sender != SENTINEL && modules[msg.sender] != address(0), "Module not authorized");
        _;
    }

    /// @notice One-time initialisation (the constructor calls it; a proxy's initializer calls it once).
    /// @param initParams `abi.encode(owner, avatar, target, cooldown, expiration)`.
    function setUp(bytes memory initParams) public {
        require(!initialized, "Initializable: contract is already initialized");
        initialized = true;
        (address _owner, address _avatar, address _target, uint256 _cooldown, uint256 _expiration) =
            abi.decode(initParams, (address, address, address, uint256, uint256));
        require(_avatar != address(0), "Avatar can not be zero address");
        require(_target != address(0), "Target can not be zero address");
        require(_expiration == 0 || _expiration >= 60, "Expiratition must be 0 or at least 60 seconds");
        owner = _owner;
        emit OwnershipTransferred(address(0), _owner);
        avatar = _avatar;
        target = _target;
        txCooldown = _cooldown;
        txExpiration = _expiration;
        modules[SENTINEL] = SENTINEL;
        emit DelaySetup(msg.sender, _owner, _avatar, _target);
    }

    // ----- ownership and wiring -----

    /// @notice Hands the owner role to `newOwner` (not zero).
    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "Ownable: new owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Leaves the contract without an owner: nobody can veto or change settings afterwards.
    function renounceOwnership() external onlyOwner {
        emit OwnershipTransferred(owner, address(0));
        owner = address(0);
    }

    /// @notice Sets the avatar.
    function setAvatar(address _avatar) external onlyOwner {
        emit AvatarSet(avatar, _avatar);
        avatar = _avatar;
    }

    /// @notice Sets the target.
    function setTarget(address _target) external onlyOwner {
        emit TargetSet(target, _target);
        target = _target;
    }

    // ----- settings and veto -----

    /// @notice Sets the cooldown. It applies to calls already queued too.
    function setTxCooldown(uint256 cooldown) external onlyOwner {
        txCooldown = cooldown;
    }

    /// @notice Sets the expiration: 0 (never) or at least 60 seconds. It applies to calls already queued too.
    /// @dev The revert string is the Zodiac Delay's, spelling included, so that tools matching it keep working.
    function setTxExpiration(uint256 expiration) external onlyOwner {
        require(expiration == 0 || expiration >= 60, "Expiratition must be 0 or at least 60 seconds");
        txExpiration = expiration;
    }

    /// @notice The veto: every queued call with an index below `_nonce` is skipped for good.
    function setTxNonce(uint256 _nonce) external onlyOwner {
        require(_nonce > txNonce, "New nonce must be higher than current txNonce");
        require(_nonce <= queueNonce, "Cannot be higher than queueNonce");
        txNonce = _nonce;
    }

    // ----- proposers -----

    /// @notice Enables `module` as a proposer.
    function enableModule(address module) external onlyOwner {
        require(module != address(0) && module != SENTINEL, "Invalid module");
        require(modules[module] == address(0), "Module already enabled");
        modules[module] = modules[SENTINEL];
        modules[SENTINEL] = module;
        emit EnabledModule(module);
    }

    /// @notice Disables `module`; `prevModule` is the entry before it in the list (0x1 for the first).
    function disableModule(address prevModule, address module) external onlyOwner {
        require(module != address(0) && module != SENTINEL, "Invalid module");
        require(modules[prevModule] == module, "Module already disabled");
        modules[prevModule] = modules[module];
        modules[module] = address(0);
        emit DisabledModule(module);
    }

    /// @notice Whether `module` is an enabled proposer.
    function isModuleEnabled(address module) external view returns (bool) {
        return module != SENTINEL && modules[module] != address(0);
    }

    /// @notice Up to `pageSize` proposers after `start` (0x1 = from the head); `next` is the first entry of the
    ///         following page, or 0x1 at the end.
    function getModulesPaginated(address start, uint256 pageSize)
        external
        view
        returns (address[] memory array, address next)
    {
        array = new address[](pageSize);
        uint256 count = 0;
        address current = modules[start];
        while (current != address(0) && current != SENTINEL && count < pageSize) {
            array[count] = current;
            current = modules[current];
            count++;
        }
        next = current;
        assembly ("memory-safe") {
            mstore(array, count)
        }
    }

    // ----- queue -----

    /// @notice Queues a call (proposers only). It does not execute; returns true.
    function execTransactionFromModule(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        moduleOnly
        returns (bool success)
    {
        _enqueue(to, value, data, operation);
        success = true;
    }

    /// @notice Queues a call (proposers only) and returns `abi.encode(index, hash, createdAt)`.
    function execTransactionFromModuleReturnData(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        moduleOnly
        returns (bool success, bytes memory returnData)
    {
        (uint256 index, bytes32 hash) = _enqueue(to, value, data, operation);
        success = true;
        returnData = abi.encode(index, hash, block.timestamp);
    }

    function _enqueue(address to, uint256 value, bytes calldata data, uint8 operation)
        private
        returns (uint256 index, bytes32 hash)
    {
        require(operation < 2, "Invalid operation");
        index = queueNonce;
        hash = getTransactionHash(to, value, data, operation);
        txHash[index] = hash;
        txCreatedAt[index] = block.timestamp;
        emit TransactionAdded(index, hash, to, value, data, operation);
        queueNonce = index + 1;
    }

    /// @notice Runs the head of the queue once its cooldown has passed and before it expires; anyone may call it
    ///         with the queued arguments (from the `TransactionAdded` event).
    function executeNextTx(address to, uint256 value, bytes calldata data, uint8 operation) external {
        uint256 index = txNonce;
        require(index < queueNonce, "Transaction queue is empty");
        uint256 createdAt = txCreatedAt[index];
        require(block.timestamp - createdAt >= txCooldown, "Transaction is still in cooldown");
        uint256 expiration = txExpiration;
        if (expiration != 0) {
            require(createdAt + txCooldown + expiration >= block.timestamp, "Transaction expired");
        }
        require(txHash[index] == getTransactionHash(to, value, data, operation), "Transaction hashes do not match");
        // Advance before the call: a re-entrant executeNextTx sees the next entry, never this one again.
        txNonce = index + 1;
        require(
            ICofferDelayTarget(target).execTransactionFromModule(to, value, data, operation),
            "Module transaction failed"
        );
    }

    /// @notice Moves the head past every expired call (anyone may call it); stops at the first live one.
    function skipExpired() external {
        uint256 expiration = txExpiration;
        if (expiration == 0) return;
        uint256 index = txNonce;
        uint256 end = queueNonce;
        uint256 cooldown = txCooldown;
        while (index < end && txCreatedAt[index] + cooldown + expiration < block.timestamp) {
            index++;
        }
        txNonce = index;
    }

    /// @notice `keccak256(abi.encodePacked(to, value, data, operation))`: the queue commitment.
    function getTransactionHash(address to, uint256 value, bytes memory data, uint8 operation)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(to, value, data, operation));
    }

    /// @notice The hash queued at `nonce`.
    function getTxHash(uint256 nonce) external view returns (bytes32) {
        return txHash[nonce];
    }

    /// @notice The timestamp `nonce` was queued at.
    function getTxCreatedAt(uint256 nonce) external view returns (uint256) {
        return txCreatedAt[nonce];
    }
}
