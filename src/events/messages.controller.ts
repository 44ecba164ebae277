import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../core/auth/auth.decorators';
import { ParseBigIntIdPipe } from './bigint-id.pipe';
import { ListMessagesQueryDto } from './dto/list-messages-query.dto';
import { MessageDetailResponseDto, MessageListResponseDto } from './dto/message.dto';
import { ApiInvalidRequest, ApiNotFound } from './events.openapi';
import { MessagesService } from './messages.service';

@ApiTags('Messages')
@RequireScopes('events:read')
@Controller('messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /**
   * One row per message and recipient with its current status and engagement, most recently active first
   * by default. Find a message by `messageId` (and `address`), a campaign by `mailingId`.
   */
  @Get()
  @ApiOkResponse({ type: MessageListResponseDto })
  @ApiInvalidRequest()
  listMessages(@Query() query: ListMessagesQueryDto): Promise<MessageListResponseDto> {
    return this.messages.list(query);
  }

  /** One message and recipient, with the timeline of its processed events. */
  @Get(':id')
  @ApiOkResponse({ type: MessageDetailResponseDto })
  @ApiInvalidRequest()
  @ApiNotFound('Message')
  getMessage(@Param('id', new ParseBigIntIdPipe()) id: string): Promise<MessageDetailResponseDto> {
    return this.messages.get(id);
  }
}
