/**
 * Inventory use cases: operators keep systems and their SBOMs; every advisory is matched against
 * them (a new SBOM against all advisories, a new or changed advisory fanned out to the components
 * it names); findings are notified, tracked to remediation and escalated when overdue.
 */
import { randomBytes } from 'node:crypto'
import { hasRole, type Principal } from '../accounts/model.ts'
import type { NotificationsService } from '../notifications/service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db, Queryable, Tx } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import type { TranslogService } from '../translog/service.ts'
import { DeliverNotification, MatchAdvisory, MatchSystem, SendDigest } from './jobs.ts'
import {
  advisoryPackages,
  CompiledAdvisories,
  candidateComponentsSql,
  matchComponent,
} from './matcher.ts'
import {
  type AdvisoryRecord,
  advisoryNames,
  CLOSED_STATUSES,
  type Criticality,
  DECISION_STATUSES,
  type Finding,
  type FindingStatus,
  findingKey,
  isEmbargoed,
  type OperatorProfile,
  type OperatorSize,
  type SbomVersion,
  type Sector,
  type System,
  severityOf,
  TRANSITIONS,
} from './model.ts'
import {
  buildMessage,
  DELIVERY_HEADER,
  type Mailer,
  SIGNATURE_HEADER,
  signWebhook,
} from './notify.ts'
import { dueDate, type RemediationDays, ssvcFromOsv } from './remediation.ts'
import { parseSbom, type SbomFormat, type SbomLimits } from './sbom.ts'
import * as store from './store.ts'
import { coarseKey } from './version-port.ts'
import { parseVex } from './vex.ts'

/** Where advisories come from: the advisory store (imported OSV, clearinghouse), by package or id. */
export interface AdvisorySource {
  /**
   * With `versionKey` (a component's coarse key), only advisories whose coarse bounds admit
   * it: the SQL pre-filter, which never drops a true match.
   */
  advisoriesForPackage(
    ecosystem: string,
    packageName: string,
    versionKey?: string,
  ): Promise<AdvisoryRecord[]>
  getAdvisory(id: string): Promise<AdvisoryRecord | null>
}

/** A vendor's VEX statement from the clearinghouse that covers this advisory in this package. */
export type VendorVex = (q: {
  names: string[]
  ecosystem: string
  packageName: string
  versions: string[]
}) => Promise<{ vendor: string; justification: string } | null>

export interface InventoryDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  jobs: Pick<Jobs, 'send'>
  envelopes: Envelopes
  notifications: Pick<NotificationsService, 'notify'>
  translog: Pick<TranslogService, 'append'>
  advisories: AdvisorySource
  /** The operators an embargoed (TLP:AMBER or stricter) advisory's case allows; null: none. */
  allowedOperators: (advisoryId: string) => Promise<string[] | null>
  vendorVex?: VendorVex
  mailer: Mailer
  fetch: typeof fetch
  settings: {
    publicUrl: string
    sbomLimits: SbomLimits
    remediationDays: RemediationDays
    /** UTC hour at which digests go out. */
    digestHourUtc: number
    webhookTimeoutMs: number
  }
}

export interface MatchResult {
  created: number
  refreshed: number
  reopened: number
  closed: number
  retracted: number
  suppressed: number
}

export interface UploadResult {
  sbom: SbomVersion
  unmatched: Array<{ ref: string; name: string; purl: string | null; reason: string }>
  match: (MatchResult & { unchanged: number }) | null
}

export interface FindingFilter {
  status?: FindingStatus[] | undefined
  systemId?: string | undefined
  advisoryId?: string | undefined
  orgId?: string | undefined
  open?: boolean | undefined
  limit?: number | undefined
  offset?: number | undefined
}

const PROGRAM_ROLES = ['admin', 'program_officer', 'analyst', 'auditor'] as const

const SEVERITY_RANK = `CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
  WHEN 'low' THEN 3 ELSE 4 END`
const ORDER_PRIORITY = `ORDER BY (f.closed_at IS NULL) DESC, f.kev DESC, ${SEVERITY_RANK}, f.due_at NULLS LAST, f.id`

export function createInventoryService(deps: InventoryDeps) {
  const { db, clock, jobs, translog } = deps

  const isProgram = (a: Principal) => hasRole(a, ...PROGRAM_ROLES)
  /** Advisories compiled once per content and shared by every match this process runs. */
  const compiled = new CompiledAdvisories()

  /** The operator the actor acts for; program staff may name any with `orgId`. */
  async function operatorOf(
    q: Queryable,
    actor: Principal,
    orgId?: string,
  ): Promise<OperatorProfile> {
    const id = orgId ?? actor.orgId
    if (id !== actor.orgId && !isProgram(actor)) throw notFound('operator', id)
    if (id === actor.orgId && !hasRole(actor, 'operator_member') && !isProgram(actor))
      throw forbidden('Only operator members keep inventories.')
    const op = await store.findOperator(q, id)
    if (!op)
      throw new AppError(ErrorCodes.EW_NOT_FOUND, {
        detail: `Organisation ${id} has no operator profile yet; set its sector, size and region first (PUT /api/inventory/operator).`,
      })
    return op
  }

  async function systemFor(
    q: Queryable,
    actor: Principal,
    systemId: string,
    forUpdate = false,
  ): Promise<System> {
    const s = await store.findSystem(q, { id: systemId }, forUpdate)
    if (!s || (s.orgId !== actor.orgId && !isProgram(actor))) throw notFound('system', systemId)
    return s
  }

  async function findingFor(
    q: Queryable,
    actor: Principal,
    id: string,
  ): Promise<store.StoredFinding> {
    const [f] = await store.findingsWhere(q, 'f.id = $1', [id])
    if (!f || (f.orgId !== actor.orgId && !isProgram(actor))) throw notFound('finding', id)
    return f
  }

  // --- matching ------------------------------------------------------------------------------

  interface Desired {
    orgId: string
    systemId: string
    sbomId: string
    ecosystem: string
    packageName: string
    purl: string | null
    versions: string[]
    kind: Finding['matchKind']
    range: string | null
    fixed: string | null
    advisory: AdvisoryRecord
    /** A vendor's not-affected statement, asked for before the transaction (askVendors). */
    vendor?: { vendor: string; justification: string } | null
  }

  /** Embargoed advisories reach only the operators their case allows; memoised per run. */
  function embargoGate() {
    const allowed = new Map<string, Promise<Set<string>>>()
    return async (a: AdvisoryRecord, orgId: string) => {
      if (!isEmbargoed(a.tlp)) return true
      let set = allowed.get(a.id)
      if (!set) {
        set = deps.allowedOperators(a.id).then((ids) => new Set(ids ?? []))
        allowed.set(a.id, set)
      }
      return (await set).has(orgId)
    }
  }

  function addDesired(map: Map<string, Desired>, c: store.ComponentRow, a: AdvisoryRecord) {
    const m = matchComponent(
      {
        ecosystem: c.ecosystem,
        packageName: c.package_name,
        version: c.version,
        status: c.match_status,
      },
      a.osv,
      compiled,
    )
    if (!m) return
    const key = `${c.system_id}\u0000${findingKey({ ecosystem: c.ecosystem!, packageName: c.package_name!, advisoryId: a.id })}`
    const d = map.get(key)
    if (!d) {
      map.set(key, {
        orgId: c.org_id,
        systemId: c.system_id,
        sbomId: c.sbom_id,
        ecosystem: c.ecosystem!,
        packageName: c.package_name!,
        purl: c.purl,
        versions: c.version ? [c.version] : [],
        kind: m.kind,
        range: m.range,
        fixed: m.fixed,
        advisory: a,
      })
      return
    }
    if (c.version && !d.versions.includes(c.version)) d.versions.push(c.version)
    // One affected version makes the package affected, whatever the others say.
    if (m.kind === 'affected' && d.kind === 'possibly_affected') {
      Object.assign(d, { kind: m.kind, range: m.range, fixed: m.fixed, purl: c.purl })
    }
  }

  /**
   * Vendors' VEX for each desired finding, asked before the matching transaction opens: the
   * clearinghouse reads its own tables, and on the embedded database a read from outside an
   * open transaction waits for it to end.
   */
  async function askVendors(desired: Map<string, Desired>): Promise<void> {
    if (!deps.vendorVex) return
    for (const d of desired.values()) {
      d.vendor = await deps.vendorVex({
        names: advisoryNames(d.advisory.osv),
        ecosystem: d.ecosystem,
        packageName: d.packageName,
        versions: d.versions,
      })
    }
  }

  async function suppressionFor(q: Queryable, d: Desired) {
    const names = advisoryNames(d.advisory.osv)
    for (const v of await store.vexFor(q, d.orgId, names)) {
      if (v.status !== 'not_affected' && v.status !== 'fixed') continue
      if (v.ecosystem && (v.ecosystem !== d.ecosystem || v.packageName !== d.packageName)) continue
      if (v.version && !d.versions.includes(v.version)) continue
      return {
        by: `vex:${v.id}`,
        justification: `${v.source === 'program' ? 'Program-wide rule' : 'Operator VEX'} (${v.documentFormat}): ${v.status}${v.justification ? ` — ${v.justification}` : ''}`,
      }
    }
    const vendor = d.vendor
    if (vendor)
      return {
        by: `vendor:${vendor.vendor}`,
        justification: `Vendor VEX (${vendor.vendor}): ${vendor.justification}`,
      }
    return null
  }

  /**
   * Brings the stored findings in `scope` in line with `desired`. New ones are created (or
   * suppressed by VEX); ones seen again keep their status (an operator's decision carries
   * over); a patched one that matches again reopens; one no longer matched closes as patched
   * when its system's SBOM changed, or is retracted when the advisory changed.
   */
  async function reconcile(
    tx: Tx,
    desired: Map<string, Desired>,
    existing: store.StoredFinding[],
    reason: 'sbom' | 'advisory',
    systems: Map<string, System>,
  ): Promise<MatchResult & { urgent: string[]; notify: string[] }> {
    const now = clock.now()
    const r = { created: 0, refreshed: 0, reopened: 0, closed: 0, retracted: 0, suppressed: 0 }
    const urgent: string[] = []
    const notify: string[] = []
    const byKey = new Map(existing.map((f) => [`${f.systemId}\u0000${findingKey(f)}`, f]))
    const event = (
      findingId: string,
      kind: string,
      from: FindingStatus | null,
      to: FindingStatus | null,
      note: string | null,
    ) =>
      store.insertEvent(tx, {
        id: newId('fev'),
        findingId,
        at: now,
        kind,
        from,
        to,
        actor: null,
        note,
      })
    for (const [key, d] of desired) {
      const facts = {
        purl: d.purl,
        versions: d.versions.sort(),
        sbomId: d.sbomId,
        matchKind: d.kind,
        matchedRange: d.range,
        fixedVersion: d.fixed,
        severity: severityOf(d.advisory.osv),
        kev: d.advisory.kev,
        summary: d.advisory.osv.summary ?? null,
        tlp: d.advisory.tlp,
        at: now,
      }
      const e = byKey.get(key)
      byKey.delete(key)
      const system = systems.get(d.systemId)!
      const due = dueDate(
        now,
        {
          exploited: d.advisory.kev,
          internetExposed: system.internetExposed,
          ...ssvcFromOsv(d.advisory.osv),
        },
        deps.settings.remediationDays,
      )
      if (!e) {
        const id = newId('fnd')
        const sup = await suppressionFor(tx, d)
        await store.insertFinding(tx, {
          id,
          orgId: d.orgId,
          systemId: d.systemId,
          advisoryId: d.advisory.id,
          ecosystem: d.ecosystem,
          packageName: d.packageName,
          ...facts,
          status: sup ? 'not_affected' : 'open',
          justification: sup?.justification ?? null,
          suppressedBy: sup?.by ?? null,
          suppressionJustification: sup?.justification ?? null,
          dueAt: due,
        })
        await event(
          id,
          sup ? 'suppressed' : 'found',
          null,
          sup ? 'not_affected' : 'open',
          sup?.justification ?? facts.matchedRange,
        )
        r.created++
        if (sup) r.suppressed++
        else (facts.kev || facts.severity === 'critical' ? urgent : notify).push(id)
        continue
      }
      await store.refreshFinding(tx, e.id, facts)
      if (e.status === 'patched') {
        await store.setFindingStatus(tx, e.id, { status: 'open', dueAt: due, at: now })
        await event(
          e.id,
          'reopened',
          'patched',
          'open',
          `vulnerable version back: ${facts.versions.join(', ') || 'version unknown'}`,
        )
        r.reopened++
        ;(facts.kev || facts.severity === 'critical' ? urgent : notify).push(e.id)
      } else {
        if (e.retractedAt && !CLOSED_STATUSES.includes(e.status)) notify.push(e.id)
        r.refreshed++
      }
    }
    for (const e of byKey.values()) {
      if (e.status === 'patched' || e.retractedAt) continue
      const system = systems.get(e.systemId)
      if (reason === 'sbom' && system && e.sbomId !== system.currentSbomId) {
        await store.setFindingStatus(tx, e.id, { status: 'patched', at: now })
        await event(
          e.id,
          'auto_patched',
          e.status,
          'patched',
          'the new SBOM no longer contains an affected version',
        )
        r.closed++
      } else {
        await store.retractFinding(tx, e.id, now)
        await event(
          e.id,
          'retracted',
          e.status,
          e.status,
          'the advisory no longer names this package version',
        )
        r.retracted++
      }
    }
    return { ...r, urgent, notify }
  }

  /** In-app now for every new finding; email and webhooks now for urgent ones, in the digest for the rest. */
  async function announce(tx: Tx, urgent: string[], rest: string[]) {
    const ids = [...urgent, ...rest]
    if (ids.length === 0) return
    const found = await store.findingsWhere(tx, 'f.id = ANY($1::text[])', [ids])
    for (const f of found) {
      const msg = buildMessage(
        urgent.includes(f.id) ? 'immediate' : 'digest',
        [f],
        deps.settings.publicUrl,
      )
      await deps.notifications.notify(
        {
          orgId: f.orgId,
          kind: 'inventory.finding',
          subjectType: 'finding',
          subjectId: f.id,
          title: msg.subject,
          body: msg.text,
          link: `/inventory/findings/${f.id}`,
          dedupeKey: `inventory.finding:${f.id}:${f.updatedAt.toISOString()}`,
        },
        tx,
      )
    }
    const byOrg = new Map<string, store.StoredFinding[]>()
    for (const f of found) byOrg.set(f.orgId, [...(byOrg.get(f.orgId) ?? []), f])
    const now = clock.now()
    for (const [orgId, list] of byOrg) {
      const now_ = list.filter((f) => urgent.includes(f.id))
      if (now_.length) {
        await queueDeliveries(
          tx,
          orgId,
          'immediate',
          now_.map((f) => f.id),
        )
        await store.markNotified(
          tx,
          now_.map((f) => f.id),
          now,
        )
      }
      if (list.length > now_.length) {
        await jobs.send(
          SendDigest,
          { orgId },
          { tx, singletonKey: `inventory.digest:${orgId}`, startAfter: nextDigest(now) },
        )
      }
    }
  }

  function nextDigest(now: Date): Date {
    const d = new Date(now)
    d.setUTCHours(deps.settings.digestHourUtc, 0, 0, 0)
    if (d <= now) d.setUTCDate(d.getUTCDate() + 1)
    return d
  }

  async function queueDeliveries(
    tx: Tx,
    orgId: string,
    mode: store.Delivery['mode'],
    findingIds: string[],
  ) {
    for (const ch of await store.listChannels(tx, orgId)) {
      const id = newId('dlv')
      await store.insertDelivery(tx, {
        id,
        channelId: ch.id,
        orgId,
        mode,
        findingIds,
        createdAt: clock.now(),
      })
      await jobs.send(DeliverNotification, { deliveryId: id }, { tx })
    }
  }

  async function systemsById(q: Queryable, ids: string[]): Promise<Map<string, System>> {
    const out = new Map<string, System>()
    for (const id of new Set(ids)) {
      const s = await store.findSystem(q, { id })
      if (s) out.set(id, s)
    }
    return out
  }

  /**
   * Matches a system's current components against every advisory for their packages. After a
   * new SBOM version, only packages whose versions changed are looked up again: the findings of
   * the others move to the new version as they are (advisory changes reach them by fan-out).
   * `full` re-matches every package (a full re-match, or a change of the system's exposure).
   */
  async function matchSystem(
    systemId: string,
    opts: { full?: boolean } = {},
  ): Promise<MatchResult & { unchanged: number }> {
    const system = await store.findSystem(db, { id: systemId })
    if (!system) throw notFound('system', systemId)
    const matched = opts.full ? null : await store.matchedSbomOf(db, systemId)
    if (matched && matched === system.currentSbomId) return { ...emptyResult(), unchanged: 0 }
    const before = matched ? await store.packageVersions(db, matched) : new Map<string, string>()
    const components = await store.currentComponents(db, systemId)
    const byPackage = new Map<string, store.ComponentRow[]>()
    for (const c of components) {
      const k = `${c.ecosystem}\u0000${c.package_name}`
      byPackage.set(k, [...(byPackage.get(k) ?? []), c])
    }
    const unchanged = new Set<string>()
    for (const [k, list] of byPackage) {
      const versions = list
        .map((c) => c.version ?? '(none)')
        .sort()
        .join(' ')
      if (before.get(k) === versions) unchanged.add(k)
    }
    const gate = embargoGate()
    const desired = new Map<string, Desired>()
    for (const [k, list] of byPackage) {
      if (unchanged.has(k)) continue
      const first = list[0]!
      // One version of the package with a coarse key: let SQL drop the advisories whose bounds
      // cannot hold it. Several versions, or none: every advisory of the package is compared.
      const key =
        list.length === 1 && first.match_status === 'matchable' ? (first.coarse ?? '') : ''
      for (const a of await deps.advisories.advisoriesForPackage(
        first.ecosystem!,
        first.package_name!,
        key || undefined,
      )) {
        if (!(await gate(a, system.orgId))) continue
        for (const c of list) addDesired(desired, c, a)
      }
    }
    await askVendors(desired)
    return db.transaction(async (tx) => {
      // The system row is locked so a concurrent upload and match of it run one after the other.
      const locked = await store.findSystem(tx, { id: systemId }, true)
      if (!locked || locked.currentSbomId !== system.currentSbomId)
        return { ...emptyResult(), unchanged: 0 }
      const all = await store.findingsWhere(tx, 'f.system_id = $1', [systemId])
      const carried = all.filter((f) => unchanged.has(`${f.ecosystem}\u0000${f.packageName}`))
      await store.moveFindings(
        tx,
        carried.map((f) => f.id),
        locked.currentSbomId!,
      )
      const existing = all.filter((f) => !unchanged.has(`${f.ecosystem}\u0000${f.packageName}`))
      const r = await reconcile(tx, desired, existing, 'sbom', new Map([[systemId, locked]]))
      await store.markMatched(tx, systemId, locked.currentSbomId, clock.now())
      await announce(tx, r.urgent, r.notify)
      const { urgent: _u, notify: _n, ...result } = r
      return { ...result, unchanged: unchanged.size }
    })
  }

  /** Fans one new, changed or withdrawn advisory out to every current component it may name. */
  async function matchAdvisory(advisoryId: string): Promise<MatchResult & { systems: number }> {
    const a = await deps.advisories.getAdvisory(advisoryId)
    const desired = new Map<string, Desired>()
    if (a && !a.osv.withdrawn) {
      const sql = candidateComponentsSql(a.osv)
      const candidates = sql ? (await db.query<store.ComponentRow>(sql.text, sql.values)).rows : []
      const gate = embargoGate()
      for (const c of candidates) if (await gate(a, c.org_id)) addDesired(desired, c, a)
    }
    await askVendors(desired)
    return db.transaction(async (tx) => {
      const existing = await store.findingsWhere(tx, 'f.advisory_id = $1', [advisoryId])
      const systems = await systemsById(tx, [
        ...[...desired.values()].map((d) => d.systemId),
        ...existing.map((e) => e.systemId),
      ])
      // A component whose SBOM was replaced since the candidates were read is matched by its own job.
      for (const [k, d] of desired)
        if (systems.get(d.systemId)?.currentSbomId !== d.sbomId) desired.delete(k)
      const r = await reconcile(tx, desired, existing, 'advisory', systems)
      await announce(tx, r.urgent, r.notify)
      const { urgent: _u, notify: _n, ...result } = r
      return { ...result, systems: new Set([...desired.values()].map((d) => d.systemId)).size }
    })
  }

  const emptyResult = (): MatchResult => ({
    created: 0,
    refreshed: 0,
    reopened: 0,
    closed: 0,
    retracted: 0,
    suppressed: 0,
  })

  // --- delivery -------------------------------------------------------------------------------

  async function deliver(
    deliveryId: string,
    attempt: { final: boolean },
  ): Promise<{ delivered: boolean }> {
    const d = await store.findDelivery(db, deliveryId)
    if (!d || d.status === 'delivered') return { delivered: false }
    const ch = await store.findChannel(db, d.channelId)
    if (!ch || ch.disabledAt) return { delivered: false }
    const findings = await store.findingsWhere(db, 'f.id = ANY($1::text[])', [d.findingIds])
    // An embargoed finding reaches only an operator its case still allows, at send time too.
    const gate = embargoGate()
    const visible: store.StoredFinding[] = []
    for (const f of findings) {
      if (
        !isEmbargoed(f.tlp) ||
        (await gate({ id: f.advisoryId, tlp: f.tlp } as AdvisoryRecord, f.orgId))
      )
        visible.push(f)
    }
    if (visible.length === 0) {
      await store.recordAttempt(db, d.id, {
        ok: false,
        final: true,
        status: null,
        error: 'nothing left to send',
        at: clock.now(),
      })
      return { delivered: false }
    }
    const msg = buildMessage(d.mode, visible, deps.settings.publicUrl)
    let status: number | null = null
    try {
      if (ch.kind === 'email') {
        await deps.mailer.send({ to: ch.target, subject: msg.subject, text: msg.text })
      } else {
        const secret = (
          await deps.envelopes.decrypt(ch.secret!, `inventory-channel:${ch.id}`)
        ).toString('utf8')
        const now = clock.now()
        const body = JSON.stringify({
          id: d.id,
          type: `inventory.findings.${d.mode}`,
          createdAt: now.toISOString(),
          tlp: msg.tlp,
          findings: msg.findings,
        })
        const res = await deps.fetch(ch.target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(secret, body, now),
            [DELIVERY_HEADER]: d.id,
          },
          body,
          signal: AbortSignal.timeout(deps.settings.webhookTimeoutMs),
          redirect: 'manual',
        })
        status = res.status
        await res.body?.cancel()
        if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered ${res.status}`)
      }
    } catch (err) {
      await store.recordAttempt(db, d.id, {
        ok: false,
        final: attempt.final,
        status,
        error: (err as Error).message.slice(0, 500),
        at: clock.now(),
      })
      throw err
    }
    await store.recordAttempt(db, d.id, {
      ok: true,
      final: true,
      status,
      error: null,
      at: clock.now(),
    })
    return { delivered: true }
  }

  // --- public surface ---------------------------------------------------------------------------

  return {
    matchSystem,
    matchAdvisory,
    deliver,

    /** An operator organisation's profile; program staff set any, operator members their own. */
    async setOperatorProfile(
      actor: Principal,
      input: { orgId?: string | undefined; sector: Sector; size: OperatorSize; region: string },
    ): Promise<OperatorProfile> {
      const orgId = input.orgId ?? actor.orgId
      if (
        orgId !== actor.orgId
          ? !hasRole(actor, 'admin', 'program_officer')
          : !hasRole(actor, 'operator_member', 'admin')
      )
        throw forbidden('Only the operator itself or program officers set an operator profile.')
      const kind = await db.query<{ kind: string }>('SELECT kind FROM organisation WHERE id = $1', [
        orgId,
      ])
      if (!kind.rows[0]) throw notFound('organisation', orgId)
      if (kind.rows[0].kind !== 'operator')
        throw invalid(
          'orgId',
          `organisation ${orgId} is a ${kind.rows[0].kind}; only operator organisations keep inventories`,
        )
      await store.upsertOperator(db, {
        orgId,
        sector: input.sector,
        size: input.size,
        region: input.region,
        at: clock.now(),
      })
      return (await store.findOperator(db, orgId))!
    },

    async getOperator(actor: Principal, orgId?: string): Promise<OperatorProfile> {
      return operatorOf(db, actor, orgId)
    },

    async createSystem(
      actor: Principal,
      input: {
        name: string
        criticality: Criticality
        internetExposed: boolean
        orgId?: string | undefined
      },
    ): Promise<System> {
      const op = await operatorOf(db, actor, input.orgId)
      const id = newId('sys')
      const existing = await store.findSystem(db, { orgId: op.orgId, name: input.name })
      if (existing)
        throw new AppError(ErrorCodes.EW_CONFLICT, {
          detail: `${op.orgName} already has a system named "${input.name}".`,
        })
      await store.insertSystem(db, {
        id,
        orgId: op.orgId,
        name: input.name,
        criticality: input.criticality,
        internetExposed: input.internetExposed,
        at: clock.now(),
      })
      return (await store.findSystem(db, { id }))!
    },

    async updateSystem(
      actor: Principal,
      id: string,
      input: { criticality?: Criticality | undefined; internetExposed?: boolean | undefined },
    ): Promise<System> {
      const s = await systemFor(db, actor, id)
      await store.updateSystem(db, s.id, input)
      if (input.internetExposed !== undefined)
        await jobs.send(MatchSystem, { systemId: s.id, full: true })
      return (await store.findSystem(db, { id }))!
    },

    async listSystems(actor: Principal, orgId?: string): Promise<System[]> {
      const op = await operatorOf(db, actor, orgId)
      return store.listSystems(db, op.orgId)
    },

    async findSystemByName(actor: Principal, name: string): Promise<System> {
      const s = await store.findSystem(db, { orgId: actor.orgId, name })
      if (!s)
        throw new AppError(ErrorCodes.EW_NOT_FOUND, {
          detail: `Your organisation has no system named "${name}"; create it first.`,
        })
      return s
    },

    async getSystem(actor: Principal, id: string) {
      const s = await systemFor(db, actor, id)
      return { system: s, sboms: await store.listSboms(db, s.id) }
    },

    async components(
      actor: Principal,
      systemId: string,
      opts: {
        status?: string | undefined
        limit?: number | undefined
        offset?: number | undefined
      },
    ) {
      const s = await systemFor(db, actor, systemId)
      if (!s.currentSbomId) return []
      return store.listComponents(db, s.currentSbomId, {
        status: opts.status,
        limit: Math.min(opts.limit ?? 200, 1000),
        offset: opts.offset ?? 0,
      })
    },

    /**
     * Stores a new SBOM version of a system and makes it current, atomically: the old version's
     * components stop being current in the same transaction. Matching follows as a job, or at
     * once with `matchNow` (CLI, embedded).
     */
    async uploadSbom(
      actor: Principal,
      systemId: string,
      content: string | Buffer,
      opts: { format?: SbomFormat | undefined; matchNow?: boolean | undefined } = {},
    ): Promise<UploadResult> {
      await systemFor(db, actor, systemId)
      const parsed = await parseSbom(content, {
        limits: deps.settings.sbomLimits,
        ...(opts.format ? { format: opts.format } : {}),
      })
      const sbom = await db.transaction(async (tx) => {
        const system = await systemFor(tx, actor, systemId, true)
        const sbom: SbomVersion = {
          id: newId('sbm'),
          systemId: system.id,
          version: await store.nextSbomVersion(tx, system.id),
          format: parsed.format,
          specVersion: parsed.specVersion,
          sha256: parsed.sha256,
          componentCount: parsed.components.length,
          unmatchedCount: parsed.components.filter((c) => c.status === 'unmatched').length,
          noVersionCount: parsed.components.filter((c) => c.status === 'no_version').length,
          uploadedBy: actor.personId,
          uploadedAt: clock.now(),
        }
        await store.insertSbom(tx, sbom)
        await store.insertComponents(
          tx,
          {
            sbomId: sbom.id,
            systemId: system.id,
            orgId: system.orgId,
            ids: parsed.components.map(() => newId('cmp')),
            coarse: parsed.components.map((c) =>
              c.status === 'matchable' ? coarseKey(c.ecosystem!, c.version!) : null,
            ),
          },
          parsed.components,
        )
        await store.insertDependencies(tx, sbom.id, parsed.dependencies)
        await store.switchCurrentSbom(tx, system.id, sbom.id)
        if (!opts.matchNow) await jobs.send(MatchSystem, { systemId: system.id }, { tx })
        return sbom
      })
      const unmatched = parsed.components
        .filter((c) => c.status === 'unmatched')
        .map((c) => ({ ref: c.ref, name: c.name, purl: c.purl, reason: c.reason! }))
      return { sbom, unmatched, match: opts.matchNow ? await matchSystem(systemId) : null }
    },

    /** Every system re-matched, as one job per system so all workers share the work. */
    async matchAll(actor: Principal): Promise<{ systems: number; startedAt: Date }> {
      if (!hasRole(actor, 'admin', 'program_officer', 'analyst'))
        throw forbidden('Only program staff start a full re-match.')
      const startedAt = clock.now()
      const systems = await store.listSystems(db)
      for (const s of systems)
        if (s.currentSbomId) await jobs.send(MatchSystem, { systemId: s.id, full: true })
      return { systems: systems.filter((s) => s.currentSbomId).length, startedAt }
    },

    /** Ids of every system that has an SBOM: the work list of a full re-match run in one process. */
    async systemsWithSbom(): Promise<string[]> {
      return (await store.listSystems(db)).filter((s) => s.currentSbomId).map((s) => s.id)
    },

    /** How far a full re-match has got: systems matched since `since`. */
    async matchProgress(since: Date): Promise<{ done: number; total: number }> {
      const r = await db.query<{ done: string; total: string }>(
        `SELECT count(*) FILTER (WHERE last_matched_at >= $1) AS done, count(*) AS total
         FROM inv_system WHERE current_sbom_id IS NOT NULL`,
        [since],
      )
      return { done: Number(r.rows[0]!.done), total: Number(r.rows[0]!.total) }
    },

    /** Called by the advisory sources when a record is new, changed or withdrawn. */
    async advisoryChanged(advisoryId: string, tx?: Queryable): Promise<void> {
      await jobs.send(MatchAdvisory, { advisoryId }, tx ? { tx } : {})
    },

    async listFindings(
      actor: Principal,
      filter: FindingFilter = {},
    ): Promise<{ items: store.StoredFinding[]; total: number }> {
      const orgId = isProgram(actor) ? (filter.orgId ?? null) : actor.orgId
      if (!isProgram(actor)) await operatorOf(db, actor)
      const where = [
        'f.retracted_at IS NULL',
        '($1::text IS NULL OR f.org_id = $1)',
        '($2::text[] IS NULL OR f.status = ANY($2::text[]))',
        '($3::text IS NULL OR f.system_id = $3)',
        '($4::text IS NULL OR f.advisory_id = $4)',
        '($5::boolean IS NULL OR (f.closed_at IS NULL) = $5)',
      ].join(' AND ')
      const values = [
        orgId,
        filter.status ?? null,
        filter.systemId ?? null,
        filter.advisoryId ?? null,
        filter.open ?? null,
      ]
      const limit = Math.min(filter.limit ?? 100, 1000)
      const items = await store.findingsWhere(
        db,
        where,
        values,
        `${ORDER_PRIORITY} LIMIT ${limit} OFFSET ${Number(filter.offset ?? 0)}`,
      )
      const total = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM inv_finding f WHERE ${where}`,
        values,
      )
      return { items, total: Number(total.rows[0]!.n) }
    },

    async getFinding(actor: Principal, id: string) {
      const f = await findingFor(db, actor, id)
      return { finding: f, events: await store.listEvents(db, f.id) }
    },

    /**
     * The operator's remediation decision. not_affected needs a justification; risk_accepted an
     * approver and an expiry. Decisions that dismiss a finding are logged.
     */
    async setFindingStatus(
      actor: Principal,
      id: string,
      input: {
        status: FindingStatus
        justification?: string | undefined
        approver?: string | undefined
        acceptedUntil?: string | undefined
        note?: string | undefined
      },
    ): Promise<store.StoredFinding> {
      if (!hasRole(actor, 'operator_member'))
        throw forbidden('Only the operator records remediation of its findings.')
      return db.transaction(async (tx) => {
        const f = await findingFor(tx, actor, id)
        if (f.orgId !== actor.orgId) throw notFound('finding', id)
        if (f.status === input.status) return f
        if (!TRANSITIONS[f.status].includes(input.status))
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `A ${f.status} finding cannot become ${input.status}.`,
          })
        if (input.status === 'not_affected' && !input.justification?.trim())
          throw invalid(
            'justification',
            'is required to mark a finding not affected (e.g. vulnerable_code_not_in_execute_path)',
          )
        let acceptedUntil: Date | null = null
        if (input.status === 'risk_accepted') {
          if (!input.approver?.trim())
            throw invalid('approver', 'is required to accept a risk: who approved it')
          acceptedUntil = input.acceptedUntil ? new Date(input.acceptedUntil) : null
          if (
            !acceptedUntil ||
            Number.isNaN(acceptedUntil.getTime()) ||
            acceptedUntil <= clock.now()
          )
            throw invalid(
              'acceptedUntil',
              'is required to accept a risk, and must be a future date (ISO 8601)',
            )
        }
        const now = clock.now()
        await store.setFindingStatus(tx, f.id, {
          status: input.status,
          justification: input.justification ?? null,
          approver: input.approver ?? null,
          acceptedUntil,
          at: now,
        })
        await store.insertEvent(tx, {
          id: newId('fev'),
          findingId: f.id,
          at: now,
          kind: 'status',
          from: f.status,
          to: input.status,
          actor: actor.personId,
          note: input.note ?? input.justification ?? null,
        })
        if (DECISION_STATUSES.includes(input.status)) {
          await translog.append(tx, {
            type: 'finding.decided',
            subjects: [
              { kind: 'finding', id: f.id },
              { kind: 'organisation', id: f.orgId },
            ],
            actor: { orgId: actor.orgId, role: 'operator_member', personId: actor.personId },
            at: now.toISOString(),
            data: { findingId: f.id, advisoryId: f.advisoryId, status: input.status },
            confidential: {
              package: `${f.ecosystem}/${f.packageName}`,
              justification: input.justification ?? null,
              approver: input.approver ?? null,
              acceptedUntil: acceptedUntil?.toISOString() ?? null,
            },
          })
        }
        return (await store.findingsWhere(tx, 'f.id = $1', [f.id]))[0]!
      })
    },

    /**
     * A VEX document: an operator's own (applies to its findings) or, from program staff, a
     * program-wide suppression rule for every operator. Open findings it covers are suppressed
     * now; later matches consult it too.
     */
    async addVex(
      actor: Principal,
      document: unknown,
      opts: { programWide?: boolean | undefined } = {},
    ) {
      const programWide = opts.programWide ?? false
      if (programWide ? !hasRole(actor, 'admin', 'analyst') : !hasRole(actor, 'operator_member'))
        throw forbidden(
          programWide
            ? 'Only analysts set program-wide suppression rules.'
            : 'Only operators add their own VEX.',
        )
      if (!programWide) await operatorOf(db, actor)
      const parsed = parseVex(document)
      const now = clock.now()
      // The advisories behind the open findings are read before the transaction (see askVendors).
      const openIds = await db.query<{ advisory_id: string }>(
        `SELECT DISTINCT advisory_id FROM inv_finding
         WHERE closed_at IS NULL AND retracted_at IS NULL AND ($1::text IS NULL OR org_id = $1)`,
        [programWide ? null : actor.orgId],
      )
      const records = new Map<string, AdvisoryRecord | null>()
      for (const r of openIds.rows)
        records.set(r.advisory_id, await deps.advisories.getAdvisory(r.advisory_id))
      return db.transaction(async (tx) => {
        const ids: string[] = []
        for (const s of parsed.statements) {
          const id = newId('vex')
          ids.push(id)
          await store.insertVex(tx, {
            id,
            orgId: programWide ? null : actor.orgId,
            source: programWide ? 'program' : 'operator',
            documentFormat: parsed.format,
            vulnerability: s.vulnerability,
            ecosystem: s.ecosystem,
            packageName: s.packageName,
            version: s.version,
            status: s.status,
            justification: s.justification,
            createdBy: actor.personId,
            createdAt: now,
          })
        }
        if (programWide) {
          await translog.append(tx, {
            type: 'suppression_rule.created',
            subjects: ids.map((id) => ({ kind: 'vex', id })),
            actor: { orgId: actor.orgId, role: 'analyst', personId: actor.personId },
            at: now.toISOString(),
            data: {
              format: parsed.format,
              statements: parsed.statements.map((s) => ({
                vulnerability: s.vulnerability,
                package: s.packageName ? `${s.ecosystem}/${s.packageName}` : null,
                version: s.version,
                status: s.status,
                justification: s.justification,
              })),
            },
          })
        }
        // Apply to open findings now: a statement covers them the same way a new match would be checked.
        const vulns = [...new Set(parsed.statements.map((s) => s.vulnerability))]
        const open = await store.findingsWhere(
          tx,
          `f.closed_at IS NULL AND f.retracted_at IS NULL AND ($1::text IS NULL OR f.org_id = $1)`,
          [programWide ? null : actor.orgId],
        )
        let suppressed = 0
        for (const f of open) {
          const a = records.get(f.advisoryId) ?? null
          const names = a ? advisoryNames(a.osv) : [f.advisoryId]
          if (!names.some((n) => vulns.includes(n))) continue
          const sup = await suppressionFor(tx, {
            orgId: f.orgId,
            systemId: f.systemId,
            sbomId: f.sbomId,
            ecosystem: f.ecosystem,
            packageName: f.packageName,
            purl: f.purl,
            versions: f.versions,
            kind: f.matchKind,
            range: f.matchedRange,
            fixed: f.fixedVersion,
            advisory: a ?? {
              id: f.advisoryId,
              osv: { id: f.advisoryId, modified: '' },
              tlp: f.tlp,
              kev: f.kev,
            },
          })
          if (!sup) continue
          await store.setFindingStatus(tx, f.id, {
            status: 'not_affected',
            justification: sup.justification,
            suppressedBy: sup.by,
            suppressionJustification: sup.justification,
            at: now,
          })
          await store.insertEvent(tx, {
            id: newId('fev'),
            findingId: f.id,
            at: now,
            kind: 'suppressed',
            from: f.status,
            to: 'not_affected',
            actor: actor.personId,
            note: sup.justification,
          })
          suppressed++
        }
        return { format: parsed.format, statements: parsed.statements.length, suppressed }
      })
    },

    async addChannel(actor: Principal, input: { kind: 'email' | 'webhook'; target: string }) {
      const op = await operatorOf(db, actor)
      if (!hasRole(actor, 'operator_member'))
        throw forbidden('Only operators add their notification channels.')
      const id = newId('chn')
      let secret: string | null = null
      if (input.kind === 'webhook') {
        const url = new URL(input.target)
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
          throw invalid('target', 'must be an http(s) URL')
        secret = `whsec_${randomBytes(24).toString('base64url')}`
      } else if (!/^[^@\s]+@[^@\s]+$/.test(input.target)) {
        throw invalid('target', 'must be an email address')
      }
      await store.insertChannel(db, {
        id,
        orgId: op.orgId,
        kind: input.kind,
        target: input.target,
        secret: secret ? await deps.envelopes.encrypt(secret, `inventory-channel:${id}`) : null,
        createdAt: clock.now(),
      })
      // The signing secret is shown once, here; it is stored only encrypted.
      return { id, kind: input.kind, target: input.target, ...(secret ? { secret } : {}) }
    },

    async listChannels(actor: Principal) {
      const op = await operatorOf(db, actor)
      return (await store.listChannels(db, op.orgId)).map(({ secret: _s, ...c }) => c)
    },

    async removeChannel(actor: Principal, id: string) {
      const op = await operatorOf(db, actor)
      if (!(await store.disableChannel(db, op.orgId, id, clock.now())))
        throw notFound('channel', id)
    },

    async deliveries(actor: Principal, limit = 100) {
      const op = await operatorOf(db, actor)
      return store.listDeliveries(db, op.orgId, Math.min(limit, 500))
    },

    /** The digest: every open finding of the operator not yet sent, in one message per channel. */
    async sendDigest(orgId: string): Promise<{ findings: number }> {
      return db.transaction(async (tx) => {
        const pending = await store.findingsWhere(
          tx,
          'f.org_id = $1 AND f.notified_at IS NULL AND f.closed_at IS NULL AND f.retracted_at IS NULL',
          [orgId],
        )
        if (pending.length === 0) return { findings: 0 }
        await queueDeliveries(
          tx,
          orgId,
          'digest',
          pending.map((f) => f.id),
        )
        await store.markNotified(
          tx,
          pending.map((f) => f.id),
          clock.now(),
        )
        return { findings: pending.length }
      })
    },

    /** Overdue findings, once each: the operator is told by every channel and in-app. Risk acceptances that expired reopen. */
    async escalateOverdue(): Promise<{ escalated: number; reopened: number }> {
      const now = clock.now()
      return db.transaction(async (tx) => {
        const expired = await store.findingsWhere(
          tx,
          `f.status = 'risk_accepted' AND f.accepted_until <= $1`,
          [now],
        )
        for (const f of expired) {
          await store.setFindingStatus(tx, f.id, { status: 'open', at: now })
          await store.insertEvent(tx, {
            id: newId('fev'),
            findingId: f.id,
            at: now,
            kind: 'acceptance_expired',
            from: 'risk_accepted',
            to: 'open',
            actor: null,
            note: `accepted until ${f.acceptedUntil?.toISOString()}`,
          })
        }
        const overdue = await store.findingsWhere(
          tx,
          `f.status IN ('open', 'in_progress') AND f.retracted_at IS NULL AND f.escalated_at IS NULL AND f.due_at <= $1`,
          [now],
        )
        const byOrg = new Map<string, string[]>()
        for (const f of overdue) byOrg.set(f.orgId, [...(byOrg.get(f.orgId) ?? []), f.id])
        for (const [orgId, ids] of byOrg) {
          await queueDeliveries(tx, orgId, 'escalation', ids)
          await deps.notifications.notify(
            {
              orgId,
              kind: 'inventory.overdue',
              subjectType: 'operator',
              subjectId: orgId,
              title: `${ids.length} finding${ids.length === 1 ? ' is' : 's are'} past due`,
              body: 'Patch them, record a mitigation, or record a decision with its justification.',
              link: '/inventory',
              dedupeKey: `inventory.overdue:${orgId}:${now.toISOString().slice(0, 10)}:${ids.join(',')}`,
            },
            tx,
          )
          for (const id of ids)
            await store.insertEvent(tx, {
              id: newId('fev'),
              findingId: id,
              at: now,
              kind: 'escalated',
              from: null,
              to: null,
              actor: null,
              note: 'past its due date',
            })
        }
        await store.markEscalated(
          tx,
          overdue.map((f) => f.id),
          now,
        )
        return { escalated: overdue.length, reopened: expired.length }
      })
    },

    /** The operator's view: its systems and findings, and what to patch first, to which version. */
    async operatorDashboard(actor: Principal, orgId?: string) {
      const op = await operatorOf(db, actor, orgId)
      const systems = await store.listSystems(db, op.orgId)
      const bySeverity = await db.query<{ severity: string; status: string; n: string }>(
        `SELECT severity, status, count(*) AS n FROM inv_finding WHERE org_id = $1 AND retracted_at IS NULL GROUP BY 1, 2`,
        [op.orgId],
      )
      const byDue = await db.query<{ bucket: string; n: string }>(
        `SELECT CASE WHEN due_at < $2 THEN 'overdue' WHEN due_at < $2 + interval '7 days' THEN 'this_week'
                     WHEN due_at < $2 + interval '30 days' THEN 'this_month' ELSE 'later' END AS bucket, count(*) AS n
         FROM inv_finding WHERE org_id = $1 AND closed_at IS NULL AND retracted_at IS NULL GROUP BY 1`,
        [op.orgId, clock.now()],
      )
      const patchFirst = await store.findingsWhere(
        db,
        'f.org_id = $1 AND f.closed_at IS NULL AND f.retracted_at IS NULL',
        [op.orgId],
        `${ORDER_PRIORITY} LIMIT 20`,
      )
      return {
        operator: op,
        systems,
        bySeverity: bySeverity.rows.map((r) => ({
          severity: r.severity,
          status: r.status,
          count: Number(r.n),
        })),
        byDue: byDue.rows.map((r) => ({ bucket: r.bucket, count: Number(r.n) })),
        patchFirst: patchFirst.map((f) => ({
          findingId: f.id,
          system: f.systemName,
          advisoryId: f.advisoryId,
          package: f.packageName,
          ecosystem: f.ecosystem,
          versions: f.versions,
          upgradeTo: f.fixedVersion,
          severity: f.severity,
          kev: f.kev,
          dueAt: f.dueAt,
          status: f.status,
        })),
      }
    },

    /**
     * The program's view: per advisory, how many operators of each sector are still exposed,
     * day by day over `days`; and time to patch by sector (median and 90th percentile, days).
     */
    async programDashboard(
      actor: Principal,
      opts: { days?: number | undefined; advisoryId?: string | undefined } = {},
    ) {
      if (!isProgram(actor)) throw forbidden('The program dashboard is for program staff.')
      const days = Math.min(Math.max(opts.days ?? 30, 1), 365)
      const now = clock.now()
      const exposure = await db.query<{ day: Date; sector: string; operators: string }>(
        `SELECT d.day, o.sector, count(DISTINCT f.org_id) AS operators
         FROM generate_series(date_trunc('day', $1::timestamptz) - make_interval(days => $2 - 1),
                              date_trunc('day', $1::timestamptz), interval '1 day') AS d(day)
         JOIN inv_finding f ON f.first_seen_at < d.day + interval '1 day'
           AND (f.closed_at IS NULL OR f.closed_at >= d.day + interval '1 day')
           AND f.retracted_at IS NULL AND f.status NOT IN ('not_affected')
         JOIN inv_operator o ON o.org_id = f.org_id
         WHERE ($3::text IS NULL OR f.advisory_id = $3)
         GROUP BY 1, 2 ORDER BY 1, 2`,
        [now, days, opts.advisoryId ?? null],
      )
      const perAdvisory = await db.query<{
        advisory_id: string
        sector: string
        operators: string
        severity: string
        kev: boolean
      }>(
        `SELECT f.advisory_id, o.sector, count(DISTINCT f.org_id) AS operators,
           (array_agg(f.severity ORDER BY ${SEVERITY_RANK}))[1] AS severity, bool_or(f.kev) AS kev
         FROM inv_finding f JOIN inv_operator o ON o.org_id = f.org_id
         WHERE f.closed_at IS NULL AND f.retracted_at IS NULL
         GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      const ttp = await db.query<{
        sector: string
        n: string
        median: number | null
        p90: number | null
      }>(
        `SELECT o.sector, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.closed_at - f.first_seen_at) / 86400) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.closed_at - f.first_seen_at) / 86400) AS p90
         FROM inv_finding f JOIN inv_operator o ON o.org_id = f.org_id
         WHERE f.status = 'patched' AND f.closed_at IS NOT NULL
         GROUP BY 1 ORDER BY 1`,
      )
      const advisories = new Map<
        string,
        {
          advisoryId: string
          severity: string
          kev: boolean
          bySector: Record<string, number>
          total: number
        }
      >()
      for (const r of perAdvisory.rows) {
        const a = advisories.get(r.advisory_id) ?? {
          advisoryId: r.advisory_id,
          severity: r.severity,
          kev: r.kev,
          bySector: {},
          total: 0,
        }
        a.bySector[r.sector] = Number(r.operators)
        a.total += Number(r.operators)
        advisories.set(r.advisory_id, a)
      }
      return {
        days,
        exposureOverTime: exposure.rows.map((r) => ({
          day: r.day.toISOString().slice(0, 10),
          sector: r.sector,
          operators: Number(r.operators),
        })),
        advisories: [...advisories.values()].sort((a, b) => b.total - a.total),
        timeToPatch: ttp.rows.map((r) => ({
          sector: r.sector,
          patched: Number(r.n),
          medianDays: r.median === null ? null : Math.round(Number(r.median) * 10) / 10,
          p90Days: r.p90 === null ? null : Math.round(Number(r.p90) * 10) / 10,
        })),
      }
    },

    async listOperators(actor: Principal) {
      if (!isProgram(actor)) throw forbidden('The operator list is for program staff.')
      return store.listOperators(db)
    },

    /** For advisory sources: which packages a record names (to find what to fan out). */
    advisoryPackages,
  }
}

export type InventoryService = ReturnType<typeof createInventoryService>
