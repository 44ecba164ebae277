import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config';
import { ReadDatabase } from '../core/database/read-database';
import { NotFoundAppException } from '../core/http/app.exception';
import { boundedCount } from '../core/http/list-total';
import { pageWindow } from '../core/http/page-query.dto';
import { addressFingerprint, storedAddress } from './address-fingerprint';
import { ErasedSuppressionEntity } from './entities/erased-suppression.entity';
import { SuppressionEntity } from './entities/suppression.entity';
import { ListSuppressionsQueryDto, SuppressionListResponseDto, SuppressionResponseDto } from './dto/suppression.dto';

const SORT_COLUMNS = {
  createdAt: 's.created_at',
  updatedAt: 's.updated_at',
  occurredAt: 's.occurred_at',
  address: 's.address',
} as const;

@Injectable()
export class SuppressionsService {
  /** Lists and lookups: from the replica when DATABASE_READ_URL is set. */
  private readonly reads: Repository<SuppressionEntity>;
  private readonly erasedReads: Repository<ErasedSuppressionEntity>;

  constructor(
    /** The primary: a removal writes. */
    @InjectRepository(SuppressionEntity) private readonly suppressions: Repository<SuppressionEntity>,
    read: ReadDatabase,
    private readonly config: AppConfig,
  ) {
    this.reads = read.repository(SuppressionEntity);
    this.erasedReads = read.repository(ErasedSuppressionEntity);
  }

  async list(q: ListSuppressionsQueryDto): Promise<SuppressionListResponseDto> {
    const filtered = () => {
      const qb = this.reads.createQueryBuilder('s');
      if (q.address !== undefined) qb.andWhere('s.address = :address', { address: q.address.toLowerCase() });
      if (q.reason !== undefined) qb.andWhere('s.reason = :reason', { reason: q.reason });
      return qb;
    };
    const { skip, take } = pageWindow(q);
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const rows = filtered().orderBy(SORT_COLUMNS[q.sortField], direction);
    if (q.sortField !== 'address') rows.addOrderBy('s.address', direction);
    const [counted, countParams] = filtered().select('1').getQueryAndParameters();
    const [data, total] = await Promise.all([
      rows.offset(skip).limit(take).getMany(),
      boundedCount((sql, p) => this.reads.manager.query(sql, p), counted, countParams),
    ]);
    return { data: data.map(SuppressionResponseDto.from), ...total };
  }

  /**
   * A primary-key lookup: this is what senders call before every message, so it stays one index probe (two for an
   * address that is not suppressed: the suppressions kept for erased addresses, by fingerprint).
   */
  async get(address: string): Promise<SuppressionResponseDto> {
    const row = await this.reads.findOneBy({ address: storedAddress(address) });
    if (row) return SuppressionResponseDto.from(row);
    const fingerprint = this.fingerprint(address);
    const erased = fingerprint && (await this.erasedReads.findOneBy({ fingerprint }));
    if (!erased) throw new NotFoundAppException('Suppression', address);
    return SuppressionResponseDto.fromErased(storedAddress(address), erased);
  }

  /** Removes the address' suppression, and the one kept for it if it was erased; answers the first of them. */
  async remove(address: string): Promise<SuppressionResponseDto> {
    const stored = storedAddress(address);
    const fingerprint = this.fingerprint(address);
    return this.suppressions.manager.transaction(async (m) => {
      const [rows] = await m.query<[Array<Record<string, unknown>>, number]>(
        'DELETE FROM suppressions WHERE address = $1 RETURNING *',
        [stored],
      );
      const [erased] = fingerprint
        ? await m.query<[Array<Record<string, unknown>>, number]>(
            'DELETE FROM erased_suppressions WHERE fingerprint = $1 RETURNING *',
            [fingerprint],
          )
        : [[]];
      if (rows.length > 0) return SuppressionResponseDto.from(suppressionOf(rows[0]));
      if (erased.length > 0) {
        const e = erased[0];
        return SuppressionResponseDto.fromErased(
          stored,
          Object.assign(new ErasedSuppressionEntity(), {
            reason: e.reason,
            suppressedAt: e.suppressed_at,
            erasedAt: e.erased_at,
          }),
        );
      }
      throw new NotFoundAppException('Suppression', address);
    });
  }

  /** Null without ERASURE_SECRET: no address can have been erased. */
  private fingerprint(address: string): Buffer | null {
    const secret = this.config.privacy.fingerprintSecret;
    return secret ? addressFingerprint(secret, address) : null;
  }
}

function suppressionOf(r: Record<string, unknown>): SuppressionEntity {
  return Object.assign(new SuppressionEntity(), {
    address: r.address,
    reason: r.reason,
    eventId: String(r.event_id),
    occurredAt: r.occurred_at,
    messageId: r.message_id,
    failureCode: r.failure_code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}
