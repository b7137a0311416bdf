/**
 * Your API tokens: scripts and other tools call the API as you with one. A new token is shown
 * once, in a box to copy it from; the list afterwards only tells tokens apart and revokes them.
 */
import { Alert, AlertText, Button, type ModalRef, TextInput } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useEffect, useRef, useState } from 'react'
import { isProblem } from '../api.ts'
import { ConfirmModal, closeAndRefocus } from '../platform/ConfirmModal.tsx'
import { Field } from '../platform/Field.tsx'
import { formatDate, formatDateTime, plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import type { Session } from './session.ts'
import {
  type NewToken,
  TOKEN_DEFAULT_DAYS,
  TOKEN_MAX_DAYS,
  type TokenInfo,
  tokenStatus,
  useCreateToken,
  useRevokeToken,
  useTokens,
} from './tokens.ts'

export function TokensPage({ session }: { session: Session }) {
  const tokens = useTokens()
  const [created, setCreated] = useState<NewToken | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const listHeading = useRef<HTMLHeadingElement>(null)

  return (
    <Page
      title="Your API tokens"
      lead={
        <>
          A token lets a script or another tool call the earlywatch API as you, acting for the
          organisation you act for when you create it, with your roles there. Send it as{' '}
          <code className="ew-code">Authorization: Bearer …</code>; the{' '}
          <a className="usa-link" href="/api/docs">
            API documentation
          </a>{' '}
          lists the calls.
        </>
      }
    >
      {created ? (
        <NewTokenBox
          key={created.id}
          token={created}
          orgName={session.org?.name}
          onDismiss={() => {
            setCreated(undefined)
            listHeading.current?.focus()
          }}
        />
      ) : null}
      {done ? (
        <Alert type="success" slim className="margin-bottom-3" role="status">
          <AlertText>{done}</AlertText>
        </Alert>
      ) : null}

      <div className="ew-split">
        <section aria-labelledby="tokens-heading" className="ew-panel">
          <div className="ew-panel__head">
            <h2 id="tokens-heading" ref={listHeading} tabIndex={-1} className="ew-panel__title">
              Tokens
            </h2>
            {tokens.data ? (
              <p className="ew-panel__meta">
                {plural(
                  tokens.data.filter((t) => tokenStatus(t) === 'active').length,
                  'active token',
                )}
              </p>
            ) : null}
          </div>
          <ProblemAlert error={tokens.error} />
          {tokens.isPending ? <p aria-live="polite">Loading your tokens…</p> : null}
          {tokens.data && tokens.data.length === 0 ? (
            <p className="margin-0">You have no API tokens yet.</p>
          ) : null}
          {tokens.data && tokens.data.length > 0 ? (
            <TokensTable
              items={tokens.data}
              onRevoked={(t) => {
                setCreated((c) => (c?.id === t.id ? undefined : c))
                setDone(`${t.name} is revoked. Anything that used it can no longer call the API.`)
              }}
              focusAfter={() => listHeading.current}
            />
          ) : null}
        </section>
        <CreateTokenForm
          orgName={session.org?.name}
          onCreated={(t) => {
            setDone(undefined)
            setCreated(t)
          }}
        />
      </div>
    </Page>
  )
}

/** The one showing of a new token: copy it now, with a plain warning that it will not be shown again. */
function NewTokenBox({
  token,
  orgName,
  onDismiss,
}: {
  token: NewToken
  orgName: string | undefined
  onDismiss: () => void
}) {
  const box = useRef<HTMLElement>(null)
  const input = useRef<HTMLInputElement>(null)
  const [copied, setCopied] = useState<'copied' | 'select' | undefined>()

  // The box is where the person's attention belongs now: move focus there so it is read out.
  useEffect(() => {
    box.current?.focus()
  }, [])

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token)
      setCopied('copied')
    } catch {
      // No clipboard access (an insecure origin, or the browser said no): select it instead.
      input.current?.focus()
      input.current?.select()
      setCopied('select')
    }
  }

  return (
    <section
      ref={box}
      tabIndex={-1}
      className="ew-new-token"
      aria-labelledby="new-token-heading"
      aria-describedby="new-token-warning"
    >
      <h2 id="new-token-heading" className="ew-new-token__title">
        Your new token “{token.name}”
      </h2>
      <Alert type="warning" slim className="margin-top-1">
        <AlertText id="new-token-warning">
          <strong>Copy it now: it will not be shown again.</strong> earlywatch keeps only a
          fingerprint of it. Store it where secrets belong, such as a password manager or your CI
          system’s secret settings. If it is lost, revoke it and create another.
        </AlertText>
      </Alert>
      <label className="usa-label" htmlFor="new-token-value">
        Token
      </label>
      <div className="ew-copy">
        <input
          ref={input}
          id="new-token-value"
          className="usa-input ew-code ew-copy__value"
          readOnly
          value={token.token}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.target.select()}
        />
        <Button type="button" className="ew-copy__button" onClick={copy}>
          Copy token
        </Button>
      </div>
      <p className="ew-copy__status" role="status">
        {copied === 'copied'
          ? 'Copied to the clipboard.'
          : copied === 'select'
            ? 'The token is selected: copy it with Ctrl+C (⌘C on a Mac).'
            : ''}
      </p>
      <p className="margin-y-1">
        It acts for {orgName ?? 'your organisation'} and works until{' '}
        <time dateTime={token.expiresAt}>{formatDateTime(token.expiresAt)}</time>, unless you revoke
        it first.
      </p>
      <Button type="button" outline onClick={onDismiss}>
        I have stored it
      </Button>
    </section>
  )
}

function CreateTokenForm({
  orgName,
  onCreated,
}: {
  orgName: string | undefined
  onCreated: (t: NewToken) => void
}) {
  const create = useCreateToken()
  const [name, setName] = useState('')
  const [days, setDays] = useState(String(TOKEN_DEFAULT_DAYS))
  const [missing, setMissing] = useState<string | undefined>()
  const problem = isProblem(create.error) ? create.error : undefined

  function submit(e: FormEvent) {
    e.preventDefault()
    if (!name.trim()) {
      create.reset()
      setMissing('Say what the token is for.')
      document.getElementById('token-name')?.focus()
      return
    }
    setMissing(undefined)
    // Blank means the default; anything else goes as typed, and the server names what is wrong.
    const n = days.trim() === '' ? TOKEN_DEFAULT_DAYS : Number(days)
    create.mutate(
      { name: name.trim(), days: n },
      {
        onSuccess: (t) => {
          setName('')
          setDays(String(TOKEN_DEFAULT_DAYS))
          onCreated(t)
        },
      },
    )
  }

  return (
    <section aria-labelledby="create-token-heading" className="ew-form-section ew-side-form">
      <h2 id="create-token-heading" className="ew-side-form__title">
        Create a token
      </h2>
      <p className="ew-side-form__text">
        It will act for {orgName ?? 'the organisation you act for now'}. Switch organisation in the
        header first for a token that acts for another.
      </p>
      <form className="usa-form ew-form-full" onSubmit={submit} noValidate>
        <ProblemAlert error={create.error} />
        <Field
          id="token-name"
          label="Name"
          hint="What it is for, for example “CI upload”."
          error={missing ?? problem?.fieldMessage('name')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="name"
              type="text"
              maxLength={100}
              autoComplete="off"
              value={name}
              onChange={(e: ChangeEvent<HTMLInputElement>) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field
          id="token-days"
          label="Days valid"
          hint={`From 1 to ${TOKEN_MAX_DAYS}; ${TOKEN_DEFAULT_DAYS} unless you change it.`}
          error={problem?.fieldMessage('days')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="days"
              type="number"
              inputMode="numeric"
              min={1}
              max={TOKEN_MAX_DAYS}
              step={1}
              className="ew-input-narrow"
              value={days}
              onChange={(e: ChangeEvent<HTMLInputElement>) => setDays(e.target.value)}
            />
          )}
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </Button>
      </form>
    </section>
  )
}

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const

function TokensTable({
  items,
  onRevoked,
  focusAfter,
}: {
  items: TokenInfo[]
  onRevoked: (t: TokenInfo) => void
  focusAfter: () => HTMLElement | null
}) {
  const modal = useRef<ModalRef>(null)
  const revoke = useRevokeToken()
  const [target, setTarget] = useState<TokenInfo | undefined>()

  function ask(t: TokenInfo) {
    revoke.reset()
    setTarget(t)
    modal.current?.toggleModal(undefined, true)
  }

  return (
    <>
      <div className="usa-table-container--scrollable ew-table-wrap">
        <table className="usa-table usa-table--borderless usa-table--compact ew-table width-full">
          <caption className="usa-sr-only">Your API tokens, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Organisation</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="usa-sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => {
              const status = tokenStatus(t)
              return (
                <tr key={t.id} className={status === 'active' ? undefined : 'ew-row-inactive'}>
                  <th scope="row">{t.name}</th>
                  <td>
                    <code className="ew-code">{t.hint}</code>
                  </td>
                  <td>{t.orgName}</td>
                  <td title={formatDateTime(t.createdAt)}>{formatDate(t.createdAt)}</td>
                  <td title={formatDateTime(t.expiresAt)}>{formatDate(t.expiresAt)}</td>
                  <td title={t.lastUsedAt ? formatDateTime(t.lastUsedAt) : undefined}>
                    {t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never'}
                  </td>
                  <td className="text-no-wrap">
                    {STATUS_LABEL[status]}
                    {status === 'revoked' ? (
                      <span className="ew-table__sub">{formatDate(t.revokedAt)}</span>
                    ) : null}
                  </td>
                  <td className="text-right">
                    {status === 'active' ? (
                      <Button
                        type="button"
                        unstyled
                        className="ew-danger-link"
                        onClick={() => ask(t)}
                      >
                        Revoke<span className="usa-sr-only"> {t.name}</span>
                      </Button>
                    ) : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <ConfirmModal
        id="revoke-token"
        modalRef={modal}
        heading={target ? `Revoke “${target.name}”?` : 'Revoke this token?'}
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => {
          if (!target) return
          revoke.mutate(target.id, {
            onSuccess: () => {
              closeAndRefocus(modal, focusAfter)
              onRevoked(target)
            },
          })
        }}
      >
        <p>
          Anything that uses this token stops working at once. A revoked token cannot be restored;
          create a new one if you need access again.
        </p>
      </ConfirmModal>
    </>
  )
}
