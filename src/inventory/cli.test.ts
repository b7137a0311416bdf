/** The inventory commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { output } from '../platform/cli.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerAdvisoriesCommands } from './advisories/cli.ts'
import { registerInventoryCommands } from './cli.ts'
import { MatchAdvisory } from './jobs.ts'
import { fixtureUrl } from './testing.ts'

test('sbom upload FILE --system NAME, findings list --json, match --all', async (t) => {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T00:00:00Z') })
  const services = await createServices(rt)
  const { accounts } = services
  const org = await accounts.createOrg({
    kind: 'operator',
    name: 'Valley Hospital',
    slug: 'valley-hospital',
  })
  const sam = await accounts.createPerson({ email: 'sam@valley.example', name: 'Sam SOC' })
  await accounts.grant({ orgId: org.id, personId: sam.id, role: 'operator_member' })
  await services.inventory.service.setOperatorProfile(await accounts.principalFor(sam.id, org.id), {
    sector: 'healthcare',
    size: 'small',
    region: 'Iowa',
  })

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
  registerInventoryCommands(root, ctx)
  registerAdvisoriesCommands(root, ctx)
  const run = async (...args: string[]) => {
    printed = ''
    root.setOptionValue('json', undefined)
    await root.parseAsync(args, { from: 'user' })
    return printed
  }

  // 0. Real OSV and KEV data through `advisories import`; each new record is queued to fan out.
  assert.match(
    await run('advisories', 'import', fileURLToPath(fixtureUrl('kev-subset.json'))),
    /KEV catalog: 1 entries/,
  )
  assert.match(
    await run('advisories', 'import', fileURLToPath(fixtureUrl('osv-subset.jsonl.gz'))),
    /258 new/,
  )
  assert.equal(await rt.jobs.queued(MatchAdvisory.name), 258)

  // 1. Upload to a system that does not exist yet: refused without --create, created with it.
  const file = fileURLToPath(fixtureUrl('proton-bridge-v1.6.3.bom.json'))
  await assert.rejects(
    run('sbom', 'upload', file, '--system', 'Mail bridge', '--as', 'sam@valley.example'),
    /no system named "Mail bridge"/,
  )
  const up = await run(
    'sbom',
    'upload',
    file,
    '--system',
    'Mail bridge',
    '--as',
    'sam@valley.example',
    '--create',
    '--internet-exposed',
  )
  assert.match(up, /SBOM version 1 of the system stored \(cyclonedx-json 1\.2/)
  assert.match(up, /202 components/)
  assert.match(up, /findings: \d+ new/)

  // 2. The findings, as JSON for scripts.
  const listed = JSON.parse(
    await run('--json', 'findings', 'list', '--org', 'valley-hospital', '--open'),
  ) as {
    items: Array<{ advisoryId: string; fixedVersion: string | null }>
    total: number
  }
  assert.ok(listed.total > 0)
  assert.equal(listed.items.find((f) => f.advisoryId === 'GO-2022-1059')?.fixedVersion, '0.3.8')
  assert.match(
    await run('findings', 'list', '--advisory', 'GO-2022-1059'),
    /golang\.org\/x\/text .*0\.3\.8/,
  )
  await assert.rejects(run('findings', 'list', '--status', 'gone'), /"gone" is not one of/)

  // 3. A full re-match in this process: nothing new, nothing closed.
  assert.match(await run('match', '--all'), /1 systems matched: 0 new findings, 0 closed/)
})
