/** user/group: workers drop privileges after the master has bound the sockets. */
import { ConfigError } from '../config/errors.js';

export function switchUser(user: string | null, group: string | null): void {
  if (!process.setuid || !process.setgid) throw new ConfigError('user/group are not supported on this platform.');
  try {
    if (group) process.setgid(/^\d+$/.test(group) ? Number(group) : group);
    if (user) {
      process.setuid(/^\d+$/.test(user) ? Number(user) : user);
    }
  } catch (err) {
    throw new ConfigError(`Cannot switch to user ${user ?? '-'} / group ${group ?? '-'}: ${(err as Error).message}; run the master as root or drop the user/group settings.`);
  }
}
