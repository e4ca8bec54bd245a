import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Collapse,
  Group,
  Loader,
  Paper,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconBrandPython, IconCheck, IconRefresh, IconTool } from '@tabler/icons-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api, connection } from '../../api/connection';
import { JobActions } from '../../components/JobActions';
import { JobProgress } from '../../components/JobProgress';
import { useStore } from '../../store';
import { isActive } from '../../store/jobs-slice';

function latestSetup(jobs: Record<string, JobInfo>): JobInfo | undefined {
  let best: JobInfo | undefined;
  for (const j of Object.values(jobs))
    if (j.kind === 'python.setup' && (!best || j.createdAt > best.createdAt)) best = j;
  return best;
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500} component="div">
        {children}
      </Text>
    </div>
  );
}

/** Whether the trainer can run here, and the one-click way to make it so. */
export function PythonEnvCard() {
  const { status, checking, error, setup, hasNvidia } = useStore(
    useShallow((s) => ({
      status: s.pythonStatus,
      checking: s.pythonChecking,
      error: s.pythonError,
      setup: latestSetup(s.jobsById),
      hasNvidia: (s.hardware?.gpus ?? []).some((g) => g.vendor === 'NVIDIA'),
    })),
  );
  const load = useStore((s) => s.loadPythonStatus);
  const [existingOpen, setExistingOpen] = useState(false);
  const [existing, setExisting] = useState('');
  // Unset follows the hardware (the core installs the CUDA extras when the driver supports CUDA).
  const [cudaChoice, setCudaChoice] = useState<boolean | null>(null);
  const cuda = cudaChoice ?? hasNvidia;
  const [starting, setStarting] = useState(false);
  const running = setup !== undefined && isActive(setup);

  useEffect(() => {
    if (!status && !checking) void load();
    // Once per visit; python.changed keeps it current afterwards.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A failed setup emits no python.changed: ask again so the card shows what is there now.
  const setupState = setup?.state;
  useEffect(() => {
    if (setupState === 'failed' || setupState === 'cancelled') void load();
  }, [setupState, load]);

  const start = async (params: { existingPython?: string; cuda?: boolean }): Promise<void> => {
    setStarting(true);
    try {
      await api.call('python.setup', params);
      if (params.existingPython) setExistingOpen(false);
    } catch (err) {
      const e = err as AppError;
      notifications.show({
        color: 'red',
        title: 'Could not start the setup',
        message: [e.message, e.hint].filter(Boolean).join(' '),
      });
    } finally {
      setStarting(false);
    }
  };

  const env = status?.env;
  const ready = env?.ready === true;
  const badge = !status ? (
    <Badge color="gray" variant="light" radius="sm" leftSection={<Loader size={10} aria-hidden />}>
      Checking
    </Badge>
  ) : ready ? (
    <Badge color="teal" variant="light" radius="sm" leftSection={<IconCheck size={12} aria-hidden />}>
      Ready
    </Badge>
  ) : (
    <Badge color="yellow" variant="light" radius="sm" leftSection={<IconAlertTriangle size={12} aria-hidden />}>
      Not set up
    </Badge>
  );

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="pyenv-title">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md" mb="sm">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <IconBrandPython size={26} aria-hidden style={{ opacity: 0.7, marginTop: 2 }} />
          <div>
            <Group gap="xs">
              <Title order={2} size="h4" id="pyenv-title">
                Training environment
              </Title>
              <span
                role="status"
                aria-label={`Training environment: ${!status ? 'checking' : ready ? 'ready' : 'not set up'}`}
              >
                {badge}
              </span>
            </Group>
            <Text size="xs" c="dimmed">
              The trainer runs in Python with PyTorch, Transformers and PEFT, in an environment of its own.
            </Text>
          </div>
        </Group>
        <Group gap="xs">
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconRefresh size={14} aria-hidden />}
            onClick={() => void load()}
            loading={checking}
            aria-label="Check the training environment again"
          >
            Check again
          </Button>
          <Button variant="default" size="xs" onClick={() => setExistingOpen((o) => !o)} aria-expanded={existingOpen}>
            Use an existing environment…
          </Button>
        </Group>
      </Group>

      {error && !status && (
        <Alert color="red" variant="light" title="Could not check the environment" mb="sm">
          {error}
        </Alert>
      )}

      {env && ready && (
        <Group gap="xl" wrap="wrap">
          <Fact label="PyTorch">{env.torch ?? 'unknown'}</Fact>
          <Fact label="CUDA">{env.cuda ? 'Yes' : 'No (CPU training only)'}</Fact>
          <Fact label="Interpreter">
            <Code style={{ wordBreak: 'break-all' }}>{env.python}</Code>
          </Fact>
          <Fact label="Kind">{env.managed ? "LabForge's own" : 'Your environment'}</Fact>
        </Group>
      )}

      {status && !ready && (
        <>
          {env && !env.ready && (
            <Alert color="orange" variant="light" mb="sm" title="The environment is incomplete">
              <Code>{env.python}</Code> lacks some of the trainer&apos;s packages. Set it up again to repair it.
            </Alert>
          )}
          {status.system ? (
            <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
              <Text size="sm" maw={620}>
                Python {status.system.version} was found at <Code>{status.system.path}</Code>. LabForge can create its
                own environment there and install the pinned trainer packages (a few GB with the CUDA libraries).
              </Text>
              <Group gap="md">
                <Checkbox
                  label="Include the CUDA extras (QLoRA, DeepSpeed)"
                  checked={cuda}
                  onChange={(e) => setCudaChoice(e.currentTarget.checked)}
                  disabled={running}
                />
                <Button
                  leftSection={<IconTool size={16} aria-hidden />}
                  onClick={() => void start(cudaChoice === null ? {} : { cuda: cudaChoice })}
                  loading={starting}
                  disabled={running}
                >
                  Set up Python
                </Button>
              </Group>
            </Group>
          ) : (
            <Alert color="red" variant="light" title="Python is missing or too old">
              {status.problem ?? 'No Python 3.10 or newer was found.'} Then press “Check again”.
            </Alert>
          )}
        </>
      )}

      {setup && running && (
        <Group align="flex-start" gap="md" wrap="nowrap" mt="md">
          <div style={{ flex: 1, minWidth: 0 }}>
            <JobProgress job={setup} />
          </div>
          <JobActions job={setup} />
        </Group>
      )}
      {setup?.state === 'failed' && setup.error && (
        <Alert color="red" variant="light" mt="md" title={setup.error.message}>
          {setup.error.hint ?? 'See the Jobs page for the full log.'}
        </Alert>
      )}

      <Collapse expanded={existingOpen}>
        <Group align="flex-end" gap="sm" mt="md" wrap="nowrap">
          <TextInput
            label="Python interpreter of an existing environment"
            description="Its packages are checked (torch, transformers, peft, safetensors, sentencepiece) before it is used. For safety a window may name only an interpreter LabForge found or one chosen with “Choose…”; any other works from a terminal (--python)."
            placeholder="/home/me/venvs/train/bin/python"
            value={existing}
            onChange={(e) => setExisting(e.currentTarget.value)}
            style={{ flex: 1 }}
          />
          {connection.transport === 'ipc' && (
            <Button
              variant="default"
              onClick={() =>
                void api
                  .call('python.pick', {})
                  .then((r) => r.picked && setExisting(r.picked))
                  .catch((err: AppError) =>
                    notifications.show({ color: 'red', title: 'Not a Python interpreter', message: err.message }),
                  )
              }
            >
              Choose…
            </Button>
          )}
          <Button
            variant="light"
            onClick={() => void start({ existingPython: existing.trim() })}
            disabled={!existing.trim() || running}
            loading={starting}
          >
            Check and use
          </Button>
        </Group>
      </Collapse>
    </Paper>
  );
}
