import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCore } from '../../create-core.js';
import { HeadlessServer } from '../../headless/headless-server.js';
import type { Command } from '../command.js';
import { dataDirOf } from '../with-core.js';

/** The built renderer, next to the bundled CLI (out/main/cli.js → out/renderer). */
export const defaultStaticDir = (): string =>
  process.env.LABFORGE_RENDERER_DIR ?? fileURLToPath(new URL('../renderer', import.meta.url));

function openBrowser(url: string): void {
  const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!hasDisplay) return;
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(cmd, [url], { detached: true, stdio: 'ignore' })
      .on('error', () => undefined)
      .unref();
  } catch {
    // No browser to open: the printed address is enough.
  }
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the LabForge UI and API on 127.0.0.1 (for headless GPU servers: use an SSH tunnel)',
  usage:
    'labforge serve [--port N] [--host 127.0.0.1] [--allow-remote [--public-host NAME ...]] [--no-open] [--data-dir DIR]',
  options: {
    port: { type: 'string', short: 'p', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'allow-remote': { type: 'boolean', default: false },
    /** Host names browsers will use to reach a non-loopback --host (the Host/Origin check allows them). */
    'public-host': { type: 'string', multiple: true },
    'no-open': { type: 'boolean', default: false },
  },
  run: async (args, io) => {
    const port = Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`labforge serve: --port must be a number from 0 to 65535 (got "${String(args.values.port)}")`);
      return 2;
    }
    const core = await createCore({ dataDir: dataDirOf(args), access: 'owner', what: 'labforge serve' });
    let server: HeadlessServer;
    try {
      server = await HeadlessServer.start({
        router: core.router,
        staticDir: defaultStaticDir(),
        host: String(args.values.host),
        port,
        allowRemote: Boolean(args.values['allow-remote']),
        publicHosts: (args.values['public-host'] as string[] | undefined) ?? [],
      });
    } catch (err) {
      await core.dispose();
      throw err;
    }
    io.out(`LabForge listening on ${server.url}`);
    if (args.values['allow-remote']) {
      io.err(
        'Warning: remote access is plain HTTP: the token and everything you do travel unencrypted. ' +
          'Prefer an SSH tunnel (ssh -L PORT:127.0.0.1:PORT host) or put a TLS reverse proxy in front.',
      );
    }
    io.err(`Data folder: ${core.dataDir}. Press Ctrl+C to stop.`);
    if (!args.values['no-open']) openBrowser(server.url);
    return new Promise<number>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        io.err('Stopping LabForge...');
        void server
          .close()
          .then(() => core.dispose())
          .then(() => resolve(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
