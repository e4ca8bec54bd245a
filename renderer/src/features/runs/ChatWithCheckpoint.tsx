import { Button, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconMessages } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { jobResult, type CheckpointChatResult, type CheckpointChatSide } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { hrefFor } from '../../routes';
import { useStore } from '../../store';
import { isActive } from '../../store/jobs-slice';

/** The side's library model id once it exists; null while its export runs; 'failed' when it did not make one. */
function useModelOf(side: CheckpointChatSide | null | undefined): string | null | 'failed' {
  const job = useStore((s) => (side?.jobId ? s.jobsById[side.jobId] : undefined));
  if (!side) return null;
  if (side.modelId) return side.modelId;
  if (!job || isActive(job)) return null;
  return jobResult('export.gguf', job)?.modelId ?? 'failed';
}

/**
 * "Chat with this checkpoint": `chat.checkpointModel` exports the checkpoint and its base to GGUF
 * (or reuses their exports), then Chat opens in Compare with the two side by side.
 */
export function ChatWithCheckpoint({ checkpoint, label }: { checkpoint: string; label: string }) {
  const [pending, setPending] = useState<CheckpointChatResult | null>(null);
  const [asking, setAsking] = useState(false);
  const openCompare = useStore((s) => s.openCompare);
  const loadModels = useStore((s) => s.loadModels);
  const tuned = useModelOf(pending?.model);
  const base = useModelOf(pending?.base);

  useEffect(() => {
    if (!pending || tuned === null || base === null) return;
    const finish = async (): Promise<void> => {
      if (tuned === 'failed' || base === 'failed') {
        notifications.show({
          color: 'red',
          title: 'The export for chat did not finish',
          message: 'See the Jobs page for its log.',
        });
      } else {
        await loadModels();
        openCompare(tuned, base);
        window.location.hash = hrefFor('chat');
      }
      setPending(null);
    };
    void finish();
  }, [pending, tuned, base, openCompare, loadModels]);

  const start = async (): Promise<void> => {
    setAsking(true);
    try {
      setPending(await api.call('chat.checkpointModel', { checkpoint }));
    } catch (e) {
      notifications.show({ color: 'red', title: 'Could not prepare the chat', message: messageOf(e) });
    } finally {
      setAsking(false);
    }
  };
  const busy = asking || pending !== null;
  return (
    <Tooltip
      label="Exports it and its base to GGUF (or reuses earlier exports), then compares them in Chat"
      openDelay={400}
    >
      <Button
        size="compact-xs"
        variant="light"
        leftSection={<IconMessages size={12} aria-hidden />}
        loading={busy}
        onClick={() => void start()}
        aria-label={`Chat with checkpoint ${label}`}
      >
        Chat
      </Button>
    </Tooltip>
  );
}
