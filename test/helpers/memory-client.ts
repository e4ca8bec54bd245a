import { ApiClient } from '../../electron/shared/client.js';
import type { Core } from '../../electron/core/create-core.js';
import { createMemoryPair } from '../../electron/core/rpc/memory-transport.js';

/** A real core behind the router, reached through the in-memory transport. */
export function connectMemory(core: Core): { api: ApiClient; close(): void } {
  const pair = createMemoryPair();
  const conn = core.router.connect(pair.server, 'memory');
  const api = new ApiClient(pair.client);
  return {
    api,
    close: () => {
      api.dispose();
      conn.dispose();
      pair.close();
    },
  };
}
