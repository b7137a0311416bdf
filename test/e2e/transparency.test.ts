/**
 * The public transparency pages in a real browser, as a visitor who never signs in: the report
 * draws its charts and shows the signed checkpoint; the log explorer opens an entry and verifies
 * its inclusion in the browser. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

/** The demo's decisions are appended at start; the checkpoint covering them follows within seconds. */
async function signedSize(base: string): Promise<number> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${base}/log/checkpoint`)
    const size = res.ok ? Number((await res.text()).split('\n')[1]) : 0
    if (size > 0) return size
    if (Date.now() > deadline)
      assert.fail('no signed checkpoint covering the demo data within 30 s')
    await new Promise((r) => setTimeout(r, 250))
  }
}

test('an anonymous visitor reads the transparency report and verifies an entry in the browser', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'transparency-failure.png')
  const size = await signedSize(server.base)

  // 1. The report, straight from its address, without signing in.
  await page.goto(`${server.base}/transparency`)
  await page.getByRole('heading', { name: 'Transparency report', level: 1 }).waitFor()
  const nav = page.getByRole('navigation', { name: 'Primary navigation' })
  await nav.getByRole('link', { name: 'Transparency' }).waitFor()
  assert.equal(await page.getByRole('heading', { name: 'Sign in' }).count(), 0)

  const totals = page.getByRole('region', { name: 'Totals' })
  await totals.getByText('Submissions registered').waitFor()

  // The activity chart draws stacked bars, and says the same in its text alternative.
  const activity = page.getByRole('figure', { name: 'Decisions over time' })
  await activity.locator('svg .recharts-bar-rectangle').first().waitFor()
  const bars = await activity.locator('svg .recharts-bar-rectangle').count()
  assert.ok(bars > 0, `the activity chart draws bars (${bars})`)
  const alternative = activity.getByRole('table', { name: /Decisions per (day|week)/ })
  assert.ok((await alternative.getByRole('row').count()) > 1, 'the chart has a text alternative')
  assert.match(
    (await alternative.getByRole('row').nth(0).textContent()) ?? '',
    /Submissions registered/,
  )

  // The checkpoint: its size, root, signed note, and how to check it.
  const checkpoint = page.getByRole('region', { name: 'Current checkpoint' })
  await checkpoint.getByText(`earlywatch log verify --url ${server.base}/log`).waitFor()
  assert.match((await checkpoint.textContent()) ?? '', /Root hash[0-9a-f]{64}/)
  assert.match((await checkpoint.locator('pre').nth(1).textContent()) ?? '', /\n\d+\n/)
  const covered = Number(
    (
      await checkpoint
        .getByText('Entries covered')
        .locator('xpath=following-sibling::dd[1]')
        .textContent()
    )?.replace(/\D/g, '') ?? '0',
  )
  assert.ok(covered >= size, `the page shows the latest checkpoint (${covered} ≥ ${size})`)
  await shot(page, 'transparency.png')

  // 2. The log explorer, filtered to one kind of decision, then one entry.
  await page.getByRole('link', { name: 'Browse the log' }).click()
  await page.getByRole('heading', { name: 'Log explorer', level: 1 }).waitFor()
  await page.getByLabel('Decision').selectOption('submission.registered')
  await page.waitForURL(/type=submission\.registered/)
  const first = page.getByRole('table').getByRole('row').nth(1)
  await first.getByText('Submissions registered').waitFor()
  await shot(page, 'log-explorer-list.png')

  await first.getByRole('link').click()
  await page.getByRole('heading', { name: /^Log entry \d+$/, level: 1 }).waitFor()
  await page.getByRole('heading', { name: 'Canonical JSON' }).waitFor()
  // Confidential fields of a registration (the endpoint) appear only as commitments.
  const commitments = page.getByRole('region', { name: 'Confidential fields, as commitments' })
  assert.match((await commitments.textContent()) ?? '', /[0-9a-f]{64}/)

  await page.getByRole('button', { name: 'Verify inclusion' }).click()
  await page.getByText(/^Verified against checkpoint \d+$/).waitFor()
  await page
    .getByText('The checkpoint’s signature by the log’s key is valid.', { exact: false })
    .waitFor()
  await shot(page, 'log-explorer.png')

  // 3. The way back to signing in, and from the sign-in page to the public pages.
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'transparency report' }).click()
  await page.getByRole('heading', { name: 'Transparency report', level: 1 }).waitFor()

  assert.deepEqual(problems, [], 'no script errors or policy violations in the page')
  passed()
})
