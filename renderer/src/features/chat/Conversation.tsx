import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Menu,
  ScrollArea,
  Select,
  Stack,
  Text,
  Textarea,
  Tooltip,
} from '@mantine/core';
import {
  IconAdjustments,
  IconAlertCircle,
  IconCpu,
  IconDownload,
  IconFileImport,
  IconPlayerStopFilled,
  IconSend,
} from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../../api/connection';
import { useStore } from '../../store';
import { selectGgufModels } from '../../store/chat-slice';
import { branchOf, siblingsOf } from './branch';
import classes from './Chat.module.css';
import { ConversationSummary } from './ConversationSummary';
import { ImportModal } from './ImportModal';
import { LoadSettingsDrawer } from './LoadSettingsDrawer';
import { MessageView } from './MessageView';
import { SettingsDrawer } from './SettingsDrawer';

/** The open conversation: model picker, settings, export, the messages (with branches) and the composer. */
export function Conversation() {
  const picked = useStore(
    useShallow((st) => ({
      conversation: st.conversation,
      messages: st.chatMessages,
      streaming: st.chatStreaming,
      error: st.chatError,
      send: st.sendMessage,
      stop: st.stopAnswer,
      regenerate: st.regenerateMessage,
      update: st.updateConversation,
      setError: st.setChatError,
    })),
  );
  const models = useStore(useShallow(selectGgufModels));
  const s = { ...picked, models };
  const [draft, setDraft] = useState('');
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [loadOpen, setLoadOpen] = useState(false);
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
  const model = s.models.find((m) => m.id === s.conversation?.modelId) ?? null;

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
          <Tooltip label="Context length, GPU layers, threads… for this model">
            <Button
              variant="default"
              leftSection={<IconCpu size={16} />}
              onClick={() => setLoadOpen(true)}
              disabled={!model}
            >
              Load settings
            </Button>
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
      {s.conversation && <ConversationSummary conversation={s.conversation} onOpen={() => setSettingsOpen(true)} />}
      <ImportModal opened={importOpen} onClose={() => setImportOpen(false)} />
      {model && <LoadSettingsDrawer model={model} opened={loadOpen} onClose={() => setLoadOpen(false)} />}
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
