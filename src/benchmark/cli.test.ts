/** The benchmark commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { Command } from 'commander'
import { stringify } from 'yaml'
import { createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, output } from '../platform/cli.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerBenchmarkCommands } from './cli.ts'
import { DEMO_CANARY, demoBundleManifest } from './demo-bundle.ts'

async function cli(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T00:00:00Z') })
  const services = await createServices(rt)
  const { accounts } = services
  const prog = await accounts.createOrg({ kind: 'program', name: 'The Program', slug: 'program' })
  const colm = await accounts.createPerson({
    email: 'colm@program.example',
    name: 'Colm Custodian',
  })
  await accounts.grant({ orgId: prog.id, personId: colm.id, role: 'benchmark_custodian' })
  for (const [slug, email] of [
    ['agency-a', 'ann@a.example'],
    ['agency-b', 'bo@b.example'],
  ] as const) {
    const org = await accounts.createOrg({ kind: 'agency', name: slug, slug })
    const p = await accounts.createPerson({ email, name: email })
    await accounts.grant({ orgId: org.id, personId: p.id, role: 'agency_signatory' })
  }
  let printed = ''
  const stream = {
    write: (s: string) => {
      printed += s
      return true
    },
  } as unknown as NodeJS.WriteStream
  const root = new Command('earlywatch').option('--json').exitOverride()
  const ctx: CliContext = {
    out: () => output(Boolean(root.opts().json), stream),
    withServices: (fn) => fn(services, rt),
  }
  registerBenchmarkCommands(root, ctx)
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-bundle-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return {
    services,
    dir,
    async run(...args: string[]) {
      printed = ''
      root.setOptionValue('json', undefined)
      await root.parseAsync(args, { from: 'user' })
      return printed
    },
  }
}

test('import a bundle directory (YAML + files), list it without content, and approve a policy to activation', async (t) => {
  const { run, dir, services } = await cli(t)
  const manifest = demoBundleManifest()
  manifest.tasks[0]!.items[0]!.files = { 'notes.txt': { path: 'files/notes.txt' } }
  mkdirSync(path.join(dir, 'files'))
  writeFileSync(path.join(dir, 'files', 'notes.txt'), 'controlled notes')
  writeFileSync(path.join(dir, 'bundle.yaml'), stringify(manifest))
  const out = await run('benchmark', 'import', dir, '--as', 'colm@program.example')
  assert.match(out, /imported demo-controlled 2026\.11/)
  const listed = await run('benchmark', 'bundles')
  assert.match(listed, /knowledge-mcq/)
  assert.ok(!listed.includes(DEMO_CANARY))

  // A second import of the same version is refused with the reason.
  await assert.rejects(
    run('benchmark', 'import', dir, '--as', 'colm@program.example'),
    /already in the vault/,
  )

  writeFileSync(
    path.join(dir, 'policy.yaml'),
    stringify({
      title: 'Demo thresholds',
      categories: { exploitation: { threshold: 0.5 } },
      composite: { threshold: 0.5, weights: { exploitation: 1, knowledge: 1 } },
      epochs: 2,
      minSamplesPerCategory: 4,
    }),
  )
  await run(
    '--json',
    'benchmark',
    'policy',
    'draft',
    path.join(dir, 'policy.yaml'),
    '--as',
    'colm@program.example',
  )
  const [draft] = await services.benchmark.policies({
    personId: 'x',
    personName: 'x',
    email: '',
    orgId: '',
    orgKind: 'program',
    orgName: '',
    roles: ['auditor'],
    via: 'token',
  })
  for (const who of ['colm@program.example', 'ann@a.example'])
    await run('benchmark', 'policy', 'approve', draft!.id, '--as', who)
  const last = await run('benchmark', 'policy', 'approve', draft!.id, '--as', 'bo@b.example')
  assert.match(last, /active/)
  assert.match(last, /quorum met/)
})

test('a bad bundle is refused with every problem on its own line, and nothing is stored', async (t) => {
  const { run, dir, services } = await cli(t)
  const manifest = demoBundleManifest()
  manifest.tasks[0]!.items[0]!.files = { 'missing.txt': { path: 'files/missing.txt' } }
  ;(manifest.tasks[1]!.categories as Record<string, number>).astrology = 1
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(manifest))
  await assert.rejects(
    run('benchmark', 'import', dir, '--as', 'colm@program.example'),
    (err: unknown) => {
      assert.ok(err instanceof CliError)
      assert.match(err.message, /tasks\.1\.categories/)
      return true
    },
  )
  rmSync(path.join(dir, 'bundle.json'))
  ;(manifest.tasks[1]!.categories as Record<string, number>).astrology = undefined as never
  delete (manifest.tasks[1]!.categories as Record<string, number>).astrology
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(manifest))
  await assert.rejects(
    run('benchmark', 'import', dir, '--as', 'colm@program.example'),
    /files\/missing\.txt is not in the bundle/,
  )
  const reader = {
    personId: 'x',
    personName: 'x',
    email: '',
    orgId: '',
    orgKind: 'program' as const,
    orgName: '',
    roles: ['auditor' as const],
    via: 'token' as const,
  }
  assert.equal((await services.benchmark.bundles(reader)).length, 0)
  await assert.rejects(
    run('benchmark', 'import', path.join(dir, 'nowhere'), '--as', 'colm@program.example'),
    /no bundle manifest/,
  )
})
