/**
 * The one list of qna.yaml keys (schema v3, which has the same skill keys as v1 and v2): the
 * validator takes the allowed keys of each mapping from here, and the editor's completion and
 * hover help take the explanations.
 */
export interface KeyDoc {
  key: string;
  doc: string;
  /** What follows the colon when the key is completed. */
  snippet: string;
}

export type KeySection = 'knowledge' | 'skill' | 'knowledgeSeed' | 'skillSeed' | 'qnaPair' | 'document';

const top = (key: string, doc: string, snippet = ' '): KeyDoc => ({ key, doc, snippet });

export const KEY_DOCS: Record<KeySection, KeyDoc[]> = {
  knowledge: [
    top('version', 'Schema version; use 3.', ' 3'),
    top('created_by', 'Your name or GitHub user name.'),
    top('domain', 'The subject area, e.g. astronomy. It goes into the prompts.'),
    top('document_outline', 'A short summary of the document. It goes into the prompts.', ' |\n  '),
    top(
      'seed_examples',
      'At least 5 excerpts of the document, each with at least 3 questions and answers.',
      '\n  - context: |\n      ',
    ),
    top(
      'document',
      'Where the source document lives: repo, commit and patterns.',
      '\n  repo: \n  commit: \n  patterns:\n    - ',
    ),
  ],
  skill: [
    top('version', 'Schema version; use 3.', ' 3'),
    top('created_by', 'Your name or GitHub user name.'),
    top('task_description', 'What the skill does, in one sentence.', ' |\n  '),
    top(
      'seed_examples',
      'At least 5 examples of the task (question, answer and optional context).',
      '\n  - question: |\n      ',
    ),
  ],
  knowledgeSeed: [
    top('context', 'An excerpt of the document (up to 500 words).', ' |\n  '),
    top(
      'questions_and_answers',
      'At least 3 questions answered by the context (250 words together).',
      '\n  - question: |\n      ',
    ),
  ],
  skillSeed: [
    top('question', 'What a user asks (aim for 60 characters or fewer).', ' |\n  '),
    top('answer', 'The answer you want the model to give (at least 40 characters).', ' |\n  '),
    top('context', 'Optional grounding text: makes this a grounded skill.', ' |\n  '),
  ],
  qnaPair: [
    top('question', 'A question answered by the context above.', ' |\n  '),
    top('answer', 'The answer, taken from the context.', ' |\n  '),
  ],
  document: [
    top('repo', 'Git URL or path of the repository holding the document.'),
    top('commit', 'The commit (SHA) of that repository to read.'),
    top('patterns', 'File names or globs inside the repository, e.g. "*.md".', '\n  - '),
  ],
};

/** The keys allowed in one kind of mapping, in the order the templates write them. */
export function keysOf(section: KeySection): string[] {
  return KEY_DOCS[section].map((k) => k.key);
}

export interface AttributionFields {
  title: string;
  link: string;
  revision: string;
  license: string;
  creators: string;
}

/** attribution.txt in the layout the upstream taxonomy asks for. */
export function formatAttribution(a: AttributionFields): string {
  return [
    `Title of work: ${a.title}`,
    `Link to work: ${a.link}`,
    `Revision: ${a.revision}`,
    `License of the work: ${a.license}`,
    `Creator names: ${a.creators}`,
    '',
  ].join('\n');
}

/** Reads the fields back from an attribution.txt (missing ones are empty). */
export function parseAttribution(text: string): AttributionFields {
  const get = (label: string): string => new RegExp(`^${label}:[ \\t]*(.*)$`, 'mi').exec(text)?.[1]?.trim() ?? '';
  return {
    title: get('Title of work'),
    link: get('Link to work'),
    revision: get('Revision'),
    license: get('License of the work'),
    creators: get('Creator names'),
  };
}
