/**
 * The program registry in a real browser against a real server: a lab member signs in through
 * the demo persona chooser, registers a submission, finds it in the table and on the timeline
 * chart, opens it and withdraws it. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

const DAY = 86_400_000

/** A `datetime-local` value `days` from now, in the browser's (and this process's) time zone. */
function localInput(days: number): string {
  const d = new Date(Date.now() + days * DAY)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`
}

test('a lab member registers a submission, sees it on the overview, and withdraws it', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'failure.png')

  const model = 'Kestrel'
  const version = `e2e-${Date.now().toString(36)}`
  const title = `${model} ${version}`

  // 1. The sign-in page offers demo personas, clearly marked, and one signs in as a lab member.
  await page.goto(server.base)
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  await page.getByText('Demo only').waitFor()
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const lab = personas.find((p) => p.role === 'lab_member')
  assert.ok(lab, 'demo mode offers a lab member persona')
  await page.getByRole('button', { name: `${lab.label} ${lab.personName}`, exact: false }).click()
  await page.getByRole('heading', { name: 'Program overview', level: 1 }).waitFor()
  await page.getByRole('banner').getByText(lab.personName).waitFor()

  // 2. Register a submission through the form.
  await page.getByRole('link', { name: 'Register a submission' }).click()
  await page.getByRole('heading', { name: 'Register a submission', level: 1 }).waitFor()
  await page.getByLabel('Model name').fill(model)
  await page.getByLabel('Version').fill(version)
  await page.getByLabel('Description').fill('A browser-test model with a tool-use harness.')
  await page.getByLabel('Intended capabilities').fill('code generation\ntool use')
  await page.getByLabel('Endpoint base URL').fill('https://api.kestrel-lab.example/v1')
  // USWDS draws its own radio: the input is visually hidden and people click the label.
  await page.getByText('Anthropic Messages', { exact: true }).click()
  assert.ok(await page.getByLabel('Anthropic Messages').isChecked())
  await page.getByLabel('Model ID').fill('kestrel-e2e')
  await page.getByLabel('Credential').fill('sk-e2e-not-a-real-key')
  await page.getByLabel('Days of access offered').selectOption('21')
  await page.getByLabel('Planned release to trusted partners').fill(localInput(20))
  await page.getByLabel('Planned public release').fill(localInput(34))
  await page.getByRole('button', { name: 'Register submission' }).click()

  await page.getByRole('heading', { name: title, level: 1 }).waitFor()
  await page.getByText(`${title} is registered`).waitFor()

  // 3. The overview lists it in the table and draws its window on the timeline chart.
  await page
    .getByRole('navigation', { name: 'Primary navigation' })
    .getByRole('link', { name: 'Program overview' })
    .click()
  await page.getByRole('heading', { name: 'Program overview', level: 1 }).waitFor()
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: model, exact: true }) })
    .filter({ hasText: version })
  await row.waitFor()
  assert.match(
    (await row.textContent()) ?? '',
    new RegExp(`${version}[\\s\\S]*Submitted[\\s\\S]*Awaiting acceptance`, 'i'),
  )

  const chart = page.getByRole('figure', { name: /Review windows/ })
  await chart.waitFor()
  // The drawn bar is labelled on the axis; the same facts are in the chart's text alternative.
  await chart.locator('svg').getByText(title).waitFor()
  const alternative = chart.getByRole('table', { name: 'Review windows, one row per submission' })
  const altRow = alternative
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: title }) })
  assert.match((await altRow.textContent()) ?? '', /Submitted.*Awaiting acceptance/)
  // Every model named on the chart's axis has its bar.
  const bars = await chart.locator('.recharts-bar-rectangle').count()
  const labels = await chart.locator('.recharts-yAxis .recharts-cartesian-axis-tick').count()
  assert.ok(
    labels > 0 && bars === labels,
    `one bar per charted submission (${bars} bars, ${labels} labels)`,
  )
  await shot(page, 'overview.png')

  // The search box narrows the table on the server to this one submission.
  await page.getByRole('searchbox', { name: 'Search' }).fill(version)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await page.getByText('Showing 1–1 of 1 submission').waitFor()
  assert.match(page.url(), new RegExp(`[?&]q=${version}`))

  // 4. Open it and withdraw it, confirming in the dialog with a reason.
  await row.getByRole('link', { name: model, exact: true }).click()
  await page.getByRole('heading', { name: title, level: 1 }).waitFor()
  await page.getByText('nothing here can block a release').waitFor()
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: `Withdraw ${title}?` })
  // The dialog element is a zero-size fixed wrapper in USWDS; its heading is what shows.
  const dialogHeading = dialog.getByRole('heading', { name: `Withdraw ${title}?` })
  await dialogHeading.waitFor()
  await dialog.getByLabel('Reason').fill('Release plans changed; withdrawing from this round.')
  await dialog.getByRole('button', { name: 'Withdraw submission' }).click()

  await page.getByText('Withdrawn. The program’s access has ended').waitFor()
  await dialogHeading.waitFor({ state: 'hidden' })
  // The state tag under the heading comes before the timeline's "Withdrawn" entry.
  await page.getByRole('main').getByText('Withdrawn', { exact: true }).first().waitFor()
  const timeline = page.getByRole('region', { name: 'Timeline' })
  await timeline.getByText('Release plans changed; withdrawing from this round.').waitFor()
  await timeline.getByText('The stored endpoint credential was destroyed.').waitFor()
  await page.getByText('None stored').waitFor()
  await page.getByText('Never opened: the lab withdrew before the program accepted').waitFor()
  await shot(page, 'detail-withdrawn.png')

  assert.deepEqual(problems, [], 'no script errors or policy violations in the page')
  passed()
})
