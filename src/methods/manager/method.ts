/**
 * `manager`: the study's multiprocessing.Manager. A server process owns the array: built there
 * (`share({ build: { dtype, shape, fill } }, { method: 'manager' })`, as the study's Manager runs
 * the registered `ones` in its server: nothing is copied), or a copy of the caller's array sent at
 * start over a pipe. The parent and every child get an async proxy (`ManagerClient`) over a
 * Unix domain socket with a binary protocol. Each call copies only its own data. While idle,
 * nothing of it keeps a process alive: the proxy's socket is referenced only while a call is in
 * flight, and the parent's server process, its IPC channel and pipes only while it starts or stops.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { fromWireError, NdshareError, type WireError } from '../../errors.js';
import type { NdArray } from '../../core/ndarray.js';
import { codeTree, packageRoot } from '../../core/package-root.js';
import { randomHex } from '../../core/random.js';
import { ManagerClient } from './client.js';
import { kManagerBuildEnv, kManagerDataFd, kManagerSocketEnv, type BuildWire } from './protocol.js';
import type { CheckedBuild, Method, MethodParams, ProcessPlan, ThreadPlan } from '../types.js';

/** How long the server may take to receive the array and listen (generous: the array may be big). */
const kServerStartMs = 120_000;

interface ManagerParams {
  readonly path: string;
  readonly deadlineMs?: number;
}

/**
 * A server that is starting: its params (the socket path, known before it listens), the parent's
 * proxy once it listens, and the way to stop it.
 */
interface Starting {
  readonly params: ManagerParams;
  readonly proxy: Promise<ManagerClient>;
  dispose(): Promise<void>;
}

/** The data message that tells a child the server listens (it starts while the server does). */
const kListening = { listening: true } as const;

/** What the server starts from: a copy of the caller's array, or a description it builds. */
type Source = { readonly array: NdArray } | { readonly build: CheckedBuild };

function buildWire(b: CheckedBuild): BuildWire {
  const f = b.fill;
  return { dtype: b.dtype, shape: [...b.shape], fill: f === undefined ? null : { type: typeof f === 'bigint' ? 'bigint' : typeof f === 'boolean' ? 'boolean' : 'number', text: String(f) } };
}

/**
 * Starts the server and returns at once: share() starts the child while the server starts, and the
 * plan tells the child to connect (kListening) once the parent's proxy is connected.
 */
function startServer(source: Source, options: MethodParams): Starting {
  const path = join(tmpdir(), `ndshare-mgr-${process.pid}-${randomHex(8)}.sock`);
  // The server of the tree this code runs from (the bundle's entry, or the compiled file).
  const script = join(packageRoot, codeTree, 'methods', 'manager', 'server.js');
  const env: NodeJS.ProcessEnv = { ...process.env, [kManagerSocketEnv]: path };
  delete env[kManagerBuildEnv];
  if ('build' in source) env[kManagerBuildEnv] = JSON.stringify(buildWire(source.build));
  const server: ChildProcess = fork(script, [], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc', 'build' in source ? 'ignore' : 'pipe'],
    // Our own compiled module: none of the parent's Node options (-e, --inspect, ...) apply to it.
    execArgv: [],
    env,
  });
  let stderr = '';
  server.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4096)));
  // A server that cannot be spawned (ENOENT, EAGAIN, ...) emits 'error' and 'close' but never
  // 'exit'. Without a listener that 'error' would crash this process; the start below reports it.
  server.on('error', () => {});
  const exited = new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.once('close', () => resolve());
  });
  const removeSocket = (): void => {
    try {
      unlinkSync(path);
    } catch {
      // The server removed it.
    }
  };
  const stop = async (): Promise<void> => {
    // Referenced again (see idle below) so that this process waits for the server's exit.
    server.ref();
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    removeSocket();
  };
  const connected = (async (): Promise<ManagerClient> => {
    try {
      // The pipe writer is loaded only for a copy: a child that receives 'manager' never needs it.
      if ('array' in source) void import('../pipe.js').then(({ sendPipe }) => sendPipe(server.stdio[kManagerDataFd] as Writable, source.array)).catch(() => {});
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new NdshareError('ERR_NDSHARE_MANAGER_DEADLINE', `Expected the manager server to start within ${kServerStartMs} ms but it did not`)), kServerStartMs);
        server.on('message', (m: { ready?: boolean; failed?: WireError }) => {
          clearTimeout(timer);
          if (m.ready) resolve();
          else if (m.failed) reject(fromWireError(m.failed, 'manager server'));
        });
        server.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new NdshareError('ERR_NDSHARE_MANAGER_DEAD', `Expected the manager server to start but it ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr ? `: ${stderr.trim()}` : ''}`));
        });
        server.once('error', (err) => {
          clearTimeout(timer);
          reject(new NdshareError('ERR_NDSHARE_MANAGER_DEAD', `Expected the manager server to start but it could not be spawned: ${err.message}`, { cause: err }));
        });
      });
      // The parent does not wait for a build: its child starts while the server fills the array.
      const proxy = await ManagerClient.connect(path, options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs, wait: false } : { wait: false });
      // Idle from here on, as nothing else ndshare holds may be: a parent that forgets
      // peer.close() still exits, and the server follows when its IPC channel closes. The proxy
      // references its socket only during a call; stop() references the server again.
      server.unref();
      server.channel?.unref();
      for (const stream of [server.stderr, server.stdio[kManagerDataFd]]) (stream as Partial<Socket> | null)?.unref?.();
      return proxy;
    } catch (err) {
      await stop();
      throw err;
    }
  })();
  // share() awaits it once the child is started; if it never gets there (the child could not be
  // started), the failure must not surface as an unhandled rejection.
  let client: ManagerClient | undefined;
  connected.then((c) => (client = c), () => {});
  const params: ManagerParams = options.deadlineMs !== undefined ? { path, deadlineMs: options.deadlineMs } : { path };
  return {
    params,
    proxy: connected,
    dispose: async () => {
      // The proxy first if it exists; a server still starting is stopped without waiting for it.
      client?.close();
      await stop();
      (await connected.catch(() => undefined))?.close();
    },
  };
}

async function processPlan(source: Source, params: MethodParams): Promise<ProcessPlan> {
  const r = startServer(source, params);
  return {
    params: r.params,
    serialization: 'json',
    extraStdio: [],
    inherit: [],
    proxy: r.proxy,
    start: async (io) => {
      await r.proxy;
      await io.send(kListening);
    },
    dispose: r.dispose,
  };
}

async function threadPlan(source: Source, params: MethodParams): Promise<ThreadPlan> {
  const r = startServer(source, params);
  return {
    params: r.params,
    transferList: [],
    proxy: r.proxy,
    start: async (io) => {
      await r.proxy;
      io.post(kListening);
    },
    dispose: r.dispose,
  };
}

export const manager: Method = {
  planProcess: (array, params) => processPlan({ array }, params),
  planThread: (array, params) => threadPlan({ array }, params),
  planProcessBuilt: (build, params) => processPlan({ build }, params),
  planThreadBuilt: (build, params) => threadPlan({ build }, params),
  receive: async (ctx) => {
    const p = ctx.params as Partial<ManagerParams> | null;
    if (!p || typeof p.path !== 'string') throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected a manager socket path from the parent but received none');
    // This child was started while the server starts: the parent says when it listens.
    const word = (await ctx.nextData()) as Partial<typeof kListening> | null;
    if (word?.listening !== true) throw new NdshareError('ERR_NDSHARE_PROTOCOL', 'Expected the parent to say that the manager server listens but it sent something else');
    return { form: 'proxy', proxy: await ManagerClient.connect(p.path, p.deadlineMs !== undefined ? { deadlineMs: p.deadlineMs } : {}) };
  },
};
