import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKeyOf, lineOfField, parsePipelineFile } from './pipeline-file.js';

const FILE = '/work/runs/pipeline.yaml';
const ISSUE_EXAMPLE = `taxonomy: ~/taxonomy          # a git repo
base: main
student: ./models/granite
teacher: http://127.0.0.1:8000/v1
teacher_model: mixtral
judge: prometheus.gguf
api_key_env: TEACHER_KEY
generate: { pipeline: full, scale: 30 }
train: { method: lora, phases: [knowledge, skills], epochs: 7, lr: 2e-5 }
evaluate: { benchmarks: [mmlu_branch, mt_bench_branch, fact_recall] }
export: { quant: q8_0 }
out: ./runs/my-first-run
`;

describe('pipeline files', () => {
  it("read the issue's example: paths beside the file, ~ expanded, URLs and options as given", () => {
    const r = parsePipelineFile(ISSUE_EXAMPLE, FILE);
    expect(r.problems).toEqual([]);
    const p = r.params!;
    expect(p.taxonomy).toBe(path.join(os.homedir(), 'taxonomy'));
    expect(p.student).toBe('/work/runs/models/granite');
    expect(p.teacher).toBe('http://127.0.0.1:8000/v1');
    expect(p.judge).toBe('/work/runs/prometheus.gguf');
    expect(p.out).toBe('/work/runs/runs/my-first-run');
    expect(p.train).toMatchObject({ method: 'lora', phases: ['knowledge', 'skills'], epochs: 7, learningRate: 2e-5 });
    expect(p.generate).toEqual({ pipeline: 'full', scale: 30 });
    expect(p.export).toEqual({ quant: 'q8_0', base: true });
  });

  it('keep a bare library id as it is', () => {
    const r = parsePipelineFile('taxonomy: t\nstudent: granite-7b\nteacher: mixtral-q4\n', FILE);
    expect(r.params?.student).toBe('granite-7b');
    expect(r.params?.teacher).toBe('mixtral-q4');
  });

  it('report every problem with its key and line: unknown keys, wrong types, invalid values, missing keys', () => {
    const r = parsePipelineFile(
      [
        'student: ./s',
        'teacher: http://x/v1',
        'train:',
        '  method: magic',
        '  epochs: 0',
        'export: { quant: q2 }',
        '',
      ].join('\n'),
      FILE,
    );
    expect(r.params).toBeNull();
    const byKey = Object.fromEntries(r.problems.map((p) => [p.key, p]));
    expect(byKey['train.method']?.line).toBe(4);
    expect(byKey['train.epochs']?.line).toBe(5);
    expect(byKey['export.quant']?.line).toBe(6);
    expect(byKey.taxonomy?.message).toBe('is required');
  });

  it('report YAML syntax errors and duplicate keys with their line', () => {
    const r = parsePipelineFile('taxonomy: t\nstudent: [a\n', FILE);
    expect(r.params).toBeNull();
    expect(r.problems[0]!.line).toBeGreaterThanOrEqual(2);
    const dup = parsePipelineFile('taxonomy: t\ntaxonomy: u\n', FILE);
    expect(dup.problems[0]?.line).toBe(2);
  });

  it("map a check's field back to the file's key and line", () => {
    expect(lineOfField(ISSUE_EXAMPLE, 'student')).toBe(3);
    expect(lineOfField(ISSUE_EXAMPLE, 'teacherModel')).toBe(5);
    expect(lineOfField(ISSUE_EXAMPLE, 'train.learningRate')).toBe(9);
    expect(fileKeyOf('apiKeyEnv')).toBe('api_key_env');
    expect(fileKeyOf('train.learningRate')).toBe('train.lr');
  });
});
