import { AppError } from '../../shared/errors.js';

export type Row = Record<string, string | number>;

/** `{{name}}` → the row's column or the run's variable; a name in neither is an error naming the block. */
export function render(template: string, row: Row, vars: Row, where: string): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, key: string) => {
    const v = Object.hasOwn(row, key) ? row[key] : Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (v === undefined)
      throw new AppError('VALIDATION_FAILED', `${where}: the prompt uses {{${key}}}, which this row does not have.`, {
        hint: `Columns here: ${Object.keys(row).sort().join(', ')}`,
      });
    return String(v);
  });
}

/** Runs `fn` over `items` with at most `limit` at once, results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown = null;
  const worker = async (): Promise<void> => {
    while (failed === null) {
      const i = next++;
      if (i >= items.length) return;
      signal?.throwIfAborted();
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  const results = await Promise.allSettled(workers);
  if (failed !== null) throw failed;
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return out;
}

/** Case- and whitespace-folded text, for de-duplication. */
export const fold = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
