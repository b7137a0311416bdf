/** The one pino logger. Children carry reqId or jobId; redaction keeps credentials and controlled content out. */
import { type Logger, type LoggerOptions, pino } from 'pino'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.credential',
  '*.apiKey',
  '*.secret',
  '*.masterKey',
  'credential',
  'password',
  'token',
]

export function createLogger(
  level: LoggerOptions['level'],
  destination?: pino.DestinationStream,
): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: 'earlywatch' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  return destination ? pino(opts, destination) : pino(opts)
}

export type { Logger }
