import type { QnaKind } from './types.js';

/**
 * What each schema version asks of a qna.yaml, as `instructlab-schema` has it (its v1/v2/v3 JSON
 * schemas). `ilab` and its SDG validate every file by the file's own `version` key (missing = 1).
 */
export interface VersionRules {
  version: number;
  /** Knowledge below v3 is refused outright (the schema is marked deprecated). */
  refused: boolean;
  minSeedExamples: number;
  uniqueSeedExamples: boolean;
  /** v1 skills: `task_description` must be text but may be empty. */
  emptyTaskDescription: boolean;
  /** yamllint runs only for version > 1. */
  lint: boolean;
}

export const CURRENT_VERSION = 3;
export const KNOWN_VERSIONS = [1, 2, 3] as const;

export function rulesFor(kind: QnaKind, version: number): VersionRules {
  const v1 = version <= 1;
  return {
    version,
    refused: kind === 'knowledge' && version < CURRENT_VERSION,
    minSeedExamples: v1 ? 1 : 5,
    uniqueSeedExamples: !v1,
    emptyTaskDescription: v1,
    lint: version > 1,
  };
}

/**
 * The version upstream validates a parsed file against: the `version` key; missing means 1; a
 * value that is not a whole number is converted the way Python's `int()` would (the file then
 * fails on the key's type anyway), and 1 when that fails.
 */
export function declaredVersion(root: Record<string, unknown>): number {
  const v = root.version;
  if (v === undefined) return 1;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return 1;
}

/** Upstream's own wording for refused knowledge versions. */
export const refusedKnowledgeMessage = (version: number): string =>
  `Version ${version} is not supported for knowledge. Minimum supported version is ${CURRENT_VERSION}.`;
