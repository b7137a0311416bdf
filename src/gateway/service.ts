/**
 * The model gateway's use cases: admit a partner's request by its virtual key (cached grant,
 * fresh status, window, scope, limits), forward it to the lab's endpoint with the lab's
 * credential, stream the answer through, meter its tokens, and log it. Also the usage figures
 * the partners pages chart.
 *
 * Hot path, per request: hash the key → grant from the in-memory cache → one status check
 * shared with every request that arrived meanwhile (see StatusChecks) → limiter (memory or one
 * Redis script) → undici request on a kept-alive connection. The request log is written in
 * batches, off the hot path.
 */
import { PassThrough, type Readable } from 'node:stream'
import { Agent, errors as undiciErrors } from 'undici'
import type { Principal } from '../accounts/model.ts'
import type { Clock } from '../platform/clock.ts'
import type { Queryable } from '../platform/db/db.ts'
import { invalid } from '../platform/errors.ts'
import type { Logger } from '../platform/log.ts'
import { BudgetUnknown, type Limiter } from './limits.ts'
import {
  admit,
  type CredentialSource,
  completionText,
  ENDPOINT_PROTOCOL,
  errorBody,
  errorEvent,
  estimateTokens,
  type GatewayEndpoint,
  type GatewayGrant,
  type GrantSource,
  type GrantState,
  hashVirtualKey,
  type Protocol,
  promptText,
  REFUSALS,
  type Refusal,
  refuse,
  SseMeter,
  type Usage,
  usageOf,
  VIRTUAL_KEY_PREFIX,
} from './model.ts'
import { createRequestLog } from './request-log.ts'
import * as store from './store.ts'
import { exchange, type UpstreamAnswer } from './upstream.ts'

/** One partner request, as the HTTP edge hands it over. */
export interface GatewayCall {
  endpoint: GatewayEndpoint
  /** The virtual key as sent (`Authorization: Bearer …` or `x-api-key`), if any. */
  key: string | undefined
  /** The raw request body; undefined for GET. */
  body: Buffer | undefined
  /** Anthropic's version and beta headers, forwarded as the client sent them. */
  anthropicVersion?: string | undefined
  anthropicBeta?: string | undefined
  requestId: string
  /** Aborted when the client goes away; the upstream request is cancelled with it. */
  signal: AbortSignal
}

/** What to send back: a complete body, or a stream that ends when the upstream's does (or is cut). */
export interface GatewayAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer | Readable
}

export interface UsageQuery {
  from?: Date | undefined
  to?: Date | undefined
  bucket?: store.Bucket | undefined
}

export interface GrantUsage {
  grantId: string
  bucket: store.Bucket
  from: Date
  to: Date
  series: store.UsagePoint[]
  totals: store.UsageTotals & { tokenBudget: number; budgetLeft: number }
  recent: store.LoggedRequest[]
}

export interface GatewayService {
  handle(call: GatewayCall): Promise<GatewayAnswer>
  /** An error answer for a request the HTTP edge refused before the service saw it (body too large, bad JSON framing). */
  refuseEarly(
    endpoint: GatewayEndpoint,
    refusal: Refusal,
    requestId: string,
    latencyMs: number,
  ): GatewayAnswer
  /** Usage of one grant over time: the lab of its model, the program, and its partner may read it. */
  usage(actor: Principal, grantId: string, query?: UsageQuery): Promise<GrantUsage>
  /**
   * A grant changed (revoked, paused, limits tightened): the next request for it, in this
   * process and (through the signals) in every other, re-reads it. The partners service calls
   * this after committing the change.
   */
  grantChanged(grantId: string): Promise<void>
  /** Writes buffered request-log rows now (tests, shutdown). */
  flush(): Promise<void>
  /** How many streams are open right now (tests, metrics). */
  openStreams(): number
  close(): Promise<void>
}

export interface GatewayDeps {
  db: Queryable
  clock: Clock
  log: Logger
  grants: GrantSource
  credentials: CredentialSource
  /** The grant's start and budget, if `actor` may see it (its partner, the lab of its model, the program); throws not-found otherwise. */
  visibleGrant(
    actor: Principal,
    grantId: string,
  ): Promise<{ windowStart: Date; tokenBudget: number }>
  limiter: Limiter
  /** Longest wait for the upstream's headers, and for each next chunk of its body. */
  upstreamTimeoutMs: number
  /**
   * How old a cached grant's status may be when a request uses it; 0 re-reads it for every
   * request (one coalesced query per round trip). A grant changed through `grantChanged` is
   * re-read by the next request whatever this says.
   */
  grantCheckMs?: number
  /** How often the shared timer re-reads cached grants' statuses and re-checks open streams. */
  pollMs?: number
  /** Tells the other gateway processes that a grant changed, and hears theirs (Redis pub/sub). */
  signals?: GrantSignals
  /** How often buffered request-log rows are written (default 100 ms). */
  flushMs?: number
}

interface CachedGrant {
  grant: GatewayGrant
  upstreamUrl: Record<'chat.completions' | 'messages', URL>
  lastUsed: number
}

/** Cached grants unused this long stop being polled and are dropped. */
const IDLE_EVICT_MS = 10 * 60_000

/**
 * Status checks, coalesced. A check always starts after the request that asked for it
 * arrived, so a grant revoked (committed) before that is seen revoked. Requests arriving while
 * a check runs share the next one, so under load there is one query per round trip, not per
 * request. Resolves with the statuses and the time the query started.
 */
function statusChecks(source: Pick<GrantSource, 'statuses'>) {
  interface Batch {
    ids: Set<string>
    promise: Promise<{ states: Map<string, GrantState>; startedAt: number }>
    resolve: (r: { states: Map<string, GrantState>; startedAt: number }) => void
    reject: (e: unknown) => void
  }
  let running = false
  let next: Batch | null = null
  const start = () => {
    const batch = next!
    next = null
    running = true
    const startedAt = performance.now()
    source
      .statuses([...batch.ids])
      .then((states) => batch.resolve({ states, startedAt }), batch.reject)
      .finally(() => {
        running = false
        if (next) start()
      })
  }
  return (grantIds: Iterable<string>) => {
    if (!next) {
      const b = { ids: new Set<string>() } as Batch
      b.promise = new Promise((resolve, reject) => {
        b.resolve = resolve
        b.reject = reject
      })
      next = b
    }
    for (const id of grantIds) next.ids.add(id)
    const { promise } = next
    if (!running) start()
    return promise
  }
}

/** Grant-change signals between gateway processes. */
export interface GrantSignals {
  publish(grantId: string): Promise<void>
  subscribe(onChange: (grantId: string) => void): Promise<void>
  close(): Promise<void>
}

interface OpenStream {
  grantId: string
  cut(refusal: Refusal): void
  windowEnd: number
}

export function createGatewayService(deps: GatewayDeps): GatewayService {
  const { db, clock, log, grants, credentials, limiter } = deps
  const cache = new Map<string, CachedGrant>()
  const secrets = new Map<string, Promise<string>>()
  const readStatuses = statusChecks(grants)
  const grantCheckMs = deps.grantCheckMs ?? 500
  /** What each grant's status was when a check that started at `checkedAt` read it. */
  const known = new Map<string, { state: GrantState | undefined; checkedAt: number }>()
  /** Grants changed (as signalled) at this time: re-read by the next request. */
  const changed = new Map<string, number>()
  const checkStatus = async (grantIds: string[]) => {
    const { states, startedAt } = await readStatuses(grantIds)
    for (const id of grantIds) {
      known.set(id, { state: states.get(id), checkedAt: startedAt })
      if ((changed.get(id) ?? Number.POSITIVE_INFINITY) < startedAt) changed.delete(id)
    }
    return states
  }
  /** The grant's status, re-read unless a recent enough read exists and no change was signalled since. */
  const statusOf = async (grantId: string): Promise<GrantState | undefined> => {
    const k = known.get(grantId)
    if (
      grantCheckMs > 0 &&
      k &&
      !changed.has(grantId) &&
      performance.now() - k.checkedAt <= grantCheckMs
    )
      return k.state
    return (await checkStatus([grantId])).get(grantId)
  }
  const markChanged = (grantId: string) => {
    changed.set(grantId, performance.now())
    // Open streams on a changed grant are checked now, not at the next tick.
    if ([...streams].some((s) => s.grantId === grantId)) void poll()
  }
  // Subscribed on the first request, so processes that never serve the gateway (workers, the
  // CLI, the demo's back-dated services) hold no Redis connection.
  let subscribed = false
  const subscribe = () => {
    subscribed = true
    void deps.signals
      ?.subscribe(markChanged)
      .catch((err) =>
        log.error({ err }, 'gateway: cannot subscribe to grant-change signals; relying on polling'),
      )
  }
  const streams = new Set<OpenStream>()
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    headersTimeout: deps.upstreamTimeoutMs,
    bodyTimeout: deps.upstreamTimeoutMs,
    connect: { timeout: Math.min(deps.upstreamTimeoutMs, 10_000) },
  })

  // -- the request log, written in batches off the hot path ------------------------------------
  const requestLog = createRequestLog({
    write: (batch) => store.insert(db, batch),
    log,
    ...(deps.flushMs ? { flushMs: deps.flushMs } : {}),
  })
  const record = requestLog.record
  const flush = requestLog.flush

  // -- one shared timer re-reads cached grants and re-checks open streams -----------------------
  let polling = false
  const poll = async () => {
    if (polling) return
    const now = performance.now()
    for (const [hash, e] of cache) if (now - e.lastUsed > IDLE_EVICT_MS) cache.delete(hash)
    const ids = new Set<string>([...streams].map((s) => s.grantId))
    if (grantCheckMs > 0) for (const e of cache.values()) ids.add(e.grant.grantId)
    if (ids.size === 0) return
    polling = true
    try {
      const states = await checkStatus([...ids])
      const nowMs = clock.now().getTime()
      for (const s of [...streams]) {
        const state = states.get(s.grantId)
        if (state?.status !== 'active')
          s.cut(
            refuse(
              state?.status === 'paused' ? 'forbidden' : 'unauthenticated',
              `grant_${state?.status ?? 'revoked'}`,
              `Grant ${s.grantId} was ${state?.status ?? 'revoked'} while this stream was open; the stream is cut.`,
            ),
          )
        else if (nowMs >= s.windowEnd)
          s.cut(
            refuse(
              'forbidden',
              'grant_expired',
              `Grant ${s.grantId} ended while this stream was open.`,
            ),
          )
      }
    } catch (err) {
      log.error({ err }, 'gateway: grant status poll failed')
    } finally {
      polling = false
    }
  }
  const pollTimer = setInterval(poll, deps.pollMs ?? 250)
  pollTimer.unref()

  // -- grants ----------------------------------------------------------------------------------
  const seedBudget = async (grantId: string) => {
    await limiter.seedBudget(
      grantId,
      (await store.tokensUsed(db, grantId)) + requestLog.pendingTokens(grantId),
    )
  }

  const load = async (keyHash: string): Promise<CachedGrant | null> => {
    const loadStarted = performance.now()
    const grant = await grants.byKeyHash(keyHash)
    if (!grant) {
      cache.delete(keyHash)
      return null
    }
    const base = grant.upstream.baseUrl.replace(/\/+$/, '')
    const entry: CachedGrant = {
      grant,
      lastUsed: performance.now(),
      upstreamUrl: {
        'chat.completions': new URL(`${base}/chat/completions`),
        messages: new URL(`${base}/messages`),
      },
    }
    if (limiter.kind === 'memory' && !(await limiter.budgetKnown(grant.grantId)))
      await seedBudget(grant.grantId)
    secrets.delete(grant.submissionId)
    cache.set(keyHash, entry)
    // Loaded just now: as fresh as a status check that started when the load did.
    const signalled = changed.get(grant.grantId)
    if (signalled === undefined || signalled < loadStarted) {
      changed.delete(grant.grantId)
      known.set(grant.grantId, {
        state: { status: grant.status, version: grant.version },
        checkedAt: loadStarted,
      })
    }
    return entry
  }

  /** The grant behind a key, with its status as of after this request arrived. */
  const authenticate = async (key: string | undefined): Promise<CachedGrant | Refusal> => {
    if (!key)
      return refuse(
        'unauthenticated',
        'missing_key',
        'No virtual key: send it as `Authorization: Bearer ew_vk_…` (OpenAI) or `x-api-key: ew_vk_…` (Anthropic).',
      )
    if (!key.startsWith(VIRTUAL_KEY_PREFIX) || key.length > 200)
      return refuse(
        'unauthenticated',
        'invalid_key',
        `This is not a gateway key; gateway keys start with ${VIRTUAL_KEY_PREFIX} and are shown once when a grant is issued.`,
      )
    const keyHash = hashVirtualKey(key)
    let entry = cache.get(keyHash) ?? null
    if (entry) {
      entry.lastUsed = performance.now()
      const state = await statusOf(entry.grant.grantId)
      if (!state) {
        cache.delete(keyHash)
        entry = null
      } else if (state.version !== entry.grant.version) {
        entry = await load(keyHash)
      } else if (state.status !== entry.grant.status) {
        entry = { ...entry, grant: { ...entry.grant, status: state.status } }
        cache.set(keyHash, entry)
      }
    } else {
      entry = await load(keyHash)
    }
    if (!entry)
      return refuse(
        'unauthenticated',
        'invalid_key',
        'This key is unknown: it was never issued, or its grant was deleted.',
      )
    return entry
  }

  const credentialFor = (submissionId: string): Promise<string> => {
    let p = secrets.get(submissionId)
    if (!p) {
      p = credentials.credential(submissionId)
      secrets.set(submissionId, p)
      p.catch(() => secrets.delete(submissionId))
    }
    return p
  }

  const takeLimits = async (grant: GatewayGrant, nowMs: number) => {
    try {
      return await limiter.take(grant, nowMs)
    } catch (err) {
      if (!(err instanceof BudgetUnknown)) throw err
      await seedBudget(grant.grantId)
      return limiter.take(grant, nowMs)
    }
  }

  // -- answers ---------------------------------------------------------------------------------
  const jsonAnswer = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): GatewayAnswer => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  })

  const refusalAnswer = (protocol: Protocol, r: Refusal): GatewayAnswer => {
    const headers: Record<string, string> = {}
    if (r.retryAfterSeconds !== undefined) headers['retry-after'] = String(r.retryAfterSeconds)
    // A spent budget does not come back by retrying: tell the SDKs not to.
    if (
      r.code === 'budget_exhausted' ||
      REFUSALS[r.kind].status === 403 ||
      REFUSALS[r.kind].status === 401
    )
      headers['x-should-retry'] = 'false'
    return jsonAnswer(REFUSALS[r.kind].status, errorBody(protocol, r), headers)
  }

  interface Ctx {
    call: GatewayCall
    protocol: Protocol
    started: number
    grant: GatewayGrant | null
    model: string | null
    streamed: boolean
  }

  const logRow = (
    ctx: Ctx,
    status: number,
    errorCode: string | null,
    usage: Usage | null,
    ttfbMs: number | null,
    prompt?: unknown,
    completion?: unknown,
  ) => {
    const keep = ctx.grant?.keepContent === true
    record({
      at: new Date(ctx.started),
      grantId: ctx.grant?.grantId ?? null,
      partnerOrgId: ctx.grant?.partnerOrgId ?? null,
      submissionId: ctx.grant?.submissionId ?? null,
      endpoint: ctx.call.endpoint,
      model: ctx.model,
      streamed: ctx.streamed,
      status,
      errorCode,
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
      tokensEstimated: usage?.estimated ?? false,
      latencyMs: Math.max(0, Math.round(clock.now().getTime() - ctx.started)),
      ttfbMs,
      requestId: ctx.call.requestId,
      prompt: keep ? (prompt ?? null) : null,
      completion: keep ? (completion ?? null) : null,
    })
  }

  const refused = (ctx: Ctx, r: Refusal): GatewayAnswer => {
    logRow(ctx, REFUSALS[r.kind].status, r.code, null, null)
    return refusalAnswer(ctx.protocol, r)
  }

  const meter = async (grant: GatewayGrant, usage: Usage) => {
    try {
      await limiter.record(
        grant.grantId,
        usage.inputTokens + usage.outputTokens,
        clock.now().getTime(),
      )
    } catch (err) {
      log.error({ err, grantId: grant.grantId }, 'gateway: could not add tokens to the limiter')
    }
  }

  const upstreamFailure = (err: unknown): Refusal => {
    const code = (err as { code?: string }).code
    if (
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    )
      return refuse(
        'upstream_timeout',
        'upstream_timeout',
        `The model's endpoint did not answer within ${deps.upstreamTimeoutMs} ms.`,
      )
    return refuse(
      'upstream_error',
      'upstream_unreachable',
      `The model's endpoint could not be reached (${code ?? (err as Error).name ?? 'network error'}).`,
    )
  }

  /** Turns an upstream error response into the client's answer, without revealing anything of the lab's. */
  const upstreamError = async (
    ctx: Ctx,
    status: number,
    headers: Record<string, unknown>,
    body: Buffer,
  ) => {
    if (status === 401 || status === 403) {
      return refused(
        ctx,
        refuse(
          'upstream_error',
          'upstream_auth',
          `The model's endpoint refused the gateway (HTTP ${status}); the lab must update the endpoint credential.`,
        ),
      )
    }
    if (status >= 500) {
      return refused(
        ctx,
        refuse(
          'upstream_error',
          'upstream_error',
          `The model's endpoint failed with HTTP ${status}.`,
        ),
      )
    }
    // 4xx other than auth: the upstream speaks the same protocol, so its error is the client's to read.
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      parsed = errorBody(
        ctx.protocol,
        refuse(
          'invalid_request',
          'upstream_rejected',
          `The model's endpoint rejected the request (HTTP ${status}).`,
        ),
      )
    }
    logRow(ctx, status, 'upstream_rejected', null, null)
    const out: Record<string, string> = {}
    const retry = headers['retry-after']
    if (status === 429 && typeof retry === 'string') out['retry-after'] = retry
    return jsonAnswer(status, parsed, out)
  }

  const models = (ctx: Ctx, grant: GatewayGrant): GatewayAnswer => {
    logRow(ctx, 200, null, null, null)
    return jsonAnswer(200, {
      object: 'list',
      data: [
        {
          id: grant.upstream.modelId,
          object: 'model',
          created: Math.floor(grant.windowStart.getTime() / 1000),
          owned_by: 'earlywatch-gateway',
        },
      ],
    })
  }

  return {
    async handle(call) {
      if (!subscribed) subscribe()
      const protocol = ENDPOINT_PROTOCOL[call.endpoint]
      const ctx: Ctx = {
        call,
        protocol,
        started: clock.now().getTime(),
        grant: null,
        model: null,
        streamed: false,
      }
      let auth: CachedGrant | Refusal
      try {
        auth = await authenticate(call.key)
      } catch (err) {
        log.error({ err }, 'gateway: grant lookup failed')
        return refused(
          ctx,
          refuse(
            'internal',
            'grant_lookup_failed',
            'The gateway could not check this key; try again shortly.',
          ),
        )
      }
      if ('kind' in auth) return refused(ctx, auth)
      const { grant } = auth
      ctx.grant = grant

      let body: Record<string, unknown> | undefined
      if (call.endpoint !== 'models') {
        if (!call.body || call.body.length === 0)
          return refused(
            ctx,
            refuse(
              'invalid_request',
              'invalid_json',
              'The request body is empty; send a JSON object.',
            ),
          )
        try {
          body = JSON.parse(call.body.toString('utf8'))
        } catch (err) {
          return refused(
            ctx,
            refuse(
              'invalid_request',
              'invalid_json',
              `The request body is not valid JSON: ${(err as Error).message}`,
            ),
          )
        }
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return refused(
            ctx,
            refuse('invalid_request', 'invalid_json', 'The request body must be a JSON object.'),
          )
        if (typeof body.model !== 'string' || body.model.length === 0)
          return refused(
            ctx,
            refuse(
              'invalid_request',
              'missing_model',
              'The request body needs a "model" (a string).',
            ),
          )
        ctx.model = body.model.slice(0, 200)
        if (body.stream !== undefined && typeof body.stream !== 'boolean')
          return refused(
            ctx,
            refuse('invalid_request', 'invalid_stream', '"stream" must be true or false.'),
          )
        ctx.streamed = body.stream === true
      }

      const nowMs = clock.now().getTime()
      const refusal = admit(grant, call.endpoint, body ? ctx.model! : undefined, new Date(nowMs))
      if (refusal) return refused(ctx, refusal)
      const limit = await takeLimits(grant, nowMs).catch((err) => {
        log.error({ err }, 'gateway: limiter unavailable')
        return null
      })
      if (!limit)
        return refused(
          ctx,
          refuse(
            'internal',
            'limiter_unavailable',
            'The gateway cannot check rate limits right now; try again shortly.',
          ),
        )
      if (!limit.ok) {
        const seconds = Math.max(1, Math.ceil(limit.retryAfterMs / 1000))
        if (limit.reason === 'budget')
          return refused(
            ctx,
            refuse(
              'budget_exhausted',
              'budget_exhausted',
              `Grant ${grant.grantId} has used its whole budget of ${grant.limits.tokenBudget} tokens.`,
            ),
          )
        return refused(
          ctx,
          refuse(
            'rate_limited',
            limit.reason === 'requests' ? 'requests_per_minute' : 'tokens_per_minute',
            limit.reason === 'requests'
              ? `Grant ${grant.grantId} allows ${grant.limits.requestsPerMinute} requests per minute; retry in ${seconds} s.`
              : `Grant ${grant.grantId} allows ${grant.limits.tokensPerMinute} tokens per minute; retry in ${seconds} s.`,
            seconds,
          ),
        )
      }
      if (call.endpoint === 'models') return models(ctx, grant)

      let credential: string
      try {
        credential = await credentialFor(grant.submissionId)
      } catch {
        return refused(
          ctx,
          refuse(
            'forbidden',
            'credential_unavailable',
            "The lab's endpoint credential for this model is no longer held (the lab withdrew it).",
          ),
        )
      }

      // OpenAI streams carry usage only when asked for; the gateway always asks, to meter.
      let payload: Buffer = call.body!
      if (ctx.streamed && protocol === 'openai') {
        const opts = body!.stream_options as Record<string, unknown> | undefined
        if (opts?.include_usage !== true) {
          body!.stream_options = { ...(opts ?? {}), include_usage: true }
          payload = Buffer.from(JSON.stringify(body))
        }
      }
      const url = auth.upstreamUrl[call.endpoint as 'chat.completions' | 'messages']
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: ctx.streamed ? 'text/event-stream' : 'application/json',
      }
      if (protocol === 'openai') headers.authorization = `Bearer ${credential}`
      else {
        headers['x-api-key'] = credential
        headers['anthropic-version'] = call.anthropicVersion ?? '2023-06-01'
        if (call.anthropicBeta) headers['anthropic-beta'] = call.anthropicBeta
      }

      // A client that goes away aborts the upstream request (through its signal); a cut stream
      // destroys the upstream body, which aborts it too.
      let res: UpstreamAnswer
      try {
        res = await exchange(agent, {
          origin: url.origin,
          path: url.pathname + url.search,
          headers,
          body: payload,
          signal: call.signal,
          // Only an answer to a stream request that is a stream goes on as one; anything else
          // (an error, a JSON answer where a stream was asked for) is read whole and metered.
          streams: (status, type) =>
            ctx.streamed && status < 400 && type.includes('text/event-stream'),
        })
      } catch (err) {
        if (call.signal.aborted) {
          logRow(ctx, 499, 'client_closed', null, null)
          return jsonAnswer(
            499,
            errorBody(
              protocol,
              refuse('invalid_request', 'client_closed', 'The client went away.'),
            ),
          )
        }
        return refused(ctx, upstreamFailure(err))
      }
      const ttfb = clock.now().getTime() - ctx.started
      const promptEstimate = () => estimateTokens(promptText(body!))
      const type = res.headers['content-type']
      const contentType = typeof type === 'string' ? type : ''

      if (res.kind === 'complete') {
        // A complete body: meter it, send it on as received.
        const raw = res.body
        if (res.status >= 400) return upstreamError(ctx, res.status, res.headers, raw)
        let parsed: unknown
        try {
          parsed = JSON.parse(raw.toString('utf8'))
        } catch {
          return refused(
            ctx,
            refuse(
              'upstream_error',
              'upstream_invalid',
              "The model's endpoint answered with something that is not JSON.",
            ),
          )
        }
        const usage = usageOf(protocol, parsed) ?? {
          inputTokens: promptEstimate(),
          outputTokens: estimateTokens(completionText(protocol, parsed)),
          estimated: true,
        }
        await meter(grant, usage)
        logRow(ctx, res.status, null, usage, ttfb, body, parsed)
        return {
          status: res.status,
          headers: { 'content-type': contentType || 'application/json' },
          body: raw,
        }
      }

      // A stream: each chunk goes to the client as it arrives, read on the way by the meter.
      const sse = new SseMeter(protocol, grant.keepContent)
      const out = new PassThrough()
      const upstream = res.body
      let ended = false
      let errorCode: string | null = null
      let status = 200
      const finish = () => {
        if (ended) return
        ended = true
        streams.delete(open)
        sse.end()
        const usage = sse.usage(promptEstimate)
        void meter(grant, usage)
        logRow(ctx, status, errorCode, usage, ttfb, body, grant.keepContent ? sse.events : null)
      }
      const open: OpenStream = {
        grantId: grant.grantId,
        windowEnd: grant.windowEnd.getTime(),
        cut(r) {
          if (ended) return
          errorCode = r.code
          status = REFUSALS[r.kind].status
          upstream.destroy()
          out.end(errorEvent(protocol, r))
          finish()
        },
      }
      streams.add(open)
      upstream.on('data', (chunk: Buffer) => {
        sse.push(chunk)
        if (!out.write(chunk)) upstream.pause()
      })
      out.on('drain', () => upstream.resume())
      upstream.on('end', () => {
        out.end()
        finish()
      })
      upstream.on('error', (err) => {
        if (ended) return
        if (call.signal.aborted) {
          errorCode = 'client_closed'
          status = 499
          out.destroy()
          finish()
          return
        }
        const r = upstreamFailure(err)
        errorCode = r.code
        status = REFUSALS[r.kind].status
        out.end(errorEvent(protocol, r))
        finish()
      })
      out.on('close', () => {
        // The client left mid-stream: stop reading from the upstream too.
        if (!ended) {
          errorCode = 'client_closed'
          status = 499
          upstream.destroy()
          finish()
        }
      })
      return {
        status: 200,
        headers: {
          'content-type': contentType,
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        },
        body: out,
      }
    },

    refuseEarly(endpoint, refusal, requestId, latencyMs) {
      const protocol = ENDPOINT_PROTOCOL[endpoint]
      const ctx: Ctx = {
        call: { endpoint, key: undefined, body: undefined, requestId, signal: AbortSignal.abort() },
        protocol,
        started: clock.now().getTime() - latencyMs,
        grant: null,
        model: null,
        streamed: false,
      }
      return refused(ctx, refusal)
    },

    async usage(actor, grantId, query = {}) {
      const grant = await deps.visibleGrant(actor, grantId)
      await flush()
      const to = query.to ?? clock.now()
      const from = query.from ?? grant.windowStart
      if (from.getTime() >= to.getTime()) throw invalid('query.from', 'must be before `to`')
      const span = to.getTime() - from.getTime()
      const bucket =
        query.bucket ??
        (span <= 6 * 3_600_000 ? 'minute' : span <= 14 * 86_400_000 ? 'hour' : 'day')
      const [series, totals, recent] = await Promise.all([
        store.series(db, grantId, from, to, bucket),
        store.totals(db, grantId),
        store.recent(db, grantId, 50),
      ])
      const used = totals.inputTokens + totals.outputTokens
      return {
        grantId,
        bucket,
        from,
        to,
        series,
        totals: {
          ...totals,
          tokenBudget: grant.tokenBudget,
          budgetLeft: Math.max(0, grant.tokenBudget - used),
        },
        recent,
      }
    },

    async grantChanged(grantId) {
      markChanged(grantId)
      await deps.signals
        ?.publish(grantId)
        .catch((err) =>
          log.error(
            { err, grantId },
            'gateway: could not signal a grant change to other processes',
          ),
        )
    },

    flush,
    openStreams: () => streams.size,

    async close() {
      clearInterval(pollTimer)
      await deps.signals?.close()
      for (const s of [...streams])
        s.cut(
          refuse(
            'upstream_error',
            'gateway_shutdown',
            'The gateway is shutting down; retry the request.',
          ),
        )
      await requestLog.close()
      await agent.close().catch(() => undefined)
      await limiter.close()
    },
  }
}
