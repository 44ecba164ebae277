import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../core/auth/auth.decorators';
import { InjectionResultDto } from './dto/injection-result.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { SendAuditInterceptor } from './send-audit.interceptor';
import { ApiSendMessage } from './sending.openapi';
import { SendingService } from './sending.service';

@ApiTags('Sending')
@Controller('messages')
export class SendingController {
  constructor(private readonly sending: SendingService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @RequireScopes('socketlabs:write')
  @UseInterceptors(SendAuditInterceptor)
  @ApiSendMessage()
  async sendMessage(@Body() dto: SendMessageDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<InjectionResultDto> {
    const { status, response } = await this.sending.send(dto);
    // 207 for a Warning: sent, but not to every recipient (see sending.openapi.ts).
    void reply.status(status);
    return response as InjectionResultDto;
  }
}
