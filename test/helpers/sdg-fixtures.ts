import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { ReplyContext } from './fake-openai-server.js';
import { setDocumentBlock } from '../../electron/core/taxonomy/documents-repo.js';

const author = { name: 'Test', email: 'test@example.com' };
const fixture = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'taxonomy', 'valid', name), 'utf8');

export const PHOENIX_DOC = [
  '# Phoenix',
  'Phoenix is a small constelation in the southern sky. It was named in the late sixteenth century by Dutch navigators.',
  'Its brightest star is Ankaa, an orange giant about 85 light-years from Earth.',
  'The Phoenicids are a meteor shower that seems to come from Phoenix in early December.',
].join('\n\n');

async function commitAll(dir: string, message: string): Promise<string> {
  await git.add({ fs, dir, filepath: '.' });
  return git.commit({ fs, dir, message, author });
}

export interface SdgTaxonomy {
  taxonomy: string;
  docs: string;
  docCommit: string;
  knowledgePath: string;
}

/**
 * A taxonomy git repo with a knowledge leaf (its document committed to a separate docs repo),
 * a freeform skill and a grounded skill; pick which with `leaves`. Use `--base empty`.
 */
export async function makeSdgTaxonomy(
  root: string,
  opts: {
    leaves?: Array<'knowledge' | 'freeform' | 'grounded'>;
    doc?: { name: string; content: string | Uint8Array };
    commit?: string;
  } = {},
): Promise<SdgTaxonomy> {
  const leaves = opts.leaves ?? ['knowledge', 'freeform', 'grounded'];
  const docs = path.join(root, 'docs');
  await fs.mkdir(docs, { recursive: true });
  await git.init({ fs, dir: docs, defaultBranch: 'main' });
  const doc = opts.doc ?? { name: 'phoenix.md', content: PHOENIX_DOC };
  await fs.writeFile(path.join(docs, doc.name), doc.content);
  const docCommit = await commitAll(docs, 'docs');

  const taxonomy = path.join(root, 'taxonomy');
  await fs.mkdir(taxonomy, { recursive: true });
  await git.init({ fs, dir: taxonomy, defaultBranch: 'main' });
  const put = async (rel: string, text: string): Promise<void> => {
    await fs.mkdir(path.join(taxonomy, rel), { recursive: true });
    await fs.writeFile(path.join(taxonomy, rel, 'qna.yaml'), text);
    await fs.writeFile(
      path.join(taxonomy, rel, 'attribution.txt'),
      'Title of work: test\nLicense of the work: CC-BY-4.0\n',
    );
  };
  const knowledgePath = 'knowledge/astronomy/phoenix/qna.yaml';
  if (leaves.includes('knowledge'))
    await put(
      'knowledge/astronomy/phoenix',
      setDocumentBlock(fixture('knowledge-phoenix.yaml'), {
        repo: docs,
        commit: opts.commit ?? docCommit,
        pattern: doc.name,
      }),
    );
  if (leaves.includes('freeform')) await put('compositional_skills/writing/haiku', fixture('compositional-haiku.yaml'));
  if (leaves.includes('grounded'))
    await put('compositional_skills/grounded/notes', fixture('compositional-grounded-notes.yaml'));
  await fs.writeFile(path.join(taxonomy, 'README.md'), 'test taxonomy\n');
  await commitAll(taxonomy, 'taxonomy');
  return { taxonomy, docs, docCommit, knowledgePath };
}

/** A tiny one-page PDF with the given lines of text (Helvetica), valid enough for pdf.js. */
export function makePdf(lines: string[]): Uint8Array {
  const esc = (s: string): string => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${esc(l)}) Tj T*`).join(' ')} ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offs: number[] = [];
  objs.forEach((o, i) => {
    offs.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const x = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${x}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

const hash = (s: string): number => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

/**
 * A deterministic teacher for the built-in flows, keyed by the block (the JSON schema's name):
 * generators write numbered items derived from the prompt, judges keep most and drop a
 * predictable few (questions whose number is 2 fail the relevancy and answer checks).
 */
export function scriptedReply(schemaName: string, userText: string, choice: number): unknown {
  const h = hash(userText) % 1000;
  const num = /up to (\d+) question|set of (\d+) diverse|Write (\d+) different/.exec(userText);
  const count = Math.min(3, Number(num?.[1] ?? num?.[2] ?? num?.[3] ?? 1));
  const qOf = (/Question: (.*)/.exec(userText)?.[1] ?? '').trim();
  switch (schemaName) {
    case 'gen_knowledge':
    case 'gen_skill':
    case 'gen_grounded_skill':
      return userText.includes('Develop up to')
        ? {
            items: Array.from({ length: count }, (_, i) => ({
              question: `Q${i + 1}-${h} about Phoenix?`,
              answer: `Answer ${i + 1} about Phoenix, from chunk ${h}.`,
            })),
          }
        : { question: `Q${choice + 1}-${h} new question?`, answer: `A detailed answer number ${choice + 1} for ${h}.` };
    case 'gen_questions':
      return { items: Array.from({ length: count }, (_, i) => ({ question: `Q${i + 1}-${h} generated question?` })) };
    case 'gen_answers':
      return { answer: `An answer to "${qOf}" that is long enough to keep.` };
    case 'gen_contexts':
      return { context: `Context ${choice + 1}-${h}: Alice ships release ${choice + 1}.` };
    case 'judge_faithfulness':
      return { score: 'YES', reason: 'supported' };
    case 'judge_relevancy':
      return { score: qOf.startsWith('Q2-') ? 1 : 2, reason: 'relevant' };
    case 'judge_question':
      return { score: 1, reason: 'clear' };
    case 'judge_answer':
      return { score: /"Q2-/.test(userText) ? 1 : 3, reason: 'good' };
    default:
      return { error: `no script for ${schemaName}` };
  }
}

/** The fake server's reply for the built-in flows: JSON by block, and the spellcheck block's text with its typo fixed. */
export function sdgReply(ctx: ReplyContext): string {
  const name = ctx.body.response_format?.json_schema?.name;
  if (!name) return ctx.lastUserText.split('\n\n').slice(1).join('\n\n').replace('constelation', 'constellation');
  return JSON.stringify(scriptedReply(name, ctx.lastUserText, ctx.choice));
}
