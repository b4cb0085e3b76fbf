#!/usr/bin/env bash
# Prints the gas report: the executor's flash-swap 2-hop and 3-hop cycles next to the same hops through the
# real UniswapV2Router02 (approve + swapExactTokensForTokens, with inventory), measured now in one forge run
# (each call its own transaction: intrinsic gas, calldata and refunds included, as in a receipt's gasUsed),
# beside the figures committed in snapshots/ExecutorVsRouterGas.json. Leaves the committed file untouched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash install.sh >/dev/null

measured="$(mktemp -d)"
trap 'rm -rf "$measured"' EXIT
FOUNDRY_SNAPSHOTS="$measured" bin/forge test --match-path 'test/gas/*' >"$measured/forge.log" 2>&1 || {
    cat "$measured/forge.log" >&2
    exit 1
}

node - "$measured/ExecutorVsRouterGas.json" snapshots/ExecutorVsRouterGas.json <<'JS'
const fs = require('fs');
const [measuredPath, committedPath] = process.argv.slice(2);
const gas = JSON.parse(fs.readFileSync(measuredPath, 'utf8'));
const committed = fs.existsSync(committedPath) ? JSON.parse(fs.readFileSync(committedPath, 'utf8')) : {};
const n = (k) => Number(gas[k]);
const fmt = (v) => v.toLocaleString('en-US').padStart(9);
const rows = [
  ['2-hop cycle (A/B on two DEXes)', 'executor_2hop', 'router_2hop_total', '2 x (approve + swapExactTokensForTokens)'],
  ['3-hop triangle (A>B>C>A, one DEX)', 'executor_3hop', 'router_3hop_total', 'approve + swapExactTokensForTokens'],
];
console.log('Gas per cycle, transaction gasUsed (forge --isolate, same run)\n');
console.log('cycle                               executor     router  executor/router  router path');
for (const [label, ex, ro, how] of rows) {
  const ratio = ((100 * n(ex)) / n(ro)).toFixed(1) + ' %';
  console.log(`${label.padEnd(34)}${fmt(n(ex))}  ${fmt(n(ro))}  ${ratio.padStart(15)}  ${how}`);
}
const swapsOnly2 = n('router_2hop_swap1') + n('router_2hop_swap2');
console.log(`\nwith standing approvals the router swaps alone cost ${fmt(swapsOnly2).trim()} (2-hop) and ` +
  `${fmt(n('router_3hop_swap')).trim()} (3-hop) gas, and still need the inventory up front;`);
console.log('the executor needs none and reverts unless the cycle pays minProfit.');
console.log('\nrouter path detail:');
for (const k of Object.keys(gas).filter((k) => k.startsWith('router_') && !k.endsWith('_total'))) {
  console.log(`  ${k.padEnd(22)}${fmt(n(k))}`);
}
const target2 = n('executor_2hop') < 150000;
const notWorse = n('executor_2hop') <= n('router_2hop_total') && n('executor_3hop') <= n('router_3hop_total');
console.log(`\ntarget: 2-hop under 150,000 gas ........... ${target2 ? 'met' : 'MISSED'}`);
console.log(`target: executor <= router path (2 and 3 hops) ${notWorse ? 'met' : 'MISSED'}`);
const drift = Object.keys(gas).filter((k) => committed[k] !== undefined && committed[k] !== gas[k]);
console.log(drift.length === 0
  ? 'committed snapshot (snapshots/ExecutorVsRouterGas.json): identical'
  : `committed snapshot differs for: ${drift.map((k) => `${k} ${committed[k]} -> ${gas[k]}`).join(', ')}`);
process.exit(target2 && notWorse ? 0 : 1);
JS
