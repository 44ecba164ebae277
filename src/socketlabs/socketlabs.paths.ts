import type { HttpMethod, SocketLabsRoute } from './socketlabs.types';

/**
 * Every SocketLabs operation this service performs: its name, verb and path, in ONE table, so that a
 * path or verb the documents got wrong is a one-line fix here. Use it by spreading a route into a call:
 *
 *   this.socketlabs.call<SocketLabsIpPool>({ ...SocketLabsPaths.createIpPool(), body })
 *
 * Sources (docs/socketlabs-wire-format.md §4): [C] documented by SocketLabs; `// undocumented:` marks a path
 * or verb chosen by the documented style (lower case, dashes, singular resource names, `/:id` below the
 * collection). v2 paths are case-insensitive and ignore trailing slashes.
 */

/** Path parameters are encoded here, so a domain or id can never change the path's shape. */
const seg = (value: string | number): string => encodeURIComponent(String(value));

const route = (operation: string, method: HttpMethod, path: string, idempotent?: boolean): SocketLabsRoute =>
  idempotent === undefined ? { operation, method, path } : { operation, method, path, idempotent };

const sub = (subaccountId: number | string) => `/v2/subaccount/${seg(subaccountId)}`;

export const SocketLabsPaths = {
  // ---- Account ----------------------------------------------------------------------------------
  /** [C] S-QS, with pageNumber, pageSize, sortField, sortDirection, filters. */
  listIpAllocations: () => route('accounts.listIpAllocations', 'GET', '/v2/ip-allocation'),
  // undocumented: S-QS prints only the base URL for the IP pool create call; singular style of the others.
  createIpPool: () => route('accounts.createIpPool', 'POST', '/v2/ip-pool'),
  // undocumented: list of the collection above.
  listIpPools: () => route('accounts.listIpPools', 'GET', '/v2/ip-pool'),

  // [X] POST per S-QS, GET per S-ACCT; POST chosen (the quickstart gives the whole request).
  generateAccountEventWebhookSecretKey: () =>
    route('accounts.generateEventWebhookSecretKey', 'POST', '/v2/event-webhook/generate-secret-key'),
  // undocumented: verbs of the collection; the `/v2/event-webhook/:webhookId` resource is documented.
  listAccountEventWebhooks: () => route('accounts.listEventWebhooks', 'GET', '/v2/event-webhook'),
  createAccountEventWebhook: () => route('accounts.createEventWebhook', 'POST', '/v2/event-webhook'),
  getAccountEventWebhook: (webhookId: string | number) =>
    route('accounts.getEventWebhook', 'GET', `/v2/event-webhook/${seg(webhookId)}`),
  // undocumented: PUT, as for the SMTP password update.
  updateAccountEventWebhook: (webhookId: string | number) =>
    route('accounts.updateEventWebhook', 'PUT', `/v2/event-webhook/${seg(webhookId)}`),
  deleteAccountEventWebhook: (webhookId: string | number) =>
    route('accounts.deleteEventWebhook', 'DELETE', `/v2/event-webhook/${seg(webhookId)}`),
  /** [C] S-QS, S-ACCT: GET with `?type=Sent` (other types by the event list). */
  testAccountEventWebhook: (webhookId: string | number) =>
    route('accounts.testEventWebhook', 'GET', `/v2/event-webhook/${seg(webhookId)}/perform-test`),

  // ---- Subaccounts --------------------------------------------------------------------------------
  /** [C] S-QS: body `{ name, ipPoolId }` or `{ name, useRuleEngine }`. */
  createSubaccount: () => route('subaccounts.createSubaccount', 'POST', '/v2/subaccount'),
  // undocumented: list/get/update/delete of the documented collection.
  listSubaccounts: () => route('subaccounts.listSubaccounts', 'GET', '/v2/subaccount'),
  getSubaccount: (subaccountId: number | string) => route('subaccounts.getSubaccount', 'GET', sub(subaccountId)),
  updateSubaccount: (subaccountId: number | string) => route('subaccounts.updateSubaccount', 'PUT', sub(subaccountId)),
  deleteSubaccount: (subaccountId: number | string) =>
    route('subaccounts.deleteSubaccount', 'DELETE', sub(subaccountId)),

  /** [C] S-QS, S-INJV2: creates the subaccount's Injection API key; answers `{ serverId, apiKey, gateway }`. */
  createSubaccountInjectionApiCredentials: (subaccountId: number | string) =>
    route('subaccounts.createInjectionApiCredentials', 'POST', `${sub(subaccountId)}/credentials/injection-api`),
  /** [C] path S-QS; [X] its sample uses POST on /v2/servers/:id, GET chosen for a read. */
  getSubaccountSmtpCredentials: (subaccountId: number | string) =>
    route('subaccounts.getSmtpCredentials', 'GET', `${sub(subaccountId)}/credentials/smtp`),
  /** [C] S-QS: PUT `{ password }`. */
  setSubaccountSmtpPassword: (subaccountId: number | string) =>
    route('subaccounts.setSmtpPassword', 'PUT', `${sub(subaccountId)}/credentials/smtp`),

  // undocumented: subaccount event webhooks, the account resource below the subaccount.
  generateSubaccountEventWebhookSecretKey: (subaccountId: number | string) =>
    route(
      'subaccounts.generateEventWebhookSecretKey',
      'POST',
      `${sub(subaccountId)}/event-webhook/generate-secret-key`,
    ),
  listSubaccountEventWebhooks: (subaccountId: number | string) =>
    route('subaccounts.listEventWebhooks', 'GET', `${sub(subaccountId)}/event-webhook`),
  createSubaccountEventWebhook: (subaccountId: number | string) =>
    route('subaccounts.createEventWebhook', 'POST', `${sub(subaccountId)}/event-webhook`),
  getSubaccountEventWebhook: (subaccountId: number | string, webhookId: string | number) =>
    route('subaccounts.getEventWebhook', 'GET', `${sub(subaccountId)}/event-webhook/${seg(webhookId)}`),
  updateSubaccountEventWebhook: (subaccountId: number | string, webhookId: string | number) =>
    route('subaccounts.updateEventWebhook', 'PUT', `${sub(subaccountId)}/event-webhook/${seg(webhookId)}`),
  deleteSubaccountEventWebhook: (subaccountId: number | string, webhookId: string | number) =>
    route('subaccounts.deleteEventWebhook', 'DELETE', `${sub(subaccountId)}/event-webhook/${seg(webhookId)}`),
  testSubaccountEventWebhook: (subaccountId: number | string, webhookId: string | number) =>
    route('subaccounts.testEventWebhook', 'GET', `${sub(subaccountId)}/event-webhook/${seg(webhookId)}/perform-test`),

  // ---- Authentication: DKIM and custom bounce domains ------------------------------------------
  /**
   * [C] S-QS: POST `?domain=&selector=` without a body generates a key pair; with a body
   * `{ domain, selector, privateKey }` it validates and stores the given key. Both create an entry.
   */
  createSubaccountDkim: (subaccountId: number | string) =>
    route('authentication.createDkim', 'POST', `${sub(subaccountId)}/dkim`),
  // undocumented: list, and delete by domain (the v1 API keyed DKIM entries by domain).
  listSubaccountDkim: (subaccountId: number | string) =>
    route('authentication.listDkim', 'GET', `${sub(subaccountId)}/dkim`),
  deleteSubaccountDkim: (subaccountId: number | string, domain: string) =>
    route('authentication.deleteDkim', 'DELETE', `${sub(subaccountId)}/dkim/${seg(domain)}`),

  /** [C] S-QS: `{ domain, isDefault }`. */
  createSubaccountBounceDomain: (subaccountId: number | string) =>
    route('authentication.createBounceDomain', 'POST', `${sub(subaccountId)}/bounce`),
  // undocumented: list/get/update/delete by domain, as the v1 API did (`/v1/servers/{id}/bounce/{domain}`).
  listSubaccountBounceDomains: (subaccountId: number | string) =>
    route('authentication.listBounceDomains', 'GET', `${sub(subaccountId)}/bounce`),
  getSubaccountBounceDomain: (subaccountId: number | string, domain: string) =>
    route('authentication.getBounceDomain', 'GET', `${sub(subaccountId)}/bounce/${seg(domain)}`),
  updateSubaccountBounceDomain: (subaccountId: number | string, domain: string) =>
    route('authentication.updateBounceDomain', 'PUT', `${sub(subaccountId)}/bounce/${seg(domain)}`),
  deleteSubaccountBounceDomain: (subaccountId: number | string, domain: string) =>
    route('authentication.deleteBounceDomain', 'DELETE', `${sub(subaccountId)}/bounce/${seg(domain)}`),

  // ---- Tracking domains -----------------------------------------------------------------------
  /** [C] S-QS (its "Endpoint" line says /dkim by mistake; the request uses /tracking). */
  createSubaccountTrackingDomain: (subaccountId: number | string) =>
    route('tracking.createTrackingDomain', 'POST', `${sub(subaccountId)}/tracking`),
  // undocumented: list/get/update/delete by domain, like bounce domains.
  listSubaccountTrackingDomains: (subaccountId: number | string) =>
    route('tracking.listTrackingDomains', 'GET', `${sub(subaccountId)}/tracking`),
  getSubaccountTrackingDomain: (subaccountId: number | string, domain: string) =>
    route('tracking.getTrackingDomain', 'GET', `${sub(subaccountId)}/tracking/${seg(domain)}`),
  updateSubaccountTrackingDomain: (subaccountId: number | string, domain: string) =>
    route('tracking.updateTrackingDomain', 'PUT', `${sub(subaccountId)}/tracking/${seg(domain)}`),
  deleteSubaccountTrackingDomain: (subaccountId: number | string, domain: string) =>
    route('tracking.deleteTrackingDomain', 'DELETE', `${sub(subaccountId)}/tracking/${seg(domain)}`),

  // ---- Injection API (base SOCKETLABS_INJECT_URL; used by SocketLabsClient.inject) ----------------
  /** [C] every official SDK. */
  injectEmail: () => route('sending.inject', 'POST', '/api/v1/email'),
} as const;
