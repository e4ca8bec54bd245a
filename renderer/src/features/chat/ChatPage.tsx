import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Menu,
  Modal,
  Paper,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import {
  IconAdjustments,
  IconAlertCircle,
  IconDownload,
  IconFileImport,
  IconPlayerStopFilled,
  IconPlus,
  IconSearch,
  IconSend,
  IconTrash,
} from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../../api/connection';
import { PageHeader } from '../../components/PageHeader';
import { formatTime } from '../../components/format';
import { branchOf, siblingsOf } from './branch';
import classes from './Chat.module.css';
import { messageOf, useChat } from './chat-store';
import { ComparePanel } from './ComparePanel';
import { EndpointControl } from './EndpointControl';
import { MessageView } from './MessageView';
import { SettingsDrawer } from './SettingsDrawer';

function ImportModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const importModel = useChat((s) => s.importModel);
  const update = useChat((s) => s.update);
  return (
    <Modal opened={opened} onClose={onClose} title="Import a GGUF model">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          importModel(path.trim())
            .then(async (m) => {
              await update({ modelId: m.id });
              setPath('');
              onClose();
            })
            .catch((err: unknown) => setError(messageOf(err)))
            .finally(() => setBusy(false));
        }}
      >
        <TextInput
          label="Path of the .gguf file"
          description="The file stays where it is; LabForge reads its header to check it."
          placeholder="/home/me/models/my-model.Q4_K_M.gguf"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          error={error}
          data-autofocus
        />
        <Group justify="flex-end" mt="md">
          <Button type="submit" loading={busy} disabled={!path.trim()}>
            Import
          </Button>
        </Group>
      </form>
    </Modal>
  );
}

function ConversationList() {
  const { conversations, currentId, query, search, select, newChat, remove, busy } = useChat(
    useShallow((s) => ({
      conversations: s.conversations,
      currentId: s.currentId,
      query: s.query,
      search: s.search,
      select: s.select,
      newChat: s.newChat,
      remove: s.remove,
      busy: s.streaming !== null,
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

function Conversation() {
  const s = useChat(
    useShallow((st) => ({
      conversation: st.conversation,
      messages: st.messages,
      streaming: st.streaming,
      models: st.models,
      error: st.error,
      send: st.send,
      stop: st.stop,
      regenerate: st.regenerate,
      update: st.update,
      setError: st.setError,
    })),
  );
  const [draft, setDraft] = useState('');
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lastY = useRef(0);
  const busy = s.streaming !== null;
  const branch = branchOf(s.messages, s.conversation?.leafId ?? null);
  const liveLength = s.streaming?.text.length ?? 0;

  useEffect(() => {
    const v = viewport.current;
    if (v && stick.current) v.scrollTop = v.scrollHeight;
  }, [liveLength, branch.length, s.messages]);

  const submit = (): void => {
    const text = draft.trim();
    if (!text || busy) return;
    setDraft('');
    stick.current = true;
    void s.send(text);
  };
  const download = async (format: 'markdown' | 'json'): Promise<void> => {
    if (!s.conversation) return;
    try {
      const f = await api.call('chat.export', { id: s.conversation.id, format });
      const url = URL.createObjectURL(new Blob([f.content], { type: f.mimeType }));
      const a = Object.assign(document.createElement('a'), { href: url, download: f.filename });
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      s.setError(e);
    }
  };
  const modelData = s.models.map((m) => ({ value: m.id, label: m.name }));

  return (
    <div className={classes.main}>
      <Group justify="space-between" mb="sm" wrap="nowrap" gap="sm">
        <Group gap="xs" wrap="nowrap">
          <Select
            aria-label="Model"
            placeholder={s.models.length ? 'Choose a model' : 'No models yet'}
            data={modelData}
            value={s.conversation?.modelId ?? null}
            onChange={(v) => void s.update({ modelId: v })}
            disabled={!s.conversation || busy}
            w={260}
            allowDeselect={false}
          />
          <Tooltip label="Import a GGUF file">
            <ActionIcon
              variant="default"
              size="lg"
              onClick={() => setImportOpen(true)}
              aria-label="Import a GGUF model"
            >
              <IconFileImport size={18} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Button
            variant="default"
            leftSection={<IconAdjustments size={16} />}
            onClick={() => setSettingsOpen(true)}
            disabled={!s.conversation}
          >
            Settings
          </Button>
          <Menu position="bottom-end">
            <Menu.Target>
              <Button
                variant="default"
                leftSection={<IconDownload size={16} />}
                disabled={!s.conversation || s.messages.length === 0}
              >
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => void download('markdown')}>Markdown (this branch)</Menu.Item>
              <Menu.Item onClick={() => void download('json')}>JSON (every branch)</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>
      <ImportModal opened={importOpen} onClose={() => setImportOpen(false)} />
      {s.conversation && (
        <SettingsDrawer
          key={s.conversation.id}
          conversation={s.conversation}
          opened={settingsOpen}
          onClose={() => setSettingsOpen(false)}
          onSave={(p) => void s.update(p)}
        />
      )}
      <ScrollArea
        className={classes.messages}
        viewportRef={viewport}
        onScrollPositionChange={({ y }) => {
          // Follow the answer unless the reader scrolls up; scrolling back to the end follows again.
          const v = viewport.current;
          if (!v) return;
          if (y < lastY.current - 4) stick.current = false;
          else if (v.scrollHeight - y - v.clientHeight < 60) stick.current = true;
          lastY.current = y;
        }}
        aria-label="Messages"
      >
        <div className={classes.messagesInner} aria-live="polite">
          {branch.length === 0 && (
            <Stack align="center" gap={4} py={80}>
              <Text fw={600}>{s.models.length ? 'Ask your model anything' : 'Import a GGUF model to start'}</Text>
              <Text size="sm" c="dimmed">
                Answers are generated on this computer. Enter sends, Shift+Enter adds a line.
              </Text>
            </Stack>
          )}
          {branch.map((m) => (
            <MessageView
              key={m.id}
              message={m}
              liveText={s.streaming?.assistantId === m.id ? s.streaming.text : null}
              siblings={siblingsOf(s.messages, m)}
              busy={busy}
              onRegenerate={(msg) => void s.regenerate(msg.id)}
              onEdit={(msg, content) => void s.send(content, msg.parentId)}
              onSwitch={(id) => void s.update({ leafId: id })}
            />
          ))}
        </div>
      </ScrollArea>
      {s.error && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle size={18} />}
          withCloseButton
          onClose={() => s.setError(null)}
          mb="sm"
          title="The model could not answer"
        >
          {s.error}
        </Alert>
      )}
      <Group align="flex-end" wrap="nowrap" className={classes.composer} mt="xs">
        <Textarea
          className={classes.grow}
          autosize
          minRows={1}
          maxRows={8}
          placeholder={s.conversation?.modelId || s.models.length ? 'Message your model…' : 'Import a model first'}
          aria-label="Message"
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        {busy ? (
          <Button color="red" leftSection={<IconPlayerStopFilled size={16} />} onClick={s.stop}>
            Stop
          </Button>
        ) : (
          <Button
            leftSection={<IconSend size={16} />}
            onClick={submit}
            disabled={!draft.trim() || s.models.length === 0}
          >
            Send
          </Button>
        )}
      </Group>
    </div>
  );
}

export function ChatPage() {
  const [mode, setMode] = useState<'chat' | 'compare'>('chat');
  const { loadModels, search, select, refreshCurrent, conversation, models } = useChat(
    useShallow((s) => ({
      loadModels: s.loadModels,
      search: s.search,
      select: s.select,
      refreshCurrent: s.refreshCurrent,
      conversation: s.conversation,
      models: s.models,
    })),
  );

  useEffect(() => {
    void loadModels();
    void search('').then(() => {
      const st = useChat.getState();
      const first = st.conversations[0];
      if (!st.currentId && first) void select(first.id);
    });
    const offs = [
      api.on('models.changed', () => void loadModels()),
      api.on('chat.hostChanged', (host) => useChat.setState({ host })),
      api.on('chat.changed', (e) => {
        const st = useChat.getState();
        if (st.streaming) return; // the stream itself refreshes when it ends
        if (e.conversationId === st.currentId) void (e.deleted ? select(null) : refreshCurrent());
        void search(st.query);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [loadModels, search, select, refreshCurrent]);

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
          models={models}
          systemPrompt={conversation?.systemPrompt ?? ''}
          sampling={conversation?.sampling ?? {}}
        />
      )}
    </>
  );
}
