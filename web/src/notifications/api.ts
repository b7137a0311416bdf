/** Notifications for the organisation the person acts for. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../api.ts'

export interface Notification {
  id: string
  kind: string
  title: string
  body?: string | null
  /** Where the notification leads, as an app path (`/submissions/…`). */
  link?: string | null
  submissionId?: string | null
  createdAt: string
  readAt?: string | null
}

export interface NotificationList {
  items: Notification[]
  unread: number
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
    mutationFn: (id: string) => api(`/api/notifications/${encodeURIComponent(id)}/read`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: notificationsKey }),
  })
}
