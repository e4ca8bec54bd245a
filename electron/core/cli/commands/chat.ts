import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ChatTurn, GenerationStats, Sampling } from '../../../shared/contract/index.js';
import type { ApiClient } from '../../../shared/client.js';
import { AppError } from '../../../shared/errors.js';
import type { Command } from '../command.js';
import { withClient } from '../with-core.js';
import { threadsOf } from './serve-model.js';

const HELP = [
  'Type a message and press Enter. Commands:',
  '  /q        quit',
  '  /n        new session (forget the conversation)',
  '  /s FILE   save the session (JSON; Markdown when FILE ends in .md)',
  '  /l FILE   load a session saved with /s',
  '  /h        this help',
  'Ctrl+C stops an answer; at the prompt it quits.',
].join('\n');

const num = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('INVALID_REQUEST', `${flag} must be a number (got "${String(v)}")`);
  return n;
};

function toMarkdown(turns: ChatTurn[]): string {
  return turns
    .map((t) => `## ${t.role === 'user' ? 'You' : t.role === 'assistant' ? 'Assistant' : 'System'}\n\n${t.content}\n`)
    .join('\n');
}

export const chatCommand: Command = {
  name: 'chat',
  summary: 'Chat with a model in the terminal, streamed (like `ilab model chat`)',
  usage:
    'labforge chat MODEL [-m MESSAGE] [--system TEXT] [--temperature 1.0] [--max-tokens N] [--seed N] [--threads N]\n' +
    '       (MODEL: a library id or name, or a .gguf path; -m answers one message and exits)',
  options: {
    message: { type: 'string', short: 'm' },
    system: { type: 'string', default: 'You are a helpful assistant.' },
    temperature: { type: 'string', default: '1.0' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
    threads: { type: 'string' },
  },
  run: async (args, io) => {
    const [model] = args.positionals;
    if (!model) {
      io.err(`Usage: ${chatCommand.usage}`);
      return 2;
    }
    const sampling: Sampling = {
      temperature: num(args.values.temperature, '--temperature'),
      maxTokens: num(args.values['max-tokens'], '--max-tokens'),
      seed: num(args.values.seed, '--seed'),
    };
    const system = String(args.values.system ?? '');
    const fresh = (): ChatTurn[] => (system ? [{ role: 'system', content: system }] : []);
    let turns = fresh();
    return withClient(args, (api) => talk(api, model), { modelHost: { threads: threadsOf(args) } });

    async function talk(api: ApiClient, model: string): Promise<number> {
      let current: AbortController | null = null;
      const write = (s: string): void => void process.stdout.write(s);

      const ask = async (content: string): Promise<void> => {
        turns.push({ role: 'user', content });
        current = new AbortController();
        let answer = '';
        try {
          const end: { stats: GenerationStats | null } = { stats: null };
          await api.stream(
            'chat.generate',
            { model, messages: turns, sampling },
            (p) => {
              if (p.type === 'token') {
                answer += p.text;
                write(p.text);
              } else if (p.type === 'stats') end.stats = p.stats;
            },
            { signal: current.signal },
          );
          write('\n');
          const { stats } = end;
          if (stats) io.err(`(${stats.tokens} tokens, ${stats.tokensPerSec} tok/s, first token ${stats.ttftMs} ms)`);
          else io.err('(stopped)');
        } finally {
          current = null;
          turns.push({ role: 'assistant', content: answer });
        }
      };

      const loaded = await api.call('chat.load', { model });
      io.err(
        `${loaded.name}: context ${loaded.contextSize}, ${loaded.gpuLayers}/${loaded.totalLayers} layers on ${loaded.gpu ?? 'CPU'}, ${loaded.threads} threads.`,
      );
      if (typeof args.values.message === 'string') {
        await ask(args.values.message);
        return 0;
      }
      const tty = Boolean(process.stdin.isTTY);
      const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
      rl.on('SIGINT', () => (current ? current.abort() : rl.close()));
      if (tty) io.err('Type /h for help, /q to quit.');
      const prompt = (): void => {
        if (tty) rl.prompt();
      };
      rl.setPrompt('>>> ');
      prompt();
      for await (const raw of rl) {
        const line = raw.trim();
        const [cmd, ...rest] = line.split(/\s+/);
        const arg = rest.join(' ');
        if (line === '') {
          // nothing
        } else if (cmd === '/q') break;
        else if (cmd === '/h') io.err(HELP);
        else if (cmd === '/n') {
          turns = fresh();
          io.err('New session.');
        } else if (cmd === '/s') {
          if (!arg) io.err('Usage: /s FILE');
          else {
            await writeFile(
              arg,
              arg.endsWith('.md') ? toMarkdown(turns) : JSON.stringify({ model, messages: turns }, null, 2),
            );
            io.err(`Saved to ${arg}.`);
          }
        } else if (cmd === '/l') {
          try {
            const saved = JSON.parse(readFileSync(arg, 'utf8')) as { messages?: ChatTurn[] };
            turns = saved.messages ?? fresh();
            io.err(`Loaded ${turns.length} messages from ${arg}.`);
          } catch (err) {
            io.err(`Cannot load ${arg}: ${(err as Error).message}`);
          }
        } else if (cmd?.startsWith('/')) io.err(`Unknown command ${cmd}. Type /h for help.`);
        else {
          try {
            await ask(line);
          } catch (err) {
            const e = err as AppError;
            io.err(`Error: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
          }
        }
        prompt();
      }
      rl.close();
      return 0;
    }
  },
};
