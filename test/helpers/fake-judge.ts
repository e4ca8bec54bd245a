import type { ReplyContext, ReplyFn } from './fake-openai-server.js';

/**
 * A deterministic judge for the fake OpenAI server: it reads the reference and the answer out of
 * LabForge's judge prompt and rates by whether the answer contains the reference's key phrase
 * (its longest word, the first of equals): score 9 / correct when it does, 2 / incorrect when not.
 *
 * Scripted misbehaviour, keyed on the question text:
 * - `OUT_OF_RANGE`: always score 11;  `ZERO_ONCE`: score 0 first, a proper score on the retry;
 * - `JUNK`: free text that is no JSON at all;  `BRACKETS`: prose with MT-Bench's `[[7]]` only.
 */
export function keyPhrase(reference: string): string {
  const words = reference.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.reduce((best, w) => (w.length > best.length ? w : best), '');
}

const section = (text: string, name: string): string => {
  const m = text.match(new RegExp(`\\[${name}\\]\\n([\\s\\S]*?)(?:\\n\\n\\[|\\n\\n(?:Rate|Does)|$)`));
  return m?.[1]?.trim() ?? '';
};

export const judgeReply: ReplyFn = (c: ReplyContext) => {
  const user = c.body.messages?.find((m) => m.role === 'user')?.content ?? c.lastUserText;
  const retry = (c.body.messages ?? []).some((m) => m.content.includes('previous reply could not be used'));
  const question = section(user, 'Question');
  const reference = section(user, 'Reference answer');
  const answer = section(user, 'Answer to judge');
  const hit = keyPhrase(reference) !== '' && answer.toLowerCase().includes(keyPhrase(reference));
  const recall = user.includes('"correct"');
  if (question.includes('JUNK')) return 'I think the answer is quite fine overall.';
  if (question.includes('BRACKETS')) return 'The answer is decent. Rating: [[7]]';
  if (question.includes('OUT_OF_RANGE')) return JSON.stringify({ reason: 'very good', score: 11 });
  if (question.includes('ZERO_ONCE') && !retry) return JSON.stringify({ reason: 'no', score: 0 });
  const reason = hit ? `mentions "${keyPhrase(reference)}"` : `does not mention "${keyPhrase(reference)}"`;
  return JSON.stringify(recall ? { reason, correct: hit } : { reason, score: hit ? 9 : 2 });
};
