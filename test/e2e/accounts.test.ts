/**
 * Accounts in a real browser against a real server: the demo administrator creates a lab,
 * adds a person and grants them a role there; then creates an API token, sees it once, proves
 * it works from outside the browser, revokes it and proves it stopped working.
 * Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

/** GET /api/session with an API token, as a script outside the browser would call it. */
async function sessionWithToken(base: string, token: string) {
  const res = await fetch(`${base}/api/session`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  return { status: res.status, body: (await res.json()) as { signedIn?: boolean; via?: string } }
}

test('an administrator sets up a lab member, then creates, uses and revokes an API token', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'accounts-failure.png')

  const run = Date.now().toString(36)
  const orgName = `Osprey Labs ${run}`
  const personName = `Rosa Tern ${run}`
  const email = `rosa.tern.${run}@osprey.example`
  const tokenName = `CI upload ${run}`

  // 1. Sign in as the demo administrator, who alone sees Administration in the navigation.
  await page.goto(server.base)
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const admin = personas.find((p) => p.role === 'admin')
  assert.ok(admin, 'demo mode offers an administrator persona')
  await page
    .getByRole('button', { name: `${admin.label} ${admin.personName}`, exact: false })
    .click()
  await page.getByRole('heading', { name: 'Program overview', level: 1 }).waitFor()
  const nav = page.getByRole('navigation', { name: 'Primary navigation' })
  await nav.getByRole('link', { name: 'Administration' }).click()
  await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor()

  // 2. Create an organisation of kind lab.
  const orgForm = page.getByRole('region', { name: 'Create an organisation' })
  await orgForm.getByLabel('Name').fill(orgName)
  await orgForm.getByLabel('Kind').selectOption('lab')
  await orgForm.getByRole('button', { name: 'Create organisation' }).click()
  await page.getByText(`${orgName} is created`).waitFor()
  const orgsTable = page.getByRole('table', { name: 'Organisations, by name' })
  const orgRow = orgsTable
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: orgName }) })
  assert.match((await orgRow.textContent()) ?? '', /Lab/)

  // 3. Add a person; the grant form then has them chosen already.
  const personForm = page.getByRole('region', { name: 'Add a person' })
  await personForm.getByLabel('Name').fill(personName)
  await personForm.getByLabel('Email address').fill(email)
  await personForm.getByRole('button', { name: 'Add person' }).click()
  await page.getByText(`${personName} is added`).waitFor()

  // 4. Grant them lab_member in the new lab: a lab offers that role and no other.
  const grantForm = page.getByRole('region', { name: 'Grant a role' })
  const personSelect = grantForm.getByLabel('Person')
  assert.match(
    await personSelect.locator('option:checked').innerText(),
    new RegExp(email.replace(/\./g, '\\.')),
  )
  await grantForm.getByLabel('Organisation').selectOption({ label: `${orgName} (lab)` })
  const roleSelect = grantForm.getByLabel('Role')
  const offered: string[] = []
  for (const option of await roleSelect.locator('option').all()) {
    const value = await option.getAttribute('value')
    if (value) offered.push(value)
  }
  assert.deepEqual(offered, ['lab_member'], 'a lab offers only the lab member role')
  assert.equal(await roleSelect.inputValue(), 'lab_member')
  await grantForm.getByRole('button', { name: 'Grant role' }).click()
  await page.getByText(`${personName} now holds Lab member in ${orgName}`).waitFor()
  const peopleTable = page.getByRole('table', { name: 'People and the roles they hold, by name' })
  const personRow = peopleTable
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: personName }) })
  await personRow.getByText(`Lab member, ${orgName}`).waitFor()
  await personRow
    .getByRole('button', { name: `Revoke Lab member in ${orgName} from ${personName}` })
    .waitFor()
  await shot(page, 'admin.png')

  // 5. Create an API token; it is shown once, with a warning.
  await page.getByRole('banner').getByRole('link', { name: 'Your API tokens' }).click()
  await page.getByRole('heading', { name: 'Your API tokens', level: 1 }).waitFor()
  const tokenForm = page.getByRole('region', { name: 'Create a token' })
  await tokenForm.getByLabel('Name').fill(tokenName)
  assert.equal(await tokenForm.getByLabel('Days valid').inputValue(), '90')
  await tokenForm.getByLabel('Days valid').fill('30')
  await tokenForm.getByRole('button', { name: 'Create token' }).click()
  const box = page.getByRole('region', { name: `Your new token “${tokenName}”` })
  await box.waitFor()
  await box.getByText('it will not be shown again').waitFor()
  const token = await box.getByLabel('Token', { exact: true }).inputValue()
  assert.match(token, /^ew_pat_/)
  await shot(page, 'tokens.png')

  // 6. The token works from outside the browser.
  const before = await sessionWithToken(server.base, token)
  assert.equal(before.status, 200)
  assert.equal(before.body.signedIn, true)
  assert.equal(before.body.via, 'token')

  // 7. Once put away it is gone for good: not in the page, not after a reload.
  await box.getByRole('button', { name: 'I have stored it' }).click()
  await box.waitFor({ state: 'detached' })
  await page.reload()
  await page.getByRole('heading', { name: 'Your API tokens', level: 1 }).waitFor()
  const tokensTable = page.getByRole('table', { name: 'Your API tokens, newest first' })
  const tokenRow = tokensTable
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: tokenName }) })
  await tokenRow.waitFor()
  assert.match((await tokenRow.textContent()) ?? '', /Active/)
  assert.ok(!(await page.content()).includes(token), 'the token is never shown again')

  // 8. Revoke it in the UI, confirming in the dialog; the same call now fails.
  await tokenRow.getByRole('button', { name: `Revoke ${tokenName}` }).click()
  const dialog = page.getByRole('dialog', { name: `Revoke “${tokenName}”?` })
  const dialogHeading = dialog.getByRole('heading', { name: `Revoke “${tokenName}”?` })
  await dialogHeading.waitFor()
  await dialog.getByRole('button', { name: 'Revoke token' }).click()
  await page.getByText(`${tokenName} is revoked`).waitFor()
  await dialogHeading.waitFor({ state: 'hidden' })
  await tokenRow.getByText('Revoked').waitFor()

  const after = await sessionWithToken(server.base, token)
  assert.equal(after.status, 401)

  assert.deepEqual(problems, [], 'no script errors or policy violations in the page')
  passed()
})
