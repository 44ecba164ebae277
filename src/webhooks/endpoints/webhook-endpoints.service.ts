import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppException, NotFoundAppException } from '../../core/http/app.exception';
import { EndpointSecret, WebhookEndpointEntity } from '../entities/webhook-endpoint.entity';
import { generateSecretKey, MAX_SECRETS_PER_ENDPOINT, toEndpointSecret } from './endpoint-secrets';
import { EndpointResolver } from './endpoint.resolver';

export interface CreateWebhookEndpointInput {
  name: string;
  /** The secret keys in clear, at least one (only their hashes are stored: a key generated for the caller is its to return). */
  secretKeys: string[];
  validationKey?: string | null;
  expectedServerId?: number | null;
  expectedSubaccountId?: number | null;
  enabled?: boolean;
}

export interface UpdateWebhookEndpointInput {
  name?: string;
  validationKey?: string | null;
  expectedServerId?: number | null;
  expectedSubaccountId?: number | null;
  enabled?: boolean;
}

export interface ListWebhookEndpointsInput {
  skip: number;
  take: number;
  sortField: 'createdAt' | 'name';
  sortDirection: 'asc' | 'desc';
  enabled?: boolean;
}

/**
 * The registry of receiver endpoints (`webhook_endpoints`). Other modules use `create` to register the endpoint
 * of a SocketLabs event webhook they create. Every change drops the receiver's cached copy in this process;
 * other processes see it within ENDPOINT_CACHE_TTL_MS.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly repo: Repository<WebhookEndpointEntity>,
    private readonly resolver: EndpointResolver,
  ) {}

  async create(input: CreateWebhookEndpointInput): Promise<WebhookEndpointEntity> {
    const keys = [...new Set(input.secretKeys)];
    if (keys.length > MAX_SECRETS_PER_ENDPOINT) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        'TOO_MANY_SECRETS',
        `An endpoint has at most ${MAX_SECRETS_PER_ENDPOINT} secrets`,
      );
    }
    const now = new Date();
    const entity = await this.repo.save(
      this.repo.create({
        name: input.name,
        secrets: keys.map((k) => toEndpointSecret(k, now)),
        validationKey: input.validationKey ?? null,
        expectedServerId: input.expectedServerId ?? null,
        expectedSubaccountId: input.expectedSubaccountId ?? null,
        enabled: input.enabled ?? true,
      }),
    );
    await this.resolver.changed(entity.id);
    return entity;
  }

  list(q: ListWebhookEndpointsInput): Promise<[WebhookEndpointEntity[], number]> {
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    return this.repo.findAndCount({
      where: q.enabled === undefined ? {} : { enabled: q.enabled },
      order: { [q.sortField]: direction, id: direction },
      skip: q.skip,
      take: q.take,
    });
  }

  async get(id: string): Promise<WebhookEndpointEntity> {
    const row = await this.repo.findOne({ where: { id } });
    if (!row) throw new NotFoundAppException('Webhook endpoint', id);
    return row;
  }

  update(id: string, patch: UpdateWebhookEndpointInput): Promise<WebhookEndpointEntity> {
    return this.change(id, (row) => {
      if (patch.name !== undefined) row.name = patch.name;
      if (patch.validationKey !== undefined) row.validationKey = patch.validationKey;
      if (patch.expectedServerId !== undefined) row.expectedServerId = patch.expectedServerId;
      if (patch.expectedSubaccountId !== undefined) row.expectedSubaccountId = patch.expectedSubaccountId;
      if (patch.enabled !== undefined) row.enabled = patch.enabled;
    });
  }

  /** Adds a secret for a rotation: both the old and the new one are accepted until the old one is removed. */
  async addSecret(
    id: string,
    secretKey?: string,
  ): Promise<{ entity: WebhookEndpointEntity; secret: EndpointSecret; secretKey: string }> {
    const key = secretKey ?? generateSecretKey();
    const secret = toEndpointSecret(key);
    const entity = await this.change(id, (row) => {
      if (row.secrets.some((s) => s.hash === secret.hash)) {
        throw new AppException(HttpStatus.CONFLICT, 'SECRET_EXISTS', 'This secret is already active on the endpoint');
      }
      if (row.secrets.length >= MAX_SECRETS_PER_ENDPOINT) {
        throw new AppException(
          HttpStatus.CONFLICT,
          'TOO_MANY_SECRETS',
          `An endpoint has at most ${MAX_SECRETS_PER_ENDPOINT} secrets: remove one first`,
        );
      }
      row.secrets = [...row.secrets, secret];
    });
    return { entity, secret, secretKey: key };
  }

  /** Removes one secret; posts carrying it are refused from then on. The last secret cannot be removed. */
  removeSecret(id: string, secretId: string): Promise<WebhookEndpointEntity> {
    return this.change(id, (row) => {
      if (!row.secrets.some((s) => s.id === secretId)) throw new NotFoundAppException('Secret', secretId);
      if (row.secrets.length === 1) {
        throw new AppException(
          HttpStatus.CONFLICT,
          'LAST_SECRET',
          'An endpoint needs at least one secret: add the new one before removing this one',
        );
      }
      row.secrets = row.secrets.filter((s) => s.id !== secretId);
    });
  }

  /** Disables the endpoint (401 to every post); the row and its events are kept. */
  disable(id: string): Promise<WebhookEndpointEntity> {
    return this.change(id, (row) => {
      row.enabled = false;
    });
  }

  /** Read, change and save one row under a row lock, so that concurrent secret changes do not overwrite each other. */
  private async change(id: string, mutate: (row: WebhookEndpointEntity) => void): Promise<WebhookEndpointEntity> {
    const saved = await this.repo.manager.transaction(async (m: EntityManager) => {
      const row = await m.findOne(WebhookEndpointEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new NotFoundAppException('Webhook endpoint', id);
      mutate(row);
      return m.save(row);
    });
    await this.resolver.changed(id);
    return saved;
  }
}
