/**
 * Structured logs (pino). Secrets never reach a log: nothing logs request bodies, cookies
 * or headers, and the redaction below is a second line of defence for fields that must
 * never appear even if someone logs an object carelessly.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACTED_PATHS = [
  'password',
  '*.password',
  'handoff',
  '*.handoff',
  'fields.password',
  'req.headers.cookie',
  'headers.cookie',
  'cookie',
  'secret',
  'secretKeys',
  'sessionId',
];

/** Creates the process logger. `destination` defaults to stdout. */
export function createLogger(
  options: { level?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    { level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    options.destination,
  );
}
