import { InvalidArgumentError } from 'commander';

/** Commander parser for a TCP port option. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return port;
}
