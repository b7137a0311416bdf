/** TLP 2.0 enforcement for every label and every kind of viewer: the pure rule, then the service's case, thread and files. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAppError } from '../platform/errors.ts'
import { reportInput, setup } from './testing.ts'
import { canRead, TLP_LABELS, type Tlp, type TlpParticipant, tlpRank } from './tlp.ts'

const VIEWERS = [
  'anonymous',
  'community',
  'client',
  'colleague',
  'named',
  'staffColleague',
  'coordinator',
] as const
type Viewer = (typeof VIEWERS)[number]

/** Who reads what, as docs/clearinghouse.md defines TLP 2.0 here. */
const EXPECTED: Record<Tlp, readonly Viewer[]> = {
  CLEAR: VIEWERS,
  GREEN: ['community', 'client', 'colleague', 'named', 'staffColleague', 'coordinator'],
  AMBER: ['client', 'colleague', 'named', 'staffColleague', 'coordinator'],
  'AMBER+STRICT': ['colleague', 'named', 'staffColleague', 'coordinator'],
  RED: ['named', 'coordinator'],
}

test('canRead: every label against every kind of viewer', () => {
  const parts: TlpParticipant[] = [
    { orgId: 'org_program', personId: 'per_coord', role: 'coordinator' },
    { orgId: 'org_vendor', personId: 'per_named', role: 'vendor' },
    { orgId: 'org_client', personId: null, role: 'client' },
  ]
  const viewers: Record<Viewer, { personId: string; orgId: string } | null> = {
    anonymous: null,
    community: { personId: 'per_x', orgId: 'org_other' },
    client: { personId: 'per_c', orgId: 'org_client' },
    colleague: { personId: 'per_col', orgId: 'org_vendor' },
    named: { personId: 'per_named', orgId: 'org_vendor' },
    staffColleague: { personId: 'per_staff', orgId: 'org_program' },
    coordinator: { personId: 'per_coord', orgId: 'org_program' },
  }
  for (const tlp of TLP_LABELS)
    for (const v of VIEWERS)
      assert.equal(canRead(tlp, viewers[v], parts), EXPECTED[tlp].includes(v), `${tlp} / ${v}`)
})

test('the service enforces every label on the case, each message and each attachment, for every role', async (t) => {
  const s = await setup(t)
  // 1. A validated report opens a case; the vendor is invited with a named contact.
  const { id: reportId } = await s.ch.submitReport(s.partner.principal, reportInput())
  await s.ch.transition(s.analyst.principal, reportId, { to: 'triaging', reason: 'start' })
  await s.ch.transition(s.analyst.principal, reportId, { to: 'validated', reason: 'reproduced' })
  const c = await s.ch.openCase(s.analyst.principal, { reportIds: [reportId], tlp: 'CLEAR' })
  await s.ch.inviteVendor(s.analyst.principal, c.id, {
    orgId: s.vendor.org.id,
    personId: s.vendor.person.id,
  })
  // 2. The vendor's colleague (same organisation, not named), its client, program staff not named, a stranger.
  const colleague = await s.member('vendor', ['vendor_member'], s.vendor.org.id)
  const clientOrg = await s.member('operator', ['operator_member'])
  await s.ch.addParticipant(s.vendor.principal, c.id, { orgId: clientOrg.org.id, role: 'client' })
  const staffColleague = await s.member('program', ['analyst'], s.analyst.org.id)
  const community = await s.member('lab', ['lab_member'])
  const viewers = {
    anonymous: null,
    community: community.principal,
    client: clientOrg.principal,
    colleague: colleague.principal,
    named: s.vendor.principal,
    staffColleague: staffColleague.principal,
    coordinator: s.analyst.principal,
  } as const

  // 3. One message and one file per label, in a CLEAR case: the item's own label decides.
  const files = new Map<Tlp, string>()
  for (const tlp of TLP_LABELS) {
    await s.ch.postMessage(s.analyst.principal, c.id, { body: `message ${tlp}`, tlp })
    const a = await s.ch.addCaseAttachment(s.analyst.principal, c.id, {
      filename: `${tlp}.txt`,
      mediaType: 'text/plain',
      content: Buffer.from(`file ${tlp}`),
      tlp,
    })
    files.set(tlp, a.id)
  }
  for (const v of VIEWERS) {
    const p = viewers[v]
    const byRank = (a: Tlp, b: Tlp) => tlpRank(a) - tlpRank(b)
    const seen = (await s.ch.messages(p, c.id)).map((m) => m.tlp).sort(byRank)
    assert.deepEqual(
      seen,
      TLP_LABELS.filter((l) => EXPECTED[l].includes(v)),
      `messages seen by ${v}`,
    )
    const listed = (await s.ch.caseAttachments(p, c.id)).map((a) => a.tlp).sort(byRank)
    assert.deepEqual(
      listed,
      TLP_LABELS.filter((l) => EXPECTED[l].includes(v)),
      `files listed for ${v}`,
    )
    for (const tlp of TLP_LABELS) {
      const get = s.ch.downloadAttachment(p, files.get(tlp)!)
      if (EXPECTED[tlp].includes(v)) assert.equal((await get).content.toString(), `file ${tlp}`)
      else
        await assert.rejects(
          get,
          (e) => isAppError(e, 'EW_NOT_FOUND'),
          `${v} must not download ${tlp}`,
        )
    }
  }

  // 4. The case's own label: the case, and everything in it, reaches only its audience.
  for (const tlp of TLP_LABELS) {
    await s.ch.setCaseTlp(s.analyst.principal, c.id, { tlp, reason: `relabel ${tlp}` })
    for (const v of VIEWERS) {
      const p = viewers[v]
      if (EXPECTED[tlp].includes(v)) {
        assert.equal((await s.ch.getCase(p, c.id)).tlp, tlp, `${v} reads the ${tlp} case`)
        const msgs = await s.ch.messages(p, c.id)
        // The effective label of an item is the stricter of its own and the case's.
        assert.ok(msgs.every((m) => EXPECTED[m.tlp].includes(v) && EXPECTED[tlp].includes(v)))
      } else {
        await assert.rejects(
          s.ch.getCase(p, c.id),
          (e) => isAppError(e, 'EW_NOT_FOUND'),
          `${v} / ${tlp} case`,
        )
        await assert.rejects(s.ch.messages(p, c.id), (e) => isAppError(e, 'EW_NOT_FOUND'))
        if (p)
          assert.equal(
            (await s.ch.listCases(p)).some((x) => x.id === c.id),
            false,
            `${v} lists no ${tlp} case`,
          )
      }
    }
  }

  // 5. Labels are carried into notifications; a RED notice says nothing of the case.
  const inbox = await s.services.notifications.list(s.vendor.principal)
  assert.ok(inbox.items.length > 0)
  for (const n of inbox.items)
    assert.match(n.title, /\[TLP:(CLEAR|GREEN|AMBER|AMBER\+STRICT|RED)\]/)

  // 6. Nobody can label a message beyond their own reach.
  await s.ch.setCaseTlp(s.analyst.principal, c.id, { tlp: 'AMBER', reason: 'back to AMBER' })
  await assert.rejects(
    s.ch.postMessage(staffColleague.principal, c.id, { body: 'x', tlp: 'RED' }),
    (e) => isAppError(e, 'EW_VALIDATION') && e.errors?.[0]?.path === 'tlp',
  )
})
