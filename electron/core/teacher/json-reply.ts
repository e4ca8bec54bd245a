import type { z } from 'zod';
import type { TeacherReply } from './teacher.js';

/** Rejection reasons every teacher uses, so runs count drops under the same names. */
export const UNPARSEABLE = 'teacher reply unparseable';
export const REFUSED = 'teacher refused';
export const REQUEST_REJECTED = 'teacher request rejected';
/**
 * The reply stopped at the block's `max_tokens` before its JSON was complete. Counted apart from
 * "unparseable" because the cure differs: a larger `max_tokens` (or shorter fields), not another
 * teacher.
 */
export const TRUNCATED = 'teacher reply cut at max_tokens';

export const START_TAG = '[Start of JSON]';
export const END_TAG = '[End of JSON]';

/** Appended to the prompt when an endpoint cannot constrain its output (the tagged-text fallback). */
export function taggedInstructions(jsonSchema: Record<string, unknown>): string {
  return [
    '',
    'Reply with one JSON value that matches this JSON Schema, and nothing else, written between',
    `the tags ${START_TAG} and ${END_TAG}:`,
    JSON.stringify(jsonSchema),
    '',
    'For example:',
    `${START_TAG}`,
    '{ ... }',
    `${END_TAG}`,
  ].join('\n');
}

const FENCE = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?```$/;

/** The JSON text of a reply: between the tags when present, without a Markdown fence. */
export function jsonText(raw: string): string {
  let s = raw.trim();
  const start = s.indexOf(START_TAG);
  if (start >= 0) {
    const end = s.indexOf(END_TAG, start + START_TAG.length);
    s = s.slice(start + START_TAG.length, end < 0 ? undefined : end).trim();
  }
  const fenced = FENCE.exec(s);
  if (fenced) s = (fenced[1] ?? '').trim();
  return s;
}

/** True when a reply makes no attempt at JSON at all (the endpoint ignored `response_format`). */
export function ignoresJson(raw: string): boolean {
  const s = jsonText(raw);
  return s.length > 0 && !s.startsWith('{') && !s.startsWith('[');
}

const REFUSAL =
  /^(?:I['’]m sorry|I am sorry|Sorry,|I apologi[sz]e|I can(?:not|['’]t)\b|I won['’]t\b|I am unable|I['’]m unable|I['’]m not able|As an AI\b)/i;

/** A reply that reads as a refusal rather than an attempt at the task. */
export function looksLikeRefusal(raw: string): boolean {
  return REFUSAL.test(raw.trim());
}

/**
 * Turns a reply's text into a value or a reasoned rejection: JSON.parse, then the zod schema.
 * Never throws. `truncated`: the model stopped at its token limit (noted in the detail).
 */
export function toReply<T>(raw: string, schema: z.ZodType<T>, opts: { truncated?: boolean } = {}): TeacherReply<T> {
  const text = jsonText(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (looksLikeRefusal(raw)) return { ok: false, reason: REFUSED, raw };
    if (opts.truncated) return { ok: false, reason: TRUNCATED, raw, detail: 'cut off at the token limit' };
    return { ok: false, reason: UNPARSEABLE, raw, detail: `not JSON (${(err as Error).message})` };
  }
  const r = schema.safeParse(parsed);
  if (r.success) return { ok: true, value: r.data, raw };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
  return {
    ok: false,
    reason: UNPARSEABLE,
    raw,
    detail: `does not match the schema (${where}${issue?.message ?? 'invalid'})`,
  };
}
