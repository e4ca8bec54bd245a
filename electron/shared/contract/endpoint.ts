import { z } from 'zod';
import { event, rpc } from './define.js';

export const endpointStatusSchema = z.object({
  running: z.boolean(),
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:8000/v1 */
  url: z.string().nullable(),
  port: z.number().nullable(),
  /** The model answering requests that name no library model. */
  model: z.string().nullable(),
  apiKeyRequired: z.boolean(),
  /** Where the endpoint's key is kept (readable by the user only), when it needs one. */
  apiKeyFile: z.string().nullable(),
  /** The key, only in the answer to the `endpoint.start` that generated it (shown once). */
  issuedKey: z.string().optional(),
  requests: z.number(),
});
export type EndpointStatus = z.infer<typeof endpointStatusSchema>;

export const endpointContract = {
  /**
   * Starts the OpenAI-compatible endpoint on 127.0.0.1 (`/v1/models`, `/v1/chat/completions`,
   * `/v1/completions`), port 8000 by default like `ilab model serve`. Requests need
   * `Authorization: Bearer <key>`: `apiKey` when given, else the key kept in the data folder,
   * generated (and returned once as `issuedKey`) the first time. `auth: 'none'` opts out.
   * PORT_IN_USE when the port is taken.
   */
  'endpoint.start': rpc(
    z.object({
      port: z.number().int().min(0).max(65535).default(8000),
      apiKey: z.string().min(1).optional(),
      auth: z.enum(['key', 'none']).default('key'),
      /** A library id or a GGUF path; default: the model each request names. */
      model: z.string().min(1).optional(),
    }),
    endpointStatusSchema,
  ),
  /** Stops the endpoint; in-flight generations are stopped. */
  'endpoint.stop': rpc(z.object({}), endpointStatusSchema),
  /** Whether the endpoint runs, and where. */
  'endpoint.status': rpc(z.object({}), endpointStatusSchema),
  /** The endpoint started or stopped. */
  'endpoint.changed': event(endpointStatusSchema),
} as const;
