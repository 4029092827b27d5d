/** The package's API for config files: `import { defineConfig } from 'tunicorn'`. */
export { defineConfig } from './config/define.js';
export type { Config, UserConfig, ServerInfo, WorkerInfo, WorkerSelf, Hooks, HookLogger } from './config/types.js';
