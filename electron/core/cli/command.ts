import type { ParseArgsConfig } from 'node:util';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** A `labforge` subcommand: a client of the same contract the UI uses (`withClient`). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Resolves with the exit code. */
  run(args: CommandArgs, io: CliIo): Promise<number>;
}

/** Options every subcommand takes. */
export const commonOptions = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionSpec;
