/**
 * The controlled benchmark in a real browser: an agency signatory approves a threshold policy
 * draft (which then still needs the other agency), and the custodian reviews the vault.
 * Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

test('an agency approves a policy draft; the custodian sees the vault without item content', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'benchmark-failure.png')
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const signIn = async (role: string) => {
    const who = personas.find((p) => p.role === role)
    assert.ok(who, `demo mode offers a ${role} persona`)
    if (!(await page.getByRole('heading', { name: 'Sign in', level: 1 }).isVisible()))
      await page.goto(server.base)
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    await page.getByRole('button', { name: `${who.label} ${who.personName}`, exact: false }).click()
    await page.getByRole('banner').getByText(who.personName).waitFor()
  }

  await signIn('agency_signatory')
  await page.getByRole('link', { name: 'Threshold policy' }).first().click()
  await page.getByRole('heading', { name: 'Threshold policy', level: 1 }).waitFor()
  await page.getByText('In force', { exact: true }).waitFor()
  await page.getByRole('button', { name: 'Approve version 2' }).click()
  // One agency is not two: the draft still waits for a signatory of a different agency.
  await page.getByText(/1 more approval by a signatory of a different consulting agency/).waitFor()
  assert.equal(await page.getByRole('button', { name: 'Approve version 2' }).count(), 0)
  await shot(page, 'benchmark-policy.png')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  await signIn('benchmark_custodian')
  await page.getByRole('link', { name: 'Threshold policy' }).first().click()
  await page.getByRole('heading', { name: 'Threshold policy', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Controlled item vault' }).click()
  await page.getByRole('heading', { name: 'Controlled benchmark vault', level: 1 }).waitFor()
  await page.getByRole('rowheader', { name: 'Security knowledge (demo)' }).waitFor()
  await page.getByRole('heading', { name: 'Exposure ledger' }).waitFor()
  const text = await page.locator('main').innerText()
  assert.ok(!text.includes('EW-DEMO-CANARY'), 'the vault page shows no item content')
  await shot(page, 'benchmark-vault.png')
  assert.deepEqual(problems, [])
  passed()
})
