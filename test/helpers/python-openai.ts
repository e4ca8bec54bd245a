import path from 'node:path';
import { cachedVenvPython } from './cached-venv.js';

/** A Python with the official `openai` client (pinned with its dependencies, installed --no-deps). */
export const openaiPython = (): Promise<string> =>
  cachedVenvPython({
    name: 'py-openai',
    requirements: path.resolve('test/helpers/python-openai-requirements.txt'),
    pipFlags: ['--no-deps'],
    check: 'import openai',
    what: 'the openai Python client',
  });
