/** The machine and software a benchmark ran on, for the report's `env`. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Env } from './types.js';

/** Python and NumPy versions, or nulls when python3 or NumPy is missing. */
export function pythonVersions(python = 'python3'): { python: string | null; numpy: string | null } {
  const r = spawnSync(python, ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)'], { encoding: 'utf8', timeout: 30_000 });
  const [py, np] = r.status === 0 ? r.stdout.trim().split(/\s+/) : [];
  return { python: py ?? null, numpy: np ?? null };
}

/** Collects `env`; asks python3 for versions only when the run uses it. */
export function collectEnv(argv: readonly string[], withPython: boolean): Env {
  const versions = withPython ? pythonVersions() : { python: null, numpy: null };
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: Math.max(1, cpus().length),
    memoryBytes: totalmem(),
    kernel: release(),
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    ...versions,
    command: ['ndshare', 'bench', ...argv].join(' '),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
