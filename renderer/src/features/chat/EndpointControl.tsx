import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  NumberInput,
  Popover,
  PasswordInput,
  Stack,
  Text,
} from '@mantine/core';
import { IconPlugConnected } from '@tabler/icons-react';
import { useState } from 'react';
import type { EndpointStatus } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { useStore } from '../../store';
import { messageOf } from '../../components/message-of';

/** Start and stop the OpenAI-compatible endpoint (what `labforge serve-model` runs). */
export function EndpointControl() {
  const status = useStore((s) => s.endpointStatus);
  const setStatus = useStore((s) => s.applyEndpointChanged);
  const [port, setPort] = useState<number | string>(8000);
  const [key, setKey] = useState('');
  const [noAuth, setNoAuth] = useState(false);
  /** The generated key, shown once (the start that created it returns it; nothing else does). */
  const [issued, setIssued] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (fn: () => Promise<EndpointStatus>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const s = await fn();
      if (s.issuedKey) setIssued(s.issuedKey);
      setStatus(s);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Popover width={340} position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <Button
          variant="default"
          leftSection={<IconPlugConnected size={16} />}
          rightSection={
            status?.running ? (
              <Badge size="xs" color="teal">
                on
              </Badge>
            ) : null
          }
        >
          OpenAI endpoint
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        {status?.running ? (
          <Stack gap="xs">
            <Text size="sm">
              Serving the library&apos;s models at <Code>{status.url}</Code>
              {status.apiKeyRequired ? ' (API key required)' : ''}.
            </Text>
            {issued && (
              <Alert color="yellow" variant="light" title="Your API key (shown once)">
                <Group gap="xs" wrap="nowrap">
                  <Code style={{ wordBreak: 'break-all' }}>{issued}</Code>
                  <CopyButton value={issued}>
                    {({ copied, copy }) => (
                      <Button size="xs" variant="default" onClick={copy}>
                        {copied ? 'Copied' : 'Copy'}
                      </Button>
                    )}
                  </CopyButton>
                </Group>
                <Text size="xs" mt={4}>
                  Kept in {status.apiKeyFile}.
                </Text>
              </Alert>
            )}
            {!issued && status.apiKeyFile && (
              <Text size="xs" c="dimmed">
                Key: the one kept in <Code>{status.apiKeyFile}</Code>.
              </Text>
            )}
            <Text size="xs" c="dimmed">
              {status.requests} requests so far. Only this computer can reach it.
            </Text>
            <Button
              color="red"
              variant="light"
              loading={busy}
              onClick={() => void act(() => api.call('endpoint.stop', {}))}
            >
              Stop endpoint
            </Button>
          </Stack>
        ) : (
          <Stack gap="xs">
            <Text size="sm">An OpenAI-compatible API on 127.0.0.1 for other tools (like `ilab model serve`).</Text>
            <Group grow>
              <NumberInput label="Port" min={1} max={65535} value={port} onChange={setPort} />
              <PasswordInput
                label="API key"
                placeholder="generated if empty"
                value={key}
                disabled={noAuth}
                onChange={(e) => setKey(e.currentTarget.value)}
              />
            </Group>
            <Checkbox
              label="No API key (any program on this computer may use it)"
              checked={noAuth}
              onChange={(e) => setNoAuth(e.currentTarget.checked)}
            />
            {error && (
              <Text size="xs" c="red">
                {error}
              </Text>
            )}
            <Button
              loading={busy}
              onClick={() =>
                void act(() =>
                  api.call('endpoint.start', {
                    port: Number(port),
                    apiKey: noAuth ? undefined : key || undefined,
                    auth: noAuth ? 'none' : 'key',
                  }),
                )
              }
            >
              Start endpoint
            </Button>
          </Stack>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
