/**
 * What the person may do with a submission: a lab moves its dates, marks its release or
 * withdraws; a program officer accepts it and records its progress. The server decides; these
 * controls only show the moves that fit the person's role and the submission's state.
 */
import {
  Alert,
  AlertText,
  Button,
  type ModalRef,
  ModalToggleButton,
  Textarea,
} from '@trussworks/react-uswds'
import { type ChangeEvent, type FormEvent, useRef, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { isProblem } from '../api.ts'
import { DateTimeInput, Field } from '../platform/Field.tsx'
import { fromLocalInput, localTimeZone, toLocalInput } from '../platform/format.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import {
  type Submission,
  type TransitionTarget,
  useAccept,
  useReschedule,
  useTransition,
  useWithdraw,
} from './api.ts'
import { ReasonModal } from './ReasonModal.tsx'
import type { SubmissionState } from './states.ts'

/** How each state change reads: the button, what it means, and what to say once done. */
const TRANSITION_COPY: Record<TransitionTarget, { label: string; explain: string; done: string }> =
  {
    determined: {
      label: 'Record determination',
      explain: 'Marks the review as determined. The lab sees the aggregate result.',
      done: 'Determination recorded.',
    },
    partner_access: {
      label: 'Open partner access',
      explain: 'Trusted partners chosen with the lab may now reach the model through the gateway.',
      done: 'Partner access is open.',
    },
    released: {
      label: 'Mark as released',
      explain: 'Records that you have released the model. You may release whenever you choose.',
      done: 'Marked as released.',
    },
  }

/** The program's next step from each state it moves a submission out of. */
const OFFICER_NEXT: Partial<Record<SubmissionState, TransitionTarget>> = {
  in_review: 'determined',
  determined: 'partner_access',
}

export function SubmissionActions({
  submission,
  session,
  onDone,
}: {
  submission: Submission
  session: Session
  onDone: (message: string) => void
}) {
  const isLab = hasRole(session, 'lab_member') && session.org?.id === submission.labOrgId
  const isOfficer = hasRole(session, 'program_officer')

  if (submission.state === 'withdrawn') {
    return (
      <p className="margin-0">This submission is withdrawn; nothing more happens to it here.</p>
    )
  }
  if (!isLab && !isOfficer)
    return <p className="margin-0">Your role here can read this submission but not change it.</p>

  return (
    <div className="ew-actions">
      {isOfficer && submission.state !== 'released' ? (
        <OfficerActions submission={submission} onDone={onDone} />
      ) : null}
      {isLab ? <LabActions submission={submission} onDone={onDone} /> : null}
    </div>
  )
}

function OfficerActions({
  submission,
  onDone,
}: {
  submission: Submission
  onDone: (m: string) => void
}) {
  const accept = useAccept(submission.id)
  const next = OFFICER_NEXT[submission.state]
  return (
    <section aria-labelledby="officer-actions" className="ew-action-group">
      <h3 id="officer-actions" className="ew-action-group__title">
        Program officer
      </h3>
      {submission.state === 'submitted' ? (
        <>
          <p className="ew-action-group__text">
            Accepting opens the {submission.offeredDays}-day review window the lab offered.
          </p>
          <ProblemAlert error={accept.error} />
          <Button
            type="button"
            disabled={accept.isPending}
            onClick={() =>
              accept.mutate(
                { revision: submission.revision },
                { onSuccess: () => onDone('Accepted. The review window is open.') },
              )
            }
          >
            {accept.isPending ? 'Accepting…' : 'Accept and open review window'}
          </Button>
        </>
      ) : next ? (
        <>
          <p className="ew-action-group__text">{TRANSITION_COPY[next].explain}</p>
          <TransitionButton submission={submission} to={next} onDone={onDone} />
        </>
      ) : (
        <p className="ew-action-group__text">No program step is due in this state.</p>
      )}
    </section>
  )
}

function LabActions({
  submission,
  onDone,
}: {
  submission: Submission
  onDone: (m: string) => void
}) {
  return (
    <section aria-labelledby="lab-actions" className="ew-action-group">
      <h3 id="lab-actions" className="ew-action-group__title">
        Your lab
      </h3>
      {submission.state === 'released' ? (
        <p className="ew-action-group__text">
          Released. Withdrawing now still ends the program’s access and destroys the stored
          credential.
        </p>
      ) : (
        <>
          <RescheduleForm submission={submission} onDone={onDone} />
          <TransitionButton submission={submission} to="released" outline onDone={onDone} />
        </>
      )}
      <WithdrawButton submission={submission} onDone={onDone} />
    </section>
  )
}

function TransitionButton(props: {
  submission: Submission
  to: TransitionTarget
  outline?: boolean
  onDone: (m: string) => void
}) {
  const { submission, to, outline, onDone } = props
  const { label, explain, done } = TRANSITION_COPY[to]
  const modal = useRef<ModalRef>(null)
  const transition = useTransition(submission.id)
  const id = `transition-${to}`
  return (
    <div className="margin-top-2">
      <ModalToggleButton
        modalRef={modal}
        opener
        outline={outline}
        className="width-full margin-right-0"
      >
        {label}
      </ModalToggleButton>
      <ReasonModal
        id={id}
        modalRef={modal}
        heading={`${label}?`}
        confirmLabel={label}
        reasonLabel="Note for the record"
        pending={transition.isPending}
        error={transition.error}
        onConfirm={(reason) =>
          transition.mutate(
            { to, reason: reason || undefined, revision: submission.revision },
            {
              onSuccess: () => {
                modal.current?.toggleModal(undefined, false)
                onDone(done)
              },
            },
          )
        }
      >
        <p>{explain}</p>
      </ReasonModal>
    </div>
  )
}

function WithdrawButton({
  submission,
  onDone,
}: {
  submission: Submission
  onDone: (m: string) => void
}) {
  const modal = useRef<ModalRef>(null)
  const withdraw = useWithdraw(submission.id)
  return (
    <div className="margin-top-2">
      <ModalToggleButton modalRef={modal} opener secondary className="width-full margin-right-0">
        Withdraw
      </ModalToggleButton>
      <ReasonModal
        id="withdraw"
        modalRef={modal}
        heading={`Withdraw ${submission.modelName} ${submission.modelVersion}?`}
        confirmLabel="Withdraw submission"
        reasonLabel="Reason"
        reasonRequired
        danger
        pending={withdraw.isPending}
        error={withdraw.error}
        onConfirm={(reason) =>
          withdraw.mutate(
            { reason },
            {
              onSuccess: () => {
                modal.current?.toggleModal(undefined, false)
                onDone(
                  'Withdrawn. The program’s access has ended and the stored credential is destroyed.',
                )
              },
            },
          )
        }
      >
        <p>
          Withdrawing ends the review now. The program’s access to your endpoint stops and the
          stored credential is destroyed. You do not need anyone’s agreement, and it does not affect
          your release.
        </p>
      </ReasonModal>
    </div>
  )
}

function RescheduleForm({
  submission,
  onDone,
}: {
  submission: Submission
  onDone: (m: string) => void
}) {
  const reschedule = useReschedule(submission.id)
  const [editing, setEditing] = useState(false)
  const [partner, setPartner] = useState(toLocalInput(submission.partnerReleaseAt))
  const [pub, setPub] = useState(toLocalInput(submission.publicReleaseAt))
  const [reason, setReason] = useState('')
  const problem = isProblem(reschedule.error) ? reschedule.error : undefined

  if (!editing) {
    return (
      <Button
        type="button"
        outline
        className="width-full margin-right-0"
        onClick={() => setEditing(true)}
      >
        Move release dates
      </Button>
    )
  }

  function submit(e: FormEvent) {
    e.preventDefault()
    const body = {
      partnerReleaseAt: changedDate(partner, submission.partnerReleaseAt),
      publicReleaseAt: changedDate(pub, submission.publicReleaseAt),
      reason: reason.trim() || undefined,
      revision: submission.revision,
    }
    reschedule.mutate(body, {
      onSuccess: () => {
        setEditing(false)
        setReason('')
        onDone('Release dates moved. No approval was needed.')
      },
    })
  }

  return (
    <form className="ew-reschedule" onSubmit={submit} noValidate aria-label="Move release dates">
      <Alert type="info" slim noIcon className="margin-y-1">
        <AlertText>Your dates are yours to move; this only tells the program.</AlertText>
      </Alert>
      <ProblemAlert error={problem && problem.errors.length > 0 ? undefined : reschedule.error} />
      <Field
        id="reschedule-partner"
        label="Partner release"
        hint={`Time zone: ${localTimeZone}`}
        error={problem?.fieldMessage('partnerReleaseAt')}
      >
        {(a) => (
          <DateTimeInput {...a} name="partnerReleaseAt" value={partner} onChange={setPartner} />
        )}
      </Field>
      <Field
        id="reschedule-public"
        label="Public release"
        hint={`Time zone: ${localTimeZone}`}
        error={problem?.fieldMessage('publicReleaseAt')}
      >
        {(a) => <DateTimeInput {...a} name="publicReleaseAt" value={pub} onChange={setPub} />}
      </Field>
      <Field
        id="reschedule-reason"
        label="Note for the program"
        optional
        error={problem?.fieldMessage('reason')}
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
      <div className="ew-form-actions">
        <Button type="submit" disabled={reschedule.isPending}>
          {reschedule.isPending ? 'Saving…' : 'Save dates'}
        </Button>
        <Button type="button" unstyled onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

/** Only dates the person changed are sent: a new instant, or null when a date was cleared. */
function changedDate(input: string, current: string | null): string | null | undefined {
  if (input === toLocalInput(current)) return undefined
  return input ? fromLocalInput(input) : null
}
