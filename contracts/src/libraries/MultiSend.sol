// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity 0.8.30;

/**
 * @title MultiSend
 * @notice Runs a batch of calls and delegatecalls in one transaction. Must itself be DELEGATECALLed (by a Safe).
 * @dev `transactions` is a packed list of entries `uint8 operation ‖ address to ‖ uint256 value ‖
 *      uint256 dataLength ‖ bytes data` (85 bytes + data each). Operation 0 is CALL, 1 is DELEGATECALL; any other
 *      value, or any failing call, reverts the whole batch (without revert data). An entry is read while its start
 *      lies more than 32 bytes before the end of `transactions`, as in the canonical library, so trailing bytes up
 *      to 32 are ignored.
 *      Deliberate difference from the canonical library: an entry that runs past the end of `transactions` (its
 *      head or its `dataLength` bytes of data) reverts the whole batch. The canonical library reads on into the
 *      rest of the calldata, so a decoder that slices `transactions` would show other bytes than those that run
 *      (`docs/compatibility.md`).
 *      ⚠️ An inner delegatecall runs foreign code with the Safe's storage: prefer MultiSendCallOnly.
 */
contract MultiSend {
    address private immutable multisendSingleton;

    constructor() {
        multisendSingleton = address(this);
    }

    /**
     * @notice Runs every entry of `transactions` in order; reverts if any fails.
     * @dev Reverts with "MultiSend should only be called via delegatecall" when called directly.
     * @param transactions The packed entries.
     */
    function multiSend(bytes calldata transactions) public payable {
        require(address(this) != multisendSingleton, "MultiSend should only be called via delegatecall");
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            let end := add(transactions.offset, transactions.length)
            for {
                let entry := transactions.offset
            } lt(add(entry, 0x20), end) {

            } {
                let operation := shr(248, calldataload(entry))
                let to := shr(96, calldataload(add(entry, 0x01)))
                let value := calldataload(add(entry, 0x15))
                let dataLength := calldataload(add(entry, 0x35))
                // The entry must end within `transactions`; `gt(dataLength, end)` rules out an overflow.
                if or(gt(dataLength, end), gt(add(add(entry, 0x55), dataLength), end)) {
                    revert(0, 0)
                }
                calldatacopy(buffer, add(entry, 0x55), dataLength)
                let success := 0
                switch operation
                case 0 {
                    success := call(gas(), to, value, buffer, dataLength, 0, 0)
                }
                case 1 {
                    success := delegatecall(gas(), to, buffer, dataLength, 0, 0)
                }
                if iszero(success) {
                    revert(0, 0)
                }
                entry := add(entry, add(0x55, dataLength))
            }
        }
    }
}
