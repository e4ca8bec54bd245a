import { Badge, Group, NavLink, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconBook, IconFile, IconFolder, IconPuzzle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { TreeEntryInfo } from '../../../../electron/shared/contract';

interface Props {
  entries: TreeEntryInfo[];
  selected: string | null;
  /** Leaves the training diff selects. */
  changed: Set<string>;
  onSelect(path: string): void;
}

const name = (p: string): string => p.split('/').pop() ?? p;

/** The taxonomy folders as a tree; a leaf opens its qna.yaml, its other files sit below it. */
export function TaxonomyTree({ entries, selected, changed, onSelect }: Props) {
  const children = (parent: string): TreeEntryInfo[] =>
    entries.filter((e) => e.path.startsWith(`${parent}/`) && !e.path.slice(parent.length + 1).includes('/'));

  const render = (e: TreeEntryInfo): ReactNode => {
    const qna = `${e.path}/qna.yaml`;
    const warn = e.problem ? (
      <Tooltip label={e.problem}>
        <IconAlertTriangle size={14} color="var(--mantine-color-orange-6)" aria-label={e.problem} />
      </Tooltip>
    ) : null;
    if (e.type === 'leaf') {
      return (
        <NavLink
          key={e.path}
          label={
            <Group gap={6} wrap="nowrap">
              <span>{name(e.path)}</span>
              {warn}
              {changed.has(qna) && (
                <Badge size="xs" variant="light" color="teal">
                  changed
                </Badge>
              )}
            </Group>
          }
          aria-label={`${e.leafId} qna.yaml`}
          leftSection={e.kind === 'knowledge' ? <IconBook size={16} /> : <IconPuzzle size={16} />}
          active={selected === qna}
          onClick={() => onSelect(qna)}
          childrenOffset={20}
          defaultOpened
        >
          {e.files
            .filter((f) => /\.(txt|md|ya?ml)$/i.test(f))
            .map((f) => (
              <NavLink
                key={f}
                label={<Text size="xs">{f}</Text>}
                leftSection={<IconFile size={14} />}
                active={selected === `${e.path}/${f}`}
                onClick={() => onSelect(`${e.path}/${f}`)}
                py={2}
              />
            ))}
        </NavLink>
      );
    }
    const kids = children(e.path);
    return (
      <NavLink
        key={e.path}
        label={
          <Group gap={6} wrap="nowrap">
            <span>{name(e.path)}</span>
            {warn}
          </Group>
        }
        leftSection={<IconFolder size={16} />}
        defaultOpened
        childrenOffset={14}
      >
        {kids.length ? (
          kids.map(render)
        ) : (
          <Text size="xs" c="dimmed" px="sm" py={4}>
            empty
          </Text>
        )}
      </NavLink>
    );
  };

  const tops = entries.filter((e) => !e.path.includes('/'));
  return <nav aria-label="Taxonomy tree">{tops.map(render)}</nav>;
}
