import { ConfigError } from '@protomesh/runtime';

/**
 * A listen failure that only other settings can mend, as the ConfigError
 * naming the setting (one line, exit 2); any other failure as it came.
 */
export function listenError(err: unknown, host: string, port: number): unknown {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return new ConfigError('HOST', 'an address of this machine, or a name that resolves to one', host, {
        cause: err,
      });
    case 'EADDRINUSE':
      return new ConfigError('PORT', 'a port no other process listens on', String(port), { cause: err });
    case 'EACCES':
      return new ConfigError('PORT', 'a port this user may listen on (1024 and up without privileges)', String(port), {
        cause: err,
      });
    default:
      return err;
  }
}
