import { AppError } from '../../shared/errors.js';
import type { Handlers } from '../rpc/router.js';
import { findNativeDir, findTrainerPython } from '../training/native-paths.js';
import { createDiagnostics, type DiagnosticsSources } from './bundle.js';

export interface DiagnosticsDeps extends Omit<DiagnosticsSources, 'trainerPython'> {
  /** The interpreter the user adopted, if any (`PythonEnvService.configuredPython`). */
  configuredPython: () => string | null;
}

/** The `diagnostics.*` endpoints. */
export function diagnosticsHandlers(deps: DiagnosticsDeps): Pick<Handlers, 'diagnostics.create'> {
  const { configuredPython, ...sources } = deps;
  const trainerPython = (): string | null => {
    const configured = configuredPython();
    if (configured) return configured;
    try {
      return findTrainerPython({ dataDir: deps.dataDir, nativeDir: findNativeDir() });
    } catch {
      return null; // not set up: the bundle leaves the trainer's versions out
    }
  };
  return {
    'diagnostics.create': (p, ctx) => {
      // A browser may only write to the data folder's diagnostics/; naming a path is for the user at the machine.
      if (p.out !== undefined && ctx.transport === 'websocket') {
        throw new AppError('FORBIDDEN', 'The browser UI cannot choose where the diagnostics bundle is written.', {
          hint: 'Leave the path out (it goes to the data folder), or run `labforge diagnostics --out FILE` on the machine.',
        });
      }
      return createDiagnostics({ ...sources, trainerPython }, p.out);
    },
  };
}
