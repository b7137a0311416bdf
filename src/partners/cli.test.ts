/** The partners, selections and grants commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { Command, CommanderError } from 'commander'
import { seedMember } from '../accounts/testing.ts'
import { createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { EXIT, exitCodeFor, output } from '../platform/cli.ts'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerPartnersCommands } from './cli.ts'

const PARTNER_RELEASE = new Date('2026-12-01T00:00:00Z')

async function cli(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-20T00:00:00Z') })
  const services = await createServices(rt)
  const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const officer = await seedMember(services.accounts, {
    kind: 'program',
    roles: ['program_officer'],
  })
  const partner = await seedMember(services.accounts, {
    kind: 'partner',
    roles: ['partner_member'],
  })
  const submission = await services.program.register(lab.principal, {
    modelName: 'Atlas',
    modelVersion: '3',
    description: 'cli test model',
    intendedCapabilities: [],
    endpoint: {
      baseUrl: 'https://api.lab.example/v1',
      protocol: 'openai',
      modelId: 'atlas-3',
      credential: 'sk-cli-test',
    },
    offeredDays: 10,
    partnerReleaseAt: PARTNER_RELEASE.toISOString(),
    publicReleaseAt: new Date(PARTNER_RELEASE.getTime() + 30 * DAY_MS).toISOString(),
  })

  let printed = ''
  const stream = {
    write: (s: string) => {
      printed += s
      return true
    },
  } as unknown as NodeJS.WriteStream
  const root = new Command('earlywatch').option('--json').exitOverride()
  let help = ''
  root.configureOutput({
    writeOut: (s) => {
      help += s
    },
    writeErr: () => {},
  })
  const ctx: CliContext = {
    out: () => output(Boolean(root.opts().json), stream),
    withServices: (fn) => fn(services, rt),
  }
  registerPartnersCommands(root, ctx)
  return {
    services,
    lab,
    officer,
    partner,
    submission,
    help: () => help,
    async run(...args: string[]) {
      printed = ''
      help = ''
      // Options of an earlier run stay set on a reused commander tree; reset the root flag.
      root.setOptionValue('json', undefined)
      await root.parseAsync(args, { from: 'user' })
      return printed
    },
  }
}

const rejectsCli = (p: Promise<unknown>, message: RegExp, exitCode: number = EXIT.USAGE) =>
  assert.rejects(p, (err: unknown) => {
    assert.match((err as Error).message, message)
    assert.equal(err instanceof CommanderError ? EXIT.USAGE : exitCodeFor(err), exitCode)
    return true
  })

test('add a partner, select it with both keys, issue a grant, pause and revoke it from the shell', async (t) => {
  const { run, services, lab, officer, partner, submission } = await cli(t)
  const ada = officer.person.email
  const lee = lab.person.email

  // 1. The program adds the partner; a lab member cannot.
  await rejectsCli(
    run('partners', 'add', partner.org.slug, '--sector', 'hospital', '--as', lee),
    /holds any of the roles program_officer, admin in no organisation/,
    EXIT.FORBIDDEN,
  )
  assert.match(
    await run(
      'partners',
      'add',
      partner.org.slug,
      '--sector',
      'hospital',
      '--description',
      'A rural hospital network',
      '--as',
      ada,
    ),
    /added .* to the partner registry as hospital; vetting pending/,
  )
  await services.partners.recordVetting(officer.principal, partner.org.id, {
    status: 'vetted',
    notes: 'references checked',
  })
  const listed = JSON.parse(await run('--json', 'partners', 'list', '--sector', 'hospital'))
  assert.deepEqual(
    listed.map((p: { slug: string; vetting: { status: string } }) => [p.slug, p.vetting.status]),
    [[partner.org.slug, 'vetted']],
  )
  assert.equal(await run('partners', 'list', '--sector', 'bank'), '(none)\n')
  assert.match(
    await run('partners', 'show', partner.org.slug),
    /sector\s+hospital\nvetting\s+vetted by /,
  )

  // 2. The lab proposes (its key turns); a grant before the program's key is refused.
  const proposed = JSON.parse(
    await run(
      '--json',
      'selections',
      'propose',
      '--submission',
      submission.id,
      '--partner',
      partner.org.slug,
      '--rationale',
      'Runs the region’s hospitals',
      '--as',
      lee,
    ),
  )
  assert.equal(proposed.keys.lab.state, 'approved')
  assert.equal(proposed.keys.program.state, 'pending')
  const GRANT = [
    'grants',
    'create',
    '--selection',
    proposed.id,
    '--from',
    '2026-12-01T00:00:00Z',
    '--to',
    '2026-12-08T00:00:00Z',
    '--endpoint',
    'chat.completions',
    '--endpoint',
    'models',
    '--rpm',
    '60',
    '--tpm',
    '100000',
    '--budget',
    '5000000',
    '--as',
    lee,
  ]
  await rejectsCli(run(...GRANT), /effective|both/i, EXIT.CONFLICT)

  // 3. The program turns its key: effective; the table shows both keys.
  assert.match(
    await run('selections', 'approve', proposed.id, '--as', ada),
    /lab key approved, program key approved; effective/,
  )
  assert.match(
    await run('selections', 'list', '--submission', submission.id),
    new RegExp(`${proposed.id}.*approved\\s+approved\\s+effective`),
  )

  // 4. Bad flags are named; then the grant is issued and its key printed once.
  await rejectsCli(
    run(...GRANT.map((a) => (a === '60' ? '6O' : a))),
    /--rpm must be a whole number from 1 to 10000; got "6O"/,
  )
  await rejectsCli(
    run(...GRANT.map((a) => (a === 'models' ? 'embeddings' : a))),
    /Allowed choices are chat.completions, messages, models/,
  )
  await rejectsCli(
    run(...GRANT.map((a) => (a === '2026-12-08T00:00:00Z' ? 'next week' : a))),
    /--to must be an ISO 8601 timestamp/,
  )
  const issued = await run(...GRANT)
  const key = /\n(ew_vk_\S+)\n$/.exec(issued)?.[1]
  assert.ok(key, `the key is printed: ${issued}`)
  const grants = JSON.parse(await run('--json', 'grants', 'list', '--partner', partner.org.slug))
  assert.equal(grants.length, 1)
  const grantId: string = grants[0].id
  assert.deepEqual(grants[0].endpoints, ['chat.completions', 'models'])
  assert.ok(!JSON.stringify(grants).includes(key), 'the key is never listed')
  assert.ok(await services.partners.gatewayGrantByKeyHash(hashOf(key)))

  // 5. Pause (needs a reason), then revoke; the gateway's view follows.
  await rejectsCli(
    run('grants', 'pause', grantId, '--as', lee),
    /required option '--reason <text>'/,
  )
  assert.match(
    await run('grants', 'pause', grantId, '--as', lee, '--reason', 'Incident review'),
    /is now paused/,
  )
  assert.match(
    await run('grants', 'revoke', grantId, '--as', ada, '--reason', 'Contract ended'),
    /is now revoked/,
  )
  assert.equal((await services.partners.gatewayGrantByKeyHash(hashOf(key)))?.status, 'revoked')
  assert.match(await run('grants', 'list', '--status', 'revoked'), new RegExp(grantId))
})

test('refusal needs a category from the list and a reason; the partner is told the category only', async (t) => {
  const { run, services, lab, officer, partner, submission } = await cli(t)
  await services.partners.registerPartner(officer.principal, {
    orgId: partner.org.id,
    sector: 'bank',
  })
  const s = await services.partners.propose(lab.principal, {
    submissionId: submission.id,
    partnerOrgId: partner.org.id,
  })
  await rejectsCli(
    run(
      'selections',
      'refuse',
      s.id,
      '--category',
      'dislike',
      '--reason',
      'x',
      '--as',
      officer.person.email,
    ),
    /Allowed choices are conflict_of_interest/,
  )
  await rejectsCli(
    run('selections', 'refuse', s.id, '--category', 'capacity', '--as', officer.person.email),
    /required option '--reason <text>'/,
  )
  assert.match(
    await run(
      'selections',
      'refuse',
      s.id,
      '--category',
      'capacity',
      '--reason',
      'No reviewers free this month',
      '--as',
      officer.person.email,
    ),
    /refused .* \(capacity\): lab key approved, program key refused; refused/,
  )
  const seen = await services.partners.getSelection(partner.principal, s.id)
  assert.equal(seen.refusal?.category, 'capacity')
  assert.equal(seen.refusal?.reason, null)
  // An unknown person and an unknown partner are named.
  await rejectsCli(
    run(
      'selections',
      'propose',
      '--submission',
      submission.id,
      '--partner',
      'nobody-here',
      '--as',
      lab.person.email,
    ),
    /no organisation with slug "nobody-here"/,
    EXIT.NOT_FOUND,
  )
  await rejectsCli(
    run('selections', 'approve', s.id, '--as', 'ghost@example.org'),
    /no person with email ghost@example.org/,
    EXIT.NOT_FOUND,
  )
})

test('every command explains itself with --help', async (t) => {
  const c = await cli(t)
  const helpOf = async (...path: string[]) => {
    await assert.rejects(c.run(...path, '--help'), (err: unknown) => {
      assert.ok(err instanceof CommanderError)
      assert.equal(err.code, 'commander.helpDisplayed')
      return true
    })
    return c.help()
  }
  assert.match(await helpOf('partners'), /list[\s\S]*show[\s\S]*add/)
  assert.match(await helpOf('selections'), /propose[\s\S]*approve[\s\S]*refuse/)
  assert.match(await helpOf('grants'), /create[\s\S]*pause[\s\S]*revoke/)
  assert.match(await helpOf('partners', 'add'), /--sector <sector>.*\(choices: "hospital"/)
  assert.match(
    await helpOf('selections', 'refuse'),
    /--category <category>[\s\S]*conflict_of_interest/,
  )
  assert.match(
    await helpOf('grants', 'create'),
    /virtual key, which\s+is shown this once[\s\S]*--endpoint <endpoint>/,
  )
})

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}
