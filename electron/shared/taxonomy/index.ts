export * from './types.js';
export { fixCosmetic, lintLines } from './lint.js';
export { words, pathText } from './schema.js';
export {
  blocksIlab,
  formatFinding,
  kindOf,
  leafIdOf,
  sortFindings,
  statsOf,
  TOP_FOLDERS,
  TRAINED_FOLDERS,
  validateQna,
} from './validate.js';
export * from './qna-form.js';
export * from './keys.js';
export { canUpgrade, upgradeQna, type UpgradeResult } from './upgrade.js';
export { CURRENT_VERSION, rulesFor, type VersionRules } from './versions.js';
