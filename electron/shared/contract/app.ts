import { z } from 'zod';
import { rpc } from './define.js';

export const appInfoSchema = z.object({
  name: z.literal('LabForge'),
  version: z.string(),
  dataDir: z.string(),
  transport: z.enum(['ipc', 'websocket', 'memory']),
  platform: z.string(),
  nodeVersion: z.string(),
  databaseVersion: z.number().int(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const appContract = {
  /** Version, data dir and transport of the running core. */
  'app.info': rpc(z.object({}), appInfoSchema),
  /** Round trip for connection checks; echoes `value`. */
  'app.ping': rpc(
    z.object({ value: z.string().max(1000).optional() }),
    z.object({ value: z.string().nullable(), time: z.number() }),
  ),
} as const;
