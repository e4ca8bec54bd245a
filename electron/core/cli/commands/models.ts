import type { Command } from '../command.js';
import { withCore } from '../with-core.js';

const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;

export const modelsCommand: Command = {
  name: 'models',
  summary: 'The model library: list, import a GGUF file, remove',
  usage: 'labforge models [list] | models import FILE.gguf [--name NAME] [--copy] | models remove ID  [--json]',
  options: { name: { type: 'string' }, copy: { type: 'boolean', default: false } },
  run: (args, io) =>
    withCore(args, async (core) => {
      const lib = core.models;
      const [sub = 'list', arg] = args.positionals;
      if (sub === 'list') {
        const models = lib.list();
        if (args.values.json) io.out(JSON.stringify(models));
        else if (models.length === 0) io.out('No models yet. Import a GGUF file with `labforge models import FILE`.');
        else
          for (const m of models)
            io.out(`${m.id}  ${m.name.padEnd(24)}  ${m.format.padEnd(11)}  ${mb(m.sizeBytes).padStart(9)}  ${m.path}`);
        return 0;
      }
      if (sub === 'import' && arg) {
        const m = await lib.importGguf({
          path: arg,
          name: typeof args.values.name === 'string' ? args.values.name : undefined,
          copy: Boolean(args.values.copy),
        });
        io.out(
          args.values.json
            ? JSON.stringify(m)
            : `Imported ${m.name} (${m.id}): ${m.gguf?.architecture ?? '?'}, context ${m.gguf?.contextLength ?? '?'}`,
        );
        return 0;
      }
      if (sub === 'remove' && arg) {
        await lib.remove(lib.get(arg).id);
        if (!args.values.json) io.out(`Removed ${arg}.`);
        return 0;
      }
      io.err(`Usage: ${modelsCommand.usage}`);
      return 2;
    }),
};
