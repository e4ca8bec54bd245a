import { z } from 'zod';

/** Stable error codes the UI, the CLI and scripts can act on. */
export const errorCodes = [
  'INVALID_REQUEST',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  'CANCELLED',
  'INTERRUPTED',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
  'UNSUPPORTED',
  'DATABASE_INVALID',
  'DATABASE_TOO_NEW',
  'DATA_DIR_NOT_WRITABLE',
  'DATA_DIR_LOCKED',
  'NATIVE_MODULE_MISSING',
  'NATIVE_MODULE_ABI',
  'GPU_UNAVAILABLE',
  'JOB_NOT_RESUMABLE',
  'WORKER_CRASHED',
  'PYTHON_MISSING',
  'PYTHON_TOO_OLD',
  'ENV_SETUP_FAILED',
  'DATASET_INVALID',
  'MODEL_NOT_FOUND',
  'NO_CHAT_TEMPLATE',
  'OUT_OF_MEMORY',
  'DISK_FULL',
  'VALIDATION_FAILED',
  'GIT_CONFLICT',
  'NOT_A_GIT_REPO',
  'PATH_OUTSIDE_ROOT',
  'FILE_TOO_LARGE',
  'DISCONNECTED',
  // Chat, model host and the OpenAI-compatible endpoint.
  'MODEL_INVALID',
  'PROMPT_TOO_LONG',
  'PORT_IN_USE',
  // Teachers and judges (SDG, evaluation).
  'TEACHER_UNREACHABLE',
  'TEACHER_FAILED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  details: z.unknown().optional(),
});

/** The serialisable shape of an error as it crosses any transport. */
export type ErrorInfo = { code: ErrorCode; message: string; hint?: string; details?: unknown };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  static from(info: ErrorInfo): AppError {
    return new AppError(info.code, info.message, { hint: info.hint, details: info.details });
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

export function isCancellation(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'CANCELLED';
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** Encodes any thrown value as an ErrorInfo; unknown errors become INTERNAL without leaking stacks. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) return err.toInfo();
  if (isCancellation(err)) return { code: 'CANCELLED', message: 'Cancelled' };
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}
