export * from './types.js';
export { fixCosmetic, lintLines } from './lint.js';
export { words, pathText } from './schema.js';
export {
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
