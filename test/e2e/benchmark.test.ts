/**
 * The controlled benchmark in a real browser: an agency signatory approves a threshold policy
 * draft (which then still needs the other agency), the custodian reviews the vault, the program
 * officer and the lab read determination reports (chart drawn, evidence shown), and every
 * response the browser received and every server log line is scanned for the bundle's canary:
 * it may appear only in what the custodian was sent. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { DEMO_CANARY } from '../../src/benchmark/demo-bundle.ts'
import { openPage, shot, startDemoServer } from './harness.ts'

/** Waits for the report's chart and counts what it drew. */
async function chartDrawn(page: Page) {
  const chart = page.getByRole('figure', { name: /Category scores and composite/ })
  await chart.waitFor()
  // Threshold ticks are drawn on every row whatever the scores; a weak model's bars may all be
  // zero wide (its items are fresh vault ids each start, so its luck differs run to run).
  await chart.locator('.ew-threshold-tick').first().waitFor({ state: 'attached' })
  return {
    bars: await chart.locator('.recharts-bar-rectangle').count(),
    errorBars: await chart.locator('.recharts-errorBar').count(),
    thresholds: await chart.locator('.ew-threshold-tick').count(),
    baselines: await chart.locator('.ew-baseline-mark').count(),
    rows: await chart.locator('.recharts-yAxis .recharts-cartesian-axis-tick').count(),
  }
}

test('policy approval, the vault, determination reports for the officer and the lab; the canary reaches only the custodian', async (t) => {
  // Info-level logs, so the scan below reads every request the server logged.
  const server = await startDemoServer({ logLevel: 'info' })
  const session = await openPage(t, server, 'benchmark-failure.png')
  const { page, problems } = session
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
    session.context = role
    await page.getByRole('button', { name: `${who.label} ${who.personName}`, exact: false }).click()
    await page.getByRole('banner').getByText(who.personName).waitFor()
  }
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    session.context = 'signed out'
  }
  /** A JSON API call from inside the page, with its session cookie. */
  const apiGet = (url: string) =>
    page.evaluate(async (u) => {
      const r = await fetch(u, { headers: { accept: 'application/json' } })
      return { status: r.status, body: await r.text() }
    }, url)

  await signIn('agency_signatory')
  await page.getByRole('link', { name: 'Threshold policy' }).first().click()
  await page.getByRole('heading', { name: 'Threshold policy', level: 1 }).waitFor()
  await page.getByText('In force', { exact: true }).waitFor()
  await page.getByRole('button', { name: 'Approve version 2' }).click()
  // One agency is not two: the draft still waits for a signatory of a different agency.
  await page.getByText(/1 more approval by a signatory of a different consulting agency/).waitFor()
  assert.equal(await page.getByRole('button', { name: 'Approve version 2' }).count(), 0)
  await shot(page, 'benchmark-policy.png')

  await signOut()
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
  // The custodian alone reads an item in clear: the item the demo runs showed a lab.
  const ledger = await apiGet('/api/benchmark/exposures')
  assert.equal(ledger.status, 200)
  const exposed = (JSON.parse(ledger.body) as { items: Array<{ itemId: string }> }).items
  assert.ok(exposed.length > 0, 'the demo determinations recorded exposures')
  let clear = ''
  for (const e of exposed.slice(0, 40)) {
    const r = await apiGet(`/api/benchmark/items/${e.itemId}`)
    assert.equal(r.status, 200)
    if (r.body.includes(DEMO_CANARY)) {
      clear = r.body
      break
    }
  }
  assert.ok(clear, 'the custodian sees item content, canary included')

  // The program officer: all determinations; Gale-7's report shows the sandbagging signal.
  await signOut()
  await signIn('program_officer')
  await page.getByRole('link', { name: 'Threshold policy' }).first().click()
  await page.getByRole('link', { name: 'Determinations' }).click()
  await page.getByRole('heading', { name: 'Determinations', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Gale-7 7.0' }).waitFor()
  assert.equal(await page.getByRole('row').count(), 1 + 3, 'the three demo determinations')
  // From the submission page: Gale-7's determination.
  await page.getByRole('link', { name: 'Program overview' }).first().click()
  await page.getByRole('link', { name: 'Gale-7', exact: true }).click()
  await page.getByRole('heading', { name: 'Gale-7 7.0', level: 1 }).waitFor()
  const dets = page.getByRole('region', { name: 'Determinations' })
  await dets.getByText('Not a covered frontier model').waitFor()
  await dets.getByRole('link', { name: /^Report of / }).click()
  await page.getByRole('heading', { name: 'Determination: Gale-7 7.0', level: 1 }).waitFor()
  const galeReport = page.url()
  const officerChart = await chartDrawn(page)
  assert.equal(officerChart.thresholds, officerChart.rows, 'a threshold tick on every row')
  // A weak model's bars can all be zero wide (a zero mean draws no rectangle and no whisker);
  // where it scored, the interval is drawn. The covered model's chart below has every bar.
  if (officerChart.bars > 0) assert.ok(officerChart.errorBars >= 1, JSON.stringify(officerChart))
  assert.equal(officerChart.baselines, officerChart.rows, 'the reference model on every row')
  await page
    .getByTestId('alert')
    .getByText(/Sandbagging signal: The model scored .* below the reference model/)
    .waitFor()
  await page.getByText(/Passed before the run: \d+ of \d+ items/).waitFor()
  // Compared with the lab's earlier determination (its other model) and the baseline model.
  await page.getByRole('link', { name: 'Gale-6.5 6.5.2' }).waitFor()
  await page.getByRole('rowheader', { name: /Reference model mockllm\/oracle-35/ }).waitFor()
  await shot(page, 'determination-officer.png')

  // The lab (Meridian): its own report, with its earlier determination and the baseline.
  await signOut()
  await signIn('lab_member')
  await page.getByRole('link', { name: 'Threshold policy' }).first().click()
  await page.getByRole('link', { name: 'Determinations' }).click()
  await page.getByRole('heading', { name: 'Determinations', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Atlas-2.5 2026.09' }).first().waitFor()
  assert.equal(await page.getByRole('row').count(), 1 + 1, 'the lab sees its own one')
  assert.equal(await page.getByRole('cell', { name: 'Northwind Labs' }).count(), 0)
  await page.getByRole('link', { name: 'Atlas-2.5 2026.09' }).first().click()
  await page.getByRole('heading', { name: 'Determination: Atlas-2.5 2026.09', level: 1 }).waitFor()
  await page.getByRole('main').getByText('Covered frontier model').first().waitFor()
  await page.locator('.recharts-bar-rectangle').first().waitFor()
  const labChart = await chartDrawn(page)
  assert.equal(labChart.thresholds, labChart.rows)
  assert.equal(labChart.bars, labChart.rows, 'a covered model has a bar on every row')
  assert.ok(labChart.errorBars >= 1, JSON.stringify(labChart))
  await page.getByText('The lab has no earlier determination.').waitFor()
  await page.getByText('No reference model was run.').waitFor()
  await page.getByText(/Passed before the run: \d+ of \d+ items/).waitFor()
  await shot(page, 'determination-lab.png')
  // Another lab's report is not there for this lab, not even by address.
  const foreignId = galeReport.split('/determinations/')[1]!
  assert.equal((await apiGet(`/api/determinations/${foreignId}`)).status, 404)
  assert.equal((await apiGet(`/api/determinations/${foreignId}/report`)).status, 404)
  await page.goto(galeReport)
  await page
    .getByText(/no determination|not found/i)
    .first()
    .waitFor()
  // And from the lab's submission page.
  await page.goBack()
  await page.getByRole('heading', { name: 'Determination: Atlas-2.5 2026.09', level: 1 }).waitFor()
  await page
    .getByRole('navigation', { name: 'Breadcrumbs' })
    .getByRole('link', { name: 'Atlas-2.5 2026.09' })
    .click()
  await page.getByRole('heading', { name: 'Atlas-2.5 2026.09', level: 1 }).waitFor()
  const labDets = page.getByRole('region', { name: 'Determinations' })
  await labDets.getByRole('link').first().waitFor()
  assert.equal(await labDets.getByRole('link').count(), 1)

  // The canary scan: of everything the browser received and the server logged, only the
  // custodian's responses carry the canary.
  await session.settled()
  const carrying = session.responses.filter((r) => r.body.includes(DEMO_CANARY))
  assert.ok(
    carrying.some((r) => r.context === 'benchmark_custodian'),
    'the scan sees the custodian’s item view (so it would see a leak)',
  )
  assert.deepEqual(
    carrying.filter((r) => r.context !== 'benchmark_custodian').map((r) => `${r.context} ${r.url}`),
    [],
    'no canary in any response to anyone but the custodian',
  )
  assert.ok(session.responses.length > 20, `${session.responses.length} responses scanned`)
  assert.ok(server.output().length > 0, 'the server log was captured')
  assert.ok(!server.output().includes(DEMO_CANARY), 'no canary in the server log')
  // The only failed loads are the three denied reads of the other lab's determination above.
  const denied = problems.filter((p) => /status of 404/.test(p))
  assert.equal(denied.length, 3, problems.join('\n'))
  assert.deepEqual(
    problems.filter((p) => !denied.includes(p)),
    [],
  )
  session.passed()
})
