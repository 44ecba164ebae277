import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ReadDatabase } from '../core/database/read-database';
import { NotFoundAppException } from '../core/http/app.exception';
import { boundedCount } from '../core/http/list-total';
import { pageWindow } from '../core/http/page-query.dto';
import { MessageEntity } from './entities/message.entity';
import { EventResponseDto } from './dto/event.dto';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MessageDetailResponseDto, MessageListResponseDto, MessageResponseDto } from './dto/message.dto';
import { BACKLOG_OF_E, storedEvent, storedEventColumns } from './event-rows';

const SORT_COLUMNS = {
  lastEventAt: 'm.last_event_at',
  statusAt: 'm.status_at',
  firstEventAt: 'm.first_event_at',
  id: 'm.id',
} as const;

/** Read only: from the replica when DATABASE_READ_URL is set. */
@Injectable()
export class MessagesService {
  private readonly messages: Repository<MessageEntity>;

  constructor(private readonly read: ReadDatabase) {
    this.messages = read.repository(MessageEntity);
  }

  async list(q: ListMessagesQueryDto): Promise<MessageListResponseDto> {
    const filtered = (alias: string) => {
      const qb = this.messages.createQueryBuilder(alias);
      // Addresses are stored lower-cased, so lower-casing the argument keeps the plain index usable.
      if (q.address !== undefined) qb.andWhere(`${alias}.address = :address`, { address: q.address.toLowerCase() });
      if (q.messageId !== undefined) qb.andWhere(`${alias}.message_id = :messageId`, { messageId: q.messageId });
      if (q.mailingId !== undefined) qb.andWhere(`${alias}.mailing_id = :mailingId`, { mailingId: q.mailingId });
      if (q.status !== undefined) qb.andWhere(`${alias}.status = :status`, { status: q.status });
      if (q.serverId !== undefined) qb.andWhere(`${alias}.server_id = :serverId`, { serverId: q.serverId });
      if (q.subaccountId !== undefined)
        qb.andWhere(`${alias}.subaccount_id = :subaccountId`, { subaccountId: q.subaccountId });
      return qb;
    };
    const { skip, take } = pageWindow(q);
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const sort = SORT_COLUMNS[q.sortField];
    // One recipient's, one message's or one mailing's messages are a bounded set, close together in time. Sorted by
    // another column than the default (which their index holds), they are read and sorted: PostgreSQL would rather
    // walk that column's index until it has met a page of them, believing them spread evenly, and reads every newer
    // message first (a mailing sorted by statusAt: 640 ms at 2 M messages, 15 ms sorted). `+ 0` keeps the order and
    // hides the index.
    const sortMatches =
      sort !== 'm.last_event_at' && (q.address !== undefined || q.messageId !== undefined || q.mailingId !== undefined);
    const idsSort =
      sort.replace('m.', 'k.') + (!sortMatches ? '' : sort === 'm.id' ? ' + 0' : " + interval '0 seconds'");
    // The page's ids from an index alone (an OFFSET then reads index entries, not rows), then those rows by primary
    // key: one statement, one round trip.
    const ids = filtered('k').select('k.id').orderBy(idsSort, direction);
    if (sort !== 'm.id') ids.addOrderBy('k.id', direction);
    ids.offset(skip).limit(take);
    const page = this.messages
      .createQueryBuilder('m')
      .where(`m.id IN (${ids.getQuery()})`)
      .setParameters(ids.getParameters())
      .orderBy(sort, direction);
    if (sort !== 'm.id') page.addOrderBy('m.id', direction);
    const [counted, countParams] = filtered('m').select('1').getQueryAndParameters();
    const [data, total] = await Promise.all([
      page.getMany(),
      boundedCount((sql, p) => this.read.dataSource.query(sql, p), counted, countParams),
    ]);
    return { data: data.map(MessageResponseDto.from), ...total };
  }

  async get(id: string): Promise<MessageDetailResponseDto> {
    const message = await this.messages.findOneBy({ id });
    if (!message) throw new NotFoundAppException('Message', id);
    // Both tables hold the address lower-cased: the (message_id, address) index serves this, in each partition.
    // A message sent without a MessageId gathers that recipient's events that have none. Processed events only (no
    // backlog row), as documented: a pending or dead event has not made the message what it is.
    const byMessage = message.messageId === '' ? `(e.message_id IS NULL OR e.message_id = '')` : 'e.message_id = $2';
    const rows: Record<string, unknown>[] = await this.read.dataSource.query(
      `SELECT ${storedEventColumns()} FROM email_events e ${BACKLOG_OF_E}
       WHERE e.address = $1 AND ${byMessage} AND e.known_type AND b.state IS NULL
       ORDER BY e.occurred_at, e.id`,
      message.messageId === '' ? [message.address] : [message.address, message.messageId],
    );
    return MessageDetailResponseDto.fromWithTimeline(
      message,
      rows.map((r) => EventResponseDto.from(storedEvent(r))),
    );
  }
}
