/** The gateway's pure rules: admission order, error shapes, usage from bodies and from streams split anywhere. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { admit, errorBody, errorEvent, estimateTokens, refuse, SseMeter, usageOf } from './model.ts'
import { testGrant } from './testing.ts'

const now = new Date('2026-11-23T12:00:00Z')
const grant = testGrant(
  {
    submissionId: 'sub_x',
    upstream: { protocol: 'openai', baseUrl: 'http://x/v1', modelId: 'm1' },
  },
  now,
)

test('admit: status before window before scope before model', () => {
  assert.equal(admit(grant, 'chat.completions', 'm1', now), null)
  assert.equal(admit({ ...grant, status: 'revoked' }, 'messages', 'zz', now)?.code, 'grant_revoked')
  assert.equal(
    admit({ ...grant, status: 'paused' }, 'chat.completions', 'm1', now)?.code,
    'grant_paused',
  )
  assert.equal(admit(grant, 'chat.completions', 'm1', grant.windowEnd)?.code, 'grant_expired')
  assert.equal(
    admit(grant, 'chat.completions', 'm1', new Date(grant.windowStart.getTime() - 1))?.code,
    'grant_not_started',
  )
  assert.equal(
    admit({ ...grant, endpoints: ['models'] }, 'chat.completions', 'm1', now)?.code,
    'endpoint_not_granted',
  )
  assert.equal(
    admit({ ...grant, endpoints: ['messages'] }, 'messages', 'm1', now)?.code,
    'wrong_protocol',
  )
  assert.equal(admit(grant, 'chat.completions', 'm2', now)?.kind, 'not_found')
})

test('error bodies follow each protocol', () => {
  const r = refuse('rate_limited', 'requests_per_minute', 'slow down', 3)
  assert.deepEqual(errorBody('openai', r), {
    error: {
      message: 'slow down',
      type: 'rate_limit_exceeded',
      param: null,
      code: 'requests_per_minute',
    },
  })
  assert.deepEqual(errorBody('anthropic', r), {
    type: 'error',
    error: { type: 'rate_limit_error', message: 'slow down' },
  })
  assert.match(errorEvent('anthropic', r), /^event: error\ndata: \{"type":"error"/)
  assert.match(errorEvent('openai', r), /^data: \{"error":/)
})

test('usage from complete bodies, with Anthropic cache tokens counted as input', () => {
  assert.deepEqual(usageOf('openai', { usage: { prompt_tokens: 3, completion_tokens: 4 } }), {
    inputTokens: 3,
    outputTokens: 4,
    estimated: false,
  })
  assert.deepEqual(
    usageOf('anthropic', {
      usage: {
        input_tokens: 3,
        output_tokens: 4,
        cache_read_input_tokens: 10,
        cache_creation_input_tokens: 2,
      },
    }),
    { inputTokens: 15, outputTokens: 4, estimated: false },
  )
  assert.equal(usageOf('openai', { choices: [] }), null)
  assert.equal(estimateTokens(''), 0)
  assert.equal(estimateTokens('abcde'), 2)
})

const anthropicStream = [
  'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":21,"output_tokens":1}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}\n\n',
].join('')

test('SseMeter reads usage however the stream is split into chunks, even inside a UTF-8 character', () => {
  const bytes = Buffer.from(anthropicStream)
  for (const size of [1, 2, 3, 7, 64, bytes.length]) {
    const m = new SseMeter('anthropic', false)
    for (let i = 0; i < bytes.length; i += size) m.push(bytes.subarray(i, i + size))
    m.end()
    assert.deepEqual(
      m.usage(() => 0),
      { inputTokens: 21, outputTokens: 9, estimated: false },
      `chunks of ${size}`,
    )
    assert.deepEqual(m.events, [], 'no content kept unless asked')
  }
})

test('SseMeter estimates when an OpenAI stream reports no usage, and keeps events when allowed', () => {
  const m = new SseMeter('openai', true)
  m.push(
    Buffer.from('data: {"choices":[{"delta":{"content":"abcdefgh"}}]}\r\n\r\ndata: [DONE]\r\n\r\n'),
  )
  m.end()
  assert.deepEqual(
    m.usage(() => 5),
    { inputTokens: 5, outputTokens: 2, estimated: true },
  )
  assert.equal(m.events.length, 1)
})
