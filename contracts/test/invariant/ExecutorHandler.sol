// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IERC20} from "forge-std/interfaces/IERC20.sol";

import {ArbitrageExecutor} from "../../src/ArbitrageExecutor.sol";
import {IArbitrageExecutor} from "../../src/interfaces/IArbitrageExecutor.sol";
import {IUniswapV2PairFull} from "../utils/UniswapV2Interfaces.sol";

/// @notice Drives the executor the way the world does: the bot executes 2- and 3-hop cycles with random sizes and
///         floors, traders move the prices, the owner withdraws, outsiders donate and attack the callback.
///         Before each action it records, per token, the executor's balance plus everything the owner has
///         withdrawn; the invariant is that this sum never goes down.
contract ExecutorHandler is CommonBase, StdUtils {
    ArbitrageExecutor public immutable executor;
    address public immutable owner;
    address public immutable bot;
    address public immutable trader;
    address public immutable outsider;

    IERC20[] internal tokens; // [A, B, C]
    IUniswapV2PairFull[] internal pairs; // [AB on dex1, AB on dex2, BC on dex1, CA on dex1]

    mapping(IERC20 token => uint256 amount) public withdrawn;
    mapping(IERC20 token => uint256 amount) public floor;

    uint256 public executions;
    uint256 public rejectedExecutions;
    uint256 public rejectedAttacks;

    constructor(
        ArbitrageExecutor executor_,
        address owner_,
        address bot_,
        IERC20[] memory tokens_,
        IUniswapV2PairFull[] memory pairs_
    ) {
        executor = executor_;
        owner = owner_;
        bot = bot_;
        trader = address(uint160(uint256(keccak256("trader"))));
        outsider = address(uint160(uint256(keccak256("outsider"))));
        tokens = tokens_;
        pairs = pairs_;
    }

    modifier recordFloor() {
        for (uint256 i; i < tokens.length; ++i) {
            floor[tokens[i]] = accounted(tokens[i]);
        }
        _;
    }

    /// @notice The executor's balance of `token` plus what the owner took out.
    function accounted(IERC20 token) public view returns (uint256) {
        return token.balanceOf(address(executor)) + withdrawn[token];
    }

    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    function tokenAt(uint256 index) external view returns (IERC20) {
        return tokens[index];
    }

    // ---------------------------------------------------------------- actions

    function executeTwoHop(uint256 amountIn, uint256 minProfit, bool reverse) external recordFloor {
        address[] memory route = new address[](2);
        (route[0], route[1]) = reverse ? (address(pairs[1]), address(pairs[0])) : (address(pairs[0]), address(pairs[1]));
        IERC20[] memory path = new IERC20[](2);
        (path[0], path[1]) = (tokens[0], tokens[1]);
        run(route, path, amountIn, minProfit);
    }

    function executeTriangle(uint256 amountIn, uint256 minProfit, bool reverse) external recordFloor {
        address[] memory route = new address[](3);
        IERC20[] memory path = new IERC20[](3);
        if (reverse) {
            (route[0], route[1], route[2]) = (address(pairs[3]), address(pairs[2]), address(pairs[0]));
            (path[0], path[1], path[2]) = (tokens[0], tokens[2], tokens[1]);
        } else {
            (route[0], route[1], route[2]) = (address(pairs[0]), address(pairs[2]), address(pairs[3]));
            (path[0], path[1], path[2]) = (tokens[0], tokens[1], tokens[2]);
        }
        run(route, path, amountIn, minProfit);
    }

    /// @notice A trader sells `tokenIn` into one of the pairs, moving its price.
    function trade(uint256 pairSeed, uint256 amountIn, bool zeroForOne) external recordFloor {
        IUniswapV2PairFull pair = pairs[pairSeed % pairs.length];
        (uint112 reserve0, uint112 reserve1,) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) =
            zeroForOne ? (uint256(reserve0), uint256(reserve1)) : (reserve1, reserve0);
        amountIn = bound(amountIn, 1e12, reserveIn / 2);
        uint256 amountOut = (amountIn * 997 * reserveOut) / (reserveIn * 1000 + amountIn * 997);
        if (amountOut == 0) return;
        IERC20 tokenIn = IERC20(zeroForOne ? pair.token0() : pair.token1());
        vm.prank(trader);
        require(tokenIn.transfer(address(pair), amountIn), "transfer");
        vm.prank(trader);
        pair.swap(zeroForOne ? 0 : amountOut, zeroForOne ? amountOut : 0, trader, "");
    }

    function withdraw(uint256 tokenSeed, uint256 amount) external recordFloor {
        IERC20 token = tokens[tokenSeed % tokens.length];
        amount = bound(amount, 0, token.balanceOf(address(executor)));
        vm.prank(owner);
        executor.withdraw(address(token), owner, amount);
        withdrawn[token] += amount;
    }

    function donate(uint256 tokenSeed, uint256 amount) external recordFloor {
        IERC20 token = tokens[tokenSeed % tokens.length];
        amount = bound(amount, 0, 1e18);
        vm.prank(trader);
        require(token.transfer(address(executor), amount), "transfer");
    }

    /// @notice Calls the callback directly, claiming to be the executor's own swap, hoping to be paid.
    function attackCallback(uint256 amount, bytes calldata data) external recordFloor {
        vm.prank(outsider);
        try executor.uniswapV2Call(address(executor), amount, amount, data) {
            revert("callback accepted an outsider");
        } catch {
            ++rejectedAttacks;
        }
    }

    /// @notice Flash-borrows from a real pair with the executor as recipient, hoping it repays the loan.
    function attackWithFlashSwap(uint256 pairSeed, uint256 amount) external recordFloor {
        IUniswapV2PairFull pair = pairs[pairSeed % pairs.length];
        (uint112 reserve0,,) = pair.getReserves();
        amount = bound(amount, 1, reserve0 - 1);
        vm.prank(outsider);
        try pair.swap(amount, 0, address(executor), abi.encode(uint256(1))) {
            revert("a foreign flash swap went through");
        } catch {
            ++rejectedAttacks;
        }
    }

    // ---------------------------------------------------------------- internals

    function run(address[] memory route, IERC20[] memory path, uint256 amountIn, uint256 minProfit) internal {
        uint256 hops = route.length;
        bool[] memory zeroForOne = new bool[](hops);
        uint24[] memory feesPpm = new uint24[](hops);
        for (uint256 i; i < hops; ++i) {
            zeroForOne[i] = IUniswapV2PairFull(route[i]).token0() == address(path[i]);
            feesPpm[i] = 3000;
        }
        amountIn = bound(amountIn, 1, 100e18);
        minProfit = bound(minProfit, 0, 1e18);
        IERC20 startToken = path[0];
        uint256 balanceBefore = startToken.balanceOf(address(executor));

        vm.prank(bot);
        try executor.execute(
            route, zeroForOne, feesPpm, address(startToken), amountIn, minProfit, block.number
        ) returns (
            uint256 profit
        ) {
            ++executions;
            require(profit >= minProfit, "profit below the floor");
            require(startToken.balanceOf(address(executor)) == balanceBefore + profit, "profit not in the balance");
        } catch (bytes memory reason) {
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason); // a custom error's selector
            require(
                selector == IArbitrageExecutor.InsufficientProfit.selector
                    || selector == IArbitrageExecutor.ZeroAmountOut.selector,
                "unexpected revert"
            );
            ++rejectedExecutions;
        }
    }
}
