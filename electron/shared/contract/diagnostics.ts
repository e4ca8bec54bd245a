import { z } from 'zod';
import { rpc } from './define.js';

export const diagnosticsResultSchema = z.object({
  /** Where the zip was written. */
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** The entries inside the zip, MANIFEST.json first. */
  files: z.array(z.string()),
  /** How many values were left out or masked (secret settings, secret-looking strings, text fields). */
  redacted: z.number().int().nonnegative(),
});
export type DiagnosticsResult = z.infer<typeof diagnosticsResultSchema>;

export const diagnosticsContract = {
  /**
   * Writes a zip for a bug report: the jobs and their logs, the stored hardware scan and report,
   * settings and versions, with tokens, keys and the user's taxonomy content left out
   * (`MANIFEST.json` inside says what was redacted). `out` defaults to
   * `<data dir>/diagnostics/labforge-diagnostics-<timestamp>.zip`; only the desktop app and the
   * CLI may name another path (FORBIDDEN over the browser's WebSocket).
   */
  'diagnostics.create': rpc(z.object({ out: z.string().min(1).optional() }), diagnosticsResultSchema),
} as const;
