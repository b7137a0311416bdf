import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { toCsaf } from './csaf.ts'
import { toCve } from './cve.ts'
import { csafToAdvisory, cveToAdvisory } from './imports.ts'
import { toOsv } from './osv.ts'
import { advisory } from './testing.ts'
import { validateCsaf, validateCve, validateOsv } from './validate.ts'

const fixture = (kind: string, name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${kind}/${name}`, import.meta.url), 'utf8'))
const files = (kind: string) =>
  readdirSync(new URL(`./fixtures/${kind}/`, import.meta.url)).filter((f) => f.endsWith('.json'))

const ctx = {
  publicUrl: 'https://earlywatch.example',
  publisherName: 'earlywatch clearinghouse',
  now: new Date('2026-12-02T00:00:00Z'),
  generatorVersion: '0.1.0',
}

for (const f of files('csaf')) {
  test(`CSAF ${f} imports, and re-exports valid CSAF, OSV and CVE`, async () => {
    const r = await csafToAdvisory(fixture('csaf', f))
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems))
    const a = advisory(r.advisory.content, {
      id: r.advisory.id,
      cveId: r.advisory.cveId,
      tlp: r.advisory.tlp,
    })
    assert.ok(a.content.products.length > 0)
    const csaf = await validateCsaf(toCsaf(a, 'csaf_vex', ctx))
    assert.equal(csaf.valid, true, JSON.stringify(csaf.errors))
    assert.equal(validateOsv(toOsv(a, ctx.publicUrl, ctx.now)).valid, true)
    if (a.cveId) assert.equal(validateCve(toCve(a, ctx.publicUrl, ctx.now)).valid, true)
  })
}

test('the BSI example keeps its TLP, CVE, CVSS and a fixed product', async () => {
  const r = await csafToAdvisory(fixture('csaf', 'bsi-2022-0001.json'))
  assert.ok(r.ok)
  assert.equal(r.advisory.id, 'BSI-2022-0001')
  assert.equal(r.advisory.tlp, 'CLEAR')
  assert.ok(r.advisory.content.products.some((p) => p.status === 'fixed'))
})

for (const f of files('cve5')) {
  test(`CVE record ${f} imports, and re-exports a valid CVE record and OSV`, () => {
    const r = cveToAdvisory(fixture('cve5', f))
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems))
    const a = advisory(r.advisory.content, { id: r.advisory.id, cveId: r.advisory.cveId })
    const cve = validateCve(toCve(a, ctx.publicUrl, ctx.now))
    assert.equal(cve.valid, true, JSON.stringify(cve.errors))
    assert.equal(validateOsv(toOsv(a, ctx.publicUrl, ctx.now)).valid, true)
  })
}

test('urllib3 (CVE-2023-45803) becomes a PyPI package with a range', () => {
  const r = cveToAdvisory(fixture('cve5', 'CVE-2023-45803.json'))
  assert.ok(r.ok)
  const osv = toOsv(
    advisory(r.advisory.content, { id: 'CVE-2023-45803', cveId: 'CVE-2023-45803' }),
    ctx.publicUrl,
    ctx.now,
  )
  assert.equal(osv.id, 'CVE-2023-45803')
  assert.equal(r.advisory.content.cwes[0], 'CWE-200')
  assert.ok(r.advisory.content.cvss31)
})

test('an invalid CSAF document is rejected with the path and reason of each problem', async () => {
  const doc = fixture('csaf', 'bsi-2022-0001.json')
  doc.document.tracking.version = 'one'
  delete doc.document.publisher
  const r = await csafToAdvisory(doc)
  assert.equal(r.ok, false)
  assert.ok(
    !r.ok && r.problems.some((p) => p.path === '/document' && /publisher/.test(p.message)),
    JSON.stringify(!r.ok && r.problems),
  )
  assert.ok(!r.ok && r.problems.some((p) => p.path === '/document/tracking/version'))
})

test('an invalid or rejected CVE record is refused', () => {
  const doc = fixture('cve5', 'CVE-2024-3094.json')
  doc.cveMetadata.cveId = 'CVE-24-1'
  const r = cveToAdvisory(doc)
  assert.ok(!r.ok && r.problems.some((p) => p.path === '/cveMetadata/cveId'))
})
