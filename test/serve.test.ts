/**
 * `earlywatch serve` as a user runs it: embedded database in a fresh data directory, demo data,
 * the first-start sign-in link, readiness, and a clean exit on SIGTERM. Also: bad settings
 * stop the start with a message naming each one.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { cleanEnv, freePort, MAIN, runEarlywatch } from './support.ts'

test('bad settings stop the start, naming each one, with exit code 5', () => {
  const r = spawnSync(process.execPath, [MAIN, 'serve'], {
    env: cleanEnv({ PORT: 'eighty', LOG_LEVEL: 'chatty' }),
    encoding: 'utf8',
  })
  assert.equal(r.status, 5)
  assert.match(r.stderr, /PORT/)
  assert.match(r.stderr, /LOG_LEVEL/)
})

test('an unknown command or option is a usage error (exit 2) with help hints', () => {
  const r = spawnSync(process.execPath, [MAIN, 'serv'], { env: cleanEnv({}), encoding: 'utf8' })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown command/)
})

test('serve on the embedded default: demo data, first-start link, ready, and a clean SIGTERM', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ew-serve-'))
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const serve = runEarlywatch(
    ['serve'],
    cleanEnv({ PORT: String(port), EARLYWATCH_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
  )
  t.after(() => serve.stop())

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  while (!serve.output().includes('is running at')) {
    if (serve.child.exitCode !== null) assert.fail(`serve exited early:\n${serve.output()}`)
    if (Date.now() > deadline) assert.fail(`serve did not start:\n${serve.output()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  const out = serve.output()
  assert.match(out, /http:\/\/localhost:\d+/)
  assert.match(
    out,
    /\/api\/session\/link\?token=/,
    'the first start prints a one-time sign-in link',
  )
  assert.equal((await fetch(`${base}/readyz`)).status, 200)

  const session = (await (await fetch(`${base}/api/session`)).json()) as { demo: boolean }
  assert.equal(session.demo, true)
  const personas = (await (await fetch(`${base}/api/session/demo`)).json()) as Array<{
    role: string
  }>
  assert.ok(personas.some((p) => p.role === 'lab_member'))
  assert.ok(personas.some((p) => p.role === 'program_officer'))

  serve.child.kill('SIGTERM')
  assert.equal(await serve.exited, 0, `a clean shutdown exits 0:\n${serve.output()}`)
})
