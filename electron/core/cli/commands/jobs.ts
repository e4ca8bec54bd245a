import type { Command } from '../command.js';
import { withClient } from '../with-core.js';

const when = (t: number | null): string =>
  t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19);

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List jobs, or show the log of one (`labforge jobs log ID`)',
  usage: 'labforge jobs [list [--limit N]] | jobs log ID  [--data-dir DIR] [--json]',
  options: { limit: { type: 'string' } },
  run: (args, io) =>
    withClient(args, async (api) => {
      const [sub = 'list', id] = args.positionals;
      if (sub === 'list') {
        const jobs = await api.call('jobs.list', { limit: Number(args.values.limit ?? 50) || 50 });
        if (args.values.json) io.out(JSON.stringify(jobs));
        else if (jobs.length === 0) io.out('No jobs yet.');
        else
          for (const j of jobs)
            io.out(
              `${j.id}  ${j.state.padEnd(11)}  ${when(j.createdAt)}  ${j.title}${j.error ? `  (${j.error.message})` : ''}`,
            );
        return 0;
      }
      if (sub === 'log' && id) {
        const lines = await api.call('jobs.log', { id });
        if (args.values.json) io.out(JSON.stringify(lines));
        else for (const l of lines) io.out(`${when(l.time)} ${l.level.toUpperCase().padEnd(5)} ${l.message}`);
        return 0;
      }
      io.err(`Usage: ${jobsCommand.usage}`);
      return 2;
    }),
};
