import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../core/auth/auth.decorators';
import { ReceiverStatsResponseDto } from './dto/receiver-stats.dto';
import { ReceiverStats } from './receiver.stats';

@ApiTags('Webhook endpoints')
@RequireScopes('admin')
@Controller('webhook-endpoints')
export class ReceiverStatsController {
  constructor(private readonly stats: ReceiverStats) {}

  /**
   * Counters of this process's webhook receiver since it started: accepted and rejected requests, rejections by
   * reason, stored and duplicate events. Per process: with several API processes, ask each or add them up.
   */
  @Get('receiver-stats')
  getReceiverStats(): ReceiverStatsResponseDto {
    return this.stats.snapshot();
  }
}
