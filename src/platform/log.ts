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

/** Query parameters that carry one-time secrets (sign-in links, OIDC codes) are never logged. */
const SECRET_PARAMS = /([?&](?:token|code|state|id_token|access_token)=)[^&#]*/gi

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]')
}

interface LoggableRequest {
  method?: string
  url?: string
  hostname?: string
  ip?: string
  id?: string
}

function serializeRequest(req: LoggableRequest) {
  return {
    method: req.method,
    url: req.url ? redactUrl(req.url) : undefined,
    host: req.hostname,
    remoteAddress: req.ip,
  }
}

export function createLogger(
  level: LoggerOptions['level'],
  destination?: pino.DestinationStream,
): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: 'earlywatch' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err, req: serializeRequest },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  return destination ? pino(opts, destination) : pino(opts)
}

export type { Logger }
