import { Badge } from '@mantine/core';
import { useStore } from '../store';

const look = {
  open: { color: 'teal', label: 'Connected' },
  connecting: { color: 'yellow', label: 'Connecting…' },
  closed: { color: 'red', label: 'Disconnected' },
} as const;

export function ConnectionBadge() {
  const state = useStore((s) => s.connection);
  const { color, label } = look[state];
  return (
    <Badge
      color={color}
      variant="dot"
      size="lg"
      radius="sm"
      role="status"
      aria-live="polite"
      aria-label={`Connection: ${label}`}
    >
      {label}
    </Badge>
  );
}
