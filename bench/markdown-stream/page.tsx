/**
 * The bench page of markdown-stream.bench.ts: the chat's Markdown component in a bubble as wide as
 * the chat's, fed by `window.benchStream` the way MessageView is fed (text so far plus the cursor).
 */
import '@mantine/core/styles.css';
import { MantineProvider, Paper } from '@mantine/core';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Markdown } from '../../renderer/src/features/chat/Markdown';
import type { StreamResult } from './stream-result';

declare global {
  interface Window {
    benchStream(tokens: string[], tokensPerSec: number, updatesPerSec: number): Promise<StreamResult>;
  }
}

let setText: (t: string) => void = () => undefined;

function App() {
  const [text, set] = useState('');
  useEffect(() => {
    setText = set;
  }, []);
  return (
    <Paper withBorder radius="lg" p="sm" px="md" style={{ maxWidth: 880, margin: '16px auto' }}>
      {text && <Markdown text={text} />}
    </Paper>
  );
}

window.benchStream = (tokens, tokensPerSec, updatesPerSec) =>
  new Promise((resolve) => {
    setText('');
    const frames: number[] = [];
    let longTask = 0;
    let loaf = 0;
    const observers = (['longtask', 'long-animation-frame'] as const).map((type) => {
      const o = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (type === 'longtask') longTask = Math.max(longTask, e.duration);
          else loaf = Math.max(loaf, e.duration);
        }
      });
      try {
        o.observe({ type, buffered: false });
      } catch {
        // an entry type this Chromium lacks stays 0
      }
      return o;
    });
    let last = performance.now();
    let running = true;
    const onFrame = (t: number): void => {
      frames.push(t - last);
      last = t;
      if (running) requestAnimationFrame(onFrame);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(onFrame);
    });
    const start = performance.now();
    let sent = 0;
    let updates = 0;
    const timer = setInterval(() => {
      const due = Math.min(tokens.length, Math.floor(((performance.now() - start) / 1000) * tokensPerSec));
      if (due === sent) return;
      sent = due;
      updates++;
      const done = sent >= tokens.length;
      setText(tokens.slice(0, sent).join('') + (done ? '' : '▍'));
      if (done) {
        clearInterval(timer);
        // two more frames so the last render is measured too
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            running = false;
            observers.forEach((o) => o.disconnect());
            const sorted = [...frames].sort((a, b) => a - b);
            resolve({
              updates,
              maxFrameMs: sorted.at(-1) ?? 0,
              p99FrameMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
              maxLongTaskMs: longTask,
              maxLoafMs: loaf,
              framesOver50: frames.filter((f) => f > 50).length,
              elapsedMs: performance.now() - start,
            });
          }),
        );
      }
    }, 1000 / updatesPerSec);
  });

createRoot(document.getElementById('root')!).render(
  <MantineProvider defaultColorScheme="light">
    <App />
  </MantineProvider>,
);
