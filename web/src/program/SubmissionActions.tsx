/**
 * What the person may do with a submission: a lab moves its dates, marks its release or
 * withdraws; a program officer accepts it and records its progress. The server decides; these
 * controls only show the moves that fit the person's role and the submission's state.
 */
import { Button, type ModalRef, ModalToggleButton } from '@trussworks/react-uswds'
import { useRef } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import {
  type Submission,
  type TransitionTarget,
  useAccept,
  useTransition,
  useWithdraw,
} from './api.ts'
import { ReasonModal } from './ReasonModal.tsx'
import { RescheduleForm } from './RescheduleForm.tsx'
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
