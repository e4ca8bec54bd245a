import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';

describe('Redactor', () => {
  it('masks secret-looking strings in free text and counts them', () => {
    const r = new Redactor(['the-endpoint-key-0123456789']);
    const s = r.text(
      'token hf_abcdefghijklmnopqrstuvwx, key sk-proj-ABCDEFGH12345678, Authorization: Bearer abc.def-123 ' +
        'GET https://x.test/v1?api_key=s3cr3t&x=1 https://me:pw@host.test/ key the-endpoint-key-0123456789',
    );
    for (const secret of ['abcdefghijklmnop', 'ABCDEFGH1234', 'abc.def-123', 's3cr3t', ':pw@', 'the-endpoint-key'])
      expect(s).not.toContain(secret);
    expect(s).toContain('x=1'); // other parameters stay
    expect(r.counts.secretStrings).toBe(6);
  });

  it('keeps ordinary log text, counts and numbers under token-like keys', () => {
    const r = new Redactor();
    const line = 'step 12: loss 1.23, 512 tokens/s, max_tokens=512, context 4096, keyboard ready';
    expect(r.text(line)).toBe(line);
    expect(r.value({ tokensPerSecond: 12.5, maxTokens: 512, apiKeyEnv: 'TEACHER_KEY' })).toEqual({
      tokensPerSecond: 12.5,
      maxTokens: 512,
      apiKeyEnv: 'TEACHER_KEY',
    });
    expect(r.total).toBe(0);
  });

  it('masks secret-named fields and, in job content, drops text fields but keeps paths', () => {
    const r = new Redactor();
    const out = r.content({
      teacher: 'http://127.0.0.1:8000/v1',
      apiKey: 'abc',
      taxonomy: '/home/me/taxonomy',
      documentsDir: '/home/me/docs',
      context: 'The moon Zorblax orbits twice a day.',
      samples: [{ question: 'Q?', answer: 'A.', scores: { quality: 2 } }],
      contextSize: 4096,
      notes: 'line one\nline two',
    });
    expect(out).toEqual({
      teacher: 'http://127.0.0.1:8000/v1',
      apiKey: '[REDACTED]',
      taxonomy: '/home/me/taxonomy',
      documentsDir: '/home/me/docs',
      context: '[omitted: 36 characters of text]',
      samples: '[omitted: text content]',
      contextSize: 4096,
      notes: '[omitted: 17 characters of text]',
    });
    expect(r.counts).toEqual({ secretKeys: 1, secretStrings: 0, textFields: 3 });
  });
});
