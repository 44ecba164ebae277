import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config';
import { AppException } from '../core/http/app.exception';
import { SocketLabsApiException, SocketLabsErrorCode } from '../socketlabs/socketlabs.errors';
import { ENDPOINT_ID } from './endpoints/endpoint.resolver';
import { WebhookEndpointsService } from './endpoints/webhook-endpoints.service';
import { RECEIVER_PATH } from './receiver/webhook-receiver.transport';
import { errorMessage } from '../core/error-message';

/** The event webhook fields this service looks at (the rest of the body is passed through untouched). */
export interface EventWebhookCreateBody {
  url: string;
  name?: string;
  secretKey?: string;
  [field: string]: unknown;
}

export interface EventWebhookRegistrationOptions<T> {
  /** For a subaccount webhook: the receiver endpoint then refuses events of another subaccount. */
  subaccountId?: number;
  /** SocketLabs' generate-secret-key call of the same scope (account or subaccount); resolves to the key. */
  generateSecretKey: () => Promise<string>;
  /** SocketLabs' create call; gets the body to send (URL and secret possibly rewritten). */
  create: (body: EventWebhookCreateBody) => Promise<T>;
}

/** What the caller gets: SocketLabs' answer, plus the receiver endpoint registered for it, if any. */
export type RegisteredEventWebhook<T> = T & { receiverEndpointId?: string };

/** Where an event webhook URL points, seen from this service. */
export type ReceiverTarget = { kind: 'elsewhere' } | { kind: 'new' } | { kind: 'existing'; endpointId: string };

/** A registration made before the SocketLabs call, and how to take it back. */
interface Registration {
  endpointId: string;
  url: string;
  undo: () => Promise<void>;
  describe: string;
}

/**
 * Registers the receiver endpoint of an event webhook that points at this service, BEFORE SocketLabs is
 * asked to create the webhook: SocketLabs posts its Validation event as soon as the webhook exists, and
 * that post must already find the endpoint and its secret.
 *
 * - `${PUBLIC_URL}/webhooks/socketlabs`: a new receiver endpoint is created and the URL sent to SocketLabs
 *   becomes `${PUBLIC_URL}/webhooks/socketlabs/<its id>`.
 * - `${PUBLIC_URL}/webhooks/socketlabs/<id>`: the secret is added to that endpoint (unless it already has it);
 *   an unknown id is a 400 before any SocketLabs call.
 * - Any other URL is left alone.
 *
 * The secret is the body's `secretKey`, or one from SocketLabs' generate-secret-key, put in the body. When
 * SocketLabs refuses the create, the registration is undone (the added secret removed, the new endpoint
 * disabled). When the failure leaves open whether SocketLabs created the webhook (timeout, broken connection,
 * 5xx), the registration is KEPT: undoing it could make the receiver refuse the events of a webhook that
 * does exist, while keeping it costs an unused endpoint at worst.
 */
@Injectable()
export class EventWebhookRegistrationService {
  private readonly logger = new Logger('EventWebhookRegistration');

  constructor(
    private readonly config: AppConfig,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  /** Creates the webhook through `options.create`, registering (and if need be undoing) the receiver endpoint around it. */
  async createEventWebhook<T extends object>(
    body: EventWebhookCreateBody,
    options: EventWebhookRegistrationOptions<T>,
  ): Promise<RegisteredEventWebhook<T>> {
    const target = this.targetOf(body.url);
    if (target.kind === 'elsewhere') return options.create(body);

    // Refuse what cannot work before anything is created or generated anywhere.
    if (target.kind === 'existing') await this.checkExisting(target.endpointId, options.subaccountId);

    const secretKey = body.secretKey ?? (await this.generatedSecret(options));
    const registration =
      target.kind === 'new'
        ? await this.registerNew(body, secretKey, options.subaccountId)
        : await this.registerExisting(target.endpointId, secretKey);

    let created: T;
    try {
      created = await options.create({ ...body, url: registration.url, secretKey });
    } catch (err) {
      throw await this.afterFailedCreate(err, registration);
    }
    this.logger.log(
      `event webhook created for receiver endpoint ${registration.endpointId}${scopeText(options.subaccountId)}`,
    );
    return { ...created, receiverEndpointId: registration.endpointId };
  }

  /**
   * Whether `url` points at this service's receiver, and at which endpoint; 400 for a receiver URL of the
   * wrong form. Scheme and host compare case-insensitively, the path exactly (the receiver's routes do).
   */
  targetOf(url: string): ReceiverTarget {
    const base = this.receiverBase();
    if (!base) return { kind: 'elsewhere' };
    let given: URL;
    try {
      given = new URL(url);
    } catch {
      return { kind: 'elsewhere' };
    }
    if (given.origin !== base.origin || !given.pathname.startsWith(base.pathname)) return { kind: 'elsewhere' };
    const rest = given.pathname.slice(base.pathname.length);
    const id = /^\/([^/]+)\/?$/.exec(rest)?.[1];
    const plain = !given.search && !given.hash && !given.username && !given.password;
    if (plain && (rest === '' || rest === '/')) return { kind: 'new' };
    if (plain && id && ENDPOINT_ID.test(id)) return { kind: 'existing', endpointId: id.toLowerCase() };
    throw new AppException(
      HttpStatus.BAD_REQUEST,
      'RECEIVER_URL_INVALID',
      `url points at this service's receiver but is neither ${base.href} nor ${base.href}/<receiver endpoint id>`,
    );
  }

  /** `${PUBLIC_URL}/webhooks/socketlabs` parsed, or null when PUBLIC_URL is not set. */
  private receiverBase(): URL | null {
    const publicUrl = this.config.http.publicUrl;
    if (!publicUrl) return null;
    return new URL(`${publicUrl.replace(/\/+$/, '')}${RECEIVER_PATH}`);
  }

  private receiverUrl(endpointId: string): string {
    return `${this.receiverBase()!.href}/${endpointId}`;
  }

  private async checkExisting(endpointId: string, subaccountId: number | undefined): Promise<void> {
    const endpoint = await this.endpoints.get(endpointId).catch((err: unknown) => {
      if (err instanceof AppException && err.getStatus() === (HttpStatus.NOT_FOUND as number)) {
        throw new AppException(
          HttpStatus.BAD_REQUEST,
          'RECEIVER_ENDPOINT_UNKNOWN',
          `url names receiver endpoint ${endpointId}, which does not exist`,
        );
      }
      throw err;
    });
    if (!endpoint.enabled) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        'RECEIVER_ENDPOINT_DISABLED',
        `Receiver endpoint ${endpointId} is disabled: enable it first, or use a new one`,
      );
    }
    if (
      subaccountId !== undefined &&
      endpoint.expectedSubaccountId !== null &&
      endpoint.expectedSubaccountId !== subaccountId
    ) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        'RECEIVER_ENDPOINT_MISMATCH',
        `Receiver endpoint ${endpointId} only accepts events of subaccount ${endpoint.expectedSubaccountId}, not ${subaccountId}`,
      );
    }
  }

  private async generatedSecret<T>(options: EventWebhookRegistrationOptions<T>): Promise<string> {
    const key = await options.generateSecretKey();
    if (typeof key !== 'string' || key.length === 0) {
      throw new AppException(
        HttpStatus.BAD_GATEWAY,
        SocketLabsErrorCode.BadResponse,
        'SocketLabs answered generate-secret-key without a key',
      );
    }
    return key;
  }

  private async registerNew(
    body: EventWebhookCreateBody,
    secretKey: string,
    subaccountId: number | undefined,
  ): Promise<Registration> {
    const label = body.name ?? 'event webhook';
    const endpoint = await this.endpoints.create({
      name:
        subaccountId === undefined ? `SocketLabs account: ${label}` : `SocketLabs subaccount ${subaccountId}: ${label}`,
      secretKeys: [secretKey],
      expectedSubaccountId: subaccountId ?? null,
    });
    return {
      endpointId: endpoint.id,
      url: this.receiverUrl(endpoint.id),
      describe: `new receiver endpoint ${endpoint.id} (disabled)`,
      undo: async () => {
        await this.endpoints.disable(endpoint.id);
      },
    };
  }

  private async registerExisting(endpointId: string, secretKey: string): Promise<Registration> {
    const url = this.receiverUrl(endpointId);
    const noUndo: Registration = {
      endpointId,
      url,
      describe: 'nothing (the secret was already there)',
      undo: () => Promise.resolve(),
    };
    try {
      const { secret } = await this.endpoints.addSecret(endpointId, secretKey);
      return {
        endpointId,
        url,
        describe: `secret ${secret.id} of receiver endpoint ${endpointId} (removed)`,
        undo: async () => {
          await this.endpoints.removeSecret(endpointId, secret.id);
        },
      };
    } catch (err) {
      // Already there (added before, or concurrently by another request): it is not ours to remove.
      if (err instanceof AppException && err.code === 'SECRET_EXISTS') return noUndo;
      throw err;
    }
  }

  /** The error to give the caller once the SocketLabs create has failed, after undoing what it safely can. */
  private async afterFailedCreate(err: unknown, registration: Registration): Promise<unknown> {
    if (!certainlyNotCreated(err)) {
      this.logger.warn(`event webhook create failed ambiguously; kept receiver endpoint ${registration.endpointId}`);
      if (!(err instanceof SocketLabsApiException)) return err;
      return new SocketLabsApiException(
        err.getStatus(),
        err.code as SocketLabsErrorCode,
        `${err.message} Receiver endpoint ${registration.endpointId} was kept, so that events reach it if SocketLabs did create the webhook.`,
        err.socketlabs,
      );
    }
    try {
      await registration.undo();
      this.logger.log(`event webhook create refused by SocketLabs; undid ${registration.describe}`);
    } catch (undoErr) {
      this.logger.error(
        `could not undo the registration of receiver endpoint ${registration.endpointId}: ${errorMessage(undoErr)}`,
      );
    }
    return err;
  }
}

/**
 * True when SocketLabs cannot have created the webhook: it answered a 4xx (including 429), refused our key,
 * or was never called. A timeout, a broken connection, a 5xx or a success we could not read leave it open.
 */
export function certainlyNotCreated(err: unknown): boolean {
  if (!(err instanceof SocketLabsApiException)) return true;
  const { upstreamStatus } = err.socketlabs;
  if (err.code === SocketLabsErrorCode.NotConfigured || err.code === SocketLabsErrorCode.AuthFailed) return true;
  if (upstreamStatus !== undefined && upstreamStatus < 500) return true;
  // 503: the service was unavailable, nothing was done (the client retries POSTs on it for the same reason).
  return upstreamStatus === 503;
}

function scopeText(subaccountId: number | undefined): string {
  return subaccountId === undefined ? ' (account)' : ` (subaccount ${subaccountId})`;
}
