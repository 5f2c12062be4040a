/**
 * `pnpm bench [scenario…]`: runs the named scenarios (all when none), each
 * printing a markdown table and writing JSON under bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '@shop/stack';

const dir = path.join(ROOT, 'bench', 'scenarios');
const all = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
const args = process.argv.slice(2).filter((a) => a !== '--');
// Scenario names come first; everything from the first option on is passed to each scenario as it is
// (so `--products 100000` keeps its value).
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const wanted = firstFlag === -1 ? args : args.slice(0, firstFlag);
const flags = firstFlag === -1 ? [] : args.slice(firstFlag);
for (const name of wanted) if (!all.includes(name)) {
  console.error(`unknown scenario "${name}"; scenarios: ${all.join(', ')}`);
  process.exit(2);
}
let failed = false;
const took: [string, number, string][] = [];
const started = Date.now();
for (const name of wanted.length ? wanted : all) {
  console.log(`\n## ${name}\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`), ...flags], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
  took.push([name, Date.now() - t0, r.status === 0 ? 'ok' : `failed (${r.status ?? r.signal})`]);
}
console.log(`\n## time\n\n| scenario | seconds | result |\n| --- | --- | --- |\n${took.map(([n, ms, res]) => `| ${n} | ${(ms / 1000).toFixed(0)} | ${res} |`).join('\n')}\n| all | ${((Date.now() - started) / 1000).toFixed(0)} | ${failed ? 'failed' : 'ok'} |`);
process.exit(failed ? 1 : 0);
