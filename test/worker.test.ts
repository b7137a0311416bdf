/**
 * Scale-out: `earlywatch worker` in a second process, against the same PostgreSQL, runs the
 * jobs that `earlywatch serve` enqueued. Both run as real child processes; the test talks to
 * serve over HTTP and watches the database for the job's effect.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, seedMember } from '../src/accounts/testing.ts'
import { createServices, logOrigin } from '../src/app.ts'
import { TEST_MASTER_KEY, testRuntime } from '../src/platform/testing.ts'
import { cleanEnv, eventually, freePort, runEarlywatch } from './support.ts'

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
  const env = cleanEnv({
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: rt.settings.databaseSchema,
    EARLYWATCH_MASTER_KEY: TEST_MASTER_KEY,
    EARLYWATCH_DEMO: 'false',
    EARLYWATCH_WORKER_IN_PROCESS: 'false',
    LOG_LEVEL: 'warn',
    // Both processes serve the one log this schema already holds, whatever port they listen on.
    EARLYWATCH_LOG_ORIGIN: logOrigin(rt.settings.publicUrl),
  })

  // 2. serve, without a worker of its own.
  const port = await freePort()
  const serve = runEarlywatch(['serve'], { ...env, PORT: String(port) })
  t.after(() => serve.stop())
  const base = `http://127.0.0.1:${port}`
  await eventually('serve ready', async () => {
    if (serve.child.exitCode !== null) throw new Error(`serve exited:\n${serve.output()}`)
    return (await fetch(`${base}/readyz`)).ok ? true : undefined
  }).catch((err) => assert.fail(`${err.message}\n${serve.output()}`))

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
  const worker = runEarlywatch(['worker'], env)
  t.after(() => worker.stop())
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
