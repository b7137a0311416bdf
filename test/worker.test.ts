/**
 * Scale-out: `earlywatch worker` in a second process, against the same PostgreSQL, runs the
 * jobs that `earlywatch serve` enqueued. Both run as real child processes; the test talks to
 * serve over HTTP and watches the database for the job's effect.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bearer, seedMember } from '../src/accounts/testing.ts'
import { createServices } from '../src/app.ts'
import { TEST_MASTER_KEY, testRuntime } from '../src/platform/testing.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

function start(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  let out = ''
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d) => {
    out += d
  })
  child.stderr!.on('data', (d) => {
    out += d
  })
  return { child, output: () => out }
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
  if (child.exitCode === null) child.kill('SIGKILL')
}

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`${what}: not seen within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

test('a worker process picks up the jobs that serve enqueued', {
  skip: process.env.DATABASE_URL
    ? undefined
    : 'needs DATABASE_URL: two processes cannot share the embedded database',
}, async (t) => {
  // 1. A fresh schema, with a lab member and a program officer made through the services.
  const rt = await testRuntime(t)
  const services = await createServices(rt)
  const lab = await seedMember(services.accounts, { kind: 'lab', roles: ['lab_member'] })
  const officer = await seedMember(services.accounts, {
    kind: 'program',
    roles: ['program_officer'],
  })
  const env = {
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: rt.settings.databaseSchema,
    EARLYWATCH_MASTER_KEY: TEST_MASTER_KEY,
    EARLYWATCH_DEMO: 'false',
    EARLYWATCH_WORKER_IN_PROCESS: 'false',
    LOG_LEVEL: 'warn',
  }

  // 2. serve, without a worker of its own.
  const port = await freePort()
  const serve = start(['serve'], { ...env, PORT: String(port) })
  t.after(() => stop(serve.child))
  const base = `http://127.0.0.1:${port}`
  await eventually('serve ready', async () =>
    (await fetch(`${base}/readyz`)).ok ? true : undefined,
  )

  // 3. Registering and accepting a submission enqueues its deadline notices; the window opens now.
  const day = 86_400_000
  const created = await fetch(`${base}/api/submissions`, {
    method: 'POST',
    headers: { ...bearer(lab.token), 'content-type': 'application/json' },
    body: JSON.stringify({
      modelName: 'Worker Test Model',
      modelVersion: '1.0',
      description: 'Used by the worker integration test.',
      intendedCapabilities: ['testing'],
      endpoint: {
        baseUrl: 'https://lab.example/v1',
        protocol: 'openai',
        modelId: 'wt-1',
        credential: 'sk-test',
      },
      offeredDays: 30,
      partnerReleaseAt: new Date(Date.now() + 10 * day).toISOString(),
    }),
  })
  assert.equal(created.status, 201, await created.clone().text())
  const { id } = (await created.json()) as { id: string }
  const accepted = await fetch(`${base}/api/submissions/${id}/accept`, {
    method: 'POST',
    headers: { ...bearer(officer.token), 'content-type': 'application/json' },
    body: JSON.stringify({}),
  })
  assert.equal(accepted.status, 200, await accepted.clone().text())

  const notices = async () =>
    (
      await rt.db.query<{ kind: string; org_id: string }>(
        "SELECT kind, org_id FROM notification WHERE subject_id = $1 AND kind = 'program.window_opens'",
        [id],
      )
    ).rows

  // 4. Nothing runs the job yet: serve has no worker.
  assert.equal((await notices()).length, 0, 'serve must not run jobs without a worker')

  // 5. A worker in another process picks the job up and the notices appear, for the lab and the program.
  const worker = start(['worker'], env)
  t.after(() => stop(worker.child))
  const rows = await eventually('window-opens notices', async () => {
    const r = await notices()
    return r.length >= 2 ? r : undefined
  })
  assert.ok(
    rows.some((r) => r.org_id === lab.org.id),
    `the lab is told\n${worker.output()}`,
  )
  assert.ok(
    rows.some((r) => r.org_id === officer.org.id),
    'the program is told',
  )
})
