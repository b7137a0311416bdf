/** Every person with the roles they hold, revoking a role, and the forms that add people and grant roles. */

import type { UseQueryResult } from '@tanstack/react-query'
import { Alert, AlertText, Button, type ModalRef } from '@trussworks/react-uswds'
import { useRef, useState } from 'react'
import { roleLabel } from '../accounts/session.ts'
import { ConfirmModal, closeAndRefocus } from '../platform/ConfirmModal.tsx'
import { formatDate, formatDateTime, plural } from '../platform/format.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { type MemberChange, type Org, type PersonWithMemberships, useRevokeRole } from './api.ts'
import { CreatePersonForm, GrantRoleForm } from './PeopleForms.tsx'

interface Revoking extends MemberChange {
  personName: string
  orgName: string
}

export function PeopleSection({
  people,
  orgs,
}: {
  people: UseQueryResult<PersonWithMemberships[]>
  orgs: Org[]
}) {
  const [done, setDone] = useState<string | undefined>()
  // A person just added is the one most likely to need a role next.
  const [grantTo, setGrantTo] = useState<string | undefined>()
  const heading = useRef<HTMLHeadingElement>(null)

  return (
    <section aria-labelledby="people-heading" className="ew-admin-section">
      <h2 id="people-heading" ref={heading} tabIndex={-1} className="ew-admin-section__title">
        People and roles
      </h2>
      {done ? (
        <Alert type="success" slim className="margin-bottom-2" role="status">
          <AlertText>{done}</AlertText>
        </Alert>
      ) : null}
      <div className="ew-split">
        <div className="ew-panel">
          <div className="ew-panel__head">
            <h3 className="ew-panel__title">All people</h3>
            {people.data ? (
              <p className="ew-panel__meta">{plural(people.data.length, 'person', 'people')}</p>
            ) : null}
          </div>
          <ProblemAlert error={people.error} />
          {people.isPending ? <p aria-live="polite">Loading people…</p> : null}
          {people.data && people.data.length > 0 ? (
            <PeopleTable
              items={people.data}
              onRevoked={setDone}
              focusAfter={() => heading.current}
            />
          ) : null}
        </div>
        <div>
          <CreatePersonForm
            onCreated={(p) => {
              setGrantTo(p.id)
              setDone(
                `${p.name} is added. To let them sign in, grant them a role: they are already chosen under “Grant a role”.`,
              )
            }}
          />
          <GrantRoleForm
            key={grantTo ?? 'none'}
            people={people.data ?? []}
            orgs={orgs}
            initialPersonId={grantTo}
            onGranted={setDone}
          />
        </div>
      </div>
    </section>
  )
}

function PeopleTable({
  items,
  onRevoked,
  focusAfter,
}: {
  items: PersonWithMemberships[]
  onRevoked: (message: string) => void
  focusAfter: () => HTMLElement | null
}) {
  const modal = useRef<ModalRef>(null)
  const revoke = useRevokeRole()
  const [target, setTarget] = useState<Revoking | undefined>()

  function ask(r: Revoking) {
    revoke.reset()
    setTarget(r)
    modal.current?.toggleModal(undefined, true)
  }

  return (
    <>
      <div className="usa-table-container--scrollable ew-table-wrap">
        <table className="usa-table usa-table--borderless usa-table--compact ew-table width-full">
          <caption className="usa-sr-only">People and the roles they hold, by name</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Roles</th>
              <th scope="col">Signs in with</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id} className={p.disabledAt ? 'ew-row-inactive' : undefined}>
                <th scope="row">
                  <span className="ew-person__name">{p.name}</span>
                  <span className="ew-table__sub">{p.email}</span>
                  {p.disabledAt ? (
                    <span className="ew-table__sub">Disabled {formatDate(p.disabledAt)}</span>
                  ) : null}
                </th>
                <td>
                  {p.memberships.length === 0 ? (
                    <span className="ew-muted">No role yet: cannot sign in</span>
                  ) : (
                    <ul className="ew-role-list">
                      {p.memberships.map((m) => (
                        <li key={`${m.orgId}:${m.role}`}>
                          <span>
                            <strong>{roleLabel(m.role)}</strong>, {m.orgName}
                          </span>
                          <Button
                            type="button"
                            unstyled
                            className="ew-danger-link"
                            onClick={() =>
                              ask({
                                orgId: m.orgId,
                                orgName: m.orgName,
                                personId: p.id,
                                personName: p.name,
                                role: m.role,
                              })
                            }
                          >
                            Revoke
                            <span className="usa-sr-only">
                              {' '}
                              {roleLabel(m.role)} in {m.orgName} from {p.name}
                            </span>
                          </Button>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {p.hasPassword ? (
                    'Password'
                  ) : (
                    <>
                      Link or <abbr title="single sign-on">SSO</abbr>
                    </>
                  )}
                </td>
                <td className="text-no-wrap" title={formatDateTime(p.createdAt)}>
                  {formatDate(p.createdAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmModal
        id="revoke-role"
        modalRef={modal}
        heading={
          target
            ? `Revoke ${roleLabel(target.role)} from ${target.personName}?`
            : 'Revoke this role?'
        }
        confirmLabel="Revoke role"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => {
          if (!target) return
          const { personName, orgName, ...change } = target
          revoke.mutate(change, {
            onSuccess: () => {
              closeAndRefocus(modal, focusAfter)
              onRevoked(`${personName} no longer holds ${roleLabel(change.role)} in ${orgName}.`)
            },
          })
        }}
      >
        {target ? (
          <p>
            {target.personName} stops acting as {roleLabel(target.role)} for {target.orgName} with
            their next request. If it is their last role there, they can no longer act for{' '}
            {target.orgName} at all.
          </p>
        ) : (
          <p>The person loses this role at once.</p>
        )}
      </ConfirmModal>
    </>
  )
}
