import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ROOT, type ServiceSpec } from './services.ts';

export interface RunningProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

const COLORS = [36, 33, 35, 32, 34, 91, 92, 93];

/**
 * Starts a service as a child process running its TypeScript entry with tsx.
 * The IPC channel lets the child notice when this process dies, so no service
 * outlives the runner.
 */
export function spawnService(
  spec: ServiceSpec,
  port: number,
  env: Record<string, string>,
  options: { onLine?: (name: string, line: string) => void; index?: number; /** Node options NODE_OPTIONS refuses, e.g. --cpu-prof */ execArgv?: string[] } = {},
): RunningProcess {
  const child = spawn(process.execPath, [...(spec.nodeOptions ?? []), ...(options.execArgv ?? []), '--import', 'tsx', path.join(ROOT, spec.entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const color = COLORS[(options.index ?? 0) % COLORS.length];
  const onLine = options.onLine ?? ((name, line) => process.stdout.write(`\x1b[${color}m${name.padEnd(10)}\x1b[0m ${line}\n`));
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => onLine(spec.name, line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name: spec.name, url: `http://127.0.0.1:${port}/graphql`, child, exited };
}

/** Polls `/ready` until it answers 200, the process exits, or the deadline passes. */
export async function waitUntilReady(proc: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const readyUrl = proc.url.replace(/\/graphql$/, '/ready');
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited during start (code ${proc.child.exitCode}); see its log above`);
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(proc: RunningProcess, graceMs = 10_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}
