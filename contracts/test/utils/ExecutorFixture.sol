// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {ArbitrageExecutor} from "../../src/ArbitrageExecutor.sol";
import {UniswapV2Fixture} from "./UniswapV2Fixture.sol";
import {IUniswapV2Factory, IUniswapV2PairFull} from "./UniswapV2Interfaces.sol";

/// @notice Two DEXes (two real UniswapV2Factory deployments), three tokens and the executor, with two
///         mispriced markets: A/B on dex1 against A/B on dex2 (a 2-pool cycle) and A -> B -> C -> A on dex1
///         (a triangular cycle).
abstract contract ExecutorFixture is UniswapV2Fixture {
    uint24 internal constant V2_FEE_PPM = 3000;

    address internal owner = makeAddr("owner");
    address internal bot = makeAddr("bot");
    address internal outsider = makeAddr("outsider");

    ArbitrageExecutor internal executor;
    IUniswapV2Factory internal dex1;
    IUniswapV2Factory internal dex2;
    IERC20 internal tokenA;
    IERC20 internal tokenB;
    IERC20 internal tokenC;

    IUniswapV2PairFull internal pairAB1; // dex1: 2.1 B per A
    IUniswapV2PairFull internal pairAB2; // dex2: 1.9 B per A
    IUniswapV2PairFull internal pairBC1; // dex1: 1.5 C per B
    IUniswapV2PairFull internal pairCA1; // dex1: 3 C per A

    function setUp() public virtual {
        dex1 = deployFactory();
        dex2 = deployFactory();
        tokenA = deployToken("A");
        tokenB = deployToken("B");
        tokenC = deployToken("C");

        pairAB1 = createPool(dex1, tokenA, tokenB, 1000e18, 2100e18);
        pairAB2 = createPool(dex2, tokenA, tokenB, 1000e18, 1900e18);
        pairBC1 = createPool(dex1, tokenB, tokenC, 2000e18, 3000e18);
        pairCA1 = createPool(dex1, tokenC, tokenA, 3000e18, 1000e18);

        executor = new ArbitrageExecutor(owner);
        vm.prank(owner);
        executor.setExecutor(bot, true);
    }

    // ---------------------------------------------------------------- cycles

    struct CycleArgs {
        address[] pairs;
        bool[] zeroForOne;
        uint24[] feesPpm;
        address startToken;
    }

    function cycleOf(IUniswapV2PairFull[] memory pairs, IERC20[] memory path)
        internal
        view
        returns (CycleArgs memory args)
    {
        uint256 hops = pairs.length;
        args.pairs = new address[](hops);
        args.zeroForOne = new bool[](hops);
        args.feesPpm = new uint24[](hops);
        args.startToken = address(path[0]);
        for (uint256 i; i < hops; ++i) {
            args.pairs[i] = address(pairs[i]);
            args.zeroForOne[i] = isZeroForOne(pairs[i], path[i]);
            args.feesPpm[i] = V2_FEE_PPM;
        }
    }

    /// @notice A -> B on dex1, B -> A on dex2.
    function twoPoolCycle() internal view returns (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) {
        pairs = new IUniswapV2PairFull[](2);
        pairs[0] = pairAB1;
        pairs[1] = pairAB2;
        path = new IERC20[](3);
        (path[0], path[1], path[2]) = (tokenA, tokenB, tokenA);
    }

    /// @notice A -> B -> C -> A, all on dex1.
    function triangularCycle() internal view returns (IUniswapV2PairFull[] memory pairs, IERC20[] memory path) {
        pairs = new IUniswapV2PairFull[](3);
        (pairs[0], pairs[1], pairs[2]) = (pairAB1, pairBC1, pairCA1);
        path = new IERC20[](4);
        (path[0], path[1], path[2], path[3]) = (tokenA, tokenB, tokenC, tokenA);
    }

    function execute(CycleArgs memory args, uint256 amountIn, uint256 minProfit) internal returns (uint256) {
        return
            executor.execute(
                args.pairs, args.zeroForOne, args.feesPpm, args.startToken, amountIn, minProfit, block.number
            );
    }

    function executeAs(address caller, CycleArgs memory args, uint256 amountIn, uint256 minProfit)
        internal
        returns (uint256 profit)
    {
        vm.prank(caller);
        profit = execute(args, amountIn, minProfit);
    }
}
