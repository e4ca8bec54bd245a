import { Code, ScrollArea, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { JobLogLine } from '../../../../electron/shared/contract';
import { useJobLog } from './useJobLog';
import classes from './JobLog.module.css';

const levelClass: Record<JobLogLine['level'], string | undefined> = {
  debug: classes.debug,
  info: undefined,
  warn: classes.warn,
  error: classes.error,
};

/** Live log viewer; it follows the end unless the user scrolled up. */
export function JobLog({ id, title }: { id: string; title: string }) {
  const { lines, error } = useJobLog(id);
  const viewport = useRef<HTMLDivElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    const el = viewport.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  if (error)
    return (
      <Text c="red" size="sm">
        Could not load the log: {error}
      </Text>
    );
  return (
    <ScrollArea.Autosize
      mah={320}
      viewportRef={viewport}
      onScrollPositionChange={({ y }) => {
        const el = viewport.current;
        if (el) follow.current = y + el.clientHeight >= el.scrollHeight - 8;
      }}
      className={classes.box}
    >
      <Code block className={classes.code} role="log" aria-label={`Log of ${title}`} aria-live="off">
        {lines.length === 0
          ? 'No log lines yet.'
          : lines.map((l) => (
              <span key={l.seq} className={levelClass[l.level]}>
                <span className={classes.time}>{new Date(l.time).toLocaleTimeString()}</span> {l.message}
                {'\n'}
              </span>
            ))}
      </Code>
    </ScrollArea.Autosize>
  );
}
