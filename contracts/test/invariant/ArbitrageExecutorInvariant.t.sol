// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {ExecutorFixture} from "../utils/ExecutorFixture.sol";
import {IUniswapV2PairFull} from "../utils/UniswapV2Interfaces.sol";
import {ExecutorHandler} from "./ExecutorHandler.sol";

/// @notice The executor's token balances never decrease except through the owner's withdrawal, whatever sequence
///         of executions, trades, withdrawals, donations and attacks happens.
contract ArbitrageExecutorInvariantTest is ExecutorFixture {
    ExecutorHandler internal handler;

    function setUp() public override {
        super.setUp();
        IERC20[] memory tokens = new IERC20[](3);
        (tokens[0], tokens[1], tokens[2]) = (tokenA, tokenB, tokenC);
        IUniswapV2PairFull[] memory pairs = new IUniswapV2PairFull[](4);
        (pairs[0], pairs[1], pairs[2], pairs[3]) = (pairAB1, pairAB2, pairBC1, pairCA1);
        handler = new ExecutorHandler(executor, owner, bot, tokens, pairs);

        // The executor starts with holdings a faulty execution could spend; the trader has inventory.
        for (uint256 i; i < tokens.length; ++i) {
            give(tokens[i], address(executor), 50e18);
            give(tokens[i], handler.trader(), 1e27);
        }
        targetContract(address(handler));
    }

    function invariant_BalancesNeverDecreaseExceptByWithdrawal() public view {
        for (uint256 i; i < handler.tokenCount(); ++i) {
            IERC20 token = handler.tokenAt(i);
            assertGe(handler.accounted(token), handler.floor(token));
        }
    }

    function invariant_WithdrawnPlusBalanceCoversInitialHoldings() public view {
        for (uint256 i; i < handler.tokenCount(); ++i) {
            assertGe(handler.accounted(handler.tokenAt(i)), 50e18);
        }
    }
}
