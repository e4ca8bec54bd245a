import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { CSP } from './electron/main/security.js';

/**
 * The CSP as a `<meta>` in the built page too (defence in depth beside the response header that
 * Electron's session and `labforge serve` add). Not in dev: the React refresh preamble is inline.
 * `frame-ancestors` is dropped: browsers ignore it in a meta tag (the header carries it).
 */
const cspMeta = (): Plugin => ({
  name: 'labforge-csp-meta',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace(
      '<head>',
      `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP.replace(/; frame-ancestors [^;]+/, '')}" />`,
    ),
});

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          cli: resolve(__dirname, 'electron/core/cli/index.ts'),
          // The crash-isolated node-llama-cpp child process (forked by ModelHost).
          modelHost: resolve(__dirname, 'electron/core/chat/model-host-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'electron/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react(), cspMeta()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
