/** Hooks are functions, so a worker reads them from the config file itself. */
import { loadConfigFile } from './file-loader.js';
import { SETTINGS } from './settings.js';
import type { Config } from './types.js';

export const HOOK_NAMES = SETTINGS.filter((s) => s.section === 'Server hooks').map((s) => s.name);

export async function attachHooks(config: Config, configFile: string | null): Promise<Config> {
  const withHooks = { ...config } as Record<string, unknown>;
  for (const name of HOOK_NAMES) withHooks[name] = null;
  if (configFile && !configFile.endsWith('.py') && !configFile.endsWith('.json')) {
    const file = await loadConfigFile(configFile);
    for (const name of HOOK_NAMES) if (file.values.has(name)) withHooks[name] = file.values.get(name);
  }
  return withHooks as unknown as Config;
}
