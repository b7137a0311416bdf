/** The clearinghouse commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, output } from '../platform/cli.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerClearinghouseCommands } from './cli.ts'

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/sarif/${name}`, import.meta.url))

async function cli(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T00:00:00Z') })
  const services = await createServices(rt)
  const { accounts } = services
  const partner = await accounts.createOrg({ kind: 'partner', name: 'Lakeside', slug: 'lakeside' })
  const grace = await accounts.createPerson({ email: 'grace@lakeside.example', name: 'Grace Obi' })
  await accounts.grant({ orgId: partner.id, personId: grace.id, role: 'partner_member' })
  const prog = await accounts.createOrg({ kind: 'program', name: 'The Program', slug: 'program' })
  const ana = await accounts.createPerson({ email: 'ana@program.example', name: 'Ana Analyst' })
  await accounts.grant({ orgId: prog.id, personId: ana.id, role: 'analyst' })
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
  registerClearinghouseCommands(root, ctx)
  return {
    async run(...args: string[]) {
      printed = ''
      root.setOptionValue('json', undefined)
      await root.parseAsync(args, { from: 'user' })
      return printed
    },
  }
}

test('import-sarif reports every result once; the queue lists them demonstrated first', async (t) => {
  const { run } = await cli(t)
  const args = [
    'clearinghouse',
    'import-sarif',
    fixture('ai-model-findings.sarif'),
    '--as',
    'grace@lakeside.example',
    '--purl',
    'pkg:npm/tenant-portal',
    '--submission',
    'sub_0123456789abcdef',
  ]
  assert.match(await run(...args), /^3 new report\(s\), 0 already reported/)
  assert.match(await run(...args), /^0 new report\(s\), 3 already reported/)
  const queue = JSON.parse(
    await run('--json', 'clearinghouse', 'queue', '--as', 'ana@program.example'),
  )
  assert.deepEqual(
    queue.items.map((r: { ai: { exploitability: string } }) => r.ai.exploitability),
    ['demonstrated', 'poc', 'theoretical'],
  )
})

test('a bad log is refused with each problem’s path and the usage exit code', async (t) => {
  const { run } = await cli(t)
  await assert.rejects(
    run(
      'clearinghouse',
      'import-sarif',
      fixture('codeql-invalid-sarif.sarif'),
      '--as',
      'grace@lakeside.example',
      '--purl',
      'pkg:npm/x',
    ),
    (e) =>
      e instanceof CliError &&
      e.exitCode === EXIT.USAGE &&
      /log\.runs\[0\]\.results/.test(e.message),
  )
})
