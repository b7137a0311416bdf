/**
 * Test support for the gateway: an in-memory grant source, and small mock upstreams that speak
 * OpenAI Chat Completions and Anthropic Messages (plain, streamed, tool calls, failures), each
 * counting the requests that reached it.
 *
 * The mock answers by the last user message's first word: `#tool` (a tool call), `#slow` (a
 * stream that never ends, one chunk every 50 ms), `#nousage` (no usage reported), `#fail`
 * (HTTP 500), `#hang` (never answers); anything else gets a short answer.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Principal } from '../accounts/model.ts'
import type { Services } from '../app.ts'
import type { GatewayEndpoint, GrantSource } from './model.ts'
import {
  type GatewayGrant,
  type GrantState,
  type GrantStatus,
  hashVirtualKey,
  type Protocol,
  VIRTUAL_KEY_PREFIX,
} from './model.ts'

export interface MemoryGrants extends GrantSource {
  /** Adds a grant and returns its virtual key (a new random one unless given). */
  issue(grant: GatewayGrant, key?: string): string
  setStatus(grantId: string, status: GrantStatus): void
  update(grantId: string, patch: Partial<GatewayGrant>): void
  /** How many times the grant itself was loaded (by key hash). */
  loads: number
  /** Called after each change, as the partners service tells the gateway (`grantChanged`). */
  onChange: ((grantId: string) => void) | undefined
}

/** A person acting for an organisation, as the accounts test fixtures make them. */
type Member = { principal: Principal; org: { id: string } }

/**
 * A real grant through the partners service: the partner registered and vetted, a selection
 * proposed by the lab and approved by the program (both keys), the grant issued by the program.
 */
export async function seedGrant(
  services: Pick<Services, 'partners'>,
  o: {
    officer: Member
    lab: Member
    partner: Member
    submissionId: string
    windowStart: Date
    windowEnd: Date
    endpoints: GatewayEndpoint[]
    limits: GatewayGrant['limits']
    keepContent?: boolean
  },
) {
  const { partners } = services
  await partners.registerPartner(o.officer.principal, {
    orgId: o.partner.org.id,
    sector: 'security_research',
    description: 'A security firm testing the model through the gateway',
  })
  await partners.recordVetting(o.officer.principal, o.partner.org.id, {
    status: 'vetted',
    notes: 'references checked',
  })
  const proposed = await partners.propose(o.lab.principal, {
    submissionId: o.submissionId,
    partnerOrgId: o.partner.org.id,
    rationale: 'They find vulnerabilities for a living',
  })
  await partners.approve(o.officer.principal, proposed.id)
  return partners.issueGrant(o.officer.principal, {
    selectionId: proposed.id,
    windowStart: o.windowStart,
    windowEnd: o.windowEnd,
    endpoints: o.endpoints,
    limits: o.limits,
    keepContent: o.keepContent ?? false,
  })
}

/** Grants kept in a Map: what the partners capability provides, without its tables (processes with no shared database). */
export function memoryGrants(): MemoryGrants {
  const byHash = new Map<string, GatewayGrant>()
  const byId = new Map<string, GatewayGrant>()
  const source: MemoryGrants = {
    loads: 0,
    onChange: undefined,
    issue(grant, given) {
      const key = given ?? `${VIRTUAL_KEY_PREFIX}${randomBytes(24).toString('base64url')}`
      byHash.set(hashVirtualKey(key), grant)
      byId.set(grant.grantId, grant)
      return key
    },
    setStatus(grantId, status) {
      source.update(grantId, { status })
    },
    update(grantId, patch) {
      const g = byId.get(grantId)
      if (!g) throw new Error(`no grant ${grantId}`)
      Object.assign(g, patch, { version: g.version + 1 })
      source.onChange?.(grantId)
    },
    async byKeyHash(hash) {
      source.loads++
      const g = byHash.get(hash)
      return g ? structuredClone(g) : null
    },
    async statuses(ids) {
      const out = new Map<string, GrantState>()
      for (const id of ids) {
        const g = byId.get(id)
        if (g) out.set(id, { status: g.status, version: g.version })
      }
      return out
    },
  }
  return source
}

/** A grant open now for a day, on every endpoint of its protocol, with generous limits unless given. */
export function testGrant(
  over: Partial<GatewayGrant> & Pick<GatewayGrant, 'submissionId' | 'upstream'>,
  now = new Date(),
): GatewayGrant {
  return {
    grantId: `gr_${randomBytes(8).toString('hex')}`,
    version: 1,
    partnerOrgId: 'org_partner000000',
    partnerName: 'Test partner',
    status: 'active',
    windowStart: new Date(now.getTime() - 3_600_000),
    windowEnd: new Date(now.getTime() + 86_400_000),
    endpoints: over.upstream.protocol === 'openai' ? ['chat.completions', 'models'] : ['messages'],
    limits: { requestsPerMinute: 1000, tokensPerMinute: 1_000_000, tokenBudget: 10_000_000 },
    keepContent: false,
    ...over,
  }
}

export interface MockUpstream {
  protocol: Protocol
  /** The base URL a submission registers, e.g. http://127.0.0.1:1234/v1 */
  baseUrl: string
  /** Requests that reached this upstream. */
  requests: number
  last: { headers: IncomingHttpHeaders; body: Record<string, unknown> } | null
  /** Streams the mock is still writing (the gateway should close them when it cuts a stream). */
  openStreams: number
  close(): Promise<void>
}

export const MOCK_USAGE = { input: 12, output: 5 } as const

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as Array<{ role: string; content: unknown }>) ?? []
  const m = [...messages].reverse().find((x) => x.role === 'user')
  if (!m) return ''
  if (typeof m.content === 'string') return m.content
  if (Array.isArray(m.content))
    return m.content.map((p: { text?: string }) => p.text ?? '').join(' ')
  return ''
}

const openaiAnswer = (model: string, mode: string, tools: boolean) => ({
  id: 'chatcmpl-mock',
  object: 'chat.completion',
  created: 1_700_000_000,
  model,
  choices: [
    {
      index: 0,
      message:
        mode === '#tool' && tools
          ? {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [
                {
                  id: 'call_mock1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
              ],
            }
          : { role: 'assistant', content: 'Hello from the mock model.', refusal: null },
      finish_reason: mode === '#tool' && tools ? 'tool_calls' : 'stop',
      logprobs: null,
    },
  ],
  ...(mode === '#nousage'
    ? {}
    : {
        usage: {
          prompt_tokens: MOCK_USAGE.input,
          completion_tokens: MOCK_USAGE.output,
          total_tokens: MOCK_USAGE.input + MOCK_USAGE.output,
        },
      }),
})

const anthropicAnswer = (model: string, mode: string, tools: boolean) => ({
  id: 'msg_mock',
  type: 'message',
  role: 'assistant',
  model,
  content:
    mode === '#tool' && tools
      ? [{ type: 'tool_use', id: 'toolu_mock1', name: 'get_weather', input: { city: 'Paris' } }]
      : [{ type: 'text', text: 'Hello from the mock model.' }],
  stop_reason: mode === '#tool' && tools ? 'tool_use' : 'end_turn',
  stop_sequence: null,
  usage:
    mode === '#nousage'
      ? undefined
      : { input_tokens: MOCK_USAGE.input, output_tokens: MOCK_USAGE.output },
})

function openaiChunks(model: string, mode: string, includeUsage: boolean): string[] {
  const chunk = (delta: unknown, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`
  const out =
    mode === '#tool'
      ? [
          chunk(
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  index: 0,
                  id: 'call_mock1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '' },
                },
              ],
            },
            null,
          ),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null),
          chunk({}, 'tool_calls'),
        ]
      : [
          chunk({ role: 'assistant', content: '' }, null),
          chunk({ content: 'Hello ' }, null),
          chunk({ content: 'from the mock model.' }, null),
          chunk({}, 'stop'),
        ]
  if (includeUsage && mode !== '#nousage')
    out.push(
      `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: MOCK_USAGE.input, completion_tokens: MOCK_USAGE.output, total_tokens: MOCK_USAGE.input + MOCK_USAGE.output } })}\n\n`,
    )
  out.push('data: [DONE]\n\n')
  return out
}

function anthropicEvents(model: string, mode: string): string[] {
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
  const usage = mode !== '#nousage'
  const out = [
    ev('message_start', {
      message: {
        id: 'msg_mock',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage ? MOCK_USAGE.input : 0, output_tokens: usage ? 1 : 0 },
      },
    }),
  ]
  if (mode === '#tool') {
    out.push(
      ev('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_mock1', name: 'get_weather', input: {} },
      }),
      ev('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"city": "Paris"}' },
      }),
    )
  } else {
    out.push(
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello ' } }),
      ev('content_block_delta', {
        index: 0,
        delta: { type: 'text_delta', text: 'from the mock model.' },
      }),
    )
  }
  out.push(
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', {
      delta: { stop_reason: mode === '#tool' ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage ? MOCK_USAGE.output : 0 },
    }),
    ev('message_stop', {}),
  )
  if (!usage) {
    // Without usage the gateway must count: drop the usage fields entirely.
    return out.map((e) => e.replace(/,"usage":\{[^}]*\}/, ''))
  }
  return out
}

/** Starts a mock model endpoint of `protocol` on a random loopback port. */
export async function startMockUpstream(protocol: Protocol): Promise<MockUpstream> {
  const sockets = new Set<import('node:net').Socket>()
  const mock: MockUpstream = {
    protocol,
    baseUrl: '',
    requests: 0,
    last: null,
    openStreams: 0,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const path = protocol === 'openai' ? '/v1/chat/completions' : '/v1/messages'
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      mock.requests++
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `mock: no ${req.method} ${req.url}` } }))
        return
      }
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')
      mock.last = { headers: req.headers, body }
      const mode = lastUserText(body).split(/\s/)[0] ?? ''
      const model = String(body.model)
      const tools = Array.isArray(body.tools) && body.tools.length > 0
      if (mode === '#hang') return
      if (mode === '#fail') {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({ error: { message: 'mock upstream failure with internal detail' } }),
        )
        return
      }
      if (!body.stream) {
        const answer =
          protocol === 'openai'
            ? openaiAnswer(model, mode, tools)
            : anthropicAnswer(model, mode, tools)
        const text = JSON.stringify(answer)
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        })
        res.end(text)
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      if (mode === '#slow') {
        mock.openStreams++
        const first =
          protocol === 'openai'
            ? openaiChunks(model, '', false).slice(0, 1)
            : anthropicEvents(model, '').slice(0, 2)
        for (const e of first) res.write(e)
        const delta =
          protocol === 'openai'
            ? openaiChunks(model, '', false)[1]!
            : anthropicEvents(model, '')[2]!
        const timer = setInterval(() => res.write(delta), 50)
        res.on('close', () => {
          clearInterval(timer)
          mock.openStreams--
        })
        return
      }
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
      const events =
        protocol === 'openai'
          ? openaiChunks(model, mode, includeUsage)
          : anthropicEvents(model, mode)
      for (const e of events) res.write(e)
      res.end()
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  mock.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  return mock
}
