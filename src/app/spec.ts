/**
 * App specs, as Gunicorn's `module:variable` with Node paths:
 *   app.ts            the module's default export
 *   app.ts:handler    a named export
 *   app:createApp()   a factory, called with no arguments
 *   app:createApp({"debug": true}, 3)   a factory with literal (JSON) arguments
 * The module part is a file path (extension optional) or a package name.
 */
import { ConfigError } from '../config/errors.js';

export interface AppSpec {
  module: string;
  /** The export to use; 'default' when none is named. */
  exportName: string;
  /** Factory arguments when the spec calls the export, else null. */
  callArgs: unknown[] | null;
  text: string;
}

export function parseAppSpec(text: string): AppSpec {
  const trimmed = text.trim();
  if (!trimmed) throw new ConfigError('The app spec is empty; give one like app.ts or app.js:handler.');
  // The last colon that is not part of a Windows drive or the arguments separates module and export.
  const paren = trimmed.indexOf('(');
  const head = paren === -1 ? trimmed : trimmed.slice(0, paren);
  const colon = head.lastIndexOf(':');
  const module = colon === -1 ? head : head.slice(0, colon);
  const exportPart = colon === -1 ? (paren === -1 ? '' : 'default') : trimmed.slice(colon + 1);
  if (!module) throw new ConfigError(`Invalid app spec "${text}": the module part is missing; use MODULE:EXPORT, e.g. app.ts:handler.`);
  if (!exportPart) return { module, exportName: 'default', callArgs: null, text };
  const call = /^([A-Za-z_$][\w$]*)\s*(?:\((.*)\))?\s*$/s.exec(exportPart);
  if (!call) {
    throw new ConfigError(`Invalid app spec "${text}": "${exportPart}" is not an export name or a call like createApp(); use MODULE:EXPORT or MODULE:FACTORY(ARGS).`);
  }
  const [, exportName, argText] = call;
  if (argText === undefined) return { module, exportName: exportName!, callArgs: null, text };
  let callArgs: unknown[];
  try {
    callArgs = argText.trim() === '' ? [] : (JSON.parse(`[${argText}]`) as unknown[]);
  } catch {
    throw new ConfigError(`Invalid app spec "${text}": the arguments of ${exportName}(...) must be literals (JSON: strings in double quotes, numbers, true/false/null, arrays, objects).`);
  }
  return { module, exportName: exportName!, callArgs, text };
}
