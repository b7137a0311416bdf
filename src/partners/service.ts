/**
 * Trusted-partner use cases: the registry and its vetting, joint selection (a lab key and a
 * program key; refusals with a category; one appeal to another reviewer), and grants with
 * their virtual keys. Each decision, its timeline event, its log entry and its notifications
 * commit in one transaction.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Principal, Role } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import type { NotificationsService } from '../notifications/service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db, Queryable, Tx } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { ProgramService } from '../program/service.ts'
import type { EntryType, Json, Subject } from '../translog/model.ts'
import type { TranslogService } from '../translog/service.ts'
import {
  applyTerms,
  assertCanAppeal,
  assertCanDecideAppeal,
  assertCanTurnKey,
  type ConflictDeclaration,
  type Contact,
  type EvidenceInfo,
  type GatewayEndpoint,
  type GatewayGrant,
  type Grant,
  type GrantEvent,
  type GrantStatus,
  gatewayStatus,
  hashVirtualKey,
  type IssuedGrant,
  isEffective,
  isPartnerMember,
  isProgramOfficer,
  isProgramStaff,
  type KeyState,
  keyHint,
  keyHolder,
  type Limits,
  newVirtualKey,
  type Partner,
  type PartnerDetail,
  type Party,
  partnerAccessPeriod,
  pickAppealReviewer,
  REFUSAL_LABELS,
  type RefusalCategory,
  type Sector,
  type Selection,
  type SelectionEvent,
  type TermsChange,
  type VettingStatus,
  validateEndpoints,
  validateEvidence,
  validateLimits,
  validateTerms,
} from './model.ts'
import * as store from './store.ts'

export interface PartnersDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  envelopes: Envelopes
  notifications: Pick<NotificationsService, 'notify'>
  translog: Pick<TranslogService, 'append'>
  program: Pick<ProgramService, 'get'>
  accounts: Pick<AccountsService, 'getOrg'>
  /** Randomness for virtual keys (tests pin it). */
  random?: (n: number) => Buffer
}

export interface RegisterPartnerInput {
  orgId: string
  sector: Sector
  description?: string | undefined
  website?: string | null | undefined
}

export interface IssueGrantInput {
  selectionId: string
  windowStart: Date
  windowEnd: Date
  endpoints: GatewayEndpoint[]
  limits: Limits
  keepContent?: boolean | undefined
}

/** A decision's result: the selection as it now is, and its transparency-log entry. */
export type DecidedSelection = Selection & { logIndex: number }
export type DecidedGrant = Grant & { logIndex: number }

export interface PartnersService {
  registerPartner(actor: Principal, input: RegisterPartnerInput): Promise<Partner>
  updatePartner(
    actor: Principal,
    orgId: string,
    input: Omit<Partial<RegisterPartnerInput>, 'orgId'>,
  ): Promise<Partner>
  recordVetting(
    actor: Principal,
    orgId: string,
    input: { status: Exclude<VettingStatus, 'pending'>; notes: string },
  ): Promise<Partner & { logIndex: number }>
  /** Program staff and lab members see the directory; a partner sees only itself. */
  listPartners(
    actor: Principal,
    filter?: { sector?: Sector | undefined; vetting?: VettingStatus | undefined },
  ): Promise<Partner[]>
  getPartner(actor: Principal, orgId: string): Promise<PartnerDetail>
  addContact(actor: Principal, orgId: string, input: Omit<Contact, 'id'>): Promise<Contact>
  removeContact(actor: Principal, orgId: string, contactId: string): Promise<void>
  declareConflict(
    actor: Principal,
    orgId: string,
    input: { relatedOrgId?: string | null | undefined; description: string },
  ): Promise<ConflictDeclaration>
  uploadEvidence(
    actor: Principal,
    orgId: string,
    input: { filename: string; contentType: string; content: Buffer },
  ): Promise<EvidenceInfo>
  /** Program staff only: the decrypted document. */
  evidenceDocument(
    actor: Principal,
    orgId: string,
    id: string,
  ): Promise<{ filename: string; contentType: string; content: Buffer }>

  /** A lab member (for their own submission) or a program officer proposes; the proposer's key turns with it. */
  propose(
    actor: Principal,
    input: { submissionId: string; partnerOrgId: string; rationale?: string | undefined },
  ): Promise<DecidedSelection>
  approve(actor: Principal, selectionId: string): Promise<DecidedSelection>
  refuse(
    actor: Principal,
    selectionId: string,
    input: { category: RefusalCategory; reason: string },
  ): Promise<DecidedSelection>
  /** A member of the refused partner appeals, once. */
  appeal(
    actor: Principal,
    selectionId: string,
    input: { statement: string },
  ): Promise<DecidedSelection>
  /** The program officer the appeal went to decides it; never the one who refused. */
  decideAppeal(
    actor: Principal,
    selectionId: string,
    input: {
      outcome: 'upheld' | 'dismissed'
      category?: RefusalCategory | undefined
      reason: string
    },
  ): Promise<DecidedSelection>
  listSelections(
    actor: Principal,
    filter?: { submissionId?: string | undefined },
  ): Promise<Selection[]>
  getSelection(actor: Principal, id: string): Promise<Selection>
  selectionEvents(actor: Principal, id: string): Promise<SelectionEvent[]>

  /** Needs an effective (two-key) selection. The virtual key is in the answer and nowhere else. */
  issueGrant(actor: Principal, input: IssueGrantInput): Promise<IssuedGrant>
  listGrants(
    actor: Principal,
    filter?: {
      submissionId?: string | undefined
      partnerOrgId?: string | undefined
      status?: GrantStatus | undefined
    },
  ): Promise<Grant[]>
  getGrant(actor: Principal, id: string): Promise<Grant>
  grantEvents(actor: Principal, id: string): Promise<GrantEvent[]>
  pauseGrant(actor: Principal, id: string, input: { reason: string }): Promise<DecidedGrant>
  /** Only the side that paused may resume. */
  resumeGrant(
    actor: Principal,
    id: string,
    input: { reason?: string | undefined },
  ): Promise<DecidedGrant>
  revokeGrant(actor: Principal, id: string, input: { reason: string }): Promise<DecidedGrant>
  /** Either side tightens; loosening anything is a program officer's decision. */
  changeTerms(
    actor: Principal,
    id: string,
    input: TermsChange & { reason: string },
  ): Promise<DecidedGrant>

  /** The gateway's lookup by SHA-256 of the presented key. No principal: the key is the credential. */
  gatewayGrantByKeyHash(keyHash: string): Promise<GatewayGrant | null>
  /** Cheap polling for gateway caches: status and version of each grant asked about. */
  grantStatuses(
    grantIds: string[],
  ): Promise<Map<string, { status: GatewayGrant['status']; version: number }>>
}

const REGISTRY_EDITORS: readonly Role[] = ['program_officer', 'admin']

const conflict = (detail: string) => new AppError(ErrorCodes.EW_CONFLICT, { detail })

export function createPartnersService(deps: PartnersDeps): PartnersService {
  const { db, clock, envelopes, notifications, translog, program, accounts } = deps
  const random = deps.random ?? randomBytes

  const canEditRegistry = (p: Principal) =>
    p.orgKind === 'program' && p.roles.some((r) => REGISTRY_EDITORS.includes(r))

  async function partnerOr404(q: Queryable, actor: Principal, orgId: string, forUpdate = false) {
    const p = await store.findPartner(q, orgId, { forUpdate })
    if (!p || !canSeePartner(actor, orgId)) throw notFound('partner', orgId)
    return p
  }

  const canSeePartner = (actor: Principal, orgId: string) =>
    isProgramStaff(actor) || actor.orgKind === 'lab' || isPartnerMember(actor, orgId)

  /** The registry changes a partner's own members may make: contacts, declarations, evidence. */
  function assertProfileEditor(actor: Principal, orgId: string) {
    if (canEditRegistry(actor) || isPartnerMember(actor, orgId)) return
    throw forbidden(
      'Partner profiles are kept by the program (program_officer) and by the partner’s own members.',
    )
  }

  // -------------------------------------------------------------------------------------------
  // Selections: visibility and logging

  /** Program staff see all; a lab its own submissions'; a partner its own. 404 otherwise. */
  function canSeeSelection(actor: Principal, s: Pick<Selection, 'labOrgId' | 'partnerOrgId'>) {
    return (
      isProgramStaff(actor) ||
      (actor.orgKind === 'lab' && actor.orgId === s.labOrgId) ||
      isPartnerMember(actor, s.partnerOrgId)
    )
  }

  /** The partner is told the category of a refusal, not the written reasons. */
  function redactForPartner<T extends Selection>(actor: Principal, s: T): T {
    if (actor.orgKind !== 'partner') return s
    return {
      ...s,
      refusal: s.refusal ? { ...s.refusal, reason: null } : null,
      appeal: s.appeal ? { ...s.appeal, decisionReason: null } : null,
    }
  }

  async function selectionOr404(q: Queryable, actor: Principal, id: string, forUpdate = false) {
    const s = await store.findSelection(q, id, { forUpdate })
    if (!s || !canSeeSelection(actor, s)) throw notFound('selection', id)
    return s
  }

  const selectionSubjects = (
    s: Pick<Selection, 'id' | 'submissionId' | 'partnerOrgId' | 'labOrgId'>,
  ): Subject[] => [
    { kind: 'selection', id: s.id },
    { kind: 'submission', id: s.submissionId },
    { kind: 'organisation', id: s.partnerOrgId },
    { kind: 'organisation', id: s.labOrgId },
  ]

  /** What every selection entry publishes: which partner, for which lab's model. */
  const selectionFacts = (s: Selection) => ({
    selectionId: s.id,
    submissionId: s.submissionId,
    labOrgId: s.labOrgId,
    labName: s.labName,
    modelName: s.modelName,
    modelVersion: s.modelVersion,
    partnerOrgId: s.partnerOrgId,
    partnerName: s.partnerName,
    partnerSector: s.partnerSector,
  })

  const roleFor = (party: Party): Role => (party === 'lab' ? 'lab_member' : 'program_officer')

  async function logSelection(
    tx: Tx,
    s: Selection,
    actor: Principal,
    c: {
      type: EntryType
      kind: SelectionEvent['kind']
      party: Party | null
      role: Role
      at: Date
      data: Record<string, Json>
      reasonCategory?: RefusalCategory | null
      /** Written reasons and statements: committed to in the log, kept in clear here only. */
      reason?: string | null
    },
  ): Promise<number> {
    const { index } = await translog.append(tx, {
      type: c.type,
      subjects: selectionSubjects(s),
      actor: { orgId: actor.orgId, role: c.role, personId: actor.personId },
      at: c.at.toISOString(),
      data: {
        ...selectionFacts(s),
        ...(c.party ? { party: c.party } : {}),
        ...(c.reasonCategory ? { reasonCategory: c.reasonCategory } : {}),
        ...c.data,
      },
      ...(c.reason ? { confidential: { reason: c.reason } } : {}),
    })
    await store.insertSelectionEvent(tx, {
      selectionId: s.id,
      at: c.at,
      kind: c.kind,
      party: c.party,
      actorPersonId: actor.personId,
      actorOrgId: actor.orgId,
      reasonCategory: c.reasonCategory ?? null,
      reason: c.reason ?? null,
      logIndex: index,
    })
    return index
  }

  async function notifyOrgs(
    tx: Tx,
    orgIds: string[],
    n: {
      kind: string
      subjectType: string
      subjectId: string
      title: string
      body: string
      link: string
      key: string
    },
  ) {
    for (const orgId of new Set(orgIds)) {
      await notifications.notify(
        {
          orgId,
          kind: n.kind,
          subjectType: n.subjectType,
          subjectId: n.subjectId,
          title: n.title,
          body: n.body,
          link: n.link,
          dedupeKey: `${n.key}:${orgId}`,
        },
        tx,
      )
    }
  }

  const model = (s: Pick<Selection, 'modelName' | 'modelVersion' | 'labName'>) =>
    `${s.modelName} ${s.modelVersion} (${s.labName})`

  async function reread(tx: Queryable, id: string): Promise<Selection> {
    const s = await store.findSelection(tx, id)
    if (!s) throw new Error(`selection ${id} vanished inside its own transaction`)
    return s
  }

  async function assertVettedForProgramKey(q: Queryable, partnerOrgId: string) {
    const p = await store.findPartner(q, partnerOrgId)
    if (p?.vetting.status !== 'vetted') {
      throw conflict(
        `${p?.name ?? partnerOrgId} is not vetted (vetting is ${p?.vetting.status ?? 'missing'}); the program turns its key only for a vetted partner. Record the vetting first.`,
      )
    }
  }

  // -------------------------------------------------------------------------------------------
  // Grants: visibility and logging

  function canSeeGrant(actor: Principal, g: Pick<Grant, 'labOrgId' | 'partnerOrgId'>) {
    return (
      isProgramStaff(actor) ||
      (actor.orgKind === 'lab' && actor.orgId === g.labOrgId) ||
      isPartnerMember(actor, g.partnerOrgId)
    )
  }

  async function grantOr404(q: Queryable, actor: Principal, id: string, forUpdate = false) {
    const g = await store.findGrant(q, id, { forUpdate })
    if (!g || !canSeeGrant(actor, g)) throw notFound('grant', id)
    return g
  }

  /** The side `actor` controls a grant for: the lab of the model, or the program. */
  function controllerOf(actor: Principal, g: Pick<Grant, 'labOrgId'>): Party {
    const party = keyHolder(actor, g.labOrgId)
    if (!party) {
      throw forbidden(
        'Grants are controlled by a lab_member of the lab whose model it is, or by a program_officer.',
      )
    }
    return party
  }

  const termsData = (
    g: Pick<Grant, 'windowStart' | 'windowEnd' | 'endpoints' | 'limits' | 'keepContent'>,
  ) => ({
    windowStart: g.windowStart.toISOString(),
    windowEnd: g.windowEnd.toISOString(),
    endpoints: [...g.endpoints],
    limits: { ...g.limits },
    keepContent: g.keepContent,
  })

  async function logGrant(
    tx: Tx,
    g: Grant,
    actor: Principal,
    c: {
      type: EntryType
      kind: GrantEvent['kind']
      party: Party
      at: Date
      reason: string | null
      data: Record<string, Json>
    },
  ): Promise<number> {
    const { index } = await translog.append(tx, {
      type: c.type,
      subjects: [
        { kind: 'grant', id: g.id },
        { kind: 'selection', id: g.selectionId },
        { kind: 'submission', id: g.submissionId },
        { kind: 'organisation', id: g.partnerOrgId },
        { kind: 'organisation', id: g.labOrgId },
      ],
      actor: { orgId: actor.orgId, role: roleFor(c.party), personId: actor.personId },
      at: c.at.toISOString(),
      data: {
        grantId: g.id,
        submissionId: g.submissionId,
        labName: g.labName,
        modelName: g.modelName,
        modelVersion: g.modelVersion,
        partnerOrgId: g.partnerOrgId,
        partnerName: g.partnerName,
        party: c.party,
        change: c.kind,
        ...c.data,
      },
      ...(c.reason ? { confidential: { reason: c.reason } } : {}),
    })
    await store.insertGrantEvent(tx, {
      grantId: g.id,
      at: c.at,
      kind: c.kind,
      actorPersonId: actor.personId,
      actorOrgId: actor.orgId,
      reason: c.reason,
      data: c.data,
      logIndex: index,
    })
    return index
  }

  async function rereadGrant(tx: Queryable, id: string): Promise<Grant> {
    const g = await store.findGrant(tx, id)
    if (!g) throw new Error(`grant ${id} vanished inside its own transaction`)
    return g
  }

  const grantLink = (id: string) => `/grants/${id}`

  return {
    // -----------------------------------------------------------------------------------------
    // Registry

    async registerPartner(actor, input) {
      if (!canEditRegistry(actor)) {
        throw forbidden('Partners are registered by a program_officer or an administrator.')
      }
      const org = await accounts.getOrg(input.orgId)
      if (org.kind !== 'partner') {
        throw invalid(
          'orgId',
          `${org.name} is an organisation of kind ${org.kind}; only organisations of kind partner join the partner registry`,
        )
      }
      const now = clock.now()
      return db.transaction(async (tx) => {
        if (await store.findPartner(tx, input.orgId)) {
          throw conflict(`${org.name} is already in the partner registry.`)
        }
        await store.insertPartner(tx, {
          orgId: input.orgId,
          sector: input.sector,
          description: input.description ?? '',
          website: input.website ?? null,
          createdBy: actor.personId,
          at: now,
        })
        return (await store.findPartner(tx, input.orgId))!
      })
    },

    async updatePartner(actor, orgId, input) {
      assertProfileEditor(actor, orgId)
      return db.transaction(async (tx) => {
        await partnerOr404(tx, actor, orgId, true)
        // Sector is the program's classification, not a partner's self-description.
        if (input.sector !== undefined && !canEditRegistry(actor)) {
          throw forbidden('A partner’s sector is set by the program.')
        }
        await store.updatePartner(
          tx,
          orgId,
          { sector: input.sector, description: input.description, website: input.website },
          clock.now(),
        )
        return (await store.findPartner(tx, orgId))!
      })
    },

    async recordVetting(actor, orgId, input) {
      if (!isProgramOfficer(actor)) throw forbidden('Vetting is recorded by a program_officer.')
      return db.transaction(async (tx) => {
        const before = await partnerOr404(tx, actor, orgId, true)
        const now = clock.now()
        await store.updatePartner(
          tx,
          orgId,
          { vetting: { status: input.status, by: actor.personId, at: now, notes: input.notes } },
          now,
        )
        const { index } = await translog.append(tx, {
          type: 'partner.vetted',
          subjects: [{ kind: 'organisation', id: orgId }],
          actor: { orgId: actor.orgId, role: 'program_officer', personId: actor.personId },
          at: now.toISOString(),
          data: {
            partnerOrgId: orgId,
            partnerName: before.name,
            partnerSector: before.sector,
            fromStatus: before.vetting.status,
            status: input.status,
          },
          ...(input.notes ? { confidential: { notes: input.notes } } : {}),
        })
        return { ...(await store.findPartner(tx, orgId))!, logIndex: index }
      })
    },

    async listPartners(actor, filter = {}) {
      if (isProgramStaff(actor) || actor.orgKind === 'lab') return store.listPartners(db, filter)
      if (actor.orgKind === 'partner')
        return store.listPartners(db, { ...filter, orgId: actor.orgId })
      return []
    },

    async getPartner(actor, orgId) {
      const p = await partnerOr404(db, actor, orgId)
      const seesEvidence = isProgramStaff(actor) || isPartnerMember(actor, orgId)
      return {
        ...p,
        contacts: await store.contacts(db, orgId),
        conflicts: await store.conflicts(db, orgId),
        evidence: seesEvidence ? await store.evidence(db, orgId) : [],
      }
    },

    async addContact(actor, orgId, input) {
      assertProfileEditor(actor, orgId)
      await partnerOr404(db, actor, orgId)
      const c: Contact = {
        id: newId('pcon'),
        name: input.name,
        email: input.email.trim().toLowerCase(),
        phone: input.phone,
        title: input.title,
      }
      await store.insertContact(db, { ...c, orgId, at: clock.now() })
      return c
    },

    async removeContact(actor, orgId, contactId) {
      assertProfileEditor(actor, orgId)
      await partnerOr404(db, actor, orgId)
      if (!(await store.removeContact(db, orgId, contactId, clock.now()))) {
        throw notFound('contact', contactId)
      }
    },

    async declareConflict(actor, orgId, input) {
      assertProfileEditor(actor, orgId)
      await partnerOr404(db, actor, orgId)
      const relatedOrgId = input.relatedOrgId ?? null
      // Throws a clear 404 for an organisation that does not exist.
      if (relatedOrgId) await accounts.getOrg(relatedOrgId)
      const id = newId('coi')
      await store.insertConflict(db, {
        id,
        orgId,
        relatedOrgId,
        description: input.description,
        declaredBy: actor.personId,
        at: clock.now(),
      })
      return (await store.conflicts(db, orgId)).find((c) => c.id === id)!
    },

    async uploadEvidence(actor, orgId, input) {
      assertProfileEditor(actor, orgId)
      await partnerOr404(db, actor, orgId)
      const type = validateEvidence(input.contentType, input.content)
      const id = newId('pdoc')
      // Encrypted before any transaction: a key service may be remote.
      const content = await envelopes.encrypt(input.content, `partner:${orgId}:evidence:${id}`)
      const info: EvidenceInfo = {
        id,
        filename: input.filename,
        contentType: type,
        size: input.content.length,
        sha256: createHash('sha256').update(input.content).digest('hex'),
        uploadedBy: actor.personName,
        uploadedAt: clock.now(),
      }
      await store.insertEvidence(db, { ...info, orgId, content, uploadedById: actor.personId })
      return info
    },

    async evidenceDocument(actor, orgId, id) {
      if (!isProgramStaff(actor)) {
        throw forbidden('Vetting evidence is read by program staff only.')
      }
      const doc = await store.evidenceContent(db, orgId, id)
      if (!doc) throw notFound('evidence document', id)
      const content = await envelopes.decrypt(doc.content, `partner:${orgId}:evidence:${id}`)
      return { filename: doc.filename, contentType: doc.contentType, content }
    },

    // -----------------------------------------------------------------------------------------
    // Joint selection

    async propose(actor, input) {
      // 404 for a submission the actor may not see: its existence is not disclosed.
      const sub = await program.get(actor, input.submissionId)
      const party = keyHolder(actor, sub.labOrgId)
      if (!party) {
        throw forbidden(
          'Partners are proposed by a lab_member of the submitting lab or by a program_officer.',
        )
      }
      if (sub.state === 'released' || sub.state === 'withdrawn') {
        throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
          detail: `The submission is ${sub.state}; there is no early access left to share.`,
        })
      }
      return db.transaction(async (tx) => {
        const partner = await store.findPartner(tx, input.partnerOrgId)
        if (!partner) throw notFound('partner', input.partnerOrgId)
        if (partner.vetting.status === 'rejected' || partner.vetting.status === 'suspended') {
          throw conflict(
            `${partner.name}’s vetting is ${partner.vetting.status}; it cannot be proposed.`,
          )
        }
        if (party === 'program') await assertVettedForProgramKey(tx, partner.orgId)
        if (await store.findSelectionFor(tx, sub.id, partner.orgId)) {
          throw conflict(
            `${partner.name} is already proposed for this submission; see its selection instead.`,
          )
        }
        const now = clock.now()
        const id = newId('psel')
        await store.insertSelection(tx, {
          id,
          submissionId: sub.id,
          partnerOrgId: partner.orgId,
          party,
          by: actor.personId,
          at: now,
          rationale: input.rationale ?? '',
        })
        // The proposer's own key turns with the proposal: proposing is that side's approval.
        const key = { state: 'approved' as KeyState, by: actor.personId, at: now }
        await store.updateSelection(
          tx,
          id,
          party === 'lab' ? { labKey: key } : { programKey: key },
          now,
        )
        const s = await reread(tx, id)
        const declared = await store.conflictedOrgIds(tx, partner.orgId)
        const logIndex = await logSelection(tx, s, actor, {
          type: 'partner.proposed',
          kind: 'proposed',
          party,
          role: roleFor(party),
          at: now,
          data: {
            keys: { lab: s.keys.lab.state, program: s.keys.program.state },
            conflictDeclaredWithLab: declared.includes(s.labOrgId),
          },
          reason: input.rationale || null,
        })
        const other = party === 'lab' ? await store.programOrgIds(tx) : [s.labOrgId]
        await notifyOrgs(tx, other, {
          kind: 'partners.proposed',
          subjectType: 'selection',
          subjectId: s.id,
          title: `Partner proposed: ${s.partnerName} for ${model(s)}`,
          body: `The ${party} proposed ${s.partnerName} for early access to ${model(s)}. It takes effect when both the lab and the program approve.`,
          link: `/submissions/${s.submissionId}/partners`,
          key: `partners.proposed:${s.id}`,
        })
        return { ...s, logIndex }
      })
    },

    async approve(actor, selectionId) {
      return db.transaction(async (tx) => {
        const s = await selectionOr404(tx, actor, selectionId, true)
        const party = keyHolder(actor, s.labOrgId)
        if (!party) {
          throw forbidden(
            'A selection is approved by a lab_member of the submitting lab and by a program_officer.',
          )
        }
        const facts = {
          labKey: s.keys.lab.state,
          programKey: s.keys.program.state,
          appealedAt: s.appeal?.at ?? null,
          appealOutcome: s.appeal?.outcome ?? null,
        }
        assertCanTurnKey(facts, party)
        if (party === 'program') await assertVettedForProgramKey(tx, s.partnerOrgId)
        const now = clock.now()
        const key = { state: 'approved' as KeyState, by: actor.personId, at: now }
        const after = { ...facts, [party === 'lab' ? 'labKey' : 'programKey']: 'approved' }
        const effective = isEffective(after)
        await store.updateSelection(
          tx,
          s.id,
          {
            ...(party === 'lab' ? { labKey: key } : { programKey: key }),
            ...(effective ? { effectiveAt: now } : {}),
          },
          now,
        )
        const next = await reread(tx, s.id)
        const logIndex = await logSelection(tx, next, actor, {
          type: 'partner.approved',
          kind: 'approved',
          party,
          role: roleFor(party),
          at: now,
          data: { keys: { lab: next.keys.lab.state, program: next.keys.program.state }, effective },
        })
        if (effective) {
          await notifyOrgs(
            tx,
            [next.partnerOrgId, next.labOrgId, ...(await store.programOrgIds(tx))],
            {
              kind: 'partners.selected',
              subjectType: 'selection',
              subjectId: next.id,
              title: `Selected for early access: ${model(next)}`,
              body: `${next.partnerName} is selected for early access to ${model(next)}: both the lab and the program approved. Access starts when a grant is issued.`,
              link: `/submissions/${next.submissionId}/partners`,
              key: `partners.selected:${next.id}`,
            },
          )
        }
        return { ...next, logIndex }
      })
    },

    async refuse(actor, selectionId, input) {
      return db.transaction(async (tx) => {
        const s = await selectionOr404(tx, actor, selectionId, true)
        const party = keyHolder(actor, s.labOrgId)
        if (!party) {
          throw forbidden(
            'A selection is refused by a lab_member of the submitting lab or by a program_officer.',
          )
        }
        assertCanTurnKey(
          {
            labKey: s.keys.lab.state,
            programKey: s.keys.program.state,
            appealedAt: s.appeal?.at ?? null,
            appealOutcome: s.appeal?.outcome ?? null,
          },
          party,
        )
        const now = clock.now()
        const key = { state: 'refused' as KeyState, by: actor.personId, at: now }
        await store.updateSelection(
          tx,
          s.id,
          {
            ...(party === 'lab' ? { labKey: key } : { programKey: key }),
            refusal: {
              party,
              by: actor.personId,
              at: now,
              category: input.category,
              reason: input.reason,
            },
          },
          now,
        )
        const next = await reread(tx, s.id)
        const logIndex = await logSelection(tx, next, actor, {
          type: 'partner.refused',
          kind: 'refused',
          party,
          role: roleFor(party),
          at: now,
          data: { keys: { lab: next.keys.lab.state, program: next.keys.program.state } },
          reasonCategory: input.category,
          reason: input.reason,
        })
        const canAppeal = next.state === 'refused'
        // The partner hears the category; the written reason stays with the lab and the program.
        await notifyOrgs(tx, [next.partnerOrgId], {
          kind: 'partners.refused',
          subjectType: 'selection',
          subjectId: next.id,
          title: `Not selected: ${model(next)}`,
          body: `The ${party} refused early access to ${model(next)} for ${next.partnerName}. Reason: ${REFUSAL_LABELS[input.category]}.${canAppeal ? ' You may appeal once; the appeal goes to a program reviewer other than the one who refused.' : ''}`,
          link: `/partners/selections/${next.id}`,
          key: `partners.refused:${next.id}:${next.revision}`,
        })
        return { ...next, logIndex }
      })
    },

    async appeal(actor, selectionId, input) {
      return db.transaction(async (tx) => {
        const s = await selectionOr404(tx, actor, selectionId, true)
        if (!isPartnerMember(actor, s.partnerOrgId)) {
          throw forbidden('A refusal is appealed by a partner_member of the refused partner.')
        }
        assertCanAppeal({
          labKey: s.keys.lab.state,
          programKey: s.keys.program.state,
          appealedAt: s.appeal?.at ?? null,
          appealOutcome: s.appeal?.outcome ?? null,
        })
        const refusedBy = s.refusal!.by.personId
        const reviewer = pickAppealReviewer(await store.programOfficers(tx), refusedBy)
        const now = clock.now()
        await store.updateSelection(
          tx,
          s.id,
          { appeal: { statement: input.statement, by: actor.personId, at: now, reviewer } },
          now,
        )
        const next = await reread(tx, s.id)
        const logIndex = await logSelection(tx, next, actor, {
          type: 'partner.appealed',
          kind: 'appealed',
          party: null,
          role: 'partner_member',
          at: now,
          data: {
            refusedByParty: s.refusal!.party,
            reasonCategory: s.refusal!.category,
            reviewerAssigned: reviewer !== null,
          },
          reason: input.statement,
        })
        await notifyOrgs(tx, await store.programOrgIds(tx), {
          kind: 'partners.appealed',
          subjectType: 'selection',
          subjectId: next.id,
          title: `Appeal: ${next.partnerName} for ${model(next)}`,
          body: `${next.partnerName} appealed its refusal (${REFUSAL_LABELS[s.refusal!.category]}). ${next.appeal?.reviewer ? `It goes to ${next.appeal.reviewer.name}.` : 'No other program officer was available; any program officer but the one who refused may decide it.'}`,
          link: `/submissions/${next.submissionId}/partners`,
          key: `partners.appealed:${next.id}`,
        })
        return redactForPartner(actor, { ...next, logIndex })
      })
    },

    async decideAppeal(actor, selectionId, input) {
      return db.transaction(async (tx) => {
        const s = await selectionOr404(tx, actor, selectionId, true)
        const refusal = s.refusal
        const facts = {
          labKey: s.keys.lab.state,
          programKey: s.keys.program.state,
          appealedAt: s.appeal?.at ?? null,
          appealOutcome: s.appeal?.outcome ?? null,
          refusedBy: refusal?.by.personId ?? null,
        }
        assertCanDecideAppeal(facts, actor)
        const reviewer = s.appeal?.reviewer
        if (reviewer && reviewer.personId !== actor.personId) {
          throw forbidden(
            `This appeal went to ${reviewer.name}; only they decide it, so that the reviewer is never the one who refused.`,
          )
        }
        if (input.outcome === 'dismissed' && !input.category) {
          throw invalid('category', 'a dismissed appeal needs a reason category, as a refusal does')
        }
        const now = clock.now()
        const upheld = input.outcome === 'upheld'
        const change: store.SelectionChange = {
          appealDecision: {
            outcome: input.outcome,
            by: actor.personId,
            at: now,
            category: upheld ? null : input.category!,
            reason: input.reason,
          },
        }
        let effective = false
        if (upheld) {
          // Upholding lifts the refusal. A program refusal is replaced by the reviewer's approval;
          // a lab refusal sends the question back to the lab, because the program cannot turn the
          // lab's key for it.
          if (refusal!.party === 'program') {
            change.programKey = { state: 'approved', by: actor.personId, at: now }
            effective = facts.labKey === 'approved'
          } else {
            change.labKey = { state: 'pending', by: null, at: null }
          }
          if (effective) change.effectiveAt = now
        }
        await store.updateSelection(tx, s.id, change, now)
        const next = await reread(tx, s.id)
        const logIndex = await logSelection(tx, next, actor, {
          // Counted with the other approvals and refusals in the public figures.
          type: upheld ? 'partner.approved' : 'partner.refused',
          kind: upheld ? 'appeal_upheld' : 'appeal_dismissed',
          party: 'program',
          role: 'program_officer',
          at: now,
          data: {
            onAppeal: true,
            outcome: input.outcome,
            keys: { lab: next.keys.lab.state, program: next.keys.program.state },
            effective,
          },
          reasonCategory: upheld ? null : input.category!,
          reason: input.reason,
        })
        await notifyOrgs(tx, [next.partnerOrgId, next.labOrgId], {
          kind: 'partners.appeal_decided',
          subjectType: 'selection',
          subjectId: next.id,
          title: `Appeal ${upheld ? 'upheld' : 'dismissed'}: ${model(next)}`,
          body: upheld
            ? `The appeal of ${next.partnerName} was upheld.${refusal!.party === 'lab' ? ' The lab decides again.' : effective ? ' The selection is now effective.' : ' The lab’s approval is still needed.'}`
            : `The appeal of ${next.partnerName} was dismissed. Reason: ${REFUSAL_LABELS[input.category!]}.`,
          link: `/partners/selections/${next.id}`,
          key: `partners.appeal_decided:${next.id}`,
        })
        return { ...next, logIndex }
      })
    },

    async listSelections(actor, filter = {}) {
      let rows: Selection[]
      if (isProgramStaff(actor)) rows = await store.listSelections(db, filter)
      else if (actor.orgKind === 'lab')
        rows = await store.listSelections(db, { ...filter, labOrgId: actor.orgId })
      else if (actor.orgKind === 'partner')
        rows = await store.listSelections(db, { ...filter, partnerOrgId: actor.orgId })
      else rows = []
      return rows.map((s) => redactForPartner(actor, s))
    },

    async getSelection(actor, id) {
      return redactForPartner(actor, await selectionOr404(db, actor, id))
    },

    async selectionEvents(actor, id) {
      await selectionOr404(db, actor, id)
      const events = await store.selectionEvents(db, id)
      if (actor.orgKind !== 'partner') return events
      return events.map((e) => ({ ...e, reason: null }))
    },

    // -----------------------------------------------------------------------------------------
    // Grants

    async issueGrant(actor, input) {
      const keepContent = input.keepContent ?? false
      const key = newVirtualKey(random)
      // Read before the transaction: the program service uses its own connection, and on the
      // embedded database a second connection waits for an open transaction to end.
      const first = await selectionOr404(db, actor, input.selectionId)
      if (!keyHolder(actor, first.labOrgId)) {
        throw forbidden(
          'Grants are issued by a lab_member of the submitting lab or by a program_officer.',
        )
      }
      const sub = await program.get(actor, first.submissionId)
      return db.transaction(async (tx) => {
        const s = await selectionOr404(tx, actor, input.selectionId, true)
        const party = keyHolder(actor, s.labOrgId)
        if (!party) {
          throw forbidden(
            'Grants are issued by a lab_member of the submitting lab or by a program_officer.',
          )
        }
        // The two-key rule, checked on the stored keys themselves, not on a derived flag alone.
        if (
          !isEffective({ labKey: s.keys.lab.state, programKey: s.keys.program.state }) ||
          !s.effectiveAt
        ) {
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `The selection is ${s.state} (lab key ${s.keys.lab.state}, program key ${s.keys.program.state}); a grant needs both the lab and the program to approve it.`,
          })
        }
        await assertVettedForProgramKey(tx, s.partnerOrgId)
        if (sub.state === 'released' || sub.state === 'withdrawn') {
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `The submission is ${sub.state}; no new grant can be issued for it.`,
          })
        }
        const now = clock.now()
        const terms = {
          windowStart: input.windowStart,
          windowEnd: input.windowEnd,
          endpoints: input.endpoints,
          limits: input.limits,
          keepContent,
        }
        validateTerms(terms, partnerAccessPeriod(sub), now)
        const live = (await store.listGrants(tx, { submissionId: s.submissionId })).find(
          (g) => g.selectionId === s.id && g.status !== 'revoked',
        )
        if (live) {
          throw conflict(
            `${s.partnerName} already holds grant ${live.id} for this model; change its terms, or revoke it first.`,
          )
        }
        const id = newId('gnt')
        await store.insertGrant(tx, {
          id,
          selectionId: s.id,
          submissionId: s.submissionId,
          partnerOrgId: s.partnerOrgId,
          windowStart: terms.windowStart,
          windowEnd: terms.windowEnd,
          endpoints: terms.endpoints,
          requestsPerMinute: terms.limits.requestsPerMinute,
          tokensPerMinute: terms.limits.tokensPerMinute,
          tokenBudget: terms.limits.tokenBudget,
          keepContent,
          keyHash: hashVirtualKey(key),
          keyHint: keyHint(key),
          issuedBy: actor.personId,
          at: now,
        })
        const g = await rereadGrant(tx, id)
        const logIndex = await logGrant(tx, g, actor, {
          type: 'grant.issued',
          kind: 'issued',
          party,
          at: now,
          reason: null,
          data: termsData(g),
        })
        await notifyOrgs(tx, [g.partnerOrgId], {
          kind: 'partners.grant_issued',
          subjectType: 'grant',
          subjectId: g.id,
          title: `Access granted: ${model(g)}`,
          body: `${g.partnerName} may use ${model(g)} through the earlywatch gateway from ${g.windowStart.toISOString()} to ${g.windowEnd.toISOString()}. The key was given to the person who issued the grant.`,
          link: grantLink(g.id),
          key: `partners.grant_issued:${g.id}`,
        })
        return { ...g, key, logIndex }
      })
    },

    async listGrants(actor, filter = {}) {
      if (isProgramStaff(actor)) return store.listGrants(db, filter)
      if (actor.orgKind === 'lab') return store.listGrants(db, { ...filter, labOrgId: actor.orgId })
      if (actor.orgKind === 'partner')
        return store.listGrants(db, { ...filter, partnerOrgId: actor.orgId })
      return []
    },

    async getGrant(actor, id) {
      return grantOr404(db, actor, id)
    },

    async grantEvents(actor, id) {
      await grantOr404(db, actor, id)
      return store.grantEvents(db, id)
    },

    async pauseGrant(actor, id, input) {
      return db.transaction(async (tx) => {
        const g = await grantOr404(tx, actor, id, true)
        const party = controllerOf(actor, g)
        if (g.status !== 'active')
          throw conflict(`Grant ${id} is ${g.status}; only an active grant can be paused.`)
        const now = clock.now()
        await store.updateGrant(tx, id, { status: 'paused', pausedBy: party }, now)
        const next = await rereadGrant(tx, id)
        const logIndex = await logGrant(tx, next, actor, {
          type: 'grant.changed',
          kind: 'paused',
          party,
          at: now,
          reason: input.reason,
          data: { status: 'paused' },
        })
        return { ...next, logIndex }
      })
    },

    async resumeGrant(actor, id, input) {
      return db.transaction(async (tx) => {
        const g = await grantOr404(tx, actor, id, true)
        const party = controllerOf(actor, g)
        if (g.status !== 'paused') throw conflict(`Grant ${id} is ${g.status}, not paused.`)
        if (g.pausedBy !== party) {
          throw forbidden(
            `The ${g.pausedBy} paused this grant; only the ${g.pausedBy} resumes it, so neither side can undo the other’s pause.`,
          )
        }
        const now = clock.now()
        await store.updateGrant(tx, id, { status: 'active', pausedBy: null }, now)
        const next = await rereadGrant(tx, id)
        const logIndex = await logGrant(tx, next, actor, {
          type: 'grant.changed',
          kind: 'resumed',
          party,
          at: now,
          reason: input.reason ?? null,
          data: { status: 'active' },
        })
        return { ...next, logIndex }
      })
    },

    async revokeGrant(actor, id, input) {
      return db.transaction(async (tx) => {
        const g = await grantOr404(tx, actor, id, true)
        const party = controllerOf(actor, g)
        if (g.status === 'revoked') throw conflict(`Grant ${id} is already revoked.`)
        const now = clock.now()
        await store.updateGrant(
          tx,
          id,
          {
            status: 'revoked',
            pausedBy: null,
            revoked: { by: actor.personId, at: now, reason: input.reason },
          },
          now,
        )
        const next = await rereadGrant(tx, id)
        const logIndex = await logGrant(tx, next, actor, {
          type: 'grant.revoked',
          kind: 'revoked',
          party,
          at: now,
          reason: input.reason,
          data: { fromStatus: g.status },
        })
        await notifyOrgs(tx, [g.partnerOrgId], {
          kind: 'partners.grant_revoked',
          subjectType: 'grant',
          subjectId: g.id,
          title: `Access revoked: ${model(g)}`,
          body: `The ${party} revoked ${g.partnerName}’s access to ${model(g)}. Its key no longer works.`,
          link: grantLink(g.id),
          key: `partners.grant_revoked:${g.id}`,
        })
        return { ...next, logIndex }
      })
    },

    async changeTerms(actor, id, input) {
      if (input.endpoints) validateEndpoints(input.endpoints)
      // Read before the transaction, for the same reason as in issueGrant.
      const first = await grantOr404(db, actor, id)
      controllerOf(actor, first)
      const sub = await program.get(actor, first.submissionId)
      return db.transaction(async (tx) => {
        const g = await grantOr404(tx, actor, id, true)
        const party = controllerOf(actor, g)
        if (g.status === 'revoked')
          throw conflict(`Grant ${id} is revoked; its terms no longer matter.`)
        const { next: terms, loosened, changed } = applyTerms(g, input)
        if (changed.length === 0) {
          throw invalid('limits', 'the change leaves every term as it is; send what should change')
        }
        if (loosened.length > 0 && party !== 'program') {
          throw forbidden(
            `${loosened.join(', ')} would give the partner more than now; only the program (a program_officer) loosens a grant. Either side may tighten it at any time.`,
          )
        }
        validateLimits(terms.limits)
        if (terms.windowEnd.getTime() <= terms.windowStart.getTime()) {
          throw invalid('windowEnd', 'must be after windowStart')
        }
        if (loosened.some((f) => f.startsWith('window'))) {
          validateTerms(terms, partnerAccessPeriod(sub), clock.now())
        }
        const now = clock.now()
        await store.updateGrant(
          tx,
          id,
          {
            windowStart: terms.windowStart,
            windowEnd: terms.windowEnd,
            endpoints: terms.endpoints,
            requestsPerMinute: terms.limits.requestsPerMinute,
            tokensPerMinute: terms.limits.tokensPerMinute,
            tokenBudget: terms.limits.tokenBudget,
            keepContent: terms.keepContent,
          },
          now,
        )
        const next = await rereadGrant(tx, id)
        const logIndex = await logGrant(tx, next, actor, {
          type: 'grant.changed',
          kind: 'limits_changed',
          party,
          at: now,
          reason: input.reason,
          data: { changed, loosened, before: termsData(g), after: termsData(next) },
        })
        return { ...next, logIndex }
      })
    },

    // -----------------------------------------------------------------------------------------
    // Gateway contract

    async gatewayGrantByKeyHash(keyHash) {
      if (!/^[0-9a-f]{64}$/.test(keyHash)) return null
      const r = await store.gatewayGrantByKeyHash(db, keyHash)
      if (!r) return null
      return {
        grantId: r.id,
        version: r.version,
        partnerOrgId: r.partner_org_id,
        partnerName: r.partner_name,
        submissionId: r.submission_id,
        status: gatewayStatus(
          { status: r.status, windowEnd: r.window_end },
          r.submission_state,
          clock.now(),
        ),
        windowStart: r.window_start,
        windowEnd: r.window_end,
        endpoints: r.endpoints,
        limits: {
          requestsPerMinute: r.requests_per_minute,
          tokensPerMinute: r.tokens_per_minute,
          tokenBudget: Number(r.token_budget),
        },
        keepContent: r.keep_content,
        upstream: {
          protocol: r.endpoint_protocol,
          baseUrl: r.endpoint_base_url,
          modelId: r.endpoint_model_id,
        },
      }
    },

    async grantStatuses(grantIds) {
      const out = new Map<string, { status: GatewayGrant['status']; version: number }>()
      if (grantIds.length === 0) return out
      const now = clock.now()
      for (const r of await store.grantStatuses(db, grantIds)) {
        out.set(r.id, {
          status: gatewayStatus(
            { status: r.status, windowEnd: r.window_end },
            r.submission_state,
            now,
          ),
          version: r.version,
        })
      }
      return out
    },
  }
}

/** The gateway hashes a presented key with this before asking for its grant. */
export { hashVirtualKey }
