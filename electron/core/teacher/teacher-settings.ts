import { AppError } from '../../shared/errors.js';

/** The part of KvStore teachers use (settings and remembered endpoint choices). */
export interface SettingsStore {
  get<T>(key: string): T | null;
  set(key: string, value: unknown): void;
}

/** App settings: API keys per endpoint origin, `{ "http://host:port": "sk-..." }`. */
export const API_KEYS_KEY = 'teacher.apiKeys';
const FORMAT_KEY = 'teacher.outputFormat';

/** How an endpoint is asked for JSON: `json_schema` (response_format) or `tagged` text. */
export type OutputFormat = 'json_schema' | 'tagged';

/** Remembered when no store is given (one process). */
const memory = new Map<string, OutputFormat>();

const formatKey = (url: string, model: string): string => `${url.replace(/\/+$/, '')}|${model}`;

export function rememberedFormat(store: SettingsStore | undefined, url: string, model: string): OutputFormat | null {
  const key = formatKey(url, model);
  return store?.get<Record<string, OutputFormat>>(FORMAT_KEY)?.[key] ?? memory.get(key) ?? null;
}

export function rememberFormat(
  store: SettingsStore | undefined,
  url: string,
  model: string,
  format: OutputFormat,
): void {
  const key = formatKey(url, model);
  memory.set(key, format);
  if (store) store.set(FORMAT_KEY, { ...store.get<Record<string, OutputFormat>>(FORMAT_KEY), [key]: format });
}

/**
 * The API key for an endpoint: the named environment variable (an error when it is not set),
 * else the app's settings for that origin, else none. Never taken from a command line.
 */
export function resolveApiKey(
  url: string,
  opts: { apiKeyEnv?: string; env?: NodeJS.ProcessEnv; store?: SettingsStore },
): string | null {
  const env = opts.env ?? process.env;
  if (opts.apiKeyEnv) {
    const v = env[opts.apiKeyEnv];
    if (!v)
      throw new AppError('INVALID_REQUEST', `The environment variable ${opts.apiKeyEnv} (the API key) is not set.`, {
        hint: `Set it (export ${opts.apiKeyEnv}=...) or save the key for ${new URL(url).origin} in the app's settings.`,
      });
    return v;
  }
  return opts.store?.get<Record<string, string>>(API_KEYS_KEY)?.[new URL(url).origin] ?? null;
}
