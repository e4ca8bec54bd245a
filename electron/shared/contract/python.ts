import { z } from 'zod';
import { event, rpc } from './define.js';
import { jobInfoSchema } from './jobs.js';

export const pythonStatusSchema = z.object({
  /** A system interpreter that can create the environment (>= 3.10), or null when none was found. */
  system: z.object({ path: z.string(), version: z.string() }).nullable(),
  /** Why no usable system interpreter was found, and what to install. */
  problem: z.string().nullable(),
  /** The trainer's environment, when one is set up or named. */
  env: z
    .object({
      python: z.string(),
      ready: z.boolean(),
      torch: z.string().nullable(),
      cuda: z.boolean(),
      managed: z.boolean(),
    })
    .nullable(),
});
export type PythonStatus = z.infer<typeof pythonStatusSchema>;

export const pythonSetupParamsSchema = z.object({
  python: z.string().optional(),
  existingPython: z.string().optional(),
  cuda: z.boolean().optional(),
});

export const pythonContract = {
  /** Whether Python and the trainer's environment are ready (checks by running the interpreters). */
  'python.status': rpc(z.object({}), pythonStatusSchema),
  /**
   * Starts a job that creates LabForge's own virtual environment and installs the pinned trainer
   * requirements (uv when present, else pip) with progress; or, with `existingPython`, checks
   * and adopts an environment the user already has.
   */
  'python.setup': rpc(pythonSetupParamsSchema, jobInfoSchema),
  /**
   * Desktop app only: opens the native file dialog to choose a Python interpreter, verifies that it
   * is one, and trusts it for `python`/`existingPython` parameters from now on (a window or a
   * browser may otherwise name only interpreters LabForge found itself). `picked` is null when the
   * dialog was dismissed; UNSUPPORTED in the browser UI.
   */
  'python.pick': rpc(z.object({}), z.object({ picked: z.string().nullable() })),
  /** The trainer environment changed (set up, adopted or found broken). */
  'python.changed': event(pythonStatusSchema),
} as const;
