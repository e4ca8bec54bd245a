import { describe, expect, it } from 'vitest';
import { formatDuration, formatMb } from './format';

describe('format', () => {
  it('formats sizes', () => {
    expect(formatMb(512)).toBe('512 MB');
    expect(formatMb(1536)).toBe('1.5 GB');
    expect(formatMb(64 * 1024)).toBe('64 GB');
    expect(formatMb(null)).toBe('unknown');
  });
  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(null)).toBe('—');
  });
});
