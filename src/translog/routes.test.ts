/** The log's public HTTP surface through the full app: tlog-tiles under /log/, the JSON API, receipts, and bad input. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { bearer, seedMember } from '../accounts/testing.ts'
import { createHttpApp, createServices } from '../app.ts'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { openCheckpoint } from './checkpoint.ts'
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.ts'
import type { NewEntry } from './model.ts'
import { parseVerifierKey } from './note.ts'
import { decodeEntryBundle, rootFromTiles, splitTile, tilePath, tilesForSize } from './tiles.ts'

const START = '2026-11-02T00:00:00Z'

async function build(t: TestContext) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const get = (url: string) => app.inject({ method: 'GET', url })
  return { rt, clock, services, app, get }
}

const entry = (n: number): NewEntry => ({
  type: 'grant.issued',
  subjects: [{ kind: 'grant', id: `grn_${n}` }],
  actor: { orgId: 'org_program', role: 'program_officer' },
  at: START,
  data: { n },
})

test('a decision answers with its log index, and its receipt verifies against the signed checkpoint', async (t) => {
  const { services, app, get, clock } = await build(t)
  const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const res = await app.inject({
    method: 'POST',
    url: '/api/submissions',
    headers: bearer(lab.token),
    payload: {
      modelName: 'Atlas',
      modelVersion: '3.0',
      endpoint: {
        baseUrl: 'https://api.lab.example/v1',
        protocol: 'openai',
        modelId: 'atlas-3',
        credential: 'sk-secret',
      },
      partnerReleaseAt: new Date(clock.now().getTime() + 40 * DAY_MS).toISOString(),
    },
  })
  assert.equal(res.statusCode, 201, res.body)
  const { logIndex } = res.json()
  assert.equal(logIndex, 0)

  // Not yet in a signed checkpoint: the receipt says when to come back.
  const early = await get(`/api/log/entries/${logIndex}/receipt`)
  assert.equal(early.statusCode, 409, early.body)
  assert.ok(early.headers['retry-after'])

  await services.translog.checkpoint()
  const vkey = await get('/log/verifier-key')
  assert.equal(vkey.statusCode, 200)
  assert.match(String(vkey.headers['content-type']), /^text\/plain/)
  const verifier = parseVerifierKey(vkey.body)

  const receipt = await get(`/api/log/entries/${logIndex}/receipt`)
  assert.equal(receipt.statusCode, 200, receipt.body)
  const r = receipt.json()
  const cp = openCheckpoint(r.checkpoint, [verifier])
  const body = Buffer.from(r.entry.body, 'base64')
  assert.equal(JSON.parse(body.toString('utf8')).type, 'submission.registered')
  verifyInclusion(
    leafHash(body),
    r.index,
    cp.size,
    r.proof.map((h: string) => Buffer.from(h, 'hex')),
    cp.root,
  )
  assert.match(r.tlogProof, /^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex 0\n\n/)
  assert.ok(r.tlogProof.endsWith(r.checkpoint))

  const list = await get('/api/log/entries?type=submission.registered')
  assert.equal(list.statusCode, 200, list.body)
  assert.equal(list.json().total, 1)
  assert.equal(list.json().items[0].entry.data.modelName, 'Atlas')
  const bySubject = await get(`/api/log/entries?subject=${lab.org.id}`)
  assert.equal(bySubject.json().total, 1)
})

test('the log as tlog-tiles: a client recomputes the signed root from tiles and matches every entry', async (t) => {
  const { rt, services, get } = await build(t)
  const n = 300
  await rt.db.transaction((tx) =>
    services.translog.appendMany(
      tx,
      Array.from({ length: n }, (_, i) => entry(i)),
    ),
  )
  await services.translog.checkpoint()

  const cpRes = await get('/log/checkpoint')
  assert.equal(cpRes.statusCode, 200)
  assert.match(String(cpRes.headers['cache-control']), /max-age=2/)
  const verifier = parseVerifierKey((await get('/log/verifier-key')).body)
  const cp = openCheckpoint(cpRes.body, [verifier])
  assert.equal(cp.size, n)

  const tiles = new Map<string, Uint8Array>()
  for (const tile of tilesForSize(cp.size)) {
    const path = tilePath(tile.level, tile.index, tile.width)
    const res = await get(`/log/${path}`)
    assert.equal(res.statusCode, 200, `${path}: ${res.body}`)
    assert.match(String(res.headers['cache-control']), /max-age=5/)
    tiles.set(path, res.rawPayload)
  }
  assert.deepEqual(rootFromTiles(cp.size, tiles), Buffer.from(cp.root))

  // Every entry in the bundles hashes to its leaf in the level-0 tiles.
  const full = await get('/log/tile/0/000')
  assert.equal(full.statusCode, 200)
  assert.match(String(full.headers['cache-control']), /immutable/)
  const leaves = [
    ...splitTile(full.rawPayload, 256),
    ...splitTile(tiles.get('tile/0/001.p/44')!, 44),
  ]
  const bundles = [
    decodeEntryBundle((await get('/log/tile/entries/000')).rawPayload, 256),
    decodeEntryBundle((await get('/log/tile/entries/001.p/44')).rawPayload, 44),
  ].flat()
  assert.equal(bundles.length, n)
  for (const [i, b] of bundles.entries()) assert.deepEqual(leafHash(b), leaves[i], `entry ${i}`)

  // Consistency from an earlier size, over the JSON API.
  const c = (await get(`/api/log/proof/consistency?from=100&to=${n}`)).json()
  verifyConsistency(
    100,
    n,
    c.proof.map((h: string) => Buffer.from(h, 'hex')),
    Buffer.from(c.fromRoot, 'hex'),
    Buffer.from(cp.root),
  )
  const cps = (await get('/api/log/checkpoints')).json()
  assert.equal(cps.items[0].size, n)
})

test('bad or out-of-range requests get a problem+json 4xx naming the problem', async (t) => {
  const { rt, services, get } = await build(t)
  await rt.db.transaction((tx) => services.translog.appendMany(tx, [entry(0), entry(1)]))
  await services.translog.checkpoint()
  const cases: Array<[string, number]> = [
    ['/api/log/proof/inclusion?index=0&size=3', 400],
    [`/api/log/proof/inclusion?index=0&hash=${'0'.repeat(64)}`, 400],
    ['/api/log/proof/inclusion?hash=xyz', 400],
    [`/api/log/proof/inclusion?hash=${'0'.repeat(64)}`, 404],
    ['/api/log/proof/inclusion?index=-1', 400],
    ['/api/log/proof/consistency?from=2&to=1', 400],
    ['/api/log/proof/consistency?from=1&to=9', 400],
    ['/api/log/entries/7', 404],
    ['/api/log/entries/abc', 400],
    ['/api/log/entries?type=nonsense', 400],
    ['/log/tile/0/0001', 400],
    ['/log/tile/0/000.p/3', 404],
    ['/log/tile/0/000', 404],
    ['/log/tile/entries/001.p/1', 404],
    ['/log/nothing-here', 404],
  ]
  for (const [url, status] of cases) {
    const res = await get(url)
    assert.equal(res.statusCode, status, `${url}: ${res.body}`)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/, url)
  }
  const ok = await get('/api/log/proof/inclusion?index=1&size=2')
  assert.equal(ok.statusCode, 200, ok.body)
})
