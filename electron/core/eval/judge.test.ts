import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAiServer } from '../../../test/helpers/fake-openai-server.js';
import { judgeReply } from '../../../test/helpers/fake-judge.js';
import { EndpointTeacher } from '../teacher/endpoint-teacher.js';
import { Judge } from './judge.js';

let server: FakeOpenAiServer;
let judge: Judge;

beforeAll(async () => {
  server = await startFakeOpenAi({ reply: judgeReply, models: ['fake-judge'] });
  judge = new Judge(await EndpointTeacher.open({ url: server.url, maxAttempts: 1, backoffMs: 1 }));
});
afterAll(async () => {
  await judge.teacher.dispose();
  await server.close();
});

const q = (question: string, answer: string) => ({ question, reference: 'The capital of France is Paris.', answer });

describe('judge scoring through the endpoint teacher', () => {
  it('scores 1-10 with the reason kept, and recall as correct/incorrect', async () => {
    await expect(judge.score(q('Capital?', 'The capital is Paris.'))).resolves.toEqual({
      score: 9,
      correct: null,
      reason: 'mentions "capital"',
      error: null,
    });
    expect((await judge.score(q('Capital?', 'Rome.'))).score).toBe(2);
    expect((await judge.score(q('Capital?', 'The capital is Rome.'))).score).toBe(9);
    expect(await judge.recall(q('Capital?', 'the capital: paris'))).toMatchObject({ score: 1, correct: true });
    expect(await judge.recall(q('Capital?', 'Lyon'))).toMatchObject({ score: 0, correct: false });
  });

  it('retries a score out of range once, then records an error, never a 0', async () => {
    const once = await judge.score(q('ZERO_ONCE capital?', 'Capital Paris'));
    expect(once).toMatchObject({ score: 9, error: null });
    server.reset();
    const bad = await judge.score(q('OUT_OF_RANGE capital?', 'Capital Paris'));
    expect(bad.score).toBeNull();
    expect(bad.error).toMatch(/score 11 is outside the integers 1-10/);
    expect(server.completionRequests()).toHaveLength(2);
  });

  it('reads MT-Bench [[N]] ratings and reports junk as an error after a retry', async () => {
    expect((await judge.score(q('BRACKETS capital?', 'Paris'))).score).toBe(7);
    const junk = await judge.score(q('JUNK capital?', 'Paris'));
    expect(junk.score).toBeNull();
    expect(junk.error).toMatch(/judge reply unusable after a retry/);
  });

  it('stops asking a judge that became unreachable; every further question says why', async () => {
    const fake = await startFakeOpenAi({ reply: judgeReply });
    const j = new Judge(await EndpointTeacher.open({ url: fake.url, maxAttempts: 1, connectTimeoutMs: 500 }));
    await fake.close();
    const a = await j.score(q('Capital?', 'Paris'));
    const b = await j.recall(q('Capital?', 'Paris'));
    expect(a.error).toMatch(/judge unavailable/);
    expect(b.error).toBe(a.error);
    expect(j.failure).not.toBeNull();
    expect(j.calls).toBe(1);
    await j.teacher.dispose();
  });
});
