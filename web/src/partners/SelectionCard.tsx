/**
 * One proposal on a selection board: both keys' state, the refusal and the appeal with their
 * reasons, and the actions open to the reader (turn or refuse a key, appeal, decide an appeal,
 * issue a grant).
 */
import { Button, Checkbox, Select, Textarea, TextInput } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { isProblem } from '../api.ts'
import { DateTimeInput, Field } from '../platform/Field.tsx'
import { formatDateTime, fromLocalInput, localTimeZone, toLocalInput } from '../platform/format.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  ENDPOINTS,
  type Endpoint,
  type Grant,
  REFUSAL_LABELS,
  type RefusalCategory,
  SECTOR_LABELS,
  type Selection,
  useIssueGrant,
  useSelectionAction,
} from './api.ts'
import { GrantTag, KeyTag, SelectionTag } from './tags.tsx'

type Open = null | 'refuse' | 'appeal' | 'decide' | 'grant'

/** The side the reader turns keys for on this selection, as the server decides it too. */
function sideOf(session: Session, s: Selection): 'lab' | 'program' | null {
  if (session.org?.kind === 'program' && hasRole(session, 'program_officer')) return 'program'
  if (session.org?.id === s.labOrgId && hasRole(session, 'lab_member')) return 'lab'
  return null
}

export function SelectionCard(props: {
  selection: Selection
  session: Session
  grants: Grant[]
  /** The partner-access period the lab set, to prefill a grant's window. */
  period?: { start: string | null; end: string | null }
}) {
  const { selection: s, session, grants } = props
  const [open, setOpen] = useState<Open>(null)
  const [issuedKey, setIssuedKey] = useState<string | null>(null)
  const act = useSelectionAction()
  const side = sideOf(session, s)
  const myKey = side ? s.keys[side].state : null
  const canTurn =
    side !== null && myKey === 'pending' && (s.state === 'proposed' || s.state === 'effective')
  const isPartner = session.org?.id === s.partnerOrgId
  const live = grants.find((g) => g.selectionId === s.id && g.status !== 'revoked')
  const headingId = `sel-${s.id}`

  return (
    <article
      className={`ew-selection ew-selection--${s.state}`}
      aria-labelledby={headingId}
      data-selection={s.partnerName}
    >
      <div className="ew-selection__head">
        <h3 id={headingId} className="ew-selection__title">
          {s.partnerName}{' '}
          <span className="ew-muted font-body-2xs">· {SECTOR_LABELS[s.partnerSector]}</span>
        </h3>
        <SelectionTag state={s.state} />
      </div>
      <div className="ew-keys">
        <KeyTag side="Lab" state={s.keys.lab.state} />
        <KeyTag side="Program" state={s.keys.program.state} />
      </div>
      <dl>
        <dt>Proposed</dt>
        <dd>
          by the {s.proposedBy.party} ({s.proposedBy.name}), {formatDateTime(s.proposedAt)}
          {s.rationale ? <> — “{s.rationale}”</> : null}
        </dd>
        {(['lab', 'program'] as const).map((p) =>
          s.keys[p].by && s.keys[p].state !== 'pending' ? (
            <KeyFact key={p} party={p} selection={s} />
          ) : null,
        )}
        {s.refusal ? (
          <>
            <dt>Refused</dt>
            <dd>
              by the {s.refusal.party} ({s.refusal.by.name}), {formatDateTime(s.refusal.at)}:{' '}
              <strong>{REFUSAL_LABELS[s.refusal.category]}</strong>
              {s.refusal.reason ? <> — {s.refusal.reason}</> : null}
            </dd>
          </>
        ) : null}
        {s.appeal ? (
          <>
            <dt>Appeal</dt>
            <dd>
              {formatDateTime(s.appeal.at)} — “{s.appeal.statement}”
              <br />
              {s.appeal.outcome ? (
                <>
                  <strong>{s.appeal.outcome === 'upheld' ? 'Upheld' : 'Dismissed'}</strong> by{' '}
                  {s.appeal.decidedBy?.name}
                  {s.appeal.decisionCategory
                    ? `: ${REFUSAL_LABELS[s.appeal.decisionCategory]}`
                    : ''}
                  {s.appeal.decisionReason ? ` — ${s.appeal.decisionReason}` : ''}
                </>
              ) : (
                <>
                  Goes to {s.appeal.reviewer?.name ?? 'any program officer but the one who refused'}
                  , not to the person who refused.
                </>
              )}
            </dd>
          </>
        ) : null}
        {live ? (
          <>
            <dt>Grant</dt>
            <dd>
              <Link to={`/grants/${live.id}`} className="usa-link">
                {live.keyHint}
              </Link>{' '}
              <GrantTag grant={live} />
            </dd>
          </>
        ) : null}
      </dl>

      <ProblemAlert error={act.error} className="margin-top-1" />
      {issuedKey ? <KeyShownOnce value={issuedKey} /> : null}

      <div className="ew-actions-row">
        {canTurn ? (
          <>
            <Button
              type="button"
              disabled={act.isPending}
              onClick={() => act.mutate({ id: s.id, action: 'approve', body: {} })}
            >
              Approve for the {side}
            </Button>
            <Button type="button" secondary onClick={() => setOpen('refuse')}>
              Refuse
            </Button>
          </>
        ) : null}
        {isPartner && s.state === 'refused' && hasRole(session, 'partner_member') ? (
          <Button type="button" onClick={() => setOpen('appeal')}>
            Appeal (once)
          </Button>
        ) : null}
        {s.state === 'appealed' &&
        side === 'program' &&
        (!s.appeal?.reviewer || s.appeal.reviewer.personId === session.person?.id) ? (
          <Button type="button" onClick={() => setOpen('decide')}>
            Decide the appeal
          </Button>
        ) : null}
        {s.state === 'effective' && side !== null && !live ? (
          <Button type="button" onClick={() => setOpen('grant')}>
            Issue a grant
          </Button>
        ) : null}
      </div>

      {open === 'refuse' ? (
        <ReasonForm
          id={`refuse-${s.id}`}
          title="Refuse this partner"
          textLabel="Written reason (kept with the lab and the program; the partner is told the category)"
          submitLabel="Refuse"
          withCategory
          pending={act.isPending}
          error={act.error}
          onCancel={() => setOpen(null)}
          onSubmit={({ category, text }) =>
            act.mutate(
              { id: s.id, action: 'refuse', body: { category, reason: text } },
              { onSuccess: () => setOpen(null) },
            )
          }
        />
      ) : null}
      {open === 'appeal' ? (
        <ReasonForm
          id={`appeal-${s.id}`}
          title="Appeal the refusal"
          textLabel="Your statement"
          submitLabel="Send the appeal"
          pending={act.isPending}
          error={act.error}
          onCancel={() => setOpen(null)}
          onSubmit={({ text }) =>
            act.mutate(
              { id: s.id, action: 'appeal', body: { statement: text } },
              { onSuccess: () => setOpen(null) },
            )
          }
        />
      ) : null}
      {open === 'decide' ? (
        <DecideForm
          id={`decide-${s.id}`}
          pending={act.isPending}
          error={act.error}
          onCancel={() => setOpen(null)}
          onSubmit={(body) =>
            act.mutate(
              { id: s.id, action: 'appeal/decision', body },
              { onSuccess: () => setOpen(null) },
            )
          }
        />
      ) : null}
      {open === 'grant' ? (
        <GrantForm
          selection={s}
          period={props.period}
          onCancel={() => setOpen(null)}
          onIssued={(key) => {
            setIssuedKey(key)
            setOpen(null)
          }}
        />
      ) : null}
    </article>
  )
}

function KeyFact({ party, selection: s }: { party: 'lab' | 'program'; selection: Selection }) {
  const k = s.keys[party]
  return (
    <>
      <dt>{party === 'lab' ? 'Lab key' : 'Program key'}</dt>
      <dd>
        {k.state === 'approved' ? 'Approved' : 'Refused'} by {k.by?.name}, {formatDateTime(k.at)}
      </dd>
    </>
  )
}

function KeyShownOnce({ value }: { value: string }) {
  return (
    <div className="usa-alert usa-alert--warning usa-alert--slim margin-top-1" role="status">
      <div className="usa-alert__body">
        <p className="usa-alert__text">
          The virtual key for this grant — copy it now and give it to the partner; it is not shown
          again:
          <code className="ew-key-once" data-testid="virtual-key">
            {value}
          </code>
        </p>
      </div>
    </div>
  )
}

function ReasonForm(props: {
  id: string
  title: string
  textLabel: string
  submitLabel: string
  withCategory?: boolean
  pending: boolean
  error: unknown
  onCancel: () => void
  onSubmit: (v: { category: RefusalCategory; text: string }) => void
}) {
  const [category, setCategory] = useState<RefusalCategory>('conflict_of_interest')
  const [text, setText] = useState('')
  const field = isProblem(props.error)
    ? (props.error.fieldMessage('reason') ?? props.error.fieldMessage('statement'))
    : undefined
  function submit(e: FormEvent) {
    e.preventDefault()
    props.onSubmit({ category, text: text.trim() })
  }
  return (
    <form className="ew-inline-form" onSubmit={submit} aria-label={props.title} noValidate>
      <h4 className="margin-y-1">{props.title}</h4>
      {props.withCategory ? (
        <Field id={`${props.id}-category`} label="Reason category (told to the partner)">
          {(a) => (
            <Select
              {...a}
              name="category"
              value={category}
              onChange={(e: ChangeEvent<HTMLSelectElement>) =>
                setCategory(e.target.value as RefusalCategory)
              }
            >
              {Object.entries(REFUSAL_LABELS).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <Field id={`${props.id}-text`} label={props.textLabel} error={field}>
        {(a) => (
          <Textarea
            {...a}
            name="text"
            className="ew-textarea-short"
            value={text}
            onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setText(e.target.value)}
          />
        )}
      </Field>
      <div className="ew-actions-row">
        <Button type="submit" disabled={props.pending}>
          {props.pending ? 'Working…' : props.submitLabel}
        </Button>
        <Button type="button" unstyled onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

function DecideForm(props: {
  id: string
  pending: boolean
  error: unknown
  onCancel: () => void
  onSubmit: (b: {
    outcome: 'upheld' | 'dismissed'
    category?: RefusalCategory
    reason: string
  }) => void
}) {
  const [outcome, setOutcome] = useState<'upheld' | 'dismissed'>('upheld')
  const [category, setCategory] = useState<RefusalCategory>('other')
  const [reason, setReason] = useState('')
  return (
    <form
      className="ew-inline-form"
      aria-label="Decide the appeal"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        props.onSubmit({
          outcome,
          reason: reason.trim(),
          ...(outcome === 'dismissed' ? { category } : {}),
        })
      }}
    >
      <h4 className="margin-y-1">Decide the appeal</h4>
      <Field id={`${props.id}-outcome`} label="Outcome">
        {(a) => (
          <Select
            {...a}
            name="outcome"
            value={outcome}
            onChange={(e: ChangeEvent<HTMLSelectElement>) =>
              setOutcome(e.target.value as 'upheld' | 'dismissed')
            }
          >
            <option value="upheld">Uphold: lift the refusal</option>
            <option value="dismissed">Dismiss: the refusal stands</option>
          </Select>
        )}
      </Field>
      {outcome === 'dismissed' ? (
        <Field id={`${props.id}-category`} label="Reason category (told to the partner)">
          {(a) => (
            <Select
              {...a}
              name="category"
              value={category}
              onChange={(e: ChangeEvent<HTMLSelectElement>) =>
                setCategory(e.target.value as RefusalCategory)
              }
            >
              {Object.entries(REFUSAL_LABELS).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <Field
        id={`${props.id}-reason`}
        label="Written reason"
        error={isProblem(props.error) ? props.error.fieldMessage('reason') : undefined}
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
        <Button type="submit" disabled={props.pending}>
          {props.pending ? 'Working…' : 'Record the decision'}
        </Button>
        <Button type="button" unstyled onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

function GrantForm(props: {
  selection: Selection
  period?: { start: string | null; end: string | null } | undefined
  onCancel: () => void
  onIssued: (key: string) => void
}) {
  const issue = useIssueGrant()
  // The inputs hold whole minutes: the period's start rounds up and its end down, so the
  // prefilled window stays inside it.
  const [start, setStart] = useState(toLocalInput(toMinute(props.period?.start, 'up')))
  const [end, setEnd] = useState(toLocalInput(toMinute(props.period?.end, 'down')))
  const [endpoints, setEndpoints] = useState<Endpoint[]>(['chat.completions', 'messages', 'models'])
  const [rpm, setRpm] = useState('60')
  const [tpm, setTpm] = useState('100000')
  const [budget, setBudget] = useState('5000000')
  const [keepContent, setKeepContent] = useState(false)
  const err = issue.error
  const msg = (f: string) => (isProblem(err) ? err.fieldMessage(f) : undefined)
  const id = `grant-${props.selection.id}`
  return (
    <form
      className="ew-inline-form"
      aria-label="Issue a grant"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        issue.mutate(
          {
            selectionId: props.selection.id,
            windowStart: fromLocalInput(start) ?? start,
            windowEnd: fromLocalInput(end) ?? end,
            endpoints,
            limits: {
              requestsPerMinute: Number(rpm),
              tokensPerMinute: Number(tpm),
              tokenBudget: Number(budget),
            },
            keepContent,
          },
          { onSuccess: (g) => props.onIssued(g.key) },
        )
      }}
    >
      <h4 className="margin-y-1">Issue a grant to {props.selection.partnerName}</h4>
      <ProblemAlert error={err} />
      <p className="usa-hint">
        Times are in {localTimeZone}. The window must lie within the partner-access period the lab
        set (from the partner release to the public release).
      </p>
      <Field id={`${id}-start`} label="Window opens" error={msg('windowStart')}>
        {(a) => <DateTimeInput {...a} name="windowStart" value={start} onChange={setStart} />}
      </Field>
      <Field id={`${id}-end`} label="Window closes" error={msg('windowEnd')}>
        {(a) => <DateTimeInput {...a} name="windowEnd" value={end} onChange={setEnd} />}
      </Field>
      <fieldset className="usa-fieldset margin-top-2">
        <legend className="usa-legend">Endpoints</legend>
        {ENDPOINTS.map((ep) => (
          <Checkbox
            key={ep}
            id={`${id}-ep-${ep}`}
            name="endpoints"
            label={ep}
            checked={endpoints.includes(ep)}
            onChange={(e: ChangeEvent<HTMLInputElement>) =>
              setEndpoints((cur) => (e.target.checked ? [...cur, ep] : cur.filter((x) => x !== ep)))
            }
          />
        ))}
      </fieldset>
      {(
        [
          ['rpm', 'Requests per minute', rpm, setRpm, 'limits.requestsPerMinute'],
          ['tpm', 'Tokens per minute', tpm, setTpm, 'limits.tokensPerMinute'],
          ['budget', 'Total token budget', budget, setBudget, 'limits.tokenBudget'],
        ] as const
      ).map(([key, label, value, set, path]) => (
        <Field key={key} id={`${id}-${key}`} label={label} error={msg(path)}>
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
      <Checkbox
        id={`${id}-keep`}
        name="keepContent"
        className="margin-top-2"
        label="Keep prompts and completions (by default only metadata is kept)"
        checked={keepContent}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setKeepContent(e.target.checked)}
      />
      <div className="ew-actions-row">
        <Button type="submit" disabled={issue.isPending}>
          {issue.isPending ? 'Working…' : 'Issue the grant'}
        </Button>
        <Button type="button" unstyled onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

function toMinute(iso: string | null | undefined, way: 'up' | 'down'): string | null {
  if (!iso) return null
  const round = way === 'up' ? Math.ceil : Math.floor
  return new Date(round(Date.parse(iso) / 60_000) * 60_000).toISOString()
}
