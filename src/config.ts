/** The one settings schema: environment variables over an optional JSON file, validated once and frozen. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { parseVerifierKey, SIG_TYPE } from './translog/note.ts'

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes')

const port = z.coerce.number().int().min(0).max(65535)

/** A C2SP tlog-witness: its submission prefix and its Ed25519 cosignature (type 0x04) verifier key. */
const witness = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    key: z.string().superRefine((key, ctx) => {
      try {
        if (parseVerifierKey(key).type !== SIG_TYPE.cosignatureV1)
          ctx.addIssue({
            code: 'custom',
            message: 'must be a cosignature verifier key (signature type 0x04), not a log key',
          })
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message })
      }
    }),
  })
  .strict()

/** A JSON array in the environment, an array in the settings file; witnesses named once each. */
const witnesses = z
  .union([z.string(), z.array(z.unknown())])
  .transform((v, ctx) => {
    if (typeof v !== 'string') return v
    try {
      return JSON.parse(v) as unknown
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `is not JSON (${(err as Error).message}); give an array of { "url", "key" }`,
      })
      return z.NEVER
    }
  })
  .pipe(z.array(witness).max(32))
  .superRefine((list, ctx) => {
    const names = list.map((w) => w.key.split('+')[0])
    for (const [i, name] of names.entries()) {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `names witness ${name} twice` })
    }
  })

/** Every setting, by its environment variable name. Secrets are listed in SECRET_KEYS and masked in summaries. */
export const ZSettings = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    EARLYWATCH_DATA_DIR: z.string().min(1).default('./.earlywatch'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    /** PostgreSQL schema for earlywatch's tables; tests use one schema per test. */
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,50}$/, 'must be a lower-case SQL identifier')
      .default('public'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Base URL people reach earlywatch at; https turns on Secure cookies and HSTS. */
    EARLYWATCH_PUBLIC_URL: z.url().optional(),
    /** 32-byte key-encryption key, base64. Required with DATABASE_URL; generated into the data dir otherwise. */
    EARLYWATCH_MASTER_KEY: z
      .string()
      .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
    /**
     * Key-encryption keys being rotated out, comma-separated base64: they still unwrap what they
     * wrapped until `earlywatch keys rewrap` has moved everything to EARLYWATCH_MASTER_KEY.
     */
    EARLYWATCH_PREVIOUS_MASTER_KEYS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      )
      .refine(
        (keys) => keys.every((k) => Buffer.from(k, 'base64').length === 32),
        'each key must be 32 bytes, base64-encoded, separated by commas',
      )
      .optional(),
    /** The transparency log's name in checkpoints; fixed once the log exists. Defaults to <public host>/log. */
    EARLYWATCH_LOG_ORIGIN: z
      .string()
      .regex(
        /^[a-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)*$/,
        'must look like example.org/log (host, optional port, path; no scheme)',
      )
      .optional(),
    EARLYWATCH_DEMO: bool.optional(),
    EARLYWATCH_TRUST_PROXY: bool.default(false),
    EARLYWATCH_BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(1024 * 1024),
    EARLYWATCH_SIGNIN_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
    EARLYWATCH_SESSION_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(12),
    EARLYWATCH_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
    /** Run a job worker inside `serve`. Defaults to on for the embedded database, off for PostgreSQL. */
    EARLYWATCH_WORKER_IN_PROCESS: bool.optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Model gateway: longest wait for the lab endpoint's headers, and between chunks of its answer. */
    EARLYWATCH_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
    /**
     * Model gateway: how old a cached grant status may be when a request uses it, ms; 0 re-reads
     * it on every request. Changes signalled by the partners service apply on the next request.
     */
    EARLYWATCH_GATEWAY_GRANT_CHECK_MS: z.coerce.number().int().min(0).max(60_000).default(500),
    /** Model gateway: largest request body a partner may send, bytes. */
    EARLYWATCH_GATEWAY_BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    /** Witnesses asked to cosign each new checkpoint (C2SP tlog-witness). */
    EARLYWATCH_WITNESSES: witnesses.optional(),
    /** The CVE ids the clearinghouse may assign, as the CNA that holds this block. */
    EARLYWATCH_CVE_BLOCK: z
      .string()
      .regex(
        /^CVE-(\d{4})-\d{4,}\.\.CVE-\1-\d{4,}$/,
        'must be a range of one year such as CVE-2026-50000..CVE-2026-50999',
      )
      .optional(),
    /** An armored OpenPGP private key (unprotected) that signs the published CSAF documents. */
    EARLYWATCH_CSAF_OPENPGP_KEY_FILE: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const oidc = [s.OIDC_ISSUER, s.OIDC_CLIENT_ID, s.OIDC_CLIENT_SECRET].filter(Boolean).length
    if (oidc !== 0 && oidc !== 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ISSUER'],
        message:
          'OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or none',
      })
    }
    if (s.DATABASE_URL && !s.EARLYWATCH_MASTER_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['EARLYWATCH_MASTER_KEY'],
        message:
          "is required with DATABASE_URL (every process must share it); create one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\"",
      })
    }
  })

const SECRET_KEYS = [
  'EARLYWATCH_MASTER_KEY',
  'EARLYWATCH_PREVIOUS_MASTER_KEYS',
  'OIDC_CLIENT_SECRET',
] as const
const URL_KEYS = ['DATABASE_URL', 'REDIS_URL'] as const

export interface Settings {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  readonly databaseSchema: string
  readonly databasePoolSize: number
  readonly embedded: boolean
  readonly publicUrl: string
  readonly secureCookies: boolean
  readonly masterKey: Buffer | undefined
  readonly previousMasterKeys: readonly Buffer[]
  readonly demo: boolean
  /** Explicit transparency-log origin, when set. */
  readonly logOrigin: string | undefined
  readonly trustProxy: boolean
  readonly bodyLimit: number
  readonly signinRateLimit: number
  readonly sessionHours: number
  readonly shutdownTimeoutMs: number
  readonly workerInProcess: boolean
  readonly logLevel: z.infer<typeof ZSettings>['LOG_LEVEL']
  readonly oidc: { issuer: string; clientId: string; clientSecret: string } | undefined
  readonly redisUrl: string | undefined
  readonly gatewayTimeoutMs: number
  readonly gatewayBodyLimit: number
  readonly gatewayGrantCheckMs: number
  /** Witnesses to cosign checkpoints: submission prefix (ending in `/`) and cosignature verifier key. */
  readonly witnesses: readonly { readonly url: string; readonly key: string }[]
  /** The raw validated values, for the start-up summary. */
  readonly raw: Readonly<z.infer<typeof ZSettings>>
}

export class SettingsError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(
      `earlywatch cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    )
    this.name = 'SettingsError'
    this.problems = problems
  }
}

const KNOWN = new Set(Object.keys(ZSettings.shape))

/**
 * Reads settings from `env` (only the keys the schema knows) over the JSON file named by
 * `EARLYWATCH_CONFIG`, validates them, derives flags and freezes the result.
 *
 * @example
 * const settings = loadSettings(process.env)
 */
export function loadSettings(
  env: Record<string, string | undefined>,
  overrides: Record<string, unknown> = {},
): Settings {
  let fromFile: Record<string, unknown> = {}
  const file = env.EARLYWATCH_CONFIG
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw new SettingsError([
        `EARLYWATCH_CONFIG: cannot read ${file} as JSON (${(err as Error).message})`,
      ])
    }
    const unknown = Object.keys(fromFile).filter((k) => !KNOWN.has(k))
    if (unknown.length) {
      throw new SettingsError(
        unknown.map((k) => `${k} (in ${file}): unknown setting; see docs/settings.md`),
      )
    }
  }
  const fromEnv: Record<string, unknown> = {}
  for (const key of KNOWN) {
    const v = env[key]
    if (v !== undefined && v !== '') fromEnv[key] = v
  }
  const parsed = ZSettings.safeParse({ ...fromFile, ...fromEnv, ...overrides })
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`),
    )
  }
  const s = parsed.data
  const embedded = !s.DATABASE_URL
  const publicUrl = (s.EARLYWATCH_PUBLIC_URL ?? `http://localhost:${s.PORT}`).replace(/\/$/, '')
  const settings: Settings = {
    port: s.PORT,
    host: s.HOST,
    dataDir: path.resolve(s.EARLYWATCH_DATA_DIR),
    databaseUrl: s.DATABASE_URL,
    databaseSchema: s.DATABASE_SCHEMA,
    databasePoolSize: s.DATABASE_POOL_SIZE,
    embedded,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    masterKey: s.EARLYWATCH_MASTER_KEY ? Buffer.from(s.EARLYWATCH_MASTER_KEY, 'base64') : undefined,
    previousMasterKeys: (s.EARLYWATCH_PREVIOUS_MASTER_KEYS ?? []).map((k) =>
      Buffer.from(k, 'base64'),
    ),
    demo: s.EARLYWATCH_DEMO ?? embedded,
    logOrigin: s.EARLYWATCH_LOG_ORIGIN,
    trustProxy: s.EARLYWATCH_TRUST_PROXY,
    bodyLimit: s.EARLYWATCH_BODY_LIMIT,
    signinRateLimit: s.EARLYWATCH_SIGNIN_RATE_LIMIT,
    sessionHours: s.EARLYWATCH_SESSION_HOURS,
    shutdownTimeoutMs: s.EARLYWATCH_SHUTDOWN_TIMEOUT_MS,
    workerInProcess: s.EARLYWATCH_WORKER_IN_PROCESS ?? embedded,
    logLevel: s.LOG_LEVEL,
    oidc:
      s.OIDC_ISSUER && s.OIDC_CLIENT_ID && s.OIDC_CLIENT_SECRET
        ? { issuer: s.OIDC_ISSUER, clientId: s.OIDC_CLIENT_ID, clientSecret: s.OIDC_CLIENT_SECRET }
        : undefined,
    redisUrl: s.REDIS_URL,
    gatewayTimeoutMs: s.EARLYWATCH_GATEWAY_TIMEOUT_MS,
    gatewayBodyLimit: s.EARLYWATCH_GATEWAY_BODY_LIMIT,
    gatewayGrantCheckMs: s.EARLYWATCH_GATEWAY_GRANT_CHECK_MS,
    witnesses: Object.freeze(
      (s.EARLYWATCH_WITNESSES ?? []).map((w) =>
        Object.freeze({ url: w.url.endsWith('/') ? w.url : `${w.url}/`, key: w.key.trim() }),
      ),
    ),
    raw: Object.freeze({ ...s }),
  }
  return Object.freeze(settings)
}

/** The effective settings, secrets masked and passwords removed from URLs, for the start-up log line. */
export function settingsSummary(settings: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(settings.raw)) {
    if (v === undefined) continue
    if ((SECRET_KEYS as readonly string[]).includes(k)) out[k] = '********'
    else if ((URL_KEYS as readonly string[]).includes(k)) out[k] = maskUrl(String(v))
    else out[k] = v
  }
  out.database = settings.embedded ? `embedded PGlite in ${settings.dataDir}` : 'PostgreSQL'
  out.workerInProcess = settings.workerInProcess
  out.demo = settings.demo
  out.oidc = settings.oidc ? 'enabled' : 'disabled'
  return out
}

function maskUrl(u: string): string {
  try {
    const url = new URL(u)
    if (url.password) url.password = '********'
    return url.toString()
  } catch {
    return '********'
  }
}
