// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {DeployArbitrageExecutor} from "../script/DeployArbitrageExecutor.s.sol";
import {ArbitrageExecutor} from "../src/ArbitrageExecutor.sol";

contract DeployArbitrageExecutorTest is Test {
    /// @dev The only test that touches these environment variables (they are process-wide).
    function test_run_DeploysOwnedByBroadcasterWithBots() public {
        address bot1 = makeAddr("bot1");
        address bot2 = makeAddr("bot2");
        vm.setEnv("EXECUTOR_BOTS", string.concat(vm.toString(bot1), ",", vm.toString(bot2)));
        DeployArbitrageExecutor script = new DeployArbitrageExecutor();

        ArbitrageExecutor executor = script.run();

        assertEq(executor.owner(), DEFAULT_SENDER);
        assertTrue(executor.isExecutor(bot1));
        assertTrue(executor.isExecutor(bot2));
        assertFalse(executor.isExecutor(address(this)));
    }
}
