import { ApiClient } from '../../shared/client.js';
import { createCore, type Core, type CoreOptions } from '../create-core.js';
import { createMemoryPair } from '../rpc/memory-transport.js';
import { defaultDataDir } from '../util/data-dir.js';
import type { CommandArgs } from './command.js';

export function dataDirOf(args: CommandArgs): string {
  const d = args.values['data-dir'];
  return typeof d === 'string' && d !== '' ? d : defaultDataDir();
}

/**
 * Builds the core for one command and disposes it afterwards. Commands talk to it through
 * `withClient`; only those that host something on the core itself (`serve` mounts its router on
 * HTTP) take the core object.
 */
export async function withCore<T>(
  args: CommandArgs,
  fn: (core: Core) => Promise<T>,
  opts: Omit<CoreOptions, 'dataDir'> = {},
): Promise<T> {
  const core = await createCore({ ...opts, dataDir: dataDirOf(args) });
  try {
    return await fn(core);
  } finally {
    await core.dispose();
  }
}

/** A client of `core` over the in-memory transport, for the length of `fn`: the CLI speaks the contract like the UI does. */
export async function withApi<T>(core: Core, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const pair = createMemoryPair();
  const conn = core.router.connect(pair.server, 'memory');
  const api = new ApiClient(pair.client);
  try {
    return await fn(api);
  } finally {
    api.dispose();
    conn.dispose();
    pair.close();
  }
}

/**
 * Runs a command against a fresh core through the API client, so it gets the router's validation
 * and error envelopes (INVALID_REQUEST naming the field, NOT_FOUND...) exactly as the UI does.
 */
export function withClient<T>(
  args: CommandArgs,
  fn: (api: ApiClient) => Promise<T>,
  opts: Omit<CoreOptions, 'dataDir'> = {},
): Promise<T> {
  return withCore(args, (core) => withApi(core, fn), opts);
}
