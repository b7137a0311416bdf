/** Advisory import and storage on the real database: idempotence, history, withdrawal, zip/dir/KEV/native inputs. */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { fixedClock } from '../../platform/clock.ts'
import { isAppError } from '../../platform/errors.ts'
import { testRuntime } from '../../platform/testing.ts'
import { coarseKey, matchAffected } from '../versions/index.ts'
import { importItems } from './import.ts'
import type { OsvRecord } from './model.ts'
import { createAdvisoriesService } from './service.ts'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const SAMPLE = join(FIXTURES, 'osv-sample.jsonl')
const sample: OsvRecord[] = readFileSync(SAMPLE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))

async function setup(t: TestContext) {
  const rt = await testRuntime(t)
  const clock = fixedClock('2026-11-01T00:00:00Z')
  return { rt, clock, advisories: createAdvisoriesService({ db: rt.db, clock }) }
}

test('importing OSV JSON Lines twice stores each record once: the second run changes nothing', async (t) => {
  const { advisories } = await setup(t)
  const first = await advisories.importItems(importItems(SAMPLE), 'sample')
  assert.equal(first.read, sample.length)
  assert.equal(first.new, sample.length)
  assert.equal(first.withdrawn, 2)
  assert.equal(first.failed, 0)
  const second = await advisories.importItems(importItems(SAMPLE), 'sample')
  assert.equal(second.unchanged, sample.length)
  assert.deepEqual(second.changedIds, [])
  assert.deepEqual(await advisories.counts(), { advisories: sample.length, withdrawn: 2, kev: 0 })
})

test('a newer modified version replaces the record and both stay in its history; an older one is history only', async (t) => {
  const { advisories, clock } = await setup(t)
  const v1 = sample.find((r) => r.id === 'RUSTSEC-2016-0002')!
  assert.equal((await advisories.upsertAdvisory(v1, 'rustsec')).outcome, 'new')
  assert.equal((await advisories.upsertAdvisory(v1, 'rustsec')).changed, false)
  clock.advance(86_400_000)
  const v2 = {
    ...v1,
    modified: '2030-01-01T00:00:00Z',
    affected: [
      {
        ...v1.affected![0]!,
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0.0.0-0' }, { fixed: '0.9.5' }] }],
      },
    ],
  }
  assert.deepEqual(await advisories.upsertAdvisory(v2, 'rustsec'), {
    id: v1.id,
    outcome: 'changed',
    changed: true,
  })
  assert.equal((await advisories.upsertAdvisory(v1, 'older dump')).outcome, 'older')
  const current = await advisories.getAdvisory(v1.id)
  assert.equal(current?.osv.modified, '2030-01-01T00:00:00Z')
  const history = await advisories.history(v1.id)
  assert.equal(history.length, 2)
  assert.deepEqual(
    history.map((h) => h.modified.toISOString()),
    [new Date(v1.modified).toISOString(), '2030-01-01T00:00:00.000Z'],
  )
  // The index follows the current version: 0.9.4 is affected now.
  const found = await advisories.advisoriesForPackage(
    'crates.io',
    'hyper',
    coarseKey('crates.io', '0.9.4'),
  )
  assert.deepEqual(
    found.map((a) => a.id),
    [v1.id],
  )
})

test('withdrawn records stop matching; withdrawing a stored one removes it from the package index', async (t) => {
  const { advisories } = await setup(t)
  await advisories.importItems(importItems(SAMPLE), 'sample')
  const withdrawn = sample.filter((r) => r.withdrawn)
  for (const r of withdrawn) {
    const pkg = r.affected![0]!.package!
    assert.deepEqual(await advisories.advisoriesForPackage(pkg.ecosystem, pkg.name), [])
  }
  const live = sample.find((r) => r.id === 'RUSTSEC-2016-0001')!
  assert.equal((await advisories.advisoriesForPackage('crates.io', 'openssl')).length, 1)
  const result = await advisories.upsertAdvisory(
    { ...live, modified: '2031-01-01T00:00:00Z', withdrawn: '2031-01-01T00:00:00Z' },
    'rustsec',
  )
  assert.equal(result.changed, true)
  assert.deepEqual(await advisories.advisoriesForPackage('crates.io', 'openssl'), [])
})

test('the coarse pre-filter keeps every advisory whose range holds the version', async (t) => {
  const { advisories } = await setup(t)
  await advisories.importItems(importItems(SAMPLE), 'sample')
  let checked = 0
  for (const r of sample.filter((x) => !x.withdrawn)) {
    for (const a of r.affected ?? []) {
      const pkg = a.package!
      const candidates = [...(a.versions ?? []).slice(0, 3), '0.0.1', '1.0.0', '99.0.0']
      for (const v of candidates) {
        let affected: boolean
        try {
          affected = matchAffected(pkg.ecosystem, v, a).affected
        } catch {
          continue
        }
        if (!affected) continue
        const key = coarseKey(pkg.ecosystem, v)
        const ids = (
          await advisories.advisoriesForPackage(pkg.ecosystem, pkg.name.toLowerCase(), key)
        ).map((x) => x.id)
        assert.ok(ids.includes(r.id), `${r.id} ${pkg.name}@${v} was filtered out (key ${key})`)
        checked++
      }
    }
  }
  assert.ok(checked >= 15, `only ${checked} affected versions checked`)
})

test('zip dumps, directories and the KEV catalog import; KEV flags records by their CVE aliases', async (t) => {
  const { advisories } = await setup(t)
  const zip = await advisories.importItems(
    importItems(join(FIXTURES, 'osv-go-sample.zip')),
    'go.zip',
  )
  assert.equal(zip.new, 5)
  const kev = await advisories.importItems(importItems(join(FIXTURES, 'kev-sample.json')), 'kev')
  assert.equal(kev.kev, 7)
  const go = await advisories.getAdvisory('GO-2022-0535')
  assert.equal(go?.kev, true)
  assert.equal((await advisories.getAdvisory('GO-2020-0001'))?.kev, false)
  const [entry] = await advisories.kevLookup(['CVE-2020-0601'])
  const catalog = JSON.parse(readFileSync(join(FIXTURES, 'kev-sample.json'), 'utf8'))
  const listed = catalog.vulnerabilities.find((v: { cveID: string }) => v.cveID === 'CVE-2020-0601')
  assert.equal(entry?.dateAdded, listed.dateAdded)
  assert.equal(entry?.dueDate, listed.dueDate)
  assert.equal(entry?.knownRansomwareCampaignUse, 'Unknown')
  // A directory holding all the samples: records already stored are unchanged.
  const dir = await advisories.importItems(importItems(FIXTURES), 'fixtures')
  assert.equal(dir.new, sample.length + 6 - 1 /* GO-2022-0535 came with the zip */)
  assert.equal(dir.failed, 0)
})

test('native npm, RubyGems and Packagist advisories convert to OSV ranges that match as their sources say', async (t) => {
  const { advisories } = await setup(t)
  const summary = await advisories.importItems(
    importItems(join(FIXTURES, 'native-sample.jsonl')),
    'native',
  )
  assert.equal(summary.failed, 0)
  assert.equal(summary.new, 6)
  const check = async (id: string, version: string, expected: boolean) => {
    const a = await advisories.getAdvisory(id)
    assert.ok(a, `${id} stored`)
    const entry = a.osv.affected![0]!
    assert.equal(
      matchAffected(entry.package!.ecosystem, version, entry).affected,
      expected,
      `${id} @ ${version}`,
    )
  }
  // bassmaster <=1.5.1
  await check('NSWG-ECO-1', '1.5.1', true)
  await check('NSWG-ECO-1', '1.5.2', false)
  // actionpack: patched ~> 3.2.22.2, ~> 4.2.5 >= 4.2.5.2, ~> 4.1.14 >= 4.1.14.2; unaffected >= 5.0.0.beta1
  await check('RUBYSEC-actionpack-CVE-2016-2098', '3.2.22.1', true)
  await check('RUBYSEC-actionpack-CVE-2016-2098', '3.2.22.2', false)
  await check('RUBYSEC-actionpack-CVE-2016-2098', '4.0.0', true)
  await check('RUBYSEC-actionpack-CVE-2016-2098', '4.1.14.2', false)
  await check('RUBYSEC-actionpack-CVE-2016-2098', '4.2.5.1', true)
  await check('RUBYSEC-actionpack-CVE-2016-2098', '5.0.0', false)
  // amphp/artax: 2.x >=2 <2.0.6, 1.x <1.0.6
  const artax = (await advisories.advisoriesForPackage('Packagist', 'amphp/artax'))[0]!
  const entry = artax.osv.affected![0]!
  assert.equal(matchAffected('Packagist', '1.0.5', entry).affected, true)
  assert.equal(matchAffected('Packagist', '1.0.6', entry).affected, false)
  assert.equal(matchAffected('Packagist', '2.0.5', entry).affected, true)
  assert.equal(matchAffected('Packagist', '2.0.6', entry).affected, false)
})

test('bad input: a malformed record is refused naming the field; in an import it is counted and the rest still import', async (t) => {
  const { advisories } = await setup(t)
  await assert.rejects(
    advisories.upsertAdvisory({ id: 'X-1', modified: 'yesterday' }, 'test'),
    (e) => isAppError(e, 'EW_VALIDATION') && e.detail.includes('modified'),
  )
  const dir = mkdtempSync(join(tmpdir(), 'ew-adv-'))
  const file = join(dir, 'mixed.jsonl')
  writeFileSync(
    file,
    [
      JSON.stringify(sample[2]),
      '{not json',
      JSON.stringify({ id: 'X-2' }),
      JSON.stringify(sample[3]),
    ].join('\n'),
  )
  const summary = await advisories.importItems(importItems(file), 'mixed')
  assert.equal(summary.new, 2)
  assert.equal(summary.failed, 2)
  assert.deepEqual(
    summary.failures.map((f) => f.where),
    ['mixed.jsonl:2', 'mixed.jsonl:3'],
  )
  assert.match(summary.failures[0]!.problem, /not JSON/)
  assert.match(summary.failures[1]!.problem, /modified/)
})
