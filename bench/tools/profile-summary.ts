/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went:
 * self time by package and by function, top N.
 *
 *   node --import tsx bench/tools/profile-summary.ts bench/results/profiles/ours.cpuprofile [--top=30] [--skip=10]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' }, /** seconds of the profile's start to leave out (module loading, warm-up) */ skip: { type: 'string', default: '0' } }, allowPositionals: true });
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const selfUs = new Map<number, number>();
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= Number(values.skip) * 1e6) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const pkgOf = (url: string) => {
  if (!url) return '(native/gc/idle)';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url.replace(/^file:\/\/\/work\/main\//, '').split('/').slice(0, 2).join('/');
};
const byPkg = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byNode.get(id)!;
  const name = n.callFrame.functionName || '(anonymous)';
  const pkg = name === '(idle)' || name === '(program)' || name === '(garbage collector)' ? name : pkgOf(n.callFrame.url);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  const key = `${name} ${pkg}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}
const busy = total - (byPkg.get('(idle)') ?? 0);
const show = (m: Map<string, number>) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)).map(([k, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`).join('\n');
console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled (percent of busy time)\n\nby package:\n${show(byPkg)}\n\nby function:\n${show(byFn)}`);
