/** How bad a finding is: errors block a pipeline run (and make `labforge taxonomy validate` exit 1). */
export type Severity = 'error' | 'warning' | 'info';

/** One problem in one file, with a message a newcomer understands. Lines and columns are 1-based. */
export interface Finding {
  /** Path relative to the taxonomy root, with `/` separators. */
  file: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
  /** Stable rule id (`schema.min-items`, `lint.trailing-spaces`, `yaml.duplicate-key`, ...). */
  rule: string;
  /** Where in the YAML, e.g. `seed_examples[2].questions_and_answers[0].answer`. */
  path?: string;
  /** True when LabForge repairs it by itself on save. */
  fixable?: boolean;
  /** 0-based character offsets of the span (for editors). */
  from?: number;
  to?: number;
}

/** What a qna.yaml teaches: knowledge (phase 1), a compositional skill (phase 2) or a foundational skill. */
export type QnaKind = 'knowledge' | 'compositional_skill' | 'foundational_skill';

/** The advisory limits of the taxonomy README and InstructLab's UI (not in the schema). */
export const QNA_LIMITS = {
  maxFileBytes: 1024 * 1024,
  maxAliasCount: 100,
  minSeedExamples: 5,
  minQnaPairs: 3,
  /** SDG reads only the first three pairs of each knowledge context. */
  usedQnaPairs: 3,
  maxContextWords: 500,
  maxSeedQnaWords: 250,
  maxSkillWords: 2300,
  maxSkillQuestionChars: 60,
  minSkillAnswerChars: 40,
} as const;

/** Live counters for one seed example. */
export interface SeedStats {
  index: number;
  line: number;
  contextWords: number;
  /** Knowledge: words of all question/answer pairs together. */
  qnaWords: number;
  qnaPairs: number;
  /** Skills: characters of the question and the answer. */
  questionChars: number;
  answerChars: number;
}

/** Counters the editor shows next to the limits in QNA_LIMITS. */
export interface QnaStats {
  kind: QnaKind;
  seeds: SeedStats[];
  totalWords: number;
  grounded: boolean;
}

export interface ValidationResult {
  findings: Finding[];
  kind: QnaKind;
  stats: QnaStats | null;
  /** The schema version the file was checked against (its `version`, 1 when missing); null when it did not parse. */
  version: number | null;
  /** Whether `ilab` (instructlab-schema, as ilab and its SDG call it) would accept the file as it is on disk. */
  ilabAccepts: boolean;
}
