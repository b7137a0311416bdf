/**
 * Clearinghouse use cases: intake (form, API, SARIF) with de-duplication, triage with SSVC and
 * SLAs, and coordinated-disclosure cases with vendors, VEX statuses, embargo, a TLP-labelled
 * thread and attachments. Each decision, its events and its log entry commit in one transaction.
 */
import { createHash } from 'node:crypto'
import { hasRole, type Principal } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import type { NotificationsService } from '../notifications/service.ts'
import { type Clock, DAY_MS } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db, Queryable, Tx } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import type { EntryType, Json } from '../translog/model.ts'
import type { TranslogService } from '../translog/service.ts'
import { requireCvss } from './cvss.ts'
import { SlaCheck, type SlaCheckPayload } from './jobs.ts'
import {
  ATTACHMENT_TYPES,
  type AttachmentInfo,
  type Case,
  type CaseView,
  type Credit,
  canTransition,
  type DuplicateHint,
  defaultEmbargo,
  EMBARGO_DAYS,
  EXPLOITED_EMBARGO_DAYS,
  embargoDaysLeft,
  exploitabilityRank,
  type Finding,
  type FoundWith,
  fingerprintOf,
  locationKey,
  MAX_ATTACHMENT_BYTES,
  type Message,
  type Participant,
  type ParticipantRole,
  type Product,
  productKey,
  type Report,
  type ReportEvent,
  type ReportState,
  type ReportView,
  type SsvcRecord,
  safeFilename,
  slaOf,
  TRIAGE_SLA_DAYS,
  VENDOR_CONTACT_SLA_DAYS,
  type VexInput,
  type VexStatement,
  validateVex,
} from './model.ts'
import * as operators from './operators.ts'
import { type AiFinding, parseSarif, type SarifProblem } from './sarif.ts'
import { type SsvcInputs, ssvcDecide } from './ssvc.ts'
import * as store from './store.ts'
import { canRead, stricter, type Tlp, type TlpViewer, tlpTag } from './tlp.ts'

export interface ClearinghouseDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  jobs: Pick<Jobs, 'send'>
  envelopes: Envelopes
  notifications: Pick<NotificationsService, 'notify'>
  translog: Pick<TranslogService, 'append'>
  accounts: Pick<AccountsService, 'getOrg' | 'listOrgs' | 'orgsOf' | 'getPerson'>
  /**
   * The CISA KEV catalog, owned by the inventory capability and injected by the composition
   * root: true when any of these CVE ids is known to be exploited. Until it is wired, nothing is.
   */
  isKnownExploited?: (cveIds: readonly string[]) => Promise<boolean> | boolean
  /**
   * The advisories half, told in the deciding transaction when a disclosure date is set or
   * moved and when a vendor agrees to publish early, so its publication job follows. Optional.
   */
  disclosure?: {
    embargoChanged(tx: Tx, caseId: string, endsAt: Date): Promise<void>
    publishConsentChanged(tx: Tx, caseId: string): Promise<void>
    /** After the operators allowed to receive the case's embargoed advisory changed (committed). */
    operatorsChanged?(caseId: string): Promise<void>
  }
}

/** Clearinghouse staff: see every report, triage, run cases. */
export const STAFF_ROLES = ['analyst', 'admin'] as const
const isStaff = (p: Principal) => hasRole(p, ...STAFF_ROLES)

export interface ReportInput {
  title: string
  description: string
  reproduction?: string | undefined
  product: Product
  cwe?: string | null | undefined
  cveIds?: string[] | undefined
  cvss31?: string | null | undefined
  cvss40?: string | null | undefined
  foundWith: FoundWith
  creditWanted?: boolean | undefined
  creditName?: string | null | undefined
}

export interface SarifImportInput {
  log: unknown
  product: Product
  foundWith: FoundWith
  cveIds?: string[] | undefined
  creditWanted?: boolean | undefined
  creditName?: string | null | undefined
}

/** What a reporter keeps: where to follow the report. */
export interface Receipt {
  id: string
  state: ReportState
  receivedAt: Date
  statusUrl: string
  webUrl: string
  /** False when this organisation had already reported the same finding: the existing report. */
  created: boolean
  /** Index of the `report.received` transparency-log entry, when this call created the report. */
  logIndex: number | null
  likelyDuplicates: DuplicateHint[]
}

export interface FileInput {
  filename: string
  mediaType: string
  content: Buffer
  tlp?: Tlp | undefined
}

export interface CaseForAdvisory {
  caseId: string
  title: string
  tlp: Tlp
  embargoEndsAt: Date | null
  state: Case['state']
  description: string
  cwes: string[]
  cveIds: string[]
  cvss31: { vector: string; score: number } | null
  cvss40: { vector: string; score: number } | null
  products: Array<{ product: Product; productKey: string }>
  vex: VexStatement[]
  credits: Array<{ name: string; orgName: string }>
  participants: Array<{
    orgId: string
    orgName: string
    role: ParticipantRole
    personId: string | null
  }>
  reportIds: string[]
}

export interface ClearinghouseService {
  /** Any signed-in member reports a vulnerability; the receipt names where to follow it. */
  submitReport(actor: Principal, input: ReportInput, source?: 'form' | 'api'): Promise<Receipt>
  /** Every result of a SARIF 2.1.0 log becomes a report; a log imported again adds nothing. */
  importSarif(
    actor: Principal,
    input: SarifImportInput,
  ): Promise<{ receipts: Receipt[]; created: number; existing: number; warnings: SarifProblem[] }>
  listReports(
    actor: Principal,
    query: Omit<store.QueueQuery, 'reporterOrgId'>,
  ): Promise<{ items: ReportView[]; total: number }>
  /** Staff see any report; a reporter's organisation its own; 404 for everyone else. */
  getReport(
    actor: Principal,
    id: string,
  ): Promise<ReportView & { credits: Credit[]; attachments: AttachmentInfo[] }>
  reportEvents(actor: Principal, id: string): Promise<ReportEvent[]>
  transition(
    actor: Principal,
    id: string,
    input: { to: ReportState; reason: string; duplicateOf?: string | undefined },
  ): Promise<ReportView>
  assign(
    actor: Principal,
    id: string,
    input: { assigneePersonId: string | null },
  ): Promise<ReportView>
  decideSsvc(actor: Principal, id: string, inputs: SsvcInputs): Promise<ReportView>
  addReportAttachment(actor: Principal, reportId: string, file: FileInput): Promise<AttachmentInfo>

  openCase(
    actor: Principal,
    input: { reportIds: string[]; title?: string | undefined; tlp?: Tlp | undefined },
  ): Promise<CaseView>
  addReportToCase(actor: Principal, caseId: string, reportId: string): Promise<CaseView>
  listCases(viewer: Principal): Promise<CaseView[]>
  getCase(viewer: Principal | null, id: string): Promise<CaseView>
  inviteVendor(
    actor: Principal,
    caseId: string,
    input: { orgId: string; personId?: string | undefined },
  ): Promise<CaseView>
  /** Coordinators name people (needed for RED); participating organisations add their clients. */
  addParticipant(
    actor: Principal,
    caseId: string,
    input: { orgId: string; personId?: string | undefined; role: 'coordinator' | 'client' },
  ): Promise<CaseView>
  setVex(actor: Principal, caseId: string, input: VexInput): Promise<CaseView>
  setEmbargo(
    actor: Principal,
    caseId: string,
    input: { endsAt: Date; reason: string },
  ): Promise<CaseView>
  markExploited(actor: Principal, caseId: string, input: { reason: string }): Promise<CaseView>
  requestExtension(
    actor: Principal,
    caseId: string,
    input: { until: Date; reason: string },
  ): Promise<CaseView>
  decideExtension(
    actor: Principal,
    caseId: string,
    requestId: number,
    input: { grant: boolean; reason: string },
  ): Promise<CaseView>
  setCaseTlp(
    actor: Principal,
    caseId: string,
    input: { tlp: Tlp; reason: string },
  ): Promise<CaseView>
  agreeToPublish(actor: Principal, caseId: string): Promise<CaseView>
  postMessage(
    actor: Principal,
    caseId: string,
    input: { body: string; tlp?: Tlp | undefined },
  ): Promise<Message>
  messages(viewer: Principal | null, caseId: string): Promise<Message[]>
  addCaseAttachment(actor: Principal, caseId: string, file: FileInput): Promise<AttachmentInfo>
  caseAttachments(viewer: Principal | null, caseId: string): Promise<AttachmentInfo[]>
  downloadAttachment(
    viewer: Principal | null,
    id: string,
  ): Promise<{ info: AttachmentInfo; content: Buffer }>

  /**
   * Coordinators name the operator organisations that may receive the case's embargoed
   * (TLP:AMBER or stricter) advisory through their inventories; the list replaces the last one.
   */
  setAllowedOperators(
    actor: Principal,
    caseId: string,
    input: { orgIds: string[]; reason: string },
  ): Promise<operators.AllowedOperators>
  /** The list and its history, for the case's coordinators. */
  getAllowedOperators(actor: Principal, caseId: string): Promise<operators.AllowedOperators>
  /** The operators a case allows, for the inventory's embargo gate. No access check: callers are services. */
  allowedOperators(caseId: string): Promise<string[]>

  /** For the advisories half: everything an advisory is drafted from. No access check: callers are services. */
  caseForAdvisory(caseId: string): Promise<CaseForAdvisory>
  /** True when the case has vendors and every one of them agreed to publish before the embargo ends. */
  allVendorsAgreeToPublish(caseId: string): Promise<boolean>
  /** Cases whose embargo has ended and that are still open (the advisories' publication job reads these). */
  casesDueForDisclosure(): Promise<string[]>
  /** The SLA job's work: alerts staff once if the deadline passed undone. */
  checkSla(payload: SlaCheckPayload): Promise<{ alerted: boolean }>
}

const ENTRY: Record<
  'received' | 'triaged' | 'opened' | 'embargoSet' | 'embargoChanged',
  EntryType
> = {
  received: 'report.received',
  triaged: 'report.triaged',
  opened: 'case.opened',
  embargoSet: 'embargo.set',
  embargoChanged: 'embargo.changed',
}

const roleOf = (p: Principal) => p.roles[0] ?? 'member'
const viewerOf = (p: Principal | null): TlpViewer | null =>
  p ? { personId: p.personId, orgId: p.orgId } : null
const reportContext = (id: string) => `ch_attachment:${id}`

function conflict(detail: string) {
  return new AppError(ErrorCodes.EW_INVALID_TRANSITION, { detail })
}

export function createClearinghouseService(deps: ClearinghouseDeps): ClearinghouseService {
  const { db, clock, jobs, envelopes, notifications, translog, accounts } = deps
  const isKnownExploited = deps.isKnownExploited ?? (() => false)

  async function log(
    tx: Tx,
    type: EntryType,
    actor: Principal | null,
    subjects: Array<{ kind: string; id: string }>,
    data: Record<string, Json>,
    confidential?: Record<string, Json>,
  ): Promise<number> {
    const { index } = await translog.append(tx, {
      type,
      subjects,
      actor: actor
        ? { orgId: actor.orgId, role: roleOf(actor), personId: actor.personId }
        : { orgId: 'earlywatch', role: 'system' },
      at: clock.now().toISOString(),
      data,
      ...(confidential ? { confidential } : {}),
    })
    return index
  }

  // ------------------------------------------------------------------------------------------
  // Reports

  async function vendorContactAt(q: Queryable, r: Report): Promise<Date | null> {
    if (!r.caseId) return null
    return (await store.findCase(q, r.caseId))?.vendorContactAt ?? null
  }

  async function viewReport(q: Queryable, r: Report, withDuplicates: boolean): Promise<ReportView> {
    const view: ReportView = { ...r, sla: slaOf(r, await vendorContactAt(q, r), clock.now()) }
    if (withDuplicates) view.likelyDuplicates = await duplicates(q, r)
    return view
  }

  async function duplicates(q: Queryable, r: Report): Promise<DuplicateHint[]> {
    return (await store.likelyDuplicates(q, r)).map((d) => ({
      id: d.id,
      title: d.title,
      state: d.state,
      match: d.exact ? 'fingerprint' : 'product_weakness',
    }))
  }

  async function visibleReport(q: Queryable, actor: Principal, id: string, forUpdate = false) {
    const r = await store.findReport(q, id, { forUpdate })
    if (!r || !(isStaff(actor) || r.reporterOrgId === actor.orgId)) throw notFound('report', id)
    return r
  }

  function requireStaff(actor: Principal, what: string) {
    if (!isStaff(actor)) throw forbidden(`Only clearinghouse analysts may ${what}.`)
  }

  async function checkFoundWith(f: FoundWith) {
    if (f.method === 'model' && !f.submissionId && !f.grantId)
      throw invalid(
        'foundWith.submissionId',
        'a finding made with a pre-release model names the model submission (or the gateway grant) it was found with',
      )
    if (f.method === 'tool' && !f.tool?.trim())
      throw invalid('foundWith.tool', 'name the tool the finding was made with')
  }

  interface Prepared {
    title: string
    description: string
    reproduction: string
    product: Product
    productKey: string
    cwe: string | null
    cveIds: string[]
    cvss31: { vector: string; score: number } | null
    cvss40: { vector: string; score: number } | null
    finding: Finding | null
    ai: AiFinding | null
  }

  /** Inserts one report (or finds this organisation's existing one) inside `tx`. */
  async function intake(
    tx: Tx,
    actor: Principal,
    p: Prepared,
    common: {
      foundWith: FoundWith
      creditWanted: boolean
      creditName: string | null
      source: string
    },
  ): Promise<Receipt> {
    const now = clock.now()
    const fingerprint = fingerprintOf({
      productKey: p.productKey,
      cwe: p.cwe,
      location: locationKey(p.finding),
      title: p.title,
    })
    const id = newId('rpt')
    const created = await store.insertReport(tx, {
      id,
      ...p,
      foundWith: common.foundWith,
      exploitabilityRank: exploitabilityRank(p.ai),
      fingerprint,
      reporterPersonId: actor.personId,
      reporterOrgId: actor.orgId,
      creditWanted: common.creditWanted,
      creditName: common.creditName,
      receivedAt: now,
    })
    const report = created
      ? await store.findReport(tx, id)
      : await store.findByOrgFingerprint(tx, actor.orgId, fingerprint)
    if (!report) throw new Error(`report ${id} vanished inside its own transaction`)
    let logIndex: number | null = null
    if (created) {
      await store.insertReportEvent(tx, {
        reportId: id,
        at: now,
        kind: 'received',
        actorPersonId: actor.personId,
        actorOrgId: actor.orgId,
        toState: 'new',
        data: { source: common.source },
      })
      logIndex = await log(
        tx,
        ENTRY.received,
        actor,
        [
          { kind: 'report', id },
          { kind: 'organisation', id: actor.orgId },
        ],
        {
          reportId: id,
          reporterOrgId: actor.orgId,
          source: common.source,
          foundWith: common.foundWith.method,
          ...(common.foundWith.submissionId ? { submissionId: common.foundWith.submissionId } : {}),
          ...(common.foundWith.grantId ? { grantId: common.foundWith.grantId } : {}),
        },
        // Embargoed until disclosure: the log commits to what was reported without saying it.
        { title: p.title, product: p.productKey, fingerprint },
      )
      const dueAt = new Date(now.getTime() + TRIAGE_SLA_DAYS * DAY_MS)
      await jobs.send(
        SlaCheck,
        { reportId: id, kind: 'triage', dueAt: dueAt.toISOString() },
        { startAfter: dueAt, singletonKey: `${id}:triage`, tx },
      )
    }
    return {
      id: report.id,
      state: report.state,
      receivedAt: report.receivedAt,
      statusUrl: `/api/clearinghouse/reports/${report.id}`,
      webUrl: `/clearinghouse/reports/${report.id}`,
      created,
      logIndex,
      likelyDuplicates: await duplicates(tx, report),
    }
  }

  function prepareManual(input: ReportInput): Prepared {
    const cwe = input.cwe?.trim() ? input.cwe.trim().toUpperCase() : null
    if (cwe && !/^CWE-\d{1,5}$/.test(cwe))
      throw invalid('cwe', `"${input.cwe}" is not a CWE id such as CWE-79`)
    return {
      title: input.title.trim(),
      description: input.description.trim(),
      reproduction: input.reproduction?.trim() ?? '',
      product: input.product,
      productKey: productKey(input.product),
      cwe,
      cveIds: normaliseCves(input.cveIds ?? []),
      cvss31: input.cvss31 ? requireCvss('cvss31', '3.1', input.cvss31) : null,
      cvss40: input.cvss40 ? requireCvss('cvss40', '4.0', input.cvss40) : null,
      finding: null,
      ai: null,
    }
  }

  function normaliseCves(ids: string[]): string[] {
    return [
      ...new Set(
        ids.map((c, i) => {
          const id = c.trim().toUpperCase()
          if (!/^CVE-\d{4}-\d{4,}$/.test(id))
            throw invalid(`cveIds[${i}]`, `"${c}" is not a CVE id such as CVE-2024-3094`)
          return id
        }),
      ),
    ]
  }

  // ------------------------------------------------------------------------------------------
  // Cases

  async function loadCase(q: Queryable, id: string, forUpdate = false) {
    const c = await store.findCase(q, id, { forUpdate })
    if (!c) throw notFound('case', id)
    return { c, participants: await store.participants(q, id) }
  }

  function readable(c: Case, parts: Participant[], viewer: Principal | null): boolean {
    return canRead(c.tlp, viewerOf(viewer), parts)
  }

  /** The case, if the viewer's TLP access reaches it; 404 otherwise (its existence is not disclosed). */
  async function readableCase(
    q: Queryable,
    viewer: Principal | null,
    id: string,
    forUpdate = false,
  ) {
    const loaded = await loadCase(q, id, forUpdate)
    if (!readable(loaded.c, loaded.participants, viewer)) throw notFound('case', id)
    return loaded
  }

  /** Staff who can read the case run it. */
  async function coordinated(tx: Tx, actor: Principal, id: string) {
    requireStaff(actor, 'run disclosure cases')
    return readableCase(tx, actor, id, true)
  }

  const myRoles = (parts: Participant[], p: Principal | null): ParticipantRole[] =>
    p
      ? [
          ...new Set(
            parts
              .filter(
                (x) => x.orgId === p.orgId && (x.personId === null || x.personId === p.personId),
              )
              .map((x) => x.role),
          ),
        ]
      : []

  async function caseView(
    q: Queryable,
    c: Case,
    parts: Participant[],
    viewer: Principal | null,
  ): Promise<CaseView> {
    const reports = await store.caseReports(q, c.id)
    // Readers from outside the case (a CLEAR or GREEN case) see which organisations take part, not who.
    const insider =
      (viewer !== null && isStaff(viewer)) || myRoles(parts, viewer).some((r) => r !== 'client')
    return {
      ...c,
      participants: insider
        ? parts
        : parts.map((p) => ({ ...p, personId: null, personName: null })),
      reports: reports.map((r) => ({
        id: r.id,
        title: r.title,
        state: r.state,
        cwe: r.cwe,
        productKey: r.productKey,
      })),
      vex: await store.vex(q, c.id),
      embargo: await store.embargoEvents(q, c.id),
      embargoDaysLeft: embargoDaysLeft(c.embargoEndsAt, clock.now()),
      myRoles: myRoles(parts, viewer),
    }
  }

  async function reload(q: Queryable, id: string, viewer: Principal | null) {
    const { c, participants } = await loadCase(q, id)
    return caseView(q, c, participants, viewer)
  }

  /** Tells each participating organisation, with the label in the title and nothing beyond it for RED. */
  async function tell(
    tx: Tx,
    c: Case,
    orgIds: readonly string[],
    what: { kind: string; title: string; body: string; key: string },
  ) {
    const tag = tlpTag(c.tlp)
    for (const orgId of new Set(orgIds)) {
      await notifications.notify(
        {
          orgId,
          kind: `clearinghouse.${what.kind}`,
          subjectType: 'case',
          subjectId: c.id,
          // RED reaches named people only: an organisation-wide notice says no more than that there is something.
          title:
            c.tlp === 'RED'
              ? `[${tag}] A disclosure case needs a named participant's attention`
              : `[${tag}] ${what.title}`,
          body:
            c.tlp === 'RED'
              ? `Open case ${c.id} to read it (${tag}: named participants only).`
              : `${what.body} (${tag})`,
          link: `/clearinghouse/cases/${c.id}`,
          dedupeKey: `${what.key}:${orgId}`,
        },
        tx,
      )
    }
  }

  async function changeEmbargo(
    tx: Tx,
    actor: Principal | null,
    c: Case,
    to: Date,
    reason: string,
    kind: 'set' | 'changed',
    extra: { requestId?: number; policy?: string } = {},
  ) {
    const now = clock.now()
    await store.updateCase(tx, c.id, { embargoEndsAt: to }, now)
    const ev = kind === 'set' && !c.embargoEndsAt ? 'set' : 'changed'
    await store.insertEmbargoEvent(tx, {
      caseId: c.id,
      at: now,
      kind: extra.requestId !== undefined ? 'extension_granted' : ev,
      fromDate: c.embargoEndsAt,
      toDate: to,
      reason,
      actorPersonId: actor?.personId ?? null,
      actorOrgId: actor?.orgId ?? null,
      requestId: extra.requestId ?? null,
    })
    await log(
      tx,
      ev === 'set' ? ENTRY.embargoSet : ENTRY.embargoChanged,
      actor,
      [{ kind: 'case', id: c.id }],
      {
        caseId: c.id,
        from: c.embargoEndsAt?.toISOString() ?? null,
        to: to.toISOString(),
        ...(extra.policy ? { policy: extra.policy } : {}),
      },
      { reason },
    )
    await deps.disclosure?.embargoChanged(tx, c.id, to)
  }

  async function shortenForExploitation(tx: Tx, actor: Principal | null, c: Case, reason: string) {
    const now = clock.now()
    await store.updateCase(tx, c.id, { exploited: true }, now)
    const cap = new Date(now.getTime() + EXPLOITED_EMBARGO_DAYS * DAY_MS)
    if (c.embargoEndsAt && c.embargoEndsAt.getTime() > cap.getTime())
      await changeEmbargo(tx, actor, { ...c, exploited: true }, cap, reason, 'changed', {
        policy: `${EXPLOITED_EMBARGO_DAYS} days: exploited in the wild`,
      })
  }

  function checkFile(file: FileInput) {
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.mediaType))
      throw new AppError(ErrorCodes.EW_UNSUPPORTED_MEDIA_TYPE, {
        detail: `Attachments of type ${file.mediaType} are not accepted; allowed: ${ATTACHMENT_TYPES.join(', ')}.`,
      })
    if (file.content.length === 0) throw invalid('content', 'the file is empty')
    if (file.content.length > MAX_ATTACHMENT_BYTES)
      throw new AppError(ErrorCodes.EW_PAYLOAD_TOO_LARGE, {
        detail: `The file is ${file.content.length} bytes; attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes (10 MiB). Compress it or split it.`,
      })
  }

  async function storeFile(
    tx: Tx,
    actor: Principal,
    file: FileInput,
    where: { reportId?: string; caseId?: string; messageId?: string },
    tlp: Tlp,
  ): Promise<AttachmentInfo> {
    checkFile(file)
    const id = newId('att')
    const info: AttachmentInfo = {
      id,
      reportId: where.reportId ?? null,
      caseId: where.caseId ?? null,
      messageId: where.messageId ?? null,
      filename: safeFilename(file.filename),
      mediaType: file.mediaType,
      size: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      tlp,
      uploadedBy: actor.personId,
      uploadedOrgId: actor.orgId,
      createdAt: clock.now(),
    }
    await store.insertAttachment(tx, {
      ...info,
      content: await envelopes.encrypt(file.content, reportContext(id)),
    })
    return info
  }

  /** May the viewer read this attachment? Its own label, and its case's or report's audience. */
  async function attachmentReadable(q: Queryable, viewer: Principal | null, a: AttachmentInfo) {
    const caseId =
      a.caseId ?? (a.reportId ? ((await store.findReport(q, a.reportId))?.caseId ?? null) : null)
    if (a.reportId && viewer) {
      const r = await store.findReport(q, a.reportId)
      // The reporter's organisation and staff always read the report's own evidence.
      if (r && (r.reporterOrgId === viewer.orgId || (isStaff(viewer) && !caseId))) return true
      if (r?.duplicateOf) {
        const primary = await store.findReport(q, r.duplicateOf)
        if (primary && isStaff(viewer) && !primary.caseId) return true
      }
    }
    if (!caseId) return false
    const { c, participants } = await loadCase(q, caseId)
    return canRead(stricter(c.tlp, a.tlp), viewerOf(viewer), participants)
  }

  return {
    async submitReport(actor, input, source = 'api') {
      await checkFoundWith(input.foundWith)
      const prepared = prepareManual(input)
      return db.transaction((tx) =>
        intake(tx, actor, prepared, {
          foundWith: input.foundWith,
          creditWanted: input.creditWanted ?? true,
          creditName: input.creditName?.trim() || null,
          source,
        }),
      )
    },

    async importSarif(actor, input) {
      const parsed = parseSarif(input.log)
      if (!parsed.ok) {
        throw new AppError(ErrorCodes.EW_VALIDATION, {
          detail: `The SARIF log is not valid: ${parsed.problems
            .slice(0, 5)
            .map((p) => `${p.path}: ${p.message}`)
            .join(
              '; ',
            )}${parsed.problems.length > 5 ? ` (and ${parsed.problems.length - 5} more)` : ''}`,
          errors: parsed.problems.map((p) => ({ path: `log.${p.path}`, message: p.message })),
        })
      }
      if (parsed.findings.length === 0)
        throw invalid('log.runs', 'the log has no results to report')
      const key = productKey(input.product)
      const cveIds = normaliseCves(input.cveIds ?? [])
      const foundWith: FoundWith =
        input.foundWith.method === 'tool' && !input.foundWith.tool
          ? { ...input.foundWith, tool: parsed.findings[0]!.tool }
          : input.foundWith
      await checkFoundWith(foundWith)
      // One transaction for the whole log: nothing is half-imported.
      const receipts = await db.transaction(async (tx) => {
        const out: Receipt[] = []
        for (const f of parsed.findings) {
          out.push(
            await intake(
              tx,
              actor,
              {
                title: f.title,
                description: f.message,
                reproduction: '',
                product: input.product,
                productKey: key,
                cwe: f.cwe,
                cveIds,
                cvss31: null,
                cvss40: null,
                finding: {
                  tool: f.tool,
                  toolVersion: f.toolVersion,
                  ruleId: f.ruleId,
                  ruleName: f.ruleName,
                  message: f.message,
                  level: f.level,
                  location: f.location,
                  fingerprints: f.fingerprints,
                  partialFingerprints: f.partialFingerprints,
                },
                ai: f.ai,
              },
              {
                foundWith,
                creditWanted: input.creditWanted ?? true,
                creditName: input.creditName?.trim() || null,
                source: 'sarif',
              },
            ),
          )
        }
        return out
      })
      const created = receipts.filter((r) => r.created).length
      return { receipts, created, existing: receipts.length - created, warnings: parsed.warnings }
    },

    async listReports(actor, query) {
      const scoped = isStaff(actor) ? query : { ...query, reporterOrgId: actor.orgId }
      const { items, total } = await store.listReports(db, scoped)
      const views: ReportView[] = []
      for (const r of items) views.push(await viewReport(db, r, isStaff(actor)))
      return { items: views, total }
    },

    async getReport(actor, id) {
      const r = await visibleReport(db, actor, id)
      const view = await viewReport(db, r, isStaff(actor))
      const all = await store.credits(db, [r.id])
      return {
        ...view,
        // A reporter sees their own credit line; staff see every merged reporter's.
        credits: isStaff(actor) ? all : all.filter((c) => c.reportId === r.id),
        attachments: await store.attachments(db, { reportIds: [r.id] }),
      }
    },

    async reportEvents(actor, id) {
      await visibleReport(db, actor, id)
      return store.reportEvents(db, id)
    },

    async transition(actor, id, input) {
      requireStaff(actor, 'triage reports')
      const reason = input.reason.trim()
      if (!reason) throw invalid('reason', 'say why: the decision is recorded with its reason')
      return db.transaction(async (tx) => {
        const r = await visibleReport(tx, actor, id, true)
        if (!canTransition(r.state, input.to))
          throw conflict(`Report ${id} is ${r.state}; it cannot become ${input.to} from there.`)
        let duplicateOf: string | null | undefined
        if (input.to === 'duplicate') {
          if (!input.duplicateOf)
            throw invalid('duplicateOf', 'name the report this one duplicates')
          let target = await store.findReport(tx, input.duplicateOf)
          // Merging into a duplicate merges into its primary, so credits collect in one place.
          while (target?.duplicateOf) target = await store.findReport(tx, target.duplicateOf)
          if (!target || target.id === r.id)
            throw invalid('duplicateOf', `no other report ${input.duplicateOf} to merge into`)
          duplicateOf = target.id
          // Reports already merged into this one follow it to the new primary.
          await tx.query('UPDATE ch_report SET duplicate_of = $1 WHERE duplicate_of = $2', [
            target.id,
            r.id,
          ])
        } else if (r.state === 'duplicate') {
          duplicateOf = null
        }
        const now = clock.now()
        await store.updateReport(
          tx,
          id,
          {
            state: input.to,
            ...(duplicateOf !== undefined ? { duplicateOf } : {}),
            ...(!r.triagedAt ? { triagedAt: now } : {}),
            ...(input.to === 'validated' ? { validatedAt: now } : {}),
          },
          now,
        )
        await store.insertReportEvent(tx, {
          reportId: id,
          at: now,
          kind: 'transitioned',
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          fromState: r.state,
          toState: input.to,
          reason,
          data: duplicateOf ? { duplicateOf } : {},
        })
        await log(
          tx,
          ENTRY.triaged,
          actor,
          [{ kind: 'report', id }],
          { reportId: id, from: r.state, to: input.to, ...(duplicateOf ? { duplicateOf } : {}) },
          { reason },
        )
        if (input.to === 'validated') {
          const dueAt = new Date(now.getTime() + VENDOR_CONTACT_SLA_DAYS * DAY_MS)
          await jobs.send(
            SlaCheck,
            { reportId: id, kind: 'vendor_contact', dueAt: dueAt.toISOString() },
            { startAfter: dueAt, singletonKey: `${id}:vendor_contact`, tx },
          )
        }
        await notifications.notify(
          {
            orgId: r.reporterOrgId,
            kind: 'clearinghouse.report_status',
            subjectType: 'report',
            subjectId: id,
            title: `Your report ${id} is now ${input.to.replace('_', ' ')}`,
            body: `"${r.title}" moved from ${r.state} to ${input.to}.`,
            link: `/clearinghouse/reports/${id}`,
            dedupeKey: `ch-report:${id}:${r.revision}:${input.to}`,
          },
          tx,
        )
        return viewReport(tx, (await store.findReport(tx, id))!, true)
      })
    },

    async assign(actor, id, input) {
      requireStaff(actor, 'assign reports')
      // Accounts run their own queries: asked before the transaction, which PGlite serialises.
      if (input.assigneePersonId) {
        const orgs = await accounts.orgsOf(input.assigneePersonId)
        if (!orgs.some((o) => o.roles.includes('analyst')))
          throw invalid(
            'assigneePersonId',
            `${input.assigneePersonId} is not a clearinghouse analyst`,
          )
      }
      return db.transaction(async (tx) => {
        const r = await visibleReport(tx, actor, id, true)
        const now = clock.now()
        await store.updateReport(tx, id, { assigneePersonId: input.assigneePersonId }, now)
        await store.insertReportEvent(tx, {
          reportId: id,
          at: now,
          kind: 'assigned',
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          data: { from: r.assigneePersonId, to: input.assigneePersonId },
        })
        return viewReport(tx, (await store.findReport(tx, id))!, true)
      })
    },

    async decideSsvc(actor, id, inputs) {
      requireStaff(actor, 'record SSVC decisions')
      return db.transaction(async (tx) => {
        const r = await visibleReport(tx, actor, id, true)
        const kev = r.cveIds.length > 0 && (await isKnownExploited(r.cveIds))
        const effective: SsvcInputs = kev ? { ...inputs, exploitation: 'active' } : inputs
        const now = clock.now()
        const record: SsvcRecord = {
          inputs: effective,
          decision: ssvcDecide(effective),
          kev,
          decidedBy: actor.personId,
          decidedAt: now.toISOString(),
        }
        await store.updateReport(tx, id, { ssvc: record }, now)
        await store.insertReportEvent(tx, {
          reportId: id,
          at: now,
          kind: 'ssvc',
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          data: { ...record, given: inputs },
        })
        if (effective.exploitation === 'active' && r.caseId) {
          const { c } = await loadCase(tx, r.caseId, true)
          if (!c.exploited)
            await shortenForExploitation(
              tx,
              actor,
              c,
              kev
                ? `A CVE of report ${id} is in the KEV catalog.`
                : `SSVC: report ${id} is actively exploited.`,
            )
        }
        return viewReport(tx, (await store.findReport(tx, id))!, true)
      })
    },

    async addReportAttachment(actor, reportId, file) {
      return db.transaction(async (tx) => {
        const r = await visibleReport(tx, actor, reportId, true)
        if (
          !isStaff(actor) &&
          r.reporterPersonId !== actor.personId &&
          r.reporterOrgId !== actor.orgId
        )
          throw notFound('report', reportId)
        return storeFile(tx, actor, file, { reportId }, file.tlp ?? 'AMBER')
      })
    },

    async openCase(actor, input) {
      requireStaff(actor, 'open disclosure cases')
      if (input.reportIds.length === 0)
        throw invalid('reportIds', 'a case opens from at least one validated report')
      return db.transaction(async (tx) => {
        const reports: Report[] = []
        for (const rid of input.reportIds) {
          const r = await store.findReport(tx, rid, { forUpdate: true })
          if (!r) throw notFound('report', rid)
          if (r.state !== 'validated')
            throw conflict(`Report ${rid} is ${r.state}; only validated reports open a case.`)
          if (r.caseId)
            throw conflict(
              `Report ${rid} is already in case ${r.caseId}; add others to that case instead.`,
            )
          reports.push(r)
        }
        const now = clock.now()
        const id = newId('case')
        const cveIds = [...new Set(reports.flatMap((r) => r.cveIds))]
        const exploited =
          reports.some((r) => r.ssvc?.inputs.exploitation === 'active') ||
          (cveIds.length > 0 && (await isKnownExploited(cveIds)))
        const tlp = input.tlp ?? 'AMBER'
        const title = input.title?.trim() || reports[0]!.title
        await store.insertCase(tx, {
          id,
          title,
          tlp,
          exploited,
          createdBy: actor.personId,
          at: now,
        })
        await store.addParticipant(tx, {
          id: newId('cpt'),
          caseId: id,
          orgId: actor.orgId,
          personId: actor.personId,
          role: 'coordinator',
          addedBy: actor.personId,
          at: now,
        })
        for (const r of reports) {
          await store.updateReport(tx, r.id, { caseId: id }, now)
          await store.addParticipant(tx, {
            id: newId('cpt'),
            caseId: id,
            orgId: r.reporterOrgId,
            personId: r.reporterPersonId,
            role: 'reporter',
            addedBy: actor.personId,
            at: now,
          })
          await store.insertReportEvent(tx, {
            reportId: r.id,
            at: now,
            kind: 'case_opened',
            actorPersonId: actor.personId,
            actorOrgId: actor.orgId,
            data: { caseId: id },
          })
        }
        await log(
          tx,
          ENTRY.opened,
          actor,
          [{ kind: 'case', id }, ...reports.map((r) => ({ kind: 'report', id: r.id }))],
          { caseId: id, tlp, reportIds: reports.map((r) => r.id), exploited },
          { title },
        )
        return reload(tx, id, actor)
      })
    },

    async addReportToCase(actor, caseId, reportId) {
      return db.transaction(async (tx) => {
        const { c } = await coordinated(tx, actor, caseId)
        const r = await store.findReport(tx, reportId, { forUpdate: true })
        if (!r) throw notFound('report', reportId)
        if (r.state !== 'validated')
          throw conflict(`Report ${reportId} is ${r.state}; only validated reports join a case.`)
        if (r.caseId) throw conflict(`Report ${reportId} is already in case ${r.caseId}.`)
        const now = clock.now()
        await store.updateReport(tx, reportId, { caseId }, now)
        await store.addParticipant(tx, {
          id: newId('cpt'),
          caseId,
          orgId: r.reporterOrgId,
          personId: r.reporterPersonId,
          role: 'reporter',
          addedBy: actor.personId,
          at: now,
        })
        await store.insertReportEvent(tx, {
          reportId,
          at: now,
          kind: 'case_joined',
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          data: { caseId },
        })
        if (r.ssvc?.inputs.exploitation === 'active' && !c.exploited)
          await shortenForExploitation(
            tx,
            actor,
            c,
            `Report ${reportId}, exploited in the wild, joined the case.`,
          )
        return reload(tx, caseId, actor)
      })
    },

    async listCases(viewer) {
      const ids = new Set(await store.caseIdsOfOrg(db, viewer.orgId))
      const out: CaseView[] = []
      for (const c of await store.listCases(db)) {
        if (c.tlp !== 'CLEAR' && c.tlp !== 'GREEN' && !ids.has(c.id)) continue
        const parts = await store.participants(db, c.id)
        if (readable(c, parts, viewer)) out.push(await caseView(db, c, parts, viewer))
      }
      return out
    },

    async getCase(viewer, id) {
      const { c, participants } = await readableCase(db, viewer, id)
      return caseView(db, c, participants, viewer)
    },

    async inviteVendor(actor, caseId, input) {
      const org = await accounts.getOrg(input.orgId).catch(() => null)
      if (!org) throw invalid('orgId', `no organisation ${input.orgId}`)
      if (org.kind !== 'vendor')
        throw invalid(
          'orgId',
          `${org.name} is a ${org.kind} organisation; only vendors are invited to state VEX statuses`,
        )
      // Accounts run their own queries: asked before the transaction, which PGlite serialises.
      if (input.personId) {
        const orgs = await accounts.orgsOf(input.personId)
        if (!orgs.some((o) => o.id === org.id))
          throw invalid('personId', `${input.personId} is not a member of ${org.name}`)
      }
      return db.transaction(async (tx) => {
        const { c } = await coordinated(tx, actor, caseId)
        if (c.state !== 'open') throw conflict(`Case ${caseId} is ${c.state}.`)
        if (c.tlp === 'RED' && !input.personId)
          throw invalid(
            'personId',
            'a TLP:RED case reaches named people only: name the vendor contact',
          )
        const now = clock.now()
        await store.addParticipant(tx, {
          id: newId('cpt'),
          caseId,
          orgId: org.id,
          personId: input.personId ?? null,
          role: 'vendor',
          addedBy: actor.personId,
          at: now,
        })
        if (!c.vendorContactAt) {
          await store.updateCase(tx, caseId, { vendorContactAt: now }, now)
          if (!c.embargoEndsAt) {
            const ends = defaultEmbargo(now, c.exploited)
            await changeEmbargo(
              tx,
              actor,
              c,
              ends,
              c.exploited
                ? `Policy: ${EXPLOITED_EMBARGO_DAYS} days from first vendor contact, exploited in the wild.`
                : `Policy: ${EMBARGO_DAYS} days from first vendor contact.`,
              'set',
              {
                policy: `${c.exploited ? EXPLOITED_EMBARGO_DAYS : EMBARGO_DAYS} days from vendor contact`,
              },
            )
          }
        }
        const fresh = (await store.findCase(tx, caseId))!
        await tell(tx, fresh, [org.id], {
          kind: 'vendor_invited',
          title: `You are invited to disclosure case ${caseId}: ${c.title}`,
          body: `State your products' status (VEX) before the disclosure date ${fresh.embargoEndsAt?.toISOString().slice(0, 10) ?? ''}.`,
          key: `ch-invite:${caseId}`,
        })
        return reload(tx, caseId, actor)
      })
    },

    async addParticipant(actor, caseId, input) {
      // Accounts run their own queries: asked before the transaction, which PGlite serialises.
      if (input.personId) {
        const orgs = await accounts.orgsOf(input.personId)
        if (!orgs.some((o) => o.id === input.orgId))
          throw invalid('personId', `${input.personId} is not a member of ${input.orgId}`)
      } else {
        await accounts.getOrg(input.orgId).catch(() => {
          throw invalid('orgId', `no organisation ${input.orgId}`)
        })
      }
      return db.transaction(async (tx) => {
        const { participants } = await readableCase(tx, actor, caseId, true)
        const mine = myRoles(participants, actor)
        if (input.role === 'coordinator') {
          requireStaff(actor, 'add coordinators')
          if (!input.personId) throw invalid('personId', 'a coordinator is a named person')
        } else {
          // TLP 2.0: a recipient may share AMBER with its own clients; the client is added by that recipient.
          if (mine.length === 0 || mine.every((r) => r === 'client'))
            throw forbidden('Only a participating organisation adds its clients to a case.')
        }
        await store.addParticipant(tx, {
          id: newId('cpt'),
          caseId,
          orgId: input.orgId,
          personId: input.personId ?? null,
          role: input.role,
          sponsorOrgId: input.role === 'client' ? actor.orgId : null,
          addedBy: actor.personId,
          at: clock.now(),
        })
        return reload(tx, caseId, actor)
      })
    },

    async setVex(actor, caseId, input) {
      validateVex(input)
      return db.transaction(async (tx) => {
        const { c, participants } = await readableCase(tx, actor, caseId, true)
        const vendor = participants.find(
          (p) =>
            p.role === 'vendor' &&
            p.orgId === actor.orgId &&
            (p.personId === null || p.personId === actor.personId),
        )
        if (!vendor)
          throw forbidden(
            `Only a vendor invited to case ${caseId} states VEX statuses for its products.`,
          )
        if (c.state !== 'open') throw conflict(`Case ${caseId} is ${c.state}.`)
        await store.upsertVex(tx, caseId, actor.orgId, input, actor.personId, clock.now())
        await tell(
          tx,
          c,
          participants.filter((p) => p.role === 'coordinator').map((p) => p.orgId),
          {
            kind: 'vex_stated',
            title: `${actor.orgName} stated ${input.status.replaceAll('_', ' ')} for ${input.product} ${input.versionRange}`,
            body: `Case ${caseId}: ${c.title}.`,
            key: `ch-vex:${caseId}:${actor.orgId}:${input.product}:${input.versionRange}:${input.status}:${clock.now().getTime()}`,
          },
        )
        return reload(tx, caseId, actor)
      })
    },

    async setEmbargo(actor, caseId, input) {
      const reason = input.reason.trim()
      if (!reason) throw invalid('reason', 'say why the disclosure date is set or moved')
      return db.transaction(async (tx) => {
        const { c } = await coordinated(tx, actor, caseId)
        if (input.endsAt.getTime() <= clock.now().getTime())
          throw invalid('endsAt', 'the disclosure date must be in the future')
        await changeEmbargo(tx, actor, c, input.endsAt, reason, c.embargoEndsAt ? 'changed' : 'set')
        return reload(tx, caseId, actor)
      })
    },

    async markExploited(actor, caseId, input) {
      return db.transaction(async (tx) => {
        const { c } = await coordinated(tx, actor, caseId)
        if (c.exploited) return reload(tx, caseId, actor)
        await shortenForExploitation(tx, actor, c, input.reason.trim() || 'Exploited in the wild.')
        return reload(tx, caseId, actor)
      })
    },

    async requestExtension(actor, caseId, input) {
      const reason = input.reason.trim()
      if (!reason) throw invalid('reason', 'say why more time is needed')
      return db.transaction(async (tx) => {
        const { c, participants } = await readableCase(tx, actor, caseId, true)
        if (!myRoles(participants, actor).includes('vendor'))
          throw forbidden('Only an invited vendor requests an extension of the disclosure date.')
        if (!c.embargoEndsAt || input.until.getTime() <= c.embargoEndsAt.getTime())
          throw invalid(
            'until',
            `an extension asks for a date after the current one (${c.embargoEndsAt?.toISOString() ?? 'none set'})`,
          )
        await store.insertEmbargoEvent(tx, {
          caseId,
          at: clock.now(),
          kind: 'extension_requested',
          fromDate: c.embargoEndsAt,
          toDate: input.until,
          reason,
          actorPersonId: actor.personId,
          actorOrgId: actor.orgId,
          requestId: null,
        })
        await tell(
          tx,
          c,
          participants.filter((p) => p.role === 'coordinator').map((p) => p.orgId),
          {
            kind: 'extension_requested',
            title: `${actor.orgName} asks to move the disclosure of ${caseId} to ${input.until.toISOString().slice(0, 10)}`,
            body: `Case ${caseId}: ${c.title}. Decide on the case page.`,
            key: `ch-ext:${caseId}:${clock.now().getTime()}`,
          },
        )
        return reload(tx, caseId, actor)
      })
    },

    async decideExtension(actor, caseId, requestId, input) {
      const reason = input.reason.trim()
      if (!reason) throw invalid('reason', 'say why the extension is granted or refused')
      return db.transaction(async (tx) => {
        const { c, participants } = await coordinated(tx, actor, caseId)
        const events = await store.embargoEvents(tx, caseId)
        const request = events.find((e) => e.id === requestId && e.kind === 'extension_requested')
        if (!request) throw notFound('extension request', String(requestId))
        if (events.some((e) => e.requestId === requestId))
          throw conflict(`Extension request ${requestId} was already decided.`)
        if (input.grant) {
          await changeEmbargo(tx, actor, c, request.toDate!, reason, 'changed', { requestId })
        } else {
          await store.insertEmbargoEvent(tx, {
            caseId,
            at: clock.now(),
            kind: 'extension_refused',
            fromDate: c.embargoEndsAt,
            toDate: request.toDate,
            reason,
            actorPersonId: actor.personId,
            actorOrgId: actor.orgId,
            requestId,
          })
        }
        const fresh = (await store.findCase(tx, caseId))!
        await tell(
          tx,
          fresh,
          participants.filter((p) => p.role !== 'coordinator').map((p) => p.orgId),
          {
            kind: 'extension_decided',
            title: `Extension of ${caseId} ${input.grant ? 'granted' : 'refused'}`,
            body: `Disclosure date: ${fresh.embargoEndsAt?.toISOString().slice(0, 10)}. Reason: ${reason}`,
            key: `ch-ext-decided:${caseId}:${requestId}`,
          },
        )
        return reload(tx, caseId, actor)
      })
    },

    async setCaseTlp(actor, caseId, input) {
      return db.transaction(async (tx) => {
        await coordinated(tx, actor, caseId)
        const now = clock.now()
        await store.updateCase(tx, caseId, { tlp: input.tlp }, now)
        return reload(tx, caseId, actor)
      })
    },

    async agreeToPublish(actor, caseId) {
      return db.transaction(async (tx) => {
        const { participants } = await readableCase(tx, actor, caseId, true)
        if (!myRoles(participants, actor).includes('vendor'))
          throw forbidden('Only an invited vendor agrees to early publication.')
        await store.setPublishConsent(tx, caseId, actor.orgId, clock.now())
        await deps.disclosure?.publishConsentChanged(tx, caseId)
        return reload(tx, caseId, actor)
      })
    },

    async postMessage(actor, caseId, input) {
      const body = input.body.trim()
      if (!body) throw invalid('body', 'the message is empty')
      return db.transaction(async (tx) => {
        const { c, participants } = await readableCase(tx, actor, caseId, true)
        const roles = myRoles(participants, actor)
        const staff = isStaff(actor)
        if (roles.length === 0 && !staff)
          throw forbidden(`Only participants of case ${caseId} write in its thread.`)
        const tlp = input.tlp ?? c.tlp
        const message = {
          id: newId('msg'),
          caseId,
          authorPersonId: actor.personId,
          authorOrgId: actor.orgId,
          authorRole: roles[0] ?? 'coordinator',
          tlp,
          body,
          createdAt: clock.now(),
        }
        // The author must be able to read what they label; a label they could not read would lock them out.
        if (!canRead(stricter(c.tlp, tlp), viewerOf(actor), participants))
          throw invalid(
            'tlp',
            `you could not read a message labelled ${tlpTag(tlp)} in this case yourself`,
          )
        await store.insertMessage(tx, message)
        const effective = stricter(c.tlp, tlp)
        await tell(
          tx,
          { ...c, tlp: effective },
          participants
            .filter((p) => p.orgId !== actor.orgId)
            .filter((p) =>
              canRead(effective, { personId: p.personId ?? '', orgId: p.orgId }, participants),
            )
            .map((p) => p.orgId),
          {
            kind: 'message',
            title: `New message in case ${caseId}`,
            body: `${actor.personName} (${actor.orgName}) wrote in ${c.title}.`,
            key: `ch-msg:${message.id}`,
          },
        )
        return (await store.messages(tx, caseId)).find((m) => m.id === message.id)!
      })
    },

    async messages(viewer, caseId) {
      const { c, participants } = await readableCase(db, viewer, caseId)
      return (await store.messages(db, caseId)).filter((m) =>
        canRead(stricter(c.tlp, m.tlp), viewerOf(viewer), participants),
      )
    },

    async addCaseAttachment(actor, caseId, file) {
      return db.transaction(async (tx) => {
        const { c, participants } = await readableCase(tx, actor, caseId, true)
        if (myRoles(participants, actor).length === 0 && !isStaff(actor))
          throw forbidden(`Only participants of case ${caseId} attach files to it.`)
        const tlp = file.tlp ?? c.tlp
        if (!canRead(stricter(c.tlp, tlp), viewerOf(actor), participants))
          throw invalid(
            'tlp',
            `you could not read a file labelled ${tlpTag(tlp)} in this case yourself`,
          )
        return storeFile(tx, actor, file, { caseId }, tlp)
      })
    },

    async caseAttachments(viewer, caseId) {
      const { c, participants } = await readableCase(db, viewer, caseId)
      const reports = await store.caseReports(db, caseId)
      const all = await store.attachments(db, { caseId, reportIds: reports.map((r) => r.id) })
      return all.filter((a) => canRead(stricter(c.tlp, a.tlp), viewerOf(viewer), participants))
    },

    async downloadAttachment(viewer, id) {
      const a = await store.findAttachment(db, id)
      if (!a || !(await attachmentReadable(db, viewer, a))) throw notFound('attachment', id)
      const { content, ...info } = a
      return { info, content: await envelopes.decrypt(content, reportContext(id)) }
    },

    async setAllowedOperators(actor, caseId, input) {
      const reason = input.reason.trim()
      if (!reason)
        throw invalid('reason', 'say why these operators may receive the embargoed advisory')
      const orgIds = [...new Set(input.orgIds)].sort()
      // Accounts run their own queries: asked before the transaction, which PGlite serialises.
      for (const [i, id] of orgIds.entries()) {
        const org = await accounts.getOrg(id).catch(() => null)
        if (!org) throw invalid(`orgIds.${i}`, `no organisation ${id}`)
        if (org.kind !== 'operator')
          throw invalid(
            `orgIds.${i}`,
            `${org.name} is a ${org.kind} organisation; only operators receive advisories through their inventories`,
          )
      }
      const result = await db.transaction(async (tx) => {
        await coordinated(tx, actor, caseId)
        await operators.replaceAllowed(tx, {
          caseId,
          orgIds,
          reason,
          personId: actor.personId,
          orgId: actor.orgId,
          at: clock.now(),
        })
        // Which operators learn of an embargoed flaw is itself confidential: committed, not published.
        await log(
          tx,
          'case.operators_allowed',
          actor,
          [{ kind: 'case', id: caseId }],
          { caseId, operators: orgIds.length },
          { orgIds, reason },
        )
        return {
          caseId,
          orgIds,
          history: await operators.decisions(tx, caseId),
        }
      })
      await deps.disclosure?.operatorsChanged?.(caseId)
      return result
    },

    async getAllowedOperators(actor, caseId) {
      return db.transaction(async (tx) => {
        await coordinated(tx, actor, caseId)
        return {
          caseId,
          orgIds: await operators.allowedOrgIds(tx, caseId),
          history: await operators.decisions(tx, caseId),
        }
      })
    },

    allowedOperators: (caseId) => operators.allowedOrgIds(db, caseId),

    async caseForAdvisory(caseId) {
      const { c, participants } = await loadCase(db, caseId)
      const reports = await store.caseReports(db, caseId)
      const primary = reports[0]
      const best = <T>(pick: (r: Report) => T | null): T | null =>
        reports.map(pick).find((x) => x !== null) ?? null
      const products = new Map<string, Product>()
      for (const r of reports) products.set(r.productKey, r.product)
      const credits = await store.credits(
        db,
        reports.map((r) => r.id),
      )
      return {
        caseId: c.id,
        title: c.title,
        tlp: c.tlp,
        embargoEndsAt: c.embargoEndsAt,
        state: c.state,
        description: primary?.description ?? '',
        cwes: [...new Set(reports.map((r) => r.cwe).filter((x): x is string => x !== null))],
        cveIds: [...new Set(reports.flatMap((r) => r.cveIds))],
        cvss31: best((r) => r.cvss31),
        cvss40: best((r) => r.cvss40),
        products: [...products].map(([key, product]) => ({ product, productKey: key })),
        vex: await store.vex(db, caseId),
        // Only reporters who asked to be credited are named in anything published.
        credits: credits.filter((x) => x.wanted).map((x) => ({ name: x.name, orgName: x.orgName })),
        participants: participants.map((p) => ({
          orgId: p.orgId,
          orgName: p.orgName,
          role: p.role,
          personId: p.personId,
        })),
        reportIds: reports.map((r) => r.id),
      }
    },

    async allVendorsAgreeToPublish(caseId) {
      const { participants } = await loadCase(db, caseId)
      const vendorOrgs = new Map<string, boolean>()
      for (const p of participants.filter((x) => x.role === 'vendor'))
        vendorOrgs.set(p.orgId, (vendorOrgs.get(p.orgId) ?? false) || p.publishConsentAt !== null)
      return vendorOrgs.size > 0 && [...vendorOrgs.values()].every(Boolean)
    },

    async casesDueForDisclosure() {
      return (await store.casesEmbargoEnded(db, clock.now())).map((c) => c.id)
    },

    async checkSla(payload) {
      const staffOrgs = (await accounts.listOrgs())
        .filter((o) => o.kind === 'program')
        .map((o) => o.id)
      return db.transaction(async (tx) => {
        const r = await store.findReport(tx, payload.reportId)
        if (!r) return { alerted: false }
        const sla = slaOf(r, await vendorContactAt(tx, r), clock.now()).find(
          (s) => s.kind === payload.kind,
        )
        if (sla?.state !== 'overdue') return { alerted: false }
        const what = payload.kind === 'triage' ? 'triage' : 'vendor contact'
        let alerted = false
        for (const orgId of staffOrgs) {
          alerted =
            (await notifications.notify(
              {
                orgId,
                kind: 'clearinghouse.sla_overdue',
                subjectType: 'report',
                subjectId: r.id,
                title: `Overdue: ${what} of report ${r.id}`,
                body: `"${r.title}" was due for ${what} by ${sla.dueAt.toISOString()}${r.assigneeName ? `; assigned to ${r.assigneeName}` : '; unassigned'}.`,
                link: `/clearinghouse/reports/${r.id}`,
                dedupeKey: `ch-sla:${r.id}:${payload.kind}`,
              },
              tx,
            )) || alerted
        }
        if (alerted)
          await store.insertReportEvent(tx, {
            reportId: r.id,
            at: clock.now(),
            kind: 'sla_overdue',
            actorPersonId: null,
            actorOrgId: null,
            data: { sla: payload.kind, dueAt: sla.dueAt.toISOString() },
          })
        return { alerted }
      })
    },
  }
}
