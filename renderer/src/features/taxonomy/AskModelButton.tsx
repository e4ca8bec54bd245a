import { Button, Paper, Text, Tooltip } from '@mantine/core';
import { IconMessageQuestion } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { LoadedModelInfo } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { useStore } from '../../store';
import { messageOf } from '../../components/message-of';

/** The chat model loaded now, if any (the chat slice follows `chat.hostChanged`). */
function useLoadedModel(): LoadedModelInfo | null {
  return useStore((s) => s.chatHost?.loaded[0] ?? null);
}

/**
 * "Ask the model first": what does the loaded model answer today? Knowing that tells the user
 * whether this question teaches it something new.
 */
export function AskModelButton({ question }: { question: string }) {
  const model = useLoadedModel();
  const [answer, setAnswer] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const ask = async (): Promise<void> => {
    if (!model) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setAnswer('');
    try {
      await api.stream(
        'chat.generate',
        {
          model: model.modelId ?? model.path,
          messages: [{ role: 'user', content: question }],
          sampling: { maxTokens: 256 },
        },
        (p) => {
          if (p.type === 'token') setAnswer((a) => (a ?? '') + p.text);
        },
        { signal: ac.signal },
      );
    } catch (e) {
      if (!ac.signal.aborted) setAnswer(`Could not ask the model: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const disabled = !model || question.trim() === '';
  return (
    <>
      <Tooltip
        label={
          !model ? 'Load a chat model first' : question.trim() === '' ? 'Write the question first' : `Ask ${model.name}`
        }
      >
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconMessageQuestion size={14} />}
          onClick={() => void ask()}
          loading={busy}
          data-disabled={disabled || undefined}
          disabled={disabled}
          style={{ alignSelf: 'flex-start', ...(disabled ? { pointerEvents: 'all' } : {}) }}
        >
          Ask the model first
        </Button>
      </Tooltip>
      {answer !== null && (
        <Paper withBorder p="xs" radius="sm" bg="var(--mantine-color-default-hover)">
          <Text size="xs" c="dimmed">
            {model?.name ?? 'The model'} answers today:
          </Text>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {answer || '…'}
          </Text>
        </Paper>
      )}
    </>
  );
}
