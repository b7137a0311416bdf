/**
 * Access grants. The list answers a lab's question "who can reach my models, and how much are
 * they using?"; one grant's page shows its terms, its usage over time, and the controls: pause,
 * resume, tighten, revoke.
 */
import { Button, Table, Textarea, TextInput } from '@trussworks/react-uswds'
import { type ChangeEvent, useState } from 'react'
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { hasRole, type Session } from '../accounts/session.ts'
import { isProblem } from '../api.ts'
import { Field } from '../platform/Field.tsx'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  type Grant,
  type GrantUsage,
  useGrant,
  useGrantAction,
  useGrantEvents,
  useGrants,
  useGrantUsage,
} from './api.ts'
import { GrantTag } from './tags.tsx'
import './partners.css'

const n = new Intl.NumberFormat()

function usedTokens(u: GrantUsage | null | undefined): number | null {
  return u ? u.totals.inputTokens + u.totals.outputTokens : null
}

export function GrantsPage() {
  const grants = useGrants()
  return (
    <Page
      title="Access grants"
      lead="Every grant you may see: which partner reaches which model, until when, and how much of its budget it has used."
    >
      <ProblemAlert error={grants.error} />
      {grants.isPending ? <p aria-live="polite">Loading grants…</p> : null}
      {grants.data?.length === 0 ? <p>No grant has been issued yet.</p> : null}
      {grants.data && grants.data.length > 0 ? (
        <Table fullWidth stackedStyle="default" className="ew-table">
          <thead>
            <tr>
              <th scope="col">Partner</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Window</th>
              <th scope="col">Tokens used / budget</th>
            </tr>
          </thead>
          <tbody>
            {grants.data.map((g) => (
              <GrantRow key={g.id} grant={g} />
            ))}
          </tbody>
        </Table>
      ) : null}
    </Page>
  )
}

function GrantRow({ grant: g }: { grant: Grant }) {
  const usage = useGrantUsage(g)
  const used = usedTokens(usage.data)
  return (
    <tr>
      <th scope="row" data-label="Partner">
        <Link to={`/grants/${g.id}`} className="usa-link">
          {g.partnerName}
        </Link>
      </th>
      <td data-label="Model">
        {g.modelName} {g.modelVersion} <span className="ew-muted">· {g.labName}</span>
      </td>
      <td data-label="Status">
        <GrantTag grant={g} />
      </td>
      <td data-label="Window">
        {formatDateTime(g.windowStart)} – {formatDateTime(g.windowEnd)}
      </td>
      <td data-label="Tokens used / budget">
        {used === null ? '—' : n.format(used)} / {n.format(g.limits.tokenBudget)}
      </td>
    </tr>
  )
}

export function GrantPage({ id, session }: { id: string; session: Session }) {
  const grant = useGrant(id)
  const events = useGrantEvents(id)
  const g = grant.data
  const usage = useGrantUsage({ id, issuedAt: g?.issuedAt ?? '' })
  if (grant.isPending) return <p aria-live="polite">Loading grant…</p>
  if (!g) {
    return (
      <Page title="Access grant">
        <ProblemAlert error={grant.error} />
        <Link to="/grants" className="usa-link">
          Back to access grants
        </Link>
      </Page>
    )
  }
  const controls =
    (session.org?.kind === 'program' && hasRole(session, 'program_officer')) ||
    (session.org?.id === g.labOrgId && hasRole(session, 'lab_member'))
  return (
    <>
      <nav className="usa-breadcrumb padding-top-0 padding-bottom-1" aria-label="Breadcrumbs">
        <ol className="usa-breadcrumb__list">
          <li className="usa-breadcrumb__list-item">
            <Link to="/grants" className="usa-breadcrumb__link">
              <span>Access grants</span>
            </Link>
          </li>
          <li className="usa-breadcrumb__list-item usa-current" aria-current="page">
            <span>{g.partnerName}</span>
          </li>
        </ol>
      </nav>
      <Page
        title={`${g.partnerName} · ${g.modelName} ${g.modelVersion}`}
        lead={
          <>
            <GrantTag grant={g} /> Key {g.keyHint} · issued by {g.issuedBy},{' '}
            {formatDateTime(g.issuedAt)}
          </>
        }
      >
        <div className="grid-row grid-gap-4">
          <div className="desktop:grid-col-8">
            <section className="ew-panel" aria-labelledby="usage-heading">
              <h2 id="usage-heading" className="ew-panel__title">
                Usage
              </h2>
              <ProblemAlert error={usage.error} />
              <UsagePanel usage={usage.data} loading={usage.isPending} />
            </section>
            <section className="ew-panel" aria-labelledby="terms-heading">
              <h2 id="terms-heading" className="ew-panel__title">
                Terms
              </h2>
              <dl className="ew-facts">
                <dt>Window</dt>
                <dd>
                  {formatDateTime(g.windowStart)} – {formatDateTime(g.windowEnd)}
                </dd>
                <dt>Endpoints</dt>
                <dd>{g.endpoints.join(', ')}</dd>
                <dt>Requests per minute</dt>
                <dd>{n.format(g.limits.requestsPerMinute)}</dd>
                <dt>Tokens per minute</dt>
                <dd>{n.format(g.limits.tokensPerMinute)}</dd>
                <dt>Token budget</dt>
                <dd>{n.format(g.limits.tokenBudget)}</dd>
                <dt>Prompts and completions</dt>
                <dd>{g.keepContent ? 'Kept' : 'Not kept (metadata only)'}</dd>
                {g.revoked ? (
                  <>
                    <dt>Revoked</dt>
                    <dd>
                      by {g.revoked.by}, {formatDateTime(g.revoked.at)} — {g.revoked.reason}
                    </dd>
                  </>
                ) : null}
              </dl>
            </section>
            <section className="ew-panel" aria-labelledby="history-heading">
              <h2 id="history-heading" className="ew-panel__title">
                History
              </h2>
              <ProblemAlert error={events.error} />
              <ol className="usa-list">
                {(events.data ?? []).map((e) => (
                  <li key={e.id}>
                    <strong>{e.kind.replace('_', ' ')}</strong> — {formatDateTime(e.at)}
                    {e.actor ? ` by ${e.actor.name} (${e.actor.orgName})` : ''}
                    {e.reason ? `: ${e.reason}` : ''}
                  </li>
                ))}
              </ol>
            </section>
          </div>
          <aside className="desktop:grid-col-4" aria-labelledby="controls-heading">
            <div className="ew-panel ew-panel--actions">
              <h2 id="controls-heading" className="ew-panel__title">
                Controls
              </h2>
              {controls ? (
                <GrantControls grant={g} session={session} />
              ) : (
                <p className="margin-0">The lab and the program control this grant.</p>
              )}
            </div>
          </aside>
        </div>
      </Page>
    </>
  )
}

const axisDay = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
})

function UsagePanel(props: { usage: GrantUsage | null | undefined; loading: boolean }) {
  const { usage, loading } = props
  if (loading) return <p aria-live="polite">Loading usage…</p>
  if (!usage || usage.totals.requests === 0) {
    return (
      <p className="margin-0" data-testid="usage-empty">
        No usage recorded yet. Requests made through the gateway with this grant’s key appear here
        within seconds.
      </p>
    )
  }
  const used = usage.totals.inputTokens + usage.totals.outputTokens
  const data = usage.series.map((p) => ({
    t: Date.parse(p.at),
    input: p.inputTokens,
    output: p.outputTokens,
    requests: p.requests,
  }))
  return (
    <>
      <dl className="ew-stat-row">
        <div>
          <dt>Requests</dt>
          <dd>{n.format(usage.totals.requests)}</dd>
        </div>
        <div>
          <dt>Tokens used</dt>
          <dd>{n.format(used)}</dd>
        </div>
        <div>
          <dt>Budget left</dt>
          <dd>{n.format(usage.totals.budgetLeft)}</dd>
        </div>
        <div>
          <dt>Refused or failed</dt>
          <dd>{n.format(usage.totals.errors)}</dd>
        </div>
      </dl>
      <div className="ew-usage-chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid vertical={false} stroke="#dfe1e2" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(v: number) => axisDay.format(v)}
            />
            <YAxis tickFormatter={(v: number) => n.format(v)} width={72} />
            <Tooltip
              labelFormatter={(v) => axisDay.format(Number(v))}
              formatter={(v) => n.format(Number(v))}
            />
            <Legend />
            <Area
              type="monotone"
              dataKey="input"
              name="Input tokens"
              stackId="1"
              stroke="#005ea2"
              fill="#73b3e7"
            />
            <Area
              type="monotone"
              dataKey="output"
              name="Output tokens"
              stackId="1"
              stroke="#216e1f"
              fill="#70e17b"
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <table className="usa-sr-only">
        <caption>Tokens per {usage.bucket}</caption>
        <thead>
          <tr>
            <th scope="col">Period starting</th>
            <th scope="col">Requests</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
          </tr>
        </thead>
        <tbody>
          {usage.series.map((p) => (
            <tr key={p.at}>
              <th scope="row">{formatDateTime(p.at)}</th>
              <td>{p.requests}</td>
              <td>{p.inputTokens}</td>
              <td>{p.outputTokens}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="font-body-sm margin-bottom-1">Latest requests</h3>
      <Table fullWidth compact className="ew-table margin-top-0">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col">Tokens in / out</th>
            <th scope="col">Latency</th>
          </tr>
        </thead>
        <tbody>
          {usage.recent.slice(0, 10).map((r) => (
            <tr key={r.requestId}>
              <td>{formatDateTime(r.at)}</td>
              <td>
                {r.endpoint}
                {r.streamed ? ' (stream)' : ''}
              </td>
              <td>
                {r.status}
                {r.errorCode ? ` ${r.errorCode}` : ''}
              </td>
              <td>
                {n.format(r.inputTokens)} / {n.format(r.outputTokens)}
              </td>
              <td>{r.latencyMs} ms</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  )
}

function GrantControls({ grant: g, session }: { grant: Grant; session: Session }) {
  const act = useGrantAction()
  const [reason, setReason] = useState('')
  const [rpm, setRpm] = useState(String(g.limits.requestsPerMinute))
  const [tpm, setTpm] = useState(String(g.limits.tokensPerMinute))
  const [budget, setBudget] = useState(String(g.limits.tokenBudget))
  const [done, setDone] = useState<string | null>(null)
  const side = session.org?.kind === 'program' ? 'program' : 'lab'
  if (g.status === 'revoked') return <p className="margin-0">Revoked: its key no longer works.</p>
  const run = (action: 'pause' | 'resume' | 'revoke' | 'terms', body: object, message: string) => {
    setDone(null)
    act.mutate(
      { id: g.id, action, body },
      {
        onSuccess: () => {
          setDone(message)
          setReason('')
        },
      },
    )
  }
  const reasonError = isProblem(act.error) ? act.error.fieldMessage('reason') : undefined
  return (
    <>
      <div aria-live="polite">
        {done ? (
          <div className="usa-alert usa-alert--success usa-alert--slim margin-bottom-2">
            <div className="usa-alert__body">
              <p className="usa-alert__text">{done}</p>
            </div>
          </div>
        ) : null}
      </div>
      <ProblemAlert error={act.error} />
      <Field
        id="grant-reason"
        label="Reason"
        error={reasonError}
        hint="Recorded in the transparency log as a commitment"
      >
        {(a) => (
          <Textarea
            {...a}
            name="reason"
            className="ew-textarea-short"
            value={reason}
            onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setReason(e.target.value)}
          />
        )}
      </Field>
      <div className="ew-actions-row">
        {g.status === 'active' ? (
          <Button
            type="button"
            disabled={act.isPending}
            onClick={() =>
              run('pause', { reason: reason.trim() }, 'Paused: the key is refused until resumed.')
            }
          >
            Pause
          </Button>
        ) : g.pausedBy === side ? (
          <Button
            type="button"
            disabled={act.isPending}
            onClick={() =>
              run('resume', reason.trim() ? { reason: reason.trim() } : {}, 'Resumed.')
            }
          >
            Resume
          </Button>
        ) : (
          <p className="margin-0">Paused by the {g.pausedBy}; only they resume it.</p>
        )}
        <Button
          type="button"
          secondary
          disabled={act.isPending}
          onClick={() =>
            run(
              'revoke',
              { reason: reason.trim() },
              'Revoked: the key stops working on its next request.',
            )
          }
        >
          Revoke
        </Button>
      </div>
      <form
        className="ew-inline-form"
        aria-label="Change limits"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          run(
            'terms',
            {
              reason: reason.trim(),
              limits: {
                requestsPerMinute: Number(rpm),
                tokensPerMinute: Number(tpm),
                tokenBudget: Number(budget),
              },
            },
            'Limits changed.',
          )
        }}
      >
        <h3 className="margin-y-1 font-body-sm">Limits</h3>
        <p className="usa-hint margin-0">
          {side === 'lab'
            ? 'You can lower limits at any time; raising them is the program’s decision.'
            : 'Either side lowers limits; raising them is yours to approve.'}
        </p>
        {(
          [
            ['rpm', 'Requests per minute', rpm, setRpm],
            ['tpm', 'Tokens per minute', tpm, setTpm],
            ['budget', 'Token budget', budget, setBudget],
          ] as const
        ).map(([key, label, value, set]) => (
          <Field key={key} id={`limit-${key}`} label={label}>
            {(a) => (
              <TextInput
                {...a}
                type="number"
                inputMode="numeric"
                name={key}
                value={value}
                onChange={(e: ChangeEvent<HTMLInputElement>) => set(e.target.value)}
              />
            )}
          </Field>
        ))}
        <Button type="submit" className="margin-top-2" outline disabled={act.isPending}>
          Apply limits
        </Button>
      </form>
    </>
  )
}
