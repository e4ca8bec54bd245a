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
    'labforge serve-model MODEL [--port 8000] [--api-key KEY] [--threads N]   (MODEL: a library id or name, or a .gguf path)',
  options: {
    port: { type: 'string', short: 'p', default: '8000' },
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
    const apiKey = typeof args.values['api-key'] === 'string' ? args.values['api-key'] : process.env.LABFORGE_API_KEY;
    // The endpoint lives in this process's core; the command drives it through the contract and
    // keeps the core until Ctrl+C.
    return withClient(
      args,
      async (api) => {
        const status = await api.call('endpoint.start', { port, apiKey: apiKey || undefined, model });
        // Load now, so the first request is fast and a bad model fails here.
        const loaded = await api.call('chat.load', { model });
        io.err(
          `Loaded ${loaded.name}: context ${loaded.contextSize}, ${loaded.gpuLayers}/${loaded.totalLayers} layers on ${loaded.gpu ?? 'CPU'}, ${loaded.threads} threads.`,
        );
        if (args.values.json) io.out(JSON.stringify(status));
        else io.out(`Serving ${status.model} at ${status.url}${apiKey ? ' (API key required)' : ''}`);
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
