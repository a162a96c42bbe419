/** Shared bits of the core benchmarks: statistics, machine facts, fresh processes. */
import { spawn } from 'node:child_process';
import { cpus, release, totalmem, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { median } from '../rows.js';

export { median };

/** One line describing the machine, for the results table. */
export function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Runs a fresh process and returns the last JSON line it printed. Rejects on failure. */
export function runCell<T>(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) return reject(new Error(`${command} ${args.join(' ')} failed (code ${code}): ${out}`));
      resolve(JSON.parse(line) as T);
    });
  });
}

/**
 * Reads the script's `--name value` options (node:util parseArgs, strict): every name in
 * `defaults` takes a positive number (`1e8` is fine), and an unknown name is an error rather than
 * a typo that silently runs the default.
 */
export function numberArgs<K extends string>(defaults: Readonly<Record<K, number>>): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({ options: Object.fromEntries(names.map((k) => [k, { type: 'string' }])) as Record<K, { type: 'string' }>, strict: true });
  const out = { ...defaults } as Record<K, number>;
  for (const name of names) {
    const given = (values as Partial<Record<K, string>>)[name];
    if (given === undefined) continue;
    const v = Number(given);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`Expected a positive number for --${name} but received '${given}'`);
    out[name] = v;
  }
  return out;
}
