// Argument parsing shared by the commands.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called; printed as one line with a pointer to `help`. */
export class UsageError extends Error {}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (e) {
    throw new UsageError((e as Error).message + '.');
  }
}
