import { Group, SegmentedControl } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { selectGgufModels } from '../../store/chat-slice';
import classes from './Chat.module.css';
import { ComparePanel } from './ComparePanel';
import { Conversation } from './Conversation';
import { ConversationList } from './ConversationList';
import { EndpointControl } from './EndpointControl';

export function ChatPage() {
  // Set by "Chat with this checkpoint" on the Runs page: the page opens in Compare with those two models.
  const [pair] = useState(() => useStore.getState().chatCompare);
  const [mode, setMode] = useState<'chat' | 'compare'>(pair ? 'compare' : 'chat');
  const clearCompare = useStore((s) => s.clearCompare);
  useEffect(() => {
    if (pair) clearCompare();
  }, [pair, clearCompare]);
  const openChat = useStore((s) => s.openChat);
  const conversation = useStore((s) => s.conversation);
  const models = useStore(useShallow(selectGgufModels));

  // Conversation, host and endpoint events reach the chat slice through store/sync.ts.
  useEffect(() => void openChat(), [openChat]);

  return (
    <>
      <PageHeader
        title="Chat"
        description="Talk to your models on this computer. Answers stream as they are generated; nothing leaves the machine."
        actions={
          <Group gap="sm">
            <SegmentedControl
              value={mode}
              onChange={(v) => setMode(v as 'chat' | 'compare')}
              data={[
                { value: 'chat', label: 'Chat' },
                { value: 'compare', label: 'Compare' },
              ]}
              aria-label="Mode"
            />
            <EndpointControl />
          </Group>
        }
      />
      {mode === 'chat' ? (
        <div className={classes.layout}>
          <ConversationList />
          <Conversation />
        </div>
      ) : (
        <ComparePanel
          initial={pair ? [pair.a, pair.b] : undefined}
          models={models}
          systemPrompt={conversation?.systemPrompt ?? ''}
          sampling={conversation?.sampling ?? {}}
        />
      )}
    </>
  );
}
