import {
  Accordion,
  Alert,
  Badge,
  Button,
  Code,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertTriangle, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import type { JobInfo, RpcResult, SdgFlowInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import type { Finding } from '../../../../electron/shared/taxonomy';
import { api } from '../../api/connection';

type Preflight = RpcResult<'sdg.preflight'>;

/** Start generation from the open taxonomy: teacher and judge (URL or model), pipeline, scale; the flows it will run. */
export function GenerateForm({ onStarted }: { onStarted: (job: JobInfo) => void }) {
  const [teacher, setTeacher] = useState('');
  const [teacherModel, setTeacherModel] = useState('');
  const [judge, setJudge] = useState('');
  const [judgeModel, setJudgeModel] = useState('');
  const [base, setBase] = useState('');
  const [pipeline, setPipeline] = useState<'simple' | 'full'>('full');
  const [scale, setScale] = useState<number>(30);
  const [flows, setFlows] = useState<SdgFlowInfo[]>([]);
  const [pre, setPre] = useState<Preflight | null>(null);
  const [preError, setPreError] = useState<AppError | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .call('sdg.flows', {})
      .then(setFlows)
      .catch(() => setFlows([]));
  }, []);

  useEffect(() => {
    const t = setTimeout(() => {
      if (!teacher.trim()) {
        setPre(null);
        return;
      }
      api
        .call('sdg.preflight', {
          teacher: teacher.trim(),
          teacherModel: teacherModel.trim() || undefined,
          pipeline,
          base: base.trim() || undefined,
        })
        .then((p) => {
          setPre(p);
          setPreError(null);
        })
        .catch((err: AppError) => {
          setPre(null);
          setPreError(err);
        });
    }, 300);
    return () => clearTimeout(t);
  }, [teacher, teacherModel, pipeline, base]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const job = await api.call('sdg.start', {
        teacher: teacher.trim(),
        teacherModel: teacherModel.trim() || undefined,
        judge: judge.trim() || undefined,
        judgeModel: judgeModel.trim() || undefined,
        base: base.trim() || undefined,
        pipeline,
        scale,
      });
      onStarted(job);
    } catch (err) {
      setError(err as AppError);
    } finally {
      setBusy(false);
    }
  };

  const used = new Set(pre?.leaves.map((l) => l.flow));
  const shownFlows = flows.filter((f) => f.pipeline === pipeline && (used.size === 0 || used.has(f.file)));
  const findings = (preError?.details as { findings?: Finding[] } | undefined)?.findings;

  return (
    <Paper withBorder radius="md" p="lg" component="form" onSubmit={(e) => void submit(e)} aria-label="Generate data">
      <Title order={2} size="h4" mb="sm">
        Generate training data from the taxonomy
      </Title>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <TextInput
            label="Teacher"
            description="An http(s):// OpenAI-compatible endpoint, a library model or a GGUF path"
            placeholder="http://127.0.0.1:8000/v1"
            value={teacher}
            onChange={(e) => setTeacher(e.currentTarget.value)}
            required
          />
          <TextInput
            label="Teacher model name"
            description="The served model at the endpoint (default: the first it lists)"
            value={teacherModel}
            onChange={(e) => setTeacherModel(e.currentTarget.value)}
          />
          <TextInput
            label="Judge"
            description="For the filter steps (default: the teacher)"
            value={judge}
            onChange={(e) => setJudge(e.currentTarget.value)}
          />
          <TextInput
            label="Judge model name"
            description="The judge endpoint's served model"
            value={judgeModel}
            onChange={(e) => setJudgeModel(e.currentTarget.value)}
          />
          <TextInput
            label="Taxonomy base"
            description='Which leaves: those changed since this ref ("empty" = every leaf)'
            placeholder="origin/main"
            value={base}
            onChange={(e) => setBase(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Group align="flex-end">
          <div>
            <Text size="sm" fw={500} mb={4}>
              Pipeline
            </Text>
            <SegmentedControl
              aria-label="Pipeline"
              value={pipeline}
              onChange={(v) => setPipeline(v as 'simple' | 'full')}
              data={[
                { value: 'simple', label: 'Simple' },
                { value: 'full', label: 'Full' },
              ]}
            />
          </div>
          <NumberInput
            label="Scale"
            description="Replies per input (simple)"
            min={1}
            max={1000}
            value={scale}
            onChange={(v) => setScale(Number(v) || 1)}
            w={180}
          />
          <Button
            type="submit"
            leftSection={<IconPlayerPlay size={16} />}
            loading={busy}
            disabled={!teacher.trim() || !!findings}
          >
            Generate
          </Button>
        </Group>
        {pre?.warnings.map((w) => (
          <Alert
            key={w}
            color="yellow"
            icon={<IconAlertTriangle size={16} />}
            title="Teacher too small for the full pipeline"
          >
            <Text size="sm">{w}</Text>
            {pipeline === 'full' && (
              <Button size="xs" mt="xs" variant="light" onClick={() => setPipeline('simple')}>
                Use simple
              </Button>
            )}
          </Alert>
        ))}
        {preError && (
          <Alert color="red" title={preError.message}>
            {findings ? (
              <Stack gap={2}>
                {findings.slice(0, 8).map((f, i) => (
                  <Code key={i} block>
                    {f.file}:{f.line}:{f.column} {f.message}
                  </Code>
                ))}
              </Stack>
            ) : (
              preError.hint
            )}
          </Alert>
        )}
        {error && (
          <Alert color="red" title={error.message}>
            {error.hint}
          </Alert>
        )}
        {pre && (
          <Table aria-label="Selected leaves" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Leaf (base {pre.base})</Table.Th>
                <Table.Th>Flow</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pre.leaves.map((l) => (
                <Table.Tr key={l.leaf}>
                  <Table.Td>{l.leaf}</Table.Td>
                  <Table.Td>
                    <Badge variant="light">{l.flow}</Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Accordion variant="separated" aria-label="Flows">
          {shownFlows.map((f) => (
            <Accordion.Item key={f.file} value={f.file}>
              <Accordion.Control>
                <Text size="sm" fw={500}>
                  Flow {f.file}
                </Text>
                <Text size="xs" c="dimmed">
                  {f.blocks.map((b) => b.name).join(' → ')}
                </Text>
              </Accordion.Control>
              <Accordion.Panel>
                <Text size="sm" mb="xs">
                  {f.description}
                </Text>
                <Code block mah={360} style={{ overflow: 'auto' }}>
                  {f.text}
                </Code>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      </Stack>
    </Paper>
  );
}
