/** node:util parseArgs for the subcommands, with its errors in the project's message style. */
import { parseArgs } from 'node:util';
import { NdshareError } from '../errors.js';

type Options = Record<string, { type: 'boolean' | 'string'; short?: string }>;

/** What was given: option values (string or boolean, by type) and the positionals. */
export interface CommandArgs<O extends Options> {
  readonly values: { readonly [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` for `ndshare <command>` (strict: unknown options are refused) and checks that at
 * most `maxPositionals` positionals were given. Throws ERR_NDSHARE_INVALID_ARGUMENT.
 */
export function parseCommandArgs<const O extends Options>(command: string, argv: readonly string[], options: O, maxPositionals = 0): CommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: maxPositionals > 0 });
  } catch (err) {
    throw new NdshareError('ERR_NDSHARE_INVALID_ARGUMENT', `Expected options listed by 'ndshare ${command} --help' but ${(err as Error).message}`, { cause: err });
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new NdshareError(
      'ERR_NDSHARE_INVALID_ARGUMENT',
      `Expected at most ${maxPositionals} argument(s) for ndshare ${command} but received ${parsed.positionals.length}: ${parsed.positionals.map((p) => `'${p}'`).join(' ')}`,
    );
  }
  return parsed as unknown as CommandArgs<O>;
}
