import { parseArgs } from 'node:util';
import { AppError, toErrorInfo } from '../../shared/errors.js';
import { APP_VERSION } from '../create-core.js';
import { type CliIo, type Command, commonOptions } from './command.js';
import { exportCommand } from './commands/export.js';
import { evaluateCommand } from './commands/evaluate.js';
import { chatCommand } from './commands/chat.js';
import { infoCommand } from './commands/info.js';
import { jobsCommand } from './commands/jobs.js';
import { modelsCommand } from './commands/models.js';
import { scanCommand } from './commands/scan.js';
import { fitCommand } from './commands/fit.js';
import { hardwareCommand } from './commands/hardware.js';
import { serveCommand } from './commands/serve.js';
import { serveModelCommand } from './commands/serve-model.js';
import { taxonomyCommand } from './commands/taxonomy.js';
import { trainCommand } from './commands/train.js';
import { generateCommand } from './commands/generate.js';
import { diagnosticsCommand } from './commands/diagnostics.js';
import { runCommand } from './commands/run.js';

export const commands: Command[] = [
  serveCommand,
  infoCommand,
  scanCommand,
  hardwareCommand,
  fitCommand,
  jobsCommand,
  runCommand,
  generateCommand,
  trainCommand,
  exportCommand,
  evaluateCommand,
  taxonomyCommand,
  modelsCommand,
  chatCommand,
  serveModelCommand,
  diagnosticsCommand,
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `LabForge ${APP_VERSION}: teach an open LLM your knowledge and skills, then chat with it offline.`,
    '',
    'Usage: labforge <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Every command takes --data-dir DIR (default: the desktop app's data folder) and --help;",
    'commands that print results take --json.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(APP_VERSION);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`labforge: unknown command "${name}". Run \`labforge --help\` for the list.`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: { ...commonOptions, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err(`labforge ${cmd.name}: ${(err as Error).message}\nUsage: ${cmd.usage}`);
    return 2;
  }
  if (args.values.help) {
    io.out(`${cmd.summary}\n\nUsage: ${cmd.usage}`);
    return 0;
  }
  try {
    return await cmd.run(args, io);
  } catch (err) {
    const e = toErrorInfo(err);
    if (args.values.json) io.out(JSON.stringify({ error: e }));
    io.err(`labforge ${cmd.name}: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
    if (!(err instanceof AppError) && err instanceof Error && process.env.LABFORGE_DEBUG) io.err(err.stack ?? '');
    return 1;
  }
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
