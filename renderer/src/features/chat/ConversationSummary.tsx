import { Group, Text, UnstyledButton } from '@mantine/core';
import { IconAdjustments } from '@tabler/icons-react';
import type { ConversationInfo } from '../../../../electron/shared/contract';
import classes from './Chat.module.css';
import { samplingLabel } from './sampling-presets';

const PROMPT_CHARS = 80;

/** The conversation's system prompt (cut short) and sampling in one line; a click opens its settings. */
export function ConversationSummary({ conversation, onOpen }: { conversation: ConversationInfo; onOpen(): void }) {
  const prompt = conversation.systemPrompt.trim().replace(/\s+/g, ' ');
  const shown = prompt.length > PROMPT_CHARS ? `${prompt.slice(0, PROMPT_CHARS - 1)}…` : prompt;
  return (
    <UnstyledButton
      className={classes.summary}
      onClick={onOpen}
      aria-label="System prompt and sampling of this conversation"
      title={prompt || undefined}
      data-testid="conversation-summary"
    >
      <Group gap={8} wrap="nowrap">
        <IconAdjustments size={14} style={{ flexShrink: 0 }} />
        <Text size="xs" truncate className={classes.grow}>
          <Text span size="xs" fw={600}>
            System:
          </Text>{' '}
          {shown ? (
            shown
          ) : (
            <Text span size="xs" c="dimmed">
              none
            </Text>
          )}
        </Text>
        <Text size="xs" style={{ flexShrink: 0 }}>
          <Text span size="xs" fw={600}>
            Sampling:
          </Text>{' '}
          {samplingLabel(conversation.sampling)}
        </Text>
      </Group>
    </UnstyledButton>
  );
}
