import { describe, expect, it } from 'vitest';
import { parseHash } from './routes';

describe('parseHash', () => {
  it('maps hashes to pages and falls back to the dashboard', () => {
    expect(parseHash('#/jobs')).toBe('jobs');
    expect(parseHash('#jobs')).toBe('jobs');
    expect(parseHash('#/runs/abc')).toBe('runs');
    expect(parseHash('')).toBe('dashboard');
    expect(parseHash('#/nope')).toBe('dashboard');
  });
});
