import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ReadDatabase } from '../core/database/read-database';
import { NotFoundAppException } from '../core/http/app.exception';
import { pageWindow } from '../core/http/page-query.dto';
import { EmailEventEntity, eventListColumns } from './entities/email-event.entity';
import { MessageEntity } from './entities/message.entity';
import { EventResponseDto } from './dto/event.dto';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MessageDetailResponseDto, MessageListResponseDto, MessageResponseDto } from './dto/message.dto';

const SORT_COLUMNS = { lastEventAt: 'm.last_event_at', statusAt: 'm.status_at', firstEventAt: 'm.first_event_at', id: 'm.id' } as const;

/** Read only: from the replica when DATABASE_READ_URL is set. */
@Injectable()
export class MessagesService {
  private readonly messages: Repository<MessageEntity>;
  private readonly events: Repository<EmailEventEntity>;
  private readonly eventColumns: string[];

  constructor(read: ReadDatabase) {
    this.messages = read.repository(MessageEntity);
    this.events = read.repository(EmailEventEntity);
    this.eventColumns = eventListColumns(this.events.metadata);
  }

  async list(q: ListMessagesQueryDto): Promise<MessageListResponseDto> {
    const filtered = () => {
      const qb = this.messages.createQueryBuilder('m');
      // Addresses are stored lower-cased, so lower-casing the argument keeps the plain index usable.
      if (q.address !== undefined) qb.andWhere('m.address = :address', { address: q.address.toLowerCase() });
      if (q.messageId !== undefined) qb.andWhere('m.message_id = :messageId', { messageId: q.messageId });
      if (q.mailingId !== undefined) qb.andWhere('m.mailing_id = :mailingId', { mailingId: q.mailingId });
      if (q.status !== undefined) qb.andWhere('m.status = :status', { status: q.status });
      if (q.serverId !== undefined) qb.andWhere('m.server_id = :serverId', { serverId: q.serverId });
      if (q.subaccountId !== undefined) qb.andWhere('m.subaccount_id = :subaccountId', { subaccountId: q.subaccountId });
      return qb;
    };
    const { skip, take } = pageWindow(q);
    const direction = q.sortDirection === 'asc' ? 'ASC' : 'DESC';
    const [rows, count] = await Promise.all([
      filtered().orderBy(SORT_COLUMNS[q.sortField], direction).addOrderBy('m.id', direction).offset(skip).limit(take).getMany(),
      filtered().select('COUNT(*)', 'n').getRawOne<{ n: string }>(),
    ]);
    return { data: rows.map(MessageResponseDto.from), total: Number(count?.n ?? 0) };
  }

  async get(id: string): Promise<MessageDetailResponseDto> {
    const message = await this.messages.findOneBy({ id });
    if (!message) throw new NotFoundAppException('Message', id);
    const qb = this.events
      .createQueryBuilder('e')
      .select(this.eventColumns)
      .where(`e.state = 'processed'`)
      // Both tables hold the address lower-cased (the worker writes it so): the (message_id, address) index serves this.
      .andWhere('e.address = :address', { address: message.address })
      .orderBy('e.occurred_at', 'ASC')
      .addOrderBy('e.id', 'ASC');
    if (message.messageId === '') {
      // A message sent without a MessageId gathers that recipient's events that have none.
      qb.andWhere(`(e.message_id IS NULL OR e.message_id = '')`);
    } else {
      qb.andWhere('e.message_id = :messageId', { messageId: message.messageId });
    }
    const events = await qb.getMany();
    return MessageDetailResponseDto.fromWithTimeline(message, events.map(EventResponseDto.from));
  }
}
