/** Notifications for the organisation the person acts for. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api.ts'

export interface Notification {
  id: string
  orgId: string
  /** A stable dotted name, e.g. `program.window_opens`. */
  kind: string
  subjectType: string
  subjectId: string
  title: string
  body: string
  /** Where the subject can be seen in this app, e.g. `/submissions/sub_…`. */
  link: string | null
  createdAt: string
  readAt: string | null
}

export interface NotificationList {
  items: Notification[]
  /** Unread notifications of the organisation, whatever the page. */
  unread: number
  total: number
}

export const notificationsKey = ['notifications'] as const

export function useNotifications() {
  return useQuery({
    queryKey: notificationsKey,
    queryFn: () => api<NotificationList>('/api/notifications'),
    // Deadlines and reviews happen while the page is open; a minute is soon enough.
    refetchInterval: 60_000,
  })
}

export function useMarkRead() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) =>
      api(`/api/notifications/${encodeURIComponent(id)}/read`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: notificationsKey }),
  })
}
