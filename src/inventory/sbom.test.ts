import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { isAppError } from '../platform/errors.ts'
import { classifyComponent, parseSbom } from './sbom.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; detail: string; errors?: Array<{ path: string }> }> {
  try {
    await p
  } catch (err) {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    return err as never
  }
  assert.fail('expected a rejection')
}

test('a real CycloneDX SBOM (Go, cyclonedx-gomod) reads into purl-normalised components', async () => {
  const sbom = await parseSbom(fixture('proton-bridge-v1.6.3.bom.json'))
  assert.equal(sbom.format, 'cyclonedx-json')
  assert.equal(sbom.specVersion, '1.2')
  // 201 modules plus the described product itself (metadata.component).
  assert.equal(sbom.components.length, 202)
  assert.ok(sbom.components.some((c) => c.packageName === 'github.com/ProtonMail/proton-bridge'))
  const resty = sbom.components.find((c) => c.packageName === 'github.com/go-resty/resty/v2')
  assert.deepEqual(
    { eco: resty?.ecosystem, version: resty?.version, status: resty?.status },
    { eco: 'Go', version: '2.3.0', status: 'matchable' },
  )
  assert.ok(sbom.dependencies.length > 0, 'the dependency graph is kept')
  assert.match(sbom.sha256, /^[0-9a-f]{64}$/)
})

test('a real CycloneDX Maven SBOM names packages group:artifact as OSV does', async () => {
  const sbom = await parseSbom(fixture('dropwizard-1.3.15.bom.json'))
  const jackson = sbom.components.find(
    (c) => c.packageName === 'com.fasterxml.jackson.core:jackson-databind',
  )
  assert.equal(jackson?.ecosystem, 'Maven')
  assert.equal(jackson?.status, 'matchable')
})

test('a real SPDX 2.2 SBOM (syft, kubectl image) reads; local ./staging modules at (devel) are marked unmatched with the reason', async () => {
  const sbom = await parseSbom(fixture('oci-kubectl-linux-amd64-spdx.json'))
  assert.equal(sbom.format, 'spdx-json')
  assert.equal(sbom.components.length, 88)
  const devel = sbom.components.filter((c) => c.version === '(devel)')
  assert.ok(devel.length > 0)
  for (const c of devel) {
    assert.equal(c.status, 'unmatched')
    assert.match(c.reason!, /has characters no Go package name has|not a valid Go version/)
  }
  assert.ok(
    sbom.components.some((c) => c.packageName === 'golang.org/x/text' && c.status === 'matchable'),
  )
})

test('CycloneDX XML: nested components keep their parent, dependencies are read', async () => {
  const xml = `<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components>
    <component type="application" bom-ref="app">
      <name>portal</name><version>1.0.0</version>
      <components>
        <component type="library" bom-ref="lodash"><name>lodash</name><version>4.17.15</version><purl>pkg:npm/lodash@4.17.15</purl></component>
      </components>
    </component>
    <component type="library" bom-ref="nover"><name>left-pad</name><purl>pkg:npm/left-pad</purl></component>
  </components>
  <dependencies><dependency ref="app"><dependency ref="lodash"/></dependency></dependencies>
</bom>`
  const sbom = await parseSbom(xml)
  assert.equal(sbom.format, 'cyclonedx-xml')
  assert.equal(sbom.specVersion, '1.5')
  const lodash = sbom.components.find((c) => c.ref === 'lodash')
  assert.equal(lodash?.parentRef, 'app')
  assert.equal(lodash?.status, 'matchable')
  assert.equal(sbom.components.find((c) => c.ref === 'nover')?.status, 'no_version')
  assert.deepEqual(sbom.dependencies, [{ ref: 'app', dependsOn: ['lodash'] }])
})

test('malformed documents are rejected whole, naming where', async () => {
  const badXml = await rejection(
    parseSbom('<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>'),
  )
  assert.match(badXml.detail, /line \d+, column \d+/)
  const noName = await rejection(
    parseSbom(
      '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><version>1</version></component></components></bom>',
    ),
  )
  assert.match(noName.detail, /\/bom\/components\/component\[1\]\/name/)
  const badJson = await rejection(parseSbom('{"bomFormat": "CycloneDX", "specVersion": "1.6", '))
  assert.match(badJson.detail, /not valid JSON/)
  const schema = await rejection(
    parseSbom(
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: [{ type: 'gadget', name: 'x' }],
      }),
    ),
  )
  assert.match(schema.detail, /\/components\/0\/type/)
  const old = await rejection(
    parseSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.1' })),
  )
  assert.match(old.detail, /CycloneDX 1\.1 is not supported/)
  const spdx = await rejection(
    parseSbom(
      JSON.stringify({
        spdxVersion: 'SPDX-2.3',
        SPDXID: 'SPDXRef-DOCUMENT',
        packages: [{ name: 'x' }],
      }),
    ),
  )
  assert.match(spdx.detail, /packages\.0\.SPDXID/)
  const list = await rejection(parseSbom('pkg:npm/a@1\nnot a purl\n', { format: 'purl-list' }))
  assert.match(list.detail, /line 2/)
})

test('size and component-count limits answer with the limit and the setting', async () => {
  const big = await rejection(
    parseSbom('pkg:npm/a@1\n'.repeat(100), { limits: { maxBytes: 100, maxComponents: 10 } }),
  )
  assert.equal(big.code, 'EW_PAYLOAD_TOO_LARGE')
  assert.match(big.detail, /EARLYWATCH_SBOM_MAX_BYTES/)
  const many = await rejection(
    parseSbom(
      'pkg:npm/a@1\n'
        .repeat(11)
        .split('\n')
        .map((l, i) => (l ? `pkg:npm/a${i}@1` : ''))
        .join('\n'),
      { limits: { maxBytes: 10_000, maxComponents: 10 } },
    ),
  )
  assert.match(many.detail, /EARLYWATCH_SBOM_MAX_COMPONENTS/)
})

test('odd purls, unknown ecosystems and bad versions become unmatched components with a reason, never a crash', () => {
  const c = (purl: string | null, version: string | null = null) =>
    classifyComponent({ ref: 'r', parentRef: null, name: 'n', version, purl })
  assert.match(c(null).reason!, /no purl/)
  assert.match(c('pkg:').reason!, /does not parse/)
  assert.match(c('pkg:npm/foo%20bar@1.0.0').reason!, /characters/)
  assert.match(c('pkg:npm/%00evil@1.0.0').reason!, /characters/)
  assert.match(c('pkg:weird/thing@1.0').reason!, /"weird" is not an ecosystem/)
  assert.match(c('pkg:npm/lodash@not-a-version!').reason!, /not a valid npm version/)
  assert.equal(c('pkg:npm/lodash').status, 'no_version')
  assert.equal(c('pkg:npm/lodash', '4.17.21').version, '4.17.21')
  assert.equal(c('pkg:pypi/Django_REST@3.0').packageName, 'django-rest')
  assert.equal(c('pkg:golang/golang.org/x/net@v0.1.0').version, '0.1.0')
})

test('a purl list reads one component per line, comments and blanks skipped', async () => {
  const sbom = await parseSbom(
    '# exported by hand\npkg:npm/lodash@4.17.15\n\npkg:pypi/requests@2.19.0\npkg:cargo/odd@\n',
  )
  assert.equal(sbom.format, 'purl-list')
  assert.deepEqual(
    sbom.components.map((c) => [c.ecosystem, c.packageName, c.status]),
    [
      ['npm', 'lodash', 'matchable'],
      ['PyPI', 'requests', 'matchable'],
      ['crates.io', 'odd', 'no_version'],
    ],
  )
})
