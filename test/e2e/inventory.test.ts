/**
 * Inventories in a real browser: a program officer opens the sector dashboard and sees both
 * charts drawn from the demo's operators; the water utility's member sees what to patch first
 * and to which version. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

test('the sector dashboard draws exposure over time and time to patch; an operator sees what to patch first', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'inventory-failure.png')
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const signIn = async (role: string) => {
    const p = personas.find((x) => x.role === role)
    assert.ok(p, `demo mode offers a ${role} persona`)
    if (!(await page.getByRole('heading', { name: 'Sign in', level: 1 }).isVisible()))
      await page.goto(server.base)
    await page.getByRole('button', { name: `${p.label} ${p.personName}`, exact: false }).click()
    await page.getByRole('banner').getByText(p.personName).waitFor()
  }

  // 1. The program officer's sector dashboard.
  await signIn('program_officer')
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Inventories' })
    .click()
  await page.getByRole('heading', { name: 'Sector exposure', level: 1 }).waitFor()
  const exposure = page.getByRole('figure', { name: /Operators still exposed/ })
  // A flat line has a zero-height box, which counts as hidden: wait for it to be drawn at all.
  await exposure.locator('svg .recharts-line-curve').first().waitFor({ state: 'attached' })
  const lines = await exposure.locator('svg .recharts-line-curve').count()
  assert.ok(lines >= 5, `one line per exposed sector (${lines})`)
  for (const sector of ['Hospitals and health', 'Banks and credit unions', 'Water utilities'])
    await exposure.locator('.recharts-legend-item-text', { hasText: sector }).waitFor()
  const ttp = page.getByRole('figure', { name: 'Time to patch by sector' })
  await ttp.locator('svg .recharts-bar-rectangle').first().waitFor()
  assert.ok(
    (await ttp.locator('svg .recharts-bar-rectangle').count()) >= 3,
    'bars for the sectors that patched',
  )
  const alt = ttp.getByRole('table', { name: /Time to patch by sector/ })
  assert.match((await alt.textContent()) ?? '', /Banks and credit unions/)
  await page.getByRole('table').filter({ hasText: 'GHSA-qppj-fm5r-hxr3' }).first().waitFor()
  await shot(page, 'inventory-sectors.png')

  // Picking one advisory redraws the exposure chart for it alone.
  await page.getByLabel('Advisory').selectOption({ index: 1 })
  await page.getByRole('heading', { name: /Operators still exposed to / }).waitFor()

  // 2. The water utility's member: patch first, and to which version.
  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  await signIn('operator_member')
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Inventories' })
    .click()
  await page
    .getByRole('heading', { name: /Prairie County Water: software inventory/, level: 1 })
    .waitFor()
  const first = page.getByRole('region', { name: 'Patch first' })
  await first
    .getByText(/or later/)
    .first()
    .waitFor()
  await shot(page, 'inventory-operator.png')

  assert.deepEqual(problems, [])
  passed()
})
