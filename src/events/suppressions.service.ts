import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ReadDatabase } from '../core/database/read-database';
import { NotFoundAppException } from '../core/http/app.exception';
import { pageWindow } from '../core/http/page-query.dto';
import { SuppressionEntity } from './entities/suppression.entity';
import { ListSuppressionsQueryDto, SuppressionListResponseDto, SuppressionResponseDto } from './dto/suppression.dto';

const SORT_COLUMNS = { createdAt: 's.created_at', updatedAt: 's.updated_at', occurredAt: 's.occurred_at', address: 's.address' } as const;

@Injectable()
export class SuppressionsService {
  /** Lists and lookups: from the replica when DATABASE_READ_URL is set. */
  private readonly reads: Repository<SuppressionEntity>;

  constructor(
    /** The primary: a removal writes. */
    @InjectRepository(SuppressionEntity) private readonly suppressions: Repository<SuppressionEntity>,
    read: ReadDatabase,
  ) {
    this.reads = read.repository(SuppressionEntity);
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
    const [data, count] = await Promise.all([
      rows.offset(skip).limit(take).getMany(),
      filtered().select('COUNT(*)', 'n').getRawOne<{ n: string }>(),
    ]);
    return { data: data.map(SuppressionResponseDto.from), total: Number(count?.n ?? 0) };
  }

  /** A primary-key lookup: this is what senders call before every message, so it stays one index probe. */
  async get(address: string): Promise<SuppressionResponseDto> {
    const row = await this.reads.findOneBy({ address: address.toLowerCase() });
    if (!row) throw new NotFoundAppException('Suppression', address);
    return SuppressionResponseDto.from(row);
  }

  async remove(address: string): Promise<SuppressionResponseDto> {
    const [rows] = (await this.suppressions.query('DELETE FROM suppressions WHERE address = $1 RETURNING *', [address.toLowerCase()])) as [
      Array<Record<string, unknown>>,
      number,
    ];
    if (rows.length === 0) throw new NotFoundAppException('Suppression', address);
    const r = rows[0];
    return SuppressionResponseDto.from(
      Object.assign(new SuppressionEntity(), {
        address: r.address,
        reason: r.reason,
        eventId: String(r.event_id),
        occurredAt: r.occurred_at,
        messageId: r.message_id,
        failureCode: r.failure_code,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    );
  }
}
