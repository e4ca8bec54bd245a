import type { AppError } from '../../electron/shared/errors.js';

/** The error a promise rejects with (as the client rethrows it); fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a rejection');
}
