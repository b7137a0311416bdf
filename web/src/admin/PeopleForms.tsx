/** Adding a person, and granting someone a role in an organisation that fits it. */
import { Button, Select, TextInput } from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useState } from 'react'
import { type Role, roleLabel } from '../accounts/session.ts'
import { isProblem } from '../api.ts'
import { Field } from '../platform/Field.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import {
  type Org,
  type Person,
  type PersonWithMemberships,
  useCreatePerson,
  useGrantRole,
} from './api.ts'
import { orgKindLabel, rolesFor } from './roles.ts'

const PASSWORD_MIN_LENGTH = 12

interface PersonDraft {
  name: string
  email: string
  password: string
}

const NO_PERSON: PersonDraft = { name: '', email: '', password: '' }

export function CreatePersonForm({ onCreated }: { onCreated: (p: Person) => void }) {
  const create = useCreatePerson()
  const [draft, setDraft] = useState<PersonDraft>(NO_PERSON)
  const [missing, setMissing] = useState<Partial<Record<keyof PersonDraft, string>>>({})
  const problem = isProblem(create.error) ? create.error : undefined
  const err = (field: keyof PersonDraft) => missing[field] ?? problem?.fieldMessage(field)
  const set = (key: keyof PersonDraft) => (e: ChangeEvent<HTMLInputElement>) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }))

  function submit(e: FormEvent) {
    e.preventDefault()
    const found: typeof missing = {}
    if (!draft.name.trim()) found.name = 'Enter the person’s name.'
    if (!draft.email.trim()) found.email = 'Enter their email address.'
    setMissing(found)
    if (Object.keys(found).length > 0) {
      create.reset()
      document.getElementById(found.name ? 'person-name' : 'person-email')?.focus()
      return
    }
    create.mutate(
      {
        name: draft.name.trim(),
        email: draft.email.trim(),
        password: draft.password === '' ? undefined : draft.password,
      },
      {
        onSuccess: (p) => {
          setDraft(NO_PERSON)
          onCreated(p)
        },
      },
    )
  }

  return (
    <section aria-labelledby="create-person-heading" className="ew-form-section ew-side-form">
      <h3 id="create-person-heading" className="ew-side-form__title">
        Add a person
      </h3>
      <form className="usa-form ew-form-full" onSubmit={submit} noValidate>
        <ProblemAlert error={create.error} />
        <Field id="person-name" label="Name" error={err('name')}>
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
        <Field id="person-email" label="Email address" error={err('email')}>
          {(a) => (
            <TextInput
              {...a}
              name="email"
              type="email"
              maxLength={254}
              autoCapitalize="off"
              spellCheck={false}
              autoComplete="off"
              value={draft.email}
              onChange={set('email')}
            />
          )}
        </Field>
        <Field
          id="person-password"
          label="Password"
          optional
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. Leave it blank for people who sign in with single sign-on or a one-time link (earlywatch users link --email …).`}
          error={err('password')}
        >
          {(a) => (
            <TextInput
              {...a}
              name="password"
              type="password"
              autoComplete="new-password"
              value={draft.password}
              onChange={set('password')}
            />
          )}
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add person'}
        </Button>
      </form>
    </section>
  )
}

interface GrantDraft {
  personId: string
  orgId: string
  role: Role | ''
}

export function GrantRoleForm({
  people,
  orgs,
  initialPersonId,
  onGranted,
}: {
  people: PersonWithMemberships[]
  orgs: Org[]
  initialPersonId: string | undefined
  onGranted: (message: string) => void
}) {
  const grant = useGrantRole()
  const [draft, setDraft] = useState<GrantDraft>({
    personId: initialPersonId ?? '',
    orgId: '',
    role: '',
  })
  const [missing, setMissing] = useState<Partial<Record<keyof GrantDraft, string>>>({})
  const problem = isProblem(grant.error) ? grant.error : undefined
  const err = (field: keyof GrantDraft) => missing[field] ?? problem?.fieldMessage(field)

  const org = orgs.find((o) => o.id === draft.orgId)
  const roles = rolesFor(org?.kind)

  function chooseOrg(orgId: string) {
    const kind = orgs.find((o) => o.id === orgId)?.kind
    const fitting = rolesFor(kind)
    setDraft((d) => ({
      ...d,
      orgId,
      // Keep the chosen role if it still fits; a kind with one role needs no choosing.
      role:
        d.role && fitting.includes(d.role)
          ? d.role
          : fitting.length === 1
            ? (fitting[0] ?? '')
            : '',
    }))
  }

  function submit(e: FormEvent) {
    e.preventDefault()
    const found: typeof missing = {}
    if (!draft.personId) found.personId = 'Choose a person.'
    if (!draft.orgId) found.orgId = 'Choose an organisation.'
    else if (!draft.role) found.role = 'Choose a role.'
    setMissing(found)
    if (Object.keys(found).length > 0 || !draft.role) {
      grant.reset()
      const first = found.personId ? 'grant-person' : found.orgId ? 'grant-org' : 'grant-role'
      document.getElementById(first)?.focus()
      return
    }
    const role = draft.role
    const person = people.find((p) => p.id === draft.personId)
    grant.mutate(
      { personId: draft.personId, orgId: draft.orgId, role },
      {
        onSuccess: () =>
          onGranted(
            `${person?.name ?? 'The person'} now holds ${roleLabel(role)} in ${org?.name ?? 'the organisation'}.`,
          ),
      },
    )
  }

  return (
    <section aria-labelledby="grant-heading" className="ew-form-section ew-side-form">
      <h3 id="grant-heading" className="ew-side-form__title">
        Grant a role
      </h3>
      <form className="usa-form ew-form-full" onSubmit={submit} noValidate>
        <ProblemAlert error={grant.error} />
        <Field id="grant-person" label="Person" error={err('personId')}>
          {(a) => (
            <Select
              {...a}
              name="personId"
              value={draft.personId}
              onChange={(e: ChangeEvent<HTMLSelectElement>) =>
                setDraft((d) => ({ ...d, personId: e.target.value }))
              }
            >
              <option value="">- Select -</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.email})
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field id="grant-org" label="Organisation" error={err('orgId')}>
          {(a) => (
            <Select
              {...a}
              name="orgId"
              value={draft.orgId}
              onChange={(e: ChangeEvent<HTMLSelectElement>) => chooseOrg(e.target.value)}
            >
              <option value="">- Select -</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} ({orgKindLabel(o.kind).toLowerCase()})
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          id="grant-role"
          label="Role"
          hint={
            org
              ? `The roles a ${orgKindLabel(org.kind).toLowerCase()} organisation can hold.`
              : 'Choose an organisation first: each kind has its own roles.'
          }
          error={err('role')}
        >
          {(a) => (
            <Select
              {...a}
              name="role"
              value={draft.role}
              disabled={!org}
              onChange={(e: ChangeEvent<HTMLSelectElement>) =>
                setDraft((d) => ({ ...d, role: e.target.value as Role | '' }))
              }
            >
              <option value="">- Select -</option>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" disabled={grant.isPending}>
          {grant.isPending ? 'Granting…' : 'Grant role'}
        </Button>
      </form>
    </section>
  )
}
