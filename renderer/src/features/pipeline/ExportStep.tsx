import { Stack, Text } from '@mantine/core';
import type { PipelineRecord } from '../../../../electron/shared/contract';
import { formatMb } from '../../components/format';

const formatBytes = (b: number): string =>
  b < 1024 * 1024 ? `${Math.max(1, Math.round(b / 1024))} KB` : formatMb(b / 1024 / 1024);
import { useStore } from '../../store';
import { StageError, StepIntro, estimateOf } from './StepIntro';
import type { CheckState } from './usePipelineCheck';

const WHAT =
  'Converts the chosen checkpoint to a GGUF (and the base too, for side-by-side chat) and adds both to the library.';

export function ExportStep({ record, check }: { record: PipelineRecord | null; check: CheckState }) {
  const stage = record?.stages.find((s) => s.name === 'export') ?? null;
  const tuned = useStore((s) => (record?.modelId ? s.modelsById[record.modelId] : undefined));
  const quant = record?.params.export?.quant ?? 'q8_0';
  return (
    <Stack gap="sm">
      <StepIntro
        what={WHAT}
        estimate={stage ? (stage.state === 'done' ? null : stage.estimate) : estimateOf(check.check, 'export')}
        stage={stage}
      />
      {stage && <StageError stage={stage} />}
      {record?.gguf ? (
        <>
          <Text size="sm">
            GGUF ({quant}): <b style={{ wordBreak: 'break-all' }}>{record.gguf}</b>
          </Text>
          {tuned && <Text size="sm">Size {formatBytes(tuned.sizeBytes)}</Text>}
          <Text size="sm">
            Lineage: base {tuned?.lineage.base ?? record.params.student}, taxonomy commit{' '}
            <b>{(tuned?.lineage.taxonomyCommit ?? record.taxonomyCommit)?.slice(0, 10) ?? 'none'}</b>
          </Text>
          {record.baseGguf && (
            <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
              Base GGUF: {record.baseGguf}
            </Text>
          )}
        </>
      ) : (
        <Text size="sm" c="dimmed">
          The GGUF appears here once it is exported.
        </Text>
      )}
    </Stack>
  );
}
