import { AppShell, Burger, Group, NavLink, ScrollArea, Text, ThemeIcon } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBinaryTree,
  IconBox,
  IconChartLine,
  IconDatabase,
  IconFlask,
  IconLayoutDashboard,
  IconListCheck,
  IconMessages,
  IconRoute,
} from '@tabler/icons-react';
import { useEffect, useRef, type ReactNode } from 'react';
import { ConnectionBadge } from './components/ConnectionBadge';
import { JobsDrawer } from './components/JobsDrawer';
import { JobsIndicator } from './components/JobsIndicator';
import { useJobNotifications } from './components/useJobNotifications';
import { ChatPage } from './features/chat/ChatPage';
import { DashboardPage } from './features/dashboard/DashboardPage';
import { DataPage } from './features/data/DataPage';
import { JobsPage } from './features/jobs/JobsPage';
import { ModelsPage } from './features/models/ModelsPage';
import { PipelinePage } from './features/pipeline/PipelinePage';
import { RunsPage } from './features/runs/RunsPage';
import { TaxonomyPage } from './features/taxonomy/TaxonomyPage';
import { hrefFor, usePage, type PageId } from './routes';
import classes from './App.module.css';

const nav: { id: PageId; label: string; icon: ReactNode; page: () => ReactNode }[] = [
  { id: 'dashboard', label: 'Dashboard', icon: <IconLayoutDashboard size={18} />, page: () => <DashboardPage /> },
  { id: 'models', label: 'Models', icon: <IconBox size={18} />, page: () => <ModelsPage /> },
  { id: 'taxonomy', label: 'Taxonomy', icon: <IconBinaryTree size={18} />, page: () => <TaxonomyPage /> },
  { id: 'data', label: 'Data', icon: <IconDatabase size={18} />, page: () => <DataPage /> },
  { id: 'pipeline', label: 'Pipeline', icon: <IconRoute size={18} />, page: () => <PipelinePage /> },
  { id: 'runs', label: 'Runs', icon: <IconChartLine size={18} />, page: () => <RunsPage /> },
  { id: 'chat', label: 'Chat', icon: <IconMessages size={18} />, page: () => <ChatPage /> },
  { id: 'jobs', label: 'Jobs', icon: <IconListCheck size={18} />, page: () => <JobsPage /> },
];

export function App() {
  const page = usePage();
  const [navOpened, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const [jobsOpened, { open: openJobs, close: closeJobs }] = useDisclosure(false);
  const mainRef = useRef<HTMLElement>(null);
  useJobNotifications();

  const current = nav.find((n) => n.id === page) ?? nav[0]!;
  useEffect(() => {
    document.title = `${current.label} · LabForge`;
  }, [current.label]);

  return (
    <>
      <a
        href="#main-content"
        className={classes.skipLink}
        onClick={(e) => {
          // The hash is our router, so move focus instead of navigating.
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <AppShell
        header={{ height: 60 }}
        navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !navOpened } }}
        padding="xl"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={navOpened} onClick={toggleNav} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
              <ThemeIcon
                variant="gradient"
                gradient={{ from: 'indigo', to: 'cyan', deg: 135 }}
                size={34}
                radius="md"
                aria-hidden
              >
                <IconFlask size={20} />
              </ThemeIcon>
              <Text fw={800} size="lg" style={{ letterSpacing: '-0.01em' }}>
                LabForge
              </Text>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <ConnectionBadge />
              <JobsIndicator onOpen={openJobs} />
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar p="sm" aria-label="Main navigation">
          <ScrollArea component="nav" style={{ flex: 1 }}>
            <ul className={classes.navList}>
              {nav.map((item) => (
                <li key={item.id}>
                  <NavLink
                    href={hrefFor(item.id)}
                    label={item.label}
                    leftSection={item.icon}
                    active={item.id === page}
                    aria-current={item.id === page ? 'page' : undefined}
                    onClick={closeNav}
                    variant="light"
                    className={classes.navLink}
                  />
                </li>
              ))}
            </ul>
          </ScrollArea>
          <Text size="xs" c="dimmed" px="sm" pt="sm">
            InstructLab LAB workflow, on your own hardware.
          </Text>
        </AppShell.Navbar>

        <AppShell.Main>
          <main id="main-content" ref={mainRef} tabIndex={-1} className={classes.main} aria-label={current.label}>
            {current.page()}
          </main>
        </AppShell.Main>
      </AppShell>
      <JobsDrawer opened={jobsOpened} onClose={closeJobs} />
    </>
  );
}
