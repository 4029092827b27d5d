/** A mistake in the user's configuration or command line: reported as one line, never a stack. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
