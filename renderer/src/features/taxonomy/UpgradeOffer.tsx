import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { IconArrowBigUpLines, IconCircleCheck } from '@tabler/icons-react';
import { useState } from 'react';
import type { FindingInfo } from '../../../../electron/shared/contract';
import { canUpgrade, CURRENT_VERSION, upgradeQna } from '../../../../electron/shared/taxonomy';

/**
 * Offers to bring a qna.yaml written for an older schema version to version 3: ilab still reads
 * old skills (a warning) but refuses old knowledge (an error). The upgrade edits the open text; the
 * author reviews it and saves.
 */
export function UpgradeOffer({
  path,
  text,
  version,
  findings,
  onUpgrade,
}: {
  path: string;
  text: string;
  version: number | null;
  findings: FindingInfo[];
  onUpgrade(text: string): void;
}) {
  const [done, setDone] = useState<{ path: string; changes: string[] } | null>(null);
  if (done && done.path === path)
    return done.changes.length > 0 ? (
      <Alert color="teal" icon={<IconCircleCheck size={16} />} py={6} withCloseButton onClose={() => setDone(null)}>
        Upgraded to version {CURRENT_VERSION}: {done.changes.join(', ')}. Not saved yet: review the problems below, then
        save.
      </Alert>
    ) : (
      <Alert color="red" py={6} withCloseButton onClose={() => setDone(null)} role="alert">
        Could not upgrade: the YAML has syntax errors. Fix them first.
      </Alert>
    );
  if (!canUpgrade({ version })) return null;
  const note = findings.find((f) => f.rule === 'schema.old-version' || f.rule === 'schema.version');
  const refused = note?.severity === 'error';
  return (
    <section aria-label="Schema upgrade">
      <Alert
        color={refused ? 'red' : 'yellow'}
        icon={<IconArrowBigUpLines size={16} />}
        py={8}
        title={
          refused ? `ilab refuses version ${version} knowledge` : `Written for an older schema (version ${version})`
        }
      >
        <Stack gap={6}>
          {note && <Text size="sm">{note.message}</Text>}
          <Group>
            <Button
              size="xs"
              variant="light"
              color={refused ? 'red' : 'yellow'}
              onClick={() => {
                const r = upgradeQna(text, path);
                setDone({ path, changes: r.changes });
                onUpgrade(r.text);
              }}
            >
              Upgrade to version {CURRENT_VERSION}
            </Button>
          </Group>
        </Stack>
      </Alert>
    </section>
  );
}
