/** The witness client against fake C2SP tlog-witness servers on 127.0.0.1, over a real database. */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { createHttpApp, createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import type { JobContext, Jobs } from '../platform/jobs/jobs.ts'
import { testRuntime } from '../platform/testing.ts'
import { cosign, openCheckpoint, verifyCosignature } from './checkpoint.ts'
import {
  COSIGN_KEY,
  CosignCheckpoint,
  registerTranslogJobs,
  SignCheckpoint,
  TRANSLOG_JOBS,
} from './jobs.ts'
import { EMPTY_ROOT, verifyConsistency } from './merkle.ts'
import type { NewEntry } from './model.ts'
import {
  decodeBase64Strict,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
} from './note.ts'
import { createTranslogService } from './service.ts'
import { createWitnessClient, WitnessError } from './witness.ts'

const ORIGIN = 'earlywatch.test/log'
const silent = { info() {}, warn() {} }

interface FakeWitness {
  url: string
  key: string
  name: string
  size: number
  root: Uint8Array
  requests: string[]
  /** Answer with a cosignature whose signature bytes were altered. */
  corrupt: boolean
}

/** A tlog-witness add-checkpoint endpoint with its own cosigner key, by the spec's rules. */
async function fakeWitness(
  t: TestContext,
  name: string,
  logKey: string | (() => string),
): Promise<FakeWitness> {
  const keys = generateSignerKey(name, { type: 0x04 })
  const signer = parseSignerKey(keys.signerKey)
  const w: FakeWitness = {
    url: '',
    key: keys.verifierKey,
    name,
    size: 0,
    root: EMPTY_ROOT,
    requests: [],
    corrupt: false,
  }
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      w.requests.push(body)
      const answer = (status: number, text: string, type = 'text/plain') => {
        res.writeHead(status, { 'content-type': type })
        res.end(text)
      }
      if (req.method !== 'POST' || req.url !== '/witness/add-checkpoint') return answer(404, 'no\n')
      const split = body.indexOf('\n\n')
      const head = body.slice(0, split).split('\n')
      const m = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '')
      if (split < 0 || !m) return answer(400, 'malformed\n')
      const old = Number(m[1])
      let cp: ReturnType<typeof openCheckpoint>
      try {
        const vkey = typeof logKey === 'string' ? logKey : logKey()
        cp = openCheckpoint(body.slice(split + 2), [parseVerifierKey(vkey)], ORIGIN)
      } catch {
        return answer(403, 'bad signature\n')
      }
      if (old > cp.size) return answer(400, 'old size beyond checkpoint\n')
      if (old !== w.size) return answer(409, `${w.size}\n`, 'text/x.tlog.size')
      try {
        const proof = head.slice(1).map((l) => decodeBase64Strict(l, 'proof line'))
        if (old === 0 && proof.length > 0) throw new Error('proof from 0 must be empty')
        verifyConsistency(old, cp.size, proof, w.root, cp.root)
      } catch (err) {
        return answer(422, `${(err as Error).message}\n`)
      }
      w.size = cp.size
      w.root = cp.root
      let line = cosign(cp.note.text, signer, 1_790_000_000 + w.requests.length)
      if (w.corrupt) {
        const sig = Buffer.from(line.slice(line.lastIndexOf(' ') + 1, -1), 'base64')
        sig[sig.length - 1]! ^= 1
        line = `${line.slice(0, line.lastIndexOf(' ') + 1)}${sig.toString('base64')}\n`
      }
      answer(200, line)
    })
  })
  await listen(server)
  t.after(() => new Promise((done) => server.close(() => done(undefined))))
  w.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness/`
  return w
}

const listen = (s: Server) => new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok))

function entry(n: number): NewEntry {
  return {
    type: 'submission.registered',
    subjects: [{ kind: 'submission', id: `sub_${String(n).padStart(20, '0')}` }],
    actor: { orgId: 'org_lab', role: 'lab_member' },
    at: '2026-11-02T00:00:00.000Z',
    data: { n },
  }
}

async function setup(t: TestContext) {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, { clock })
  await rt.jobs.register(...TRANSLOG_JOBS)
  const translog = createTranslogService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: ORIGIN,
  })
  await translog.init()
  const logKey = await translog.verifierKey()
  const grow = async (from: number, count: number) => {
    await rt.db.transaction((tx) =>
      translog.appendMany(
        tx,
        Array.from({ length: count }, (_, k) => entry(from + k)),
      ),
    )
    const { checkpoint } = await translog.checkpoint()
    return checkpoint!
  }
  const client = (witnesses: { url: string; key: string }[]) =>
    createWitnessClient({ db: rt.db, fetch, witnesses, translog, log: silent, timeoutMs: 2_000 })
  const stored = async () =>
    (
      await rt.db.query<{ size: number; witness: string; signature: string }>(
        'SELECT size, witness, signature FROM translog_cosignature ORDER BY size, witness',
      )
    ).rows.map((r) => ({ ...r, size: Number(r.size) }))
  return { rt, translog, logKey, grow, client, stored }
}

test('the first checkpoint is cosigned and the cosignature is kept next to it', async (t) => {
  const { grow, client, logKey, stored } = await setup(t)
  const cp = await grow(0, 5)
  const w = await fakeWitness(t, 'witness.test/w1', logKey)
  const witnesses = client([w])
  assert.deepEqual(await witnesses.cosignLatest(), [
    { witness: 'witness.test/w1', size: 5, asked: true },
  ])
  assert.match(w.requests[0]!, /^old 0\n\n/)
  const rows = await stored()
  assert.equal(rows.length, 1)
  assert.equal(rows[0]!.size, 5)
  assert.equal(rows[0]!.witness, 'witness.test/w1')
  verifyCosignature(parseNote(cp.note).text, rows[0]!.signature, parseVerifierKey(w.key))

  // The cosigned checkpoint verifies with the log key and the witness key together.
  const cosigned = await witnesses.cosignatures(5)
  assert.ok(cosigned)
  const opened = openCheckpoint(
    cosigned.checkpoint,
    [parseVerifierKey(logKey), parseVerifierKey(w.key)],
    ORIGIN,
  )
  assert.equal(opened.note.verifiedBy.length, 2)
  assert.equal(await witnesses.cosignatures(6), null)

  // Asking again for the same checkpoint does not bother the witness.
  assert.deepEqual(await witnesses.cosignLatest(), [
    { witness: 'witness.test/w1', size: 5, asked: false },
  ])
  assert.equal(w.requests.length, 1)
})

test('a later checkpoint is sent with a consistency proof from the size the witness cosigned', async (t) => {
  const { grow, client, logKey, stored } = await setup(t)
  await grow(0, 5)
  const w = await fakeWitness(t, 'witness.test/w1', logKey)
  const witnesses = client([w])
  await witnesses.cosignLatest()
  await grow(5, 12)
  await witnesses.cosignLatest()
  const second = w.requests[1]!
  assert.match(second, /^old 5\n/)
  const proofLines = second.slice(0, second.indexOf('\n\n')).split('\n').slice(1)
  assert.ok(proofLines.length > 0, 'a proof from 5 to 17 is not empty')
  assert.equal(w.size, 17)
  assert.deepEqual(
    (await stored()).map((r) => r.size),
    [5, 17],
  )
})

test('a witness that lost track answers 409 with its size, and the client retries from it', async (t) => {
  const { grow, client, logKey, stored, rt } = await setup(t)
  await grow(0, 3)
  const w = await fakeWitness(t, 'witness.test/w1', logKey)
  const witnesses = client([w])
  await witnesses.cosignLatest()
  await grow(3, 4)
  // The witness lost its state (size 0), while the log remembers it at 3.
  w.size = 0
  w.root = EMPTY_ROOT
  await witnesses.cosignLatest()
  assert.match(w.requests[1]!, /^old 3\n/)
  assert.match(w.requests[2]!, /^old 0\n\n/)
  assert.equal(w.size, 7)

  // And the other way round: the log forgot, the witness remembers 7.
  await rt.db.query('DELETE FROM translog_witness_state')
  await grow(7, 2)
  await witnesses.cosignLatest()
  assert.match(w.requests[3]!, /^old 0\n\n/)
  assert.match(w.requests[4]!, /^old 7\n/)
  assert.deepEqual(
    (await stored()).map((r) => r.size),
    [3, 7, 9],
  )
})

test('a cosignature that does not verify is refused and nothing is stored', async (t) => {
  const { grow, client, logKey, stored, rt } = await setup(t)
  await grow(0, 4)
  const w = await fakeWitness(t, 'witness.test/w1', logKey)
  w.corrupt = true
  await assert.rejects(client([w]).cosignLatest(), (err: unknown) => {
    assert.ok(err instanceof AggregateError)
    assert.match(err.message, /witness\.test\/w1/)
    assert.match(err.message, /does not verify/)
    return true
  })
  assert.deepEqual(await stored(), [])
  assert.equal((await rt.db.query('SELECT * FROM translog_witness_state')).rows.length, 0)
})

test('a witness that refuses the proof (422) is reported and nothing is stored', async (t) => {
  const { grow, client, logKey, stored } = await setup(t)
  await grow(0, 4)
  const w = await fakeWitness(t, 'witness.test/w1', logKey)
  const witnesses = client([w])
  await witnesses.cosignLatest()
  // The witness remembers another tree of size 4: no proof from the log's tree reaches it.
  w.root = Buffer.alloc(32, 9)
  await grow(4, 3)
  await assert.rejects(witnesses.cosignLatest(), /answered 422/)
  assert.deepEqual(
    (await stored()).map((r) => r.size),
    [4],
  )
})

test('a dead witness does not stop another from cosigning, and the call names the dead one', async (t) => {
  const { grow, client, logKey, stored } = await setup(t)
  await grow(0, 6)
  const alive = await fakeWitness(t, 'witness.test/alive', logKey)
  const closed = createServer()
  await listen(closed)
  const port = (closed.address() as AddressInfo).port
  await new Promise((done) => closed.close(done))
  const dead = {
    url: `http://127.0.0.1:${port}/`,
    key: generateSignerKey('witness.test/dead', { type: 0x04 }).verifierKey,
  }
  await assert.rejects(client([dead, alive]).cosignLatest(), (err: unknown) => {
    assert.ok(err instanceof AggregateError)
    assert.equal(err.errors.length, 1)
    assert.ok(err.errors[0] instanceof WitnessError)
    assert.equal(err.errors[0].witness, 'witness.test/dead')
    assert.match(err.message, /witness\.test\/dead/)
    assert.match(err.message, /ECONNREFUSED/)
    assert.doesNotMatch(err.message, /witness\.test\/alive/)
    return true
  })
  assert.deepEqual(
    (await stored()).map((r) => [r.size, r.witness]),
    [[6, 'witness.test/alive']],
  )
})

test('no witnesses configured: nothing is asked', async (t) => {
  const { grow, client } = await setup(t)
  await grow(0, 1)
  const witnesses = client([])
  assert.equal(witnesses.enabled, false)
  assert.deepEqual(await witnesses.cosignLatest(), [])
})

test('wired in: start-up and each signed checkpoint queue one cosign job; the route serves the cosigned checkpoint', async (t) => {
  let logKey = ''
  const w = await fakeWitness(t, 'witness.test/w1', () => logKey)
  const rt = await testRuntime(t, {
    clock: fixedClock('2026-11-02T00:00:00Z'),
    settings: {
      EARLYWATCH_PUBLIC_URL: 'http://earlywatch.test',
      EARLYWATCH_WITNESSES: JSON.stringify([{ url: w.url, key: w.key }]),
    },
  })
  const services = await createServices(rt)
  logKey = await services.translog.verifierKey()
  // Start-up asked for a cosigning; a second request while it waits is dropped.
  assert.equal(await rt.jobs.queued(CosignCheckpoint.name), 1)
  assert.equal(await rt.jobs.send(CosignCheckpoint, {}, { singletonKey: COSIGN_KEY }), null)
  assert.equal(await rt.jobs.queued(CosignCheckpoint.name), 1)

  // The checkpoint job sends the cosign job once it has signed; the cosign job asks the witness.
  const handlers = new Map<string, (p: object, ctx: JobContext) => Promise<void>>()
  const sent: string[] = []
  const jobs = {
    handle: (def: { name: string }, h: (p: object, ctx: JobContext) => Promise<void>) =>
      handlers.set(def.name, h),
    send: async (def: { name: string }) => {
      sent.push(def.name)
      return 'job'
    },
  } as unknown as Pick<Jobs, 'handle' | 'send'>
  registerTranslogJobs(jobs, services.translog, services.witnesses)
  const ctx = { log: silent, signal: new AbortController().signal } as unknown as JobContext
  await rt.db.transaction((tx) => services.translog.append(tx, entry(1)))
  await handlers.get(SignCheckpoint.name)!({}, ctx)
  assert.deepEqual(sent, [CosignCheckpoint.name])
  await handlers.get(SignCheckpoint.name)!({}, ctx)
  assert.deepEqual(sent, [CosignCheckpoint.name], 'nothing new signed, nothing to cosign')
  await handlers.get(CosignCheckpoint.name)!({}, ctx)
  assert.equal(w.size, 1)

  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/api/log/checkpoints/1/cosignatures' })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json() as {
    size: number
    checkpoint: string
    cosignatures: { witness: string }[]
  }
  assert.equal(body.size, 1)
  assert.deepEqual(
    body.cosignatures.map((c) => c.witness),
    ['witness.test/w1'],
  )
  const opened = openCheckpoint(body.checkpoint, [
    parseVerifierKey(logKey),
    parseVerifierKey(w.key),
  ])
  assert.equal(opened.note.verifiedBy.length, 2)
  const none = await app.inject({ method: 'GET', url: '/api/log/checkpoints/0/cosignatures' })
  assert.equal(none.statusCode, 200)
  assert.deepEqual(none.json().cosignatures, [])
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/log/checkpoints/99/cosignatures' })).statusCode,
    404,
  )
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/log/checkpoints/x/cosignatures' })).statusCode,
    400,
  )
})

test('a witness that does not answer in time is abandoned and reported', async (t) => {
  const { grow, rt, translog, stored } = await setup(t)
  await grow(0, 2)
  const hanging = createServer(() => {})
  await listen(hanging)
  t.after(() => {
    hanging.closeAllConnections()
    return new Promise((done) => hanging.close(() => done(undefined)))
  })
  const warnings: unknown[] = []
  const witnesses = createWitnessClient({
    db: rt.db,
    fetch,
    witnesses: [
      {
        url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`,
        key: generateSignerKey('witness.test/slow', { type: 0x04 }).verifierKey,
      },
    ],
    translog,
    log: { info() {}, warn: (o: unknown) => warnings.push(o) },
    timeoutMs: 200,
  })
  await assert.rejects(witnesses.cosignLatest(), /witness\.test\/slow.*no answer within 200 ms/)
  assert.equal(warnings.length, 1)
  assert.match(JSON.stringify(warnings[0]), /witness\.test\/slow/)
  assert.deepEqual(await stored(), [])
})
