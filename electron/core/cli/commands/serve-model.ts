import { AppError } from '../../../shared/errors.js';
import type { Command, CommandArgs } from '../command.js';
import { withClient } from '../with-core.js';

export function threadsOf(args: CommandArgs): number | undefined {
  const t = args.values.threads;
  if (t === undefined) return undefined;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1)
    throw new AppError('INVALID_REQUEST', `--threads must be a positive whole number (got "${String(t)}")`);
  return n;
}

export const serveModelCommand: Command = {
  name: 'serve-model',
  summary: 'Serve a model on an OpenAI-compatible endpoint at 127.0.0.1 (like `ilab model serve`)',
  usage:
    'labforge serve-model MODEL [--port 8000] [--api-key-env VAR | --no-auth] [--threads N]   (MODEL: a library id or name, or a .gguf path)\n' +
    '  Requests need the key in VAR, or else the key kept in the data folder (generated and printed the first time).',
  options: {
    port: { type: 'string', short: 'p', default: '8000' },
    'api-key-env': { type: 'string' },
    'no-auth': { type: 'boolean', default: false },
    /** Refused with a pointer to --api-key-env: a key on a command line is visible to every user (ps). */
    'api-key': { type: 'string' },
    threads: { type: 'string' },
  },
  run: async (args, io) => {
    const [model] = args.positionals;
    if (!model) {
      io.err(`Usage: ${serveModelCommand.usage}`);
      return 2;
    }
    const port = Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`labforge serve-model: --port must be a number from 0 to 65535 (got "${String(args.values.port)}")`);
      return 2;
    }
    if (args.values['api-key'] !== undefined) {
      io.err(
        'labforge serve-model: --api-key is not accepted (other users can read command lines). Put the key in an environment variable and pass --api-key-env VAR.',
      );
      return 2;
    }
    const keyEnv = args.values['api-key-env'];
    let apiKey: string | undefined;
    if (typeof keyEnv === 'string') {
      apiKey = process.env[keyEnv];
      if (!apiKey) {
        io.err(`labforge serve-model: the environment variable ${keyEnv} (--api-key-env) is empty or not set.`);
        return 2;
      }
    }
    const auth = args.values['no-auth'] ? 'none' : 'key';
    // The endpoint lives in this process's core; the command drives it through the contract and
    // keeps the core until Ctrl+C.
    return withClient(
      args,
      async (api) => {
        const status = await api.call('endpoint.start', { port, apiKey, auth, model });
        // Load now, so the first request is fast and a bad model fails here.
        const loaded = await api.call('chat.load', { model });
        io.err(
          `Loaded ${loaded.name}: context ${loaded.contextSize}, ${loaded.gpuLayers}/${loaded.totalLayers} layers on ${loaded.gpu ?? 'CPU'}, ${loaded.threads} threads.`,
        );
        if (args.values.json) io.out(JSON.stringify(status));
        else io.out(`Serving ${status.model} at ${status.url}${status.apiKeyRequired ? ' (API key required)' : ''}`);
        if (status.issuedKey) io.err(`API key (shown once; kept in ${status.apiKeyFile}): ${status.issuedKey}`);
        else if (status.apiKeyFile) io.err(`API key: the one kept in ${status.apiKeyFile}`);
        else if (!status.apiKeyRequired) io.err('No API key: any program on this machine can use the endpoint.');
        io.err('Press Ctrl+C to stop.');
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            io.err('Stopping...');
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        return 0;
      },
      { modelHost: { threads: threadsOf(args) } },
    );
  },
};
