/** Keys whose values are secrets wherever they appear (settings, job params, hardware). */
export const SECRET_KEY = /key|token|secret|password|passwd|auth|credential|cookie/i;

/**
 * Keys whose values are the user's words (taxonomy seeds, knowledge chunks, generated samples,
 * prompts): left out of job params and results. Keys naming a path or an id are kept.
 */
const TEXT_KEY =
  /text|content|question|answer|context|prompt|seed|sample|example|message|instruction|response|chunk|reference|description|document|passage|note|conversation|system/i;
const PATH_KEY = /(path|dir|file|folder|root|url|id|ids)$/i;

export const REDACTED = '[REDACTED]';

/** Secret-looking strings, wherever they are. Each replacement keeps what says which kind it was. */
const PATTERNS: ReadonlyArray<{ re: RegExp; to: string }> = [
  // Hugging Face tokens (hf_ + 30-odd letters), OpenAI/Anthropic-style keys (sk-..., sk-proj-..., sk-ant-...).
  { re: /\bhf_[A-Za-z0-9]{8,}/g, to: `hf_${REDACTED}` },
  { re: /\bsk-[A-Za-z0-9_-]{8,}/g, to: `sk-${REDACTED}` },
  // GitHub tokens, AWS access key ids, Slack tokens.
  { re: /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{10,}/g, to: REDACTED },
  { re: /\bAKIA[0-9A-Z]{16}\b/g, to: REDACTED },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, to: REDACTED },
  // Authorization headers.
  { re: /\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi, to: `$1$2${REDACTED}` },
  // Query parameters and assignments whose name ends in a secret word: ?token=..., api_key=..., password=...
  {
    re: /\b([\w.-]*(?:token|key|secret|password|passwd|auth|signature|sig|credential))=(?![\w-]*\[REDACTED\])[^\s&#"',;]+/gi,
    to: `$1=${REDACTED}`,
  },
  // The same in JSON text: "apiKey": "...".
  {
    re: /("[\w.-]*(?:token|key|secret|password|passwd|auth|credential)"\s*:\s*)"(?![\w-]*\[REDACTED\])[^"]+"/gi,
    to: `$1"${REDACTED}"`,
  },
  // user:password@ in URLs.
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, to: `$1${REDACTED}@` },
];

export interface RedactionCounts {
  /** Values of secret-named keys (settings, params, hardware). */
  secretKeys: number;
  /** Secret-looking strings masked inside other text (logs, errors, paths). */
  secretStrings: number;
  /** Text fields of job params and results left out (taxonomy and generated content). */
  textFields: number;
}

/** Redacts as it copies, and counts what it redacted for the manifest. */
export class Redactor {
  readonly counts: RedactionCounts = { secretKeys: 0, secretStrings: 0, textFields: 0 };
  private readonly literals: string[];

  /** `literals`: exact secrets known to this machine (the endpoint's key file), masked wherever they occur. */
  constructor(literals: readonly string[] = []) {
    this.literals = literals.map((l) => l.trim()).filter((l) => l.length >= 8);
  }

  get total(): number {
    return this.counts.secretKeys + this.counts.secretStrings + this.counts.textFields;
  }

  /** A string with every secret-looking part masked. */
  text(s: string): string {
    let out = s;
    for (const lit of this.literals) {
      const parts = out.split(lit);
      if (parts.length > 1) {
        this.counts.secretStrings += parts.length - 1;
        out = parts.join(REDACTED);
      }
    }
    for (const { re, to } of PATTERNS) {
      out = out.replace(re, (...m: unknown[]) => {
        this.counts.secretStrings++;
        return to.replace(/\$(\d)/g, (_x, i: string) => String(m[Number(i)] ?? ''));
      });
    }
    return out;
  }

  /** A deep copy of a JSON value: secret-named keys masked, secret-looking strings masked. */
  value(v: unknown): unknown {
    return this.walk(v, false);
  }

  /**
   * Like `value`, and also leaves out the user's words: fields named like text (`question`,
   * `context`, `samples`...) and any multi-line string. Paths, ids and numbers stay.
   */
  content(v: unknown): unknown {
    return this.walk(v, true);
  }

  private walk(v: unknown, dropText: boolean): unknown {
    if (typeof v === 'string') {
      if (dropText && /[\r\n]/.test(v)) return this.omit(v);
      return this.text(v);
    }
    if (Array.isArray(v)) return v.map((x) => this.walk(x, dropText));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // Numbers under such keys are counts (`maxTokens`, `tokensPerSecond`); `...Env` names a variable.
      if (SECRET_KEY.test(k) && isTextual(x) && !/env$/i.test(k)) {
        out[k] = REDACTED;
        this.counts.secretKeys++;
      } else if (dropText && TEXT_KEY.test(k) && !PATH_KEY.test(k) && isTextual(x)) {
        out[k] = this.omit(x);
      } else {
        out[k] = this.walk(x, dropText);
      }
    }
    return out;
  }

  private omit(x: unknown): string {
    this.counts.textFields++;
    return typeof x === 'string' ? `[omitted: ${x.length} characters of text]` : '[omitted: text content]';
  }
}

/** Strings, or objects and arrays holding some (numbers and booleans under a text-like key are counts, kept). */
function isTextual(x: unknown): boolean {
  if (typeof x === 'string') return x !== '';
  if (Array.isArray(x)) return x.some(isTextual);
  if (x !== null && typeof x === 'object') return Object.values(x).some(isTextual);
  return false;
}
