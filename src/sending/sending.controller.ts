import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../core/auth/auth.decorators';
import { InjectionResultDto } from './dto/injection-result.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { AuditProxiedWrite } from '../socketlabs/proxied-write-audit.interceptor';
import { SEND_AUDIT_ACTION, sendAuditDetails, sendAuditTarget } from './send-audit';
import { ApiSendMessage } from './sending.openapi';
import { SendingService } from './sending.service';

@ApiTags('Sending')
@Controller('messages')
export class SendingController {
  constructor(private readonly sending: SendingService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @RequireScopes('socketlabs:write')
  // Recorded without the message's content (see send-audit.ts); a send refused by validation is recorded too.
  @AuditProxiedWrite(SEND_AUDIT_ACTION, { target: sendAuditTarget, details: sendAuditDetails })
  @ApiSendMessage()
  async sendMessage(
    @Body() dto: SendMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InjectionResultDto> {
    const { status, response } = await this.sending.send(dto);
    // 207 for a Warning: sent, but not to every recipient (see sending.openapi.ts).
    void reply.status(status);
    return response;
  }
}
