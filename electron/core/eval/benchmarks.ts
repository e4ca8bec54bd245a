import type { AnswerScore } from '../../shared/contract/index.js';
import { preferredOption, type AnswerSet } from './answers.js';
import { errorScore } from './benchmark-report.js';
import { LETTERS, type RefQuestion } from './eval-items.js';
import type { Judge, Verdict } from './judge.js';
import { mapLimit } from './judge.js';
import { RECALL_F1, tokenF1 } from './lexical.js';
import { journalKey, type Journal } from '../util/journal.js';

/** Ids of the worker's items per benchmark (one worker run answers all of them). */
export const itemId = {
  mmluBranch: (id: string): string => `mb:${id}`,
  mtBench: (id: string): string => `mt:${id}`,
  recall: (id: string): string => `fr:${id}`,
};

const missing = (set: AnswerSet | undefined, what: string): string =>
  set?.failed ? `model could not be scored: ${set.failed}` : `no ${what} from the model`;

/** A multiple-choice answer: the option with the highest length-normalised log-likelihood. */
export function choiceScore(
  set: AnswerSet | undefined,
  id: string,
  options: string[],
  answerIndex: number,
): AnswerScore {
  const c = set?.choices.get(id);
  if (!c || c.logprobs.length !== options.length) return errorScore(missing(set, 'log-likelihoods'));
  const pick = preferredOption(c);
  const perToken = c.logprobs.map((lp, i) => (lp / Math.max(1, c.tokens[i] ?? 1)).toFixed(3));
  return {
    answer: `${LETTERS[pick] ?? pick}) ${options[pick]?.trim() ?? ''}`,
    score: pick === answerIndex ? 1 : 0,
    correct: pick === answerIndex,
    reason: `mean log-probability per token: ${perToken.map((p, i) => `${LETTERS[i] ?? i} ${p}`).join(', ')}`,
    error: null,
  };
}

const fromVerdict = (answer: string, v: Verdict): AnswerScore => ({ answer, ...v });

/** The judged (or lexical) score of each generated answer of one model, keyed by question id. */
export async function judgeAnswers(
  questions: RefQuestion[],
  set: AnswerSet | undefined,
  idOf: (id: string) => string,
  how: { kind: 'score'; judge: Judge } | { kind: 'recall'; judge: Judge | null },
  opts: { signal?: AbortSignal; onJudged?(): void; journal?: Journal | null } = {},
): Promise<Map<string, AnswerScore>> {
  // A verdict already in the evaluation's journal is not asked again (a judge error is: it may pass now).
  const judged = async (j: Judge, input: { question: string; reference: string; answer: string }) => {
    const key = journalKey(['judge', how.kind, j.info.source, j.info.model, input]);
    const kept = opts.journal?.get<Verdict>(key);
    if (kept) return kept;
    const v = how.kind === 'score' ? await j.score(input, opts.signal) : await j.recall(input, opts.signal);
    if (v.error === null) await opts.journal?.append(key, v);
    return v;
  };
  const out = new Map<string, AnswerScore>();
  const concurrency = how.judge?.info.concurrency ?? 1;
  await mapLimit(questions, concurrency, async (q) => {
    const answer = set?.generations.get(idOf(q.id));
    if (answer === undefined) {
      out.set(q.id, errorScore(missing(set, 'answer')));
      return;
    }
    const input = { question: q.prompt, reference: q.reference, answer };
    if (how.judge) out.set(q.id, fromVerdict(answer, await judged(how.judge, input)));
    else {
      const f1 = tokenF1(answer, q.reference);
      out.set(q.id, {
        answer,
        score: f1,
        correct: f1 >= RECALL_F1,
        reason: `no judge: token F1 with the reference ${f1.toFixed(2)} (recalled at >= ${RECALL_F1})`,
        error: null,
      });
    }
    opts.onJudged?.();
  });
  return out;
}
