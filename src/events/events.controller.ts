import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../core/audit/audit.service';
import { CurrentPrincipal, Principal, RequireScopes } from '../core/auth/auth.decorators';
import { AppException } from '../core/http/app.exception';
import { ParseBigIntIdPipe } from './bigint-id.pipe';
import { EventDetailResponseDto, EventListResponseDto } from './dto/event.dto';
import { EventFeedQueryDto, EventFeedResponseDto } from './dto/event-feed.dto';
import { EventStatsResponseDto } from './dto/event-stats.dto';
import { EventStatsQueryDto, ListEventsQueryDto } from './dto/list-events-query.dto';
import { ReplayEventsDto, ReplayResponseDto } from './dto/replay-events.dto';
import { ApiInvalidRequest, ApiNotFound } from './events.openapi';
import { EventsService } from './events.service';

@ApiTags('Events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Stored events, newest first by default. Every filter matches from the moment an event is stored (its typed
   * fields are written with it). `from`/`to` apply to `occurredAt`. `total` is exact up to 10,000 matching events
   * (or when the counters know it: no filter but type, trackingType, state and whole hours); beyond, `totalExact`
   * is false and `total` a lower bound.
   */
  @Get()
  @RequireScopes('events:read')
  @ApiOkResponse({ type: EventListResponseDto })
  @ApiInvalidRequest()
  listEvents(@Query() query: ListEventsQueryDto): Promise<EventListResponseDto> {
    return this.events.list(query);
  }

  /**
   * Event counts per type, tracking type and processing state over a window of whole hours (all time without one),
   * from counters: as fast with a billion events as with ten. `byState.pending` is the backlog; `byState.failed`
   * are dead events to look at and replay.
   */
  @Get('stats')
  @RequireScopes('events:read')
  @ApiOkResponse({ type: EventStatsResponseDto })
  @ApiInvalidRequest()
  getEventStats(@Query() query: EventStatsQueryDto): Promise<EventStatsResponseDto> {
    return this.events.stats(query);
  }

  /**
   * The change feed: every stored event, once, in one order, for a service that must not miss any. Follow
   * `nextCursor` page after page (an empty page means nothing new yet; ask again later with the same cursor).
   * Events appear as they are stored with their typed fields (an event the receiver had to store raw, once a
   * worker has normalized it), and only when no older transaction can still commit, so the order never changes
   * behind a cursor. Their message status may be derived a moment later (`state` says whether it was). A replayed
   * event comes again: deduplicate by `id`. A transaction that stays open in the database holds the feed back
   * until it ends.
   */
  @Get('feed')
  @RequireScopes('events:read')
  @ApiOkResponse({ type: EventFeedResponseDto })
  @ApiInvalidRequest()
  getEventFeed(@Query() query: EventFeedQueryDto): Promise<EventFeedResponseDto> {
    return this.events.feed(query);
  }

  /** One event, with the raw payload SocketLabs posted (never its SecretKey). */
  @Get(':id')
  @RequireScopes('events:read')
  @ApiOkResponse({ type: EventDetailResponseDto })
  @ApiInvalidRequest()
  @ApiNotFound('Event')
  getEvent(@Param('id', new ParseBigIntIdPipe()) id: string): Promise<EventDetailResponseDto> {
    return this.events.get(id);
  }

  /**
   * Processes one event again from its raw payload, whatever its state: it is set back to `pending` with no
   * attempts and queued. If Redis is down the answer is still 202 (`queued: false`): the sweeper queues
   * pending events once it is back. Processing is idempotent, so replaying a processed event is safe.
   */
  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('admin')
  @ApiAcceptedResponse({ type: ReplayResponseDto })
  @ApiInvalidRequest()
  @ApiNotFound('Event')
  async replayEvent(
    @Param('id', new ParseBigIntIdPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<ReplayResponseDto> {
    const result = await this.events.replayOne(id);
    await this.audit.record(principal, {
      action: 'events.replay',
      method: 'POST',
      path: `/api/v1/events/${id}/replay`,
      target: id,
      status: HttpStatus.ACCEPTED,
      details: { ...result },
      requestId: String(req.id),
    });
    return result;
  }

  /**
   * Processes events again: `{ "state": "failed" }` replays the dead rows (at most 1000 per call, oldest
   * first), `{ "ids": [...] }` the given events (at most 1000; unknown ids are skipped). Same guarantees as
   * replaying one event: rows are pending before the answer, queued if Redis is up, swept otherwise.
   */
  @Post('replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('admin')
  @ApiAcceptedResponse({ type: ReplayResponseDto })
  @ApiInvalidRequest()
  async replayEvents(
    @Body() dto: ReplayEventsDto,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ): Promise<ReplayResponseDto> {
    if (dto.ids && dto.state) {
      throw new AppException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'give either state or ids, not both');
    }
    const { ids, ...result } = await this.events.replay(dto.ids ? { ids: dto.ids } : { state: 'failed' });
    await this.audit.record(principal, {
      action: 'events.replay',
      method: 'POST',
      path: '/api/v1/events/replay',
      target: dto.ids ? null : 'state=failed',
      status: HttpStatus.ACCEPTED,
      details: {
        ...result,
        requested: dto.ids ? dto.ids.length : undefined,
        firstId: ids[0],
        lastId: ids[ids.length - 1],
      },
      requestId: String(req.id),
    });
    return result;
  }
}
