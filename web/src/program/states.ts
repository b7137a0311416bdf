/**
 * Submission states as people read them: one label, one colour (shared by tags, chart bars
 * and legend, each at least 4.5:1 against white text) and one sentence of meaning.
 */

export const SUBMISSION_STATES = [
  'submitted',
  'in_review',
  'determined',
  'partner_access',
  'released',
  'withdrawn',
] as const
export type SubmissionState = (typeof SUBMISSION_STATES)[number]

export const STATE_INFO: Record<
  SubmissionState,
  { label: string; color: string; meaning: string }
> = {
  submitted: {
    label: 'Submitted',
    color: '#565c65',
    meaning: 'Registered by the lab; the program has not accepted it yet.',
  },
  in_review: {
    label: 'In review',
    color: '#005ea2',
    meaning: 'Accepted; the review window is open.',
  },
  determined: {
    label: 'Determined',
    color: '#5e519e',
    meaning: 'The program has recorded its determination.',
  },
  partner_access: {
    label: 'Partner access',
    color: '#a15c00',
    meaning: 'Trusted partners have early access.',
  },
  released: { label: 'Released', color: '#216e1f', meaning: 'The lab has released the model.' },
  withdrawn: {
    label: 'Withdrawn',
    color: '#71767a',
    meaning: 'The lab withdrew; the program’s access ended.',
  },
}

export function stateLabel(state: string): string {
  return STATE_INFO[state as SubmissionState]?.label ?? state
}
