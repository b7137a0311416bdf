/** Every organisation, and the form that creates one. */

import type { UseQueryResult } from '@tanstack/react-query'
import { Alert, AlertText, Button, Select, TextInput } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useState } from 'react'
import { isProblem } from '../api.ts'
import { Field } from '../platform/Field.tsx'
import { formatDate, formatDateTime, plural } from '../platform/format.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { type Org, useCreateOrg } from './api.ts'
import { ORG_KIND_LABELS, ORG_KINDS, type OrgKind, orgKindLabel } from './roles.ts'

export function OrgsSection({ orgs }: { orgs: UseQueryResult<Org[]> }) {
  const [done, setDone] = useState<string | undefined>()
  return (
    <section aria-labelledby="orgs-heading" className="ew-admin-section">
      <h2 id="orgs-heading" tabIndex={-1} className="ew-admin-section__title">
        Organisations
      </h2>
      {done ? (
        <Alert type="success" slim className="margin-bottom-2" role="status">
          <AlertText>{done}</AlertText>
        </Alert>
      ) : null}
      <div className="ew-split">
        <div className="ew-panel">
          <div className="ew-panel__head">
            <h3 className="ew-panel__title">All organisations</h3>
            {orgs.data ? (
              <p className="ew-panel__meta">{plural(orgs.data.length, 'organisation')}</p>
            ) : null}
          </div>
          <ProblemAlert error={orgs.error} />
          {orgs.isPending ? <p aria-live="polite">Loading organisations…</p> : null}
          {orgs.data && orgs.data.length > 0 ? <OrgsTable items={orgs.data} /> : null}
        </div>
        <CreateOrgForm
          onCreated={(o) =>
            setDone(
              `${o.name} is created (${orgKindLabel(o.kind).toLowerCase()}, slug ${o.slug}). Grant people roles in it below.`,
            )
          }
        />
      </div>
    </section>
  )
}

function OrgsTable({ items }: { items: Org[] }) {
  return (
    <div className="usa-table-container--scrollable ew-table-wrap">
      <table className="usa-table usa-table--borderless usa-table--compact ew-table width-full">
        <caption className="usa-sr-only">Organisations, by name</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Slug</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.id}>
              <th scope="row">{o.name}</th>
              <td>{orgKindLabel(o.kind)}</td>
              <td>
                <code className="ew-code">{o.slug}</code>
              </td>
              <td title={formatDateTime(o.createdAt)}>{formatDate(o.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

interface Draft {
  name: string
  kind: OrgKind | ''
  slug: string
}

const EMPTY: Draft = { name: '', kind: '', slug: '' }

function CreateOrgForm({ onCreated }: { onCreated: (o: Org) => void }) {
  const create = useCreateOrg()
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [missing, setMissing] = useState<Partial<Record<keyof Draft, string>>>({})
  const problem = isProblem(create.error) ? create.error : undefined
  const err = (field: keyof Draft) => missing[field] ?? problem?.fieldMessage(field)
  const set = (key: keyof Draft) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }))

  function submit(e: FormEvent) {
    e.preventDefault()
    const found: typeof missing = {}
    if (!draft.name.trim()) found.name = 'Enter the organisation’s name.'
    if (!draft.kind) found.kind = 'Choose what kind of organisation it is.'
    setMissing(found)
    if (Object.keys(found).length > 0 || !draft.kind) {
      create.reset()
      document.getElementById(found.name ? 'org-name' : 'org-kind')?.focus()
      return
    }
    create.mutate(
      { kind: draft.kind, name: draft.name.trim(), slug: draft.slug.trim() || undefined },
      {
        onSuccess: (o) => {
          setDraft(EMPTY)
          onCreated(o)
        },
      },
    )
  }

  return (
    <section aria-labelledby="create-org-heading" className="ew-form-section ew-side-form">
      <h3 id="create-org-heading" className="ew-side-form__title">
        Create an organisation
      </h3>
      <form className="usa-form ew-form-full" onSubmit={submit} noValidate>
        <ProblemAlert error={create.error} />
        <Field id="org-name" label="Name" error={err('name')}>
          {(a) => (
            <TextInput
              {...a}
              name="name"
              type="text"
              maxLength={200}
              autoComplete="off"
              value={draft.name}
              onChange={set('name')}
            />
          )}
        </Field>
        <Field
          id="org-kind"
          label="Kind"
          hint="Decides which roles people can hold in it."
          error={err('kind')}
        >
          {(a) => (
            <Select {...a} name="kind" value={draft.kind} onChange={set('kind')}>
              <option value="">- Select -</option>
              {ORG_KINDS.map((k) => (
                <option key={k} value={k}>
                  {ORG_KIND_LABELS[k]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          id="org-slug"
          label="Slug"
          optional
          hint="A short handle for the command line: lower-case letters, digits and dashes. Made from the name if left blank."
          error={err('slug')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="slug"
              type="text"
              maxLength={63}
              autoCapitalize="off"
              spellCheck={false}
              autoComplete="off"
              value={draft.slug}
              onChange={set('slug')}
            />
          )}
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create organisation'}
        </Button>
      </form>
    </section>
  )
}
