/**
 * Advisory use cases: drafting from a case or by hand, editing, publication (at the disclosure
 * date, earlier when every vendor agrees, or by an analyst for an advisory with no case),
 * revisions, exports, imports and the public read side behind the feeds and the OSV API.
 * Each publication, its revision, its package index and its log entry commit together.
 */
import canonicalize from 'canonicalize'
import type { Principal } from '../../accounts/model.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Db, Queryable, Tx } from '../../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../../platform/errors.ts'
import type { Jobs } from '../../platform/jobs/jobs.ts'
import type { TranslogService } from '../../translog/service.ts'
import type { Tlp } from '../tlp.ts'
import { type CsafProfile, type ExportContext, toCsaf } from './csaf.ts'
import { toCve } from './cve.ts'
import {
  csafToAdvisory,
  cveToAdvisory,
  type ImportedAdvisory,
  type ImportProblem,
} from './imports.ts'
import {
  NotifyPublished,
  type NotifyPublishedPayload,
  PublishDue,
  type PublishDuePayload,
} from './jobs.ts'
import {
  type Advisory,
  type AdvisoryAudience,
  type AdvisoryCaseInput,
  type AdvisoryContent,
  type AdvisoryState,
  advisoryId,
  type CveBlock,
  canReadAdvisory,
  cveIdOf,
  draftFromCase,
  isDue,
  isPublic,
  isStaff,
  validateContent,
} from './model.ts'
import { type OsvRecord, osvId, osvPackage, toOsv } from './osv.ts'
import * as store from './store.ts'
import { type ValidationResult, validateCsaf, validateCve, validateOsv } from './validate.ts'

/** What the intake/case half provides; `app.ts` adapts its service to this. */
export interface CasePort {
  /** Everything an advisory is drafted from. 404 (AppError) for an unknown case. */
  caseForAdvisory(caseId: string): Promise<AdvisoryCaseInput>
  allVendorsAgreeToPublish(caseId: string): Promise<boolean>
}

/** Until the case half is wired in, there are no cases: drafting from one is a 404. */
export const noCases: CasePort = {
  caseForAdvisory: async (caseId) => {
    throw notFound('case', caseId)
  },
  allVendorsAgreeToPublish: async () => false,
}

export interface AdvisoryDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  jobs: Pick<Jobs, 'send'>
  translog: Pick<TranslogService, 'append'>
  cases: CasePort
  publicUrl: string
  cveBlock: CveBlock | null
  publisherName?: string
  generatorVersion?: string
  /**
   * Called (from a job, so it is retried) with the OSV record of every revision published, with
   * its TLP label and case: CLEAR and GREEN reach every signed-in organisation; an embargoed one
   * (AMBER or stricter) only the operators its case allows, which the receiver must enforce.
   * Default: nothing.
   */
  onAdvisoryPublished?: (osv: OsvRecord, meta: { tlp: Tlp; caseId: string | null }) => Promise<void>
}

export interface Exports {
  csaf: unknown
  vex: unknown
  osv: OsvRecord
  /** Null when the advisory has no CVE id (no block configured, or imported without one). */
  cve: unknown | null
  validation: {
    csaf: ValidationResult
    vex: ValidationResult
    osv: ValidationResult
    cve: ValidationResult | null
  }
}

export interface EditInput {
  content?: AdvisoryContent | undefined
  tlp?: Tlp | undefined
  publishAt?: Date | null | undefined
  /** Required once published: the revision's summary in CSAF revision_history. */
  summary?: string | undefined
  revision?: number | undefined
}

export interface AdvisoryService {
  draftFromCase(actor: Principal, caseId: string): Promise<Advisory>
  create(
    actor: Principal,
    input: { content: AdvisoryContent; tlp: Tlp; publishAt?: Date | null | undefined },
  ): Promise<Advisory>
  /** Edits a draft, or publishes a new revision of a published advisory. */
  update(actor: Principal, id: string, input: EditInput): Promise<Advisory>
  /**
   * An analyst publishes now. An advisory with a case waits for its disclosure date unless
   * every vendor agreed to publish early.
   */
  publish(actor: Principal, id: string): Promise<Advisory & { logIndex: number }>
  get(viewer: Principal | null, id: string): Promise<Advisory>
  list(
    viewer: Principal | null,
    query: { state?: AdvisoryState | undefined; limit: number; offset: number },
  ): Promise<{ items: Advisory[]; total: number }>
  exports(viewer: Principal | null, id: string): Promise<Exports>
  /** Export of stored or unsaved content, for the editor's preview. Staff only. */
  preview(
    actor: Principal,
    input: { id?: string | undefined; content: AdvisoryContent; tlp: Tlp },
  ): Promise<Exports>

  /** The case half calls this (in its transaction) whenever a case's disclosure date is set or moved. */
  embargoChanged(tx: Tx, caseId: string, endsAt: Date): Promise<void>
  /** The case half calls this when a vendor agrees to publish early: the job checks at once. */
  publishConsentChanged(tx: Tx, caseId: string): Promise<void>
  /** The publication job's work. */
  publishIfDue(
    payload: PublishDuePayload,
  ): Promise<{ published: boolean; advisoryId: string | null }>
  notifyPublished(payload: NotifyPublishedPayload): Promise<void>

  importDocuments(
    actor: Principal,
    kind: 'csaf' | 'cve',
    docs: Array<{ path: string; document: unknown }>,
  ): Promise<{ created: string[]; revised: string[]; unchanged: string[] }>

  /** Public side: published TLP:CLEAR only. */
  publicList(query: {
    limit: number
    offset: number
  }): Promise<{ items: Advisory[]; total: number }>
  publicGet(id: string): Promise<Advisory>
  publicByPackage(ecosystem: string | null, name: string): Promise<Advisory[]>
  /** The case of a published advisory, by its OSV id (`x_EW-2026-0001`) or id; null if none. */
  caseOfPublished(osvOrId: string): Promise<string | null>
  /** The OSV id of a case's published advisory, or null. */
  publishedOfCase(caseId: string): Promise<string | null>
  osv(a: Advisory): OsvRecord
  csaf(a: Advisory, profile?: CsafProfile): unknown
  exportContext(): ExportContext
}

/** The log's actor for what the publication job does on the program's behalf. */
const SYSTEM_ACTOR = { orgId: 'earlywatch', role: 'system' } as const

export function createAdvisoryService(deps: AdvisoryDeps): AdvisoryService {
  const { db, clock, jobs, translog, cases } = deps
  const publisherName = deps.publisherName ?? 'earlywatch clearinghouse'
  const generatorVersion = deps.generatorVersion ?? '0.1.0'

  const ctx = (): ExportContext => ({
    publicUrl: deps.publicUrl,
    publisherName,
    now: clock.now(),
    generatorVersion,
  })

  function requireStaff(actor: Principal | null): asserts actor is Principal {
    if (!isStaff(actor))
      throw forbidden('Only clearinghouse analysts draft, edit and publish advisories.')
  }

  async function audience(a: Advisory): Promise<AdvisoryAudience> {
    if (!a.caseId) return { participants: [], caseTlp: null }
    const c = await cases.caseForAdvisory(a.caseId).catch(() => null)
    return { participants: c?.participants ?? [], caseTlp: c?.tlp ?? 'RED' }
  }

  /** 404, never 403, for an advisory the viewer may not read: its existence is not disclosed. */
  async function readable(viewer: Principal | null, id: string): Promise<Advisory> {
    const a = await store.find(db, id)
    if (!a || !canReadAdvisory(a, viewer, await audience(a))) throw notFound('advisory', id)
    return a
  }

  async function assignCve(q: Queryable, wanted: string | null): Promise<string | null> {
    if (wanted) return (await store.findByCve(q, wanted)) ? null : wanted
    const block = deps.cveBlock
    if (!block) return null
    const prefix = `CVE-${block.year}-`
    const used = new Set(await store.usedCveNumbers(q, prefix))
    for (let n = block.first; n <= block.last; n++) if (!used.has(n)) return cveIdOf(block, n)
    throw new AppError(ErrorCodes.EW_CONFLICT, {
      detail: `Every CVE id of the block ${prefix}${block.first}..${prefix}${block.last} is assigned. Ask the CVE Program for a new block and set EARLYWATCH_CVE_BLOCK.`,
    })
  }

  async function schedule(tx: Tx, p: { advisoryId?: string; caseId?: string }, at: Date) {
    const when = at.getTime() > clock.now().getTime() ? at : clock.now()
    await jobs.send(
      PublishDue,
      { ...p, at: at.toISOString() },
      { startAfter: when, singletonKey: `${p.advisoryId ?? p.caseId}:${at.toISOString()}`, tx },
    )
  }

  /**
   * Publishes (first revision) or republishes (next revision) in the caller's transaction:
   * revision row, state, package index, the log entry and the hook job commit together.
   */
  async function publishIn(
    tx: Tx,
    a: Advisory,
    by: { actor: Principal | null; summary: string; content?: AdvisoryContent; tlp?: Tlp },
  ): Promise<Advisory & { logIndex: number }> {
    const now = clock.now()
    const content = by.content ?? a.content
    const number = (a.history[a.history.length - 1]?.number ?? 0) + 1
    const first = a.state === 'draft'
    const ok = await store.update(
      tx,
      a.id,
      a.revision,
      {
        content,
        ...(by.tlp ? { tlp: by.tlp } : {}),
        ...(first ? { state: 'published' as const, publishedAt: now } : {}),
      },
      now,
    )
    if (!ok) throw conflict(a)
    await store.insertRevision(tx, a.id, {
      number,
      at: now,
      summary: by.summary,
      byPersonId: by.actor?.personId ?? null,
      content,
    })
    const tlp = by.tlp ?? a.tlp
    const packages = content.products
      .filter((p) => p.purl && (p.status === 'known_affected' || p.status === 'fixed'))
      .map((p) => osvPackage(p.purl!))
      .filter((p): p is NonNullable<typeof p> => p !== null)
    await store.setPackages(tx, a.id, packages)
    const { index } = await translog.append(tx, {
      type: 'advisory.published',
      subjects: [
        { kind: 'advisory', id: a.id },
        ...(a.caseId ? [{ kind: 'case', id: a.caseId }] : []),
      ],
      actor: by.actor
        ? { orgId: by.actor.orgId, role: 'analyst', personId: by.actor.personId }
        : { ...SYSTEM_ACTOR },
      at: now.toISOString(),
      data: {
        advisoryId: a.id,
        revision: number,
        tlp,
        summary: by.summary,
        source: a.source,
        // A TLP:CLEAR advisory is public anyway; others are named only by id in the public log.
        ...(tlp === 'CLEAR' ? { title: content.title, cveId: a.cveId } : {}),
      },
    })
    await jobs.send(NotifyPublished, { advisoryId: a.id, revision: number }, { tx })
    const next = await store.find(tx, a.id)
    return { ...next!, logIndex: index }
  }

  function conflict(a: Advisory) {
    return new AppError(ErrorCodes.EW_CONFLICT, {
      detail: `Advisory ${a.id} is at revision ${a.revision}: it changed since you read it. Reload it and try again.`,
    })
  }

  function exportsOf(a: Advisory, c: ExportContext): Omit<Exports, 'validation'> {
    return {
      csaf: toCsaf(a, 'csaf_security_advisory', c),
      vex: toCsaf(a, 'csaf_vex', c),
      osv: toOsv(a, c.publicUrl, c.now),
      cve: a.cveId ? toCve(a, c.publicUrl, c.now) : null,
    }
  }

  async function withValidation(a: Advisory): Promise<Exports> {
    const e = exportsOf(a, ctx())
    return {
      ...e,
      validation: {
        csaf: await validateCsaf(e.csaf),
        vex: await validateCsaf(e.vex),
        osv: validateOsv(e.osv),
        cve: e.cve ? validateCve(e.cve) : null,
      },
    }
  }

  async function newId(q: Queryable): Promise<string> {
    const year = clock.now().getUTCFullYear()
    return advisoryId(year, await store.nextSequence(q, year))
  }

  async function saveImported(
    tx: Tx,
    actor: Principal,
    item: ImportedAdvisory,
    result: { created: string[]; revised: string[]; unchanged: string[] },
  ) {
    const existing = await store.find(tx, item.id, { forUpdate: true })
    if (existing) {
      // jsonb does not keep key order: compare canonical forms (RFC 8785).
      if (canonicalize(existing.original) === canonicalize(item.original)) {
        result.unchanged.push(item.id)
        return
      }
      await publishIn(tx, existing, {
        actor,
        summary: item.revisionSummary,
        content: item.content,
        tlp: item.tlp,
      })
      result.revised.push(item.id)
      return
    }
    const cveId = item.cveId ? await assignCve(tx, item.cveId) : null
    await store.insert(tx, {
      id: item.id,
      source: item.source,
      caseId: null,
      cveId,
      tlp: item.tlp,
      content: item.content,
      publishAt: null,
      original: item.original,
      createdBy: actor.personId,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    })
    const draft = await store.find(tx, item.id)
    await publishIn(tx, draft!, { actor, summary: item.revisionSummary })
    result.created.push(item.id)
  }

  return {
    async draftFromCase(actor, caseId) {
      requireStaff(actor)
      const c = await cases.caseForAdvisory(caseId)
      const content = validateContent(draftFromCase(c), 'case')
      return db.transaction(async (tx) => {
        const existing = await store.findByCase(tx, caseId)
        if (existing) return existing
        const id = await newId(tx)
        const now = clock.now()
        await store.insert(tx, {
          id,
          source: 'case',
          caseId,
          cveId: await assignCve(tx, c.cveIds[0] ?? null),
          // The label it will be published under; until then the case's own label governs.
          tlp: 'CLEAR',
          content,
          publishAt: c.disclosureAt,
          original: null,
          createdBy: actor.personId,
          createdAt: now,
          updatedAt: now,
        })
        if (c.disclosureAt) await schedule(tx, { advisoryId: id }, c.disclosureAt)
        return (await store.find(tx, id))!
      })
    },

    async create(actor, input) {
      requireStaff(actor)
      const content = validateContent(input.content)
      return db.transaction(async (tx) => {
        const id = await newId(tx)
        const now = clock.now()
        await store.insert(tx, {
          id,
          source: 'analyst',
          caseId: null,
          cveId: await assignCve(tx, null),
          tlp: input.tlp,
          content,
          publishAt: input.publishAt ?? null,
          original: null,
          createdBy: actor.personId,
          createdAt: now,
          updatedAt: now,
        })
        if (input.publishAt) await schedule(tx, { advisoryId: id }, input.publishAt)
        return (await store.find(tx, id))!
      })
    },

    async update(actor, id, input) {
      requireStaff(actor)
      const content = input.content ? validateContent(input.content) : undefined
      return db.transaction(async (tx) => {
        const a = await store.find(tx, id, { forUpdate: true })
        if (!a) throw notFound('advisory', id)
        if (input.revision !== undefined && input.revision !== a.revision) throw conflict(a)
        if (a.state === 'withdrawn')
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `Advisory ${id} is withdrawn.`,
          })
        if (a.state === 'published') {
          if (!input.summary?.trim())
            throw invalid(
              'body.summary',
              'a published advisory changes only by a new revision: say what changed',
            )
          if (input.publishAt !== undefined)
            throw invalid('body.publishAt', 'the advisory is already published')
          return publishIn(tx, a, {
            actor,
            summary: input.summary.trim(),
            ...(content ? { content } : {}),
            ...(input.tlp ? { tlp: input.tlp } : {}),
          })
        }
        if (a.caseId && input.publishAt !== undefined)
          throw invalid(
            'body.publishAt',
            "a case's advisory is published at the case's disclosure date; change the embargo on the case",
          )
        const ok = await store.update(
          tx,
          id,
          a.revision,
          {
            ...(content ? { content } : {}),
            ...(input.tlp ? { tlp: input.tlp } : {}),
            ...(input.publishAt !== undefined ? { publishAt: input.publishAt } : {}),
          },
          clock.now(),
        )
        if (!ok) throw conflict(a)
        if (input.publishAt) await schedule(tx, { advisoryId: id }, input.publishAt)
        return (await store.find(tx, id))!
      })
    },

    async publish(actor, id) {
      requireStaff(actor)
      const pre = await store.find(db, id)
      if (!pre) throw notFound('advisory', id)
      const agreed = pre.caseId ? await cases.allVendorsAgreeToPublish(pre.caseId) : false
      return db.transaction(async (tx) => {
        const a = await store.find(tx, id, { forUpdate: true })
        if (!a) throw notFound('advisory', id)
        if (a.state !== 'draft')
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `Advisory ${id} is already ${a.state}.`,
          })
        if (a.caseId && !isDue(a, agreed, clock.now()))
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `Advisory ${id} is under embargo until ${a.publishAt?.toISOString() ?? 'a date not yet set'}; it publishes then, or earlier once every vendor agrees.`,
          })
        return publishIn(tx, a, { actor, summary: 'Initial public release.' })
      })
    },

    async get(viewer, id) {
      return readable(viewer, id)
    },

    async list(viewer, query) {
      if (isStaff(viewer))
        return store.list(db, { state: query.state, limit: query.limit, offset: query.offset })
      // Everyone else: what they may read, filtered here; drafts need each case's participants.
      const all = await store.list(db, { state: query.state, limit: 10_000, offset: 0 })
      const visible: Advisory[] = []
      for (const a of all.items) if (canReadAdvisory(a, viewer, await audience(a))) visible.push(a)
      return {
        items: visible.slice(query.offset, query.offset + query.limit),
        total: visible.length,
      }
    },

    async exports(viewer, id) {
      return withValidation(await readable(viewer, id))
    },

    async preview(actor, input) {
      requireStaff(actor)
      const content = validateContent(input.content)
      const base = input.id ? await store.find(db, input.id) : null
      if (input.id && !base) throw notFound('advisory', input.id)
      const now = clock.now()
      const a: Advisory = base
        ? { ...base, content, tlp: input.tlp }
        : {
            id: 'EW-PREVIEW-0000',
            source: 'analyst',
            caseId: null,
            cveId: null,
            tlp: input.tlp,
            state: 'draft',
            content,
            publishAt: null,
            publishedAt: null,
            createdBy: actor.personId,
            createdAt: now,
            updatedAt: now,
            revision: 0,
            history: [],
            original: null,
          }
      return withValidation(a)
    },

    async embargoChanged(tx, caseId, endsAt) {
      // The draft shows the new date at once; the job at the new date publishes it.
      const draft = await store.findByCase(tx, caseId)
      if (draft?.state === 'draft' && draft.publishAt?.getTime() !== endsAt.getTime())
        if (!(await store.update(tx, draft.id, draft.revision, { publishAt: endsAt }, clock.now())))
          throw conflict(draft)
      await schedule(tx, { caseId }, endsAt)
    },

    async publishConsentChanged(tx, caseId) {
      await schedule(tx, { caseId }, clock.now())
    },

    async publishIfDue(payload) {
      const pre = payload.advisoryId
        ? await store.find(db, payload.advisoryId)
        : payload.caseId
          ? await store.findByCase(db, payload.caseId)
          : null
      if (pre?.state !== 'draft') return { published: false, advisoryId: pre?.id ?? null }
      // The case is read before the transaction opens: its service has its own connection.
      const c = pre.caseId ? await cases.caseForAdvisory(pre.caseId) : null
      const agreed = pre.caseId ? await cases.allVendorsAgreeToPublish(pre.caseId) : false
      return db.transaction(async (tx) => {
        const a = await store.find(tx, pre.id, { forUpdate: true })
        if (a?.state !== 'draft') return { published: false, advisoryId: pre.id }
        let current = a
        // The case's date wins: it may have moved since the job was sent.
        if (c && (c.disclosureAt?.getTime() ?? null) !== (a.publishAt?.getTime() ?? null)) {
          if (
            !(await store.update(tx, a.id, a.revision, { publishAt: c.disclosureAt }, clock.now()))
          )
            throw conflict(a)
          current = (await store.find(tx, a.id))!
        }
        if (!isDue(current, agreed, clock.now())) {
          if (current.publishAt) await schedule(tx, { advisoryId: a.id }, current.publishAt)
          return { published: false, advisoryId: a.id }
        }
        await publishIn(tx, current, {
          actor: null,
          summary:
            agreed && !isDue(current, false, clock.now())
              ? 'Initial public release (every vendor agreed to publish before the disclosure date).'
              : 'Initial public release at the disclosure date.',
        })
        return { published: true, advisoryId: a.id }
      })
    },

    async notifyPublished(payload) {
      const a = await store.find(db, payload.advisoryId)
      if (a?.state !== 'published' || !deps.onAdvisoryPublished) return
      await deps.onAdvisoryPublished(toOsv(a, deps.publicUrl, clock.now()), {
        tlp: a.tlp,
        caseId: a.caseId,
      })
    },

    async importDocuments(actor, kind, docs) {
      requireStaff(actor)
      if (docs.length === 0) throw invalid('documents', 'no documents to import')
      // 1. Validate and convert everything first: one bad document rejects the whole import.
      const problems: ImportProblem[] = []
      const items: ImportedAdvisory[] = []
      for (const d of docs) {
        const r = kind === 'csaf' ? await csafToAdvisory(d.document) : cveToAdvisory(d.document)
        if (r.ok) items.push(r.advisory)
        else problems.push(...r.problems.map((p) => ({ ...p, file: d.path })))
      }
      const seen = new Map<string, string>()
      docs.forEach((d, i) => {
        const id = items[i]?.id
        if (!id || problems.length > 0) return
        if (seen.has(id))
          problems.push({
            file: d.path,
            path: '/',
            message: `${id} is also in ${seen.get(id)}`,
            test: 'duplicate',
          })
        seen.set(id, d.path)
      })
      if (problems.length > 0)
        throw new AppError(ErrorCodes.EW_VALIDATION, {
          detail: `${problems.length} problem${problems.length > 1 ? 's' : ''} in the ${kind === 'csaf' ? 'CSAF documents' : 'CVE records'}; nothing was imported.`,
          errors: problems.map((p) => ({
            path: `${p.file}#${p.path}`,
            message: `${p.message} (${p.test})`,
          })),
        })
      // 2. Then store them all in one transaction.
      return db.transaction(async (tx) => {
        const result = {
          created: [] as string[],
          revised: [] as string[],
          unchanged: [] as string[],
        }
        for (const item of items) {
          const existing = await store.find(tx, item.id)
          if (existing && existing.source !== item.source)
            throw new AppError(ErrorCodes.EW_CONFLICT, {
              detail: `${item.id} already exists here as a ${existing.source} advisory; it is not replaced by an import.`,
            })
          await saveImported(tx, actor, item, result)
        }
        return result
      })
    },

    async publicList(query) {
      return store.list(db, { publicOnly: true, limit: query.limit, offset: query.offset })
    },

    async publicGet(id) {
      // By our id, or by the CVE id an OSV client may know it by.
      const a =
        (await store.find(db, id)) ?? (/^CVE-/.test(id) ? await store.findByCve(db, id) : null)
      if (!a || !isPublic(a)) throw notFound('advisory', id)
      return a
    },

    publicByPackage: (ecosystem, name) => store.publicByPackage(db, ecosystem, name),

    async caseOfPublished(osvOrId) {
      const a =
        (await store.find(db, osvOrId)) ??
        (osvOrId.startsWith('x_') ? await store.find(db, osvOrId.slice(2)) : null)
      return a?.state === 'published' ? a.caseId : null
    },

    async publishedOfCase(caseId) {
      const a = await store.findByCase(db, caseId)
      return a?.state === 'published' ? osvId(a.id) : null
    },
    osv: (a) => toOsv(a, deps.publicUrl, clock.now()),
    csaf: (a, profile = 'csaf_security_advisory') => toCsaf(a, profile, ctx()),
    exportContext: ctx,
  }
}
