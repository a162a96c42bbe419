/**
 * The contract between `main()` and its subcommands (each in its own file of src/cli/). A command
 * works in two phases so that every usage error is found, and exits 2, before anything is done:
 * `parse` checks argv and throws for a usage error; the work it returns throws for a failure.
 */
import type { ExitStatus } from './exit.js';

/** Where a command writes, and the environment it reads (NO_COLOR, FORCE_COLOR). Tests pass their own. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The checked work of one invocation. Throws (an NdshareError) when it fails: exit 1. */
export type Run = (io: CliIO) => Promise<ExitStatus>;

/** A subcommand. */
export interface Command {
  /** `ndshare <name> --help`. */
  readonly usage: string;
  /** Checks argv (after the subcommand name); throws for a usage error: exit 2, nothing done. */
  parse(argv: readonly string[]): Promise<Run>;
}
