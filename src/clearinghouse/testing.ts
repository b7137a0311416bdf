/** Test fixtures for the clearinghouse: a runtime with a fake KEV catalog, members of each kind, and report inputs. */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import type { OrgKind, Role } from '../accounts/model.ts'
import { createServices } from '../app.ts'
import { fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import { createClearinghouseService, type ReportInput } from './service.ts'

export const START = '2026-11-02T00:00:00Z'

export const sarif = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/sarif/${name}`, import.meta.url), 'utf8'))

export async function setup(t: TestContext, opts: { kev?: readonly string[] } = {}) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const kevAsked: string[][] = []
  const ch = createClearinghouseService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    notifications: services.notifications,
    translog: services.translog,
    accounts: services.accounts,
    isKnownExploited: (ids) => {
      kevAsked.push([...ids])
      return ids.some((id) => opts.kev?.includes(id))
    },
  })
  // Members are made through the accounts service, as accounts/testing.ts does for test files.
  const member = async (kind: OrgKind, roles: Role[], orgId?: string) => {
    const a = services.accounts
    const tag = randomBytes(5).toString('hex')
    const org = orgId
      ? await a.getOrg(orgId)
      : await a.createOrg({ kind, name: `Test ${kind} ${tag}`, slug: `t-${kind}-${tag}` })
    const person = await a.createPerson({
      email: `${roles[0]}-${tag}@test.earlywatch.test`,
      name: `Test ${roles.join(' ')} ${tag}`,
    })
    for (const role of roles) await a.grant({ orgId: org.id, personId: person.id, role })
    return { org, person, principal: await a.principalFor(person.id, org.id) }
  }
  const analyst = await member('program', ['analyst'])
  const partner = await member('partner', ['partner_member'])
  const vendor = await member('vendor', ['vendor_member'])
  return { rt, clock, services, ch, member, analyst, partner, vendor, kevAsked }
}

export function reportInput(over: Partial<ReportInput> = {}): ReportInput {
  return {
    title: 'Stored XSS in the comment preview',
    description: 'Comment bodies are rendered as HTML in the preview pane.',
    reproduction: '1. Post a comment <img src=x onerror=alert(1)>\n2. Open the preview',
    product: { purl: 'pkg:npm/acme-forum@2.3.0' },
    cwe: 'CWE-79',
    cvss31: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N',
    cvss40: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N',
    foundWith: { method: 'manual' },
    creditWanted: true,
    ...over,
  }
}
