/**
 * The public side through the full HTTP app: a CSAF downloader's walk (provider metadata →
 * ROLIE feed → document, hashes, signature), the directory files, and the osv.dev API as an
 * OSV client calls it. Only published TLP:CLEAR advisories appear.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import * as openpgp from 'openpgp'
import { bearer, seedMember } from '../../accounts/testing.ts'
import { createHttpApp, createServices } from '../../app.ts'
import { fixedClock } from '../../platform/clock.ts'
import { testRuntime } from '../../platform/testing.ts'
import { verifyDetached } from './signing.ts'
import { content, product } from './testing.ts'
import { validateCsaf, validateOsv, validateProviderMetadata } from './validate.ts'

const BASE = 'https://earlywatch.example'

async function build(t: TestContext) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-csaf-key-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'earlywatch CSAF test', email: 'csaf@earlywatch.example' }],
    format: 'armored',
  })
  const keyFile = path.join(dir, 'csaf.key')
  writeFileSync(keyFile, privateKey)
  const rt = await testRuntime(t, {
    clock: fixedClock('2026-12-01T12:00:00Z'),
    settings: {
      EARLYWATCH_PUBLIC_URL: BASE,
      EARLYWATCH_CVE_BLOCK: 'CVE-2026-50000..CVE-2026-50999',
      EARLYWATCH_CSAF_OPENPGP_KEY_FILE: keyFile,
    },
  })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const analyst = await seedMember(services.accounts, { kind: 'program', roles: ['analyst'] })
  const get = (url: string) => app.inject({ method: 'GET', url })
  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload, headers })
  return { rt, services, app, analyst, get, post, headers: bearer(analyst.token) }
}

const local = (url: string) => url.replace(BASE, '')

test('a CSAF downloader mirrors the published TLP:CLEAR advisory, and nothing else', async (t) => {
  const { get, post, headers } = await build(t)
  // 1. An analyst writes two advisories: one TLP:CLEAR, one TLP:AMBER, and publishes both.
  const created = await post('/api/advisories', { content: content(), tlp: 'CLEAR' }, headers)
  assert.equal(created.statusCode, 201, created.body)
  const clear = created.json()
  assert.equal(clear.cveId, 'CVE-2026-50000')
  const amber = (
    await post(
      '/api/advisories',
      { content: content({ title: 'Embargoed elsewhere' }), tlp: 'AMBER' },
      headers,
    )
  ).json()
  // Before publication nothing is public.
  assert.equal((await get('/.well-known/csaf/feed-tlp-white.json')).json().feed.entry.length, 0)
  for (const a of [clear, amber])
    assert.equal((await post(`/api/advisories/${a.id}/publish`, {}, headers)).statusCode, 200)

  // 2. provider-metadata.json: valid, and pointing at the feed, the directory and the key.
  const meta = (await get('/.well-known/csaf/provider-metadata.json')).json()
  const mv = validateProviderMetadata(meta)
  assert.equal(mv.valid, true, JSON.stringify(mv.errors))
  assert.equal(meta.canonical_url, `${BASE}/.well-known/csaf/provider-metadata.json`)
  const feedUrl = meta.distributions[0].rolie.feeds[0].url
  assert.equal(meta.distributions[0].rolie.feeds[0].tlp_label, 'WHITE')
  const keyUrl = meta.public_openpgp_keys[0].url

  // 3. The ROLIE feed lists the CLEAR document only.
  const feed = (await get(local(feedUrl))).json().feed
  assert.deepEqual(
    feed.entry.map((e: { id: string }) => e.id),
    [clear.id],
  )
  const entry = feed.entry[0]
  const docUrl: string = entry.content.src
  assert.match(docUrl, /\/\.well-known\/csaf\/white\/2026\/ew-2026-\d{4}\.json$/)

  // 4. The document validates, its hashes match its bytes, its signature verifies with the key.
  const doc = await get(local(docUrl))
  assert.equal(doc.statusCode, 200)
  const v = await validateCsaf(doc.json())
  assert.equal(v.valid, true, JSON.stringify(v.errors))
  assert.deepEqual(v.warnings, [])
  const bytes = doc.rawPayload
  const file = path.basename(docUrl)
  for (const alg of ['sha256', 'sha512'] as const) {
    const h = (await get(local(`${docUrl}.${alg}`))).body
    assert.equal(h, `${createHash(alg).update(bytes).digest('hex')}  ${file}\n`)
  }
  const sig = (await get(local(`${docUrl}.asc`))).body
  const key = (await get(local(keyUrl))).body
  assert.equal(await verifyDetached(bytes, sig, key), true)
  assert.equal(await verifyDetached(Buffer.concat([bytes, Buffer.from(' ')]), sig, key), false)

  // 5. index.txt and changes.csv name it; the AMBER one is nowhere.
  const index = (await get('/.well-known/csaf/white/index.txt')).body
  assert.equal(index, `2026/${file}\n`)
  assert.match(
    (await get('/.well-known/csaf/white/changes.csv')).body,
    new RegExp(`^"2026/${file}","2026-12-01T12:00:00.000Z"\n$`),
  )
  assert.equal(
    (await get(`/.well-known/csaf/white/2026/${amber.id.toLowerCase()}.json`)).statusCode,
    404,
  )
  assert.equal((await get(`/api/advisories/${amber.id}`)).statusCode, 404)
  assert.equal((await get(`/api/advisories/${clear.id}`)).statusCode, 200)
  assert.deepEqual(
    (await get('/api/advisories/public')).json().items.map((a: { id: string }) => a.id),
    [clear.id],
  )
})

test('the osv.dev API answers OSV clients with the same shapes', async (t) => {
  const { get, post, headers } = await build(t)
  const c = content({
    products: [
      product(0),
      product(1, { versionRange: '<1.9.0', status: 'known_affected', fixedVersion: null }),
    ],
  })
  const a = (await post('/api/advisories', { content: c, tlp: 'CLEAR' }, headers)).json()
  const hidden = (await post('/api/advisories', { content: c, tlp: 'GREEN' }, headers)).json()
  await post(`/api/advisories/${a.id}/publish`, {}, headers)
  await post(`/api/advisories/${hidden.id}/publish`, {}, headers)

  // GET /v1/vulns/{id}: by OSV id and by CVE alias; osv.dev's not-found body otherwise.
  const byId = await get(`/v1/vulns/x_${a.id}`)
  assert.equal(byId.statusCode, 200)
  assert.equal(validateOsv(byId.json()).valid, true)
  assert.equal((await get(`/v1/vulns/${a.cveId}`)).json().id, `x_${a.id}`)
  const missing = await get(`/v1/vulns/x_${hidden.id}`)
  assert.equal(missing.statusCode, 404)
  assert.deepEqual(missing.json(), { code: 5, message: 'Bug not found.' })

  // POST /v1/query, as osv-scanner and the OSV Python client send it.
  const q = (body: object) => post('/v1/query', body)
  const hit = (
    await q({ package: { name: '@acme/widget-server', ecosystem: 'npm' }, version: '2.3.0' })
  ).json()
  assert.deepEqual(
    hit.vulns.map((v: { id: string }) => v.id),
    [`x_${a.id}`],
  )
  assert.deepEqual(
    (
      await q({ package: { name: '@acme/widget-server', ecosystem: 'npm' }, version: '2.4.1' })
    ).json(),
    {},
  )
  assert.deepEqual(
    (
      await q({ package: { name: '@acme/widget-server', ecosystem: 'npm' }, version: '1.9.9' })
    ).json(),
    {},
  )
  assert.equal(
    (await q({ package: { purl: 'pkg:npm/%40acme/widget-server@2.0.0' } })).json().vulns.length,
    1,
  )
  assert.equal(
    (await q({ package: { name: 'ledger', ecosystem: 'PyPI' }, version: '1.8.2' })).json().vulns
      .length,
    1,
  )
  assert.deepEqual(
    (await q({ package: { name: 'ledger', ecosystem: 'PyPI' }, version: '1.10.0' })).json(),
    {},
  )
  assert.equal((await q({ package: { name: 'ledger', ecosystem: 'PyPI' } })).json().vulns.length, 1)
  const bad = await q({ package: { name: 'ledger' }, version: '1.0' })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().errors[0].path, /body\.package/)

  // POST /v1/querybatch: ids and modified times only, one result per query, in order.
  const batch = (
    await post('/v1/querybatch', {
      queries: [
        { package: { name: '@acme/widget-server', ecosystem: 'npm' }, version: '2.0.0' },
        { package: { name: 'left-pad', ecosystem: 'npm' }, version: '1.0.0' },
        { commit: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' },
      ],
    })
  ).json()
  assert.deepEqual(batch, {
    results: [{ vulns: [{ id: `x_${a.id}`, modified: '2026-12-01T12:00:00.000Z' }] }, {}, {}],
  })
})
