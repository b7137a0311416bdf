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
import type { CliContext } from '../cli-context.ts'
import { CliError, EXIT, output } from '../platform/cli.ts'
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
