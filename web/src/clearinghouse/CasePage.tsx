/** A disclosure case: its TLP label, embargo countdown, vendors and their VEX statuses, and the labelled thread. */
import { Button, Select, Table, Textarea, TextInput } from '@trussworks/react-uswds'
import { type FormEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDate, formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  type Case,
  EMBARGOED_TLP,
  type Message,
  post,
  put,
  stateLabel,
  TLP_LABELS,
  type Tlp,
  useAllowedOperators,
  useCase,
  useCases,
  useChange,
  useMessages,
  useOperatorDirectory,
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
  type VexStatus,
} from './api.ts'
import { FileList, FileUpload, useCaseFiles } from './Files.tsx'
import { ReportStateTag, TlpTag } from './Tags.tsx'

export function CasesPage() {
  const cases = useCases()
  return (
    <Page title="Disclosure cases" lead="Cases whose TLP label reaches you.">
      <ProblemAlert error={cases.error} />
      <Table fullWidth striped>
        <thead>
          <tr>
            <th scope="col">Case</th>
            <th scope="col">Label</th>
            <th scope="col">Disclosure</th>
            <th scope="col">Vendors</th>
          </tr>
        </thead>
        <tbody>
          {(cases.data ?? []).map((c) => (
            <tr key={c.id}>
              <td>
                <Link to={`/clearinghouse/cases/${c.id}`} className="usa-link">
                  {c.title}
                </Link>
                <div className="usa-hint">{c.id}</div>
              </td>
              <td>
                <TlpTag tlp={c.tlp} />
              </td>
              <td>
                {c.embargoEndsAt
                  ? `${formatDate(c.embargoEndsAt)} (${c.embargoDaysLeft} days)`
                  : 'not set'}
              </td>
              <td>
                {c.participants
                  .filter((p) => p.role === 'vendor')
                  .map((p) => p.orgName)
                  .join(', ') || '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {cases.data?.length === 0 ? <p>No cases reach you.</p> : null}
    </Page>
  )
}

export function CasePage({ id, session }: { id: string; session: Session }) {
  const kase = useCase(id)
  const staff = hasRole(session, 'analyst') || hasRole(session, 'admin')
  if (kase.error)
    return (
      <Page title="Disclosure case">
        <ProblemAlert error={kase.error} />
      </Page>
    )
  const c = kase.data
  if (!c) return <p className="ew-loading">Loading case…</p>
  const vendors = c.participants.filter((p) => p.role === 'vendor')
  return (
    <Page
      title={c.title}
      lead={
        <>
          <TlpTag tlp={c.tlp} /> {c.id} · {c.state}
          {c.exploited ? ' · exploited in the wild' : ''}
        </>
      }
    >
      <section className="ew-embargo" aria-label="Embargo">
        <h2>Disclosure date</h2>
        {c.embargoEndsAt ? (
          <p className="ew-countdown">
            <strong data-testid="embargo-days">{c.embargoDaysLeft}</strong> days left — disclosure
            on {formatDateTime(c.embargoEndsAt)}
          </p>
        ) : (
          <p>Not set: the embargo starts with the first vendor contact.</p>
        )}
        <ol className="ew-embargo-history">
          {c.embargo.map((e) => (
            <li key={e.id}>
              {formatDateTime(e.at)} — {stateLabel(e.kind)}
              {e.toDate ? ` to ${formatDate(e.toDate)}` : ''}: {e.reason}
            </li>
          ))}
        </ol>
        {staff ? <EmbargoActions c={c} /> : null}
        {c.myRoles.includes('vendor') ? <ExtensionRequest c={c} /> : null}
      </section>
      {staff ? <AllowedOperators c={c} /> : null}
      <section aria-label="Vendors and VEX statuses">
        <h2>Vendors and their VEX statuses</h2>
        <Table fullWidth>
          <thead>
            <tr>
              <th scope="col">Vendor</th>
              <th scope="col">Product</th>
              <th scope="col">Versions</th>
              <th scope="col">Status</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {vendors.map((v) => {
              const rows = c.vex.filter((x) => x.vendorOrgId === v.orgId)
              if (rows.length === 0)
                return (
                  <tr key={v.id}>
                    <td>
                      {v.orgName}
                      {v.personName ? ` (${v.personName})` : ''}
                    </td>
                    <td colSpan={4}>
                      No statement yet{v.publishConsentAt ? ' · agreed to publish' : ''}
                    </td>
                  </tr>
                )
              return rows.map((x) => (
                <tr key={`${v.id}-${x.product}-${x.versionRange}`} data-vex={x.status}>
                  <td>{v.orgName}</td>
                  <td>{x.product}</td>
                  <td>{x.versionRange}</td>
                  <td>
                    <strong>{stateLabel(x.status)}</strong>
                  </td>
                  <td>
                    {x.fixedVersion
                      ? `fixed in ${x.fixedVersion}`
                      : x.justification
                        ? stateLabel(x.justification)
                        : ''}{' '}
                    {x.statement}
                  </td>
                </tr>
              ))
            })}
          </tbody>
        </Table>
        {staff ? <InviteVendor c={c} /> : null}
        {c.myRoles.includes('vendor') ? <VexForm c={c} /> : null}
      </section>
      <section aria-label="Reports">
        <h2>Reports</h2>
        <ul>
          {c.reports.map((r) => (
            <li key={r.id}>
              <Link to={`/clearinghouse/reports/${r.id}`} className="usa-link">
                {r.title}
              </Link>{' '}
              <ReportStateTag state={r.state} /> {r.cwe ?? ''} · {r.productKey}
            </li>
          ))}
        </ul>
        <h3>Participants</h3>
        <ul>
          {c.participants.map((p) => (
            <li key={p.id}>
              {p.personName ? `${p.personName}, ` : ''}
              {p.orgName} — {p.role}
            </li>
          ))}
        </ul>
      </section>
      <CaseFiles c={c} canWrite={staff || c.myRoles.some((r) => r !== 'client')} />
      <Thread c={c} canWrite={staff || c.myRoles.some((r) => r !== 'client')} />
    </Page>
  )
}

function EmbargoActions({ c }: { c: Case }) {
  const [date, setDate] = useState('')
  const [reason, setReason] = useState('')
  const set = useChange((b: unknown) => post<Case>(`/cases/${c.id}/embargo`, b))
  const decide = useChange((b: { id: number; grant: boolean; reason: string }) =>
    post<Case>(`/cases/${c.id}/extensions/${b.id}/decision`, { grant: b.grant, reason: b.reason }),
  )
  const open = c.embargo.filter(
    (e) => e.kind === 'extension_requested' && !c.embargo.some((x) => x.requestId === e.id),
  )
  return (
    <div>
      <ProblemAlert error={set.error ?? decide.error} />
      {open.map((e) => (
        <p key={e.id}>
          Extension requested to {formatDate(e.toDate)}: {e.reason}{' '}
          <Button
            type="button"
            onClick={() => decide.mutate({ id: e.id, grant: true, reason: reason || 'Granted' })}
          >
            Grant
          </Button>
          <Button
            type="button"
            outline
            onClick={() => decide.mutate({ id: e.id, grant: false, reason: reason || 'Refused' })}
          >
            Refuse
          </Button>
        </p>
      ))}
      <form
        aria-label="Set disclosure date"
        onSubmit={(e) => {
          e.preventDefault()
          set.mutate({ endsAt: new Date(`${date}T00:00:00Z`).toISOString(), reason })
        }}
      >
        <label className="usa-label" htmlFor="embargo-date">
          New disclosure date (UTC)
        </label>
        <input
          className="usa-input"
          id="embargo-date"
          name="embargo-date"
          type="date"
          value={date}
          onChange={(e) => setDate(e.target.value)}
        />
        <label className="usa-label" htmlFor="embargo-reason">
          Reason
        </label>
        <TextInput
          id="embargo-reason"
          name="embargo-reason"
          type="text"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <Button type="submit" outline disabled={!date || !reason.trim()}>
          Set date
        </Button>
      </form>
    </div>
  )
}

function ExtensionRequest({ c }: { c: Case }) {
  const [date, setDate] = useState('')
  const [reason, setReason] = useState('')
  const ask = useChange((b: unknown) => post<Case>(`/cases/${c.id}/extensions`, b))
  const agree = useChange(() => post<Case>(`/cases/${c.id}/publish-consent`, {}))
  return (
    <form
      aria-label="Request an extension"
      onSubmit={(e) => {
        e.preventDefault()
        ask.mutate({ until: new Date(`${date}T00:00:00Z`).toISOString(), reason })
      }}
    >
      <ProblemAlert error={ask.error ?? agree.error} />
      <label className="usa-label" htmlFor="ext-date">
        Ask for a later date
      </label>
      <input
        className="usa-input"
        id="ext-date"
        name="ext-date"
        type="date"
        value={date}
        onChange={(e) => setDate(e.target.value)}
      />
      <label className="usa-label" htmlFor="ext-reason">
        Why
      </label>
      <TextInput
        id="ext-reason"
        name="ext-reason"
        type="text"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Button type="submit" outline disabled={!date || !reason.trim()}>
        Request extension
      </Button>
      <Button type="button" outline onClick={() => agree.mutate(undefined)}>
        Agree to publish now
      </Button>
    </form>
  )
}

function InviteVendor({ c }: { c: Case }) {
  const [orgId, setOrgId] = useState('')
  const invite = useChange((b: unknown) => post<Case>(`/cases/${c.id}/vendors`, b))
  return (
    <form
      aria-label="Invite a vendor"
      onSubmit={(e) => {
        e.preventDefault()
        invite.mutate({ orgId })
      }}
    >
      <ProblemAlert error={invite.error} />
      <label className="usa-label" htmlFor="vendor-org">
        Invite vendor (organisation id)
      </label>
      <TextInput
        id="vendor-org"
        name="vendor-org"
        type="text"
        value={orgId}
        onChange={(e) => setOrgId(e.target.value)}
      />
      <Button type="submit" outline disabled={!orgId}>
        Invite
      </Button>
    </form>
  )
}

function VexForm({ c }: { c: Case }) {
  const [v, setV] = useState({
    product: c.reports[0]?.productKey ?? '',
    versionRange: '',
    status: 'under_investigation' as VexStatus,
    justification: '',
    fixedVersion: '',
  })
  const save = useChange((b: unknown) => post<Case>(`/cases/${c.id}/vex`, b))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate({
      product: v.product,
      versionRange: v.versionRange,
      status: v.status,
      ...(v.status === 'known_not_affected' ? { justification: v.justification } : {}),
      ...(v.status === 'fixed' ? { fixedVersion: v.fixedVersion } : {}),
    })
  }
  return (
    <form aria-label="State a VEX status" onSubmit={submit}>
      <h3>Your status</h3>
      <ProblemAlert error={save.error} />
      <label className="usa-label" htmlFor="vex-product">
        Product
      </label>
      <TextInput
        id="vex-product"
        name="vex-product"
        type="text"
        value={v.product}
        onChange={(e) => setV({ ...v, product: e.target.value })}
      />
      <label className="usa-label" htmlFor="vex-range">
        Version range
      </label>
      <TextInput
        id="vex-range"
        name="vex-range"
        type="text"
        value={v.versionRange}
        onChange={(e) => setV({ ...v, versionRange: e.target.value })}
      />
      <label className="usa-label" htmlFor="vex-status">
        Status
      </label>
      <Select
        id="vex-status"
        name="vex-status"
        value={v.status}
        onChange={(e) => setV({ ...v, status: e.target.value as VexStatus })}
      >
        {VEX_STATUSES.map((s) => (
          <option key={s} value={s}>
            {stateLabel(s)}
          </option>
        ))}
      </Select>
      {v.status === 'known_not_affected' ? (
        <>
          <label className="usa-label" htmlFor="vex-just">
            Justification
          </label>
          <Select
            id="vex-just"
            name="vex-just"
            value={v.justification}
            onChange={(e) => setV({ ...v, justification: e.target.value })}
          >
            <option value="">Choose…</option>
            {VEX_JUSTIFICATIONS.map((j) => (
              <option key={j} value={j}>
                {stateLabel(j)}
              </option>
            ))}
          </Select>
        </>
      ) : null}
      {v.status === 'fixed' ? (
        <>
          <label className="usa-label" htmlFor="vex-fixed">
            Fixed in version
          </label>
          <TextInput
            id="vex-fixed"
            name="vex-fixed"
            type="text"
            value={v.fixedVersion}
            onChange={(e) => setV({ ...v, fixedVersion: e.target.value })}
          />
        </>
      ) : null}
      <Button type="submit">Save status</Button>
    </form>
  )
}

function Thread({ c, canWrite }: { c: Case; canWrite: boolean }) {
  const messages = useMessages(c.id)
  const [body, setBody] = useState('')
  const [tlp, setTlp] = useState<Tlp>(c.tlp)
  const send = useChange((b: unknown) => post<Message>(`/cases/${c.id}/messages`, b))
  return (
    <section aria-label="Thread" className="ew-thread">
      <h2>Thread</h2>
      <ProblemAlert error={messages.error} />
      <ol className="ew-messages">
        {(messages.data ?? []).map((m) => (
          <li key={m.id} className="ew-message">
            <div>
              <TlpTag tlp={m.tlp} /> <strong>{m.authorName}</strong> ({m.authorOrgName},{' '}
              {m.authorRole}) · {formatDateTime(m.createdAt)}
            </div>
            <p className="ew-prose">{m.body}</p>
          </li>
        ))}
      </ol>
      {canWrite ? (
        <form
          aria-label="Write a message"
          onSubmit={(e) => {
            e.preventDefault()
            send.mutate({ body, tlp }, { onSuccess: () => setBody('') })
          }}
        >
          <ProblemAlert error={send.error} />
          <label className="usa-label" htmlFor="msg-body">
            Message
          </label>
          <Textarea
            id="msg-body"
            name="msg-body"
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
          <label className="usa-label" htmlFor="msg-tlp">
            Label
          </label>
          <Select
            id="msg-tlp"
            name="msg-tlp"
            value={tlp}
            onChange={(e) => setTlp(e.target.value as Tlp)}
          >
            {TLP_LABELS.map((l) => (
              <option key={l} value={l}>
                TLP:{l}
              </option>
            ))}
          </Select>
          <Button type="submit" disabled={!body.trim() || send.isPending}>
            Send
          </Button>
        </form>
      ) : null}
    </section>
  )
}

function CaseFiles({ c, canWrite }: { c: Case; canWrite: boolean }) {
  const files = useCaseFiles(c.id)
  return (
    <section aria-label="Files">
      <h2>Files</h2>
      <ProblemAlert error={files.error} />
      <FileList files={files.data ?? []} />
      {canWrite ? <FileUpload target={`/cases/${c.id}`} defaultTlp={c.tlp} /> : null}
    </section>
  )
}

/**
 * Program staff name the operators allowed to receive the case's advisory while its label is
 * TLP:AMBER or stricter (every channel: in-app, email, webhook). Replacing the list needs a
 * reason; each decision stays in the history.
 */
function AllowedOperators({ c }: { c: Case }) {
  const allowed = useAllowedOperators(c.id)
  const directory = useOperatorDirectory()
  const [picked, setPicked] = useState<Set<string> | null>(null)
  const [reason, setReason] = useState('')
  const save = useChange((b: unknown) => put(`/cases/${c.id}/operators`, b))
  const chosen = picked ?? new Set(allowed.data?.orgIds ?? [])
  const names = new Map((directory.data ?? []).map((o) => [o.orgId, o.orgName]))
  const embargoed = EMBARGOED_TLP.includes(c.tlp)
  const toggle = (orgId: string) => {
    const next = new Set(chosen)
    if (next.has(orgId)) next.delete(orgId)
    else next.add(orgId)
    setPicked(next)
  }
  return (
    <section aria-label="Operators allowed" className="ew-allowed-operators">
      <h2>Operators allowed to receive the advisory</h2>
      <p>
        {embargoed
          ? `Under TLP:${c.tlp}, the case's advisory reaches only these operators, in every channel.`
          : `Under TLP:${c.tlp} the advisory reaches every affected operator; this list applies if the label becomes TLP:AMBER or stricter.`}{' '}
        {allowed.data ? `${allowed.data.orgIds.length} allowed.` : ''}
      </p>
      <ProblemAlert error={allowed.error ?? directory.error} />
      <form
        aria-label="Choose allowed operators"
        onSubmit={(e) => {
          e.preventDefault()
          save.mutate(
            { orgIds: [...chosen], reason },
            {
              onSuccess: () => {
                setPicked(null)
                setReason('')
              },
            },
          )
        }}
      >
        <ProblemAlert error={save.error} />
        <fieldset className="usa-fieldset">
          <legend className="usa-legend">Operators</legend>
          {(directory.data ?? []).map((o) => (
            <div className="usa-checkbox" key={o.orgId}>
              <input
                className="usa-checkbox__input"
                id={`allow-${o.orgId}`}
                type="checkbox"
                checked={chosen.has(o.orgId)}
                onChange={() => toggle(o.orgId)}
              />
              <label className="usa-checkbox__label" htmlFor={`allow-${o.orgId}`}>
                {o.orgName}{' '}
                <span className="ew-muted">
                  ({o.sector}, {o.region})
                </span>
              </label>
            </div>
          ))}
        </fieldset>
        <label className="usa-label" htmlFor="allow-reason">
          Reason for this list
        </label>
        <Textarea
          id="allow-reason"
          name="allow-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <Button type="submit" disabled={picked === null || reason.trim().length === 0}>
          Save the allowed operators
        </Button>
      </form>
      {allowed.data && allowed.data.history.length > 0 ? (
        <ol className="ew-embargo-history" aria-label="Decisions on allowed operators">
          {allowed.data.history.map((h) => (
            <li key={h.id}>
              {formatDateTime(h.at)} — {h.orgIds.length} allowed
              {h.orgIds.length > 0
                ? ` (${h.orgIds.map((id) => names.get(id) ?? id).join(', ')})`
                : ''}
              : {h.reason}
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  )
}
