import type { Command } from '../command.js';
import { withClient } from '../with-core.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show the version, data folder and database of this installation',
  usage: 'labforge info [--data-dir DIR] [--json]',
  options: {},
  run: (args, io) =>
    withClient(args, async (api) => {
      const info = await api.call('app.info', {});
      if (args.values.json) io.out(JSON.stringify(info));
      else {
        io.out(`LabForge ${info.version}`);
        io.out(`Data folder: ${info.dataDir}`);
        io.out(`Database schema: ${info.databaseVersion}`);
        io.out(`Platform: ${info.platform}, Node ${info.nodeVersion}`);
      }
      return 0;
    }),
};
