import { InvalidArgumentError } from 'commander';
import { CliError, EXIT } from './cli-error.ts';

/** Commander parser for a TCP port option. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return port;
}

/** Parser for a positive whole-number argument (a cycle number, a count). */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new CliError(`"${value}" is not a positive whole number`, EXIT.usage);
  }
  return number;
}
