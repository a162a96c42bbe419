/** Typed client for the core agent fixture (test/fixtures/core-agent.ts), in a child or a worker. */
import assert from 'node:assert/strict';
import type { AgentReply, AgentRequest } from '../fixtures/core-agent.js';
import { FixtureChild, type StartChildOptions } from './child.js';
import { FixtureWorker } from './worker.js';

export type { AgentReply, AgentRequest };

type Ok = Extract<AgentReply, { state: 'ok' }>;
type Failed = Extract<AgentReply, { state: 'failed' }>;

/** The agent, wherever it runs. */
export class Agent {
  readonly #peer: FixtureChild<AgentReply> | FixtureWorker<AgentReply>;

  private constructor(peer: FixtureChild<AgentReply> | FixtureWorker<AgentReply>) {
    this.#peer = peer;
  }

  /** Starts the agent in a real child process and waits for its 'ready'. */
  static async child(options: StartChildOptions = {}): Promise<Agent & { process: FixtureChild<AgentReply> }> {
    const peer = new FixtureChild<AgentReply>('core-agent-child', options);
    const agent = new Agent(peer) as Agent & { process: FixtureChild<AgentReply> };
    agent.process = peer;
    await agent.#ready();
    return agent;
  }

  /** Starts the agent in a real worker thread and waits for its 'ready'. */
  static async worker(): Promise<Agent> {
    const agent = new Agent(new FixtureWorker<AgentReply>('core-agent-worker'));
    await agent.#ready();
    return agent;
  }

  async #ready(): Promise<void> {
    const r = await this.#peer.next("'ready'");
    if (r.state === 'ok' && r.value === 'ready') return;
    await this.#peer.close();
    assert.fail(`Expected the agent to send 'ready' first but received ${JSON.stringify(r)}`);
  }

  /** Sends a request and returns the raw reply. */
  send(req: AgentRequest): Promise<AgentReply> {
    return this.#peer.request(req);
  }

  /** Sends a request that must succeed. */
  async ok(req: AgentRequest): Promise<Ok> {
    const r = await this.send(req);
    if (r.state !== 'ok') assert.fail(`agent ${req.op} failed: ${r.code}: ${r.message}`);
    return r;
  }

  /** Sends a request that must fail, and returns its code and message. */
  async failed(req: AgentRequest): Promise<Failed> {
    const r = await this.send(req);
    if (r.state !== 'failed') assert.fail(`agent ${req.op} was expected to fail but succeeded`);
    return r;
  }

  /** Attaches a handle and returns the agent's id for it. */
  async attach(handle: unknown, mode?: string): Promise<number> {
    const r = await this.ok(mode === undefined ? { op: 'attach', handle } : { op: 'attach', handle, mode });
    return r.ids?.[0] ?? assert.fail('no id');
  }

  async get(id: number, index: number): Promise<string> {
    return (await this.ok({ op: 'get', id, index })).value ?? assert.fail('no value');
  }

  async put(id: number, index: number, value: string): Promise<void> {
    await this.ok({ op: 'put', id, index, value });
  }

  /** Resolves when the agent's process or thread has ended on its own (fails after the watchdog). */
  get exited(): Promise<unknown> {
    return this.#peer.exited;
  }

  /** Stops the agent and waits for it to be gone. */
  async close(): Promise<void> {
    await this.#peer.close();
  }
}
