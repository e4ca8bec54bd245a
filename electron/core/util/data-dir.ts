import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'LabForge';

/**
 * The folder Electron uses as `userData` for this app, so the desktop app, `labforge serve`
 * and the CLI share one data dir by default. LABFORGE_DATA_DIR overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LABFORGE_DATA_DIR) return path.resolve(env.LABFORGE_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}
