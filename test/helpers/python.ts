/**
 * Runs python3 with NumPy on a snippet and returns the JSON the snippet prints last. The snippet
 * gets its input as the JSON value `INPUT` and reports with `out(value)`.
 */
import { spawn } from 'node:child_process';

const kPrelude = `
import json, sys, hashlib
import numpy as np
INPUT = json.loads(sys.stdin.read() or 'null')
def out(v):
    print(json.dumps(v), flush=True)
def sha(a):
    return hashlib.sha256(np.asarray(a).tobytes(order='A')).hexdigest()
`;

/**
 * Debian's own interpreter, with its python3-zarr, python3-dask and python3-distributed (and
 * NumPy 1.24); `python3` on PATH may be another one without them.
 */
export const kSystemPython = '/usr/bin/python3';

/**
 * Runs `code` (after a prelude: json, sys, hashlib, numpy as np, INPUT, out(), sha()) and parses
 * its last stdout line. `python` picks the interpreter (`kSystemPython` for the Zarr/Dask tests).
 */
export function runPython<T = unknown>(code: string, input: unknown = null, watchdogMs = 60_000, python = 'python3'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const p = spawn(python, ['-c', `${kPrelude}\n${code}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    p.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, watchdogMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`Expected ${python} to finish within ${watchdogMs} ms; killed it. stderr: ${stderr}`));
      if (code !== 0) return reject(new Error(`${python} failed (code ${code}, signal ${signal}): ${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${python} printed no JSON: ${JSON.stringify(stdout)} ${stderr}`));
      }
    });
    p.stdin.end(JSON.stringify(input));
  });
}
