// /v1/webhooks: the signed-in caller's webhook endpoints, their secrets and their delivery log.
import {
  CreateWebhookRequest,
  PROBLEM_CONTENT_TYPE,
  Problem,
  RotatedWebhookSecret,
  UpdateWebhookRequest,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookList,
  WebhookParams,
} from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { WebhookService } from './webhook.service.js';

const problem = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } });
const notFound = { 404: problem('No such webhook or delivery, or not yours (`NOT_FOUND`).') };
const urlRefused = {
  400: problem(
    'Malformed (`BAD_REQUEST`), or the URL is refused (`WEBHOOK_URL_REFUSED`): not http(s), credentials in it, or ' +
      'a literal address in a loopback, private, link-local or metadata range.',
  ),
};
const disabled = { 409: problem('The webhook is disabled (`CONFLICT`); enable it first.') };

export const webhookRoutes: FastifyPluginAsyncZod<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  const common = { tags: ['webhooks'], security: bearerAuth };
  const owner = (req: { viewerId: string | null }) => req.viewerId as string;

  app.post(
    '/v1/webhooks',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Register an endpoint; its signing secret is in this answer only',
        body: CreateWebhookRequest,
        response: { 201: WebhookEndpointWithSecret, ...problemResponses(401, 429), ...urlRefused },
      },
    },
    async (req, reply) => reply.code(201).send(await webhooks.create(owner(req), req.body)),
  );

  app.get(
    '/v1/webhooks',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Your endpoints, newest first',
        response: { 200: WebhookList, ...problemResponses(401, 429) },
      },
    },
    async (req) => ({ items: await webhooks.list(owner(req)) }),
  );

  app.get(
    '/v1/webhooks/:id',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'One of your endpoints (why it was disabled, if it was)',
        params: WebhookParams,
        response: { 200: WebhookEndpoint, ...problemResponses(400, 401, 429), ...notFound },
      },
    },
    async (req) => webhooks.get(req.params.id, owner(req)),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Change its URL, events or description; enable or disable it',
        params: WebhookParams,
        body: UpdateWebhookRequest,
        response: { 200: WebhookEndpoint, ...problemResponses(401, 429), ...urlRefused, ...notFound },
      },
    },
    async (req) => webhooks.update(req.params.id, owner(req), req.body),
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Delete the endpoint and its delivery log',
        params: WebhookParams,
        response: { 204: z.undefined().describe('Deleted'), ...problemResponses(400, 401, 429), ...notFound },
      },
    },
    async (req, reply) => {
      await webhooks.remove(req.params.id, owner(req));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/webhooks/:id/rotate',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'A new signing secret; the previous one keeps signing (a second signature) for a grace period',
        params: WebhookParams,
        response: { 200: RotatedWebhookSecret, ...problemResponses(400, 401, 429), ...notFound },
      },
    },
    async (req) => webhooks.rotate(req.params.id, owner(req)),
  );

  app.post(
    '/v1/webhooks/:id/test',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Send a `webhook.test` event to the endpoint (asynchronously: follow it in the delivery log)',
        params: WebhookParams,
        response: { 202: WebhookDelivery, ...problemResponses(400, 401, 429), ...notFound, ...disabled },
      },
    },
    async (req, reply) => reply.code(202).send(await webhooks.test(req.params.id, owner(req))),
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'The newest deliveries to the endpoint, each with every attempt',
        params: WebhookParams,
        response: { 200: WebhookDeliveryPage, ...problemResponses(400, 401, 429), ...notFound },
      },
    },
    async (req) => ({ items: await webhooks.deliveries(req.params.id, owner(req)) }),
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      onRequest: app.requireUser,
      schema: {
        ...common,
        summary: 'Send a delivery again now, with the same webhook-id and body',
        params: WebhookDeliveryParams,
        response: { 202: WebhookDelivery, ...problemResponses(400, 401, 429), ...notFound, ...disabled },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await webhooks.redeliver(req.params.id, owner(req), req.params.deliveryId)),
  );
};
