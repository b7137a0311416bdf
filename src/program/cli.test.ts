/** The submissions commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { Command } from 'commander'
import { createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, output } from '../platform/cli.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerProgramCommands } from './cli.ts'

const SECRET = 'sk-cli-secret-0a1b2c3d'

async function cli(t: TestContext) {
  const rt = await testRuntime(t, { clock: fixedClock('2026-11-02T00:00:00Z') })
  const services = await createServices(rt)
  const { accounts } = services
  const lab = await accounts.createOrg({ kind: 'lab', name: 'Frontier Lab', slug: 'frontier-lab' })
  const lee = await accounts.createPerson({ email: 'lee@frontier.example', name: 'Lee Lab' })
  await accounts.grant({ orgId: lab.id, personId: lee.id, role: 'lab_member' })
  const prog = await accounts.createOrg({ kind: 'program', name: 'The Program', slug: 'program' })
  const ada = await accounts.createPerson({ email: 'ada@program.example', name: 'Ada Officer' })
  await accounts.grant({ orgId: prog.id, personId: ada.id, role: 'program_officer' })

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
  registerProgramCommands(root, ctx, { env: { LAB_KEY: SECRET, EMPTY: '' } })
  return {
    services,
    async run(...args: string[]) {
      printed = ''
      // Options of an earlier run stay set on a reused commander tree; reset the root flag.
      root.setOptionValue('json', undefined)
      await root.parseAsync(args, { from: 'user' })
      return printed
    },
  }
}

const REGISTER = [
  'submissions',
  'register',
  '--as',
  'lee@frontier.example',
  '--org',
  'frontier-lab',
  '--model',
  'Atlas',
  '--model-version',
  '3.0',
  '--capability',
  'coding',
  '--capability',
  'agentic tool use',
  '--release-partner',
  '2026-12-01T09:00:00-05:00',
  '--release-public',
  '2026-12-15T09:00:00+05:30',
  '--days',
  '20',
  '--endpoint-url',
  'https://api.frontier.example/v1',
  '--protocol',
  'anthropic',
  '--model-id',
  'atlas-3',
  '--credential-env',
  'LAB_KEY',
]

const rejectsCli = (p: Promise<unknown>, message: RegExp, exitCode: number = EXIT.USAGE) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`)
    assert.match(err.message, message)
    assert.equal(err.exitCode, exitCode)
    return true
  })

test('register, list, show, accept, reschedule and withdraw from the shell', async (t) => {
  const { run, services } = await cli(t)

  // 1. Register as the lab, with the key from the environment; JSON output has no credential.
  const registered = JSON.parse(await run('--json', ...REGISTER))
  assert.equal(registered.labName, 'Frontier Lab')
  assert.deepEqual(registered.intendedCapabilities, ['coding', 'agentic tool use'])
  assert.equal(registered.partnerReleaseAt, '2026-12-01T14:00:00.000Z')
  assert.equal(registered.offeredDays, 20)
  const id: string = registered.id
  assert.equal((await services.program.getCredential(id)).credential, SECRET)

  // 2. List as a table, filtered.
  const listed = await run('submissions', 'list', '--lab', 'frontier-lab', '--state', 'submitted')
  assert.match(listed, /^ID\s+LAB\s+MODEL\s+STATE\s+WINDOW\s+CLOSES/)
  assert.match(listed, new RegExp(`${id}\\s+Frontier Lab\\s+Atlas 3.0\\s+submitted\\s+upcoming`))
  assert.equal(await run('submissions', 'list', '--state', 'released'), '(none)\n')

  // 3. Accept as the officer: the organisation is found from the role.
  assert.match(
    await run('submissions', 'accept', id, '--as', 'ada@program.example', '--reason', 'Verified'),
    /accepted .*review window opens 2026-11-11T14:00:00.000Z/,
  )

  // 4. The lab moves the partner date earlier, then drops it.
  assert.match(
    await run(
      'submissions',
      'reschedule',
      id,
      '--as',
      'lee@frontier.example',
      '--partner',
      '2026-11-25T00:00:00Z',
      '--reason',
      'Pilot earlier',
    ),
    /rescheduled/,
  )
  const dropped = JSON.parse(
    await run(
      '--json',
      'submissions',
      'reschedule',
      id,
      '--as',
      'lee@frontier.example',
      '--partner',
      'none',
      '--reason',
      'No pilot',
    ),
  )
  assert.equal(dropped.partnerReleaseAt, null)

  // 5. Withdraw; show tells the whole story.
  assert.match(
    await run(
      'submissions',
      'withdraw',
      id,
      '--as',
      'lee@frontier.example',
      '--reason',
      'Cancelled',
    ),
    /credential is destroyed/,
  )
  const shown = await run('submissions', 'show', id)
  assert.match(shown, /state\s+withdrawn/)
  assert.match(shown, /credential\s+destroyed 2026-11-02/)
  for (const line of ['registered', 'accepted', 'rescheduled', 'withdrawn'])
    assert.match(shown, new RegExp(line))
  assert.match(shown, /Ada Officer \(The Program\)\s+Verified/)
  assert.ok(!shown.includes(SECRET))
})

test('commands name the flag at fault and refuse to guess', async (t) => {
  const { run } = await cli(t)
  const withFlag = (flag: string, value: string) => {
    const args = [...REGISTER]
    args[args.indexOf(flag) + 1] = value
    return args
  }
  await rejectsCli(
    run(...withFlag('--credential-env', 'MISSING')),
    /--credential-env: the environment variable MISSING is not set/,
  )
  await rejectsCli(run(...withFlag('--credential-env', 'EMPTY')), /EMPTY is not set or empty/)
  await rejectsCli(
    run(...withFlag('--release-partner', '2026-12-01')),
    /--release-partner \/ --partner: a date alone is ambiguous/,
  )
  await rejectsCli(
    run(...withFlag('--release-partner', '2026-10-01T00:00:00Z')),
    /--release-partner \/ --partner: must be in the future/,
  )
  await rejectsCli(run(...withFlag('--days', '45')), /--days:/)
  await rejectsCli(run(...withFlag('--endpoint-url', 'not a url')), /--endpoint-url:/)
  await rejectsCli(
    run(...withFlag('--as', 'nobody@nowhere.example')),
    /no person with email nobody@nowhere.example/,
    EXIT.NOT_FOUND,
  )
  await rejectsCli(
    run(...withFlag('--org', 'no-such-lab')),
    /no organisation with slug "no-such-lab"/,
    EXIT.NOT_FOUND,
  )
  assert.equal(
    JSON.parse(await run('--json', 'submissions', 'list')).total,
    0,
    'nothing was stored',
  )

  const id = JSON.parse(await run('--json', ...REGISTER)).id
  await rejectsCli(
    run('submissions', 'accept', id, '--as', 'lee@frontier.example'),
    /holds the program_officer role in no organisation/,
    EXIT.FORBIDDEN,
  )
  await rejectsCli(
    run('submissions', 'reschedule', id, '--as', 'lee@frontier.example', '--reason', 'x'),
    /give --partner, --public or both/,
  )
  await rejectsCli(run('submissions', 'list', '--limit', 'lots'), /--limit must be a whole number/)
})
