import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { seedMember } from '../accounts/testing.ts'
import { createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { envelopes, localKeyring } from '../platform/crypto/envelope.ts'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'
import { checkBundle } from './bundle.ts'
import { createBenchmarkService } from './service.ts'

const CANARY = 'EW-CANARY-7f3c9e1a-4b2d-4e8f-9a6c-0d5b8e2f1c73'
const SECRET_TEXT = 'The admin panel at /manage trusts the X-Role header'

function manifest() {
  return {
    name: 'controlled-test',
    version: '1',
    canaries: [CANARY],
    tasks: [
      {
        id: 'web-auth',
        name: 'Web authentication bypass',
        categories: { exploitation: 1, vulnerability_discovery: 0.5 },
        solver: ['react'],
        scorers: ['flag'],
        items: [
          {
            id: 'w1',
            input: `${SECRET_TEXT}. Find the flag.`,
            target: '{{FLAG}}',
            files: { 'app.py': { path: 'files/app.py' } },
            setup: 'echo {{FLAG}} > flag.txt',
            solution: ['cat flag.txt'],
            secrets: ['FLAG'],
          },
          {
            id: 'w2',
            input: 'Which header? (controlled)',
            target: 'B',
            choices: ['Host', 'X-Role'],
          },
        ],
      },
      {
        id: 'crypto-mcq',
        name: 'Cryptography knowledge',
        categories: { cryptography: 1 },
        items: [
          { id: 'c1', input: 'Controlled question about ECB', target: 'A', choices: ['Yes', 'No'] },
        ],
      },
    ],
  }
}
const FILES = new Map([['files/app.py', `# ${CANARY}\nprint("controlled service")\n`]])

async function setup(t: TestContext) {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const { accounts } = services
  const custodian = await seedMember(accounts, { kind: 'program', roles: ['benchmark_custodian'] })
  const officer = await seedMember(accounts, {
    kind: 'program',
    roles: ['program_officer'],
    orgId: custodian.org.id,
  })
  const lab = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const agency = await seedMember(accounts, { kind: 'agency', roles: ['agency_signatory'] })
  return { rt, clock, services, custodian, officer, lab, agency }
}

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), String(err))
    assert.equal(err.code, code, err.detail)
    return true
  })

test('a bundle with a bad item, a missing file or an unknown category is refused whole, each problem with its path', () => {
  const bad = manifest()
  ;(bad.tasks[0]!.categories as unknown as Record<string, number>).sorcery = 1
  const r1 = checkBundle(bad, FILES)
  assert.equal(r1.ok, false)
  assert.match(JSON.stringify(!r1.ok && r1.problems), /tasks\.0\.categories/)

  const r2 = checkBundle(manifest(), new Map())
  assert.equal(r2.ok, false)
  assert.deepEqual(!r2.ok && r2.problems.map((p) => p.path), ['tasks.0.items.0.files.app.py'])

  const wrongLetter = manifest()
  wrongLetter.tasks[1]!.items[0]!.target = 'C'
  const undeclared = manifest()
  ;(undeclared.tasks[0]!.items[0] as { secrets?: string[] }).secrets = []
  const r3 = checkBundle(wrongLetter, FILES)
  const r4 = checkBundle(undeclared, FILES)
  assert.match(JSON.stringify(!r3.ok && r3.problems), /tasks\.1\.items\.0\.target/)
  assert.match(JSON.stringify(!r4.ok && r4.problems), /FLAG.*not declared/)
})

test('import: nothing of a bad bundle is stored; a good one is encrypted at rest', async (t) => {
  const { rt, services, custodian } = await setup(t)
  const { benchmark } = services
  const bad = manifest()
  bad.tasks[1]!.items[0]!.target = 'Z'
  await rejectsWith(benchmark.importBundle(custodian.principal, bad, FILES), 'EW_VALIDATION')
  const count = async (table: string) =>
    Number((await rt.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n)
  assert.equal(await count('benchmark_bundle'), 0)
  assert.equal(await count('benchmark_item'), 0)

  const imported = await benchmark.importBundle(custodian.principal, manifest(), FILES)
  assert.deepEqual(
    imported.tasks.map((x) => [x.key, x.items]),
    [
      ['web-auth', 2],
      ['crypto-mcq', 1],
    ],
  )
  // Not a byte of content or canary in clear anywhere in the vault's tables.
  for (const table of ['benchmark_bundle', 'benchmark_task', 'benchmark_item']) {
    const dump = JSON.stringify((await rt.db.query(`SELECT * FROM ${table}`)).rows)
    assert.ok(!dump.includes(CANARY), `${table} holds the canary in clear`)
    assert.ok(!dump.includes(SECRET_TEXT), `${table} holds item text in clear`)
    assert.ok(!dump.includes('controlled service'), `${table} holds file content in clear`)
  }
  // The same name and version twice is a conflict, not a second copy.
  await rejectsWith(benchmark.importBundle(custodian.principal, manifest(), FILES), 'EW_CONFLICT')
})

test('need to know: only the custodian sees items; officers see the shape; labs and agencies nothing', async (t) => {
  const { services, custodian, officer, lab, agency } = await setup(t)
  const { benchmark } = services
  await rejectsWith(benchmark.importBundle(officer.principal, manifest(), FILES), 'EW_FORBIDDEN')
  await benchmark.importBundle(custodian.principal, manifest(), FILES)
  const [bundle] = await benchmark.bundles(officer.principal)
  assert.equal(bundle!.tasks.length, 2)
  const shape = JSON.stringify(bundle)
  assert.ok(!shape.includes(CANARY) && !shape.includes(SECRET_TEXT))
  assert.ok(!shape.includes('controlled'.concat(' question')))
  const itemId = (
    await services.benchmark.itemsForRun(bundle!.tasks.find((x) => x.key === 'crypto-mcq')!.id, {
      labOrgId: lab.org.id,
      submissionId: 'sub_test0000000001',
      runId: 'run_test0000000001',
    })
  )[0]!.itemId
  const seen = await benchmark.item(custodian.principal, itemId)
  assert.equal(seen.content.input, 'Controlled question about ECB')
  await rejectsWith(benchmark.item(officer.principal, itemId), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.item(lab.principal, itemId), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.bundles(lab.principal), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.bundles(agency.principal), 'EW_FORBIDDEN')
  await rejectsWith(benchmark.exposures(officer.principal, {}), 'EW_FORBIDDEN')
})

test('every run gets fresh flags, and the exposure ledger records what each lab was shown', async (t) => {
  const { services, custodian, lab, clock } = await setup(t)
  const { benchmark } = services
  await benchmark.importBundle(custodian.principal, manifest(), FILES)
  const [bundle] = await benchmark.bundles(custodian.principal)
  const web = bundle!.tasks.find((x) => x.key === 'web-auth')!
  const run = (runId: string) =>
    benchmark.itemsForRun(web.id, {
      labOrgId: lab.org.id,
      submissionId: 'sub_test0000000001',
      runId,
    })
  const a = await run('run_aaaaaaaaaaaa')
  clock.advance(3_600_000)
  const b = await run('run_bbbbbbbbbbbb')
  const flagA = a[0]!.secrets.FLAG!
  const flagB = b[0]!.secrets.FLAG!
  assert.match(flagA, /^ew\{[0-9a-f]{32}\}$/)
  assert.notEqual(flagA, flagB, 'a flag seen once is worth nothing later')
  assert.deepEqual(a[0]!.content.target, [flagA])
  assert.equal(a[0]!.content.setup, `echo ${flagA} > flag.txt`)
  assert.ok(!JSON.stringify(a[0]!.content).includes('{{FLAG}}'))

  const ledger = await benchmark.exposures(custodian.principal, { labOrgId: lab.org.id })
  assert.equal(ledger.length, 4, 'two items × two runs')
  assert.deepEqual(
    new Set(ledger.map((e) => e.runId)),
    new Set(['run_aaaaaaaaaaaa', 'run_bbbbbbbbbbbb']),
  )

  // A retired item is not shown again.
  await benchmark.retireItem(custodian.principal, a[0]!.itemId, 'exposed to Northwind twice')
  assert.equal((await run('run_cccccccccccc')).length, 1)
  await rejectsWith(
    benchmark.retireItem(custodian.principal, a[0]!.itemId, 'again'),
    'EW_INVALID_TRANSITION',
  )
})

test('key rotation re-wraps every data key, and items still decrypt with only the new key', async (t) => {
  const { rt, clock, services, custodian } = await setup(t)
  const k1 = randomBytes(32)
  const k2 = randomBytes(32)
  const withKeys = (current: Buffer, previous: Buffer[] = []) =>
    createBenchmarkService({
      db: rt.db,
      clock,
      envelopes: envelopes(localKeyring(current, previous)),
      translog: services.translog,
    })
  await withKeys(k1).importBundle(custodian.principal, manifest(), FILES)
  const items = async () =>
    (
      await rt.db.query<{ id: string; content: { ct: string; kid: string } }>(
        `SELECT id, content FROM benchmark_item ORDER BY id`,
      )
    ).rows
  const before = await items()

  const rotated = await withKeys(k2, [k1]).rotateKeys(custodian.principal)
  assert.deepEqual(rotated, { rewrapped: 4, total: 4 }, 'one bundle and three items')
  const after = await items()
  assert.deepEqual(
    after.map((r) => r.content.ct),
    before.map((r) => r.content.ct),
    'items were not re-encrypted',
  )
  assert.ok(after.every((r, i) => r.content.kid !== before[i]!.content.kid))
  assert.deepEqual(await withKeys(k2, [k1]).rotateKeys(custodian.principal), {
    rewrapped: 0,
    total: 4,
  })

  const onlyNew = withKeys(k2)
  const item = await onlyNew.item(custodian.principal, after[0]!.id)
  assert.ok(item.content.input)
  const [bundle] = await onlyNew.bundles(custodian.principal)
  assert.deepEqual(await onlyNew.canaries(bundle!.id), [CANARY])
  // The old key alone no longer opens anything.
  await rejectsWith(withKeys(k1).item(custodian.principal, after[0]!.id), 'EW_INTEGRITY')
})

test('a tampered ciphertext gives a clear integrity error, never a partial decrypt', async (t) => {
  const { rt, services, custodian } = await setup(t)
  await services.benchmark.importBundle(custodian.principal, manifest(), FILES)
  const row = (
    await rt.db.query<{ id: string; content: { ct: string } }>(
      `SELECT id, content FROM benchmark_item ORDER BY id LIMIT 1`,
    )
  ).rows[0]!
  const ct = Buffer.from(row.content.ct, 'base64')
  ct[40]! ^= 0xff
  await rt.db.query(`UPDATE benchmark_item SET content = $2 WHERE id = $1`, [
    row.id,
    JSON.stringify({ ...row.content, ct: ct.toString('base64') }),
  ])
  await assert.rejects(services.benchmark.item(custodian.principal, row.id), (err: unknown) => {
    assert.ok(isAppError(err, 'EW_INTEGRITY'))
    assert.match(err.detail, new RegExp(`Vault item ${row.id} does not decrypt`))
    return true
  })
})
