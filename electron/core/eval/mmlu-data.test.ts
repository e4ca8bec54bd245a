import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMmlu } from '../../../test/helpers/eval-kit.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { openJudgeFor } from './eval-job.js';
import { loadMmlu, parseCsv } from './mmlu-data.js';

const dir = tempDir('labforge-mmlu-');
afterAll(() => dir.remove());

describe('MMLU from a user folder', () => {
  it('parses quoted CSV and builds 5-shot prompts scored on the letters', async () => {
    expect(parseCsv('a,"b, c","d ""e"""\r\nx,y,z')).toEqual([
      ['a', 'b, c', 'd "e"'],
      ['x', 'y', 'z'],
    ]);
    const items = await loadMmlu(writeMmlu(path.join(dir.path, 'mmlu')));
    expect(items).toHaveLength(2);
    const [first] = items;
    expect(first).toMatchObject({
      subject: 'basic_math',
      answerIndex: 1,
      options: [' A', ' B', ' C', ' D'],
      chat: false,
    });
    expect(
      first!.prompt.startsWith('The following are multiple choice questions (with answers) about basic math.\n\n'),
    ).toBe(true);
    expect(first!.prompt.match(/Answer: [A-D]\n\n/g)).toHaveLength(5);
    expect(first!.prompt.endsWith('Which is even, "2" or "3"?\nA. 3\nB. 2\nC. 5, odd\nD. 7\nAnswer:')).toBe(true);
  });

  it('names the file and line of a malformed row, and a folder that is not MMLU', async () => {
    const bad = path.join(dir.path, 'bad');
    writeMmlu(bad);
    writeFileSync(path.join(bad, 'test', 'basic_math_test.csv'), 'q,1,2,3,4,A\nq2,1,2,3,4,E\n');
    await expect(loadMmlu(bad)).rejects.toThrow(/basic_math_test\.csv:2: expected "question,A,B,C,D,answer"/);
    await expect(loadMmlu(dir.path)).rejects.toThrow(/is not an MMLU data folder/);
  });
});

describe('opening the judge', () => {
  it('turns a judge that cannot be opened into a reported issue, not a failed evaluation', async () => {
    const deps = {
      openJudge: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
    };
    const r = await openJudgeFor(deps, 'http://127.0.0.1:9/v1', undefined, new AbortController().signal);
    expect(r.judge).toBeNull();
    expect(r.issue).toEqual({
      what: 'judge',
      reason: 'could not open the judge http://127.0.0.1:9/v1: connect ECONNREFUSED 127.0.0.1:9',
    });
    expect(await openJudgeFor(deps, undefined, undefined, new AbortController().signal)).toEqual({
      judge: null,
      issue: null,
    });
  });
});
