/** `earlywatch log verify` in-process, against Tessera's log served on 127.0.0.1. */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { createHttpApp, createServices } from '../app.ts'
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, output } from '../platform/cli.ts'
import type { Db } from '../platform/db/db.ts'
import { testRuntime } from '../platform/testing.ts'
import { defaultStateFile, registerTranslogCommands } from './cli.ts'

const TESSERA_KEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx'
const TESSERA_DIR = fileURLToPath(new URL('./fixtures/tessera/', import.meta.url))

async function setup(t: TestContext) {
  const files = new Map<string, Uint8Array>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (name !== 'SOURCE.md')
        files.set(relative(TESSERA_DIR, p).split('\\').join('/'), readFileSync(p))
    }
  }
  walk(TESSERA_DIR)
  files.set('verifier-key', Buffer.from(`${TESSERA_KEY}\n`))
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const body = path.startsWith('/log/') ? files.get(path.slice(5)) : undefined
    if (body) res.writeHead(200).end(body)
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.after(() => new Promise((r) => server.close(r)))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dataDir = await mkdtemp(join(tmpdir(), 'ew-logcli-'))
  t.after(() => rm(dataDir, { recursive: true, force: true }))

  let printed = ''
  const warnings: string[] = []
  const stream = {
    write: (s: string) => {
      printed += s
      return true
    },
  } as unknown as NodeJS.WriteStream
  const root = new Command('earlywatch').option('--json').exitOverride()
  const ctx: CliContext = {
    out: () => output(Boolean(root.opts().json), stream),
    withServices: () => Promise.reject(new Error('log verify must not open the database')),
  }
  registerTranslogCommands(root, ctx, {
    settings: () => ({ publicUrl: base }),
    userDataDir: () => dataDir,
    warn: (m) => warnings.push(m),
  })
  return {
    files,
    base,
    dataDir,
    warnings,
    async run(...args: string[]) {
      printed = ''
      warnings.length = 0
      root.setOptionValue('json', undefined)
      for (const c of root.commands)
        for (const s of c.commands)
          for (const o of s.options) s.setOptionValue(o.attributeName(), undefined)
      try {
        await root.parseAsync(args, { from: 'user' })
        return { printed, error: undefined as CliError | undefined }
      } catch (err) {
        if (!(err instanceof CliError)) throw err
        return { printed, error: err }
      }
    },
  }
}

test('log verify with the key given: OK, and the state file goes under the user data directory', async (t) => {
  const cli = await setup(t)
  const r = await cli.run('log', 'verify', '--key', TESSERA_KEY)
  assert.equal(r.error, undefined)
  assert.match(r.printed, /^OK: http:\/\/127\.0\.0\.1:\d+\/log verified at size 15, root rKbD/)
  assert.match(r.printed, /entries: all 15 match their leaf hashes/)
  assert.match(r.printed, /no earlier checkpoint recorded/)
  assert.deepEqual(cli.warnings, [])
  const again = await cli.run('log', 'verify', '--key', TESSERA_KEY)
  assert.match(again.printed, /consistent with checkpoint 15 seen on/)
  assert.ok(
    defaultStateFile(cli.dataDir, `${cli.base}/log`).startsWith(join(cli.dataDir, 'log-verify')),
  )
})

test('log verify --json without --key fetches the key, warns, and proves chosen entries', async (t) => {
  const cli = await setup(t)
  const r = await cli.run(
    '--json',
    'log',
    'verify',
    '--url',
    `${cli.base}/log/`,
    '--entry',
    '3',
    '11',
  )
  assert.equal(r.error, undefined)
  const json = JSON.parse(r.printed)
  assert.equal(json.ok, true)
  assert.equal(json.keySource, 'served by the log')
  assert.deepEqual(
    json.included.map((e: { index: number; data: string }) => [e.index, e.data]),
    [
      [3, 'four'],
      [11, 'twelf'],
    ],
  )
  assert.equal(cli.warnings.length, 1)
  assert.match(cli.warnings[0]!, /trusting the verifier key served by the log itself/)
})

test('log verify --quick proves the chosen entries without reading the rest', async (t) => {
  const cli = await setup(t)
  const r = await cli.run('log', 'verify', '--key', TESSERA_KEY, '--quick', '--entry', '6')
  assert.equal(r.error, undefined)
  assert.match(
    r.printed,
    /entries: 1 chosen with --entry match their leaf hashes; the others were not read/,
  )
  assert.match(r.printed, /entry 6 is included \(leaf hash .+\): seven/)
})

test('a tampered entry fails with exit code 1 and names the entry', async (t) => {
  const cli = await setup(t)
  const bundle = Buffer.from(cli.files.get('tile/entries/000.p/15')!)
  bundle.write('TWO', bundle.indexOf('two'))
  cli.files.set('tile/entries/000.p/15', bundle)
  const r = await cli.run('log', 'verify', '--key', TESSERA_KEY)
  assert.equal(r.error?.exitCode, EXIT.FAILURE)
  assert.match(
    r.printed,
    /FAILED: .* \(checkpoint size 15\)\n {2}- entry 1 does not match its leaf hash: the log content was changed/,
  )
})

test('bad flags are usage errors', async (t) => {
  const cli = await setup(t)
  const bad = await cli.run('log', 'verify', '--key', TESSERA_KEY, '--entry', 'x')
  assert.equal(bad.error?.exitCode, EXIT.USAGE)
  assert.match(bad.error!.message, /--entry must be a whole number/)
  const url = await cli.run('log', 'verify', '--url', 'ftp://x/log', '--key', TESSERA_KEY)
  assert.match(url.error!.message, /--url must be an http\(s\) URL/)
})

/** earlywatch itself serving /log/, with entries appended through the translog service. */
async function liveLog(t: TestContext, count: number) {
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const append = async (from: number, to: number, label = 'decision') => {
    await rt.db.transaction((tx) =>
      services.translog.appendMany(
        tx,
        Array.from({ length: to - from }, (_, i) => ({
          type: 'submission.registered' as const,
          subjects: [{ kind: 'submission', id: `sub_${from + i}` }],
          actor: { orgId: 'org_lab', role: 'lab_member' },
          at: '2026-11-02T00:00:00.000Z',
          data: { label: `${label} ${from + i}` },
        })),
      ),
    )
    await services.translog.checkpoint()
  }
  await append(0, count)
  return { rt, base, append, key: await services.translog.verifierKey() }
}

/** What a superuser could do: switch the append-only triggers off around `sql`. */
async function bypassTriggers(db: Pick<Db, 'query'>, sql: string, values: unknown[] = []) {
  const tables = ['translog_entry', 'translog_node', 'translog_checkpoint']
  for (const tb of tables) await db.query(`ALTER TABLE ${tb} DISABLE TRIGGER USER`)
  try {
    await db.query(sql, values)
  } finally {
    for (const tb of tables) await db.query(`ALTER TABLE ${tb} ENABLE TRIGGER USER`)
  }
}

test('an entry edited directly in the database is reported by log verify', async (t) => {
  const live = await liveLog(t, 5)
  const cli = await setup(t)
  const args = ['log', 'verify', '--url', `${live.base}/log`, '--key', live.key]
  assert.equal((await cli.run(...args)).error, undefined)

  await bypassTriggers(
    live.rt.db,
    `UPDATE translog_entry SET body = convert_to(replace(convert_from(body, 'UTF8'), 'decision 2', 'decision X'), 'UTF8') WHERE idx = 2`,
  )
  const r = await cli.run(...args)
  assert.equal(r.error?.exitCode, EXIT.FAILURE)
  assert.match(r.printed, /- entry 2 does not match its leaf hash: the log content was changed\n/)
})

test('dropping the last entries and rewriting them is reported against the checkpoint seen before', async (t) => {
  const live = await liveLog(t, 6)
  const cli = await setup(t)
  const args = ['log', 'verify', '--url', `${live.base}/log`, '--key', live.key]
  assert.equal((await cli.run(...args)).error, undefined)

  // Entries 4 and 5 go, with every stored node that covers them, and new ones take their place.
  await bypassTriggers(live.rt.db, 'DELETE FROM translog_entry WHERE idx >= 4')
  await bypassTriggers(
    live.rt.db,
    'DELETE FROM translog_node WHERE (idx + 1) * (2 ^ level)::bigint > 4',
  )
  await live.rt.db.query('UPDATE translog_state SET size = 4')
  await live.append(4, 7, 'rewritten')
  const r = await cli.run(...args)
  assert.equal(r.error?.exitCode, EXIT.FAILURE)
  assert.match(
    r.printed,
    /- checkpoint 7 is not consistent with checkpoint 6 seen on .*: the first 6 entries now hash to .*, so history was rewritten/,
  )
  assert.match(r.printed, /evidence: both signed checkpoints are in the --json output/)
})
