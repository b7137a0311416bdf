/** `earlywatch clearinghouse import-csaf|import-cve`, run in-process against a test database. */
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { createServices } from '../../app.ts'
import type { CliContext } from '../../cli-context.ts'
import { CliError, output } from '../../platform/cli.ts'
import { fixedClock } from '../../platform/clock.ts'
import { testRuntime } from '../../platform/testing.ts'
import { registerAdvisoryCommands } from './cli.ts'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

async function cli(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T00:00:00Z') })
  const services = await createServices(rt)
  const prog = await services.accounts.createOrg({
    kind: 'program',
    name: 'The Program',
    slug: 'program',
  })
  const ana = await services.accounts.createPerson({
    email: 'ana@program.example',
    name: 'Ana Analyst',
  })
  await services.accounts.grant({ orgId: prog.id, personId: ana.id, role: 'analyst' })
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
  registerAdvisoryCommands(root, ctx)
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-import-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return {
    services,
    dir,
    printed: () => printed,
    run: (...args: string[]) => root.parseAsync(['node', 'earlywatch', ...args]),
  }
}

test('import-csaf takes a provider directory; a corrupt or invalid file imports nothing', async (t) => {
  const c = await cli(t)
  const mirror = path.join(c.dir, 'white', '2022')
  cpSync(path.join(FIXTURES, 'csaf'), mirror, { recursive: true })
  rmSync(path.join(mirror, 'SOURCE.md'), { force: true })
  writeFileSync(path.join(c.dir, 'provider-metadata.json'), '{"not":"an advisory"}')
  // A hash that does not match its document stops the whole import.
  writeFileSync(
    path.join(mirror, 'bsi-2022-0001.json.sha256'),
    `${'0'.repeat(64)}  bsi-2022-0001.json\n`,
  )
  await assert.rejects(
    c.run('clearinghouse', 'import-csaf', c.dir, '--as', 'ana@program.example'),
    (e) => e instanceof CliError && /sha256/.test(e.message),
  )
  rmSync(path.join(mirror, 'bsi-2022-0001.json.sha256'))
  // An invalid document names its file, path and reason; nothing is stored.
  writeFileSync(path.join(mirror, 'broken.json'), '{"document":{"category":"csaf_base"}}')
  await assert.rejects(
    c.run('clearinghouse', 'import-csaf', c.dir, '--as', 'ana@program.example'),
    (e: { errors?: Array<{ path: string }> }) =>
      Boolean(e.errors?.some((x) => x.path.includes('broken.json#/document'))),
  )
  assert.equal((await c.services.advisories.publicList({ limit: 10, offset: 0 })).total, 0)
  rmSync(path.join(mirror, 'broken.json'))
  await c.run('clearinghouse', 'import-csaf', c.dir, '--as', 'ana@program.example')
  assert.match(c.printed(), /4 file\(s\): 4 new, 0 revised, 0 unchanged/)
  assert.equal((await c.services.advisories.publicList({ limit: 10, offset: 0 })).total, 4)
})

test('import-cve imports CVE records and needs an analyst', async (t) => {
  const c = await cli(t)
  const file = path.join(FIXTURES, 'cve5', 'CVE-2021-44228.json')
  await assert.rejects(
    c.run('clearinghouse', 'import-cve', file, '--as', 'nobody@program.example'),
    CliError,
  )
  await c.run('clearinghouse', 'import-cve', file, '--as', 'ana@program.example')
  assert.match(c.printed(), /1 new/)
  assert.equal((await c.services.advisories.publicGet('CVE-2021-44228')).source, 'cve')
})
