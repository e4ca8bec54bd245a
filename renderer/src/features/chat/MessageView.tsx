import { ActionIcon, Alert, Badge, Button, CopyButton, Group, Paper, Text, Textarea, Tooltip } from '@mantine/core';
import {
  IconAlertCircle,
  IconCheck,
  IconChevronLeft,
  IconChevronRight,
  IconCopy,
  IconPencil,
  IconRefresh,
} from '@tabler/icons-react';
import { memo, useState } from 'react';
import type { GenerationStats, MessageInfo } from '../../../../electron/shared/contract';
import classes from './Chat.module.css';
import { Markdown } from './Markdown';

export function statsLine(s: GenerationStats): string {
  const parts = [
    `${s.tokens} tokens`,
    `${s.tokensPerSec.toFixed(s.tokensPerSec >= 100 ? 0 : 1)} tok/s`,
    `first token ${Math.round(s.ttftMs)} ms`,
  ];
  if (s.loadMs > 50) parts.push(`load ${(s.loadMs / 1000).toFixed(1)} s`);
  parts.push(s.model.name);
  return parts.join(' · ');
}

export interface MessageActions {
  busy: boolean;
  onRegenerate(m: MessageInfo): void;
  onEdit(m: MessageInfo, content: string): void;
  onSwitch(id: string): void;
}

interface Props extends MessageActions {
  message: MessageInfo;
  /** The text streaming into this answer right now, if any. */
  liveText: string | null;
  siblings: { ids: string[]; index: number };
}

function BranchSwitch({
  siblings,
  onSwitch,
  busy,
}: {
  siblings: Props['siblings'];
  onSwitch(id: string): void;
  busy: boolean;
}) {
  if (siblings.ids.length < 2) return null;
  const go = (d: number): void => {
    const id = siblings.ids[siblings.index + d];
    if (id) onSwitch(id);
  };
  return (
    <Group gap={2} wrap="nowrap" aria-label="Branches">
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        disabled={busy || siblings.index === 0}
        onClick={() => go(-1)}
        aria-label="Previous branch"
      >
        <IconChevronLeft size={14} />
      </ActionIcon>
      <Text size="xs" c="dimmed">
        {siblings.index + 1}/{siblings.ids.length}
      </Text>
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        disabled={busy || siblings.index === siblings.ids.length - 1}
        onClick={() => go(1)}
        aria-label="Next branch"
      >
        <IconChevronRight size={14} />
      </ActionIcon>
    </Group>
  );
}

export const MessageView = memo(function MessageView({
  message: m,
  liveText,
  siblings,
  busy,
  onRegenerate,
  onEdit,
  onSwitch,
}: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  const text = liveText ?? m.content;
  const isUser = m.role === 'user';
  const copy = (
    <CopyButton value={text}>
      {({ copied, copy: doCopy }) => (
        <Tooltip label={copied ? 'Copied' : 'Copy'}>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="sm"
            onClick={doCopy}
            aria-label={isUser ? 'Copy prompt' : 'Copy answer'}
          >
            {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );

  return (
    <div className={isUser ? classes.userRow : classes.assistantRow} data-role={m.role}>
      <Paper
        className={isUser ? classes.userBubble : classes.assistantBubble}
        radius="lg"
        p="sm"
        px="md"
        aria-label={isUser ? 'Your message' : 'Answer'}
      >
        {editing !== null ? (
          <>
            <Textarea
              autosize
              minRows={2}
              maxRows={12}
              value={editing}
              onChange={(e) => setEditing(e.currentTarget.value)}
              aria-label="Edit message"
              autoFocus
            />
            <Group justify="flex-end" gap="xs" mt="xs">
              <Button size="xs" variant="default" onClick={() => setEditing(null)}>
                Cancel
              </Button>
              <Button
                size="xs"
                disabled={!editing.trim() || busy}
                onClick={() => {
                  onEdit(m, editing);
                  setEditing(null);
                }}
              >
                Save &amp; send
              </Button>
            </Group>
          </>
        ) : isUser ? (
          <Text className={classes.userText}>{text}</Text>
        ) : text ? (
          <Markdown text={liveText !== null ? `${text}▍` : text} />
        ) : (
          <Text c="dimmed" size="sm" className={classes.thinking}>
            {liveText !== null ? 'Thinking…' : '(no answer)'}
          </Text>
        )}
        {m.error && (
          <Alert
            color="red"
            variant="light"
            mt="xs"
            icon={<IconAlertCircle size={16} />}
            title={m.error.message}
            p="xs"
          >
            {m.error.code === 'WORKER_CRASHED'
              ? 'The partial answer above was kept. Regenerate to try again.'
              : (m.error.hint ?? '')}
          </Alert>
        )}
      </Paper>
      {editing === null && (
        <Group
          gap={4}
          mt={4}
          className={classes.messageFooter}
          wrap="nowrap"
          justify={isUser ? 'flex-end' : 'flex-start'}
        >
          <BranchSwitch siblings={siblings} onSwitch={onSwitch} busy={busy} />
          {copy}
          {isUser ? (
            <Tooltip label="Edit and resend (keeps the original as a branch)">
              <ActionIcon
                variant="subtle"
                color="gray"
                size="sm"
                disabled={busy}
                onClick={() => setEditing(m.content)}
                aria-label="Edit message"
              >
                <IconPencil size={14} />
              </ActionIcon>
            </Tooltip>
          ) : (
            <Tooltip label="Regenerate (keeps this answer as a branch)">
              <ActionIcon
                variant="subtle"
                color="gray"
                size="sm"
                disabled={busy}
                onClick={() => onRegenerate(m)}
                aria-label="Regenerate"
              >
                <IconRefresh size={14} />
              </ActionIcon>
            </Tooltip>
          )}
          {!isUser && m.state === 'stopped' && (
            <Badge size="xs" color="gray" variant="light">
              stopped
            </Badge>
          )}
          {!isUser && m.stats && (
            <Text size="xs" c="dimmed" className={classes.stats} data-testid="message-stats">
              {statsLine(m.stats)}
            </Text>
          )}
        </Group>
      )}
    </div>
  );
});
