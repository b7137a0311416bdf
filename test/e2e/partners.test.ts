/**
 * Trusted partners in a real browser against a real demo server: a program officer reads the
 * directory, turns the program's key on the selection board, issues a grant and sees its key
 * once, then pauses and revokes it on the grant page, and uploads a vetting evidence document
 * to a partner's page and downloads it back. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

test('a program officer approves a proposed partner, issues a grant, then pauses and revokes it', async (t) => {
  // Checked before the server starts, so a missing browser fails at once instead of leaving it running.
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  assert.ok(
    existsSync(chromium),
    `No Chromium at ${chromium}: apt-get install chromium, or set CHROMIUM_PATH.`,
  )
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'partners-failure.png')
  // Usage is served by the gateway (GET /api/grants/:id/usage); where this server has no such
  // route the page shows an empty state, and the browser logs the 404 it got on the way.
  const notFound: string[] = []
  page.on('response', (r) => {
    if (r.status() === 404) notFound.push(new URL(r.url()).pathname)
  })

  // 1. Sign in as the program officer through the demo persona chooser.
  await page.goto(server.base)
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const officer = personas.find((p) => p.role === 'program_officer')
  assert.ok(officer, 'demo mode offers a program officer persona')
  await page
    .getByRole('button', { name: `${officer.label} ${officer.personName}`, exact: false })
    .click()
  await page.getByRole('heading', { name: 'Program overview', level: 1 }).waitFor()

  // 2. The directory lists the four demo partners with their sectors and vetting.
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Trusted partners' })
    .click()
  await page.getByRole('heading', { name: 'Trusted partners', level: 1 }).waitFor()
  const directory = page.getByRole('table')
  for (const name of [
    'Lakeside Regional Hospital',
    'Harvest Valley Community Bank',
    'Cedar Falls Water Utility',
    'Blackpine Security',
  ]) {
    await directory.getByRole('link', { name }).waitFor()
  }
  assert.equal(await directory.getByText('Vetted', { exact: true }).count(), 4)
  await shot(page, 'partners-directory.png')

  // 3. Atlas-3's board: the bank was proposed by the lab and waits for the program's key.
  await page.getByRole('link', { name: /^Atlas-3 2026\.11$/ }).click()
  await page.getByRole('heading', { name: /Partners for Atlas-3/, level: 1 }).waitFor()
  const bank = page.locator('article[data-selection="Harvest Valley Community Bank"]')
  await bank.getByText('Lab: Key turned').waitFor()
  await bank.getByText('Program: Key not turned').waitFor()
  // The refused security firm shows the category and the written reason to the program.
  const firm = page.locator('article[data-selection="Blackpine Security"]')
  await firm.getByText('Conflict of interest').waitFor()
  await firm.getByText(/paid contract with Meridian AI/).waitFor()

  await bank.getByRole('button', { name: 'Approve for the program' }).click()
  await bank.getByText('Selected (both keys)').waitFor()
  await bank.getByText('Program: Key turned').waitFor()

  // 4. Issue a grant: the window is prefilled with the partner-access period; the key shows once.
  await bank.getByRole('button', { name: 'Issue a grant' }).click()
  const form = bank.getByRole('form', { name: 'Issue a grant' })
  await form.getByLabel('Requests per minute').fill('30')
  await form.getByRole('button', { name: 'Issue the grant' }).click()
  const key = bank.getByTestId('virtual-key')
  await key.waitFor()
  assert.match((await key.textContent()) ?? '', /^ew_vk_[A-Za-z0-9_-]{43}$/)
  await bank.getByText('Active', { exact: true }).waitFor()
  await shot(page, 'partners-board.png')

  // 5. The grant page: terms, the usage panel (empty until the gateway meters traffic), controls.
  await bank.getByRole('link', { name: /^ew_vk_/ }).click()
  await page
    .getByRole('heading', { name: /Harvest Valley Community Bank · Atlas-3/, level: 1 })
    .waitFor()
  await page.getByText('30', { exact: true }).waitFor()
  await page.getByRole('region', { name: 'Usage' }).waitFor()
  const controls = page.getByRole('complementary')
  await controls.getByLabel('Reason').fill('Checking the partner’s first traffic')
  await controls.getByRole('button', { name: 'Pause' }).click()
  await controls.getByText('Paused: the key is refused until resumed.').waitFor()
  await page.getByRole('main').getByText('Paused by the program').first().waitFor()

  await controls.getByLabel('Reason').fill('Pilot ended early')
  await controls.getByRole('button', { name: 'Revoke' }).click()
  await controls.getByText('Revoked: its key no longer works.').waitFor()
  const history = page.getByRole('region', { name: 'History' })
  await history.getByText(/revoked/).waitFor()
  await history.getByText(/Pilot ended early/).waitFor()
  await shot(page, 'partners-grant.png')

  // 6. Vetting evidence on a partner's page: a wrong type is named before upload; a text file is
  //    stored (encrypted) and listed with a download link that returns the same bytes.
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Trusted partners' })
    .click()
  await page.getByRole('table').getByRole('link', { name: 'Lakeside Regional Hospital' }).click()
  await page.getByRole('heading', { name: 'Lakeside Regional Hospital', level: 1 }).waitFor()
  const evidence = page.getByRole('region', { name: 'Vetting evidence (stored encrypted)' })
  const fileInput = evidence.getByLabel('Evidence document')
  await fileInput.setInputFiles({
    name: 'macro.docm',
    mimeType: 'application/vnd.ms-word.document.macroEnabled.12',
    buffer: Buffer.from('PK'),
  })
  await evidence.getByText(/evidence must be PDF, PNG, JPEG, plain text/).waitFor()
  const text = 'Site visit 2026-11-02: incident response plan reviewed.\n'
  await fileInput.setInputFiles({
    name: 'site-visit.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(text),
  })
  await evidence.getByRole('button', { name: 'Upload (stored encrypted)' }).click()
  await evidence.getByText('site-visit.txt was uploaded and stored encrypted.').waitFor()
  const link = evidence.getByRole('link', { name: 'site-visit.txt' })
  await link.waitFor()
  const download = await page.request.get(
    new URL((await link.getAttribute('href'))!, server.base).href,
  )
  assert.equal(download.status(), 200)
  assert.equal(await download.text(), text)
  await shot(page, 'partners-evidence.png')

  assert.deepEqual(
    notFound.filter((p) => !/^\/api\/grants\/[a-z0-9_]+\/usage$/.test(p)),
    [],
    'nothing but the gateway’s usage route is missing',
  )
  const usage404 = /Failed to load resource: .* 404/
  assert.deepEqual(
    problems.filter((p) => !(usage404.test(p) && notFound.length > 0)),
    [],
    'no script errors or CSP violations',
  )
  passed()
})
