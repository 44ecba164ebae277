import { ListTotalDto } from '../../core/http/list-total';
import { ApiProperty } from '@nestjs/swagger';
import { MESSAGE_STATUSES, MessageEntity, MessageStatus } from '../entities/message.entity';
import { EventResponseDto } from './event.dto';

export class MessageEngagementDto {
  opened: boolean;
  firstOpenedAt: Date | null;
  openCount: number;
  clicked: boolean;
  firstClickedAt: Date | null;
  clickCount: number;
  unsubscribed: boolean;
  unsubscribedAt: Date | null;
}

/** One message to one recipient, with its current status derived from all of its events. */
export class MessageResponseDto {
  /** Row id (a 64-bit integer, as a string). @example "311" */
  id: string;
  /** SocketLabs MessageId as given at send time ('' when the sender gave none). @example "order-8812" */
  messageId: string;
  /** Recipient, lower-cased. @example "jane@example.com" */
  address: string;
  /** @example "spring-sale" */
  mailingId: string | null;
  serverId: number | null;
  subaccountId: number | null;

  /**
   * The current status. A complaint or a permanent failure is not hidden by a later open, and a bounce after
   * a delivery makes the message failed, whatever order the events arrived in.
   */
  @ApiProperty({ enum: MESSAGE_STATUSES, example: 'delivered' })
  status: MessageStatus;

  /** When the event that decided `status` occurred. */
  statusAt: Date | null;

  /** @example "Permanent" */
  failureType: string | null;
  /** @example 2001 */
  failureCode: number | null;
  failureReason: string | null;

  queuedAt: Date | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
  complainedAt: Date | null;

  engagement: MessageEngagementDto;

  /** Processed events of this message and recipient. */
  eventCount: number;
  firstEventAt: Date | null;
  lastEventAt: Date | null;
  updatedAt: Date;

  static from(this: void, m: MessageEntity): MessageResponseDto {
    return fill(new MessageResponseDto(), m);
  }
}

export class MessageDetailResponseDto extends MessageResponseDto {
  /** Its processed events in the order they occurred (then by id), without raw payloads. */
  timeline: EventResponseDto[];

  static fromWithTimeline(m: MessageEntity, timeline: EventResponseDto[]): MessageDetailResponseDto {
    const dto = fill(new MessageDetailResponseDto(), m);
    dto.timeline = timeline;
    return dto;
  }
}

function fill<T extends MessageResponseDto>(dto: T, m: MessageEntity): T {
  return Object.assign(dto, {
    id: m.id,
    messageId: m.messageId,
    address: m.address,
    mailingId: m.mailingId,
    serverId: m.serverId,
    subaccountId: m.subaccountId,
    status: m.status,
    statusAt: m.statusAt,
    failureType: m.failureType,
    failureCode: m.failureCode,
    failureReason: m.failureReason,
    queuedAt: m.queuedAt,
    deliveredAt: m.deliveredAt,
    failedAt: m.failedAt,
    complainedAt: m.complainedAt,
    engagement: {
      opened: m.openCount > 0 || m.firstOpenedAt !== null,
      firstOpenedAt: m.firstOpenedAt,
      openCount: m.openCount,
      clicked: m.clickCount > 0 || m.firstClickedAt !== null,
      firstClickedAt: m.firstClickedAt,
      clickCount: m.clickCount,
      unsubscribed: m.unsubscribedAt !== null,
      unsubscribedAt: m.unsubscribedAt,
    },
    eventCount: m.eventCount,
    firstEventAt: m.firstEventAt,
    lastEventAt: m.lastEventAt,
    updatedAt: m.updatedAt,
  });
}

export class MessageListResponseDto extends ListTotalDto {
  data: MessageResponseDto[];
}
