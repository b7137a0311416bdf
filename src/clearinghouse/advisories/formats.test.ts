import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AppError } from '../../platform/errors.ts'
import { toCsaf } from './csaf.ts'
import { toCve } from './cve.ts'
import { validateContent } from './model.ts'
import { toOsv } from './osv.ts'
import { advisory, content, generatedContents, product } from './testing.ts'
import { validateCsaf, validateCve, validateOsv } from './validate.ts'

// biome-ignore lint/suspicious/noExplicitAny: the tests read exports as the deep JSON they are
type Doc = any

const ctx = {
  publicUrl: 'https://earlywatch.example',
  publisherName: 'earlywatch clearinghouse',
  now: new Date('2026-12-02T00:00:00Z'),
  generatorVersion: '0.1.0',
}

const show = (r: { errors: unknown[]; warnings: unknown[] }) =>
  JSON.stringify([...r.errors, ...r.warnings], null, 1)

for (const { name, content: c } of generatedContents()) {
  for (const state of ['published', 'draft'] as const) {
    test(`exports validate: ${name} (${state})`, async () => {
      const a = advisory(validateContent(c), { state })
      for (const profile of ['csaf_security_advisory', 'csaf_vex'] as const) {
        const r = await validateCsaf(toCsaf(a, profile, ctx))
        assert.equal(r.valid, true, `${profile}: ${show(r)}`)
        // CSAF 2.0 has no CVSS 4.0 score object: an affected product without a 3.1 vector
        // cannot be given a score (§6.2.3); that one warning is expected, and only then.
        const expected =
          !c.cvss31 && c.products.some((p) => p.status === 'known_affected' || p.status === 'fixed')
        const warnings = r.warnings.filter((w) => !(expected && w.test === 'optionalTest_6_2_3'))
        assert.deepEqual(warnings, [], `${profile} warnings: ${show(r)}`)
      }
      const osv = toOsv(a, ctx.publicUrl, ctx.now)
      const ro = validateOsv(osv)
      assert.equal(ro.valid, true, show(ro))
      const rc = validateCve(toCve(a, ctx.publicUrl, ctx.now))
      assert.equal(rc.valid, true, show(rc))
    })
  }
}

test('a fixed product becomes an affected range and a fixed version in every format', async () => {
  const a = advisory(validateContent(content()))
  const csaf = toCsaf(a, 'csaf_security_advisory', ctx) as Doc
  const v = csaf.vulnerabilities[0]
  assert.equal(v.cve, 'CVE-2026-50000')
  assert.deepEqual(v.cwe, {
    id: 'CWE-22',
    name: "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
  })
  assert.equal(v.product_status.known_affected.length, 1)
  assert.equal(v.product_status.fixed.length, 1)
  assert.equal(v.remediations[0].category, 'vendor_fix')
  assert.equal(v.scores[0].cvss_v3.baseSeverity, 'CRITICAL')
  const branch = csaf.product_tree.branches[0].branches[0].branches
  assert.equal(branch[0].name, 'vers:npm/>=2.0.0|<2.4.1')
  assert.equal(
    branch[1].product.product_identification_helper.purl,
    'pkg:npm/%40acme/widget-server@2.4.1',
  )
  assert.equal(csaf.document.distribution.tlp.label, 'WHITE')
  assert.match(
    csaf.document.references[0].url,
    /\/\.well-known\/csaf\/white\/2026\/ew-2026-0001\.json$/,
  )

  const osv = toOsv(a, ctx.publicUrl, ctx.now)
  assert.deepEqual(osv.affected?.[0]?.package, {
    ecosystem: 'npm',
    name: '@acme/widget-server',
    purl: 'pkg:npm/%40acme/widget-server',
  })
  assert.deepEqual(osv.affected?.[0]?.ranges?.[0]?.events, [
    { introduced: '2.0.0' },
    { fixed: '2.4.1' },
  ])
  assert.deepEqual(osv.aliases, ['CVE-2026-50000'])

  const cve = toCve(a, ctx.publicUrl, ctx.now) as Doc
  assert.deepEqual(cve.containers.cna.affected[0].versions, [
    { version: '2.0.0', status: 'affected', versionType: 'semver', lessThan: '2.4.1' },
    { version: '2.4.1', status: 'unaffected' },
  ])
})

test('a TLP:AMBER+STRICT advisory keeps its exact label in CSAF distribution text', async () => {
  const a = advisory(validateContent(content()), { tlp: 'AMBER+STRICT' })
  const csaf = toCsaf(a, 'csaf_vex', ctx) as Doc
  assert.equal(csaf.document.distribution.tlp.label, 'AMBER')
  assert.equal(csaf.document.distribution.text, 'TLP:AMBER+STRICT')
  assert.equal(toOsv(a, ctx.publicUrl, ctx.now).database_specific?.tlp, 'TLP:AMBER+STRICT')
})

test('validateContent recomputes scores and names the bad field', () => {
  const ok = validateContent(
    content({ cvss31: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 1 } }),
  )
  assert.equal(ok.cvss31?.score, 9.8)
  const bad = (c: ReturnType<typeof content>, path: RegExp) =>
    assert.throws(
      () => validateContent(c),
      (e: AppError) => path.test(JSON.stringify(e.errors ?? e.detail)),
    )
  bad(content({ cvss31: { vector: 'CVSS:3.1/AV:N', score: 0 } }), /cvss31/)
  bad(content({ cwes: ['CWE-999999'] }), /cwes\.0/)
  bad(content({ products: [product(0, { versionRange: '>1.0' })] }), /versionRange/)
  bad(
    content({ products: [product(0, { status: 'known_not_affected', fixedVersion: null })] }),
    /justification/,
  )
  bad(content({ products: [product(0, { fixedVersion: null })] }), /fixedVersion/)
  bad(content({ products: [product(0, { purl: 'pkg:npm/x@1.0.0' })] }), /purl/)
  bad(content({ products: [] }), /products/)
})

test('a document the validators reject is reported with path and reason', async () => {
  const a = advisory(validateContent(content()))
  const doc = toCsaf(a, 'csaf_security_advisory', ctx) as Doc
  doc.vulnerabilities[0].product_status.known_affected.push('CSAFPID-9999')
  const r = await validateCsaf(doc)
  assert.equal(r.valid, false)
  assert.ok(
    r.errors.some(
      (e) =>
        e.path.startsWith('/vulnerabilities/0/product_status/known_affected') &&
        e.test === 'mandatoryTest_6_1_1',
    ),
    show(r),
  )
  const osv = { ...toOsv(a, ctx.publicUrl, ctx.now), modified: 'yesterday' }
  const ro = validateOsv(osv)
  assert.equal(ro.valid, false)
  assert.ok(
    ro.errors.some((e) => e.path === '/modified'),
    show(ro),
  )
})
