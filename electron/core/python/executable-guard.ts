import { realpath } from 'node:fs/promises';
import { AppError } from '../../shared/errors.js';
import type { TransportKind } from '../rpc/router.js';

/**
 * The renderer cannot choose an executable. The `python` / `existingPython` parameters of
 * training, export and Python setup name a program the core will run; over IPC or the WebSocket
 * (a window, a browser tab) only interpreters the core found itself, or that the user picked in
 * the desktop app's native file dialog and the core verified (`python.pick`), are accepted. The
 * CLI (the in-memory transport) is the user at their own terminal and may name any interpreter.
 */
export class ExecutableGuard {
  constructor(private readonly trusted: () => Promise<string[]>) {}

  async check(requested: string | undefined, transport: TransportKind, field = 'python'): Promise<void> {
    if (requested === undefined || transport === 'memory') return;
    const real = await realpath(requested).catch(() => null);
    if (real !== null) {
      const allowed = await Promise.all((await this.trusted()).map((t) => realpath(t).catch(() => null)));
      if (allowed.includes(real)) return;
    }
    throw new AppError(
      'FORBIDDEN',
      `LabForge will not run ${requested}: it is not an interpreter it found or you picked.`,
      {
        hint: 'Choose one LabForge found (Runs → Python), pick one with "Choose interpreter…" in the desktop app, or pass --python on the command line.',
        details: { field },
      },
    );
  }
}

/** The `python`-like fields a job's params may carry. */
export const EXECUTABLE_FIELDS = ['python', 'existingPython'] as const;

export async function checkExecutableParams(
  guard: ExecutableGuard,
  params: unknown,
  transport: TransportKind,
): Promise<void> {
  if (typeof params !== 'object' || params === null) return;
  for (const f of EXECUTABLE_FIELDS) {
    const v = (params as Record<string, unknown>)[f];
    if (typeof v === 'string') await guard.check(v, transport, f);
  }
}
