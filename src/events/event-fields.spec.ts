import { Controller, Get } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOkResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { getMetadataArgsStorage } from 'typeorm';
import { NORMALIZED_COLUMNS } from '../webhooks/normalizing/event-columns';
import { normalizeEvent } from '../webhooks/normalizing/event-normalizer';
import { EventResponseDto } from './dto/event.dto';
import { EmailEventEntity } from './entities/email-event.entity';
import { EVENT_FIELDS, PgType } from './event-fields';
import { storedEventColumns } from './event-rows';

@Controller()
class EventOnlyController {
  @Get()
  @ApiOkResponse({ type: EventResponseDto })
  get(): void {}
}

/**
 * The OpenAPI schema of EventResponseDto, as an OpenAPI document built by SwaggerModule has it (its decorators and the
 * Swagger plugin's metadata alike), from an application of one route that answers it.
 */
async function eventSchema(): Promise<{ properties: Record<string, { description?: string; nullable?: boolean }> }> {
  const module = await Test.createTestingModule({ controllers: [EventOnlyController] }).compile();
  const app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  try {
    await app.init();
    const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    return doc.components!.schemas!.EventResponseDto as {
      properties: Record<string, { description?: string; nullable?: boolean }>;
    };
  } finally {
    await app.close();
  }
}

/** How TypeORM declares each PostgreSQL type of the catalogue. */
const ENTITY_TYPES: Record<PgType, { type: string; array?: boolean }> = {
  text: { type: 'text' },
  integer: { type: 'integer' },
  timestamptz: { type: 'timestamptz' },
  jsonb: { type: 'jsonb' },
  'text[]': { type: 'text', array: true },
};

/** The field catalogue (event-fields.ts) is what the entity, the API, the normalizer and the SQL are made from. */
describe('EVENT_FIELDS, the catalogue of typed event fields', () => {
  const columns = getMetadataArgsStorage().columns.filter((c) => c.target === EmailEventEntity);
  const normalized = normalizeEvent({});
  let schema: Awaited<ReturnType<typeof eventSchema>>;

  beforeAll(async () => {
    schema = await eventSchema();
  });

  it('has unique properties and columns', () => {
    expect(new Set(EVENT_FIELDS.map((f) => f.property)).size).toBe(EVENT_FIELDS.length);
    expect(new Set(EVENT_FIELDS.map((f) => f.column)).size).toBe(EVENT_FIELDS.length);
  });

  it.each(EVENT_FIELDS.map((f) => [f.property, f] as const))(
    '%s is a column of EmailEventEntity, of its type',
    (property, f) => {
      const column = columns.find((c) => c.propertyName === property);
      expect(column).toBeDefined();
      expect(column!.options.name).toBe(f.column);
      const expected = ENTITY_TYPES[f.pg];
      expect(column!.options.type).toBe(expected.type);
      expect(Boolean(column!.options.array)).toBe(Boolean(expected.array));
    },
  );

  it.each(EVENT_FIELDS.map((f) => [f.property, f] as const))(
    "%s is a property of EventResponseDto's OpenAPI schema, nullable",
    (property, f) => {
      const documented = schema.properties[property];
      expect(documented).toBeDefined();
      expect(documented.nullable).toBe(true);
      // occurredAt is declared by the class itself (it is a Date there); the others carry the catalogue's words.
      if (property !== 'occurredAt') expect(documented.description).toBe(f.doc);
      else expect(documented.description).toBeTruthy();
    },
  );

  it.each(EVENT_FIELDS.map((f) => [f.property] as const))("%s is a key of normalizeEvent's output", (property) => {
    expect(Object.keys(normalized)).toContain(property);
  });

  it("the normalizer's output is the catalogue and the type, nothing else", () => {
    expect(Object.keys(normalized).sort()).toEqual(
      [...EVENT_FIELDS.map((f) => f.property), 'type', 'knownType', 'canonicalType'].sort(),
    );
  });

  it('the SQL of the ingest INSERT, of re-normalization and of the reads name every column', () => {
    const written = NORMALIZED_COLUMNS.map((c) => c.column);
    const read = storedEventColumns();
    for (const f of EVENT_FIELDS) {
      expect(written).toContain(f.column);
      expect(read).toMatch(new RegExp(`\\be\\.${f.column}\\b`));
    }
  });
});
