/** The contract between `main()` and its subcommands (each in its own file of src/cli/). */

/** A subcommand: parses its own argv (after the subcommand name) and returns an exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Where a command writes. Tests pass their own to capture output. */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
}
