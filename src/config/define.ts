import type { UserConfig } from './types.js';

/** Typed helper for tunicorn.config.ts: `export default defineConfig({ workers: 4 })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
