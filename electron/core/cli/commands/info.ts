import type { Command } from '../command.js';
import { withCore } from '../with-core.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show the version, data folder and database of this installation',
  usage: 'labforge info [--data-dir DIR] [--json]',
  options: {},
  run: (args, io) =>
    withCore(args, async (core) => {
      const info = core.info('memory');
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
