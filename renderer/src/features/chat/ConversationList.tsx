import { ActionIcon, Button, Group, Paper, ScrollArea, Text, TextInput, Tooltip } from '@mantine/core';
import { IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useShallow } from 'zustand/react/shallow';
import { formatTime } from '../../components/format';
import { useStore } from '../../store';
import classes from './Chat.module.css';

/** The conversation list: new chat, search, open and delete. */
export function ConversationList() {
  const { conversations, currentId, query, search, select, newChat, remove, busy } = useStore(
    useShallow((s) => ({
      conversations: s.conversations,
      currentId: s.currentConversationId,
      query: s.chatQuery,
      search: s.searchConversations,
      select: s.selectConversation,
      newChat: s.newConversation,
      remove: s.removeConversation,
      busy: s.chatStreaming !== null,
    })),
  );
  return (
    <Paper withBorder radius="md" p="sm" className={classes.sidebar} component="nav" aria-label="Conversations">
      <Button leftSection={<IconPlus size={16} />} onClick={() => void newChat()} disabled={busy} mb="sm">
        New chat
      </Button>
      <TextInput
        leftSection={<IconSearch size={14} />}
        placeholder="Search conversations"
        aria-label="Search conversations"
        value={query}
        onChange={(e) => void search(e.currentTarget.value)}
        mb="sm"
      />
      <ScrollArea className={classes.grow} type="auto">
        {conversations.length === 0 && (
          <Text size="sm" c="dimmed" p="xs">
            {query ? 'No conversation matches.' : 'No conversations yet.'}
          </Text>
        )}
        {conversations.map((c) => (
          <Group key={c.id} gap={4} wrap="nowrap">
            <button
              type="button"
              className={classes.conversationItem}
              data-active={c.id === currentId || undefined}
              onClick={() => void select(c.id)}
              disabled={busy}
            >
              <Text size="sm" fw={500} truncate>
                {c.title || 'New conversation'}
              </Text>
              <Text size="xs" c="dimmed" lineClamp={2}>
                {c.snippet ?? `${formatTime(c.updatedAt)} · ${c.messageCount} messages`}
              </Text>
            </button>
            <Tooltip label="Delete">
              <ActionIcon
                variant="subtle"
                color="gray"
                size="sm"
                aria-label={`Delete ${c.title || 'conversation'}`}
                onClick={() => void remove(c.id)}
                disabled={busy}
              >
                <IconTrash size={14} />
              </ActionIcon>
            </Tooltip>
          </Group>
        ))}
      </ScrollArea>
    </Paper>
  );
}
