// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Script} from "forge-std/Script.sol";

import {ArbitrageExecutor} from "../src/ArbitrageExecutor.sol";

/// @notice Deploys the executor and allows its executor accounts.
/// @dev Environment: EXECUTOR_OWNER (default: the broadcasting account), EXECUTOR_BOTS (comma-separated
///      addresses, optional). Example against a local anvil:
///        bin/forge script script/DeployArbitrageExecutor.s.sol --rpc-url http://127.0.0.1:8545 \
///          --private-key <key> --broadcast
///      The owner can only call `setExecutor` when it is the broadcasting account; otherwise it does so later.
///      The Python side deploys the same artifact (out/ArbitrageExecutor.sol/ArbitrageExecutor.json) with web3.
contract DeployArbitrageExecutor is Script {
    function run() external returns (ArbitrageExecutor executor) {
        vm.startBroadcast();
        (, address broadcaster,) = vm.readCallers();
        address owner = vm.envOr("EXECUTOR_OWNER", broadcaster);
        address[] memory bots = vm.envOr("EXECUTOR_BOTS", ",", new address[](0));
        executor = new ArbitrageExecutor(owner);
        if (owner == broadcaster) {
            for (uint256 i; i < bots.length; ++i) {
                executor.setExecutor(bots[i], true);
            }
        }
        vm.stopBroadcast();
    }
}
