// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A pair look-alike for the hostile cases: it reports the tokens and reserves it is given and, when
///         `swap` is called, pays nothing and instead makes the call it was programmed with (if any),
///         bubbling up that call's revert.
contract MockPair {
    address public token0;
    address public token1;
    uint112 private _reserve0;
    uint112 private _reserve1;

    address public hookTarget;
    bytes public hookPayload;

    constructor(address token0_, address token1_, uint112 reserve0, uint112 reserve1) {
        (token0, token1, _reserve0, _reserve1) = (token0_, token1_, reserve0, reserve1);
    }

    function setHook(address target, bytes calldata payload) external {
        (hookTarget, hookPayload) = (target, payload);
    }

    function getReserves() external view returns (uint112, uint112, uint32) {
        return (_reserve0, _reserve1, 0);
    }

    function swap(uint256, uint256, address, bytes calldata) external {
        if (hookTarget == address(0)) return;
        (bool ok, bytes memory returned) = hookTarget.call(hookPayload);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
    }
}
