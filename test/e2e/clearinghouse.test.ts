/**
 * The clearinghouse in a real browser against a real demo server: an analyst works the triage
 * queue (demonstrated exploits first, SLA badges, duplicate suggestions) and the disclosure case
 * page (embargo countdown, vendors' VEX statuses, the TLP-labelled thread); a partner reports a
 * vulnerability through the form. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { openPage, shot, startDemoServer } from './harness.ts'

async function signInAs(page: Page, base: string, role: string) {
  const personas = (await fetch(`${base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const p = personas.find((x) => x.role === role)
  assert.ok(p, `demo mode offers a ${role} persona`)
  await page.goto(base)
  await page.getByRole('button', { name: `${p.label} ${p.personName}`, exact: false }).click()
  await page.getByRole('banner').getByText(p.personName).waitFor()
  return p
}

test('an analyst works the triage queue and a disclosure case; a partner reports through the form', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'clearinghouse-failure.png')

  // 1. The analyst's queue: the demonstrated exploit from the demo model comes first.
  await signInAs(page, server.base, 'analyst')
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Clearinghouse' })
    .click()
  await page.getByRole('heading', { name: 'Triage queue', level: 1 }).waitFor()
  const rows = page.locator('table.ew-queue tbody tr')
  await rows.first().waitFor()
  assert.match(
    (await rows.first().textContent()) ?? '',
    /SQL injection[\s\S]*demonstrated[\s\S]*attend/i,
  )
  assert.ok((await page.locator('.ew-sla').count()) > 0, 'SLA badges are shown')
  await page.getByText('same fingerprint').first().waitFor()
  await shot(page, 'clearinghouse-triage-queue.png')

  // 2. Filters narrow the queue on the server.
  await page.getByLabel('AI exploitability').selectOption('theoretical')
  await page.getByText('Session fixation through the SSO callback').waitFor()
  // The filtered page replaces the unfiltered one when the server answers: wait for it.
  for (let i = 0; i < 100 && (await rows.count()) !== 1; i++) await page.waitForTimeout(100)
  assert.equal(await rows.count(), 1)
  await page.getByLabel('AI exploitability').selectOption('')

  // 3. The case page: countdown, VEX statuses, labelled thread.
  await page.getByRole('link', { name: 'Disclosure cases' }).click()
  await page.getByRole('heading', { name: 'Disclosure cases', level: 1 }).waitFor()
  await page.getByRole('link', { name: /statement export path traversal/ }).click()
  await page.getByRole('heading', { name: /statement export path traversal/, level: 1 }).waitFor()
  const days = Number(await page.getByTestId('embargo-days').textContent())
  assert.ok(days > 60 && days <= 85, `embargo countdown ${days}`)
  await page.locator('tr[data-vex="fixed"]').getByText('fixed in 2.4.1').waitFor()
  await page.locator('tr[data-vex="known_not_affected"]').waitFor()
  const thread = page.getByRole('region', { name: 'Thread' })
  await thread.getByText('TLP:AMBER+STRICT').first().waitFor()
  await page.getByLabel('Message', { exact: true }).fill('Advisory draft will follow next week.')
  await thread.getByLabel('Label', { exact: true }).selectOption('AMBER+STRICT')
  await page.getByRole('button', { name: 'Send' }).click()
  await thread.getByText('Advisory draft will follow next week.').waitFor()
  await shot(page, 'clearinghouse-case.png')

  // 3b. The analyst names the operators allowed to receive the embargoed advisory, saying why.
  const allowed = page.getByRole('region', { name: 'Operators allowed' })
  await allowed.getByText(/reaches only these operators/).waitFor()
  // USWDS draws its own box: a person clicks the label, and the hidden input follows.
  const first = allowed.locator('.usa-checkbox__label').first()
  await first.waitFor()
  const operatorName = ((await first.textContent()) ?? '').split('(')[0]!.trim()
  await first.click()
  assert.equal(await allowed.getByRole('checkbox').first().isChecked(), true)
  await allowed.getByLabel('Reason for this list').fill('Runs the affected statement export.')
  await allowed.getByRole('button', { name: 'Save the allowed operators' }).click()
  const decisions = allowed.getByRole('list', { name: 'Decisions on allowed operators' })
  await decisions.getByText('Runs the affected statement export.').waitFor()
  assert.match((await decisions.textContent()) ?? '', new RegExp(`1 allowed \\(${operatorName}`))
  await shot(page, 'clearinghouse-allowed-operators.png')

  // 4. A partner reports through the form and gets a receipt with a status link.
  await page.context().clearCookies()
  await signInAs(page, server.base, 'partner_member')
  await page.goto(`${server.base}/clearinghouse/report`)
  await page.getByRole('heading', { name: 'Report a vulnerability', level: 1 }).waitFor()
  await page.getByLabel('Package URL (purl)').fill('pkg:npm/e2e-widget@1.0.0')
  await page.getByLabel('Title').fill('Prototype pollution in e2e-widget merge()')
  await page.getByLabel('Description').fill('merge() copies __proto__ keys onto the target.')
  await page.getByLabel('Weakness (CWE)').fill('CWE-1321')
  await page.getByLabel('CVSS 3.1 vector').fill('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N')
  await page.getByRole('button', { name: 'Send report' }).click()
  await page.getByRole('heading', { name: 'Report received', level: 1 }).waitFor()
  await page.getByText(/\/api\/clearinghouse\/reports\/rpt_/).waitFor()
  await shot(page, 'clearinghouse-receipt.png')

  assert.deepEqual(problems, [])
  passed()
})
