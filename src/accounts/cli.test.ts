/** The accounts commands, run in-process against a test database. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { Command } from 'commander'
import type { Services } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, output } from '../platform/cli.ts'
import { testRuntime } from '../platform/testing.ts'
import { registerAccountsCommands } from './cli.ts'
import { createAccountsService } from './service.ts'

async function cli(t: TestContext) {
  const rt = await testRuntime(t)
  const accounts = createAccountsService({ db: rt.db, clock: rt.clock, settings: rt.settings })
  let printed = ''
  const stream = {
    write: (s: string) => {
      printed += s
      return true
    },
  } as unknown as NodeJS.WriteStream
  const program = new Command('earlywatch').option('--json').exitOverride()
  const ctx: CliContext = {
    out: () => output(Boolean(program.opts().json), stream),
    // Only the accounts service is needed by these commands.
    withServices: (fn) => fn({ accounts } as unknown as Services, rt),
  }
  registerAccountsCommands(program, ctx, { readPassword: async () => 'piped in password' })
  return {
    accounts,
    async run(...args: string[]) {
      printed = ''
      await program.parseAsync(args, { from: 'user' })
      return printed
    },
  }
}

test('orgs and users: create, grant, token, link, list', async (t) => {
  const { run, accounts } = await cli(t)
  assert.match(
    await run('orgs', 'create', '--kind', 'lab', '--name', 'Frontier Lab'),
    /slug frontier-lab/,
  )
  const created = await run(
    'users',
    'create',
    '--email',
    'lee@frontier.example',
    '--name',
    'Lee',
    '--password',
    '--org',
    'frontier-lab',
    '--role',
    'lab_member',
  )
  assert.match(created, /lab_member in frontier-lab/)
  const s = await accounts.signInWithPassword('lee@frontier.example', 'piped in password')
  assert.deepEqual(s.principal.roles, ['lab_member'])

  const token = JSON.parse(
    await run(
      '--json',
      'users',
      'token',
      '--email',
      'lee@frontier.example',
      '--org',
      'frontier-lab',
      '--days',
      '7',
    ),
  )
  assert.ok(await accounts.fromToken(token.token))

  const link = await run('users', 'link', '--email', 'lee@frontier.example')
  assert.match(link, /\/api\/session\/link\?token=ew_lnk_/)

  const list = JSON.parse(await run('--json', 'users', 'list'))
  assert.equal(list[0].email, 'lee@frontier.example')
  assert.equal(list[0].memberships[0].role, 'lab_member')
  assert.doesNotMatch(JSON.stringify(list), /scrypt/)
  assert.match(await run('orgs', 'list'), /frontier-lab\s+lab\s+Frontier Lab/)
})

test('bad input gets a one-line reason', async (t) => {
  const { run } = await cli(t)
  await run('orgs', 'create', '--kind', 'program', '--name', 'Program')
  await run('users', 'create', '--email', 'a@example.org', '--name', 'A')
  await assert.rejects(
    run('users', 'create', '--email', 'b@example.org', '--name', 'B', '--org', 'program'),
    (e: unknown) => {
      assert.ok(e instanceof CliError)
      assert.match(e.message, /--org and --role go together/)
      return true
    },
  )
  // A role that does not fit leaves no half-made person behind.
  await assert.rejects(
    run(
      'users',
      'create',
      '--email',
      'c@example.org',
      '--name',
      'C',
      '--org',
      'program',
      '--role',
      'lab_member',
    ),
    /lab_member cannot be held in a program organisation/,
  )
  assert.doesNotMatch(await run('users', 'list'), /c@example\.org/)
  await assert.rejects(
    run('users', 'grant', '--email', 'a@example.org', '--org', 'nope', '--role', 'admin'),
    /no organisation with slug "nope"/,
  )
  await assert.rejects(
    run('users', 'grant', '--email', 'a@example.org', '--org', 'program', '--role', 'lab_member'),
    /lab_member cannot be held in a program organisation/,
  )
  await assert.rejects(
    run('users', 'token', '--email', 'a@example.org', '--org', 'program', '--days', '400'),
    /--days must be a whole number from 1 to 365/,
  )
  await assert.rejects(
    run('users', 'link', '--email', 'ghost@example.org'),
    /no person with email ghost@example.org/,
  )
  await assert.rejects(run('orgs', 'create', '--kind', 'club', '--name', 'X'), /Allowed choices/)
})
