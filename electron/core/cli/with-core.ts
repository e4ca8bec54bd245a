import { createCore, type Core } from '../create-core.js';
import { defaultDataDir } from '../util/data-dir.js';
import type { CommandArgs } from './command.js';

export function dataDirOf(args: CommandArgs): string {
  const d = args.values['data-dir'];
  return typeof d === 'string' && d !== '' ? d : defaultDataDir();
}

/** Builds the core for one command and disposes it afterwards. */
export async function withCore<T>(args: CommandArgs, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await createCore({ dataDir: dataDirOf(args) });
  try {
    return await fn(core);
  } finally {
    await core.dispose();
  }
}
