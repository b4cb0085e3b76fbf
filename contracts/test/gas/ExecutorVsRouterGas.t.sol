// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {ExecutorFixture} from "../utils/ExecutorFixture.sol";
import {IUniswapV2PairFull, IUniswapV2Router02} from "../utils/UniswapV2Interfaces.sol";

/// @notice The deterministic gas figures: the executor's flash-swap cycles next to the same hops done through the
///         real UniswapV2Router02 by a trader who holds the input (approve + swapExactTokensForTokens per router).
///         Each figure is one top-level call; run with `--isolate` every call is its own transaction (intrinsic
///         21,000 gas and calldata included, cold accounts and slots as on a real chain).
///         The numbers are kept in snapshots/ExecutorVsRouterGas.json and checked in CI.
contract ExecutorVsRouterGas is ExecutorFixture {
    uint256 internal constant AMOUNT_IN = 10e18;
    string internal constant GROUP = "ExecutorVsRouterGas";

    address internal trader = makeAddr("trader");
    IUniswapV2Router02 internal router1;
    IUniswapV2Router02 internal router2;

    function setUp() public override {
        super.setUp();
        router1 = deployRouter(dex1);
        router2 = deployRouter(dex2);
        // Steady state: the executor already holds profit in the start token, the trader holds inventory.
        give(tokenA, address(executor), 1e18);
        give(tokenA, trader, 1000e18);
        give(tokenB, trader, 1000e18);
    }

    function test_gas_Executor2HopCycle() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        uint256 expected = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        vm.prank(bot);
        uint256 profit =
            executor.execute(args.pairs, args.zeroForOne, args.feesPpm, args.startToken, AMOUNT_IN, 0, block.number);
        uint256 gasUsed = vm.snapshotGasLastCall(GROUP, "executor_2hop");

        assertEq(profit, expected);
        assertLt(gasUsed, 150_000, "2-hop target");
    }

    function test_gas_Executor3HopCycle() public {
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = triangularCycle();
        CycleArgs memory args = cycleOf(pairs, path);
        uint256 expected = cycleOut(pairs, path, AMOUNT_IN) - AMOUNT_IN;

        vm.prank(bot);
        uint256 profit =
            executor.execute(args.pairs, args.zeroForOne, args.feesPpm, args.startToken, AMOUNT_IN, 0, block.number);
        vm.snapshotGasLastCall(GROUP, "executor_3hop");

        assertEq(profit, expected);
    }

    /// @dev The 2-pool cycle spans two DEXes, so a router user needs one router call (and approval) on each.
    function test_gas_Router2HopCycle() public {
        address[] memory legAB = new address[](2);
        (legAB[0], legAB[1]) = (address(tokenA), address(tokenB));
        address[] memory legBA = new address[](2);
        (legBA[0], legBA[1]) = (address(tokenB), address(tokenA));
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = twoPoolCycle();
        uint256 expectedOut = cycleOut(pairs, path, AMOUNT_IN);

        vm.prank(trader);
        tokenA.approve(address(router1), AMOUNT_IN);
        uint256 gasUsed = vm.snapshotGasLastCall(GROUP, "router_2hop_approve1");
        vm.prank(trader);
        uint256 bOut = router1.swapExactTokensForTokens(AMOUNT_IN, 0, legAB, trader, block.timestamp)[1];
        gasUsed += vm.snapshotGasLastCall(GROUP, "router_2hop_swap1");
        vm.prank(trader);
        tokenB.approve(address(router2), bOut);
        gasUsed += vm.snapshotGasLastCall(GROUP, "router_2hop_approve2");
        vm.prank(trader);
        uint256 aOut = router2.swapExactTokensForTokens(bOut, 0, legBA, trader, block.timestamp)[1];
        gasUsed += vm.snapshotGasLastCall(GROUP, "router_2hop_swap2");
        vm.snapshotValue(GROUP, "router_2hop_total", gasUsed);

        assertEq(aOut, expectedOut);
    }

    /// @dev The triangular cycle is on one DEX: one approval and one multi-hop router call.
    function test_gas_Router3HopCycle() public {
        address[] memory route = new address[](4);
        (route[0], route[1], route[2], route[3]) = (address(tokenA), address(tokenB), address(tokenC), address(tokenA));
        (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) = triangularCycle();
        uint256 expectedOut = cycleOut(pairs, path, AMOUNT_IN);

        vm.prank(trader);
        tokenA.approve(address(router1), AMOUNT_IN);
        uint256 gasUsed = vm.snapshotGasLastCall(GROUP, "router_3hop_approve");
        vm.prank(trader);
        uint256 aOut = router1.swapExactTokensForTokens(AMOUNT_IN, 0, route, trader, block.timestamp)[3];
        gasUsed += vm.snapshotGasLastCall(GROUP, "router_3hop_swap");
        vm.snapshotValue(GROUP, "router_3hop_total", gasUsed);

        assertEq(aOut, expectedOut);
    }
}
