import { describe, expect, it } from 'vitest';
import { builtinFlowsDir, loadFlowsDir, parseFlow, pickFlow } from './flow-loader.js';

describe('flows as data', () => {
  it('loads every built-in flow with the upstream defaults', async () => {
    const flows = await loadFlowsDir(builtinFlowsDir());
    expect(flows.map((f) => `${f.flow.pipeline}/${f.flow.applies_to}`).sort()).toEqual([
      'full/freeform_skill',
      'full/grounded_skill',
      'full/knowledge',
      'simple/freeform_skill',
      'simple/grounded_skill',
      'simple/knowledge',
    ]);
    const k = pickFlow(flows, 'knowledge', 'full').flow;
    expect(k.blocks.find((b) => b.type === 'chunk')).toMatchObject({ max_tokens: 500 });
    expect(k.blocks.filter((b) => b.type === 'filter').map((b) => [b.name, b.keep])).toEqual([
      ['faithfulness', { equals: 'YES' }],
      ['relevancy', { equals: 2 }],
      ['question_quality', { equals: 1 }],
    ]);
    expect(k.blocks.at(-1)).toMatchObject({ type: 'mix', raft_p: 0.4 });
    const f = pickFlow(flows, 'freeform_skill', 'full').flow;
    expect(f.blocks.find((b) => b.name === 'gen_questions')).toMatchObject({ num_samples: 30 });
    expect(f.blocks.find((b) => b.name === 'answer_quality')).toMatchObject({ keep: { gte: 2 } });
    expect(f.blocks.at(-1)).toMatchObject({ sampling_size: 30 });
    const g = pickFlow(flows, 'grounded_skill', 'full').flow;
    expect(g.blocks.find((b) => b.name === 'gen_contexts')).toMatchObject({ n: 10, temperature: 0.7 });
    expect(g.blocks.find((b) => b.name === 'gen_questions')).toMatchObject({ num_samples: 3 });
    const s = pickFlow(flows, 'knowledge', 'simple').flow;
    expect(s.blocks.find((b) => b.type === 'generate')).toMatchObject({
      n: 'scale',
      temperature: 0.7,
      max_tokens: 2048,
    });
  });

  it('names the file, line and key of a mistake', () => {
    const text = [
      'version: 1',
      'name: broken',
      'description: x',
      'applies_to: knowledge',
      'pipeline: simple',
      'blocks:',
      '  - type: generate',
      '    name: gen',
      '    temperature: hot',
      '    prompt: { user: hi }',
      '    output: { fields: [question] }',
      '  - type: mix',
      '    name: mix',
      '    dataset: knowledge',
    ].join('\n');
    const r = parseFlow(text, 'my-flow.yaml');
    expect(r.flow).toBeNull();
    expect(r.problems[0]).toMatchObject({ file: 'my-flow.yaml', line: 9, key: 'blocks[0].temperature' });
    const missing = parseFlow(
      text.replace('    temperature: hot\n', '').replace('  - type: mix', '  - type: mixx'),
      'f.yaml',
    );
    expect(missing.problems[0]).toMatchObject({ line: 11, key: 'blocks[1].type' });
    expect(parseFlow('blocks: [', 'y.yaml').problems[0]!.file).toBe('y.yaml');
  });
});
