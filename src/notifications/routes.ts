/** HTTP routes for the notifications of the organisation the caller acts for. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import { NOTIFICATION_PAGE_MAX } from './model.ts'
import type { NotificationsService } from './service.ts'

export const ZNotification = z.object({
  id: z.string(),
  orgId: z.string(),
  kind: z.string(),
  subjectType: z.string(),
  subjectId: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable().describe('Path in the web app where the subject can be seen'),
  createdAt: z.date(),
  readAt: z.date().nullable(),
})

export const ZListNotificationsQuery = z
  .object({
    unread: z.enum(['true', 'false']).optional().describe('true: only unread notifications'),
    limit: z.coerce.number().int().min(1).max(NOTIFICATION_PAGE_MAX).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()

export const ZNotificationList = z.object({
  items: z.array(ZNotification),
  unread: z.number().int().describe('Unread notifications of your organisation'),
  total: z.number().int().describe('Notifications matching the filter, across all pages'),
})

const ZParams = z
  .object({
    id: z.string().regex(ID_PATTERN, 'must be a notification id such as ntf_0123456789abcdef'),
  })
  .strict()

export function notificationsRoutes(deps: {
  notifications: NotificationsService
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    const access = 'signed-in' as const

    app.get(
      '/notifications',
      {
        config: { access },
        schema: {
          tags: ['notifications'],
          summary: 'Notifications for the organisation you act for, newest first',
          querystring: ZListNotificationsQuery,
          response: { 200: ZNotificationList },
        },
      },
      async (req) =>
        deps.notifications.list(requirePrincipal(req), {
          unreadOnly: req.query.unread === 'true',
          limit: req.query.limit,
          offset: req.query.offset,
        }),
    )

    app.post(
      '/notifications/:id/read',
      {
        config: { access },
        schema: {
          tags: ['notifications'],
          summary: 'Mark a notification read',
          params: ZParams,
          // Nothing to send; an empty object (or no body) is fine, anything else is a mistake.
          body: z.object({}).strict().nullish(),
          response: { 200: ZNotification },
        },
      },
      async (req) => deps.notifications.markRead(requirePrincipal(req), req.params.id),
    )
  }
}
